//! Each program's parameters, read from `[workload.params]` with defaults and bounds.

use super::params::Params;

/// The parameters of program `dividend` (documented with the program, in `program::dividend`).
#[derive(Debug, Clone, PartialEq)]
pub struct DividendConfig {
    pub holders: u64,
    pub frozen: u64,
    pub unverified: u64,
    pub declared: u128,
    pub max_units: u64,
}

impl DividendConfig {
    pub fn read(p: &mut Params<'_>) -> Self {
        let holders = p.count("holders", 5000, 1, 1_000_000);
        let frozen = p.count("frozen", 25, 0, 1_000_000);
        let unverified = p.count("unverified", 25, 0, 1_000_000);
        let max_units = p.count("max_units", 1000, 1, 1_000_000_000);
        let declared = p.amount("declared", 100_000_000, 1);
        if frozen + unverified > holders {
            p.error(
                "unverified",
                format!(
                    "frozen ({frozen}) + unverified ({unverified}) exceed the {holders} holders"
                ),
            );
        }
        if declared < holders as u128 * max_units as u128 {
            p.error(
                "declared",
                format!(
                    "must be at least holders × max_units = {} so every holder is owed at least 1",
                    holders as u128 * max_units as u128
                ),
            );
        }
        DividendConfig { holders, frozen, unverified, declared, max_units }
    }
}

/// The parameters of program `rebalance` (documented with the program, in `program::rebalance`).
#[derive(Debug, Clone, PartialEq)]
pub struct RebalanceConfig {
    pub pairs: u64,
    pub participants: u64,
    pub securities: u64,
    pub fail_share: f64,
    pub max_qty: u64,
    pub max_price: u64,
}

impl RebalanceConfig {
    pub fn read(p: &mut Params<'_>) -> Self {
        RebalanceConfig {
            pairs: p.count("pairs", 20_000, 1, 10_000_000),
            participants: p.count("participants", 2000, 2, 10_000_000),
            securities: p.count("securities", 10, 1, 1000),
            fail_share: p.share("fail_share", 0.05, 1.0),
            max_qty: p.count("max_qty", 100, 1, 1_000_000_000),
            max_price: p.count("max_price", 100, 1, 1_000_000_000),
        }
    }
}

/// The parameters of program `netting` (documented with the program, in `program::netting`).
#[derive(Debug, Clone, PartialEq)]
pub struct NettingConfig {
    pub cycles: u64,
    pub cycle_len: u64,
    pub unfundable_share: f64,
    pub gross_probes: u64,
}

impl NettingConfig {
    pub fn read(p: &mut Params<'_>) -> Self {
        let cycles = p.count("cycles", 200, 1, 1_000_000);
        let cfg = NettingConfig {
            cycles,
            cycle_len: p.count("cycle_len", 4, 3, 1000),
            unfundable_share: p.share("unfundable_share", 0.1, 1.0),
            gross_probes: p.count("gross_probes", 20, 0, 1_000_000),
        };
        if cfg.gross_probes > cycles {
            p.error("gross_probes", format!("at most one probe per cycle ({cycles})"));
        }
        cfg
    }
}

/// The parameters of program `double_spend` (documented with the program, in `program::double_spend`).
#[derive(Debug, Clone, PartialEq)]
pub struct DoubleSpendConfig {
    pub pairs: u64,
    pub balance: u128,
}

impl DoubleSpendConfig {
    pub fn read(p: &mut Params<'_>) -> Self {
        DoubleSpendConfig {
            pairs: p.count("pairs", 500, 1, 1_000_000),
            balance: p.amount("balance", 1000, 4),
        }
    }
}

/// The parameters of program `rollback` (documented with the program, in `program::rollback`).
#[derive(Debug, Clone, PartialEq)]
pub struct RollbackConfig {
    pub accounts: u64,
    pub poor: u64,
    pub unverified: u64,
    pub balance: u128,
    pub amount_max: u128,
    pub invalid_share: f64,
}

impl RollbackConfig {
    pub fn read(p: &mut Params<'_>) -> Self {
        let cfg = RollbackConfig {
            accounts: p.count("accounts", 1000, 2, 10_000_000),
            poor: p.count("poor", 50, 1, 1_000_000),
            unverified: p.count("unverified", 50, 1, 1_000_000),
            balance: p.amount("balance", 1_000_000, 1),
            amount_max: p.amount("amount_max", 100, 1),
            invalid_share: p.share("invalid_share", 0.1, 1.0),
        };
        if cfg.amount_max > cfg.balance {
            p.error("amount_max", format!("above the payers' balance ({})", cfg.balance));
        }
        cfg
    }
}

/// The parameters of program `compliance` (documented with the program, in `program::compliance`).
#[derive(Debug, Clone, PartialEq)]
pub struct ComplianceConfig {
    pub cases: u64,
    pub investors: u64,
}

impl ComplianceConfig {
    pub fn read(p: &mut Params<'_>) -> Self {
        ComplianceConfig {
            cases: p.count("cases", 2000, 1, 100_000_000),
            investors: p.count("investors", 40, 10, 100_000),
        }
    }
}

/// The parameters of program `kyc_revocation` (documented with the program, in `program::kyc_revocation`).
#[derive(Debug, Clone, PartialEq)]
pub struct KycRevocationConfig {
    pub investors: u64,
}

impl KycRevocationConfig {
    pub fn read(p: &mut Params<'_>) -> Self {
        KycRevocationConfig { investors: p.count("investors", 300, 6, 1_000_000) }
    }
}

/// The parameters of program `reserve` (documented with the program, in `program::reserve`).
#[derive(Debug, Clone, PartialEq)]
pub struct ReserveConfig {
    pub holders: u64,
    pub balance: u128,
    pub headroom: u128,
    pub redeem_share: f64,
    pub overdraw_share: f64,
    pub mints: u64,
}

impl ReserveConfig {
    pub fn read(p: &mut Params<'_>) -> Self {
        ReserveConfig {
            holders: p.count("holders", 1000, 1, 10_000_000),
            balance: p.amount("balance", 10_000, 1),
            headroom: p.amount("headroom", 100_000, 2),
            redeem_share: p.share("redeem_share", 0.6, 1.0),
            overdraw_share: p.share("overdraw_share", 0.05, 1.0),
            mints: p.count("mints", 30, 0, 1_000_000),
        }
    }
}

/// The parameters of program `spam` (documented with the program, in `program::spam`).
#[derive(Debug, Clone, PartialEq)]
pub struct SpamConfig {
    pub accounts: u64,
    pub spammers: u64,
    pub balance: u128,
    pub amount_max: u128,
    pub factor: u64,
    pub flood_phase: u64,
}

impl SpamConfig {
    pub fn read(p: &mut Params<'_>) -> Self {
        let cfg = SpamConfig {
            accounts: p.count("accounts", 1000, 2, 10_000_000),
            spammers: p.count("spammers", 100, 1, 1_000_000),
            balance: p.amount("balance", 1_000_000, 1),
            amount_max: p.amount("amount_max", 100, 1),
            factor: p.count("factor", 10, 1, 1000),
            flood_phase: p.count("flood_phase", 1, 0, 63),
        };
        if cfg.amount_max > cfg.balance {
            p.error("amount_max", format!("above the payers' balance ({})", cfg.balance));
        }
        cfg
    }
}
