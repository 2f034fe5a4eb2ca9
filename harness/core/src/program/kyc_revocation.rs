//! `kyc_revocation`: an institution loses its licence and a product is delisted mid-run;
//! transfers that depend on them fail from the next block (D1.2, D5.1).
//!
//! **Genesis.** Licensed institutions `inst0` and `inst1`; `investors` accounts (`a0..`): one
//! in three certified (KYC) by `inst0` only, one in three by `inst1` only, one in three by
//! both. Two KYC-gated listed securities, `SEC` and `BOND` (issuer's agent `agent`), both
//! admitted; every investor holds 1,000,000 of each, and pays at most 1..=100 per transfer, so
//! balances never decide an outcome.
//!
//! **Phase 0 — before**: transfers between random investors of `SEC` (70 %) or `BOND`, expected
//! to commit (cases `D1.2`). Each sender has at most one transaction outstanding.
//! **Phase 1 and later — after**: the program first stops sending transfers that depend on the
//! coming change (an `inst1`-only investor on either side, or `BOND`) and waits until none is
//! outstanding; then the authority revokes `inst1` (`D1.2`) and delists `BOND` (`D5.1`), both
//! expected to commit; until both are observed, only independent transfers go out; then every
//! kind: to an investor `inst1` alone certified → `INVALID_RECEIVER`, from one →
//! `INVALID_SENDER` (`D1.2`), `BOND` → `PRODUCT_NOT_ADMITTED` (`D5.1`), the rest commit.
//!
//! | param | default | meaning |
//! |---|---|---|
//! | `investors` | 300 | investor accounts (≥ 6) |

use super::common::{admin, case, transfer, Ledger, ModelIds, AGENT, INST};
use super::{Next, Program};
use crate::adapter::OutcomeStatus;
use crate::ids::{account_name, TxId};
use crate::ledger::{AdminAction, AssetPolicy, Claim, Genesis};
use crate::refmodel::{LedgerModel, AUTHORITY};
use crate::scenario::programs::KycRevocationConfig;
use crate::seed::{Rng, Seed};
use crate::time::Nanos;
use rand::Rng as _;
use std::collections::{BTreeMap, BTreeSet};

pub const SEC: &str = "SEC";
pub const BOND: &str = "BOND";

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Stage {
    Before,
    Draining,
    Waiting,
    After,
}

#[derive(Debug, Clone, Copy)]
enum Key {
    Transfer { sender: u32, dependent: bool },
    Change,
}

#[derive(Debug)]
pub struct KycRevocationProgram {
    n: u32,
    rng: Rng,
    genesis: Genesis,
    model: LedgerModel,
    ids: ModelIds,
    stage: Stage,
    changes_sent: usize,
    changes_seen: usize,
    dependent_in_flight: usize,
    in_flight: BTreeSet<u32>,
    nonce: BTreeMap<u32, u64>,
    ledger: Ledger<Key>,
    counts: BTreeMap<&'static str, u64>,
}

/// Investor `i` is certified by `inst1` alone.
fn inst1_only(i: u32) -> bool {
    i % 3 == 1
}

impl KycRevocationProgram {
    pub fn new(cfg: KycRevocationConfig, seed: Seed) -> Self {
        let n = cfg.investors as u32;
        let listed = AssetPolicy { listed_product: true, ..AssetPolicy::security(AGENT) };
        let mut g = Genesis {
            assets: vec![(SEC.into(), Some(listed.clone())), (BOND.into(), Some(listed))],
            institutions: INST.iter().map(|s| s.to_string()).collect(),
            admitted: vec![SEC.into(), BOND.into()],
            ..Default::default()
        };
        for i in 0..n {
            let by: &[&str] = match i % 3 {
                0 => &INST[..1],
                1 => &INST[1..],
                _ => &INST,
            };
            for inst in by {
                g.claims.push((inst.to_string(), account_name(i), Claim::Kyc));
            }
            g.balances.push((account_name(i), SEC.into(), 1_000_000));
            g.balances.push((account_name(i), BOND.into(), 1_000_000));
        }
        let model = g.model();
        KycRevocationProgram {
            n,
            rng: seed.stream("program/kyc_revocation"),
            genesis: g,
            model,
            ids: ModelIds::default(),
            stage: Stage::Before,
            changes_sent: 0,
            changes_seen: 0,
            dependent_in_flight: 0,
            in_flight: BTreeSet::new(),
            nonce: BTreeMap::new(),
            ledger: Ledger::default(),
            counts: BTreeMap::new(),
        }
    }

