use super::*;
use crate::ids::TxId;
use crate::ledger::{AdminAction as A, AssetPolicy, Claim, Leg, Operation};
use crate::reason::Reason;

struct T {
    m: LedgerModel,
    next: u64,
}

impl T {
    /// BOND: KYC security issued by agent `ag`; USD: cash; STB: stablecoin by `ag`.
    fn new() -> T {
        let mut m = LedgerModel::new();
        m.add_asset("BOND", Some(AssetPolicy::security("ag")));
        m.add_asset("USD", None);
        m.add_asset("STB", Some(AssetPolicy::stablecoin("ag")));
        for a in ["a0", "a1", "a2", "a3"] {
            m.genesis(a, "USD", 1000);
        }
        let mut t = T { m, next: 0 };
        t.ok(admin(AUTHORITY, A::AppointInstitution { institution: "bank".into() }));
        for a in ["a0", "a1"] {
            t.ok(admin("bank", A::IssueClaim { investor: a.into(), claim: Claim::Kyc }));
        }
        t.ok(admin("ag", A::Mint { to: "a0".into(), asset: "BOND".into(), amount: 100 }));
        t
    }

    fn apply(&mut self, op: Operation) -> Result<(), Reason> {
        self.next += 1;
        self.m.apply(TxId(self.next), &op, None)
    }

    fn ok(&mut self, op: Operation) {
        let r = self.apply(op.clone());
        assert_eq!(r, Ok(()), "{op:?}");
    }

    fn err(&mut self, op: Operation, reason: Reason) {
        let before = format!("{:?}", self.m);
        assert_eq!(self.apply(op.clone()), Err(reason), "{op:?}");
        assert_eq!(format!("{:?}", self.m), before, "a rejected operation changes nothing");
    }
}

fn admin(by: &str, action: A) -> Operation {
    Operation::Admin { by: by.into(), action }
}

fn tr(from: &str, to: &str, asset: &str, amount: u128) -> Operation {
    Operation::Transfer { from: from.into(), to: to.into(), asset: asset.into(), amount }
}

#[test]
fn plain_transfers_and_balance() {
    let mut t = T::new();
    t.ok(tr("a0", "a1", "USD", 400));
    assert_eq!((t.m.balance("a0", "USD"), t.m.balance("a1", "USD")), (600, 1400));
    t.err(tr("a0", "a1", "USD", 601), Reason::InsufficientBalance);
    t.err(tr("a0", "a0", "USD", 1), Reason::Malformed);
    t.err(tr("a0", "a1", "XXX", 1), Reason::Malformed);
    t.err(tr("a0", "a1", "USD", 0), Reason::Malformed);
}

#[test]
fn identity_gating_and_revocation_cascade() {
    let mut t = T::new();
    t.ok(tr("a0", "a1", "BOND", 10));
    t.err(tr("a0", "a2", "BOND", 10), Reason::InvalidReceiver);
    t.err(tr("a2", "a0", "BOND", 1), Reason::InvalidSender);
    // a1 also certified by a second bank: stays verified when the first is revoked; a0 does not.
    t.ok(admin(AUTHORITY, A::AppointInstitution { institution: "bank2".into() }));
    t.ok(admin("bank2", A::IssueClaim { investor: "a1".into(), claim: Claim::Kyc }));
    t.ok(admin(AUTHORITY, A::RevokeInstitution { institution: "bank".into() }));
    assert!(!t.m.verified("a0", "BOND"));
    assert!(t.m.verified("a1", "BOND"));
    t.err(tr("a1", "a0", "BOND", 1), Reason::InvalidReceiver);
    t.err(
        admin("bank", A::IssueClaim { investor: "a2".into(), claim: Claim::Kyc }),
        Reason::Unauthorized,
    );
}

#[test]
fn freeze_whole_and_partial() {
    let mut t = T::new();
    t.ok(admin("ag", A::Freeze { account: "a0".into(), asset: "BOND".into(), amount: Some(95) }));
    t.err(tr("a0", "a1", "BOND", 6), Reason::InsufficientBalance);
    t.ok(tr("a0", "a1", "BOND", 5));
    t.ok(admin("ag", A::Freeze { account: "a1".into(), asset: "BOND".into(), amount: None }));
    t.err(tr("a1", "a0", "BOND", 1), Reason::FrozenSender);
    t.err(tr("a0", "a1", "BOND", 1), Reason::FrozenReceiver);
    t.err(
        admin("a0", A::Unfreeze { account: "a1".into(), asset: "BOND".into() }),
        Reason::Unauthorized,
    );
    t.ok(admin("ag", A::Unfreeze { account: "a1".into(), asset: "BOND".into() }));
    t.ok(tr("a1", "a0", "BOND", 1));
}

