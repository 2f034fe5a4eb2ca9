//! `rollback`: invalid transactions mixed into normal payments — no state change, the right
//! reason code, a prompt notice, and valid traffic unharmed (A failure atomicity and rejection
//! notice, E1.1, E1.2, D1.1).
//!
//! **Genesis.** `accounts` verified payers (`a0..`, KYC by `inst0`) holding `balance` of plain
//! cash `EUR` and 1000 units of the KYC-gated security `SEC`; `poor` accounts after them
//! holding 10 `EUR` that never receive; `unverified` accounts after those with no claim.
//!
//! **Every phase**, per slot: with probability `invalid_share` one of five invalid transactions
//! (uniformly), otherwise a normal `EUR` payment of 1..=`amount_max` between payers (case
//! `B3.1`, expected commit). A payer's total outgoing never exceeds its genesis balance, and each
//! sender has at most one transaction outstanding, so every expectation holds in any order:
//! - underfunded: a poor account pays more than it could ever hold → `INSUFFICIENT_BALANCE`
//!   (`A.failure_atomicity`);
//! - to an unverified receiver, of `SEC` → `INVALID_RECEIVER` (`D1.1`);
//! - replayed: the exact operation and nonce of a payment already observed committed →
//!   `BAD_NONCE` or `DUPLICATE_TX` (`E1.1`);
//! - badly signed: `Tampered{how: BadSignature}` → `BAD_SIGNATURE` (`E1.2`);
//! - malformed: `Tampered{how: Malformed}` → `MALFORMED` (`E1.2`).
//!
//! A sender's nonce advances only with a transaction expected to commit, so the nonces stay
//! contiguous on chains that require it. Every case records its notice time (A rejection
//! notice: target ≤ 1 s). **Summary**: sent and committed per kind.
//!
//! | param | default | meaning |
//! |---|---|---|
//! | `accounts` | 1000 | verified payers |
//! | `poor` | 50 | underfunded senders |
//! | `unverified` | 50 | receivers without a KYC claim |
//! | `balance` | 1_000_000 | each payer's `EUR` |
//! | `amount_max` | 100 | largest normal payment |
//! | `invalid_share` | 0.1 | share of invalid transactions |

use super::common::{case, transfer, Ledger, ModelIds, AGENT, A_ATOMICITY, INST};
use super::{Next, Program};
use crate::adapter::OutcomeStatus;
use crate::ids::{account_name, TxId};
use crate::ledger::{AssetPolicy, Claim, Genesis, Operation, Tamper};
use crate::reason::Reason;
use crate::refmodel::LedgerModel;
use crate::scenario::programs::RollbackConfig;
use crate::seed::{Rng, Seed};
use crate::time::Nanos;
use rand::Rng as _;
use std::collections::{BTreeMap, BTreeSet};

pub const CASH: &str = "EUR";
pub const SECURITY: &str = "SEC";
const KINDS: [&str; 6] =
    ["valid", "underfunded", "unverified_receiver", "replayed", "bad_signature", "malformed"];

#[derive(Debug, Clone)]
struct Key {
    kind: usize,
    sender: Option<u32>,
    replayable: Option<(Operation, u64)>,
}

#[derive(Debug)]
pub struct RollbackProgram {
    cfg: RollbackConfig,
    rng: Rng,
    genesis: Genesis,
    model: LedgerModel,
    ids: ModelIds,
    spent: Vec<u128>,
    nonce: BTreeMap<u32, u64>,
    in_flight: BTreeSet<u32>,
    history: Vec<(Operation, u64)>,
    ledger: Ledger<Key>,
    sent: [u64; 6],
    committed: [u64; 6],
}

impl RollbackProgram {
    pub fn new(cfg: RollbackConfig, seed: Seed) -> Self {
        let n = cfg.accounts as u32;
        let mut g = Genesis {
            assets: vec![
                (CASH.into(), None),
                (SECURITY.into(), Some(AssetPolicy::security(AGENT))),
            ],
            institutions: vec![INST[0].into()],
            ..Default::default()
        };
        for i in 0..n {
            g.claims.push((INST[0].into(), account_name(i), Claim::Kyc));
            g.balances.push((account_name(i), CASH.into(), cfg.balance));
            g.balances.push((account_name(i), SECURITY.into(), 1000));
        }
        for i in 0..cfg.poor as u32 {
            g.balances.push((account_name(n + i), CASH.into(), 10));
        }
        let model = g.model();
        RollbackProgram {
            rng: seed.stream("program/rollback"),
            genesis: g,
            model,
            ids: ModelIds::default(),
            spent: vec![0; n as usize],
            nonce: BTreeMap::new(),
            in_flight: BTreeSet::new(),
            history: Vec::new(),
            ledger: Ledger::default(),
            sent: [0; 6],
            committed: [0; 6],
            cfg,
        }
    }

    /// A free sender in `[lo, lo + len)` (with room for `need` more if a payer), probing from a
    /// random start.
    fn pick(&mut self, lo: u32, len: u32, need: u128) -> Option<u32> {
        let start = self.rng.gen_range(0..len);
        (0..len).map(|k| lo + (start + k) % len).find(|&a| {
            !self.in_flight.contains(&a)
                && (lo != 0 || self.spent[a as usize] + need <= self.cfg.balance)
        })
    }

