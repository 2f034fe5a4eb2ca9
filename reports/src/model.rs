//! The report model: what `report.json` holds (format [`REPORT_FORMAT`]).
//!
//! Every renderer (HTML, text, JUnit, compare) reads only this model, so `report.json` is the
//! complete evaluation: a reader can redraw every chart and recheck every score from it. Fields
//! are only ever added within a format version; a removal or a change of meaning bumps it.

use crate::rubric::{Better, Method, Unit};
use serde::{Deserialize, Serialize};
use touchstone_core::engine::FaultStatus;

/// The `format` of `report.json`.
pub const REPORT_FORMAT: &str = "touchstone-report/1";

/// One evaluation: a run, or a suite of runs scored together.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Report {
    /// Always [`REPORT_FORMAT`].
    pub format: String,
    /// `run` or `suite`.
    pub kind: String,
    /// The scenario name (run) or suite name.
    pub title: String,
    /// Scoring profile (`vendor`, `regulator`, `researcher`).
    pub profile: String,
    pub rubric: RubricRef,
    pub verdict: Overall,
    /// Disclosure of each run evaluated.
    pub runs: Vec<RunDisclosure>,
    /// Area A: pass/fail gates.
    pub gates: Vec<GateResult>,
    /// The scenarios' own criteria (pass/fail).
    pub criteria: Vec<CriterionRow>,
    /// Areas B–F: L1 → L2 → L3 with scores.
    pub areas: Vec<AreaResult>,
    /// Findings of the checker, with their evidence lines quoted from the trace.
    pub findings: Vec<FindingView>,
    /// Compliance cases (case × expected × observed), when a run has them.
    pub conformance: Vec<ConformanceCase>,
    /// Time series, CDF and consensus timeline per run.
    pub charts: Vec<RunCharts>,
    /// Remarks about the evaluation itself (downsampling, missing data...).
    pub notes: Vec<String>,
    /// Cross-chain settlement per run that had bridge transfers (trace format 1.2).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub xchain: Vec<XchainView>,
}

/// One run's cross-chain settlement, from the checker's `xchain` section (so from the trace).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct XchainView {
    pub run: String,
    /// The checker's bound on settlement time, ns.
    pub bound_ns: u64,
    /// Committed locks and burns, and how many of them had their mint or release committed.
    pub transfers: usize,
    pub settled: usize,
    /// Settlement times, sorted, ns: each settled transfer's source commit → destination
    /// commit, and each settled DvP pair's first lock → last claim.
    pub latencies_ns: Vec<u64>,
    /// DvP pairs by state: settled, refunded, stuck, broken.
    pub pairs: Vec<(String, usize)>,
    /// Transfers still pending at the end, and pairs not settled (at most 20 each).
    pub pending: Vec<String>,
    pub unsettled_pairs: Vec<String>,
    /// Every DvP pair (the first 2,000): id, state, its legs, settlement time.
    pub pair_rows: Vec<PairRow>,
}

/// One DvP pair of a cross-chain run.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PairRow {
    pub dvp: String,
    pub state: String,
    pub legs: String,
    pub latency_ns: Option<u64>,
}

/// Which rubric scored this.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RubricRef {
    pub name: String,
    /// `<default rubric>` or the path given with `--rubric`.
    pub file: String,
    /// SHA-256 of the rubric text.
    pub sha256: String,
    /// Throughput tier in force.
    pub tier: Option<String>,
}

/// The cover: verdict, grade, score, coverage.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Overall {
    /// No gate failed, every criterion met, every run completed and passed its own verdict.
    pub passed: bool,
    /// `A`, `B`, `C`, `F`, or `-` when nothing scored could be evaluated.
    pub grade: String,
    /// What the grade means (certify/admit, conditional, research only, fail).
    pub grade_meaning: String,
    /// Overall score on 0–100 (`None` when no area could be evaluated).
    pub score: Option<f64>,
    /// Evaluated L3 indicators (gates included) / all of them.
    pub coverage: Coverage,
    /// Gate ids that failed.
    pub gates_failed: Vec<String>,
    /// `run: criterion` that failed.
    pub criteria_failed: Vec<String>,
    /// What each run's own verdict failed (`run.json` `verdict.failed`: checker gates beyond the
    /// rubric's, conformance, harness failures), so the report never passes a run `touchstone run` failed.
    pub run_failed: Vec<String>,
    /// 0 pass, 1 findings, 3 harness or adapter failure.
    pub exit_code: i32,
    /// One judgemental line (`PASS grade A 91.2 (vendor, coverage 18/40)`).
    pub headline: String,
}

