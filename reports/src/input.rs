//! Loading a saved run: `run.json` (checked to be Touchstone's, complete and of a known format)
//! and the trace beside it.

use crate::error::ReportError;
use crate::model::ConformanceCase;
use crate::trace::{self, TraceScan};
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use touchstone_check::CheckReport;
use touchstone_core::program::{CaseResult, Expected};
use touchstone_core::record::{RunRecord, RUN_FORMAT};

/// Findings quoted with their evidence at most (the rest are counted).
pub const MAX_FINDINGS_QUOTED: usize = 50;
/// Evidence lines quoted per finding at most.
pub const MAX_LINES_PER_FINDING: usize = 8;

/// One run, loaded.
#[derive(Debug, Clone)]
pub struct RunInput {
    /// How the report names the run (the directory as given).
    pub label: String,
    pub dir: PathBuf,
    pub record: RunRecord,
    pub check: Option<CheckReport>,
    /// Compliance cases (`run.json` `metrics.conformance`, written by compliance programs).
    pub conformance: Vec<ConformanceCase>,
    /// The trace scan, when `trace.jsonl` is present.
    pub trace: Option<TraceScan>,
    /// Why the trace could not be read, when it could not.
    pub trace_note: Option<String>,
    /// A rerun with the same seed (suite `reproduce = true`), to judge reproducibility.
    pub rerun: Option<Rerun>,
}

/// What a rerun with the same scenario, adapter and seed gave.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rerun {
    pub label: String,
    pub fingerprint: String,
    /// Its verdict's failed list (compared for real chains, where fingerprints differ).
    pub failed: Vec<String>,
}

impl RunInput {
    /// Loads `dir/run.json` and scans `dir/trace.jsonl`.
    pub fn load(dir: &Path) -> Result<RunInput, ReportError> {
        Self::load_labelled(dir, &dir.display().to_string())
    }

    /// Like [`RunInput::load`], naming the run `label` in the report.
    pub fn load_labelled(dir: &Path, label: &str) -> Result<RunInput, ReportError> {
        let p = dir.join("run.json");
        let ps = p.display().to_string();
        let text = std::fs::read_to_string(&p).map_err(|e| {
            ReportError::input(&ps, "<file>", format!("cannot read the run record: {e}"))
        })?;
        let value: serde_json::Value = serde_json::from_str(&text).map_err(|e| {
            ReportError::input(
                &ps,
                "<json>",
                format!(
                    "not valid JSON (truncated?) at line {} column {}: {e}",
                    e.line(),
                    e.column()
                ),
            )
        })?;
        match value.get("format").and_then(|f| f.as_str()) {
            Some(RUN_FORMAT) => {}
            Some(other) => {
                return Err(ReportError::input(
                    &ps,
                    "format",
                    format!("{other:?} is not a Touchstone run record ({RUN_FORMAT:?} expected)"),
                ))
            }
            None => {
                return Err(ReportError::input(
                    &ps,
                    "format",
                    format!("missing: not a Touchstone run record ({RUN_FORMAT:?} expected)"),
                ))
            }
        }
        let record: RunRecord = serde_json::from_value(value.clone()).map_err(|e| {
            let msg = e.to_string();
            let field = msg.split('`').nth(1).unwrap_or("<record>").to_string();
            ReportError::input(&ps, field, msg)
        })?;
        let check = match &record.check {
            Some(v) => Some(
                serde_json::from_value::<CheckReport>(v.clone())
                    .map_err(|e| ReportError::input(&ps, "check", e.to_string()))?,
            ),
            None => None,
        };
        let conformance =
            record.metrics.as_ref().map(|m| cases(&m.conformance)).unwrap_or_default();
        let mut wanted = BTreeSet::new();
        if let Some(c) = &check {
            for f in c.findings.iter().take(MAX_FINDINGS_QUOTED) {
                wanted.extend(f.lines.iter().take(MAX_LINES_PER_FINDING));
            }
        }
        let tp = dir.join(if record.trace.file.is_empty() || record.trace.file.contains('/') {
            "trace.jsonl"
        } else {
            record.trace.file.as_str()
        });
        let (trace, trace_note) = if tp.is_file() {
            match trace::scan(&tp, &wanted) {
                Ok(s) => (Some(s), None),
                Err(e) => (None, Some(e.to_string())),
            }
        } else {
            (None, Some(format!("{}: no trace: consensus timeline, evidence lines and trace-based indicators are not available", tp.display())))
        };
        let mut conformance = conformance;
        for c in &mut conformance {
            c.run = label.to_string();
        }
        Ok(RunInput {
            label: label.to_string(),
            dir: dir.to_path_buf(),
            record,
            check,
            conformance,
            trace,
            trace_note,
            rerun: None,
        })
    }

    /// Nodes not marked Byzantine (trace `node.role` or the checker's list).
    pub fn correct_nodes(&self) -> Vec<&str> {
        self.record
            .adapter
            .system
            .validators
            .iter()
            .map(|v| v.id.as_str())
            .filter(|n| !self.is_byzantine(n))
            .collect()
    }

    /// Whether `node` is marked Byzantine.
    pub fn is_byzantine(&self, node: &str) -> bool {
        self.trace.as_ref().is_some_and(|t| t.byzantine.contains(node))
            || self.check.as_ref().is_some_and(|c| c.byzantine.iter().any(|b| b == node))
            || self.record.scenario.network.byzantine.iter().any(|b| b.node == node)
    }
}

fn expected_text(e: &Expected) -> String {
    match e {
        Expected::Commit => "committed".into(),
        Expected::Reject { reasons } => {
            format!("rejected {}", reasons.iter().map(|r| r.code()).collect::<Vec<_>>().join(" | "))
        }
    }
}

fn observed_matches(e: &Expected, observed: &str, reason: Option<&str>) -> bool {
    match e {
        Expected::Commit => observed == "committed",
        Expected::Reject { reasons } => {
            observed == "rejected" && reasons.iter().any(|r| Some(r.code()) == reason)
        }
    }
}

/// The engine's conformance matrix as report rows; every case with a pre-check prediction also
/// counts for D4.1 (predictability): the prediction must equal the observed outcome.
pub fn cases(results: &[CaseResult]) -> Vec<ConformanceCase> {
    let mut out = Vec::new();
    for c in results {
        let observed = match &c.reason {
            Some(r) => format!("{} {r}", c.observed),
            None => c.observed.clone(),
        };
        out.push(ConformanceCase {
            case: format!("{} (tx {})", c.label, c.tx),
            indicator: c.indicator.clone(),
            expected: expected_text(&c.expected),
            observed: observed.clone(),
            passed: c.passed,
            reason: (!c.passed)
                .then(|| format!("expected {}, observed {observed}", expected_text(&c.expected))),
            run: String::new(),
        });
        if let Some(p) = &c.predicted {
            let ok = observed_matches(p, &c.observed, c.reason.as_deref());
            out.push(ConformanceCase {
                case: format!("pre-check of {} (tx {})", c.label, c.tx),
                indicator: "D4.1".into(),
                expected: format!("predicted {}", expected_text(p)),
                observed,
                passed: ok,
                reason: (!ok).then(|| "the pre-check predicted another outcome".into()),
                run: String::new(),
            });
        }
    }
    out
}
