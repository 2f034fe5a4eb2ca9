//! Every business program through the engine on the null chain, which commits everything: the
//! cases expected to commit pass, the cases expected to be rejected are reported as failed
//! (the conformance matrix catches a chain that enforces nothing), and each program's own
//! results are computed.

use std::collections::BTreeMap;
use touchstone_core::engine::{self, RunOptions, RunResult};
use touchstone_core::program::{self, Expected};
use touchstone_core::scenario::{RateSpec, Scenario, ScenarioBuilder, ScenarioKind};
use touchstone_core::time::NS_PER_MS;
use touchstone_core::trace::MemoryTrace;
use touchstone_core::Seed;
use touchstone_null::{NullAdapter, NullConfig};

fn scenario(program: &str, params: &str, phases: &[(&str, u64, RateSpec)]) -> Scenario {
    let params: BTreeMap<String, toml::Value> = toml::from_str(params).expect("params");
    let mut b = ScenarioBuilder::new(program, ScenarioKind::Compliance);
    for (name, ms, rate) in phases {
        b = b.phase(name, ms * NS_PER_MS, rate.clone());
    }
    b.with(|s| {
        s.workload.program = program.to_string();
        s.workload.params = params;
    })
    .build()
}

fn constant(tps: f64) -> RateSpec {
    RateSpec::Constant { tps }
}

/// Runs on the null chain and checks the matrix: commits pass, expected rejections fail.
fn on_null(s: &Scenario) -> RunResult {
    let mut a = NullAdapter::new(NullConfig { delay: 20 * NS_PER_MS, ..Default::default() });
    let r = engine::run(s, &mut a, Seed(5), &mut MemoryTrace::default(), RunOptions::default())
        .expect("run");
    let cases: Vec<_> = r
        .metrics
        .conformance
        .iter()
        .filter(|c| c.tx.starts_with('t') && !c.tx.contains(','))
        .collect();
    // `double_spend` judges pairs only (which of two wins is the chain's choice).
    assert!(
        !cases.is_empty() || s.workload.program == "double_spend",
        "{}: no cases",
        s.workload.program
    );
    for c in &cases {
        assert_eq!(c.observed, "committed", "{c:?}");
        assert_eq!(c.passed, c.expected == Expected::Commit, "{c:?}");
    }
    assert!(r.metrics.program_summary.is_some());
    assert_eq!(r.metrics.program, s.workload.program);
    r
}

fn row<'a>(r: &'a RunResult, label: &str) -> &'a program::CaseResult {
    r.metrics
        .conformance
        .iter()
        .find(|c| c.label.starts_with(label))
        .unwrap_or_else(|| panic!("no row {label:?}"))
}

#[test]
fn dividend_on_null_pays_the_ineligible_and_the_results_say_so() {
    let s = scenario(
        "dividend",
        "holders = 100\nfrozen = 3\nunverified = 2",
        &[("events", 1000, constant(50.0)), ("distribution", 2000, constant(200.0))],
    );
    let r = on_null(&s);
    assert!(!row(&r, "each eligible holder paid exactly once").passed);
    assert_eq!(r.metrics.program_summary.as_ref().unwrap()["holders"], 100);
}

#[test]
fn rebalance_on_null_commits_failing_pairs_which_is_flagged() {
    let s = scenario(
        "rebalance",
        "pairs = 200\nparticipants = 20\nfail_share = 0.2",
        &[("auction", 1000, RateSpec::Burst { count: 200, at: 0, within: 200 * NS_PER_MS })],
    );
    let r = on_null(&s);
    assert!(!row(&r, "no pair half-settled").passed);
    assert!(!row(&r, "both assets conserved").passed, "failing pairs overdraw when committed");
}

#[test]
fn netting_on_null_settles_unfundable_cycles_which_is_flagged() {
    let s = scenario(
        "netting",
        "cycles = 30\nunfundable_share = 0.3\ngross_probes = 3",
        &[("gross", 500, constant(20.0)), ("netting", 1000, constant(100.0))],
    );
    let r = on_null(&s);
    assert!(!row(&r, "every cycle settled whole").passed);
}

#[test]
fn double_spend_on_null_commits_both_which_is_a_failed_pair() {
    let s = scenario(
        "double_spend",
        "pairs = 20",
        &[("race", 1000, RateSpec::Burst { count: 40, at: 0, within: 0 })],
    );
    let r = on_null(&s);
    let pairs: Vec<_> =
        r.metrics.conformance.iter().filter(|c| c.indicator == "A.no_double_spend").collect();
    assert_eq!(pairs.len(), 20);
    assert!(pairs.iter().all(|c| !c.passed && c.observed.contains("both committed")));
}

#[test]
fn rollback_on_null_fails_every_invalid_case() {
    let s = scenario(
        "rollback",
        "accounts = 50\ninvalid_share = 0.5",
        &[("load", 2000, constant(100.0))],
    );
    let r = on_null(&s);
    let failed = r.metrics.conformance.iter().filter(|c| !c.passed).count();
    assert!(failed > 50, "{failed}");
}

#[test]
fn compliance_on_null_sets_aside_what_diverged_and_stops() {
    let s =
        scenario("compliance", "cases = 300\ninvestors = 15", &[("cases", 30_000, constant(50.0))]);
    let r = on_null(&s);
    assert!(r.metrics.conformance.iter().any(|c| !c.passed));
    let sum = r.metrics.program_summary.as_ref().unwrap();
    assert!(sum["diverged"].as_u64().unwrap() > 0);
}

#[test]
fn kyc_revocation_on_null_commits_dependent_transfers_which_fail() {
    let s = scenario(
        "kyc_revocation",
        "investors = 30",
        &[("before", 1000, constant(100.0)), ("after", 2000, constant(100.0))],
    );
    let r = on_null(&s);
    assert!(r.metrics.conformance.iter().any(|c| !c.passed && c.indicator == "D5.1"));
    assert!(r.metrics.conformance.iter().any(|c| !c.passed && c.indicator == "D1.2"));
}

#[test]
fn reserve_on_null_mints_above_the_reserve_which_breaks_the_bound() {
    let s = scenario(
        "reserve",
        "holders = 50\nmints = 6",
        &[("run", 1000, constant(100.0)), ("mints", 2000, constant(50.0))],
    );
    let r = on_null(&s);
    assert!(!row(&r, "stablecoin supply ≤ attested reserve").passed);
}
