//! The check report: a stable, serializable verdict on one trace.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use serde::{Deserialize, Serialize};

/// Verdict on one property.
#[derive(Serialize, Deserialize, Clone, Copy, PartialEq, Eq, Debug)]
#[serde(rename_all = "snake_case")]
pub enum Verdict {
    /// Checked, no violation.
    Pass,
    /// Checked, at least one finding.
    Fail,
    /// Not checked; `reason` says why.
    NotEvaluated,
}

/// One property's result.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq, Eq)]
pub struct PropertyResult {
    /// Property id from the spec (`agreement`, ...).
    pub id: String,
    /// Human name.
    pub name: String,
    /// Pass, fail or not evaluated.
    pub verdict: Verdict,
    /// Why it was not evaluated, or a note on what a pass covers.
    pub reason: Option<String>,
    /// The run is over budget and this safety property may legitimately fail.
    pub expected_to_fail: bool,
    /// A gate: a failure fails the evaluation whatever the scores.
    pub is_gate: bool,
    /// Number of findings (including any beyond those listed).
    pub findings: usize,
}

/// One violation, with the evidence that proves it.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq, Eq)]
pub struct Finding {
    /// Property id.
    pub property: String,
    /// Nodes concerned (culprits or the nodes whose view is wrong), sorted.
    pub nodes: Vec<String>,
    /// Height concerned.
    pub height: Option<u64>,
    /// Round concerned.
    pub round: Option<u64>,
    /// 1-based trace line numbers of the evidence.
    pub lines: Vec<u64>,
    /// One-line explanation.
    pub message: String,
    /// Command that replays the run, when known.
    pub replay: Option<String>,
}

/// A line that was skipped (`skip_bad_lines`).
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq, Eq)]
pub struct BadLine {
    /// 1-based line number.
    pub line: u64,
    /// The offending field (`<line>` for the line as a whole).
    pub field: String,
    /// What is wrong.
    pub message: String,
}

/// Bad lines skipped: how many, and the first few.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq, Eq, Default)]
pub struct BadLines {
    /// Total skipped.
    pub count: u64,
    /// The first ones.
    pub first: Vec<BadLine>,
}

/// A validator and its power.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq, Eq)]
pub struct ValidatorInfo {
    /// Node id.
    pub id: String,
    /// Voting power.
    pub power: u64,
}

/// Quorum fraction: a quorum is power strictly greater than `num/den` of the total.
#[derive(Serialize, Deserialize, Clone, Copy, Debug, PartialEq, Eq)]
pub struct QuorumInfo {
    /// Numerator.
    pub num: u64,
    /// Denominator.
    pub den: u64,
}

/// An equivocation proven by two events of the trace.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq, Eq)]
pub struct Equivocation {
    /// The equivocating validator.
    pub node: String,
    /// Whether the node is marked Byzantine (expected) or correct (a finding).
    pub byzantine: bool,
    /// Height.
    pub height: u64,
    /// Round.
    pub round: u64,
    /// The vote type, or `proposal`.
    pub what: String,
    /// The two conflicting values (`null` for a nil vote).
    pub blocks: [String; 2],
    /// Lines of the two events.
    pub lines: [u64; 2],
}

/// Bounded-liveness statistics.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq, Eq)]
pub struct LivenessStats {
    /// Start of the liveness window (last `net.heal` / `fault.stop`, or run start), ns.
    pub window_start_ns: u64,
    /// The line that opened the window (`None` for the run start).
    pub window_start_line: Option<u64>,
    /// The bound, ns.
    pub bound_ns: u64,
    /// Running correct validators expected to decide.
    pub nodes_expected: usize,
    /// Of those, how many decided a new height within the bound.
    pub nodes_decided_in_bound: usize,
    /// Time from the window start to the first new decision by any correct node, ns.
    pub time_to_first_decision_ns: Option<u64>,
    /// Time from the window start until the last running correct node decided, ns.
    pub time_to_all_decided_ns: Option<u64>,
}

