//! Evaluation: rubric × runs → gates, indicator scores, areas, verdict ([`crate::model::Report`]).
//!
//! In a suite, each indicator draws from the runs whose scenario kind measures it (`kinds` in the
//! rubric); when several do, the worst score counts and the report names that run. A gate fails
//! when it fails in any run.

use crate::input::RunInput;
use crate::measure::{measure, Measure};
use crate::model::*;
use crate::rubric::{Area, Better, Indicator, Rubric, Unit};
use crate::score;
use touchstone_check::Verdict;
use touchstone_core::record::RunStatus;
use touchstone_core::time::Human;
use touchstone_spec::Property;

/// Builds the full report of `runs` under `rubric` and `profile` (checked by the caller).
pub fn evaluate(
    rubric: &Rubric,
    rubric_text_sha256: &str,
    profile: &str,
    kind: &str,
    title: &str,
    runs: &[RunInput],
) -> Report {
    let mut gates = Vec::new();
    let mut areas = Vec::new();
    let gate_runs: Vec<Vec<String>> = runs.iter().map(|r| failed_gate_ids(rubric, r)).collect();
    for a in &rubric.areas {
        if a.gate {
            for g in &a.groups {
                for ind in &g.indicators {
                    gates.push(gate(ind, runs));
                }
            }
        } else {
            areas.push(area(rubric, a, profile, runs, &gate_runs));
        }
    }
    let gates_failed: Vec<String> =
        gates.iter().filter(|g| g.status == GateStatus::Fail).map(|g| g.id.clone()).collect();
    let score = score::overall(areas.iter().map(|a| (a.score, a.weight)));
    let grade = score::grade(score, !gates_failed.is_empty(), &rubric.grades);
    let evaluated = gates.iter().filter(|g| g.status != GateStatus::NotEvaluated).count()
        + areas
            .iter()
            .flat_map(|a| &a.groups)
            .flat_map(|g| &g.indicators)
            .filter(|i| i.evaluated)
            .count();
    let coverage = Coverage { evaluated, total: rubric.indicator_count() };
    let mut criteria = Vec::new();
    for r in runs {
        for c in &r.record.criteria {
            criteria.push(CriterionRow {
                run: r.label.clone(),
                id: c.id.clone(),
                target: c.target.clone(),
                measured: c.measured.clone(),
                passed: c.passed,
                note: c.note.clone(),
            });
        }
    }
    let mut criteria_failed: Vec<String> =
        criteria.iter().filter(|c| !c.passed).map(|c| format!("{}: {}", c.run, c.id)).collect();
    for r in runs {
        let bad = r.conformance.iter().filter(|c| !c.passed && c.indicator != "D4.1").count();
        if bad > 0 {
            criteria_failed.push(format!(
                "{}: conformance: {bad} case(s) differ from the reference model",
                r.label
            ));
        }
    }
    let run_failed: Vec<String> = runs
        .iter()
        .flat_map(|r| r.record.verdict.failed.iter().map(move |f| format!("{}: {f}", r.label)))
        .collect();
    let harness_failed = runs.iter().any(|r| r.record.status != RunStatus::Completed);
    let exit_code = if harness_failed {
        3
    } else if gates_failed.is_empty() && criteria_failed.is_empty() && run_failed.is_empty() {
        0
    } else {
        1
    };
    let passed = exit_code == 0;
    let headline = headline(passed, harness_failed, grade, score, profile, coverage, &gates);
    let verdict = Overall {
        passed,
        grade: grade.into(),
        grade_meaning: score::grade_meaning(grade).into(),
        score,
        coverage,
        gates_failed,
        criteria_failed,
        run_failed,
        exit_code,
        headline,
    };
    let mut notes = Vec::new();
    for r in runs {
        if let Some(n) = &r.trace_note {
            notes.push(format!("{}: {n}", r.label));
        }
        if let Some(m) = &r.record.message {
            notes.push(format!("{}: {m}", r.label));
        }
    }
    Report {
        format: REPORT_FORMAT.into(),
        kind: kind.into(),
        title: title.into(),
        profile: profile.into(),
        rubric: RubricRef {
            name: rubric.name.clone(),
            file: rubric.path.clone(),
            sha256: rubric_text_sha256.into(),
            tier: rubric.tier.clone(),
        },
        verdict,
        runs: runs.iter().map(crate::disclose::disclosure).collect(),
        gates,
        criteria,
        areas,
        findings: crate::disclose::findings(runs),
        conformance: runs.iter().flat_map(|r| r.conformance.iter().cloned()).collect(),
        charts: runs.iter().map(crate::series::charts).collect(),
        notes,
    }
}

