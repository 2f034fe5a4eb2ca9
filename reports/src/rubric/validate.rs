//! A rubric's consistency, checked completely before anything is scored: the first problem
//! found is an error naming the file and the field.

use super::model::{
    lookup, threshold_value, Area, Better, Group, Indicator, Rubric, Threshold, Unit, DERIVED,
    RUBRIC_FORMAT,
};
use crate::error::ReportError;
use std::collections::{BTreeMap, BTreeSet};
use touchstone_spec::Property;

const TARGET_FROM: &[&str] = &["scenario.completion_max", "block_interval*3", "block_interval*10"];
const KINDS: &[&str] = touchstone_core::scenario::ScenarioKind::NAMES;
const PURPOSES: &[&str] = touchstone_core::scenario::Purpose::NAMES;

/// What is wrong, and in which field.
struct Problem {
    field: String,
    message: String,
}

impl Problem {
    /// The same problem, its field inside `parent` (`areas[0].groups[1].indicators[2]`).
    fn under(self, parent: &str) -> Problem {
        Problem { field: format!("{parent}.{}", self.field), message: self.message }
    }
}

type Checked = Result<(), Problem>;

fn problem<T>(field: impl Into<String>, message: impl Into<String>) -> Result<T, Problem> {
    Err(Problem { field: field.into(), message: message.into() })
}

impl Rubric {
    /// Checks the rubric's consistency.
    pub fn validate(&self) -> Result<(), ReportError> {
        self.problems().map_err(|p| ReportError::rubric(self.path.clone(), p.field, p.message))
    }

    fn problems(&self) -> Checked {
        if self.format != RUBRIC_FORMAT {
            return problem("format", format!("{:?}, expected {RUBRIC_FORMAT:?}", self.format));
        }
        if self.profiles.is_empty() {
            return problem("profiles", "at least one profile is needed");
        }
        let mut ids = BTreeSet::new();
        let mut sums: BTreeMap<&str, f64> =
            self.profiles.iter().map(|p| (p.as_str(), 0.0)).collect();
        for (ai, a) in self.areas.iter().enumerate() {
            let af = format!("areas[{ai}]");
            if !ids.insert(a.id.clone()) {
                return problem(format!("{af}.id"), format!("duplicate id {:?}", a.id));
            }
            if a.gate && !a.weights.is_empty() {
                return problem(format!("{af}.weights"), "a gate area has no weights");
            }
            if !a.gate {
                self.area_weights(a, &mut sums).map_err(|p| p.under(&af))?;
            }
            for (gi, g) in a.groups.iter().enumerate() {
                self.group(a, g, &mut ids).map_err(|p| p.under(&format!("{af}.groups[{gi}]")))?;
            }
        }
        for (p, s) in sums {
            if (s - 100.0).abs() > 1e-6 {
                return problem(
                    format!("areas[*].weights.{p}"),
                    format!("weights of profile {p} add up to {s}, not 100"),
                );
            }
        }
        if self.grades.a < self.grades.b || self.grades.b < self.grades.c {
            return problem("grades", "need A ≥ B ≥ C");
        }
        Ok(())
    }

