//! The checker's former blind spots (issue 20), each injected into the project's own fixtures
//! (the builder's clean trace): the checker must report each with the right property and
//! culprit, and keep checking the rest of the trace.

use serde_json::json;
use touchstone_check::{CheckOptions, Limits, Verdict};

use crate::builder::{clean, findings, node, only_finding, verdict, T};

/// The clean trace, one more height (4) proposed by n0 whose votes and decisions the test writes.
fn clean_then_height_4() -> T {
    let mut t = clean();
    t.lines.pop(); // run.end: the test adds more
    t.propose(0, 4, 0, "B4");
    t
}

#[test]
fn a_short_cert_justified_only_by_later_votes_is_a_quorum_finding() {
    let mut t = clean_then_height_4();
    for i in 0..4 {
        t.vote(i, 4, 0, "prevote", Some("B4"));
    }
    t.vote(0, 4, 0, "precommit", Some("B4")).vote(1, 4, 0, "precommit", Some("B4"));
    t.decide(0, 4, "B4", &[0, 1], &[]);
    // The stragglers' precommits arrive after the decision: they cannot justify it.
    t.vote(2, 4, 0, "precommit", Some("B4")).vote(3, 4, 0, "precommit", Some("B4"));
    let f = only_finding(&t.check(), "quorum", &["n0"], Some(4));
    assert!(f.message.contains("cert of power 2 of 4"), "{}", f.message);
    // Without the cert, the votes before the decision are what counts: two of four.
    let mut t = clean_then_height_4();
    for i in 0..4 {
        t.vote(i, 4, 0, "prevote", Some("B4"));
    }
    t.vote(0, 4, 0, "precommit", Some("B4")).vote(1, 4, 0, "precommit", Some("B4"));
    t.push(
        json!({"kind":"cons.decide","node":"n0","height":4,"round":0,"block":"B4","parent":"B3"}),
    );
    t.vote(2, 4, 0, "precommit", Some("B4")).vote(3, 4, 0, "precommit", Some("B4"));
    let f = only_finding(&t.check(), "quorum", &["n0"], Some(4));
    assert!(f.message.contains("only on line"), "{}", f.message);
}

#[test]
fn an_unjustified_precommit_is_a_vote_justification_finding() {
    let mut t = clean_then_height_4();
    t.vote(0, 4, 0, "prevote", Some("B4")).vote(1, 4, 0, "prevote", Some("B4"));
    // n1 precommits with two prevotes of four: no +2/3.
    t.vote(1, 4, 0, "precommit", Some("B4"));
    t.vote(2, 4, 0, "prevote", Some("B4")).vote(3, 4, 0, "prevote", Some("B4"));
    for i in [0, 2, 3] {
        t.vote(i, 4, 0, "precommit", Some("B4"));
    }
    for i in 0..4 {
        t.decide(i, 4, "B4", &[0, 1, 2, 3], &[]);
    }
    let r = t.check();
    let f = only_finding(&r, "vote_justification", &["n1"], Some(4));
    assert!(f.message.contains("prevote power 2 of 4"), "{}", f.message);
    assert_eq!(f.lines.len(), 2, "the first prevote and the precommit: {:?}", f.lines);
    // A trace that declares no family is not judged: not evaluated, not passed.
    let mut t = clean_then_height_4();
    t.lines[0].as_object_mut().unwrap().remove("family");
    t.vote(1, 4, 0, "precommit", Some("B4"));
    assert_eq!(verdict(&t.check(), "vote_justification"), Verdict::NotEvaluated);
}

#[test]
fn pbft_commits_need_a_prepare_quorum_and_raft_decisions_a_majority_of_acknowledgements() {
    let mut t = T::new("pbft", 4);
    t.family("pbft");
    t.propose(0, 1, 0, "B1"); // the pre-prepare counts as n0's prepare
    t.vote(1, 1, 0, "prepare", Some("B1"));
    t.vote(2, 1, 0, "commit", Some("B1")); // two prepares of four
    t.vote(2, 1, 0, "prepare", Some("B1"));
    only_finding(&t.check(), "vote_justification", &["n2"], Some(1));
    let mut t = T::new("raft", 3);
    t.family("raft");
    t.propose(0, 1, 1, "E1").vote(0, 1, 1, "vote", Some("E1"));
    // The leader applies the entry on its own acknowledgement: one of three.
    t.push(json!({"kind":"cons.decide","node":"n0","height":1,"round":1,"block":"E1","cert":{"signers":["n0","n1"]}}));
    t.vote(1, 1, 1, "vote", Some("E1"));
    let f = only_finding(&t.check(), "vote_justification", &["n0"], Some(1));
    assert!(f.message.contains("power 1 of 3"), "{}", f.message);
}

/// A HotStuff chain B1 ← B2 ← B3 (views 1, 2, 3) voted by everyone: voting for B3 locks B1.
fn hotstuff_chain() -> T {
    let mut t = T::new("hotstuff", 4);
    t.family("hotstuff");
    let mut parent = "G".to_string();
    for v in 1..=3u64 {
        let b = format!("B{v}");
        t.push(json!({"kind":"cons.propose","node":node(v as usize % 4),"height":v,"round":v,"block":b,"parent":parent}));
        for i in 0..4 {
            t.vote(i, v, v, "vote", Some(&b));
        }
        parent = b;
    }
    t
}

