//! The business workload programs: parameters, genesis, and their expectations against a chain
//! made of the reference model (correct, with shuffled blocks; and with one rule broken).

mod model_chain;

use model_chain::ModelChain;
use proptest::prelude::*;
use std::collections::BTreeMap;
use touchstone_core::engine::{self, RunOptions, RunResult};
use touchstone_core::program::{self, compliance_cases, CaseResult, Expected};
use touchstone_core::scenario::{RateSpec, Scenario, ScenarioBuilder, ScenarioKind};
use touchstone_core::time::NS_PER_MS;
use touchstone_core::trace::MemoryTrace;
use touchstone_core::{Reason, Seed};

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

fn burst(count: u64, within_ms: u64) -> RateSpec {
    RateSpec::Burst { count, at: 0, within: within_ms * NS_PER_MS }
}

fn run(s: &Scenario, chain: &mut ModelChain) -> RunResult {
    let p = program::build(&s.workload, Seed(3), s.network.validators).expect("program builds");
    engine::run_program(s, p, chain, Seed(3), &mut MemoryTrace::default(), RunOptions::default())
        .expect("run")
}

fn failures(r: &RunResult) -> Vec<&CaseResult> {
    r.metrics.conformance.iter().filter(|c| !c.passed).collect()
}

/// Runs against a correct chain that settles each block in a shuffled order: every case and
/// every result row must pass.
fn all_pass(s: &Scenario) -> RunResult {
    let r = run(s, &mut ModelChain::correct(50 * NS_PER_MS, true));
    let bad = failures(&r);
    assert!(
        bad.is_empty(),
        "{} of {} rows failed, e.g. {:#?}",
        bad.len(),
        r.metrics.conformance.len(),
        &bad[..bad.len().min(3)]
    );
    assert!(r.metrics.program_summary.is_some());
    r
}

fn rejected_expected(r: &RunResult, reason: Reason) -> usize {
    r.metrics
        .conformance
        .iter()
        .filter(
            |c| matches!(&c.expected, Expected::Reject { reasons } if reasons.contains(&reason)),
        )
        .count()
}

#[test]
fn params_errors_are_located_with_a_suggestion() {
    let text = "name = \"d\"\nkind = \"compliance\"\n[workload]\nprogram = \"dividend\"\n[workload.params]\nholdrs = 10\nfrozen = -1\n[[workload.phases]]\nduration = \"1s\"\nrate = { type = \"constant\", tps = 1 }\n";
    let e = touchstone_core::scenario::parse(text, "d.toml").unwrap_err();
    let d = e.diagnostics();
    let holdrs =
        d.iter().find(|d| d.field == "workload.params.holdrs").expect("unknown key reported");
    assert_eq!((holdrs.line, holdrs.column), (6, 1));
    assert!(holdrs.message.contains("did you mean `holders`"), "{holdrs}");
    let frozen =
        d.iter().find(|d| d.field == "workload.params.frozen").expect("bad value reported");
    assert_eq!(frozen.line, 7);
    let bad_program =
        touchstone_core::scenario::parse(&text.replace("\"dividend\"", "\"dividnd\""), "d.toml")
            .unwrap_err();
    assert!(bad_program.to_string().contains("did you mean `dividend`"), "{bad_program}");
}

#[test]
fn every_program_takes_its_defaults_and_names_unknown_keys() {
    let bogus: BTreeMap<String, toml::Value> = toml::from_str("bogus = 1").unwrap();
    for name in program::PROGRAMS {
        assert!(program::check_params(name, &BTreeMap::new()).is_empty(), "{name}");
        let errs = program::check_params(name, &bogus);
        assert_eq!(errs.len(), 1, "{name}: {errs:?}");
        assert_eq!(errs[0].0.to_string(), "workload.params.bogus");
    }
    let cross: BTreeMap<String, toml::Value> =
        toml::from_str("holders = 10\nfrozen = 8\nunverified = 8").unwrap();
    let errs = program::check_params("dividend", &cross);
    assert!(errs.iter().any(|e| e.0.to_string() == "workload.params.unverified"), "{errs:?}");
}

