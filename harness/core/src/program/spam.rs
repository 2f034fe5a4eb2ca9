//! `spam`: honest payments with a flood of invalid transactions beside them, to see how much of
//! its honest throughput a chain keeps under the flood (E3.1 spam flood).
//!
//! **Genesis.** `accounts` payers (`a0..`) holding `balance` of `EUR`; `spammers` accounts after
//! them holding nothing.
//!
//! **Phases.** Phase `flood_phase` (0-based, counting warm-up phases) is the flood; the others
//! are quiet. In a quiet phase every slot is an honest payment: a random payer with nothing
//! outstanding pays another 1..=`amount_max` with its next nonce (so every honest payment can
//! commit, in whatever order a chain applies them; a payer's total never nears its balance). In the flood phase one slot in `factor + 1` is such a payment and the
//! others are invalid — so give the flood phase `factor + 1` times the quiet rate, and the honest
//! load stays the same while invalid transactions arrive at `factor` times it. The invalid ones
//! rotate through three kinds, none of which may commit:
//! - badly signed: `Tampered{how: BadSignature}` of a payment → `BAD_SIGNATURE`;
//! - malformed: `Tampered{how: Malformed}` → `MALFORMED`;
//! - unfunded: a spammer pays a payer → `INSUFFICIENT_BALANCE` (its nonce is never used up).
//!
//! No conformance case is attached (the flood would swamp the matrix); the **summary** counts per
//! phase the honest and invalid transactions sent and committed, which `touchstone-reports`
//! reads with the per-second series to measure E3.1: honest committed throughput during the
//! flood against the quiet phases before it.
//!
//! | param | default | meaning |
//! |---|---|---|
//! | `accounts` | 1000 | honest payers |
//! | `spammers` | 100 | unfunded senders of the flood |
//! | `balance` | 1_000_000 | each payer's `EUR` |
//! | `amount_max` | 100 | largest honest payment |
//! | `factor` | 10 | invalid transactions per honest one in the flood phase |
//! | `flood_phase` | 1 | index of the flood phase |

use super::common::{transfer, Ledger};
use super::{Next, Program};
use crate::adapter::OutcomeStatus;
use crate::ids::{account_name, TxId};
use crate::ledger::{Genesis, OpKind, Operation, Tamper};
use crate::scenario::programs::SpamConfig;
use crate::seed::{Rng, Seed};
use crate::time::Nanos;
use rand::Rng as _;
use std::collections::{BTreeMap, BTreeSet};

pub const CASH: &str = "EUR";

/// What one phase sent and what became of it.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
struct Counts {
    honest_sent: u64,
    honest_committed: u64,
    invalid_sent: u64,
    invalid_committed: u64,
    invalid_rejected: u64,
}

/// A transaction sent: its phase, and the payer if it is an honest payment.
#[derive(Debug, Clone, Copy)]
struct Key {
    phase: usize,
    honest: Option<u32>,
}

#[derive(Debug)]
pub struct SpamProgram {
    cfg: SpamConfig,
    rng: Rng,
    nonce: BTreeMap<u32, u64>,
    /// Slots handed out in the current flood phase (one in `factor + 1` is honest).
    slot: u64,
    /// What each transaction sent was, until its outcome.
    ledger: Ledger<Key>,
    /// Payers with an honest payment outstanding.
    in_flight: BTreeSet<u32>,
    phases: BTreeMap<usize, Counts>,
}

impl SpamProgram {
    pub fn new(cfg: SpamConfig, seed: Seed) -> Self {
        SpamProgram {
            rng: seed.stream("program/spam"),
            nonce: BTreeMap::new(),
            slot: 0,
            ledger: Ledger::default(),
            in_flight: BTreeSet::new(),
            phases: BTreeMap::new(),
            cfg,
        }
    }

