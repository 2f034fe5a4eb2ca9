//! `run.json`: the record of one run (format `touchstone-run/1`).
//!
//! Written when the run starts (status `running`), and again when it ends or aborts, so a crash
//! still leaves a record that says what happened. Consumers (`touchstone report`, the reports
//! crate, vendors' tooling) read it back with [`RunRecord`].

use crate::adapter::{Capabilities, SystemInfo};
use crate::criteria::CriterionResult;
use crate::engine::{FaultRecord, RunMetrics};
use crate::scenario::{Criteria, FaultSpec, NetworkSpec};
use crate::time::Nanos;
use serde::{Deserialize, Serialize};

pub const RUN_FORMAT: &str = "touchstone-run/1";

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RunRecord {
    /// Always [`RUN_FORMAT`].
    pub format: String,
    pub harness: HarnessInfo,
    pub scenario: ScenarioInfo,
    pub seed: u64,
    /// The exact command that replays this run.
    pub replay: String,
    pub adapter: AdapterInfo,
    pub environment: Environment,
    pub status: RunStatus,
    /// Why the run ended early, when it did.
    pub message: Option<String>,
    /// Run time (virtual in simulation).
    pub duration_ns: Nanos,
    pub metrics: Option<RunMetrics>,
    pub faults: Vec<FaultRecord>,
    pub criteria: Vec<CriterionResult>,
    /// The checker's report on the trace (`touchstone-check`'s `CheckReport`), when checked.
    pub check: Option<serde_json::Value>,
    pub trace: TraceInfo,
    pub harness_cost: Option<HarnessCost>,
    /// Wall time of each step of the run (absent in records written before it was measured).
    #[serde(default)]
    pub timings: Option<StepTimes>,
    pub verdict: Verdict,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct HarnessInfo {
    pub name: String,
    pub version: String,
}

impl HarnessInfo {
    pub fn current() -> Self {
        HarnessInfo { name: "touchstone".into(), version: env!("CARGO_PKG_VERSION").into() }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ScenarioInfo {
    pub name: String,
    pub kind: String,
    /// What the scenario is meant to measure (`purpose`; empty when it does not say, and in
    /// records written before purposes existed).
    #[serde(default)]
    pub purpose: Vec<String>,
    pub description: String,
    /// Path of the script as given on the command line.
    pub file: Option<String>,
    /// SHA-256 of the exact script run (`scenario.toml` in the run directory).
    pub sha256: String,
    pub network: NetworkSpec,
    pub faults: Vec<FaultSpec>,
    pub criteria: Criteria,
    /// Total scheduled load time.
    pub load_ns: Nanos,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AdapterInfo {
    pub system: SystemInfo,
    pub capabilities: Capabilities,
}

/// The machine the harness ran on (disclosure).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
pub struct Environment {
    pub os: String,
    pub arch: String,
    pub cpus: usize,
    pub cpu_model: Option<String>,
    pub memory_bytes: Option<u64>,
    /// Wall-clock start time, RFC 3339 UTC (informational; never part of the fingerprint).
    pub started_at: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RunStatus {
    /// Written at the start; a record still `running` means the harness died mid-run.
    Running,
    Completed,
    Interrupted,
    AdapterFailed,
    /// Stopped by the watchdog at a limit (`docs/limits.md`): partial results.
    LimitExceeded,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TraceInfo {
    pub file: String,
    pub lines: u64,
    /// SHA-256 chained over every trace byte: same scenario + seed (simulated) → same value.
    pub fingerprint: String,
}

/// The harness's own cost, so a reader can see it was not the bottleneck.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct HarnessCost {
    pub wall_ns: u64,
    pub cpu_user_ns: u64,
    pub cpu_system_ns: u64,
    /// (user + system CPU) / committed transactions.
    pub cpu_per_committed_tx_ns: Option<u64>,
}

/// Wall time of the steps of `touchstone run`, to show where a run's time goes (disclosure; it
/// varies from one machine and one run to the next).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StepTimes {
    /// Driving the adapter (the simulated network, in simulation) and writing the trace.
    pub simulate_ns: u64,
    /// Checking the trace from disk; `None` when it was not checked.
    pub check_ns: Option<u64>,
    /// Scoring and writing `report.json` and `report.html`; `None` when they were not written.
    pub report_ns: Option<u64>,
}

/// The run's overall verdict and its exit code.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Verdict {
    pub passed: bool,
    /// 0 pass, 1 findings, 3 harness or adapter failure.
    pub exit_code: i32,
    /// What failed: criterion ids, property ids, or the failure.
    pub failed: Vec<String>,
}
