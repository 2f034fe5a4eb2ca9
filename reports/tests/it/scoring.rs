//! Scoring at target, at minimum, between, below, not evaluated; gates force F; bad rubrics.

use super::support::*;
use touchstone_reports::model::GateStatus;
use touchstone_reports::rubric::{Better, Rubric, DEFAULT_RUBRIC};
use touchstone_reports::score::{self, linear};
use touchstone_reports::synth::Synth;
use touchstone_spec::Property;

#[test]
fn score_is_one_at_target_zero_at_minimum_linear_between() {
    // Lower is better (p99: target 1 s, minimum 5 s).
    assert_eq!(linear(1e9, 1e9, 5e9, Better::Lower), 1.0);
    assert_eq!(linear(0.2e9, 1e9, 5e9, Better::Lower), 1.0);
    assert_eq!(linear(5e9, 1e9, 5e9, Better::Lower), 0.0);
    assert!((linear(2e9, 1e9, 5e9, Better::Lower) - 0.75).abs() < 1e-12);
    assert_eq!(linear(7e9, 1e9, 5e9, Better::Lower), 0.0, "below the minimum");
    // Higher is better (throughput: target 1000, minimum 500).
    assert_eq!(linear(1000.0, 1000.0, 500.0, Better::Higher), 1.0);
    assert_eq!(linear(500.0, 1000.0, 500.0, Better::Higher), 0.0);
    assert!((linear(900.0, 1000.0, 500.0, Better::Higher) - 0.8).abs() < 1e-12);
    assert_eq!(linear(100.0, 1000.0, 500.0, Better::Higher), 0.0, "below the minimum");
}

#[test]
fn not_evaluated_indicators_are_excluded_from_means_and_coverage() {
    assert_eq!(score::weighted_mean([(Some(0.5), 1.0), (None, 1.0), (Some(1.0), 1.0)]), Some(0.75));
    let s = Synth { fork_at: None, ..Synth::small() };
    let (_t, dir) = synth_run(&s);
    let r = score_dir(&dir, "vendor");
    let all: Vec<_> = r.areas.iter().flat_map(|a| &a.groups).flat_map(|g| &g.indicators).collect();
    let ne = all.iter().filter(|i| !i.evaluated).count();
    assert!(ne > 0);
    for i in all.iter().filter(|i| !i.evaluated) {
        assert!(i.score.is_none() && i.measured.is_none(), "{} not evaluated has no value", i.id);
        assert!(
            i.reason.as_deref().is_some_and(|x| !x.is_empty()),
            "{} says why it is not evaluated",
            i.id
        );
    }
    // D and E have no compliance cases here: not evaluated, no score, weight renormalised away.
    let d = r.areas.iter().find(|a| a.id == "D").unwrap();
    assert_eq!(d.score, None);
    let gates_ne = r.gates.iter().filter(|g| g.status == GateStatus::NotEvaluated).count();
    assert_eq!(r.verdict.coverage.total, r.gates.len() + all.len());
    assert_eq!(r.verdict.coverage.evaluated, r.gates.len() - gates_ne + all.len() - ne);
    // Overall = weighted mean of the evaluated areas on 0–100.
    let (mut sum, mut w) = (0.0, 0.0);
    for a in r.areas.iter().filter(|a| a.score.is_some()) {
        sum += a.score.unwrap() * a.weight;
        w += a.weight;
    }
    assert!((r.verdict.score.unwrap() - (sum / w * 100.0 * 10.0).round() / 10.0).abs() < 1e-9);
}

#[test]
fn passing_run_is_graded_by_score() {
    let (_t, dir) = synth_run(&Synth { fork_at: None, ..Synth::small() });
    let r = score_dir(&dir, "vendor");
    assert!(r.verdict.gates_failed.is_empty(), "{:?}", r.gates);
    let s = r.verdict.score.unwrap();
    let want = if s >= 85.0 {
        "A"
    } else if s >= 70.0 {
        "B"
    } else if s >= 50.0 {
        "C"
    } else {
        "F"
    };
    assert_eq!(r.verdict.grade, want);
    assert!(r.verdict.passed);
    assert!(r.verdict.headline.starts_with("PASS grade"), "{}", r.verdict.headline);
}

#[test]
fn failed_gate_forces_grade_f_whatever_the_score() {
    let (_t, dir) = synth_run(&Synth { fork_at: Some(5), ..Synth::small() });
    let r = score_dir(&dir, "researcher");
    let agreement = r.gates.iter().find(|g| g.source_value == "agreement").unwrap();
    assert_eq!(agreement.status, GateStatus::Fail);
    assert!(agreement.evidence[0].contains("trace lines"), "{:?}", agreement.evidence);
    assert_eq!(r.verdict.grade, "F");
    assert!(r.verdict.score.is_some(), "scores are still computed and shown");
    assert!(!r.verdict.passed);
    assert_eq!(r.verdict.exit_code, 1);
    let text = touchstone_reports::text::summary(&r);
    assert!(text.contains("FAIL gate agreement: "), "{text}");
}