#[test]
fn every_genesis_is_consistent() {
    for name in program::PROGRAMS.iter().filter(|n| **n != "payments") {
        let s = scenario(name, "", &[("p", 1000, constant(1.0))]);
        let mut p = program::build(&s.workload, Seed(1), 4).unwrap();
        let g = p.genesis();
        let assets: Vec<&str> = g.assets.iter().map(|a| a.0.as_str()).collect();
        for (acct, asset, amount) in &g.balances {
            assert!(assets.contains(&asset.as_str()), "{name}: {acct} holds unknown {asset}");
            assert!(*amount > 0 || name == &"netting", "{name}: zero balance for {acct}");
        }
        for (inst, _, _) in &g.claims {
            assert!(g.institutions.contains(inst), "{name}: claim by unlicensed {inst}");
        }
        let m = g.model();
        for a in &assets {
            let sum: u128 = g.balances.iter().filter(|b| b.1 == *a).map(|b| b.2).sum();
            assert_eq!(m.supply(a), sum, "{name}: {a}");
        }
        for (a, r) in &g.reserves {
            assert!(m.supply(a) <= *r, "{name}: supply of {a} above its reserve");
        }
    }
}

#[test]
fn dividend_pays_each_eligible_holder_once_and_discloses_dust() {
    let s = scenario(
        "dividend",
        "holders = 200\nfrozen = 6\nunverified = 4\ndeclared = 1000003",
        &[("events", 2000, constant(100.0)), ("distribution", 3000, burst(200, 1000))],
    );
    let r = all_pass(&s);
    assert_eq!(r.metrics.conformance.len(), 10 + 200 + 2);
    assert_eq!(rejected_expected(&r, Reason::FrozenReceiver), 6);
    assert_eq!(rejected_expected(&r, Reason::InvalidReceiver), 4);
    let sum = r.metrics.program_summary.as_ref().unwrap();
    let total: u64 = ["paid", "withheld", "dust"].iter().map(|k| sum[k].as_u64().unwrap()).sum();
    assert_eq!(total, 1_000_003);
    assert_eq!(sum["eligible"], 190);
}

#[test]
fn rebalance_settles_pairs_whole_in_any_order() {
    let s = scenario(
        "rebalance",
        "pairs = 600\nparticipants = 40\nsecurities = 3\nfail_share = 0.1",
        &[("auction", 2000, burst(600, 500))],
    );
    let r = all_pass(&s);
    let failing = rejected_expected(&r, Reason::InsufficientBalance);
    assert!((30..=100).contains(&failing), "{failing} failing pairs");
    assert_eq!(r.metrics.conformance.len(), 600 + 2);
}

#[test]
fn netting_settles_fundable_cycles_and_queues_the_rest() {
    let s = scenario(
        "netting",
        "cycles = 40\ngross_probes = 5\nunfundable_share = 0.2",
        &[("gross", 1000, constant(20.0)), ("netting", 2000, constant(100.0))],
    );
    let r = all_pass(&s);
    let sum = r.metrics.program_summary.clone().unwrap();
    assert_eq!(sum["settled"].as_u64().unwrap() + sum["queued"].as_u64().unwrap(), 40);
    assert!(sum["net_value"].as_u64() < sum["gross_value"].as_u64());
    assert!(rejected_expected(&r, Reason::InsufficientBalance) >= 5);
}

#[test]
fn double_spend_pairs_commit_at_most_once() {
    let s = scenario("double_spend", "pairs = 50", &[("race", 1000, burst(100, 0))]);
    let r = all_pass(&s);
    let rows: Vec<_> =
        r.metrics.conformance.iter().filter(|c| c.indicator == "A.no_double_spend").collect();
    assert_eq!(rows.len(), 50);
    assert!(
        rows.iter().all(|c| c.reason.as_deref() == Some("BAD_NONCE") && c.notice_ns.is_some()),
        "{:?}",
        rows[0]
    );
}

