//! One L3 indicator across the runs of an evaluation: value, thresholds, score, evidence.

use crate::display::display;
use crate::input::RunInput;
use crate::measure::{measure, Measure};
use crate::model::IndicatorResult;
use crate::rubric::{Indicator, Rubric, Unit};
use crate::score;
use touchstone_check::Verdict;
use touchstone_core::time::NS_PER_MS;

/// A candidate value from one run (or from the suite as a whole).
struct Scored {
    run: Option<String>,
    v: f64,
    target: Option<f64>,
    minimum: Option<f64>,
    score: f64,
    reason: Option<String>,
    evidence: Vec<String>,
}

/// Evaluates `ind` over `runs`. `gate_fails[i]` lists the gates failed in `runs[i]`.
pub fn indicator(
    rubric: &Rubric,
    ind: &Indicator,
    profile: &str,
    runs: &[RunInput],
    gate_fails: &[Vec<String>],
) -> IndicatorResult {
    let mut out = IndicatorResult {
        id: ind.id.clone(),
        name: ind.name.clone(),
        definition: ind.definition.clone(),
        method: ind.method,
        source: ind.source.clone(),
        unit: ind.unit,
        better: ind.better,
        measured: None,
        display: "not evaluated".into(),
        target: None,
        minimum: None,
        weight: ind.weight,
        score: None,
        evaluated: false,
        reason: None,
        evidence: Vec::new(),
        run: None,
    };
    let candidates: Vec<(usize, &RunInput)> = runs
        .iter()
        .enumerate()
        .filter(|(_, r)| ind.kinds.is_empty() || ind.kinds.contains(&r.record.scenario.kind))
        .collect();
    if candidates.is_empty() {
        out.reason =
            Some(format!("no scenario of kind {} in this evaluation", ind.kinds.join(" or ")));
        if let Some((t, m)) = fixed_thresholds(rubric, ind, profile) {
            (out.target, out.minimum) = (Some(t), Some(m));
        }
        return out;
    }
    let mut scoring = Scoring { rubric, ind, profile, scored: Vec::new(), reasons: Vec::new() };
    let suite_level =
        matches!(ind.metric.as_deref(), Some("derived.scale_p99_ratio" | "derived.wan_p99_delta"));
    if ind.conformance {
        scoring.conformance(&candidates);
    } else if suite_level {
        scoring.suite(&candidates);
    } else {
        scoring.per_run(&candidates, gate_fails);
    }
    let Scoring { scored, reasons, .. } = scoring;
    let worst = scored.into_iter().min_by(|a, b| a.score.total_cmp(&b.score));
    match worst {
        Some(s) => {
            out.measured = Some(s.v);
            out.display = display(s.v, ind.unit);
            out.target = s.target;
            out.minimum = s.minimum;
            out.score = Some(s.score);
            out.evaluated = true;
            out.reason = s.reason;
            out.evidence = s.evidence;
            out.run = s.run;
        }
        None => {
            out.reason = Some(reasons.join("; "));
            if let Some((t, m)) = fixed_thresholds(rubric, ind, profile) {
                (out.target, out.minimum) = (Some(t), Some(m));
            }
        }
    }
    out
}

/// One indicator being scored: the candidate values found so far, and why others were not.
struct Scoring<'a> {
    rubric: &'a Rubric,
    ind: &'a Indicator,
    profile: &'a str,
    scored: Vec<Scored>,
    reasons: Vec<String>,
}

