//! The rubric's data model, as written in its TOML file: areas (L1), groups (L2), indicators
//! (L3) with their units, thresholds and sources, and the values Touchstone can derive.

use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use touchstone_core::time::parse_duration;

/// The `format` every rubric declares.
pub const RUBRIC_FORMAT: &str = "touchstone-rubric/1";

/// Values Touchstone derives from run.json and trace.jsonl (`metric = "derived.<name>"`).
pub const DERIVED: &[(&str, &str)] = &[
    ("backlog_ratio", "(accepted − committed) / accepted over the measured phases"),
    ("crash_tolerance", "1 when commits continue in every applied crash/pause window of ≤ f validators, else 0"),
    ("catch_up_ns", "restart of a crashed validator → its decided height reaches the head (needs consensus events)"),
    ("byzantine_commit_gap_ns", "longest gap between new heights while a Byzantine minority runs (needs consensus events)"),
    ("accountability", "over-budget runs: the checker's accountability verdict (1 pass, 0 fail)"),
    ("heal_progress_ns", "partition healed → first new height decided by a correct node"),
    ("recovery_ns", "> 1/3 of power crashed or paused, then restored → first new height"),
    ("availability", "share of full 1-minute windows with ≥ 1 commit and success ≥ 99%"),
    ("trace_completeness", "share of validators exporting consensus events (observed chains shown, not counted)"),
    ("disclosure", "share of the 7 disclosure items present (protocol, validators, topology, hardware, versions, seed, scenario hash)"),
    ("reproducibility", "1 when a rerun with the same seed gave the same fingerprint (suite `reproduce = true` or --compare)"),
    ("scale_p99_ratio", "suite: p99 of payment runs at 16 validators / at 4"),
    ("wan_p99_delta", "suite: relative p99 increase of a payment run with a ≥ 100 ms one-way link override vs one without"),
    ("xchain_settlement_p99_ns", "cross-chain runs: p99 of lock/burn commit → mint/release commit over the settled transfers (the checker's xchain section)"),
    ("spam_throughput_drop", "1 − honest committed tx/s during an invalid-tx flood (program spam, ≥ 10× the honest load) / before it"),
];

/// A whole rubric.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Rubric {
    /// Always [`RUBRIC_FORMAT`].
    pub format: String,
    pub name: String,
    #[serde(default)]
    pub description: String,
    /// Profile names; every scored area gives each a weight.
    pub profiles: Vec<String>,
    /// Throughput tier for indicators with `tiers` (`W`, `R`, `N`).
    #[serde(default)]
    pub tier: Option<String>,
    /// Lowest score of each grade (A, B, C; anything below C is F).
    pub grades: Grades,
    pub areas: Vec<Area>,
    /// Where the rubric was read from (`<default>` for the embedded one).
    #[serde(skip)]
    pub path: String,
}

/// Grade thresholds on 0–100.
#[derive(Debug, Clone, Copy, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Grades {
    #[serde(rename = "A")]
    pub a: f64,
    #[serde(rename = "B")]
    pub b: f64,
    #[serde(rename = "C")]
    pub c: f64,
}

/// L1: an area. `gate = true` makes its indicators pass/fail gates.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Area {
    pub id: String,
    pub name: String,
    #[serde(default)]
    pub gate: bool,
    /// Weight per profile (scored areas); they add up to 100 per profile.
    #[serde(default)]
    pub weights: BTreeMap<String, f64>,
    pub groups: Vec<Group>,
}

/// L2: a group of indicators.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Group {
    pub id: String,
    pub name: String,
    #[serde(default = "one")]
    pub weight: f64,
    pub indicators: Vec<Indicator>,
}

fn one() -> f64 {
    1.0
}

/// The unit of an indicator's value.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum Unit {
    /// Nanoseconds (thresholds may be written `"1s"`).
    Duration,
    /// Transactions per second.
    Rate,
    /// A share in [0, 1].
    Share,
    /// A plain ratio.
    Ratio,
    /// 1 pass, 0 fail.
    #[default]
    Pass,
}

