//! One L3 indicator across the runs of an evaluation: value, thresholds, score, evidence.

use crate::display::display;
use crate::input::RunInput;
use crate::measure::suite::{compare_runs, SUITE_METRICS};
use crate::measure::{measure, Measure};
use crate::model::{Feed, IndicatorResult};
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
        fed_by: Vec::new(),
    };
    let candidates = match crate::feeds::candidates(ind, runs) {
        Ok(c) => c,
        Err(why) => {
            out.reason = Some(why);
            if let Some((t, m)) = fixed_thresholds(rubric, ind, profile) {
                (out.target, out.minimum) = (Some(t), Some(m));
            }
            return out;
        }
    };
    let mut scoring =
        Scoring { rubric, ind, profile, scored: Vec::new(), reasons: Vec::new(), fed: Vec::new() };
    let suite_level = ind.metric.as_deref().is_some_and(|m| SUITE_METRICS.contains(&m));
    if ind.conformance {
        scoring.conformance(&candidates);
    } else if suite_level {
        scoring.suite(&candidates);
    } else {
        scoring.per_run(&candidates, gate_fails);
    }
    let Scoring { scored, reasons, fed, .. } = scoring;
    out.fed_by = fed;
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

/// One indicator being scored: the candidate values found so far, why others were not, and
/// what each run that fed it gave.
struct Scoring<'a> {
    rubric: &'a Rubric,
    ind: &'a Indicator,
    profile: &'a str,
    scored: Vec<Scored>,
    reasons: Vec<String>,
    fed: Vec<Feed>,
}

impl Scoring<'_> {
    /// The share of the compliance cases tagged with the indicator that passed.
    fn conformance(&mut self, candidates: &[(usize, &RunInput)]) {
        let ind = self.ind;
        for (_, r) in candidates {
            let mine: Vec<_> =
                r.conformance.iter().filter(|c| ind.counts_case(&c.indicator)).collect();
            if !mine.is_empty() {
                let ok = mine.iter().filter(|c| c.passed).count();
                self.fed.push(Feed {
                    run: r.label.clone(),
                    display: format!("{ok}/{} cases", mine.len()),
                    score: None,
                });
            }
        }
        let cases: Vec<_> = candidates
            .iter()
            .flat_map(|(_, r)| r.conformance.iter())
            .filter(|c| ind.counts_case(&c.indicator))
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
        let runs: Vec<&RunInput> = candidates.iter().map(|(_, r)| *r).collect();
        match compare_runs(self.ind.metric.as_deref().unwrap_or_default(), &runs) {
            Ok(c) => {
                self.fed.extend(c.runs.into_iter().map(|(run, display)| Feed {
                    run,
                    display,
                    score: None,
                }));
                self.push(None, c.v, vec![c.evidence], None, None);
            }
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
        if let Some(r) = run {
            self.fed.push(Feed {
                run: r.label.clone(),
                display: display(v, ind.unit),
                score: Some(score),
            });
        }
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