#[test]
fn pause_and_unpause() {
    let mut t = T::new();
    t.ok(admin("ag", A::Pause { asset: "BOND".into() }));
    t.err(tr("a0", "a1", "BOND", 1), Reason::Paused);
    t.ok(admin("ag", A::Unpause { asset: "BOND".into() }));
    t.ok(tr("a0", "a1", "BOND", 1));
}

#[test]
fn holding_limits() {
    let mut m = LedgerModel::new();
    let mut p = AssetPolicy::security("ag");
    p.max_holders = Some(2);
    p.max_per_investor = Some(60);
    p.max_per_transfer = Some(50);
    m.add_asset("EQ", Some(p));
    let mut t = T { m, next: 0 };
    t.ok(admin(AUTHORITY, A::AppointInstitution { institution: "bank".into() }));
    for a in ["a0", "a1", "a2"] {
        t.ok(admin("bank", A::IssueClaim { investor: a.into(), claim: Claim::Kyc }));
    }
    t.ok(admin("ag", A::Mint { to: "a0".into(), asset: "EQ".into(), amount: 60 }));
    t.err(
        admin("ag", A::Mint { to: "a0".into(), asset: "EQ".into(), amount: 1 }),
        Reason::LimitExceeded,
    );
    t.err(tr("a0", "a1", "EQ", 51), Reason::LimitExceeded);
    t.ok(tr("a0", "a1", "EQ", 30));
    t.err(tr("a0", "a2", "EQ", 10), Reason::LimitExceeded); // a third holder
    t.ok(tr("a0", "a2", "EQ", 30)); // a0 leaves: still two holders
    assert_eq!(t.m.holders("EQ"), 2);
}

#[test]
fn issuer_powers_need_the_agent_and_a_verified_receiver() {
    let mut t = T::new();
    t.err(
        admin(
            "a1",
            A::ForcedTransfer {
                from: "a0".into(),
                to: "a1".into(),
                asset: "BOND".into(),
                amount: 10,
            },
        ),
        Reason::Unauthorized,
    );
    t.err(
        admin(
            "ag",
            A::ForcedTransfer {
                from: "a0".into(),
                to: "a2".into(),
                asset: "BOND".into(),
                amount: 10,
            },
        ),
        Reason::InvalidReceiver,
    );
    t.ok(admin("ag", A::Freeze { account: "a0".into(), asset: "BOND".into(), amount: None }));
    t.ok(admin(
        "ag",
        A::ForcedTransfer { from: "a0".into(), to: "a1".into(), asset: "BOND".into(), amount: 10 },
    ));
    t.err(
        admin(
            "ag",
            A::Recover {
                lost: "a0".into(),
                replacement: "a1".into(),
                asset: "BOND".into(),
                amount: 89,
            },
        ),
        Reason::Malformed,
    );
    t.ok(admin(
        "ag",
        A::Recover {
            lost: "a0".into(),
            replacement: "a1".into(),
            asset: "BOND".into(),
            amount: 90,
        },
    ));
    assert_eq!(t.m.balance("a1", "BOND"), 100);
    t.err(tr("a1", "a0", "BOND", 1), Reason::FrozenSender); // the freeze follows the holding
    t.err(
        admin(
            "ag",
            A::Recover {
                lost: "a1".into(),
                replacement: "a3".into(),
                asset: "BOND".into(),
                amount: 100,
            },
        ),
        Reason::InvalidReceiver,
    );
}

