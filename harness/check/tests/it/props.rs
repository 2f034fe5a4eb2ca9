//! One passing and one failing hand-written trace per property.

use serde_json::json;
use touchstone_check::{Property, Verdict};

use crate::builder::{clean, findings, only_finding, verdict, T};

fn set(r: &touchstone_check::CheckReport) -> Vec<(String, Vec<String>, Option<u64>)> {
    r.findings.iter().map(|f| (f.property.clone(), f.nodes.clone(), f.height)).collect()
}

fn s(v: &[&str]) -> Vec<String> {
    v.iter().map(|x| x.to_string()).collect()
}

/// Two clean heights.
fn base() -> T {
    let mut t = T::new("tendermint", 4);
    t.height(1, &[0, 1, 2, 3], &[]);
    t
}

#[test]
fn clean_trace_passes_every_property() {
    let r = clean().check();
    for p in Property::ALL {
        // The cross-chain properties (trace format 1.2) are not evaluated on a single chain.
        let want = if p.is_cross_chain() { Verdict::NotEvaluated } else { Verdict::Pass };
        assert_eq!(verdict(&r, p.id()), want, "{p}: {}", r.render_text());
    }
    assert!(r.passed() && r.findings.is_empty());
    assert_eq!(r.properties.len(), Property::COUNT);
    let l = r.liveness.clone().expect("liveness stats");
    assert_eq!(l.nodes_expected, 4);
    assert!(l.time_to_first_decision_ns.is_some());
    assert!(r.render_text().starts_with("PASSED"));
}

#[test]
fn empty_run_evaluates_nothing_and_passes_nothing() {
    let r = T::new("pbft", 4).check();
    for p in &r.properties {
        assert_eq!(p.verdict, Verdict::NotEvaluated, "{}", p.id);
        assert!(p.reason.is_some());
    }
    assert!(r.passed());
    assert!(r.render_text().contains("NOT EVALUATED"));
}

#[test]
fn agreement_fails_on_a_different_block() {
    let mut t = base();
    t.propose(2, 2, 0, "B2").propose(3, 2, 0, "X2");
    for i in 0..3 {
        t.decide(i, 2, "B2", &[0, 1, 2, 3], &[]);
    }
    t.decide(3, 2, "X2", &[0, 1, 2, 3], &[]);
    let r = t.check();
    assert_eq!(
        set(&r),
        vec![
            ("agreement".into(), s(&["n0", "n3"]), Some(2)),
            ("accountability".into(), vec![], Some(2)),
        ]
    );
    assert_eq!(verdict(&r, "agreement"), Verdict::Fail);
    // Scenario `unit` is no script Touchstone knows here: no replay command (1.1, resolution 12).
    assert_eq!(r.findings[0].replay, None);
    let opts = touchstone_check::CheckOptions {
        replay_scenarios: [("unit".to_string(), "scenarios/unit.toml".to_string())].into(),
        replay_adapters: vec!["sim".into()],
        ..Default::default()
    };
    let r = touchstone_check::check_reader(t.text().as_bytes(), "t.jsonl", &opts).unwrap();
    let replay = "touchstone run scenarios/unit.toml --adapter sim --seed 42";
    assert_eq!(r.findings[0].replay.as_deref(), Some(replay));
}

#[test]
fn integrity_fails_when_a_node_decides_twice() {
    let mut t = base();
    t.propose(2, 1, 1, "X1");
    t.push(json!({"kind":"cons.decide","node":"n1","height":1,"round":1,"block":"X1","cert":{"signers":["n0","n1","n2","n3"]}}));
    only_finding(&t.check(), "integrity", &["n1"], Some(1));
    assert_eq!(verdict(&base().check(), "integrity"), Verdict::Pass);
}

#[test]
fn chain_fails_on_a_wrong_parent() {
    let mut t = base();
    t.propose(2, 2, 0, "B2");
    t.push(json!({"kind":"cons.decide","node":"n2","height":2,"round":0,"block":"B2","parent":"Z","cert":{"signers":["n0","n1","n2"]}}));
    only_finding(&t.check(), "chain", &["n2"], Some(2));
}

#[test]
fn chain_fails_on_a_gap() {
    let mut t = base();
    t.height(2, &[0, 1, 2], &[]);
    t.propose(3, 3, 0, "B3");
    t.decide(3, 3, "B3", &[0, 1, 2], &[]);
    let r = t.check();
    let f = only_finding(&r, "chain", &["n3"], Some(2));
    assert!(f.message.contains("missing 2..=2"), "{}", f.message);
}

