//! End to end through the engine: every protocol commits a payment load.

use crate::common::*;
use touchstone_core::program::Expected;

fn commits_everything(protocol: &str, n: usize) {
    let s = payment(protocol, n, 200.0, 2).build();
    let r = run(&s, 1);
    let m = &r.result.metrics.measured;
    assert_eq!(m.submitted, 400, "{}", replay(&s, 1));
    assert_eq!(m.committed, 400, "{protocol} n={n}: {m:?}\n{}", replay(&s, 1));
    assert!(r.disagreement().is_none());
    assert!(r.count("cons.vote") > 0 && r.count("cons.propose") > 0);
    assert_eq!(r.count("state.snapshot"), n, "one final snapshot per running node");
}

#[test]
fn pbft_n4_commits_a_payment_load() {
    commits_everything("pbft", 4);
}

#[test]
fn raft_n5_commits_a_payment_load() {
    commits_everything("raft", 5);
}

#[test]
fn tendermint_n4_commits_a_payment_load() {
    commits_everything("tendermint", 4);
}

#[test]
fn hotstuff_n4_commits_a_payment_load() {
    commits_everything("hotstuff", 4);
}

/// The shipped `failed-payment-rollback` on the honest simulator: every pre-check the engine
/// asked (each case's `can_transfer`, replays of committed payments among them) predicts the
/// outcome the chain then gives — no false D4.1 (predictability) finding.
#[test]
fn every_precheck_in_the_shipped_rollback_scenario_predicts_its_outcome() {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../scenarios/failed-payment-rollback.toml");
    let (s, _) = touchstone_core::scenario::load(&path).expect("shipped scenario");
    let r = run(&s, 1);
    let cases = &r.result.metrics.conformance;
    let predicted: Vec<_> = cases.iter().filter(|c| c.predicted.is_some()).collect();
    let replays = predicted.iter().filter(|c| c.label.contains("replay")).count();
    assert!(
        predicted.len() > 1000 && replays > 50,
        "{} predicted, {replays} replays",
        predicted.len()
    );
    let wrong: Vec<String> = predicted
        .iter()
        .filter(|c| match c.predicted.as_ref().unwrap() {
            Expected::Commit => c.observed != "committed",
            Expected::Reject { reasons } => {
                c.observed != "rejected"
                    || !reasons.iter().any(|x| Some(x.code()) == c.reason.as_deref())
            }
        })
        .map(|c| {
            format!(
                "{} (tx {}): predicted {:?}, observed {} {:?}",
                c.label, c.tx, c.predicted, c.observed, c.reason
            )
        })
        .collect();
    assert!(
        wrong.is_empty(),
        "{} mismatches, e.g. {:?}\n{}",
        wrong.len(),
        &wrong[..wrong.len().min(5)],
        replay(&s, 1)
    );
}