#[test]
fn reserve_bounds_stablecoin_supply() {
    let mut t = T::new();
    t.err(
        admin("ag", A::Mint { to: "a2".into(), asset: "STB".into(), amount: 1 }),
        Reason::ReserveExceeded,
    );
    t.ok(admin("ag", A::AttestReserve { asset: "STB".into(), amount: 500 }));
    t.ok(admin("ag", A::Mint { to: "a2".into(), asset: "STB".into(), amount: 500 }));
    t.err(
        admin("ag", A::Mint { to: "a3".into(), asset: "STB".into(), amount: 1 }),
        Reason::ReserveExceeded,
    );
    t.ok(Operation::Redeem { from: "a2".into(), asset: "STB".into(), amount: 200 });
    assert_eq!(t.m.supply("STB"), 300);
    t.ok(tr("a2", "a3", "STB", 100)); // open stablecoin: anyone may hold it
}

#[test]
fn product_whitelist() {
    let mut m = LedgerModel::new();
    let p = AssetPolicy { issuer: "ag".into(), listed_product: true, ..Default::default() };
    m.add_asset("ETF", Some(p));
    m.genesis("a0", "ETF", 10);
    let mut t = T { m, next: 0 };
    t.err(tr("a0", "a1", "ETF", 1), Reason::ProductNotAdmitted);
    t.err(admin("ag", A::AdmitProduct { asset: "ETF".into() }), Reason::Unauthorized);
    t.ok(admin(AUTHORITY, A::AdmitProduct { asset: "ETF".into() }));
    t.ok(tr("a0", "a1", "ETF", 1));
    t.ok(admin(AUTHORITY, A::DelistProduct { asset: "ETF".into() }));
    t.err(tr("a1", "a0", "ETF", 1), Reason::ProductNotAdmitted);
}

#[test]
fn batches_settle_all_legs_or_none() {
    let mut t = T::new();
    let dvp = |cash: u128| Operation::Batch {
        legs: vec![
            Leg { from: "a0".into(), to: "a1".into(), asset: "BOND".into(), amount: 10 },
            Leg { from: "a1".into(), to: "a0".into(), asset: "USD".into(), amount: cash },
        ],
    };
    t.err(dvp(5000), Reason::InsufficientBalance);
    assert_eq!(t.m.balance("a1", "BOND"), 0);
    t.ok(dvp(500));
    assert_eq!((t.m.balance("a1", "BOND"), t.m.balance("a0", "USD")), (10, 1500));
    // A circular netting cycle: each leg is funded only by the previous one.
    let cycle = Operation::Batch {
        legs: vec![
            Leg { from: "a2".into(), to: "a3".into(), asset: "USD".into(), amount: 1500 },
            Leg { from: "a3".into(), to: "a2".into(), asset: "USD".into(), amount: 1500 },
        ],
    };
    t.err(cycle, Reason::InsufficientBalance);
}

#[test]
fn nonces_and_duplicates() {
    let mut t = T::new();
    let op = tr("a0", "a1", "USD", 1);
    assert_eq!(t.m.apply(TxId(100), &op, Some(5)), Ok(()));
    assert_eq!(t.m.apply(TxId(100), &op, Some(6)), Err(Reason::DuplicateTx));
    assert_eq!(t.m.apply(TxId(101), &op, Some(5)), Err(Reason::BadNonce));
    assert_eq!(t.m.apply(TxId(102), &op, Some(9)), Ok(()), "gaps are allowed");
}

#[test]
fn can_transfer_predicts_without_changing_state() {
    let t = T::new();
    assert_eq!(t.m.can_transfer("a0", "a2", "BOND", 1), Err(Reason::InvalidReceiver));
    assert_eq!(t.m.can_transfer("a0", "a1", "BOND", 1), Ok(()));
    assert_eq!(t.m.balance("a1", "BOND"), 0);
}

#[test]
fn batch_legs_count_the_holders_earlier_legs_made() {
    let mut m = LedgerModel::new();
    m.add_asset("EQ", Some(AssetPolicy { max_holders: Some(2), ..AssetPolicy::security("ag") }));
    m.genesis("a0", "EQ", 10);
    let mut t = T { m, next: 0 };
    t.ok(admin(AUTHORITY, A::AppointInstitution { institution: "bank".into() }));
    for a in ["a0", "a1", "a2"] {
        t.ok(admin("bank", A::IssueClaim { investor: a.into(), claim: Claim::Kyc }));
    }
    let leg = |to: &str| Leg { from: "a0".into(), to: to.into(), asset: "EQ".into(), amount: 1 };
    t.err(Operation::Batch { legs: vec![leg("a1"), leg("a2")] }, Reason::LimitExceeded);
}