#[test]
fn validity_fails_on_an_unproposed_block() {
    let mut t = base();
    t.decide(0, 2, "B2", &[0, 1, 2, 3], &[]);
    only_finding(&t.check(), "validity", &["n0"], Some(2));
}

#[test]
fn validity_and_phantom_fail_on_an_unsubmitted_tx() {
    let mut t = clean();
    t.propose(0, 4, 0, "B4");
    t.decide(0, 4, "B4", &[0, 1, 2, 3], &["ghost"]);
    let r = t.check();
    assert_eq!(
        set(&r),
        vec![
            ("validity".into(), s(&["n0"]), Some(4)),
            ("no_phantom_tx".into(), s(&["n0"]), Some(4)),
        ]
    );
    // The replay cannot be trusted: conservation is not evaluated, not passed.
    assert_eq!(verdict(&r, "conservation"), Verdict::NotEvaluated);
}

#[test]
fn quorum_fails_on_a_small_cert() {
    let mut t = base();
    t.propose(2, 2, 0, "B2").vote(0, 2, 0, "precommit", Some("B2")).vote(
        1,
        2,
        0,
        "precommit",
        Some("B2"),
    );
    t.decide(0, 2, "B2", &[0, 1], &[]);
    let f = only_finding(&t.check(), "quorum", &["n0"], Some(2));
    assert!(f.message.contains("power 2 of 4"), "{}", f.message);
    assert_eq!(f.round, Some(0));
}

#[test]
fn quorum_fails_on_outside_and_repeated_signers() {
    let mut t = base();
    t.propose(2, 2, 0, "B2");
    t.push(json!({"kind":"cons.decide","node":"n0","height":2,"round":0,"block":"B2","cert":{"signers":["n0","n1","n2","x9","n1"]}}));
    let f = only_finding(&t.check(), "quorum", &["n0"], Some(2));
    assert!(f.message.contains("outside the validator set: x9"), "{}", f.message);
    assert!(f.message.contains("repeated: n1"), "{}", f.message);
}

#[test]
fn quorum_is_justified_by_votes_without_cert() {
    let mut t = base();
    t.propose(2, 2, 0, "B2");
    for i in 0..3 {
        t.vote(i, 2, 0, "precommit", Some("B2"));
    }
    t.push(json!({"kind":"cons.decide","node":"n0","height":2,"round":0,"block":"B2"}));
    let r = t.check();
    assert!(r.findings.is_empty(), "{}", r.render_text());
    assert_eq!(verdict(&r, "quorum"), Verdict::Pass);
}

#[test]
fn conflicting_quorums_name_the_double_voter() {
    let mut t = T::new("tendermint", 4);
    t.lines[0]["quorum"] = json!({"num": 1, "den": 3});
    t.byz(3);
    t.vote(0, 2, 0, "prevote", Some("A")).vote(3, 2, 0, "prevote", Some("A"));
    t.vote(2, 2, 0, "prevote", Some("B")).vote(3, 2, 0, "prevote", Some("B"));
    let r = t.check();
    only_finding(&r, "no_conflicting_quorums", &["n3"], Some(2));
    assert_eq!(r.equivocations.len(), 1);
    assert!(r.equivocations[0].byzantine);
    assert_eq!(verdict(&base().check(), "no_conflicting_quorums"), Verdict::Pass);
}

#[test]
fn state_agreement_fails_on_a_different_app_hash() {
    let mut t = base();
    t.propose(2, 2, 0, "B2");
    t.decide(0, 2, "B2", &[0, 1, 2, 3], &[]);
    t.push(json!({"kind":"cons.decide","node":"n1","height":2,"round":0,"block":"B2","app_hash":"BAD","cert":{"signers":["n0","n1","n2"]}}));
    only_finding(&t.check(), "state_agreement", &["n0", "n1"], Some(2));
}

#[test]
fn liveness_fails_when_a_running_node_stalls_after_heal() {
    let mut t = base();
    t.push(json!({"kind":"fault.start","fault":"p","type":"partition","targets":[["n0","n1","n2"],["n3"]]}));
    t.push(json!({"kind":"net.heal"}));
    t.height(2, &[0, 1, 2], &[]);
    t.wait(11_000_000_000).push(json!({"kind":"run.end"}));
    let r = t.check();
    // The stuck node is named by liveness, and by progress: it stayed behind while up and
    // connected for longer than the bound.
    assert_eq!(
        set(&r),
        vec![("liveness".into(), s(&["n3"]), Some(2)), ("progress".into(), s(&["n3"]), Some(2)),]
    );
    assert_eq!(r.liveness.as_ref().map(|l| l.nodes_decided_in_bound), Some(3));
}