impl Scoring<'_> {
    /// The share of the compliance cases tagged with the indicator that passed.
    fn conformance(&mut self, candidates: &[(usize, &RunInput)]) {
        let ind = self.ind;
        let cases: Vec<_> = candidates
            .iter()
            .flat_map(|(_, r)| r.conformance.iter())
            .filter(|c| c.indicator == ind.id)
            .collect();
        if cases.is_empty() {
            self.reasons.push(format!(
                "no compliance case for {} ran (a compliance scenario exercises it)",
                ind.id
            ));
            return;
        }
        let ok = cases.iter().filter(|c| c.passed).count();
        let ev = cases
            .iter()
            .filter(|c| !c.passed)
            .take(10)
            .map(|c| {
                format!(
                    "{}: case {} expected {}, observed {}",
                    c.run, c.case, c.expected, c.observed
                )
            })
            .collect();
        self.push(None, ok as f64 / cases.len() as f64, ev, None, None);
    }

    /// A value over several runs of the suite together.
    fn suite(&mut self, candidates: &[(usize, &RunInput)]) {
        match suite_value(self.ind.metric.as_deref().unwrap_or_default(), candidates) {
            Ok((v, ev)) => self.push(None, v, vec![ev], None, None),
            Err(r) => self.reasons.push(r),
        }
    }

    /// A value from each run: its property verdict or its metric.
    fn per_run(&mut self, candidates: &[(usize, &RunInput)], gate_fails: &[Vec<String>]) {
        let ind = self.ind;
        for (i, r) in candidates {
            let m = match &ind.property {
                Some(p) => property_value(r, p),
                None => measure(r, ind.metric.as_deref().unwrap_or_default()),
            };
            match m {
                Measure::Not(why) => {
                    if !self.reasons.contains(&why) {
                        self.reasons.push(why)
                    }
                }
                Measure::Value { v, evidence, zero } => {
                    let unsafe_run =
                        (ind.requires_safety && !gate_fails[*i].is_empty()).then(|| {
                            format!(
                                "safety gate(s) failed in this run: {}",
                                gate_fails[*i].join(", ")
                            )
                        });
                    self.push(Some(r), v, evidence, zero.or(unsafe_run), cap(ind, r));
                }
            }
        }
    }

    /// Scores value `v` (from `run`, or the suite) against its thresholds; `zero` or `cap`
    /// (the reason) makes the score 0.
    fn push(
        &mut self,
        run: Option<&RunInput>,
        v: f64,
        evidence: Vec<String>,
        zero: Option<String>,
        cap: Option<String>,
    ) {
        let ind = self.ind;
        let (target, minimum) = if ind.unit == Unit::Pass {
            (1.0, 0.0)
        } else {
            match thresholds(self.rubric, ind, self.profile, run) {
                Ok(x) => x,
                Err(why) => {
                    self.reasons.push(why);
                    return;
                }
            }
        };
        let base = if ind.unit == Unit::Pass {
            v.clamp(0.0, 1.0)
        } else {
            score::linear(v, target, minimum, ind.better.expect("validated"))
        };
        let reason = zero.or(cap);
        let score = if reason.is_some() { 0.0 } else { base };
        self.scored.push(Scored {
            run: run.map(|r| r.label.clone()),
            v,
            target: Some(target),
            minimum: Some(minimum),
            score,
            reason,
            evidence,
        });
    }
}

/// Score 0 when the cap metric exceeds its maximum.
fn cap(ind: &Indicator, run: &RunInput) -> Option<String> {
    let c = ind.cap.as_ref()?;
    let max = c.max.value(ind.unit);
    match measure(run, &c.metric) {
        Measure::Value { v, .. } if v > max => Some(format!(
            "{} = {} exceeds the cap {}",
            c.metric,
            display(v, ind.unit),
            display(max, ind.unit)
        )),
        _ => None,
    }
}

/// Thresholds that do not depend on a run (for display when not evaluated).
fn fixed_thresholds(rubric: &Rubric, ind: &Indicator, profile: &str) -> Option<(f64, f64)> {
    if ind.unit == Unit::Pass {
        return Some((1.0, 0.0));
    }
    thresholds(rubric, ind, profile, None).ok()
}

/// (target, minimum) for `ind` in `run`'s context.
fn thresholds(
    rubric: &Rubric,
    ind: &Indicator,
    profile: &str,
    run: Option<&RunInput>,
) -> Result<(f64, f64), String> {
    if let Some(tiers) = &ind.tiers {
        let tier = rubric.tier.clone().unwrap_or_default();
        let [t, m] = tiers[&tier];
        return Ok((t, ind.minimum_by_profile.get(profile).copied().unwrap_or(m)));
    }
    let from = |spec: &Option<String>,
                fixed: &Option<crate::rubric::Threshold>|
     -> Result<f64, String> {
        if let Some(t) = fixed {
            return Ok(t.value(ind.unit));
        }
        let spec = spec.as_deref().unwrap_or_default();
        let Some(r) = run else { return Err(format!("threshold {spec} depends on the scenario")) };
        let s = &r.record.scenario;
        match spec {
            "scenario.completion_max" => s
                .criteria
                .completion_max
                .map(|x| x as f64)
                .ok_or_else(|| format!("scenario {} declares no completion_max", s.name)),
            "block_interval*3" => {
                Ok(3.0 * s.network.consensus.block_interval.max(NS_PER_MS) as f64)
            }
            "block_interval*10" => {
                Ok(10.0 * s.network.consensus.block_interval.max(NS_PER_MS) as f64)
            }
            other => Err(format!("unknown threshold source {other}")),
        }
    };
    let target = from(&ind.target_from, &ind.target)?;
    let minimum = match ind.minimum_by_profile.get(profile) {
        Some(m) => *m,
        None => from(&ind.minimum_from, &ind.minimum)?,
    };
    Ok((target, minimum))
}

