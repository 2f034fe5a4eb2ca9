//! The kit's verdicts: one per clause, and the report that prints them as a table.

use serde::{Deserialize, Serialize};
use std::fmt;

/// What the kit concluded about one clause.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "verdict", rename_all = "snake_case")]
pub enum Verdict {
    Pass,
    /// The adapter broke the clause; `evidence` says how (transaction ids, times, values).
    Fail {
        evidence: String,
    },
    /// The clause does not apply, and why (usually what the adapter does not declare).
    NotApplicable {
        reason: String,
    },
}

impl Verdict {
    pub fn fail(evidence: impl Into<String>) -> Self {
        Verdict::Fail { evidence: evidence.into() }
    }

    pub fn not_applicable(reason: impl Into<String>) -> Self {
        Verdict::NotApplicable { reason: reason.into() }
    }

    pub fn is_fail(&self) -> bool {
        matches!(self, Verdict::Fail { .. })
    }

    /// `PASS`, `FAIL` or `N/A`.
    pub fn label(&self) -> &'static str {
        match self {
            Verdict::Pass => "PASS",
            Verdict::Fail { .. } => "FAIL",
            Verdict::NotApplicable { .. } => "N/A",
        }
    }
}

/// One clause of the contract and the verdict on it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ClauseResult {
    /// Stable id, e.g. `outcomes.exactly_once` (see the crate docs).
    pub id: String,
    /// What the clause demands, in one line.
    pub title: String,
    pub verdict: Verdict,
}

/// The verdicts of a whole conformance run, one per clause in the order of the crate docs.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ConformanceReport {
    /// The adapter's name (`Adapter::name`), or `?` when it could not be built.
    pub adapter: String,
    pub clauses: Vec<ClauseResult>,
}

impl ConformanceReport {
    /// No clause failed.
    pub fn passed(&self) -> bool {
        !self.clauses.iter().any(|c| c.verdict.is_fail())
    }

    /// The verdict on clause `id`, if the report has it.
    pub fn verdict(&self, id: &str) -> Option<&Verdict> {
        self.clauses.iter().find(|c| c.id == id).map(|c| &c.verdict)
    }

    /// The ids of the failed clauses.
    pub fn failed(&self) -> Vec<&str> {
        self.clauses.iter().filter(|c| c.verdict.is_fail()).map(|c| c.id.as_str()).collect()
    }
}

/// A table: one line per clause (verdict, id, title), then the evidence or the reason indented.
impl fmt::Display for ConformanceReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let count =
            |label: &str| self.clauses.iter().filter(|c| c.verdict.label() == label).count();
        writeln!(
            f,
            "adapter {}: {} clauses, {} pass, {} fail, {} not applicable",
            self.adapter,
            self.clauses.len(),
            count("PASS"),
            count("FAIL"),
            count("N/A")
        )?;
        let width = self.clauses.iter().map(|c| c.id.len()).max().unwrap_or(0);
        for c in &self.clauses {
            writeln!(f, "  {:<4}  {:<width$}  {}", c.verdict.label(), c.id, c.title)?;
            match &c.verdict {
                Verdict::Pass => {}
                Verdict::Fail { evidence: s } | Verdict::NotApplicable { reason: s } => {
                    writeln!(f, "        {:<width$}  {s}", "")?;
                }
            }
        }
        Ok(())
    }
}
