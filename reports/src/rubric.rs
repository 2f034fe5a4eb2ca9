//! The rubric: the three-level indicator tree as data (`rubrics/default.toml`).
//!
//! [`Rubric::load`] parses a TOML file and validates it completely before anything is scored:
//! weights that do not add up to 100 per profile, ids that do not sit in their group, unknown
//! metric paths, properties or profiles are errors naming the file and the field.

use crate::error::ReportError;
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;
use touchstone_core::time::parse_duration;
use touchstone_spec::Property;

/// The rubric shipped with Touchstone (`reports/rubrics/default.toml`).
pub const DEFAULT_RUBRIC: &str = include_str!("../rubrics/default.toml");
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

const TARGET_FROM: &[&str] = &["scenario.completion_max", "block_interval*3", "block_interval*10"];
const KINDS: &[&str] = touchstone_core::scenario::ScenarioKind::NAMES;

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

    /// Checks the rubric's consistency.
    pub fn validate(&self) -> Result<(), ReportError> {
        let err =
            |field: String, msg: String| Err(ReportError::rubric(self.path.clone(), field, msg));
        if self.format != RUBRIC_FORMAT {
            return err("format".into(), format!("{:?}, expected {RUBRIC_FORMAT:?}", self.format));
        }
        if self.profiles.is_empty() {
            return err("profiles".into(), "at least one profile is needed".into());
        }
        let mut ids = BTreeSet::new();
        let mut sums: BTreeMap<&str, f64> =
            self.profiles.iter().map(|p| (p.as_str(), 0.0)).collect();
        for (ai, a) in self.areas.iter().enumerate() {
            let af = format!("areas[{ai}]");
            if !ids.insert(a.id.clone()) {
                return err(format!("{af}.id"), format!("duplicate id {:?}", a.id));
            }
            if a.gate && !a.weights.is_empty() {
                return err(format!("{af}.weights"), "a gate area has no weights".into());
            }
            if !a.gate {
                for p in &self.profiles {
                    match a.weights.get(p) {
                        Some(w) if *w >= 0.0 && w.is_finite() => {
                            *sums.get_mut(p.as_str()).expect("profile") += w
                        }
                        Some(w) => {
                            return err(format!("{af}.weights.{p}"), format!("{w} is not a weight"))
                        }
                        None => {
                            return err(
                                format!("{af}.weights.{p}"),
                                format!("area {} has no weight for profile {p}", a.id),
                            )
                        }
                    }
                }
                if let Some(k) = a.weights.keys().find(|k| !self.profiles.contains(k)) {
                    return err(
                        format!("{af}.weights.{k}"),
                        format!("unknown profile {k:?} (profiles: {})", self.profiles.join(", ")),
                    );
                }
            }
            for (gi, g) in a.groups.iter().enumerate() {
                let gf = format!("{af}.groups[{gi}]");
                if !g.id.starts_with(&a.id) || !ids.insert(g.id.clone()) {
                    return err(format!("{gf}.id"), format!("group id {:?} is unknown in area {} (ids are unique and start with the area's)", g.id, a.id));
                }
                if !g.weight.is_finite() || g.weight <= 0.0 {
                    return err(format!("{gf}.weight"), "must be > 0".into());
                }
                for (ii, ind) in g.indicators.iter().enumerate() {
                    let f = format!("{gf}.indicators[{ii}]");
                    if !ind.id.starts_with(&format!("{}.", g.id)) || !ids.insert(ind.id.clone()) {
                        return err(format!("{f}.id"), format!("indicator id {:?} is unknown in group {} (ids are unique and start with \"{}.\")", ind.id, g.id, g.id));
                    }
                    self.validate_indicator(ind, &f)?;
                }
            }
        }
        for (p, s) in sums {
            if (s - 100.0).abs() > 1e-6 {
                return err(
                    format!("areas[*].weights.{p}"),
                    format!("weights of profile {p} add up to {s}, not 100"),
                );
            }
        }
        if self.grades.a < self.grades.b || self.grades.b < self.grades.c {
            return err("grades".into(), "need A ≥ B ≥ C".into());
        }
        Ok(())
    }

    fn validate_indicator(&self, ind: &Indicator, f: &str) -> Result<(), ReportError> {
        let err = |field: &str, msg: String| {
            Err(ReportError::rubric(self.path.clone(), format!("{f}.{field}"), msg))
        };
        let sources =
            ind.metric.is_some() as u8 + ind.property.is_some() as u8 + ind.conformance as u8;
        if sources != 1 {
            return err(
                "metric",
                format!(
                    "indicator {} needs exactly one of metric, property, conformance = true",
                    ind.id
                ),
            );
        }
        if let Some(m) = &ind.metric {
            if let Err(msg) = check_metric_path(m) {
                return err("metric", msg);
            }
        }
        if let Some(c) = &ind.cap {
            if let Err(msg) = check_metric_path(&c.metric) {
                return err("cap.metric", msg);
            }
            if let Err(msg) = threshold_value(&c.max, ind.unit) {
                return err("cap.max", msg);
            }
        }
        if let Some(p) = &ind.property {
            if Property::from_id(p).is_none() {
                return err(
                    "property",
                    format!("unknown property {p:?} (see `touchstone list properties`)"),
                );
            }
            return Ok(());
        }
        for k in &ind.kinds {
            if !KINDS.contains(&k.as_str()) {
                return err(
                    "kinds",
                    format!("unknown scenario kind {k:?} (kinds: {})", KINDS.join(", ")),
                );
            }
        }
        for p in ind.minimum_by_profile.keys() {
            if !self.profiles.contains(p) {
                return err(&format!("minimum_by_profile.{p}"), format!("unknown profile {p:?}"));
            }
        }
        for (name, v) in [("target_from", &ind.target_from), ("minimum_from", &ind.minimum_from)] {
            if let Some(v) = v {
                if !TARGET_FROM.contains(&v.as_str()) {
                    return err(name, format!("unknown {v:?} (one of {})", TARGET_FROM.join(", ")));
                }
            }
        }
        if ind.unit == Unit::Pass {
            return Ok(());
        }
        let Some(better) = ind.better else {
            return err(
                "better",
                format!("indicator {} needs better = \"higher\" or \"lower\"", ind.id),
            );
        };
        if let Some(tiers) = &ind.tiers {
            let tier = self.tier.clone().unwrap_or_default();
            if !tiers.contains_key(&tier) {
                return err("tiers", format!("no entry for the rubric's tier {tier:?}"));
            }
            for (t, [target, min]) in tiers {
                if !ordered(better, *target, *min) {
                    return err(
                        &format!("tiers.{t}"),
                        format!(
                            "target {target} is worse than minimum {min} for better = {better:?}"
                        ),
                    );
                }
            }
            return Ok(());
        }
        let target = match (&ind.target, &ind.target_from) {
            (Some(t), None) => match threshold_value(t, ind.unit) {
                Ok(v) => Some(v),
                Err(m) => return err("target", m),
            },
            (None, Some(_)) => None,
            _ => {
                return err(
                    "target",
                    format!("indicator {} needs exactly one of target, target_from", ind.id),
                )
            }
        };
        let minimum = match (&ind.minimum, &ind.minimum_from) {
            (Some(t), None) => match threshold_value(t, ind.unit) {
                Ok(v) => Some(v),
                Err(m) => return err("minimum", m),
            },
            (None, Some(_)) => None,
            _ => {
                return err(
                    "minimum",
                    format!("indicator {} needs exactly one of minimum, minimum_from", ind.id),
                )
            }
        };
        if let (Some(t), Some(m)) = (target, minimum) {
            if !ordered(better, t, m) {
                return err(
                    "target",
                    format!("target {t} is worse than minimum {m} for better = {better:?}"),
                );
            }
        }
        Ok(())
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

fn ordered(better: Better, target: f64, minimum: f64) -> bool {
    match better {
        Better::Higher => target >= minimum,
        Better::Lower => target <= minimum,
    }
}

fn line_of(text: &str, offset: usize) -> usize {
    text[..offset.min(text.len())].bytes().filter(|b| *b == b'\n').count() + 1
}

/// Validates a `measured.<path>` or `derived.<name>` metric path.
pub fn check_metric_path(m: &str) -> Result<(), String> {
    if let Some(name) = m.strip_prefix("derived.") {
        if DERIVED.iter().any(|(n, _)| *n == name) {
            return Ok(());
        }
        return Err(format!(
            "unknown derived value {name:?} (known: {})",
            DERIVED.iter().map(|d| d.0).collect::<Vec<_>>().join(", ")
        ));
    }
    if let Some(path) = m.strip_prefix("measured.") {
        if path.starts_with("reasons.") && path.len() > 8 {
            return Ok(());
        }
        let template =
            serde_json::to_value(touchstone_core::metrics::PhaseMetrics::default().summary())
                .expect("summary serializes");
        return match lookup(&template, path) {
            Some(v) if v.is_number() || v.is_null() => Ok(()),
            _ => Err(format!("unknown metric path {m:?} (a numeric field of run.json metrics.measured, e.g. measured.latency.p99_ns)")),
        };
    }
    Err(format!("unknown metric {m:?}: it starts with measured. or derived."))
}

/// A dotted path into a JSON value.
pub fn lookup<'a>(v: &'a serde_json::Value, path: &str) -> Option<&'a serde_json::Value> {
    path.split('.').try_fold(v, |v, k| v.get(k))
}