/// Evaluated / total.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Coverage {
    pub evaluated: usize,
    pub total: usize,
}

/// Disclosure of one run (DESIGN §6).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RunDisclosure {
    /// The run directory as given.
    pub dir: String,
    pub scenario: String,
    pub kind: String,
    pub description: String,
    pub adapter: String,
    pub protocol: String,
    pub validators: Vec<ValidatorView>,
    /// Link model and overrides (simulated), or what the adapter declares.
    pub topology: String,
    /// Harness machine: OS, arch, CPUs, CPU model, memory.
    pub hardware: String,
    /// Harness and adapter/system versions.
    pub versions: Vec<(String, String)>,
    pub seed: u64,
    pub scenario_sha256: String,
    pub fingerprint: String,
    pub replay: String,
    /// `completed`, `interrupted`, `adapter_failed`, `running`.
    pub status: String,
    pub duration_ns: u64,
    /// Finality rule of the adapter.
    pub finality: String,
    /// Whether the generator fell behind its schedule (coordinated omission disclosed).
    pub generator_fell_behind: Option<bool>,
    pub started_at: Option<String>,
}

/// A validator in the disclosure.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ValidatorView {
    pub id: String,
    pub power: u64,
    /// Marked Byzantine by the harness (trace `node.role`).
    pub byzantine: bool,
}

/// Status of a gate or an indicator.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum GateStatus {
    Pass,
    Fail,
    /// Failed in an over-budget run, where the property may legitimately fail.
    ExpectedFail,
    NotEvaluated,
}

/// One gate (area A).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct GateResult {
    pub id: String,
    pub name: String,
    pub definition: String,
    /// The checker property or metric behind it.
    pub source_value: String,
    pub status: GateStatus,
    /// Why not evaluated, or what failed.
    pub reason: Option<String>,
    /// Runs it was judged on (dirs), and the run that failed it first.
    pub runs: Vec<String>,
    pub failed_in: Option<String>,
    /// The measured value, for metric and conformance gates (`812 ms`, `12/12 cases`).
    pub measured: Option<String>,
    /// Evidence: finding messages with trace line numbers.
    pub evidence: Vec<String>,
}

/// A scenario criterion.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CriterionRow {
    pub run: String,
    pub id: String,
    pub target: String,
    pub measured: String,
    pub passed: bool,
    pub note: Option<String>,
}

/// L1.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AreaResult {
    pub id: String,
    pub name: String,
    /// The profile's weight (0–100).
    pub weight: f64,
    /// Weighted mean of the evaluated groups (0–1).
    pub score: Option<f64>,
    pub groups: Vec<GroupResult>,
}

/// L2.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct GroupResult {
    pub id: String,
    pub name: String,
    pub weight: f64,
    /// Mean of the evaluated indicators (0–1).
    pub score: Option<f64>,
    pub indicators: Vec<IndicatorResult>,
}

/// L3: one indicator, with its value, thresholds and where they come from.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct IndicatorResult {
    pub id: String,
    pub name: String,
    pub definition: String,
    pub method: Method,
    /// Source of the threshold (shown beside the value).
    pub source: String,
    pub unit: Unit,
    pub better: Option<Better>,
    /// Measured value in `unit` (ns for durations); `None` when not evaluated.
    pub measured: Option<f64>,
    /// Human form of the value (`812 ms`, `99.95%`).
    pub display: String,
    pub target: Option<f64>,
    pub minimum: Option<f64>,
    pub weight: f64,
    /// 0–1; `None` when not evaluated.
    pub score: Option<f64>,
    pub evaluated: bool,
    /// Why it is not evaluated, or a note on the score (cap hit, safety failed...).
    pub reason: Option<String>,
    /// Where the value comes from: `<run>/run.json#metrics.measured.latency.p99_ns`, trace lines...
    pub evidence: Vec<String>,
    /// The run that gave the value (in a suite: the worst-scoring run).
    pub run: Option<String>,
    /// Every run that fed it, with what it gave (the worst counts); `suite` for values taken
    /// over several runs together. Which runs may feed an indicator is the rubric's `kinds`,
    /// `purposes` and `honest_traffic_only`.
    #[serde(default)]
    pub fed_by: Vec<Feed>,
}