/// The result of checking one trace.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq)]
pub struct CheckReport {
    /// Trace format version this checker implements (1).
    pub format_version: u32,
    /// The trace's name (path, or `-`).
    pub source: String,
    /// Lines read.
    pub lines: u64,
    /// Events accepted (lines minus bad lines).
    pub events: u64,
    /// Lines skipped with `skip_bad_lines`.
    pub bad_lines: BadLines,
    /// Unknown kinds and their counts.
    pub unknown_kinds: BTreeMap<String, u64>,
    /// `run.start.protocol`.
    pub protocol: String,
    /// `run.start.validators`.
    pub validators: Vec<ValidatorInfo>,
    /// Quorum fraction in force.
    pub quorum: QuorumInfo,
    /// `run.start.seed`, as text.
    pub seed: Option<String>,
    /// `run.start.scenario`.
    pub scenario: Option<String>,
    /// Nodes marked Byzantine by `node.role`, sorted.
    pub byzantine: Vec<String>,
    /// Largest Byzantine power over the validator sets in force.
    pub byzantine_power: u64,
    /// Total power of that set.
    pub total_power: u64,
    /// Byzantine power at or above the bound (1/3 BFT, 1/2 Raft).
    pub over_budget: bool,
    /// One result per property, in the spec's order.
    pub properties: Vec<PropertyResult>,
    /// Findings, sorted by property (spec order), height, round, nodes, lines.
    pub findings: Vec<Finding>,
    /// Equivocations proven from the trace (Byzantine ones are expected, not findings).
    pub equivocations: Vec<Equivocation>,
    /// Replay command.
    pub replay: Option<String>,
    /// Liveness statistics, when liveness was evaluated.
    pub liveness: Option<LivenessStats>,
    /// Heights decided by at least one correct node.
    pub heights_decided: u64,
    /// Notes on what could not be fully checked (late events for pruned heights, ...).
    pub notes: Vec<String>,
}

impl CheckReport {
    /// True when no property fails, except safety properties expected to fail in an
    /// over-budget run (where `accountability` is the gate).
    pub fn passed(&self) -> bool {
        self.properties.iter().all(|p| p.verdict != Verdict::Fail || p.expected_to_fail)
    }

    /// The CLI exit code for this report: 0 passed, 1 findings.
    pub fn exit_code(&self) -> i32 {
        if self.passed() {
            0
        } else {
            1
        }
    }

    /// A short, judgemental human summary: one line per property, then the findings.
    pub fn render_text(&self) -> String {
        let mut s = String::new();
        let verdict = if self.passed() { "PASSED" } else { "FAILED" };
        let _ = writeln!(
            s,
            "{verdict}: {} ({} events, protocol {}, {} validators{})",
            self.source,
            self.events,
            self.protocol,
            self.validators.len(),
            if self.over_budget { ", OVER BUDGET: accountability is the gate" } else { "" }
        );
        if self.bad_lines.count > 0 {
            let _ = writeln!(s, "  skipped {} bad lines", self.bad_lines.count);
        }
        for p in &self.properties {
            let v = match p.verdict {
                Verdict::Pass => "PASS".to_string(),
                Verdict::Fail => format!("FAIL ({} findings)", p.findings),
                Verdict::NotEvaluated => "NOT EVALUATED".to_string(),
            };
            let mut line = format!("  {:<24} {v}", p.id);
            if p.expected_to_fail && p.verdict == Verdict::Fail {
                line.push_str(" [expected: over budget]");
            }
            if let Some(r) = &p.reason {
                let _ = write!(line, " ({r})");
            }
            let _ = writeln!(s, "{line}");
        }
        for f in &self.findings {
            let mut at = String::new();
            if let Some(h) = f.height {
                let _ = write!(at, " h={h}");
            }
            if let Some(r) = f.round {
                let _ = write!(at, " r={r}");
            }
            let lines: Vec<String> = f.lines.iter().map(u64::to_string).collect();
            let _ = writeln!(
                s,
                "  - {}{at} [{}] {} (lines {})",
                f.property,
                f.nodes.join(","),
                f.message,
                lines.join(",")
            );
        }
        if !self.passed() {
            if let Some(r) = &self.replay {
                let _ = writeln!(s, "  replay: {r}");
            }
        }
        for n in &self.notes {
            let _ = writeln!(s, "  note: {n}");
        }
        s
    }
}