    /// A scored area gives every profile, and only those, a weight; they are added to `sums`.
    fn area_weights<'a>(&'a self, a: &Area, sums: &mut BTreeMap<&'a str, f64>) -> Checked {
        for p in &self.profiles {
            match a.weights.get(p) {
                Some(w) if *w >= 0.0 && w.is_finite() => {
                    *sums.get_mut(p.as_str()).expect("profile") += w
                }
                Some(w) => return problem(format!("weights.{p}"), format!("{w} is not a weight")),
                None => {
                    return problem(
                        format!("weights.{p}"),
                        format!("area {} has no weight for profile {p}", a.id),
                    )
                }
            }
        }
        if let Some(k) = a.weights.keys().find(|k| !self.profiles.contains(k)) {
            return problem(
                format!("weights.{k}"),
                format!("unknown profile {k:?} (profiles: {})", self.profiles.join(", ")),
            );
        }
        Ok(())
    }

    /// A group's id and weight, then each of its indicators.
    fn group(&self, a: &Area, g: &Group, ids: &mut BTreeSet<String>) -> Checked {
        if !g.id.starts_with(&a.id) || !ids.insert(g.id.clone()) {
            return problem(
                "id",
                format!(
                    "group id {:?} is unknown in area {} (ids are unique and start with the area's)",
                    g.id, a.id
                ),
            );
        }
        if !g.weight.is_finite() || g.weight <= 0.0 {
            return problem("weight", "must be > 0");
        }
        for (ii, ind) in g.indicators.iter().enumerate() {
            let f = format!("indicators[{ii}]");
            if !ind.id.starts_with(&format!("{}.", g.id)) || !ids.insert(ind.id.clone()) {
                return problem(
                    format!("{f}.id"),
                    format!(
                        "indicator id {:?} is unknown in group {} (ids are unique and start with \"{}.\")",
                        ind.id, g.id, g.id
                    ),
                );
            }
            self.indicator(ind).map_err(|p| p.under(&f))?;
        }
        Ok(())
    }

    /// An indicator: where its value comes from, where it applies, and its thresholds.
    fn indicator(&self, ind: &Indicator) -> Checked {
        source(ind)?;
        self.context(ind)?;
        if ind.property.is_some() || ind.unit == Unit::Pass {
            return Ok(());
        }
        self.thresholds(ind)
    }

    /// The scenario kinds and purposes, profiles and threshold sources an indicator names exist.
    fn context(&self, ind: &Indicator) -> Checked {
        for k in &ind.kinds {
            if !KINDS.contains(&k.as_str()) {
                return problem(
                    "kinds",
                    format!("unknown scenario kind {k:?} (kinds: {})", KINDS.join(", ")),
                );
            }
        }
        for p in &ind.purposes {
            if !PURPOSES.contains(&p.as_str()) {
                let hint = touchstone_core::scenario::suggest(p, PURPOSES)
                    .map(|s| format!("did you mean {s:?}? "))
                    .unwrap_or_default();
                return problem(
                    "purposes",
                    format!(
                        "unknown scenario purpose {p:?} ({hint}purposes: {})",
                        PURPOSES.join(", ")
                    ),
                );
            }
        }
        if !ind.case_tags.is_empty() && !ind.conformance {
            return problem("case_tags", "only an indicator with conformance = true counts cases");
        }
        for p in ind.minimum_by_profile.keys() {
            if !self.profiles.contains(p) {
                return problem(
                    format!("minimum_by_profile.{p}"),
                    format!("unknown profile {p:?}"),
                );
            }
        }
        for (name, v) in [("target_from", &ind.target_from), ("minimum_from", &ind.minimum_from)] {
            if let Some(v) = v {
                if !TARGET_FROM.contains(&v.as_str()) {
                    return problem(
                        name,
                        format!("unknown {v:?} (one of {})", TARGET_FROM.join(", ")),
                    );
                }
            }
        }
        Ok(())
    }

    /// A scored indicator's direction, and a target no worse than its minimum (per tier, or
    /// one of each, fixed or drawn from the scenario).
    fn thresholds(&self, ind: &Indicator) -> Checked {
        let Some(better) = ind.better else {
            return problem(
                "better",
                format!("indicator {} needs better = \"higher\" or \"lower\"", ind.id),
            );
        };
        if let Some(tiers) = &ind.tiers {
            let tier = self.tier.clone().unwrap_or_default();
            if !tiers.contains_key(&tier) {
                return problem("tiers", format!("no entry for the rubric's tier {tier:?}"));
            }
            for (t, [target, min]) in tiers {
                if !ordered(better, *target, *min) {
                    return problem(
                        format!("tiers.{t}"),
                        format!(
                            "target {target} is worse than minimum {min} for better = {better:?}"
                        ),
                    );
                }
            }
            return Ok(());
        }
        let target = one_threshold(ind, "target", &ind.target, &ind.target_from)?;
        let minimum = one_threshold(ind, "minimum", &ind.minimum, &ind.minimum_from)?;
        if let (Some(t), Some(m)) = (target, minimum) {
            if !ordered(better, t, m) {
                return problem(
                    "target",
                    format!("target {t} is worse than minimum {m} for better = {better:?}"),
                );
            }
        }
        Ok(())
    }
}

/// Exactly one source of value (metric, property, compliance cases), and that it exists; a
/// cap's metric and maximum too.
fn source(ind: &Indicator) -> Checked {
    let sources = ind.metric.is_some() as u8 + ind.property.is_some() as u8 + ind.conformance as u8;
    if sources != 1 {
        return problem(
            "metric",
            format!(
                "indicator {} needs exactly one of metric, property, conformance = true",
                ind.id
            ),
        );
    }
    if let Some(m) = &ind.metric {
        if let Err(msg) = check_metric_path(m) {
            return problem("metric", msg);
        }
    }
    if let Some(c) = &ind.cap {
        if let Err(msg) = check_metric_path(&c.metric) {
            return problem("cap.metric", msg);
        }
        if let Err(msg) = threshold_value(&c.max, ind.unit) {
            return problem("cap.max", msg);
        }
    }
    if let Some(p) = &ind.property {
        if Property::from_id(p).is_none() {
            return problem(
                "property",
                format!("unknown property {p:?} (see `touchstone list properties`)"),
            );
        }
    }
    Ok(())
}

/// Exactly one of the fixed threshold `name` and `{name}_from`: the fixed value, if any.
fn one_threshold(
    ind: &Indicator,
    name: &str,
    fixed: &Option<Threshold>,
    from: &Option<String>,
) -> Result<Option<f64>, Problem> {
    match (fixed, from) {
        (Some(t), None) => match threshold_value(t, ind.unit) {
            Ok(v) => Ok(Some(v)),
            Err(m) => problem(name, m),
        },
        (None, Some(_)) => Ok(None),
        _ => {
            problem(name, format!("indicator {} needs exactly one of {name}, {name}_from", ind.id))
        }
    }
}

fn ordered(better: Better, target: f64, minimum: f64) -> bool {
    match better {
        Better::Higher => target >= minimum,
        Better::Lower => target <= minimum,
    }
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
