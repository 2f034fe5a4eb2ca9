//! Gates (the rubric's gate area): pass/fail over every run that may feed them (all, unless the
//! rubric narrows them by kind or purpose), from a checker property, the compliance cases, or a
//! metric against its minimum. A gate fails when it fails in any run.

use crate::display::display;
use crate::input::RunInput;
use crate::measure::{measure, Measure};
use crate::model::{ConformanceCase, GateResult, GateStatus};
use crate::rubric::{Better, Indicator, Rubric};
use touchstone_check::{CheckReport, Verdict};
use touchstone_spec::Property;

/// A gate judged in one run.
struct GateInRun {
    status: GateStatus,
    /// Why not evaluated, or what failed.
    reason: Option<String>,
    evidence: Vec<String>,
    /// The measured value shown (metric and conformance gates).
    measured: Option<String>,
}

impl GateInRun {
    fn not_evaluated(reason: impl Into<String>) -> GateInRun {
        GateInRun {
            status: GateStatus::NotEvaluated,
            reason: Some(reason.into()),
            evidence: vec![],
            measured: None,
        }
    }
}

/// Ids of the checker properties that failed as gates in `run` (for `requires_safety`).
pub(crate) fn failed_gate_ids(rubric: &Rubric, run: &RunInput) -> Vec<String> {
    rubric
        .areas
        .iter()
        .filter(|a| a.gate)
        .flat_map(|a| &a.groups)
        .flat_map(|g| &g.indicators)
        .filter(|i| crate::feeds::feeds(i, run).is_ok())
        .filter(|i| matches!(gate_in_run(i, run).status, GateStatus::Fail))
        .map(|i| i.property.clone().unwrap_or_else(|| i.id.clone()))
        .collect()
}

/// The gate `ind` over all `runs`: the worst status wins, and the run that failed it first is
/// named; reasons of the runs that could not judge it are kept when none could.
pub(crate) fn gate(ind: &Indicator, runs: &[RunInput]) -> GateResult {
    let mut res = GateResult {
        id: ind.id.clone(),
        name: ind.name.clone(),
        definition: ind.definition.clone(),
        source_value: ind
            .property
            .clone()
            .or_else(|| ind.metric.clone())
            .unwrap_or_else(|| "conformance".into()),
        status: GateStatus::NotEvaluated,
        reason: None,
        runs: Vec::new(),
        failed_in: None,
        evidence: Vec::new(),
        measured: None,
    };
    let mut reasons = Vec::new();
    let rank = |s: GateStatus| match s {
        GateStatus::NotEvaluated => 0,
        GateStatus::Pass => 1,
        GateStatus::ExpectedFail => 2,
        GateStatus::Fail => 3,
    };
    let runs = match crate::feeds::candidates(ind, runs) {
        Ok(c) => c,
        Err(why) => {
            res.reason = Some(why);
            return res;
        }
    };
    for (_, r) in runs {
        let judged = gate_in_run(ind, r);
        if judged.status == GateStatus::NotEvaluated {
            if let Some(x) = judged.reason {
                if !reasons.contains(&x) {
                    reasons.push(x);
                }
            }
            continue;
        }
        res.runs.push(r.label.clone());
        if rank(judged.status) > rank(res.status) {
            res.status = judged.status;
            res.reason = judged.reason;
            res.measured = judged.measured;
            if judged.status == GateStatus::Fail {
                res.failed_in = Some(r.label.clone());
            }
        } else if res.measured.is_none() {
            res.measured = judged.measured;
        }
        res.evidence.extend(judged.evidence);
    }
    if res.status == GateStatus::NotEvaluated {
        res.reason = Some(reasons.join("; "));
    }
    res
}

/// The gate `ind` judged in one run, by where its value comes from.
fn gate_in_run(ind: &Indicator, run: &RunInput) -> GateInRun {
    if let Some(p) = &ind.property {
        return property_gate(ind, p, run);
    }
    if ind.conformance {
        return conformance_gate(ind, run);
    }
    metric_gate(ind, run)
}

