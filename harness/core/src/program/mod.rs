//! Workload programs: *what* each transaction does, while the phases' rate controllers say *when*.
//!
//! The default program, `payments`, draws transfers (and issues/redeems) from the workload's mix.
//! Business programs (dividends, DvP rebalances, netting, compliance conformance...) generate
//! their own operations, declare the starting state they need ([`Genesis`]), and attach to some
//! transactions a [`Case`]: the outcome the harness expects, computed from its own reference
//! model ([`crate::refmodel`]), independently of the chain. The engine compares every case with
//! what the chain did and records the conformance matrix.

mod common;
pub mod compliance;
pub mod compliance_cases;
mod compliance_world;
pub mod dividend;
pub mod double_spend;
pub mod kyc_revocation;
pub mod netting;
mod payments;
pub mod rebalance;
pub mod reserve;
pub mod rollback;
pub mod spam;

pub use compliance::ComplianceProgram;
pub use dividend::DividendProgram;
pub use double_spend::DoubleSpendProgram;
pub use kyc_revocation::KycRevocationProgram;
pub use netting::NettingProgram;
pub use payments::PaymentsProgram;
pub use rebalance::RebalanceProgram;
pub use reserve::ReserveProgram;
pub use rollback::RollbackProgram;
pub use spam::SpamProgram;

// The programs' names and parameters belong to the scripts' language (`crate::scenario`); they
// are re-exported here for the programs' users.
pub use crate::scenario::programs::{
    check_params, params, quick_params, ParamError, PROGRAMS, SIZE_PARAMS,
};

use crate::adapter::OutcomeStatus;

use crate::ids::TxId;
use crate::ledger::{Genesis, Operation};
use crate::reason::Reason;
use crate::scenario::programs::{
    ComplianceConfig, DividendConfig, DoubleSpendConfig, KycRevocationConfig, NettingConfig,
    RebalanceConfig, ReserveConfig, RollbackConfig, SpamConfig,
};
use crate::scenario::{FieldPath, WorkloadSpec};
use crate::seed::Seed;
use crate::time::Nanos;
use serde::{Deserialize, Serialize};

/// What the harness expects of a case.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "expect", rename_all = "snake_case")]
pub enum Expected {
    Commit,
    /// Rejected with one of these reason codes (usually one).
    Reject {
        reasons: Vec<Reason>,
    },
}

impl Expected {
    pub fn from_result(r: Result<(), Reason>) -> Self {
        match r {
            Ok(()) => Expected::Commit,
            Err(reason) => Expected::Reject { reasons: vec![reason] },
        }
    }

    /// Whether `status` is what was expected.
    pub fn matches(&self, status: &OutcomeStatus) -> bool {
        match (self, status) {
            (Expected::Commit, OutcomeStatus::Committed { .. }) => true,
            (Expected::Reject { reasons }, OutcomeStatus::Rejected { reason }) => {
                reasons.contains(reason)
            }
            _ => false,
        }
    }
}

/// A conformance case attached to a transaction.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Case {
    /// Indicator it feeds (`D1.1`, `E1.1`...).
    pub indicator: String,
    /// What the case tests, for the matrix (`transfer to unverified receiver`).
    pub label: String,
    pub expected: Expected,
    /// Filled by the engine from the adapter's pre-check, when it has one.
    #[serde(default)]
    pub predicted: Option<Expected>,
}

impl Case {
    pub fn new(indicator: &str, label: impl Into<String>, expected: Expected) -> Self {
        Case { indicator: indicator.into(), label: label.into(), expected, predicted: None }
    }
}

/// One transaction a program wants sent.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProgramTx {
    pub op: Operation,
    pub nonce: Option<u64>,
    pub via: Option<String>,
    pub case: Option<Case>,
}

impl ProgramTx {
    pub fn plain(op: Operation, nonce: Option<u64>) -> Self {
        ProgramTx { op, nonce, via: None, case: None }
    }
}

/// The observed side of a case.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CaseResult {
    pub tx: String,
    pub indicator: String,
    pub label: String,
    pub expected: Expected,
    /// `committed`, `rejected` or `unknown`.
    pub observed: String,
    pub reason: Option<String>,
    pub passed: bool,
    /// Intended send → outcome observed.
    pub notice_ns: Option<Nanos>,
    /// The chain's own pre-check (`can_transfer`) before sending, when the adapter offers one.
    #[serde(default)]
    pub predicted: Option<Expected>,
}