#[test]
fn liveness_excludes_crashed_nodes_and_waits_for_the_bound() {
    let mut t = base();
    t.push(json!({"kind":"fault.start","fault":"c","type":"crash","targets":["n3"]}));
    t.push(
        json!({"kind":"fault.start","fault":"p","type":"partition","targets":[["n0"],["n1","n2"]]}),
    );
    t.push(json!({"kind":"fault.stop","fault":"p"}));
    t.height(2, &[0, 1, 2], &[]);
    t.wait(11_000_000_000).push(json!({"kind":"run.end"}));
    assert_eq!(verdict(&t.check(), "liveness"), Verdict::Pass);
    // Trace ends before the bound and a node has not decided: not evaluated, not failed.
    let mut t = base();
    t.push(json!({"kind":"net.heal"}));
    t.height(2, &[0, 1, 2], &[]);
    let r = t.check();
    assert_eq!(verdict(&r, "liveness"), Verdict::NotEvaluated, "{}", r.render_text());
}

#[test]
fn equivocation_by_a_correct_node_is_a_finding() {
    let mut t = base();
    t.vote(2, 2, 0, "prevote", Some("B2")).vote(2, 2, 0, "prevote", Some("X2"));
    only_finding(&t.check(), "equivocation", &["n2"], Some(2));
    // A Byzantine one is attributed, not a finding.
    let mut t = base();
    t.byz(2).vote(2, 2, 0, "prevote", Some("B2")).vote(2, 2, 0, "prevote", None);
    let r = t.check();
    assert!(r.findings.is_empty(), "{}", r.render_text());
    assert_eq!(r.equivocations[0].node, "n2");
    assert_eq!(r.equivocations[0].blocks, ["B2".to_string(), "null".to_string()]);
}

#[test]
fn proposal_equivocation_and_false_evidence() {
    let mut t = base();
    t.propose(1, 2, 0, "B2").propose(1, 2, 0, "Y2");
    only_finding(&t.check(), "equivocation", &["n1"], Some(2));
    let mut t = base();
    t.push(json!({"kind":"evidence.detect","node":"n0","etype":"duplicate_vote","accused":["n1"],"height":1,"round":0}));
    only_finding(&t.check(), "equivocation", &["n1"], Some(1));
}

#[test]
fn accountability_fails_without_enough_culprits_and_passes_over_budget() {
    let mut t = base();
    t.byz(3);
    t.propose(2, 2, 0, "B2").propose(3, 2, 0, "X2");
    t.decide(0, 2, "B2", &[0, 1, 2, 3], &[]).decide(1, 2, "B2", &[0, 1, 2, 3], &[]);
    t.decide(2, 2, "X2", &[0, 1, 2, 3], &[]);
    t.vote(3, 2, 0, "precommit", Some("B2")).vote(3, 2, 0, "precommit", Some("X2"));
    let r = t.check();
    assert!(!r.over_budget);
    assert_eq!(findings(&r, "accountability")[0].nodes, ["n3"]);
    assert_eq!(verdict(&r, "accountability"), Verdict::Fail);
    // Over budget: two equivocators of four; safety failures are expected, accountability gates.
    let mut t = base();
    t.byz(2).byz(3);
    t.propose(2, 2, 0, "B2").propose(3, 2, 0, "X2");
    t.decide(0, 2, "B2", &[0, 1, 2, 3], &[]).decide(1, 2, "X2", &[0, 1, 2, 3], &[]);
    for b in ["B2", "X2"] {
        t.vote(2, 2, 0, "precommit", Some(b)).vote(3, 2, 0, "precommit", Some(b));
    }
    let r = t.check();
    assert!(r.over_budget);
    assert_eq!(verdict(&r, "agreement"), Verdict::Fail);
    assert_eq!(verdict(&r, "accountability"), Verdict::Pass);
    let agreement = r.properties.iter().find(|p| p.id == "agreement").unwrap();
    assert!(agreement.expected_to_fail && !agreement.is_gate);
    assert!(r.passed(), "{}", r.render_text());
    assert!(r.render_text().contains("OVER BUDGET"));
}

fn ledger_base() -> T {
    let mut t = T::new("tendermint", 4);
    t.submit("g1", "issue", None, Some("alice"), 100, 0).result("g1", "committed", Some(0));
    t
}