#[test]
fn a_hotstuff_vote_that_breaks_its_lock_is_a_vote_justification_finding() {
    // A proposal in view 4 forking off below the lock (parent G, whose certificate is older
    // than the lock on B1): voting for it breaks the locking rule.
    let mut t = hotstuff_chain();
    t.push(
        json!({"kind":"cons.propose","node":"n0","height":1,"round":4,"block":"F1","parent":"G"}),
    );
    t.vote(2, 1, 4, "vote", Some("F1"));
    let f = only_finding(&t.check(), "vote_justification", &["n2"], Some(1));
    assert!(f.message.contains("does not extend its locked block"), "{}", f.message);
    // The same fork carrying a certificate newer than the lock is safe to vote for.
    let mut t = hotstuff_chain();
    t.push(
        json!({"kind":"cons.propose","node":"n0","height":1,"round":4,"block":"F1","parent":"G",
        "justify":{"block":"G","round":3}}),
    );
    t.vote(2, 1, 4, "vote", Some("F1"));
    let r = t.check();
    assert!(findings(&r, "vote_justification").is_empty(), "{}", r.render_text());
    assert_eq!(verdict(&r, "vote_justification"), Verdict::Pass);
}

#[test]
fn a_same_view_fork_at_two_heights_is_an_equivocation() {
    let mut t = hotstuff_chain();
    t.push(
        json!({"kind":"cons.propose","node":"n1","height":5,"round":5,"block":"X5","parent":"B3"}),
    );
    t.push(
        json!({"kind":"cons.propose","node":"n1","height":4,"round":5,"block":"X4","parent":"B3"}),
    );
    let r = t.check();
    only_finding(&r, "equivocation", &["n1"], Some(4));
    assert_eq!(r.equivocations[0].what, "proposal in one view");
    assert!(r.view_based);
    // Votes too: one vote per view, whatever height it claims.
    let mut t = hotstuff_chain();
    t.push(
        json!({"kind":"cons.propose","node":"n0","height":4,"round":4,"block":"B4","parent":"B3"}),
    );
    t.vote(3, 4, 4, "vote", Some("B4")).vote(3, 5, 4, "vote", Some("Z5"));
    only_finding(&t.check(), "equivocation", &["n3"], Some(5));
    // Not view-based (PBFT: many sequence numbers per view): no finding.
    let mut t = T::new("pbft", 4);
    t.family("pbft");
    t.propose(0, 1, 0, "B1").propose(0, 2, 0, "B2");
    assert!(t.check().equivocations.is_empty());
}

#[test]
fn a_stalled_run_fails_progress_and_a_run_that_decides_nothing_never_passes() {
    // Clean until height 3, then a transaction waits 15 s with every validator up.
    let mut t = clean();
    t.lines.pop();
    t.submit("t9", "transfer", Some("alice"), Some("bob"), 1, 2);
    t.wait(15_000_000_000);
    let r = t.check();
    let f = only_finding(&r, "progress", &[], Some(4));
    assert!(f.message.contains("no height above 3"), "{}", f.message);
    let p = r.progress.as_ref().expect("progress statistics");
    assert_eq!(p.gaps_over_bound.len(), 1);
    assert!(
        p.gaps_over_bound[0].to_ns.is_none() && p.gaps_over_bound[0].counted_ns >= 15_000_000_000
    );
    assert!(r.properties.iter().any(|p| p.id == "progress" && p.is_gate));
    // Nothing decided at all, votes cast, a quorum up: never a pass.
    let mut t = T::new("tendermint", 4);
    t.submit("t1", "transfer", Some("a"), Some("b"), 1, 1);
    t.vote(0, 1, 0, "prevote", None).wait(12_000_000_000);
    let f = only_finding(&t.check(), "progress", &[], None);
    assert!(f.message.contains("nothing decided"), "{}", f.message);
    // ... unless no quorum was up: a 2|2 partition is not the protocol's fault.
    let mut t = T::new("tendermint", 4);
    t.push(json!({"kind":"fault.start","fault":"p","type":"partition","targets":[["n0","n1"],["n2","n3"]]}));
    t.submit("t1", "transfer", Some("a"), Some("b"), 1, 1);
    t.vote(0, 1, 0, "prevote", None).wait(12_000_000_000);
    let r = t.check();
    assert_ne!(verdict(&r, "progress"), Verdict::Fail, "{}", r.render_text());
    assert_ne!(verdict(&r, "progress"), Verdict::Pass);
}