    fn payer_to(&mut self, from: u32) -> u32 {
        let n = self.cfg.accounts as u32;
        (from + self.rng.gen_range(1..n)) % n
    }

    fn emit(
        &mut self,
        kind: usize,
        sender: Option<u32>,
        op: Operation,
        nonce: Option<u64>,
        indicator: &str,
        label: &str,
    ) -> Next {
        let r = self.model.apply(self.ids.next(), &op, nonce);
        let mut c = case(indicator, label, r);
        if kind == 3 {
            c.expected =
                super::Expected::Reject { reasons: vec![Reason::BadNonce, Reason::DuplicateTx] };
        }
        if let Some(s) = sender {
            self.in_flight.insert(s);
        }
        self.sent[kind] += 1;
        let replayable = (kind == 0).then(|| (op.clone(), nonce.unwrap_or(0)));
        self.ledger.send(Key { kind, sender, replayable }, op, nonce, Some(c))
    }
}

impl Program for RollbackProgram {
    fn name(&self) -> &'static str {
        "rollback"
    }

    fn genesis(&mut self) -> Genesis {
        self.genesis.clone()
    }

    fn next(&mut self, _phase: usize, _now: Nanos) -> Next {
        let n = self.cfg.accounts as u32;
        let mut kind =
            if self.rng.gen_bool(self.cfg.invalid_share) { self.rng.gen_range(1..=5) } else { 0 };
        if kind == 3 && self.history.is_empty() {
            kind = 4;
        }
        let next_nonce = |s: &Self, a: u32| s.nonce.get(&a).copied().unwrap_or(0);
        match kind {
            0 => {
                let amount = self.rng.gen_range(1..=self.cfg.amount_max);
                let Some(from) = self.pick(0, n, amount) else { return Next::Skip };
                let to = self.payer_to(from);
                let nonce = next_nonce(self, from);
                self.nonce.insert(from, nonce + 1);
                self.spent[from as usize] += amount;
                let op = transfer(&account_name(from), &account_name(to), CASH, amount);
                self.emit(
                    0,
                    Some(from),
                    op,
                    Some(nonce),
                    "B3.1",
                    "valid payment among invalid traffic",
                )
            }
            1 => {
                let Some(from) = self.pick(n, self.cfg.poor as u32, 0) else { return Next::Skip };
                let to = self.rng.gen_range(0..n);
                let amount = self.rng.gen_range(11..=1000);
                let op = transfer(&account_name(from), &account_name(to), CASH, amount);
                let nonce = next_nonce(self, from);
                self.emit(1, Some(from), op, Some(nonce), A_ATOMICITY, "underfunded payment")
            }
            2 => {
                let Some(from) = self.pick(0, n, 0) else { return Next::Skip };
                let to =
                    n + self.cfg.poor as u32 + self.rng.gen_range(0..self.cfg.unverified as u32);
                let op = transfer(&account_name(from), &account_name(to), SECURITY, 1);
                let nonce = next_nonce(self, from);
                self.emit(
                    2,
                    Some(from),
                    op,
                    Some(nonce),
                    "D1.1",
                    "security to an unverified receiver",
                )
            }
            3 => {
                let (op, nonce) = self.history[self.rng.gen_range(0..self.history.len())].clone();
                self.emit(3, None, op, Some(nonce), "E1.1", "replay of a committed payment")
            }
            _ => {
                let Some(from) = self.pick(0, n, 0) else { return Next::Skip };
                let to = self.payer_to(from);
                let inner = transfer(&account_name(from), &account_name(to), CASH, 1);
                let how = if kind == 4 { Tamper::BadSignature } else { Tamper::Malformed };
                let op = Operation::Tampered { inner: Box::new(inner), how };
                let nonce = next_nonce(self, from);
                let label =
                    if kind == 4 { "badly signed payment" } else { "malformed transaction" };
                self.emit(kind, Some(from), op, Some(nonce), "E1.2", label)
            }
        }
    }

    fn sent(&mut self, tx: TxId) {
        self.ledger.sent(tx);
    }

    fn observe(&mut self, tx: TxId, status: &OutcomeStatus) {
        let Some(k) = self.ledger.observed(tx) else { return };
        if let Some(s) = k.sender {
            self.in_flight.remove(&s);
        }
        if matches!(status, OutcomeStatus::Committed { .. }) {
            self.committed[k.kind] += 1;
            if let Some(r) = k.replayable {
                if self.history.len() < 4096 {
                    self.history.push(r);
                } else {
                    let i = self.rng.gen_range(0..self.history.len());
                    self.history[i] = r;
                }
            }
        }
    }

    fn summary(&self) -> Option<serde_json::Value> {
        let mut m = serde_json::Map::new();
        for (i, k) in KINDS.iter().enumerate() {
            m.insert(
                k.to_string(),
                serde_json::json!({ "sent": self.sent[i], "committed": self.committed[i] }),
            );
        }
        Some(serde_json::Value::Object(m))
    }
}