    /// An honest payment from a payer with nothing outstanding (so its nonces apply in any
    /// order a chain puts them in); none free → skip the slot.
    fn honest(&mut self, phase: usize) -> Next {
        let n = self.cfg.accounts as u32;
        let start = self.rng.gen_range(0..n);
        let Some(from) = (0..n).map(|k| (start + k) % n).find(|a| !self.in_flight.contains(a))
        else {
            return Next::Skip;
        };
        self.in_flight.insert(from);
        let to = (from + self.rng.gen_range(1..n)) % n;
        let amount = self.rng.gen_range(1..=self.cfg.amount_max);
        let nonce = self.nonce.entry(from).or_default();
        let op = transfer(&account_name(from), &account_name(to), CASH, amount);
        let sent = Some(*nonce);
        *nonce += 1;
        self.phases.entry(phase).or_default().honest_sent += 1;
        self.ledger.send(Key { phase, honest: Some(from) }, op, sent, None)
    }

    /// The next invalid transaction of the flood (the three kinds in turn).
    fn invalid(&mut self, phase: usize) -> Next {
        let n = self.cfg.accounts as u32;
        let payer = self.rng.gen_range(0..n);
        let (a, b) = (account_name(payer), account_name((payer + 1) % n));
        let counts = self.phases.entry(phase).or_default();
        let kind = counts.invalid_sent % 3;
        counts.invalid_sent += 1;
        let tampered =
            |how| Operation::Tampered { inner: Box::new(transfer(&a, &b, CASH, 1)), how };
        let (op, nonce) = match kind {
            0 => (tampered(Tamper::BadSignature), None),
            1 => (tampered(Tamper::Malformed), None),
            _ => {
                let spammer = account_name(n + self.rng.gen_range(0..self.cfg.spammers as u32));
                (transfer(&spammer, &a, CASH, self.cfg.amount_max), Some(0))
            }
        };
        self.ledger.send(Key { phase, honest: None }, op, nonce, None)
    }
}

impl Program for SpamProgram {
    fn name(&self) -> &'static str {
        "spam"
    }

    fn genesis(&mut self) -> Genesis {
        let mut g = Genesis { assets: vec![(CASH.into(), None)], ..Default::default() };
        for i in 0..self.cfg.accounts as u32 {
            g.balances.push((account_name(i), CASH.into(), self.cfg.balance));
        }
        g
    }

    fn operations(&self) -> Vec<OpKind> {
        vec![OpKind::Transfer]
    }

    fn next(&mut self, phase: usize, _now: Nanos) -> Next {
        if phase as u64 != self.cfg.flood_phase {
            return self.honest(phase);
        }
        let k = self.slot;
        self.slot += 1;
        if k % (self.cfg.factor + 1) == 0 {
            self.honest(phase)
        } else {
            self.invalid(phase)
        }
    }

    fn sent(&mut self, tx: TxId) {
        self.ledger.sent(tx);
    }

    fn observe(&mut self, tx: TxId, status: &OutcomeStatus) {
        let Some(Key { phase, honest }) = self.ledger.observed(tx) else { return };
        if let Some(payer) = honest {
            self.in_flight.remove(&payer);
        }
        let c = self.phases.entry(phase).or_default();
        match (status, honest.is_some()) {
            (OutcomeStatus::Committed { .. }, true) => c.honest_committed += 1,
            (OutcomeStatus::Committed { .. }, false) => c.invalid_committed += 1,
            (OutcomeStatus::Rejected { .. }, false) => c.invalid_rejected += 1,
            _ => {}
        }
    }

    fn summary(&self) -> Option<serde_json::Value> {
        let phases: Vec<serde_json::Value> = self
            .phases
            .iter()
            .map(|(p, c)| {
                serde_json::json!({
                    "phase": p,
                    "flood": *p as u64 == self.cfg.flood_phase,
                    "honest_sent": c.honest_sent,
                    "honest_committed": c.honest_committed,
                    "invalid_sent": c.invalid_sent,
                    "invalid_committed": c.invalid_committed,
                    "invalid_rejected": c.invalid_rejected,
                })
            })
            .collect();
        Some(serde_json::json!({
            "factor": self.cfg.factor,
            "flood_phase": self.cfg.flood_phase,
            "phases": phases,
        }))
    }
}