fn property_value(run: &RunInput, p: &str) -> Measure {
    let Some(c) = &run.check else { return Measure::Not("trace not checked".into()) };
    match c.properties.iter().find(|x| x.id == p) {
        Some(x) if x.verdict == Verdict::Pass => Measure::Value {
            v: 1.0,
            evidence: vec![format!("{}/run.json#check.properties.{p}", run.label)],
            zero: None,
        },
        Some(x) if x.verdict == Verdict::Fail => Measure::Value {
            v: 0.0,
            evidence: vec![format!("{}/run.json#check.properties.{p}", run.label)],
            zero: Some(format!("{p} failed")),
        },
        Some(x) => Measure::Not(x.reason.clone().unwrap_or_else(|| format!("{p} not evaluated"))),
        None => Measure::Not(format!("no verdict on {p}")),
    }
}

fn p99(r: &RunInput) -> Option<u64> {
    r.record
        .metrics
        .as_ref()
        .filter(|m| m.measured.latency.count > 0)
        .map(|m| m.measured.latency.p99_ns)
}

/// Suite-level values over payment runs.
fn suite_value(metric: &str, runs: &[(usize, &RunInput)]) -> Result<(f64, String), String> {
    let pay: Vec<&RunInput> = runs
        .iter()
        .map(|(_, r)| *r)
        .filter(|r| r.record.scenario.kind == "payment" && p99(r).is_some())
        .collect();
    let n = |r: &RunInput| r.record.adapter.system.validators.len();
    if metric == "derived.scale_p99_ratio" {
        let four = pay.iter().find(|r| n(r) == 4);
        let big = pay.iter().filter(|r| n(r) >= 16).min_by_key(|r| n(r));
        return match (four, big) {
            (Some(a), Some(b)) => {
                let ratio = p99(b).unwrap_or(0) as f64 / p99(a).unwrap_or(1).max(1) as f64;
                Ok((
                    ratio,
                    format!(
                        "p99 {} at {} validators ({}) / p99 {} at 4 ({})",
                        display(p99(b).unwrap_or(0) as f64, Unit::Duration),
                        n(b),
                        b.label,
                        display(p99(a).unwrap_or(0) as f64, Unit::Duration),
                        a.label
                    ),
                ))
            }
            _ => {
                let have: Vec<String> = pay.iter().map(|r| n(r).to_string()).collect();
                Err(format!(
                    "needs payment runs at 4 and at ≥ 16 validators (have: {})",
                    if have.is_empty() { "none".into() } else { have.join(", ") }
                ))
            }
        };
    }
    let wan = |r: &RunInput| {
        r.record.scenario.network.links.iter().any(|l| l.link.latency.mean() >= 100 * NS_PER_MS)
    };
    let w = pay.iter().find(|r| wan(r));
    let base = w.and_then(|w| {
        pay.iter().find(|r| {
            !wan(r)
                && r.record.scenario.network.links.is_empty()
                && n(r) == n(w)
                && r.record.adapter.system.protocol == w.record.adapter.system.protocol
        })
    });
    match (w, base) {
        (Some(w), Some(b)) => {
            let d = p99(w).unwrap_or(0) as f64 / p99(b).unwrap_or(1).max(1) as f64 - 1.0;
            Ok((d, format!("p99 {} with a WAN link override ({}) vs {} without ({})", display(p99(w).unwrap_or(0) as f64, Unit::Duration), w.label, display(p99(b).unwrap_or(0) as f64, Unit::Duration), b.label)))
        }
        _ => Err("needs two payment runs of one network, with and without a ≥ 100 ms one-way link override".into()),
    }
}
