//! Values measured over runs meant for them: the spam flood (E3.1) from a `spam` run's program
//! summary and series, the scale curve (B4.1) and WAN sensitivity (B4.2) from pairs of runs of
//! one chain and load.

use super::support::*;
use touchstone_reports::measure::{measure, Measure};
use touchstone_reports::synth::Synth;
use touchstone_reports::RunInput;

fn clean() -> Synth {
    Synth { fork_at: None, crash: None, byzantine: None, reject_every: 0, ..Synth::small() }
}

fn load(s: &Synth, label: &str) -> (tempfile::TempDir, RunInput) {
    let (keep, dir) = synth_run(s);
    (keep, RunInput::load_labelled(&dir, label).unwrap())
}

/// Turns a clean 40 s synthetic run into a `spam` run: 20 s quiet, 20 s of flood at `factor`
/// invalid per honest one, honest commits in the flood cut to `kept` of their rate, and
/// `leaked` invalid transactions committed.
fn spam_run(factor: u64, kept: f64, leaked: u64) -> (tempfile::TempDir, RunInput) {
    let (keep, mut r) = load(&clean(), "spam");
    let m = r.record.metrics.as_mut().unwrap();
    let whole = m.phases[0].clone();
    let mid = whole.start_ns + 20_000_000_000;
    let mut quiet = whole.clone();
    quiet.end_ns = mid;
    let mut flood = whole;
    flood.start_ns = mid;
    m.phases = vec![quiet, flood];
    for s in m.series.iter_mut().filter(|s| s.t_s * 1_000_000_000 >= mid) {
        s.committed = (s.committed as f64 * kept).round() as u64;
    }
    m.program = "spam".into();
    m.program_summary = Some(serde_json::json!({
        "factor": factor, "flood_phase": 1,
        "phases": [
            {"phase": 0, "flood": false, "honest_sent": 1000, "honest_committed": 1000,
             "invalid_sent": 0, "invalid_committed": 0, "invalid_rejected": 0},
            {"phase": 1, "flood": true, "honest_sent": 1000, "honest_committed": 1000,
             "invalid_sent": 1000 * factor, "invalid_committed": leaked,
             "invalid_rejected": 1000 * factor - leaked},
        ],
    }));
    (keep, r)
}

fn value(m: Measure) -> (f64, Option<String>) {
    match m {
        Measure::Value { v, zero, .. } => (v, zero),
        Measure::Not(why) => panic!("not measured: {why}"),
    }
}

#[test]
fn spam_flood_drop_is_the_share_of_honest_throughput_lost_during_the_flood() {
    let drop = |kept| value(measure(&spam_run(10, kept, 0).1, "derived.spam_throughput_drop"));
    assert_eq!(drop(1.0), (0.0, None));
    let (v, zero) = drop(0.6);
    assert!((v - 0.4).abs() < 0.02 && zero.is_none(), "{v}");
    let (_, zero) = value(measure(&spam_run(10, 1.0, 3).1, "derived.spam_throughput_drop"));
    assert!(zero.unwrap().contains("3 invalid transaction(s)"));
}

#[test]
fn a_flood_below_ten_times_or_no_flood_at_all_measures_no_spam_drop() {
    let Measure::Not(why) = measure(&spam_run(5, 1.0, 0).1, "derived.spam_throughput_drop") else {
        panic!("a 5× flood is not E3.1's 10×")
    };
    assert!(why.contains("10×"), "{why}");
    let Measure::Not(why) = measure(&load(&clean(), "x").1, "derived.spam_throughput_drop") else {
        panic!("a payments run has no flood")
    };
    assert!(why.contains("program \"spam\""), "{why}");
}

fn indicator(
    r: &touchstone_reports::Report,
    id: &str,
) -> touchstone_reports::model::IndicatorResult {
    r.areas
        .iter()
        .flat_map(|a| &a.groups)
        .flat_map(|g| &g.indicators)
        .find(|i| i.id == id)
        .unwrap()
        .clone()
}

