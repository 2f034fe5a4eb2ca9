//! The gate → exit-code rule (DESIGN §3), in one place.
//!
//! A run that completed passes (exit 0) when every criterion is met, every conformance case
//! behaved as the reference model says, and no gate property failed in the checked trace; any of
//! those failing is a finding (exit 1). A run that did not complete — interrupted, or the adapter
//! failed mid-run with partial results kept — is a harness failure (exit 3) whatever it measured.
//! An error before the first transaction is bad input (exit 2) when the scenario asks for what
//! the adapter cannot do or its configuration is wrong, and a harness failure (exit 3) otherwise.

use crate::exit::{Failure, BAD_INPUT, FINDINGS, HARNESS, PASS};
use std::collections::BTreeMap;
use touchstone_check::{CheckReport, PropertyResult, Verdict as PropVerdict};
use touchstone_core::adapter::AdapterError;
use touchstone_core::criteria::CriterionResult;
use touchstone_core::engine::EngineError;
use touchstone_core::program::CaseResult;
use touchstone_core::record::{RunRecord, RunStatus, Verdict};
use touchstone_core::scenario::Scenario;

/// Everything a run's verdict depends on, and nothing else.
#[derive(Debug, Clone, Copy)]
pub struct Evidence<'a> {
    /// How the run ended.
    pub status: RunStatus,
    /// Why it ended early, when it did.
    pub message: Option<&'a str>,
    /// The scenario's criteria, judged.
    pub criteria: &'a [CriterionResult],
    /// The conformance cases of the workload program (expected vs observed).
    pub conformance: &'a [CaseResult],
    /// The scenario's gates (`[criteria] gates`); `None`: the checker's default gates.
    pub gates: Option<&'a [String]>,
    /// The checker's verdict per property; `None`: the trace could not be checked.
    pub properties: Option<&'a [PropertyResult]>,
}

impl<'a> Evidence<'a> {
    /// The evidence of a run record, its scenario and the check of its trace.
    pub fn of(
        record: &'a RunRecord,
        scenario: &'a Scenario,
        check: Option<&'a CheckReport>,
    ) -> Self {
        Evidence {
            status: record.status,
            message: record.message.as_deref(),
            criteria: &record.criteria,
            conformance: record.metrics.as_ref().map_or(&[], |m| &m.conformance),
            gates: scenario.criteria.gates.as_deref(),
            properties: check.map(|c| c.properties.as_slice()),
        }
    }
}

/// Gates and criteria → pass / findings / harness failure, for a run record.
pub fn verdict(record: &RunRecord, scenario: &Scenario, check: Option<&CheckReport>) -> Verdict {
    judge(&Evidence::of(record, scenario, check))
}

/// Gates and criteria → pass / findings / harness failure.
pub fn judge(e: &Evidence<'_>) -> Verdict {
    let mut failed: Vec<String> =
        e.criteria.iter().filter(|c| !c.passed).map(|c| format!("criterion {}", c.id)).collect();
    // A wrong outcome or reason code in a conformance case is a finding, not a pass.
    let mut by_indicator: BTreeMap<&str, usize> = BTreeMap::new();
    for c in e.conformance.iter().filter(|c| !c.passed) {
        *by_indicator.entry(c.indicator.as_str()).or_default() += 1;
    }
    for (ind, n) in by_indicator {
        failed.push(format!("conformance {ind}: {n} case(s) differ from the reference model"));
    }
    match e.properties {
        Some(properties) => {
            for prop in properties {
                let gate = match e.gates {
                    Some(gates) => gates.iter().any(|g| g == &prop.id),
                    None => prop.is_gate,
                };
                if gate && prop.verdict == PropVerdict::Fail {
                    failed.push(format!("gate {}", prop.id));
                }
            }
        }
        None => failed.push("trace not checked".into()),
    }
    let exit_code = match e.status {
        RunStatus::Completed if failed.is_empty() => PASS,
        RunStatus::Completed => FINDINGS,
        _ => HARNESS,
    };
    if let Some(m) = e.message {
        if e.status != RunStatus::Completed {
            failed.push(m.to_string());
        }
    }
    Verdict { passed: exit_code == PASS, exit_code, failed }
}

/// The exit code of an engine error (the run stopped before its first transaction): an
/// operation the adapter does not support, a workload program that cannot be built, the
/// adapter's configuration, or a scenario the adapter refuses in `prepare` → bad input (the
/// same code as when it refuses while being built); any other adapter error → harness failure.
pub fn engine_error_code(e: &EngineError) -> i32 {
    match e {
        EngineError::Unsupported { .. } | EngineError::Program(_) => BAD_INPUT,
        EngineError::Adapter(AdapterError::Config { .. } | AdapterError::Unsupported { .. }) => {
            BAD_INPUT
        }
        EngineError::Adapter(_) => HARNESS,
    }
}

/// The exit code of an error building the adapter: its configuration, or a scenario it cannot
/// run → bad input; anything else → harness failure.
pub fn adapter_error_code(e: &AdapterError) -> i32 {
    match e {
        AdapterError::Config { .. } | AdapterError::Unsupported { .. } => BAD_INPUT,
        _ => HARNESS,
    }
}

/// An error building the adapter, as the failure it exits with.
pub fn adapter_failure(e: AdapterError) -> Failure {
    Failure { code: adapter_error_code(&e), message: e.to_string() }
}

#[cfg(test)]
mod tests;
