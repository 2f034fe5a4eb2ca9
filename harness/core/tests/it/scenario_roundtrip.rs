//! A scenario written back as TOML parses to the same value.

use proptest::prelude::*;
use touchstone_core::scenario::*;
use touchstone_core::time::NS_PER_MS;

/// Rates stay within what validation accepts for a whole run (docs/limits.md: 10 M transactions,
/// a 4 GiB memory estimate) over three phases of up to a minute each.
fn rate() -> impl Strategy<Value = RateSpec> {
    prop_oneof![
        (1u32..20_000).prop_map(|t| RateSpec::Constant { tps: t as f64 }),
        (1u32..20_000).prop_map(|t| RateSpec::Poisson { tps: t as f64 / 4.0 }),
        (0u32..1000, 1u32..1000).prop_map(|(a, b)| RateSpec::Ramp { from: a as f64, to: b as f64 }),
        (1u64..100_000, 0u64..500).prop_map(|(c, w)| RateSpec::Burst {
            count: c,
            at: 0,
            within: w * NS_PER_MS
        }),
        (1u32..1000).prop_map(|c| RateSpec::Closed { concurrency: c }),
    ]
}

fn scenario() -> impl Strategy<Value = Scenario> {
    (
        prop::collection::vec((rate(), 500u64..60_000, any::<bool>()), 1..4),
        1usize..16,
        prop::sample::select(vec!["pbft", "tendermint", "hotstuff", "raft"]),
        1u32..100_000,
        0u64..50,
        prop::sample::subsequence(Purpose::ALL.to_vec(), 0..4),
    )
        .prop_map(|(phases, n, proto, accounts, latency_ms, purpose)| {
            let mut b = ScenarioBuilder::new("prop", ScenarioKind::Mixed)
                .purpose(&purpose)
                .validators(n)
                .protocol(proto)
                .accounts(accounts);
            for (i, (r, ms, warm)) in phases.into_iter().enumerate() {
                b = b.phase(&format!("p{i}"), ms * NS_PER_MS, r);
                if warm && i == 0 {
                    b = b.with(|s| s.workload.phases[0].warmup = true);
                }
            }
            let with_fault = n >= 2;
            b = b.with(|s| {
                s.network.link.latency =
                    LatencyDist::Normal { latency: latency_ms * NS_PER_MS, spread: NS_PER_MS };
                s.criteria.latency_p99 = Some(1_000 * NS_PER_MS);
                s.criteria.success_rate_min = Some(0.999);
                s.workload.phases.last_mut().unwrap().warmup = false;
            });
            if with_fault {
                b = b.fault(
                    0,
                    None,
                    FaultAction::Partition { groups: vec![vec!["n0".into()], vec!["n1".into()]] },
                );
            }
            b.build()
        })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]
    #[test]
    fn toml_round_trip(s in scenario()) {
        let text = to_toml(&s);
        let back = parse(&text, "roundtrip.toml").map_err(|e| TestCaseError::fail(format!("{e}\n{text}")))?;
        prop_assert_eq!(back, s);
    }
}
