//! `dividend`: a cash dividend on a KYC-gated security paid to every record-date holder (D6.1).
//!
//! **Genesis.** A security `SEC` (KYC-gated, issuer's agent `agent`) held by `holders` investors
//! (`a0..`), each certified (KYC) by the licensed institution `inst0`, with 1..=`max_units`
//! units each; a KYC-gated payout asset `DEP` (a tokenized deposit) of which the paying agent
//! `payer` (also certified) holds exactly `declared`. The record-date snapshot (units per
//! holder) is taken from the reference model at genesis.
//!
//! **Phase 0 — corporate events** (after the record date): the agent freezes the `DEP`
//! accounts of `frozen` holders, and `inst0` revokes the KYC claim of `unverified` others
//! (disjoint). Admin cases, expected to commit: freeze → `D2.1`, claim revocation → `D1.1`.
//! Then the program answers `Done`.
//!
//! **Phase 1 — distribution**: one payment `payer → holder` of `DEP` per record-date holder,
//! amount = ⌊declared × units / total_units⌋; expected to commit for eligible holders, and
//! `FROZEN_RECEIVER` / `INVALID_RECEIVER` for the frozen / unverified (cases `D6.1`). It waits
//! (`Skip`) while any phase-0 action is still outstanding, so the phase needs a few spare slots.
//! Payments carry no harness nonce (one payer fans out thousands of payments at once; the
//! adapter orders them), and every expectation is order-independent (the payer holds enough
//! for all, each holder is paid once).
//!
//! **Results** (`D6.1`): every eligible holder paid exactly once and no ineligible holder paid;
//! Σ paid + Σ withheld + dust = declared, with the rounding dust disclosed. **Summary**:
//! declared, paid, withheld, dust, holders, eligible, frozen, unverified, failed payments.
//!
//! | param | default | meaning |
//! |---|---|---|
//! | `holders` | 5000 | record-date holders |
//! | `frozen` | 25 | holders whose payout account is frozen after the record date |
//! | `unverified` | 25 | holders whose KYC claim is revoked after the record date |
//! | `declared` | 100_000_000 | the dividend declared, in `DEP` units (≥ holders × max_units) |
//! | `max_units` | 1000 | most units a holder holds (each holds 1..=max_units) |

use super::common::{admin, case, judged, num, transfer, Ledger, ModelIds, Seen, AGENT, INST};
use super::{Next, Program};
use crate::adapter::OutcomeStatus;
use crate::ids::TxId;
use crate::ledger::{AdminAction, AssetKind, AssetPolicy, Claim, Genesis};
use crate::refmodel::LedgerModel;
use crate::scenario::programs::DividendConfig;
use crate::seed::Seed;
use crate::time::Nanos;
use rand::seq::SliceRandom;
use rand::Rng;

pub const SECURITY: &str = "SEC";
pub const PAYOUT: &str = "DEP";
pub const PAYER: &str = "payer";

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Status {
    Eligible,
    Frozen,
    Unverified,
}

#[derive(Debug, Clone, Copy)]
enum Key {
    Event,
    Payment(usize),
}

#[derive(Debug)]
pub struct DividendProgram {
    cfg: DividendConfig,
    genesis: Genesis,
    model: LedgerModel,
    ids: ModelIds,
    /// Record-date units and status per holder (index = holder number).
    units: Vec<u128>,
    status: Vec<Status>,
    entitlement: Vec<u128>,
    events: Vec<(usize, AdminAction, Status)>,
    next_event: usize,
    next_payment: usize,
    ledger: Ledger<Key>,
    paid: Vec<Option<Seen>>,
    events_failed: u64,
}

fn holder(i: usize) -> String {
    crate::ids::account_name(i as u32)
}

impl DividendProgram {
    pub fn new(cfg: DividendConfig, seed: Seed) -> Self {
        let mut rng = seed.stream("program/dividend");
        let n = cfg.holders as usize;
        let sec = AssetPolicy::security(AGENT);
        let dep = AssetPolicy { kind: AssetKind::Cash, ..AssetPolicy::security(AGENT) };
        let mut g = Genesis {
            assets: vec![(SECURITY.into(), Some(sec)), (PAYOUT.into(), Some(dep))],
            institutions: vec![INST[0].into()],
            ..Default::default()
        };
        let units: Vec<u128> = (0..n).map(|_| rng.gen_range(1..=cfg.max_units) as u128).collect();
        for (i, u) in units.iter().enumerate() {
            g.claims.push((INST[0].into(), holder(i), Claim::Kyc));
            g.balances.push((holder(i), SECURITY.into(), *u));
        }
        g.claims.push((INST[0].into(), PAYER.into(), Claim::Kyc));
        g.balances.push((PAYER.into(), PAYOUT.into(), cfg.declared));
        let model = g.model();
        // The record-date snapshot, from the model.
        let units: Vec<u128> = (0..n).map(|i| model.balance(&holder(i), SECURITY)).collect();
        let total: u128 = units.iter().sum();
        let entitlement = units.iter().map(|u| cfg.declared * u / total).collect();
        let mut order: Vec<usize> = (0..n).collect();
        order.shuffle(&mut rng);
        let mut status = vec![Status::Eligible; n];
        let mut events = Vec::new();
        for (k, &i) in order.iter().take((cfg.frozen + cfg.unverified) as usize).enumerate() {
            if (k as u64) < cfg.frozen {
                status[i] = Status::Frozen;
                events.push((
                    i,
                    AdminAction::Freeze { account: holder(i), asset: PAYOUT.into(), amount: None },
                    Status::Frozen,
                ));
            } else {
                status[i] = Status::Unverified;
                events.push((
                    i,
                    AdminAction::RevokeClaim { investor: holder(i), claim: Claim::Kyc },
                    Status::Unverified,
                ));
            }
        }
        events.sort_by_key(|e| e.0);
        DividendProgram {
            cfg,
            genesis: g,
            model,
            ids: ModelIds::default(),
            units,
            status,
            entitlement,
            events,
            next_event: 0,
            next_payment: 0,
            ledger: Ledger::default(),
            paid: vec![None; n],
            events_failed: 0,
        }
    }

