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
    /// 1.2, a multi-chain trace: the verdict of a per-chain property on each chain (absent for
    /// a single-chain trace and for the cross-chain properties).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub chains: Option<Vec<ChainVerdict>>,
}

/// 1.2: a per-chain property's verdict on one chain of a multi-chain trace.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq, Eq)]
pub struct ChainVerdict {
    /// The chain's id (`run.start.chains[].id`).
    pub chain: String,
    /// Pass, fail or not evaluated on that chain.
    pub verdict: Verdict,
    /// Why it was not evaluated there, or a note on what the pass covers.
    pub reason: Option<String>,
    /// Findings on that chain.
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
    /// 1.2, a multi-chain trace: the chain the finding is about (for a cross-chain property,
    /// the chain where the violation shows: the destination of an unbacked mint...).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub chain: Option<String>,
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
    /// 1.2, a multi-chain trace: the chain of the equivocating validator.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub chain: Option<String>,
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

/// A stretch without a new height, as the progress property counts it.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq, Eq)]
pub struct ProgressGap {
    /// When the stretch began: the last new height (or `run.start`), ns.
    pub from_ns: u64,
    /// When it ended with a new height, ns; `None` when the trace ended first.
    pub to_ns: Option<u64>,
    /// The time counted in it (see [`ProgressStats::counted`]), ns.
    pub counted_ns: u64,
    /// The height decided before it (`None`: nothing decided yet).
    pub height: Option<u64>,
    /// Lines of the decisions around it (or of the last line of the trace).
    pub lines: Vec<u64>,
}

/// A validator that stayed behind the others while up and connected.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq, Eq)]
pub struct ProgressStall {
    /// The validator.
    pub node: String,
    /// The height it had decided (`None`: nothing).
    pub height: Option<u64>,
    /// When it fell behind (or last decided while behind), ns.
    pub from_ns: u64,
    /// When it decided a new height again, ns; `None` when the trace ended first.
    pub to_ns: Option<u64>,
    /// Time it spent up, connected to a quorum and behind, ns.
    pub counted_ns: u64,
    /// Lines of its decisions around the stall (or of the last line of the trace).
    pub lines: Vec<u64>,
}

/// Progress statistics: the gaps between new heights, for the report's timeline.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq, Eq)]
pub struct ProgressStats {
    /// The bound on a gap, ns.
    pub bound_ns: u64,
    /// Where the bound comes from (an option, `run.start.timeout_ns`, or the default).
    pub bound_from: String,
    /// What time counts in a gap.
    pub counted: String,
    /// The time counted in the whole trace, ns.
    pub counted_ns: u64,
    /// The longest gap (including one still open at the end of the trace).
    pub longest_gap: Option<ProgressGap>,
    /// Gaps over the bound (the first 100).
    pub gaps_over_bound: Vec<ProgressGap>,
    /// Number of gaps over the bound.
    pub gaps_over_bound_count: u64,
    /// Validators behind for longer than the bound (the first 100).
    pub stalls: Vec<ProgressStall>,
    /// Number of such stalls.
    pub stalls_count: u64,
}

/// How much of the consensus the trace shows, per node (for trace completeness, F1.1).
#[derive(Serialize, Deserialize, Clone, Copy, Debug, PartialEq, Eq, Default)]
pub struct TraceCompleteness {
    /// Validators named by `run.start` or a `valset.change`.
    pub validators: u64,
    /// Nodes that exported consensus events: a `cons.vote` or `cons.propose`, or a
    /// `cons.decide` with a `cert`.
    pub exported: u64,
    /// Nodes whose decisions were only observed: `cons.decide` without `cert`, and no vote or
    /// proposal of theirs in the trace (an observed chain).
    pub observed: u64,
    /// Validators with no consensus event at all.
    pub silent: u64,
}

/// Ledger facts behind the ledger verdicts.
#[derive(Serialize, Deserialize, Clone, Copy, Debug, PartialEq, Eq, Default)]
pub struct LedgerInfo {
    /// Accounts whose opening balance the trace does not give (no genesis record, not listed
    /// by a snapshot before they moved): the balance part of `no_double_spend` and
    /// `conservation` is not evaluated for them.
    pub unknown_opening_balances: u64,
    /// Accounts whose opening balance is known (genesis, or a snapshot listing them).
    pub known_opening_balances: u64,
}

/// The result of checking one trace.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq)]
pub struct CheckReport {
    /// Major version of the trace format this checker implements (1).
    pub format_version: u32,
    /// Full version of the trace format this checker implements (`1.1`). Fields marked
    /// "1.1" below are absent from reports written before it and read back as their defaults.
    #[serde(default)]
    pub spec_version: String,
    /// 1.1: `passed`, `failed`, or `truncated` (the trace has a `run.start` but no `run.end`:
    /// the evidence is incomplete, whatever the verdicts computed so far).
    #[serde(default)]
    pub status: String,
    /// 1.1: no `run.end`: the trace ends early.
    #[serde(default)]
    pub truncated: bool,
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
    /// 1.1: `run.start.adapter`.
    #[serde(default)]
    pub adapter: Option<String>,
    /// 1.1: `run.start.family`: the protocol family whose vote rules were checked.
    #[serde(default)]
    pub family: Option<String>,
    /// 1.1: whether equivocation was also judged per view (`run.start.view_based`, or the
    /// family's default).
    #[serde(default)]
    pub view_based: bool,
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
    /// 1.1: progress statistics (gaps between new heights), when progress was evaluated.
    #[serde(default)]
    pub progress: Option<ProgressStats>,
    /// 1.1: how many nodes exported consensus events, and how many were only observed.
    #[serde(default)]
    pub trace_completeness: TraceCompleteness,
    /// 1.1: opening balances known and unknown.
    #[serde(default)]
    pub ledger: LedgerInfo,
    /// Heights decided by at least one correct node.
    pub heights_decided: u64,
    /// Notes on what could not be fully checked (late events for pruned heights, ...).
    pub notes: Vec<String>,
    /// 1.2, a multi-chain trace: each chain's own summary (empty for a single-chain trace).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub chains: Vec<ChainSummary>,
    /// 1.2, a multi-chain trace: the cross-chain transfers and DvP pairs seen.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub xchain: Option<crate::xchain_report::XchainInfo>,
}

/// 1.2: one chain of a multi-chain trace, as checked on its own.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq)]
pub struct ChainSummary {
    /// The chain's id.
    pub id: String,
    /// Its protocol.
    pub protocol: String,
    /// Its protocol family, when declared.
    pub family: Option<String>,
    /// Its validators.
    pub validators: Vec<ValidatorInfo>,
    /// Its quorum fraction.
    pub quorum: QuorumInfo,
    /// `passed`, `failed` or `truncated`, from its per-chain properties alone.
    pub status: String,
    /// Events routed to it (lines without `chain` that concern every chain count on each).
    pub events: u64,
    /// Heights decided by at least one of its correct nodes.
    pub heights_decided: u64,
    /// Its validators marked Byzantine.
    pub byzantine: Vec<String>,
    /// Its Byzantine power is at or above its bound.
    pub over_budget: bool,
    /// Findings of per-chain properties on it.
    pub findings: usize,
    /// Its liveness statistics, when evaluated.
    pub liveness: Option<LivenessStats>,
    /// Its progress statistics, when evaluated.
    pub progress: Option<ProgressStats>,
    /// Its notes.
    pub notes: Vec<String>,
}

impl CheckReport {
    /// True when the trace is complete (not [`truncated`](CheckReport::truncated)) and no
    /// property fails, except safety properties expected to fail in an over-budget run (where
    /// `accountability` is the gate).
    pub fn passed(&self) -> bool {
        !self.truncated && self.no_property_fails()
    }