#[test]
fn scale_and_wan_compare_runs_of_one_chain_and_load_only() {
    let scorer = touchstone_reports::Scorer::new(None).unwrap();
    let (_a, mut four) = load(&clean(), "four");
    let (_b, mut sixteen) = load(&Synth { validators: 16, ..clean() }, "sixteen");
    let (_c, mut wan) = load(&clean(), "wan");
    four.record.scenario.purpose = vec!["nominal".into(), "scale".into(), "wan".into()];
    sixteen.record.scenario.purpose = vec!["scale".into()];
    wan.record.scenario.purpose = vec!["wan".into()];
    let mut link = four.record.scenario.network.link.clone();
    link.latency = touchstone_core::scenario::LatencyDist::Fixed { latency: 114_000_000 };
    wan.record.scenario.network.links.push(touchstone_core::scenario::LinkOverride {
        from: vec!["n0".into(), "n1".into()],
        to: vec!["n2".into(), "n3".into()],
        symmetric: true,
        link,
    });
    let runs = vec![four.clone(), sixteen.clone(), wan.clone()];
    let r = scorer.score("regulator", "suite", "s", &runs).unwrap();
    let b41 = indicator(&r, "B4.1");
    assert!(b41.evaluated, "{b41:?}");
    let fed: Vec<&str> = b41.fed_by.iter().map(|f| f.run.as_str()).collect();
    assert_eq!(fed, ["four", "sixteen"]);
    let b42 = indicator(&r, "B4.2");
    assert!(b42.evaluated, "{b42:?}");
    let fed: Vec<&str> = b42.fed_by.iter().map(|f| f.run.as_str()).collect();
    assert_eq!(fed, ["four", "wan"]);
    // Another protocol at 16 is not the same chain: no scale curve from it.
    sixteen.record.adapter.system.protocol = "hotstuff".into();
    let r = scorer.score("regulator", "suite", "s", &[four, sixteen, wan]).unwrap();
    let b41 = indicator(&r, "B4.1");
    assert!(
        !b41.evaluated && b41.reason.as_deref().unwrap().contains("differ in more than"),
        "{b41:?}"
    );
}

#[test]
fn trace_completeness_counts_exporting_validators_and_names_observed_chains() {
    let (_keep, mut r) = load(&clean(), "run");
    let m = |r: &RunInput| match measure(r, "derived.trace_completeness") {
        Measure::Value { v, evidence, .. } => (v, evidence.join(" ")),
        Measure::Not(why) => panic!("not measured: {why}"),
    };
    // The synthetic simulated run: every validator exports its votes.
    let c = r.check.as_ref().expect("synthetic runs are checked").trace_completeness;
    assert!(c.validators > 0 && c.exported == c.validators, "{c:?}");
    let (v, evidence) = m(&r);
    assert_eq!(v, 1.0);
    assert!(evidence.contains("check.json#trace_completeness"), "{evidence}");
    assert!(!evidence.contains("observed"), "{evidence}");
    // A black-box adapter: one of four chains observed only, one node silent.
    let t = &mut r.check.as_mut().unwrap().trace_completeness;
    t.validators = 4;
    t.exported = 2;
    t.observed = 1;
    t.silent = 1;
    let (v, evidence) = m(&r);
    assert_eq!(v, 0.5);
    assert!(evidence.contains("2 of 4 validators export"), "{evidence}");
    assert!(evidence.contains("1 observed only") && evidence.contains("1 silent"), "{evidence}");
    // A report written before the checker counted: the trace scan decides.
    r.check.as_mut().unwrap().trace_completeness = Default::default();
    let (v, evidence) = m(&r);
    assert_eq!(v, 1.0);
    assert!(evidence.starts_with("trace.jsonl: cons.* events from"), "{evidence}");
}
