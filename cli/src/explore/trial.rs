//! One schedule, run in memory on the simulated network and judged as `touchstone run` judges
//! a run: the trace checked by `touchstone-check` with the pipeline's options, the verdict from
//! the CLI's exit-code rule ([`crate::verdict::judge`]).
//!
//! What the search is after are **gate** failures (and panics of the simulator): the scenario's
//! criteria and the conformance cases of its workload program are left out, since a random
//! fault schedule may rightly slow a chain down or leave a payment unresolved at its timeout
//! (a Byzantine entry node may drop what clients send it).

use super::generate::LeaderHint;
use crate::exit::{FINDINGS, PASS};
use crate::pipeline::check_options;
use crate::verdict::{judge, Evidence};
use serde::Serialize;
use touchstone_core::engine::{self, EndReason};
use touchstone_core::record::RunStatus;
use touchstone_core::scenario::Scenario;
use touchstone_core::trace::TraceWriter;
use touchstone_core::Seed;

/// How one run ended, as far as the search cares.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "outcome", rename_all = "snake_case")]
pub enum Outcome {
    /// Every gate held (exit 0 but for criteria).
    Pass,
    /// Exit 1: the gates that failed (`gate agreement`, ...).
    Findings { failed: Vec<String> },
    /// The run could not be driven (exit 3 or an error before the first transaction).
    Harness { message: String },
    /// The simulator or the checker panicked.
    Panic { message: String },
}

impl Outcome {
    /// What a failure is known by while shrinking: its first failed gate or item, or `panic`.
    pub fn signature(&self) -> Option<String> {
        match self {
            Outcome::Findings { failed } => failed.first().cloned(),
            Outcome::Panic { .. } => Some("panic".into()),
            Outcome::Pass | Outcome::Harness { .. } => None,
        }
    }

    /// Whether this outcome fails the way `signature` names.
    pub fn fails_like(&self, signature: &str) -> bool {
        match self {
            Outcome::Findings { failed } => failed.iter().any(|f| f == signature),
            Outcome::Panic { .. } => signature == "panic",
            Outcome::Pass | Outcome::Harness { .. } => false,
        }
    }

    /// Short form for the terminal.
    pub fn describe(&self) -> String {
        match self {
            Outcome::Pass => "pass".into(),
            Outcome::Findings { failed } => failed.join(", "),
            Outcome::Harness { message } => format!("harness failure: {message}"),
            Outcome::Panic { message } => format!("panic: {message}"),
        }
    }
}

/// Runs `scenario` with `seed` in memory and judges it. With `leaders`, also reads who proposed
/// when from the trace.
pub fn run(scenario: &Scenario, seed: Seed, leaders: bool) -> (Outcome, Option<LeaderHint>) {
    let r = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        run_inner(scenario, seed, leaders)
    }));
    r.unwrap_or_else(|payload| {
        let message = payload
            .downcast_ref::<&str>()
            .map(|s| s.to_string())
            .or_else(|| payload.downcast_ref::<String>().cloned())
            .unwrap_or_else(|| "(no message)".into());
        (Outcome::Panic { message }, None)
    })
}

fn run_inner(scenario: &Scenario, seed: Seed, leaders: bool) -> (Outcome, Option<LeaderHint>) {
    let mut adapter = match touchstone_sim::SimAdapter::new(scenario) {
        Ok(a) => a,
        Err(e) => return (Outcome::Harness { message: e.to_string() }, None),
    };
    let mut w = TraceWriter::new(Vec::new());
    let result = match engine::run(scenario, &mut adapter, seed, &mut w, Default::default()) {
        Ok(r) => r,
        Err(e) => return (Outcome::Harness { message: e.to_string() }, None),
    };
    let bytes = match w.finish() {
        Ok((bytes, _)) => bytes,
        Err(e) => return (Outcome::Harness { message: e.to_string() }, None),
    };
    let opts = check_options(scenario, None);
    let check = touchstone_check::check_reader(&bytes[..], &scenario.name, &opts);
    let (status, message) = match &result.end {
        EndReason::Completed => (RunStatus::Completed, None),
        EndReason::Interrupted => (RunStatus::Interrupted, Some("interrupted".to_string())),
        EndReason::AdapterFailed { message } => (RunStatus::AdapterFailed, Some(message.clone())),
        EndReason::LimitExceeded { message } => (RunStatus::LimitExceeded, Some(message.clone())),
    };
    let check = match check {
        Ok(c) => c,
        Err(e) => return (Outcome::Harness { message: format!("checker: {e}") }, None),
    };
    let verdict = judge(&Evidence {
        status,
        message: message.as_deref(),
        criteria: &[],
        conformance: &[],
        gates: scenario.criteria.gates.as_deref(),
        properties: Some(&check.properties),
    });
    let outcome = match verdict.exit_code {
        PASS => Outcome::Pass,
        FINDINGS => Outcome::Findings { failed: verdict.failed },
        _ => Outcome::Harness { message: verdict.failed.join("; ") },
    };
    (outcome, leaders.then(|| leader_hint(&bytes)))
}

/// `(time, proposer)` of every `cons.propose` line of a trace.
fn leader_hint(trace: &[u8]) -> LeaderHint {
    let text = String::from_utf8_lossy(trace);
    let proposals = text
        .lines()
        .filter(|l| l.contains("\"cons.propose\""))
        .filter_map(|l| serde_json::from_str::<serde_json::Value>(l).ok())
        .filter_map(|v| Some((v["t_ns"].as_u64()?, v["node"].as_str()?.to_string())))
        .collect();
    LeaderHint { proposals }
}