    /// True when no property fails (safety properties expected to fail over budget aside),
    /// whether or not the trace is complete.
    pub fn no_property_fails(&self) -> bool {
        self.properties.iter().all(|p| p.verdict != Verdict::Fail || p.expected_to_fail)
    }

    /// The status word: `passed`, `failed` or `truncated`.
    pub fn status_of(truncated: bool, no_property_fails: bool) -> &'static str {
        match (truncated, no_property_fails) {
            (true, _) => "truncated",
            (false, true) => "passed",
            (false, false) => "failed",
        }
    }

    /// The CLI exit code for this report: 0 passed; 1 findings, or a truncated trace (the
    /// evidence is incomplete, so the check cannot pass: DESIGN §3's "findings", not bad
    /// input — every line read was valid).
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
        let verdict = match (self.truncated, self.no_property_fails()) {
            (true, true) => "TRUNCATED",
            (true, false) => "TRUNCATED, FAILED",
            (false, true) => "PASSED",
            (false, false) => "FAILED",
        };
        let size = if self.chains.is_empty() {
            format!("{} validators", self.validators.len())
        } else {
            format!("{} chains", self.chains.len())
        };
        let _ = writeln!(
            s,
            "{verdict}: {} ({} events, protocol {}, {size}{})",
            self.source,
            self.events,
            self.protocol,
            if self.over_budget { ", OVER BUDGET: accountability is the gate" } else { "" }
        );
        if self.truncated {
            let _ = writeln!(
                s,
                "  the trace has no run.end: it ends early, so the evidence is incomplete (verdicts so far below)"
            );
        }
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
            if let Some(cs) = &p.chains {
                let per: Vec<String> = cs
                    .iter()
                    .map(|c| {
                        let v = match c.verdict {
                            Verdict::Pass => "pass",
                            Verdict::Fail => "FAIL",
                            Verdict::NotEvaluated => "n/e",
                        };
                        format!("{} {v}", c.chain)
                    })
                    .collect();
                let _ = write!(line, " [{}]", per.join(", "));
            }
            if let Some(r) = &p.reason {
                let _ = write!(line, " ({r})");
            }
            let _ = writeln!(s, "{line}");
        }
        for c in &self.chains {
            let _ = writeln!(
                s,
                "  chain {}: {} ({}, {} validators, {} events, {} heights decided{})",
                c.id,
                c.status,
                c.protocol,
                c.validators.len(),
                c.events,
                c.heights_decided,
                if c.over_budget { ", OVER BUDGET" } else { "" }
            );
        }
        for f in &self.findings {
            let mut at = String::new();
            if let Some(c) = &f.chain {
                let _ = write!(at, " chain={c}");
            }
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
        if !self.no_property_fails() {
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
