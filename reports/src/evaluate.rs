//! Evaluation: rubric × runs → gates, indicator scores, areas, verdict ([`crate::model::Report`]).
//!
//! In a suite, each indicator draws from the runs whose scenario kind measures it (`kinds` in the
//! rubric); when several do, the worst score counts and the report names that run. A gate fails
//! when it fails in any run.

use crate::gate::{failed_gate_ids, gate};
use crate::input::RunInput;
use crate::model::*;
use crate::rubric::{Area, Rubric};
use crate::score;
use touchstone_core::record::RunStatus;

pub use crate::display::{display, duration};

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
    let criteria = criteria_rows(runs);
    let verdict = overall(rubric, profile, runs, &gates, &areas, &criteria);
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
        notes: notes(runs),
        xchain: runs.iter().filter_map(crate::xchain::view).collect(),
    }
}

/// Every run's scenario criteria, as the runs judged them.
fn criteria_rows(runs: &[RunInput]) -> Vec<CriterionRow> {
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
    criteria
}

/// The verdict: score, grade, coverage, what failed, and the exit code.
fn overall(
    rubric: &Rubric,
    profile: &str,
    runs: &[RunInput],
    gates: &[GateResult],
    areas: &[AreaResult],
    criteria: &[CriterionRow],
) -> Overall {
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
    let headline = headline(passed, harness_failed, grade, score, profile, coverage, gates);
    Overall {
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
    }
}

/// The runs' notes: a missing trace, a harness message.
fn notes(runs: &[RunInput]) -> Vec<String> {
    let mut notes = Vec::new();
    for r in runs {
        if let Some(n) = &r.trace_note {
            notes.push(format!("{}: {n}", r.label));
        }
        if let Some(m) = &r.record.message {
            notes.push(format!("{}: {m}", r.label));
        }
    }
    notes
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
