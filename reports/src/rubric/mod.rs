//! The rubric: the three-level indicator tree as data (`rubrics/default.toml`).
//!
//! [`Rubric::load`] parses a TOML file and validates it completely before anything is scored:
//! weights that do not add up to 100 per profile, ids that do not sit in their group, unknown
//! metric paths, properties or profiles are errors naming the file and the field.

mod validate;

pub use validate::check_metric_path;

use crate::error::ReportError;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::path::Path;
use touchstone_core::time::parse_duration;

/// The rubric shipped with Touchstone (`reports/rubrics/default.toml`).
pub const DEFAULT_RUBRIC: &str = include_str!("../../rubrics/default.toml");
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
    ("trace_completeness", "share of validators with consensus events in the trace"),
    ("disclosure", "share of the 7 disclosure items present (protocol, validators, topology, hardware, versions, seed, scenario hash)"),
    ("reproducibility", "1 when a rerun with the same seed gave the same fingerprint (suite `reproduce = true` or --compare)"),
    ("scale_p99_ratio", "suite: p99 of payment runs at 16 validators / at 4"),
    ("wan_p99_delta", "suite: relative p99 increase of a payment run with a ≥ 100 ms one-way link override vs one without"),
    ("spam_throughput_drop", "honest committed-throughput drop under an invalid-tx flood (no flood scenario kind yet)"),
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

fn threshold_value(t: &Threshold, unit: Unit) -> Result<f64, String> {
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

impl Rubric {
    /// The embedded default rubric.
    pub fn default_rubric() -> Rubric {
        Rubric::parse(DEFAULT_RUBRIC, "<default rubric>")
            .expect("the embedded default rubric is valid")
    }

    /// Reads and validates a rubric file.
    pub fn load(path: &Path) -> Result<Rubric, ReportError> {
        let text = std::fs::read_to_string(path).map_err(|e| {
            ReportError::rubric(path.display().to_string(), "<file>", e.to_string())
        })?;
        Rubric::parse(&text, &path.display().to_string())
    }

    /// Parses and validates rubric text; `path` names it in errors.
    pub fn parse(text: &str, path: &str) -> Result<Rubric, ReportError> {
        let mut r: Rubric = toml::from_str(text).map_err(|e| {
            let field = e.message().split('`').nth(1).unwrap_or("<toml>").to_string();
            let at =
                e.span().map(|s| format!("line {}: ", line_of(text, s.start))).unwrap_or_default();
            ReportError::rubric(path, field, format!("{at}{}", e.message()))
        })?;
        r.path = path.to_string();
        r.validate()?;
        Ok(r)
    }

    /// Weight of area `a` under `profile` (0 for gates).
    pub fn weight(&self, a: &Area, profile: &str) -> f64 {
        a.weights.get(profile).copied().unwrap_or(0.0)
    }

    /// Errors unless `profile` is one of the rubric's.
    pub fn check_profile(&self, profile: &str) -> Result<(), ReportError> {
        if self.profiles.iter().any(|p| p == profile) {
            Ok(())
        } else {
            Err(ReportError::rubric(
                self.path.clone(),
                "profiles",
                format!("unknown profile {profile:?} (profiles: {})", self.profiles.join(", ")),
            ))
        }
    }

    /// Number of L3 indicators (gates included).
    pub fn indicator_count(&self) -> usize {
        self.areas.iter().flat_map(|a| &a.groups).map(|g| g.indicators.len()).sum()
    }
}

fn line_of(text: &str, offset: usize) -> usize {
    text[..offset.min(text.len())].bytes().filter(|b| *b == b'\n').count() + 1
}

/// A dotted path into a JSON value.
pub fn lookup<'a>(v: &'a serde_json::Value, path: &str) -> Option<&'a serde_json::Value> {
    path.split('.').try_fold(v, |v, k| v.get(k))
}