#[test]
fn double_spend_fails_on_a_negative_balance_and_a_reused_nonce() {
    let mut t = ledger_base();
    t.submit("t1", "transfer", Some("alice"), Some("bob"), 80, 1);
    t.submit("t2", "transfer", Some("alice"), Some("carol"), 80, 2);
    t.height(1, &[0, 1, 2, 3], &["t1", "t2"]);
    let f = only_finding(&t.check(), "no_double_spend", &["n0"], Some(1));
    assert!(f.message.contains("negative (-60)"), "{}", f.message);
    let mut t = ledger_base();
    t.submit("t1", "transfer", Some("alice"), Some("bob"), 10, 1);
    t.submit("t2", "transfer", Some("alice"), Some("bob"), 10, 1);
    t.height(1, &[0, 1, 2, 3], &["t1"]).height(2, &[0, 1, 2, 3], &["t2"]);
    let f = only_finding(&t.check(), "no_double_spend", &["n0"], Some(2));
    assert!(f.message.contains("nonce 1"), "{}", f.message);
}

#[test]
fn conservation_fails_on_a_wrong_supply() {
    let mut t = ledger_base();
    t.submit("t1", "transfer", Some("alice"), Some("bob"), 30, 1);
    t.height(1, &[0, 1, 2, 3], &["t1"]);
    t.snapshot(1, 1, 999, json!({"alice":{"EUR":70},"bob":{"EUR":30}}));
    let f = only_finding(&t.check(), "conservation", &["n1"], Some(1));
    assert!(f.message.contains("supply of EUR is 999"), "{}", f.message);
    // A partial snapshot is checked balance by balance.
    let mut t = ledger_base();
    t.submit("t1", "transfer", Some("alice"), Some("bob"), 30, 1);
    t.height(1, &[0, 1, 2, 3], &["t1"]);
    t.push(json!({"kind":"state.snapshot","node":"n2","height":1,"balances":{"bob":{"EUR":31}}}));
    only_finding(&t.check(), "conservation", &["n2"], Some(1));
}

#[test]
fn lost_tx_fails_when_a_committed_tx_is_missing() {
    let mut t = ledger_base();
    t.submit("t1", "transfer", Some("alice"), Some("bob"), 30, 1);
    t.height(1, &[0, 1, 2, 3], &[]);
    t.result("t1", "committed", Some(1));
    only_finding(&t.check(), "no_lost_tx", &["n0"], Some(1));
}

#[test]
fn phantom_fails_on_rejected_and_duplicate_txs() {
    let mut t = ledger_base();
    t.submit("t1", "transfer", Some("alice"), Some("bob"), 30, 1);
    t.result("t1", "rejected", None);
    t.height(1, &[0, 1, 2, 3], &["t1"]);
    only_finding(&t.check(), "no_phantom_tx", &[], Some(1));
    let mut t = ledger_base();
    t.submit("t1", "transfer", Some("alice"), Some("bob"), 30, 1);
    t.height(1, &[0, 1, 2, 3], &["t1"]).height(2, &[0, 1, 2, 3], &["t1"]);
    t.result("t1", "committed", Some(1));
    assert_eq!(
        set(&t.check()),
        vec![
            ("no_lost_tx".into(), s(&["n0"]), Some(1)),
            ("no_phantom_tx".into(), s(&["n0"]), Some(2)),
        ]
    );
}

#[test]
fn raft_uses_a_majority_quorum() {
    let mut t = T::new("raft", 3);
    t.propose(0, 1, 1, "B1");
    t.push(json!({"kind":"cons.decide","node":"n0","height":1,"round":1,"block":"B1","cert":{"signers":["n0","n1"]}}));
    let r = t.check();
    assert_eq!((r.quorum.num, r.quorum.den), (1, 2));
    assert_eq!(verdict(&r, "quorum"), Verdict::Pass, "{}", r.render_text());
}

#[test]
fn valset_change_applies_from_its_height() {
    let mut t = base();
    t.push(json!({"kind":"valset.change","height":2,"validators":[{"id":"n0","power":1},{"id":"n1","power":1},{"id":"n9","power":10}]}));
    t.propose(0, 2, 0, "B2");
    t.decide(0, 2, "B2", &[0, 1, 2, 3], &[]);
    let f = only_finding(&t.check(), "quorum", &["n0"], Some(2));
    assert!(f.message.contains("outside the validator set: n2,n3"), "{}", f.message);
}

#[test]
fn late_byzantine_role_clears_findings_about_that_node() {
    let mut t = base();
    t.vote(2, 2, 0, "prevote", Some("B2")).vote(2, 2, 0, "prevote", Some("X2"));
    t.byz(2);
    let r = t.check();
    assert!(r.findings.is_empty(), "{}", r.render_text());
}