/// Which way is better.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Better {
    Higher,
    Lower,
}

/// How the value is obtained.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Method {
    Measured,
    FaultInjected,
    Conformance,
    Declared,
}

/// A threshold as written: a number, or a duration string for `unit = "duration"`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum Threshold {
    Number(f64),
    Text(String),
}

/// A hard cap: score 0 when `metric` exceeds `max`.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Cap {
    pub metric: String,
    pub max: Threshold,
}

/// L3: an indicator.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Indicator {
    pub id: String,
    pub name: String,
    #[serde(default)]
    pub definition: String,
    /// `measured.<path>` or `derived.<name>`.
    #[serde(default)]
    pub metric: Option<String>,
    /// A checker property id.
    #[serde(default)]
    pub property: Option<String>,
    /// Compliance cases tagged with this indicator id.
    #[serde(default)]
    pub conformance: bool,
    #[serde(default)]
    pub unit: Unit,
    #[serde(default)]
    pub better: Option<Better>,
    #[serde(default)]
    pub target: Option<Threshold>,
    #[serde(default)]
    pub minimum: Option<Threshold>,
    #[serde(default)]
    pub target_from: Option<String>,
    #[serde(default)]
    pub minimum_from: Option<String>,
    /// Per tier: `[target, minimum]`.
    #[serde(default)]
    pub tiers: Option<BTreeMap<String, [f64; 2]>>,
    #[serde(default)]
    pub minimum_by_profile: BTreeMap<String, f64>,
    #[serde(default)]
    pub cap: Option<Cap>,
    /// Scenario kinds that measure it (empty: any).
    #[serde(default)]
    pub kinds: Vec<String>,
    /// Scenario purposes (`purpose` of the script) whose runs may feed it (empty: any). A run
    /// whose scenario declares no purpose may feed any indicator its kind allows.
    #[serde(default)]
    pub purposes: Vec<String>,
    /// Runs that provoke rejections on purpose (purpose `conformance` or `spam`, or compliance
    /// cases that expect a rejection) never feed it: their rejections are the test, not failures.
    #[serde(default)]
    pub honest_traffic_only: bool,
    /// Compliance-case tags it counts besides its own id (`conformance = true`), e.g. the
    /// programs' `A.failure_atomicity`.
    #[serde(default)]
    pub case_tags: Vec<String>,
    /// Score 0 when any gate failed in the run that measured it.
    #[serde(default)]
    pub requires_safety: bool,
    /// Gate only when the run is over budget (otherwise not applicable).
    #[serde(default)]
    pub only_over_budget: bool,
    #[serde(default = "one")]
    pub weight: f64,
    pub method: Method,
    pub source: String,
}

impl Indicator {
    /// Whether a compliance case tagged `tag` counts for this indicator.
    pub fn counts_case(&self, tag: &str) -> bool {
        tag == self.id || self.case_tags.iter().any(|t| t == tag)
    }
}

pub(super) fn threshold_value(t: &Threshold, unit: Unit) -> Result<f64, String> {
    match t {
        Threshold::Number(n) if n.is_finite() => Ok(*n),
        Threshold::Number(n) => Err(format!("{n} is not a finite number")),
        Threshold::Text(s) if unit == Unit::Duration => {
            parse_duration(s).map(|n| n as f64).map_err(|e| e.to_string())
        }
        Threshold::Text(s) => {
            Err(format!("{s:?}: a number is expected (durations only for unit = \"duration\")"))
        }
    }
}

impl Threshold {
    /// The numeric value (ns for durations).
    pub fn value(&self, unit: Unit) -> f64 {
        threshold_value(self, unit).unwrap_or(f64::NAN)
    }
}

/// A dotted path into a JSON value.
pub fn lookup<'a>(v: &'a serde_json::Value, path: &str) -> Option<&'a serde_json::Value> {
    path.split('.').try_fold(v, |v, k| v.get(k))
}