/// A checker property as a gate: its verdict in the run's check, unless the scenario or the
/// run's budget makes it not apply.
fn property_gate(ind: &Indicator, p: &str, run: &RunInput) -> GateInRun {
    let Some(check) = &run.check else {
        return GateInRun::not_evaluated("trace not checked");
    };
    if ind.only_over_budget && !check.over_budget {
        return GateInRun::not_evaluated("run in budget: applies to over-budget runs only");
    }
    if let Some(gs) = &run.record.scenario.criteria.gates {
        if !(gs.iter().any(|g| g == p) || ind.only_over_budget && check.over_budget) {
            return GateInRun::not_evaluated(format!(
                "scenario {} declares gates = [{}]",
                run.record.scenario.name,
                gs.join(", ")
            ));
        }
    }
    let Some(pr) = check.properties.iter().find(|x| x.id == p) else {
        return GateInRun::not_evaluated(format!("the checker gave no verdict on {p}"));
    };
    let status = match pr.verdict {
        Verdict::Pass => GateStatus::Pass,
        Verdict::Fail if pr.expected_to_fail => GateStatus::ExpectedFail,
        Verdict::Fail => GateStatus::Fail,
        Verdict::NotEvaluated => GateStatus::NotEvaluated,
    };
    let reason = match status {
        GateStatus::Fail => Some(format!("{} finding(s)", pr.findings)),
        GateStatus::ExpectedFail => Some(format!(
            "over budget: this safety property may legitimately fail; {} is the gate",
            Property::Accountability
        )),
        _ => pr.reason.clone(),
    };
    GateInRun { status, reason, evidence: finding_evidence(check, p, &run.label), measured: None }
}

/// The first findings of property `p`, with their trace lines.
fn finding_evidence(check: &CheckReport, p: &str, label: &str) -> Vec<String> {
    check
        .findings
        .iter()
        .filter(|f| f.property == p)
        .take(5)
        .map(|f| {
            format!(
                "{label}: {} (trace lines {})",
                f.message,
                f.lines.iter().map(u64::to_string).collect::<Vec<_>>().join(", ")
            )
        })
        .collect()
}

/// Compliance cases tagged with the gate's id: it passes when every case does.
fn conformance_gate(ind: &Indicator, run: &RunInput) -> GateInRun {
    let cases: Vec<&ConformanceCase> =
        run.conformance.iter().filter(|c| ind.counts_case(&c.indicator)).collect();
    if cases.is_empty() {
        return GateInRun::not_evaluated(format!("no compliance case for {} ran", ind.id));
    }
    let failed: Vec<String> = cases
        .iter()
        .filter(|c| !c.passed)
        .map(|c| {
            format!(
                "{}: case {} expected {}, observed {}",
                run.label, c.case, c.expected, c.observed
            )
        })
        .collect();
    GateInRun {
        status: if failed.is_empty() { GateStatus::Pass } else { GateStatus::Fail },
        reason: None,
        measured: Some(format!("{}/{} cases", cases.len() - failed.len(), cases.len())),
        evidence: failed,
    }
}

/// A metric against the gate's minimum (or 1 = pass when it has no direction).
fn metric_gate(ind: &Indicator, run: &RunInput) -> GateInRun {
    let metric = ind.metric.as_deref().unwrap_or_default();
    match measure(run, metric) {
        Measure::Not(r) => GateInRun::not_evaluated(r),
        Measure::Value { v, evidence, zero } => {
            let min = ind.minimum.as_ref().map(|m| m.value(ind.unit)).unwrap_or(v);
            let ok = zero.is_none()
                && match ind.better {
                    Some(Better::Lower) => v <= min,
                    Some(Better::Higher) => v >= min,
                    None => v >= 1.0,
                };
            let reason = (!ok).then(|| {
                zero.unwrap_or_else(|| {
                    format!(
                        "{} beyond the minimum {}",
                        display(v, ind.unit),
                        display(min, ind.unit)
                    )
                })
            });
            GateInRun {
                status: if ok { GateStatus::Pass } else { GateStatus::Fail },
                reason,
                evidence,
                measured: Some(display(v, ind.unit)),
            }
        }
    }
}
