//! End to end through the engine: every protocol commits a payment load.

use crate::common::*;

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
