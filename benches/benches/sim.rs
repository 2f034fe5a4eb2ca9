//! Speed of the simulated network.
//!
//! - `sim::deliveries/pbft/n=4`: simulated message deliveries per wall-clock second (criterion's
//!   throughput is in deliveries) — a saturated n = 4 PBFT with 1 ms blocks, trace discarded.
//! - `sim::payment60s/pbft/n=4`: a 60-second payment scenario at 1,000 tx/s on n = 4, through the
//!   engine, with the full trace encoded into memory (as `touchstone run` writes it).
//! - `sim::scale/<protocol>/n=<n>`: 10 simulated seconds at 200 tx/s, to show how wall time grows
//!   with the number of validators — up to the research sizes (HotStuff n = 128, PBFT and
//!   Tendermint n = 64), each to stay within 10 s of wall time.
//!
//! Run: `cargo bench -p touchstone-benches --bench sim`.

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};
use std::time::Duration;
use touchstone_core::engine;
use touchstone_core::scenario::{
    LatencyDist, LinkSpec, RateSpec, Scenario, ScenarioBuilder, ScenarioKind,
};
use touchstone_core::trace::{TraceEvent, TraceSink, TraceWriter};
use touchstone_core::{Nanos, Seed};
use touchstone_sim::SimAdapter;

const MS: Nanos = 1_000_000;
const S: Nanos = 1_000_000_000;

/// Discards every event (measures the simulator, not the trace encoder).
struct Discard;

impl TraceSink for Discard {
    fn emit(&mut self, _t: Nanos, _ev: &TraceEvent<'_>) {}
}

fn scenario(protocol: &str, n: usize, tps: f64, secs: u64) -> Scenario {
    ScenarioBuilder::new(&format!("bench-{protocol}-{n}"), ScenarioKind::Payment)
        .protocol(protocol)
        .validators(n)
        .accounts(1000)
        .phase("load", secs * S, RateSpec::Constant { tps })
        .build()
}

/// Runs `s`; returns the deliveries simulated.
fn run(s: &Scenario, trace: &mut dyn TraceSink) -> u64 {
    let mut a = SimAdapter::new(s).expect("builds");
    let r = engine::run(s, &mut a, Seed(1), trace, Default::default()).expect("runs");
    assert!(r.metrics.measured.committed > 0, "{} committed nothing", s.name);
    a.stats().deliveries
}

fn deliveries(c: &mut Criterion) {
    let s = {
        let mut s = scenario("pbft", 4, 2000.0, 5);
        s.network.consensus.block_interval = MS;
        s.network.consensus.msg_cost = 0;
        s.network.consensus.tx_cost = 0;
        s.network.link =
            LinkSpec { latency: LatencyDist::Fixed { latency: MS }, ..LinkSpec::default() };
        s
    };
    let per_run = run(&s, &mut Discard);
    let mut g = c.benchmark_group("sim::deliveries");
    g.sample_size(10).measurement_time(Duration::from_secs(10));
    g.throughput(Throughput::Elements(per_run));
    g.bench_function("pbft/n=4", |b| b.iter(|| run(&s, &mut Discard)));
    g.finish();
}

fn payment60s(c: &mut Criterion) {
    let s = scenario("pbft", 4, 1000.0, 60);
    let mut g = c.benchmark_group("sim::payment60s");
    g.sample_size(10).measurement_time(Duration::from_secs(20));
    g.bench_function("pbft/n=4", |b| b.iter(|| run(&s, &mut TraceWriter::new(std::io::sink()))));
    g.finish();
}

fn scale(c: &mut Criterion) {
    let mut g = c.benchmark_group("sim::scale");
    g.sample_size(10).measurement_time(Duration::from_secs(10));
    for (protocol, sizes) in [
        ("pbft", &[4usize, 16, 31, 64][..]),
        ("raft", &[4, 16, 31]),
        ("tendermint", &[4, 16, 31, 64]),
        ("hotstuff", &[4, 16, 64, 128]),
    ] {
        for &n in sizes {
            let s = scenario(protocol, n, 200.0, 10);
            g.bench_with_input(BenchmarkId::new(protocol, format!("n={n}")), &s, |b, s| {
                b.iter(|| run(s, &mut TraceWriter::new(std::io::sink())))
            });
        }
    }
    g.finish();
}

criterion_group!(benches, deliveries, payment60s, scale);
criterion_main!(benches);
