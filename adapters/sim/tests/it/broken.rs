//! The deliberately broken PBFT variant loses agreement; the correct one does not.

use crate::common::*;
use std::path::Path;

fn shipped() -> touchstone_core::scenario::Scenario {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../scenarios/byzantine-pbft-small-quorum.toml");
    touchstone_core::scenario::load(&path).expect("the shipped scenario is valid").0
}

#[test]
fn small_quorum_pbft_loses_agreement_within_a_bounded_seed_search() {
    let s = shipped();
    let found = (1..=20u64).find_map(|seed| run(&s, seed).disagreement().map(|d| (seed, d)));
    let (seed, (h, a, b)) =
        found.expect("no disagreement in 20 seeds: the broken variant should break");
    eprintln!("small_quorum: {a} and {b} disagree at height {h} with seed {seed}");
}

#[test]
fn shipped_seed_of_the_broken_scenario_disagrees() {
    let r = run(&shipped(), 1);
    assert!(
        r.disagreement().is_some(),
        "seed 1 of byzantine-pbft-small-quorum must lose agreement"
    );
    assert_eq!(r.byzantine(), vec!["n0".to_string()]);
}

#[test]
fn correct_pbft_keeps_agreement_under_the_same_attack() {
    let mut s = shipped();
    s.network.variant = None;
    for seed in 1..=5 {
        let r = run(&s, seed);
        assert!(r.disagreement().is_none(), "{}", replay(&s, seed));
        for n in ["n1", "n2", "n3"] {
            assert!(r.height(n) > 1, "{n} should keep deciding: {}", replay(&s, seed));
        }
    }
}