    /// Total record-date units.
    pub fn total_units(&self) -> u128 {
        self.units.iter().sum()
    }

    fn totals(&self) -> (u128, u128, u128, u64) {
        let mut paid = 0;
        let mut withheld = 0;
        let mut eligible = 0;
        for (i, e) in self.entitlement.iter().enumerate() {
            if self.paid[i].is_some_and(|s| s.committed()) {
                paid += e;
            } else {
                withheld += e;
            }
            eligible += u64::from(self.status[i] == Status::Eligible);
        }
        let dust = self.cfg.declared - self.entitlement.iter().sum::<u128>();
        (paid, withheld, dust, eligible)
    }
}

impl Program for DividendProgram {
    fn name(&self) -> &'static str {
        "dividend"
    }

    fn genesis(&mut self) -> Genesis {
        self.genesis.clone()
    }

    fn next(&mut self, phase: usize, _now: Nanos) -> Next {
        if phase == 0 {
            let Some((i, action, st)) = self.events.get(self.next_event).cloned() else {
                return Next::Done;
            };
            self.next_event += 1;
            let by = if st == Status::Frozen { AGENT } else { INST[0] };
            let op = admin(by, action);
            let r = self.model.apply(self.ids.next(), &op, None);
            let (ind, what) = if st == Status::Frozen {
                ("D2.1", "freeze payout account")
            } else {
                ("D1.1", "revoke KYC claim")
            };
            return self.ledger.send(
                Key::Event,
                op,
                None,
                Some(case(ind, format!("{what} of {} after the record date", holder(i)), r)),
            );
        }
        if self.next_event < self.events.len() {
            // The corporate events did not all go out in phase 0: send them now.
            return self.next(0, _now);
        }
        if self.events_outstanding() {
            return Next::Skip;
        }
        let Some(i) = (self.next_payment < self.units.len()).then_some(self.next_payment) else {
            return Next::Done;
        };
        self.next_payment += 1;
        let op = transfer(PAYER, &holder(i), PAYOUT, self.entitlement[i]);
        let r = self.model.apply(self.ids.next(), &op, None);
        let who = match self.status[i] {
            Status::Eligible => "eligible",
            Status::Frozen => "frozen",
            Status::Unverified => "unverified",
        };
        self.ledger.send(
            Key::Payment(i),
            op,
            None,
            Some(case("D6.1", format!("dividend to {who} holder"), r)),
        )
    }

    fn sent(&mut self, tx: TxId) {
        self.ledger.sent(tx);
    }

    fn observe_notice(&mut self, tx: TxId, status: &OutcomeStatus, notice_ns: Nanos) {
        match self.ledger.observed(tx) {
            Some(Key::Payment(i)) => self.paid[i] = Some(Seen { status: *status, notice_ns }),
            Some(Key::Event) => {
                self.events_failed += u64::from(!matches!(status, OutcomeStatus::Committed { .. }));
            }
            None => {}
        }
    }

    fn results(&mut self) -> Vec<crate::program::CaseResult> {
        let mut wrong_paid = 0u64;
        let mut unpaid = 0u64;
        for (i, st) in self.status.iter().enumerate() {
            let committed = self.paid[i].is_some_and(|s| s.committed());
            match st {
                Status::Eligible if !committed => unpaid += 1,
                Status::Frozen | Status::Unverified if committed => wrong_paid += 1,
                _ => {}
            }
        }
        let (paid, withheld, dust, eligible) = self.totals();
        let expected_paid: u128 = (0..self.units.len())
            .filter(|&i| self.status[i] == Status::Eligible)
            .map(|i| self.entitlement[i])
            .sum();
        vec![
            judged(
                "dividend",
                "D6.1",
                "each eligible holder paid exactly once, no ineligible holder paid",
                unpaid == 0 && wrong_paid == 0,
                format!(
                    "{} of {eligible} eligible paid; {wrong_paid} ineligible paid",
                    eligible - unpaid
                ),
            ),
            judged(
                "dividend",
                "D6.1",
                "Σ paid = declared − withheld − disclosed dust",
                paid == expected_paid && paid + withheld + dust == self.cfg.declared,
                format!(
                    "paid {paid} + withheld {withheld} + dust {dust} = {} (declared {})",
                    paid + withheld + dust,
                    self.cfg.declared
                ),
            ),
        ]
    }

    fn summary(&self) -> Option<serde_json::Value> {
        let (paid, withheld, dust, eligible) = self.totals();
        let failed = self.paid.iter().filter(|s| s.is_some_and(|s| !s.committed())).count();
        Some(serde_json::json!({
            "declared": num(self.cfg.declared),
            "paid": num(paid),
            "withheld": num(withheld),
            "dust": num(dust),
            "holders": self.units.len(),
            "eligible": eligible,
            "frozen": self.cfg.frozen,
            "unverified": self.cfg.unverified,
            "total_units": num(self.total_units()),
            "payments_not_committed": failed,
            "corporate_events_not_committed": self.events_failed,
        }))
    }
}

impl DividendProgram {
    fn events_outstanding(&self) -> bool {
        // Events are the only transactions before the first payment.
        self.next_payment == 0 && self.ledger.outstanding > 0
    }
}