#[test]
fn rollback_expects_each_invalid_kind_with_its_reason() {
    let s = scenario(
        "rollback",
        "accounts = 100\ninvalid_share = 0.3",
        &[("load", 5000, constant(200.0))],
    );
    let r = all_pass(&s);
    for reason in [
        Reason::InsufficientBalance,
        Reason::InvalidReceiver,
        Reason::BadNonce,
        Reason::BadSignature,
        Reason::Malformed,
    ] {
        assert!(rejected_expected(&r, reason) > 10, "{reason:?}");
    }
}

#[test]
fn compliance_cases_all_pass_on_a_correct_chain_and_predictions_match() {
    let s =
        scenario("compliance", "cases = 400\ninvestors = 20", &[("cases", 60_000, constant(50.0))]);
    let r = all_pass(&s);
    let cases = &r.metrics.conformance;
    assert_eq!(cases.len(), 400);
    for ind in ["D1.1", "D1.2", "D2.1", "D2.2", "D2.3", "D3.1", "D3.2", "D5.1", "E2.1"] {
        assert!(cases.iter().any(|c| c.indicator == ind), "no {ind} case");
    }
    let rejects = cases.iter().filter(|c| c.expected != Expected::Commit).count();
    assert!(rejects > 100 && rejects < 350, "{rejects} rejects");
    assert!(
        cases.iter().all(|c| c.predicted.as_ref().is_none_or(|p| *p == c.expected)),
        "the pre-check agrees with the model"
    );
}

#[test]
fn a_chain_that_ignores_partial_freezes_fails_exactly_those_cases() {
    let s = scenario(
        "compliance",
        "cases = 1500\ninvestors = 20",
        &[("cases", 200_000, constant(50.0))],
    );
    let mut chain = ModelChain::ignoring_partial_freezes(50 * NS_PER_MS);
    let r = run(&s, &mut chain);
    let failed: Vec<&CaseResult> =
        r.metrics.conformance.iter().filter(|c| !c.passed && c.tx.starts_with('t')).collect();
    assert!(!failed.is_empty(), "the broken rule went unnoticed");
    for c in &failed {
        let tx = touchstone_core::TxId::parse(&c.tx).unwrap();
        assert!(chain.suspects.contains(&tx), "{c:?} failed but the broken rule did not decide it");
        assert_eq!(
            c.expected,
            Expected::Reject { reasons: vec![Reason::InsufficientBalance] },
            "{c:?}"
        );
        assert_eq!(c.observed, "committed");
    }
    // And every suspect the model refused is reported.
    assert_eq!(
        failed.len(),
        chain
            .suspects
            .iter()
            .filter(|t| r
                .metrics
                .conformance
                .iter()
                .any(|c| c.tx == t.to_string() && c.expected != Expected::Commit))
            .count()
    );
}

#[test]
fn kyc_revocation_fails_dependent_transfers_after_the_change() {
    let s = scenario(
        "kyc_revocation",
        "investors = 30",
        &[("before", 3000, constant(100.0)), ("after", 5000, constant(100.0))],
    );
    let r = all_pass(&s);
    assert!(rejected_expected(&r, Reason::InvalidReceiver) > 5);
    assert!(rejected_expected(&r, Reason::InvalidSender) > 5);
    assert!(rejected_expected(&r, Reason::ProductNotAdmitted) > 5);
    let before = r
        .metrics
        .conformance
        .iter()
        .filter(|c| c.label == "transfer before the revocation")
        .count();
    assert!(before > 100);
}

#[test]
fn reserve_run_keeps_supply_under_the_reserve() {
    let s = scenario(
        "reserve",
        "holders = 100\nmints = 9",
        &[("run", 2000, burst(100, 500)), ("mints", 5000, constant(50.0))],
    );
    let r = all_pass(&s);
    assert_eq!(rejected_expected(&r, Reason::ReserveExceeded), 3);
    assert_eq!(rejected_expected(&r, Reason::Unauthorized), 3);
    assert!(r
        .metrics
        .conformance
        .iter()
        .any(|c| c.label == "stablecoin supply ≤ attested reserve after every commit" && c.passed));
}

