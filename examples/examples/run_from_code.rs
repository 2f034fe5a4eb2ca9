//! Build a scenario in code (the same value a TOML script would give), run it against an adapter
//! and read the results.
//!
//! `cargo run -p touchstone-examples --example run_from_code`

use touchstone_core::engine::{self, RunOptions};
use touchstone_core::scenario::{to_toml, Criteria, RateSpec, ScenarioBuilder, ScenarioKind};
use touchstone_core::time::{Human, NS_PER_MS, NS_PER_S};
use touchstone_core::trace::TraceWriter;
use touchstone_core::Seed;
use touchstone_null::{NullAdapter, NullConfig};

fn main() {
    let scenario = ScenarioBuilder::new("from-code", ScenarioKind::Payment)
        .accounts(1_000)
        .warmup(NS_PER_S, RateSpec::Constant { tps: 100.0 })
        .phase("steady", 5 * NS_PER_S, RateSpec::Poisson { tps: 2_000.0 })
        .criteria(Criteria { latency_p99: Some(NS_PER_S), ..Default::default() })
        .build();
    println!("# the same scenario as a script:\n{}", to_toml(&scenario));

    let seed = Seed(42);
    let mut adapter = NullAdapter::new(NullConfig { delay: 30 * NS_PER_MS, ..Default::default() });
    let mut trace = TraceWriter::new(Vec::new());
    let result =
        engine::run(&scenario, &mut adapter, seed, &mut trace, RunOptions::default()).expect("run");
    let (bytes, fingerprint) = trace.finish().expect("in-memory trace");
    let m = &result.metrics.measured;
    println!(
        "seed {seed}: committed {} of {} at {:.0} tx/s, p99 {}",
        m.committed,
        m.submitted,
        m.committed_tps,
        Human(m.latency.p99_ns)
    );
    println!("trace: {} bytes, fingerprint {fingerprint}", bytes.len());
    for c in touchstone_core::criteria::evaluate(&scenario.criteria, &result.metrics) {
        println!(
            "{} {} {} (measured {})",
            if c.passed { "ok  " } else { "FAIL" },
            c.id,
            c.target,
            c.measured
        );
    }
}