fn headline(
    passed: bool,
    harness_failed: bool,
    grade: &str,
    score: Option<f64>,
    profile: &str,
    c: Coverage,
    gates: &[GateResult],
) -> String {
    let word = if harness_failed {
        "ERROR"
    } else if passed {
        "PASS"
    } else {
        "FAIL"
    };
    let score = score.map(|s| format!(" {s:.1}")).unwrap_or_default();
    let mut h =
        format!("{word} grade {grade}{score} ({profile}, coverage {}/{})", c.evaluated, c.total);
    if let Some(g) = gates.iter().find(|g| g.status == GateStatus::Fail) {
        h.push_str(&format!(" — gate {} failed", g.source_value));
    }
    h
}

/// Ids of the checker properties that failed as gates in `run` (for `requires_safety`).
fn failed_gate_ids(rubric: &Rubric, run: &RunInput) -> Vec<String> {
    rubric
        .areas
        .iter()
        .filter(|a| a.gate)
        .flat_map(|a| &a.groups)
        .flat_map(|g| &g.indicators)
        .filter(|i| matches!(gate_in_run(i, run).0, GateStatus::Fail))
        .map(|i| i.property.clone().unwrap_or_else(|| i.id.clone()))
        .collect()
}

/// A gate judged in one run: status, reason, evidence, measured display.
fn gate_in_run(
    ind: &Indicator,
    run: &RunInput,
) -> (GateStatus, Option<String>, Vec<String>, Option<String>) {
    if let Some(p) = &ind.property {
        let Some(check) = &run.check else {
            return (GateStatus::NotEvaluated, Some("trace not checked".into()), vec![], None);
        };
        if ind.only_over_budget && !check.over_budget {
            return (
                GateStatus::NotEvaluated,
                Some("run in budget: applies to over-budget runs only".into()),
                vec![],
                None,
            );
        }
        if let Some(gs) = &run.record.scenario.criteria.gates {
            if !(gs.iter().any(|g| g == p) || ind.only_over_budget && check.over_budget) {
                return (
                    GateStatus::NotEvaluated,
                    Some(format!(
                        "scenario {} declares gates = [{}]",
                        run.record.scenario.name,
                        gs.join(", ")
                    )),
                    vec![],
                    None,
                );
            }
        }
        let Some(pr) = check.properties.iter().find(|x| &x.id == p) else {
            return (
                GateStatus::NotEvaluated,
                Some(format!("the checker gave no verdict on {p}")),
                vec![],
                None,
            );
        };
        let evidence: Vec<String> = check
            .findings
            .iter()
            .filter(|f| &f.property == p)
            .take(5)
            .map(|f| {
                format!(
                    "{}: {} (trace lines {})",
                    run.label,
                    f.message,
                    f.lines.iter().map(u64::to_string).collect::<Vec<_>>().join(", ")
                )
            })
            .collect();
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
        return (status, reason, evidence, None);
    }
    if ind.conformance {
        let cases: Vec<&ConformanceCase> =
            run.conformance.iter().filter(|c| c.indicator == ind.id).collect();
        if cases.is_empty() {
            return (
                GateStatus::NotEvaluated,
                Some(format!("no compliance case for {} ran", ind.id)),
                vec![],
                None,
            );
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
        let shown = Some(format!("{}/{} cases", cases.len() - failed.len(), cases.len()));
        return (
            if failed.is_empty() { GateStatus::Pass } else { GateStatus::Fail },
            None,
            failed,
            shown,
        );
    }
    let metric = ind.metric.as_deref().unwrap_or_default();
    match measure(run, metric) {
        Measure::Not(r) => (GateStatus::NotEvaluated, Some(r), vec![], None),
        Measure::Value { v, evidence, zero } => {
            let min = ind.minimum.as_ref().map(|m| m.value(ind.unit)).unwrap_or(v);
            let ok = zero.is_none()
                && match ind.better {
                    Some(Better::Lower) => v <= min,
                    Some(Better::Higher) => v >= min,
                    None => v >= 1.0,
                };
            let shown = Some(display(v, ind.unit));
            let reason = (!ok).then(|| {
                zero.unwrap_or_else(|| {
                    format!(
                        "{} beyond the minimum {}",
                        display(v, ind.unit),
                        display(min, ind.unit)
                    )
                })
            });
            (if ok { GateStatus::Pass } else { GateStatus::Fail }, reason, evidence, shown)
        }
    }
}

fn gate(ind: &Indicator, runs: &[RunInput]) -> GateResult {
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
    for r in runs {
        let (status, reason, evidence, shown) = gate_in_run(ind, r);
        if status == GateStatus::NotEvaluated {
            if let Some(x) = reason {
                if !reasons.contains(&x) {
                    reasons.push(x);
                }
            }
            continue;
        }
        res.runs.push(r.label.clone());
        if rank(status) > rank(res.status) {
            res.status = status;
            res.reason = reason;
            res.measured = shown;
            if status == GateStatus::Fail {
                res.failed_in = Some(r.label.clone());
            }
        } else if res.measured.is_none() {
            res.measured = shown;
        }
        res.evidence.extend(evidence);
    }
    if res.status == GateStatus::NotEvaluated {
        res.reason = Some(reasons.join("; "));
    }
    res
}

fn area(
    rubric: &Rubric,
    a: &Area,
    profile: &str,
    runs: &[RunInput],
    gate_fails: &[Vec<String>],
) -> AreaResult {
    let groups: Vec<GroupResult> = a
        .groups
        .iter()
        .map(|g| {
            let indicators: Vec<IndicatorResult> = g
                .indicators
                .iter()
                .map(|i| crate::indicator::indicator(rubric, i, profile, runs, gate_fails))
                .collect();
            let score = score::weighted_mean(indicators.iter().map(|i| (i.score, i.weight)));
            GroupResult {
                id: g.id.clone(),
                name: g.name.clone(),
                weight: g.weight,
                score,
                indicators,
            }
        })
        .collect();
    let score = score::weighted_mean(groups.iter().map(|g| (g.score, g.weight)));
    AreaResult {
        id: a.id.clone(),
        name: a.name.clone(),
        weight: rubric.weight(a, profile),
        score,
        groups,
    }
}

/// A duration in ns, in the unit a reader expects (`850 ms`, `2.5 s`, `15 min`, `2 h`).
pub fn duration(ns: f64) -> String {
    let s = ns.max(0.0) / 1e9;
    if s >= 7200.0 {
        format!("{} h", trim(format!("{:.3}", s / 3600.0)))
    } else if s >= 120.0 {
        format!("{} min", trim(format!("{:.2}", s / 60.0)))
    } else if s >= 1.0 {
        format!("{s:.2} s")
    } else if ns >= 1e6 {
        format!("{:.1} ms", ns / 1e6)
    } else {
        Human(ns.max(0.0) as u64).to_string()
    }
}

fn trim(x: String) -> String {
    x.trim_end_matches('0').trim_end_matches('.').to_string()
}

/// Human form of a value in its unit.
pub fn display(v: f64, unit: Unit) -> String {
    match unit {
        Unit::Duration => duration(v),
        Unit::Rate => format!("{v:.1} tx/s"),
        Unit::Share => format!("{:.2}%", v * 100.0),
        Unit::Ratio => format!("{v:.2}×"),
        Unit::Pass => (if v >= 1.0 { "pass" } else { "fail" }).to_string(),
    }
}
