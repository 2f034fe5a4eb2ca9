//! Property tests: random seeds and fault schedules within the fault bound never break
//! agreement, and every node decides again soon after the last fault is healed.

use crate::common::*;
use proptest::prelude::*;
use touchstone_core::scenario::{
    FaultAction, LatencyDist, LinkSpec, RateSpec, Scenario, ScenarioBuilder, ScenarioKind,
};

/// One fault on a node of the faulty set: (kind, start in ms, duration in ms).
type FaultPick = (u8, u64, u64);

fn scenario(protocol: &str, n: usize, faulty: &[usize], faults: &[FaultPick]) -> Scenario {
    let names: Vec<String> = faulty.iter().map(|i| format!("n{i}")).collect();
    let mut b = ScenarioBuilder::new(&format!("prop-{protocol}-n{n}"), ScenarioKind::Byzantine)
        .protocol(protocol)
        .validators(n)
        .accounts(50)
        .phase("load", 6 * S, RateSpec::Constant { tps: 60.0 })
        .with(|s| {
            s.network.link = LinkSpec {
                latency: LatencyDist::Uniform { latency: 5 * MS, spread: 3 * MS },
                jitter: MS,
                ..LinkSpec::default()
            };
            s.network.consensus.timeout = 500 * MS;
        });
    for &(kind, at, dur) in faults {
        let nodes = names.clone();
        let action = match kind % 4 {
            0 => FaultAction::Crash { nodes },
            1 => FaultAction::Pause { nodes },
            2 => FaultAction::Partition { groups: vec![nodes] },
            _ => FaultAction::Link {
                nodes,
                to: Vec::new(),
                link: LinkSpec {
                    latency: LatencyDist::Fixed { latency: 300 * MS },
                    loss: 0.3,
                    ..LinkSpec::default()
                },
            },
        };
        b = b.fault(at * MS, Some(dur * MS), action);
    }
    b.build()
}

fn check(
    protocol: &str,
    n: usize,
    faulty: Vec<usize>,
    faults: Vec<FaultPick>,
    seed: u64,
) -> Result<(), TestCaseError> {
    let s = scenario(protocol, n, &faulty, &faults);
    let r = run(&s, seed);
    let why = format!("{protocol} n={n} faulty={faulty:?} faults={faults:?}: {}", replay(&s, seed));
    prop_assert!(r.disagreement().is_none(), "agreement broken {:?}; {}", r.disagreement(), why);
    // Liveness: the last fault ends by 4 s; load runs to 6 s; every node decides within 10 s.
    let healed = faults.iter().map(|&(_, at, d)| (at + d) * MS).max().unwrap_or(0);
    for i in 0..n {
        let node = format!("n{i}");
        let late = r.lines.iter().any(|l| {
            l["kind"] == "cons.decide"
                && l["node"] == node.as_str()
                && (healed..healed + 10 * S).contains(&l["t_ns"].as_u64().unwrap())
        });
        prop_assert!(
            late,
            "{node} decided nothing within 10 s after the heal at {healed} ns; {why}"
        );
    }
    prop_assert!(r.result.metrics.measured.committed > 0, "{why}");
    Ok(())
}

fn schedule() -> impl Strategy<Value = Vec<FaultPick>> {
    prop::collection::vec((0u8..4, 200u64..2_500, 200u64..1_500), 1..3)
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 6, failure_persistence: None, ..ProptestConfig::default() })]

    #[test]
    fn pbft_keeps_agreement_and_liveness_within_f(seed in any::<u64>(), n in prop::sample::select(vec![4usize, 7]), faults in schedule(), pick in any::<u64>()) {
        let f = (n - 1) / 3;
        let faulty: Vec<usize> = (0..f).map(|k| ((pick as usize) + k * 3) % n).collect();
        check("pbft", n, faulty, faults, seed)?;
    }

    #[test]
    fn raft_keeps_agreement_and_liveness_with_a_minority_down(seed in any::<u64>(), n in prop::sample::select(vec![4usize, 7]), faults in schedule(), pick in any::<u64>()) {
        let f = (n - 1) / 2;
        let mut faulty: Vec<usize> = (0..f).map(|k| ((pick as usize) + k * 2) % n).collect();
        faulty.sort_unstable();
        faulty.dedup();
        check("raft", n, faulty, faults, seed)?;
    }
}
