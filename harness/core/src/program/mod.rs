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
pub mod params;
mod payments;
pub mod rebalance;
pub mod reserve;
pub mod rollback;

pub use compliance::ComplianceProgram;
pub use dividend::DividendProgram;
pub use double_spend::DoubleSpendProgram;
pub use kyc_revocation::KycRevocationProgram;
pub use netting::NettingProgram;
pub use payments::PaymentsProgram;
pub use rebalance::RebalanceProgram;
pub use reserve::ReserveProgram;
pub use rollback::RollbackProgram;

use crate::adapter::{Claim, Operation, OutcomeStatus};
use crate::ids::TxId;
use crate::reason::Reason;
use crate::refmodel::AssetPolicy;
use crate::scenario::{FieldPath, WorkloadSpec};
use crate::seed::Seed;
use crate::time::Nanos;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// The starting state a program needs.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct Genesis {
    /// Assets and their policies (`None`: plain cash).
    pub assets: Vec<(String, Option<AssetPolicy>)>,
    /// Starting balances: (account, asset, amount).
    pub balances: Vec<(String, String, u128)>,
    /// Licensed institutions.
    pub institutions: Vec<String>,
    /// Claims: (institution, investor, claim).
    pub claims: Vec<(String, String, Claim)>,
    /// Attested reserves of reserve-backed assets.
    pub reserves: Vec<(String, u128)>,
    /// Products admitted to trading.
    pub admitted: Vec<String>,
}

impl Genesis {
    /// Whether any asset carries a policy (an adapter without policy support must refuse it).
    pub fn has_policies(&self) -> bool {
        self.assets.iter().any(|(_, p)| p.is_some()) || !self.institutions.is_empty()
    }

    /// A reference model initialised with this state.
    pub fn model(&self) -> crate::refmodel::LedgerModel {
        let mut m = crate::refmodel::LedgerModel::new();
        for (id, p) in &self.assets {
            m.add_asset(id, p.clone());
        }
        m.load_identity(&self.institutions, &self.claims);
        for (a, r) in &self.reserves {
            m.set_reserve(a, *r);
        }
        for a in &self.admitted {
            m.admit(a);
        }
        for (acct, asset, amt) in &self.balances {
            m.genesis(acct, asset, *amt);
        }
        m
    }
}

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
    /// lacks any of them. The default assumes every kind.
    fn operations(&self) -> Vec<crate::adapter::OpKind> {
        use crate::adapter::OpKind::*;
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

/// A parameter problem, located at `workload.params.<key>`.
pub type ParamError = (FieldPath, String);

/// Programs this build knows, for validation and `touchstone list`.
pub const PROGRAMS: &[&str] = &[
    "payments",
    "dividend",
    "rebalance",
    "netting",
    "double_spend",
    "rollback",
    "compliance",
    "kyc_revocation",
    "reserve",
];

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
        "dividend" => Box::new(DividendProgram::new(
            read("dividend", p, dividend::DividendConfig::read)?,
            seed,
        )),
        "rebalance" => Box::new(RebalanceProgram::new(
            read("rebalance", p, rebalance::RebalanceConfig::read)?,
            seed,
        )),
        "netting" => {
            Box::new(NettingProgram::new(read("netting", p, netting::NettingConfig::read)?, seed))
        }
        "double_spend" => Box::new(DoubleSpendProgram::new(
            read("double_spend", p, double_spend::DoubleSpendConfig::read)?,
            validators,
            seed,
        )),
        "rollback" => Box::new(RollbackProgram::new(
            read("rollback", p, rollback::RollbackConfig::read)?,
            seed,
        )),
        "compliance" => Box::new(ComplianceProgram::new(
            read("compliance", p, compliance::ComplianceConfig::read)?,
            seed,
        )),
        "kyc_revocation" => Box::new(KycRevocationProgram::new(
            read("kyc_revocation", p, kyc_revocation::KycRevocationConfig::read)?,
            seed,
        )),
        "reserve" => {
            Box::new(ReserveProgram::new(read("reserve", p, reserve::ReserveConfig::read)?, seed))
        }
        other => {
            let mut msg = format!("unknown program {other:?}; known: {}", PROGRAMS.join(", "));
            if let Some(s) = crate::scenario::suggest(other, PROGRAMS) {
                msg.push_str(&format!(" (did you mean `{s}`?)"));
            }
            return Err(vec![(FieldPath::root().key("workload").key("program"), msg)]);
        }
    })
}

/// Size parameters a quick run shrinks: (program, parameter, default, floor). The floors keep
/// every kind of case a program draws (frozen and unverified holders, failing pairs, unfundable
/// rings...) present in a shortened run.
pub const SIZE_PARAMS: &[(&str, &str, i64, i64)] = &[
    ("dividend", "holders", 5000, 200),
    ("dividend", "frozen", 25, 3),
    ("dividend", "unverified", 25, 3),
    ("rebalance", "pairs", 20_000, 400),
    ("rebalance", "participants", 2000, 100),
    ("netting", "cycles", 200, 40),
    ("netting", "gross_probes", 20, 5),
    ("double_spend", "pairs", 500, 50),
    ("compliance", "cases", 2000, 300),
    ("reserve", "holders", 1000, 200),
];

/// Divides `program`'s size parameters by `k` (never below their floors; a parameter left at
/// its default is written out scaled), for `--quick` ([`crate::scenario::Scenario::quick`]).
pub fn quick_params(program: &str, params: &mut BTreeMap<String, toml::Value>, k: u64) {
    for &(_, name, default, floor) in SIZE_PARAMS.iter().filter(|(p, ..)| *p == program) {
        let v = params.get(name).and_then(toml::Value::as_integer).unwrap_or(default);
        let scaled = (v / k as i64).max(floor.min(v));
        params.insert(name.to_string(), toml::Value::Integer(scaled));
    }
}

/// Checks a program's parameters without building it (for `validate`): every error, each at
/// `workload.params.<key>`.
pub fn check_params(program: &str, params: &BTreeMap<String, toml::Value>) -> Vec<ParamError> {
    let path = FieldPath::root().key("workload").key("params");
    match program {
        "payments" => params.keys().map(|k| (path.key(k), format!("program \"payments\" takes no parameter `{k}` (it uses the workload's mix)"))).collect(),
        "dividend" => dividend::check(params),
        "rebalance" => rebalance::check(params),
        "netting" => netting::check(params),
        "double_spend" => double_spend::check(params),
        "rollback" => rollback::check(params),
        "compliance" => compliance::check(params),
        "kyc_revocation" => kyc_revocation::check(params),
        "reserve" => reserve::check(params),
        _ => Vec::new(),
    }
}