fn bad(text: &str) -> String {
    Rubric::parse(text, "bad.toml").expect_err("the rubric is refused").to_string()
}

#[test]
fn weights_that_do_not_add_up_are_an_error_naming_file_and_field() {
    let t = DEFAULT_RUBRIC.replacen(
        "weights = { vendor = 25, regulator = 15, researcher = 40 }",
        "weights = { vendor = 26, regulator = 15, researcher = 40 }",
        1,
    );
    let e = bad(&t);
    assert!(e.starts_with("bad.toml: areas[*].weights.vendor: "), "{e}");
    assert!(e.contains("add up to 101"), "{e}");
}

#[test]
fn unknown_indicator_ids_metric_paths_properties_and_keys_are_errors() {
    let e = bad(&DEFAULT_RUBRIC.replacen("id = \"B2.1\"", "id = \"B9.1\"", 1));
    assert!(e.contains("areas[1].groups[1].indicators[0].id") && e.contains("B9.1"), "{e}");
    let e = bad(&DEFAULT_RUBRIC.replacen(
        "metric = \"measured.latency.p99_ns\"",
        "metric = \"measured.latency.p98_ns\"",
        1,
    ));
    assert!(e.contains(".metric") && e.contains("p98_ns"), "{e}");
    let e = bad(&DEFAULT_RUBRIC.replacen("derived.backlog_ratio", "derived.backlog", 1));
    assert!(e.contains("unknown derived value"), "{e}");
    let e = bad(&DEFAULT_RUBRIC.replacen("property = \"agreement\"", "property = \"agreemnt\"", 1));
    assert!(e.contains(".property") && e.contains("agreemnt"), "{e}");
    let e = bad(&DEFAULT_RUBRIC.replacen("method = \"measured\"", "methd = \"measured\"", 1));
    assert!(e.contains("methd") && e.contains("line "), "{e}");
    let e = bad(&DEFAULT_RUBRIC.replacen(
        "format = \"touchstone-rubric/1\"",
        "format = \"other/1\"",
        1,
    ));
    assert!(e.contains("format"), "{e}");
    let e = bad(&DEFAULT_RUBRIC.replacen("target = \"1s\"", "target = \"1 parsec\"", 1));
    assert!(e.contains(".target"), "{e}");
}

#[test]
fn default_rubric_covers_indicators_md() {
    let r = Rubric::default_rubric();
    let ids: Vec<String> = r
        .areas
        .iter()
        .flat_map(|a| &a.groups)
        .flat_map(|g| &g.indicators)
        .map(|i| i.id.clone())
        .collect();
    for want in [
        "B1.1", "B1.2", "B2.1", "B2.2", "B3.1", "B4.1", "B4.2", "C1.1", "C1.2", "C2.1", "C2.2",
        "C3.1", "C4.1", "C5.1", "D1.1", "D1.2", "D2.1", "D2.2", "D2.3", "D3.1", "D3.2", "D4.1",
        "D5.1", "D6.1", "D6.2", "E1.1", "E1.2", "E2.1", "E3.1", "F1.1", "F1.2", "F2.1",
    ] {
        assert!(ids.contains(&want.to_string()), "{want} missing");
    }
    for p in ["vendor", "regulator", "researcher"] {
        let sum: f64 = r.areas.iter().map(|a| r.weight(a, p)).sum();
        assert_eq!(sum, 100.0, "{p}");
    }
    assert!(Rubric::default_rubric().check_profile("auditor").is_err());
}

#[test]
fn default_rubric_gates_only_properties_the_trace_format_makes_gates() {
    let r = Rubric::default_rubric();
    let mut gated = 0;
    for a in r.areas.iter().filter(|a| a.gate) {
        for ind in a.groups.iter().flat_map(|g| &g.indicators) {
            let Some(id) = &ind.property else { continue };
            let p = Property::from_id(id).expect("the rubric validated its property ids");
            assert!(
                p.is_gate(ind.only_over_budget),
                "{} gates {p}, which is not a gate when over_budget = {}",
                ind.id,
                ind.only_over_budget
            );
            gated += 1;
        }
    }
    assert!(gated > 0, "the default rubric's gate area names checker properties");
}

#[test]
fn unknown_purposes_and_stray_case_tags_are_rubric_errors() {
    let e = bad(&DEFAULT_RUBRIC.replacen(
        "purposes = [\"saturation\"]",
        "purposes = [\"saturaton\"]",
        1,
    ));
    assert!(e.contains(".purposes") && e.contains("did you mean \"saturation\""), "{e}");
    let e = bad(&DEFAULT_RUBRIC.replacen(
        "purposes = [\"saturation\"]",
        "purposes = [\"saturation\"]\ncase_tags = [\"x\"]",
        1,
    ));
    assert!(e.contains(".case_tags") && e.contains("conformance = true"), "{e}");
}
