//! `compliance`: randomised conformance cases over every regulated-ledger control
//! (D1.1–D5.1, E2.1; D4.1 from the adapter's pre-check).
//!
//! **Genesis** (`compliance_cases::genesis`): `investors` accounts (`a0..`) certified by
//! `inst0`, `inst1`, both, or nobody (one in five each way, two in five by `inst0`); a KYC-gated
//! listed security `SEC` (max holders = its holders + 4, per-investor cap 5000, per-transfer
//! cap 2000), an open reserve-backed stablecoin `STC` (per-transfer cap 10,000, reserve =
//! supply + 50,000) and a listed open product `ETF`; all three with issuer's agent `agent`.
//!
//! **Every phase**: `cases` randomised cases, one at a time: the program answers `Skip` while
//! the previous case is outstanding, so each expectation is exact. Kinds (indicator): transfer to
//! verified / unverified receivers, claims issued and revoked (D1.1); an institution revoked and
//! re-appointed, transfers to investors it alone certified (D1.2); freeze, unfreeze, transfers
//! from / to frozen accounts, partial freezes and transfers above / within the free balance
//! (D2.1); pause, unpause, transfers of paused assets (D2.2); per-transfer cap, per-investor cap,
//! maximum holders (D2.3); forced transfers and key recovery (D3.1); mint within / above the
//! reserve, burn, reserve attestation (D3.2); agent and authority operations by parties without
//! the role → `UNAUTHORIZED` (E2.1); delist / admit a product and trades of it (D5.1).
//! Each expectation is the reference model's outcome.
//!
//! **Divergence.** When the chain does not do what the model expects, the program keeps its model
//! in step where it can: a case expected to commit but rejected is undone in the model. Where it
//! cannot (the chain applied what the model refuses, or the outcome is unknown), the accounts and
//! the asset involved are set aside for the rest of the run, so one wrong rule shows as the cases
//! it decides and not as a cascade; an identity or product action leaves nothing safe to test
//! and ends the run early (`results()` says so).
//!
//! | param | default | meaning |
//! |---|---|---|
//! | `cases` | 2000 | cases to run |
//! | `investors` | 40 | investor accounts (≥ 10) |

use super::common::{judged, Ledger};
use super::compliance_cases::{genesis, Drawn, World, ASSETS};
use super::{Case, Expected, Next, Program};
use crate::adapter::OutcomeStatus;
use crate::ids::TxId;
use crate::ledger::{AdminAction, Genesis, Operation};
use crate::scenario::programs::ComplianceConfig;
use crate::seed::{Rng, Seed};
use crate::time::Nanos;
use std::collections::BTreeSet;

#[derive(Debug)]
struct Pending {
    before: World,
    drawn: Drawn,
    expected: Result<(), crate::reason::Reason>,
}

#[derive(Debug)]
pub struct ComplianceProgram {
    cfg: ComplianceConfig,
    rng: Rng,
    genesis: Genesis,
    world: World,
    sent: u64,
    pending: Option<Pending>,
    ledger: Ledger<()>,
    avoid: BTreeSet<String>,
    assets: Vec<&'static str>,
    halted: Option<String>,
    diverged: u64,
}

impl ComplianceProgram {
    pub fn new(cfg: ComplianceConfig, seed: Seed) -> Self {
        let n = cfg.investors as u32;
        let g = genesis(n);
        let world = World::new(&g, n);
        ComplianceProgram {
            rng: seed.stream("program/compliance"),
            genesis: g,
            world,
            sent: 0,
            pending: None,
            ledger: Ledger::default(),
            avoid: BTreeSet::new(),
            assets: ASSETS.to_vec(),
            halted: None,
            diverged: 0,
            cfg,
        }
    }

    /// Sets aside what an irreparable divergence touched.
    fn set_aside(&mut self, op: &Operation) {
        self.diverged += 1;
        for a in accounts_of(op) {
            self.avoid.insert(a);
        }
        match op {
            Operation::Admin {
                action:
                    AdminAction::AppointInstitution { .. }
                    | AdminAction::RevokeInstitution { .. }
                    | AdminAction::IssueClaim { .. }
                    | AdminAction::RevokeClaim { .. }
                    | AdminAction::AdmitProduct { .. }
                    | AdminAction::DelistProduct { .. },
                ..
            } => {
                self.halted = Some(format!(
                    "stopped after {} cases: the chain diverged on an identity or product action",
                    self.sent
                ));
            }
            _ => {
                if let Some(asset) = op.asset() {
                    self.assets.retain(|a| *a != asset);
                }
            }
        }
    }
}

/// Every account an operation names.
fn accounts_of(op: &Operation) -> Vec<String> {
    let mut v: Vec<String> = op.from().into_iter().chain(op.to()).map(str::to_string).collect();
    if let Operation::Admin { action, .. } = op {
        match action {
            AdminAction::Freeze { account, .. } | AdminAction::Unfreeze { account, .. } => {
                v.push(account.clone())
            }
            AdminAction::IssueClaim { investor, .. }
            | AdminAction::RevokeClaim { investor, .. } => v.push(investor.clone()),
            _ => {}
        }
    }
    v
}

impl Program for ComplianceProgram {
    fn name(&self) -> &'static str {
        "compliance"
    }

    fn genesis(&mut self) -> Genesis {
        self.genesis.clone()
    }

    fn next(&mut self, _phase: usize, _now: Nanos) -> Next {
        if self.pending.is_some() {
            return Next::Skip;
        }
        if self.sent >= self.cfg.cases || self.halted.is_some() {
            return Next::Done;
        }
        let Some(drawn) = self.world.draw(&mut self.rng, &self.assets, &self.avoid) else {
            self.halted = Some(format!("stopped after {} cases: nothing left to test", self.sent));
            return Next::Done;
        };
        let before = self.world.clone();
        let expected = self.world.apply(&drawn);
        self.sent += 1;
        let case = Case::new(drawn.indicator, drawn.label.clone(), Expected::from_result(expected));
        let (op, nonce) = (drawn.op.clone(), drawn.nonce);
        self.pending = Some(Pending { before, drawn, expected });
        self.ledger.send((), op, nonce, Some(case))
    }

    fn sent(&mut self, tx: TxId) {
        self.ledger.sent(tx);
    }

    fn observe(&mut self, tx: TxId, status: &OutcomeStatus) {
        if self.ledger.observed(tx).is_none() {
            return;
        }
        let Some(p) = self.pending.take() else { return };
        match (p.expected.is_ok(), status) {
            (true, OutcomeStatus::Committed { .. }) | (false, OutcomeStatus::Rejected { .. }) => {}
            (true, OutcomeStatus::Rejected { .. }) => {
                // The chain refused what the model applied: undo it in the model.
                self.diverged += 1;
                self.world = p.before;
            }
            _ => self.set_aside(&p.drawn.op),
        }
    }

    fn results(&mut self) -> Vec<crate::program::CaseResult> {
        let mut out = Vec::new();
        if let Some(why) = &self.halted {
            let early = self.sent < self.cfg.cases;
            out.push(judged(
                "compliance",
                "D4.1",
                format!("all {} cases run", self.cfg.cases),
                !early,
                why.clone(),
            ));
        }
        out
    }

    fn summary(&self) -> Option<serde_json::Value> {
        Some(serde_json::json!({
            "cases": self.sent,
            "investors": self.cfg.investors,
            "diverged": self.diverged,
            "accounts_set_aside": self.avoid.len(),
            "assets_left": self.assets,
            "halted": self.halted,
        }))
    }
}
