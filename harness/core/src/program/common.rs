//! Small helpers shared by the business programs: names of the regulated roles, the map from the
//! engine's transaction ids back to what a program sent, and rows the programs judge themselves.

use super::{Case, CaseResult, Expected, Next, ProgramTx};
use crate::adapter::OutcomeStatus;
use crate::ids::TxId;
use crate::ledger::Operation;
use crate::reason::Reason;
use crate::time::Nanos;
use std::collections::BTreeMap;

/// The issuer's agent of every regulated asset the programs create.
pub const AGENT: &str = "agent";
/// The licensed institutions (KYC providers).
pub const INST: [&str; 2] = ["inst0", "inst1"];

/// Indicator ids of group A (gates) as they appear in the conformance matrix.
pub const A_ATOMICITY: &str = "A.failure_atomicity";
pub const A_DOUBLE_SPEND: &str = "A.no_double_spend";

/// What happened to a transaction, once observed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Seen {
    pub status: OutcomeStatus,
    pub notice_ns: Nanos,
}

impl Seen {
    pub fn committed(&self) -> bool {
        matches!(self.status, OutcomeStatus::Committed { .. })
    }

    pub fn reason(&self) -> Option<Reason> {
        match self.status {
            OutcomeStatus::Rejected { reason } => Some(reason),
            _ => None,
        }
    }

    /// `committed`, `rejected` or `unknown`.
    pub fn word(&self) -> &'static str {
        status_word(&self.status)
    }
}

pub fn status_word(s: &OutcomeStatus) -> &'static str {
    match s {
        OutcomeStatus::Committed { .. } => "committed",
        OutcomeStatus::Rejected { .. } => "rejected",
        OutcomeStatus::Unknown => "unknown",
    }
}

/// Maps the engine's tx ids to a program's own keys: `stage` what `next()` returns, the engine
/// calls `sent(id)`, outcomes come back by id.
#[derive(Debug, Clone)]
pub struct Ledger<K> {
    staged: Option<K>,
    by_id: BTreeMap<TxId, K>,
    pub outstanding: usize,
}

impl<K> Default for Ledger<K> {
    fn default() -> Self {
        Ledger { staged: None, by_id: BTreeMap::new(), outstanding: 0 }
    }
}

impl<K: Clone> Ledger<K> {
    /// Remembers `key` for the transaction about to be returned.
    pub fn send(&mut self, key: K, op: Operation, nonce: Option<u64>, case: Option<Case>) -> Next {
        self.staged = Some(key);
        Next::Send(Box::new(ProgramTx { op, nonce, via: None, case }))
    }

    /// Like [`Ledger::send`], through a named validator.
    pub fn send_via(
        &mut self,
        key: K,
        op: Operation,
        nonce: Option<u64>,
        via: Option<String>,
        case: Option<Case>,
    ) -> Next {
        self.staged = Some(key);
        Next::Send(Box::new(ProgramTx { op, nonce, via, case }))
    }

    pub fn sent(&mut self, tx: TxId) {
        if let Some(k) = self.staged.take() {
            self.by_id.insert(tx, k);
            self.outstanding += 1;
        }
    }

    /// The key of an observed transaction (first outcome only: a late outcome after `unknown`
    /// is ignored).
    pub fn observed(&mut self, tx: TxId) -> Option<K> {
        let k = self.by_id.remove(&tx)?;
        self.outstanding -= 1;
        Some(k)
    }
}

/// A case expected to commit or be rejected as the reference model says.
pub fn case(indicator: &str, label: impl Into<String>, result: Result<(), Reason>) -> Case {
    Case::new(indicator, label, Expected::from_result(result))
}

/// A row the program judges itself (aggregate properties such as "paid exactly once").
pub fn judged(
    tx: &str,
    indicator: &str,
    label: impl Into<String>,
    passed: bool,
    observed: impl Into<String>,
) -> CaseResult {
    CaseResult {
        tx: tx.to_string(),
        indicator: indicator.to_string(),
        label: label.into(),
        expected: Expected::Commit,
        observed: observed.into(),
        reason: None,
        passed,
        notice_ns: None,
        predicted: None,
    }
}

/// A transfer.
pub fn transfer(from: &str, to: &str, asset: &str, amount: u128) -> Operation {
    Operation::Transfer { from: from.into(), to: to.into(), asset: asset.into(), amount }
}

/// A privileged action.
pub fn admin(by: &str, action: crate::ledger::AdminAction) -> Operation {
    Operation::Admin { by: by.into(), action }
}

/// A fresh tx id for the programs' own reference model (the engine's ids are not known when a
/// program computes an expectation; the model only uses ids to detect duplicates).
#[derive(Debug, Clone, Default)]
pub struct ModelIds(u64);

impl ModelIds {
    pub fn next(&mut self) -> TxId {
        self.0 += 1;
        TxId(u64::MAX / 2 + self.0)
    }
}

/// An amount as JSON: a number when it fits in 64 bits, else a decimal string.
pub fn num(v: u128) -> serde_json::Value {
    match u64::try_from(v) {
        Ok(n) => serde_json::Value::from(n),
        Err(_) => serde_json::Value::from(v.to_string()),
    }
}
