//! What the adapter protocol costs: the same payment load through the built-in `null` adapter
//! and through its twin in Python over the pipe (`examples/process-adapter/null_adapter.py`),
//! and the highest rate a wall-clock child keeps up with.
//!
//! ```sh
//! cargo run --release -p touchstone-process --example overhead            # both parts
//! cargo run --release -p touchstone-process --example overhead -- virtual # per-tx overhead only
//! cargo run --release -p touchstone-process --example overhead -- wall    # the rate ladder only
//! ```
//!
//! Part 1 (virtual time, so the figures are the harness and the pipe, not a clock): N payments
//! through the engine with the trace discarded; wall time and the harness's CPU per
//! transaction, and the difference to the built-in adapter: the protocol's overhead per
//! transaction. Part 2 (wall clock): the Python null child at rising constant rates; a rate is
//! sustained when every payment committed and the generator kept its schedule (lag p99 within
//! the engine's 10 ms tolerance).

use std::path::Path;
use std::time::Duration;
use touchstone_core::engine::{self, RunResult};
use touchstone_core::scenario::{RateSpec, Scenario, ScenarioBuilder, ScenarioKind};
use touchstone_core::trace::DiscardTrace;
use touchstone_core::{Adapter, Seed};
use touchstone_null::{NullAdapter, NullConfig};
use touchstone_process::{ProcessAdapter, ProcessConfig};

const NS: u64 = 1_000_000_000;

fn scenario(tps: f64, secs: u64) -> Scenario {
    ScenarioBuilder::new("overhead", ScenarioKind::Payment)
        .validators(1)
        .accounts(1000)
        .timeout(10 * NS)
        .phase("load", secs * NS, RateSpec::Constant { tps })
        .build()
}

fn child(args: &[&str]) -> ProcessConfig {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples/process-adapter");
    let mut all = vec!["null_adapter.py"];
    all.extend_from_slice(args);
    ProcessConfig::new("python3", &all, &dir)
}

/// Runs `s` on `adapter`; the result, the wall time and the harness's CPU time.
fn measure(s: &Scenario, adapter: &mut dyn Adapter) -> (RunResult, Duration, Duration) {
    #[allow(clippy::disallowed_methods)] // a benchmark measures real time
    let wall = std::time::Instant::now();
    let cpu = cpu_time::ProcessTime::now();
    let mut trace = DiscardTrace::default();
    let r = engine::run(s, adapter, Seed(1), &mut trace, Default::default()).expect("run starts");
    (r, wall.elapsed(), cpu.elapsed())
}

fn per_tx(d: Duration, n: u64) -> f64 {
    d.as_nanos() as f64 / n.max(1) as f64 / 1000.0
}

fn virtual_time() {
    let (tps, secs) = (20_000.0, 10);
    let s = scenario(tps, secs);
    println!("part 1: {} payments in virtual time, trace discarded", tps as u64 * secs);
    println!(
        "{:<34} {:>10} {:>12} {:>12} {:>14}",
        "adapter", "committed", "wall µs/tx", "cpu µs/tx", "overhead µs/tx"
    );
    let mut null = NullAdapter::new(NullConfig::default());
    let (r, wall, cpu) = measure(&s, &mut null);
    let n = r.metrics.measured.committed;
    let base = per_tx(wall, n);
    println!(
        "{:<34} {:>10} {:>12.2} {:>12.2} {:>14}",
        "built-in null",
        n,
        base,
        per_tx(cpu, n),
        "-"
    );
    for (name, args) in [
        ("python null over the pipe, sync", &[][..]),
        ("python null over the pipe, deferred", &["--deferred"][..]),
    ] {
        let mut a = ProcessAdapter::start(child(args), &s).expect("the child starts");
        let (r, wall, cpu) = measure(&s, &mut a);
        let n = r.metrics.measured.committed;
        let w = per_tx(wall, n);
        println!("{:<34} {:>10} {:>12.2} {:>12.2} {:>14.2}", name, n, w, per_tx(cpu, n), w - base);
    }
}

fn wall_clock() {
    println!("\npart 2: the python null child on the wall clock, 5 s per rate");
    println!(
        "{:<10} {:<10} {:>10} {:>10} {:>12} {:>10}",
        "acks", "offered", "submitted", "committed", "lag p99 ms", "sustained"
    );
    for mode in ["sync", "deferred"] {
        for tps in [1_000.0, 2_000.0, 5_000.0, 10_000.0, 20_000.0, 40_000.0, 80_000.0, 160_000.0] {
            let s = scenario(tps, 5);
            let args: &[&str] =
                if mode == "deferred" { &["--wall", "--deferred"] } else { &["--wall"] };
            let mut a = ProcessAdapter::start(child(args), &s).expect("the child starts");
            let (r, _, _) = measure(&s, &mut a);
            let m = &r.metrics;
            let ok = !m.generator.fell_behind && m.measured.committed == m.measured.submitted;
            println!(
                "{:<10} {:<10} {:>10} {:>10} {:>12.1} {:>10}",
                mode,
                tps as u64,
                m.measured.submitted,
                m.measured.committed,
                m.generator.p99_ns as f64 / 1e6,
                if ok { "yes" } else { "no" }
            );
            if !ok {
                break;
            }
        }
    }
}

fn main() {
    let what = std::env::args().nth(1).unwrap_or_default();
    if what != "wall" {
        virtual_time();
    }
    if what != "virtual" {
        wall_clock();
    }
}
