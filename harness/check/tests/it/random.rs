//! Property tests: random correct traces give no finding; one injected violation gives exactly
//! its findings, naming the right culprit; no correct node is ever accused.
//!
//! Each case is a `seed` (printed by proptest on failure and kept in `proptest-regressions/`);
//! `gen::generate(seed, violation)` rebuilds the exact trace.

use proptest::prelude::*;
use touchstone_check::{check_reader, CheckOptions, CheckReport};

use crate::gen::{generate, Generated, VIOLATIONS};

fn run(g: &Generated) -> CheckReport {
    let mut text = String::new();
    for l in &g.lines {
        text.push_str(&l.to_string());
        text.push('\n');
    }
    check_reader(text.as_bytes(), "gen.jsonl", &CheckOptions::default())
        .expect("generated traces are well-formed")
}

fn got(r: &CheckReport) -> Vec<(String, Vec<String>, Option<u64>)> {
    r.findings.iter().map(|f| (f.property.clone(), f.nodes.clone(), f.height)).collect()
}

/// Properties whose findings accuse their nodes of misbehaving as correct nodes.
fn accuses(p: &str) -> bool {
    !matches!(p, "no_conflicting_quorums" | "accountability" | "no_lost_tx")
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 48, ..ProptestConfig::default() })]

    #[test]
    fn correct_traces_have_no_finding(seed in any::<u64>()) {
        let g = generate(seed, 0);
        let r = run(&g);
        prop_assert!(r.findings.is_empty(), "seed {seed}:\n{}", r.render_text());
        prop_assert!(r.passed());
        prop_assert!(!r.over_budget);
        // Byzantine equivocations are attributed, never findings.
        for e in &r.equivocations {
            prop_assert!(g.byzantine.contains(&e.node));
        }
    }

    #[test]
    fn one_violation_gives_exactly_its_findings(seed in any::<u64>(), v in 1..VIOLATIONS.len()) {
        let g = generate(seed, v);
        let r = run(&g);
        prop_assert_eq!(got(&r), g.expected.clone(), "seed {} violation {}:\n{}", seed, VIOLATIONS[v], r.render_text());
        for f in &r.findings {
            if accuses(&f.property) {
                for n in &f.nodes {
                    prop_assert!(!g.byzantine.contains(n), "Byzantine {n} named by {}", f.property);
                }
            }
        }
        prop_assert_eq!(r.passed(), g.expected.is_empty());
    }
}

#[test]
fn every_violation_is_injected_for_some_seed() {
    for (v, name) in VIOLATIONS.iter().enumerate().skip(1) {
        let hits = (0..40u64).filter(|&s| !generate(s, v).expected.is_empty()).count();
        assert!(hits >= 10, "{name} injected in only {hits} of 40 seeds");
    }
}