#[test]
fn an_overflowing_balance_is_a_finding_and_the_rest_is_still_checked() {
    let mut t = clean();
    t.lines.pop();
    // A wrapped balance (u128::MAX) in a snapshot: conservation names the node.
    t.push(json!({"kind":"state.snapshot","node":"n3","height":3,"supply":{"EUR":90},
        "balances":{"alice":{"EUR":70},"bob":{"EUR":"340282366920938463463374607431768211455"}}}));
    // And a fork at height 4, after it: still found.
    t.propose(0, 4, 0, "B4").propose(1, 4, 0, "X4");
    t.decide(0, 4, "B4", &[0, 1, 2, 3], &[]).decide(1, 4, "X4", &[0, 1, 2, 3], &[]);
    let r = t.check();
    let c = findings(&r, "conservation");
    assert_eq!((c.len(), c[0].nodes.clone()), (1, vec!["n3".to_string()]), "{}", r.render_text());
    assert!(c[0].message.contains("beyond 10^36"), "{}", c[0].message);
    assert_eq!(findings(&r, "agreement").len(), 1, "{}", r.render_text());
    // A decided transfer of an amount no ledger holds: no_double_spend, with its line.
    let mut t = clean();
    t.lines.pop();
    t.push(json!({"kind":"tx.submit","tx":"big","client":"c0","op":"transfer","from":"alice","to":"bob",
        "asset":"EUR","amount":"9999999999999999999999999999999999999999","nonce":9}));
    t.height(4, &[0, 1, 2, 3], &["big"]);
    let f = only_finding(&t.check(), "no_double_spend", &["n0"], Some(4));
    assert!(f.message.contains("out of range"), "{}", f.message);
    assert_eq!(f.lines.len(), 2, "the decision and the submission: {:?}", f.lines);
}

#[test]
fn too_many_blocks_at_one_height_leave_that_height_unjudged_not_the_trace() {
    let opts = CheckOptions {
        limits: Limits { max_blocks_per_height: 8, ..Limits::default() },
        ..CheckOptions::default()
    };
    let mut t = clean();
    t.lines.pop();
    for i in 0..20 {
        t.propose(3, 4, 0, &format!("junk{i}"));
    }
    t.propose(0, 5, 0, "B5").propose(1, 5, 0, "X5");
    t.decide(0, 5, "B5", &[0, 1, 2, 3], &[]).decide(1, 5, "X5", &[0, 1, 2, 3], &[]);
    let r = touchstone_check::check_reader(t.text().as_bytes(), "t", &opts).expect("checked");
    assert_eq!(findings(&r, "agreement").len(), 1, "{}", r.render_text());
    assert!(r.notes.iter().any(|n| n.contains("heights [4]")), "{:?}", r.notes);
}

#[test]
fn after_a_partition_without_quorum_progress_allows_as_long_again_to_recover() {
    // 8 s of a 2|2 split with a transaction waiting, then the heal: a protocol whose timers
    // backed off may take about as long to resume. 7 s is fine; 20 s is not.
    for (wait_after_heal, fails) in [(7_000_000_000u64, false), (20_000_000_000, true)] {
        let mut t = clean();
        t.lines.pop();
        t.push(json!({"kind":"fault.start","fault":"h","type":"partition","targets":[["n0","n1"],["n2","n3"]]}));
        t.submit("t9", "transfer", Some("alice"), Some("bob"), 1, 2);
        t.wait(8_000_000_000).push(json!({"kind":"net.heal"}));
        t.wait(wait_after_heal);
        t.height(4, &[0, 1, 2, 3], &["t9"]);
        t.result("t9", "committed", Some(4));
        let r = t.check();
        let got = verdict(&r, "progress");
        assert_eq!(got == Verdict::Fail, fails, "after {wait_after_heal} ns: {}", r.render_text());
    }
}

#[test]
fn a_locked_tendermint_node_prevoting_another_block_without_a_proof_of_lock_is_named() {
    // Round 0: a prevote quorum for B4; n1 precommits it (locks it); no decision. n1 then
    // prevotes Y4 in `round`, after the others' prevotes for Y4 in `polka_round`, if any.
    let trace = |polka_round: Option<u64>, round: u64| {
        let mut t = clean_then_height_4();
        for i in 0..3 {
            t.vote(i, 4, 0, "prevote", Some("B4"));
        }
        t.vote(1, 4, 0, "precommit", Some("B4"));
        t.propose(1, 4, round, "Y4");
        if let Some(pr) = polka_round {
            for i in [0, 2, 3] {
                t.vote(i, 4, pr, "prevote", Some("Y4"));
            }
        }
        t.vote(1, 4, round, "prevote", Some("Y4"));
        t.check()
    };
    let f = only_finding(&trace(None, 1), "vote_justification", &["n1"], Some(4));
    assert!(f.message.contains("while locked on B4 since round 0"), "{}", f.message);
    // A quorum for Y4 in the vote's own round is no proof of lock for it.
    let r = trace(Some(1), 1);
    assert_eq!(findings(&r, "vote_justification").len(), 1, "{}", r.render_text());
    // One in a round from the lock's on, before the vote's, is.
    let r = trace(Some(1), 2);
    assert!(findings(&r, "vote_justification").is_empty(), "{}", r.render_text());
    assert_eq!(verdict(&r, "vote_justification"), Verdict::Pass);
}