#[test]
fn programs_replay_from_their_seed() {
    let s = scenario("rollback", "accounts = 50", &[("load", 2000, constant(100.0))]);
    let a = run(&s, &mut ModelChain::correct(50 * NS_PER_MS, true));
    let b = run(&s, &mut ModelChain::correct(50 * NS_PER_MS, true));
    assert_eq!(
        serde_json::to_string(&a.metrics.conformance).unwrap(),
        serde_json::to_string(&b.metrics.conformance).unwrap()
    );
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(24))]
    /// Random compliance case sequences replay to the same outcomes on a fresh model, and every
    /// asset's supply stays the sum of its balances.
    #[test]
    fn compliance_sequences_replay_and_conserve(seed in any::<u64>(), investors in 10u32..30) {
        let (g, ops, outs) = compliance_cases::generate(Seed(seed), investors, 300);
        let mut m = g.model();
        for (i, (op, nonce)) in ops.iter().enumerate() {
            let r = m.apply(touchstone_core::TxId(u64::MAX / 2 + 1 + i as u64), op, *nonce);
            prop_assert_eq!(r, outs[i], "case {} {:?}", i, op);
        }
        for a in compliance_cases::ASSETS {
            let sum: u128 = (0..investors).map(|i| m.balance(&format!("a{i}"), a)).sum();
            prop_assert_eq!(m.supply(a), sum, "{}", a);
        }
    }
}

/// Every shipped scenario that names a business program runs at its shipped scale on the
/// reference chain (blocks at the scenario's interval, shuffled): every case and result passes,
/// so the phases give each program the slots and time it needs.
#[test]
fn shipped_program_scenarios_pass_on_the_reference_chain() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../scenarios");
    let mut ran = Vec::new();
    let mut paths: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x == "toml"))
        .collect();
    paths.sort();
    for p in paths {
        let (s, _) = touchstone_core::scenario::load(&p).unwrap();
        if s.workload.program == "payments" {
            continue;
        }
        let r = run(&s, &mut ModelChain::correct(s.network.consensus.block_interval, true));
        let bad = failures(&r);
        assert!(
            bad.is_empty(),
            "{}: {} of {} rows failed, e.g. {:#?}",
            s.name,
            bad.len(),
            r.metrics.conformance.len(),
            &bad[..bad.len().min(3)]
        );
        assert_eq!(r.metrics.measured.unknown, 0, "{}", s.name);
        if let Some(max) = s.criteria.completion_max {
            assert!(r.metrics.measured.completion_ns.unwrap_or(0) <= max, "{}: completion", s.name);
        }
        ran.push(s.name);
    }
    assert!(ran.len() >= 8, "{ran:?}");
}

#[test]
fn spam_floods_ten_invalid_per_honest_and_none_of_them_commits() {
    let s = scenario(
        "spam",
        "accounts = 100\nspammers = 10",
        &[("quiet", 2000, constant(100.0)), ("flood", 2000, constant(1100.0))],
    );
    let r = run(&s, &mut ModelChain::correct(50 * NS_PER_MS, true));
    let summary = r.metrics.program_summary.expect("a summary");
    let phases = summary["phases"].as_array().unwrap();
    let (quiet, flood) = (&phases[0], &phases[1]);
    assert_eq!((quiet["flood"].as_bool(), flood["flood"].as_bool()), (Some(false), Some(true)));
    assert_eq!(quiet["invalid_sent"], 0);
    assert_eq!(quiet["honest_committed"], quiet["honest_sent"], "{summary}");
    let honest = flood["honest_sent"].as_u64().unwrap();
    assert_eq!(flood["invalid_sent"].as_u64().unwrap(), 10 * honest, "{summary}");
    assert_eq!(flood["honest_committed"].as_u64().unwrap(), honest, "{summary}");
    assert_eq!(flood["invalid_committed"], 0, "{summary}");
    assert_eq!(flood["invalid_rejected"], flood["invalid_sent"], "{summary}");
    for reason in ["BAD_SIGNATURE", "MALFORMED", "INSUFFICIENT_BALANCE"] {
        assert!(r.metrics.measured.reasons.get(reason).copied().unwrap_or(0) > 100, "{reason}");
    }
}
