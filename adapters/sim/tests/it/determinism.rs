//! Same scenario and seed → byte-identical trace; different seeds → different schedules.

use crate::common::*;
use touchstone_core::scenario::{LatencyDist, LinkSpec};

fn jittery(protocol: &str) -> touchstone_core::scenario::Scenario {
    payment(protocol, 4, 300.0, 2)
        .with(|s| {
            s.network.link = LinkSpec {
                latency: LatencyDist::LogNormal { latency: 5 * MS, spread: 2 * MS },
                jitter: MS,
                ..LinkSpec::default()
            };
        })
        .fault(500 * MS, Some(700 * MS), crash(&["n1"]))
        .build()
}

#[test]
fn same_seed_same_trace_and_fingerprint() {
    for protocol in ["pbft", "raft"] {
        let s = jittery(protocol);
        let (a, b) = (run(&s, 42), run(&s, 42));
        assert_eq!(a.fingerprint, b.fingerprint, "{protocol}: {}", replay(&s, 42));
        assert!(a.bytes == b.bytes, "{protocol}: traces differ");
    }
}

#[test]
fn different_seeds_different_schedules() {
    for protocol in ["pbft", "raft"] {
        let s = jittery(protocol);
        assert_ne!(run(&s, 1).fingerprint, run(&s, 2).fingerprint, "{protocol}");
    }
}