/// One run's contribution to an indicator.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Feed {
    /// The run directory as given.
    pub run: String,
    /// What it measured there (`812 ms`, `12/12 cases`).
    pub display: String,
    /// Its score alone (0–1), where it has one of its own.
    pub score: Option<f64>,
}

/// A checker finding with its evidence quoted.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FindingView {
    pub run: String,
    pub property: String,
    pub nodes: Vec<String>,
    pub height: Option<u64>,
    pub round: Option<u64>,
    pub message: String,
    pub replay: Option<String>,
    /// The trace lines that prove it (1-based number and text, truncated to 400 bytes).
    pub evidence: Vec<EvidenceLine>,
    /// The chain it was found on (multi-chain traces).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub chain: Option<String>,
}

/// One quoted trace line.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EvidenceLine {
    pub line: u64,
    pub text: String,
}

/// One compliance case (filled by the compliance scenarios; design fixed now).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ConformanceCase {
    /// Case id (`freeze/from-frozen-sender`).
    pub case: String,
    /// Indicator it counts for (`D2.1`).
    pub indicator: String,
    /// Expected outcome (`rejected FROZEN_SENDER`).
    pub expected: String,
    /// Observed outcome.
    pub observed: String,
    pub passed: bool,
    /// Why it failed, or a note.
    #[serde(default)]
    pub reason: Option<String>,
    /// Run dir (filled by the evaluator).
    #[serde(default)]
    pub run: String,
}

/// Charts of one run.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RunCharts {
    pub run: String,
    pub scenario: String,
    /// Per-bucket counters (rates in tx/s) and latency percentiles.
    pub series: Vec<SeriesPoint>,
    /// Seconds per bucket (1 unless downsampled).
    pub bucket_s: u64,
    /// Seconds in the original series.
    pub seconds: u64,
    /// Latency CDF of the measured phases.
    pub latency_cdf: Vec<CdfPointView>,
    pub faults: Vec<FaultSpan>,
    /// Measured phases `(name, start_s, end_s)`; warm-up phases are shown greyed.
    pub phases: Vec<PhaseSpan>,
    pub consensus: Option<ConsensusTimeline>,
}

/// One bucket of the per-second series.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct SeriesPoint {
    /// Bucket start, seconds since run start.
    pub t_s: f64,
    pub offered_tps: f64,
    pub accepted_tps: f64,
    pub committed_tps: f64,
    pub rejected_tps: f64,
    /// Over the bucket: p50 and p99 are the largest per-second values, max the largest (ns; 0 none).
    pub p50_ns: u64,
    pub p99_ns: u64,
    pub max_ns: u64,
}

/// A CDF point.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct CdfPointView {
    pub q: f64,
    pub ns: u64,
}

/// A fault period to shade.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FaultSpan {
    pub id: String,
    pub action: String,
    pub nodes: Vec<String>,
    pub start_s: f64,
    /// `None`: never undone (until the end of the run).
    pub end_s: Option<f64>,
    pub status: FaultStatus,
}

/// A phase of the workload.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PhaseSpan {
    pub name: String,
    pub warmup: bool,
    pub start_s: f64,
    pub end_s: f64,
}

/// Decided height over time per validator, read from the trace's `cons.decide` lines.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ConsensusTimeline {
    pub nodes: Vec<NodeTimeline>,
    /// `cons.decide` lines read.
    pub decide_lines: u64,
    /// Points kept per node at most (longer series keep the last decision of each time slice).
    pub max_points: usize,
    pub downsampled: bool,
}

/// One validator's decided heights.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct NodeTimeline {
    pub node: String,
    pub byzantine: bool,
    /// `(t_s, height)` points, increasing in time.
    pub points: Vec<(f64, u64)>,
}