    /// A transfer between free senders; `independent_only` keeps `inst1`-only investors and
    /// `BOND` out of it.
    fn transfer(&mut self, independent_only: bool) -> Next {
        let start = self.rng.gen_range(0..self.n);
        let Some(from) = (0..self.n)
            .map(|k| (start + k) % self.n)
            .find(|&a| !(self.in_flight.contains(&a) || independent_only && inst1_only(a)))
        else {
            return Next::Skip;
        };
        let to = loop {
            let t = (from + self.rng.gen_range(1..self.n)) % self.n;
            if !(independent_only && inst1_only(t)) {
                break t;
            }
        };
        let asset = if independent_only || self.rng.gen_bool(0.7) { SEC } else { BOND };
        let dependent = inst1_only(from) || inst1_only(to) || asset == BOND;
        let amount = self.rng.gen_range(1..=100);
        let op = transfer(&account_name(from), &account_name(to), asset, amount);
        let nonce = self.nonce.get(&from).copied().unwrap_or(0);
        let r = self.model.apply(self.ids.next(), &op, Some(nonce));
        if r.is_ok() {
            self.nonce.insert(from, nonce + 1);
        }
        let after = matches!(self.stage, Stage::Waiting | Stage::After) && self.changes_sent == 2;
        let (ind, label) = match (after, dependent, asset) {
            (false, _, _) => ("D1.2", "transfer before the revocation"),
            (true, false, _) => {
                ("D1.2", "transfer between investors the revocation does not affect")
            }
            (true, true, BOND) => ("D5.1", "trade of a delisted product"),
            (true, true, _) => {
                ("D1.2", "transfer involving an investor only the revoked institution certified")
            }
        };
        *self.counts.entry(label).or_default() += 1;
        self.in_flight.insert(from);
        self.dependent_in_flight += usize::from(dependent);
        self.ledger.send(
            Key::Transfer { sender: from, dependent },
            op,
            Some(nonce),
            Some(case(ind, label, r)),
        )
    }
}

impl Program for KycRevocationProgram {
    fn name(&self) -> &'static str {
        "kyc_revocation"
    }

    fn genesis(&mut self) -> Genesis {
        self.genesis.clone()
    }

    fn next(&mut self, phase: usize, _now: Nanos) -> Next {
        if phase > 0 && self.stage == Stage::Before {
            self.stage = Stage::Draining;
        }
        match self.stage {
            Stage::Before | Stage::After => self.transfer(false),
            Stage::Draining if self.dependent_in_flight > 0 => self.transfer(true),
            Stage::Draining => {
                let (action, ind, label) = if self.changes_sent == 0 {
                    (
                        AdminAction::RevokeInstitution { institution: INST[1].into() },
                        "D1.2",
                        "authority revokes an institution's licence",
                    )
                } else {
                    (
                        AdminAction::DelistProduct { asset: BOND.into() },
                        "D5.1",
                        "authority delists a product",
                    )
                };
                let op = admin(AUTHORITY, action);
                let r = self.model.apply(self.ids.next(), &op, None);
                self.changes_sent += 1;
                if self.changes_sent == 2 {
                    self.stage = Stage::Waiting;
                }
                self.ledger.send(Key::Change, op, None, Some(case(ind, label, r)))
            }
            Stage::Waiting => {
                if self.changes_seen == 2 {
                    self.stage = Stage::After;
                    return self.transfer(false);
                }
                self.transfer(true)
            }
        }
    }

    fn sent(&mut self, tx: TxId) {
        self.ledger.sent(tx);
    }

    fn observe(&mut self, tx: TxId, _status: &OutcomeStatus) {
        match self.ledger.observed(tx) {
            Some(Key::Transfer { sender, dependent }) => {
                self.in_flight.remove(&sender);
                self.dependent_in_flight -= usize::from(dependent);
            }
            Some(Key::Change) => self.changes_seen += 1,
            None => {}
        }
    }

    fn summary(&self) -> Option<serde_json::Value> {
        Some(
            serde_json::json!({ "investors": self.n, "changes_observed": self.changes_seen, "transfers": self.counts }),
        )
    }
}