/// A workload program.
pub trait Program: std::fmt::Debug {
    fn name(&self) -> &'static str;
    /// The starting state (called once, before the load).
    fn genesis(&mut self) -> Genesis;
    /// Kinds of operation this program may send; the engine refuses to start on an adapter that
    /// lacks any of them. The default assumes every kind but the bridge's (`Bridge`,
    /// `HashLock`), which a program that sends them declares.
    fn operations(&self) -> Vec<crate::ledger::OpKind> {
        use crate::ledger::OpKind::*;
        vec![Transfer, Issue, Redeem, Batch, Admin]
    }
    /// What to send in phase `phase` at time `now`.
    fn next(&mut self, phase: usize, now: Nanos) -> Next;
    /// The engine gave `tx` to the transaction the last [`Program::next`] returned (called once
    /// per `Next::Send`, before it is submitted), so a program can map outcomes back.
    fn sent(&mut self, _tx: TxId) {}
    /// What happened to a transaction this program sent.
    fn observe(&mut self, _tx: TxId, _status: &OutcomeStatus) {}
    /// [`Program::observe`] with the notice time (intended send → outcome observed); by default
    /// forwards to `observe`.
    fn observe_notice(&mut self, tx: TxId, status: &OutcomeStatus, _notice_ns: Nanos) {
        self.observe(tx, status)
    }
    /// Results the program judges itself at the end (e.g. "at most one of each conflicting pair
    /// committed"), appended to the conformance matrix.
    fn results(&mut self) -> Vec<CaseResult> {
        Vec::new()
    }
    /// Program-specific figures for the record (e.g. dividend totals), as JSON.
    fn summary(&self) -> Option<serde_json::Value> {
        None
    }
}

/// A program's answer to "what now?".
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Next {
    Send(Box<ProgramTx>),
    /// Nothing in this slot (e.g. waiting for an earlier transaction's outcome); ask again at the
    /// next scheduled time.
    Skip,
    /// Nothing more in this phase: the engine idles until the phase ends.
    Done,
}

/// Builds the program a workload names; `validators` is the network's size (for `via` routing).
pub fn build(
    w: &WorkloadSpec,
    seed: Seed,
    validators: usize,
) -> Result<Box<dyn Program>, Vec<ParamError>> {
    use params::read;
    let p = &w.params;
    Ok(match w.program.as_str() {
        "payments" => {
            let errs = check_params("payments", p);
            if !errs.is_empty() {
                return Err(errs);
            }
            Box::new(PaymentsProgram::new(w, seed))
        }
        "dividend" => {
            Box::new(DividendProgram::new(read("dividend", p, DividendConfig::read)?, seed))
        }
        "rebalance" => {
            Box::new(RebalanceProgram::new(read("rebalance", p, RebalanceConfig::read)?, seed))
        }
        "netting" => Box::new(NettingProgram::new(read("netting", p, NettingConfig::read)?, seed)),
        "double_spend" => Box::new(DoubleSpendProgram::new(
            read("double_spend", p, DoubleSpendConfig::read)?,
            validators,
            seed,
        )),
        "rollback" => {
            Box::new(RollbackProgram::new(read("rollback", p, RollbackConfig::read)?, seed))
        }
        "compliance" => {
            Box::new(ComplianceProgram::new(read("compliance", p, ComplianceConfig::read)?, seed))
        }
        "kyc_revocation" => Box::new(KycRevocationProgram::new(
            read("kyc_revocation", p, KycRevocationConfig::read)?,
            seed,
        )),
        "reserve" => Box::new(ReserveProgram::new(read("reserve", p, ReserveConfig::read)?, seed)),
        "spam" => Box::new(SpamProgram::new(read("spam", p, SpamConfig::read)?, seed)),
        other => {
            let mut msg = format!("unknown program {other:?}; known: {}", PROGRAMS.join(", "));
            if let Some(s) = crate::scenario::suggest(other, PROGRAMS) {
                msg.push_str(&format!(" (did you mean `{s}`?)"));
            }
            return Err(vec![(FieldPath::root().key("workload").key("program"), msg)]);
        }
    })
}
