//! The checker end to end, from a file in the page cache (`check_path`, as `touchstone check
//! FILE` runs it). Throughput is reported twice per trace: in bytes (MB/s) and in events.
//!
//! - `checker::check/events=1M`: a synthetic vote-heavy Tendermint trace on 4 validators (per
//!   height a proposal, a prevote and a precommit per validator, and a decision with a full
//!   cert per validator).
//! - `checker::tx-heavy`: the trace Touchstone itself writes for the shipped scenario
//!   `scenarios/payment-latency.toml` (PBFT, n = 4) at seed 1 with its steady phase at
//!   3,000 tx/s for 120 s: submits, results and decisions carrying ~150 tx ids each.
//! - `checker::vote-heavy-bft`: the synthetic vote-heavy trace at n = 31 (31 prevotes, 31
//!   precommits and 31 decisions with 31-signer certs per height).
//! - `checker::raft`: the same payment scenario on a 4-node Raft network, 1,000 tx/s for 60 s.
//!
//! The traces are generated once (the simulated ones through the real engine and simulated
//! network) and kept under `target/bench-traces/`, so reruns start at once; delete that
//! directory after changing the simulator or the trace writer. With `TOUCHSTONE_BENCH_QUICK=1`
//! (or criterion's `--quick`) the simulated traces are a tenth as long, for CI.
//!
//! Run: `cargo bench -p touchstone-benches --bench checker`. A quicker look at one change,
//! without criterion's build: `cargo run --release -p touchstone-check --example check_file --
//! --runs 9 target/bench-traces/NAME.jsonl` (the best and the median of 9 in-process checks,
//! and the CPU time of the checking thread and of the process). On this shared 2-core machine
//! the wall clock wanders by 20-40 % within minutes (and by up to 70 % over an hour), and it
//! slows under sustained load: a check that took 22 ms took 26-33 ms in the minute after a
//! full `cargo bench`, and 22 ms again after two idle minutes. So the later groups of a full
//! run meet a slower machine than the first; to compare with a target, run one group at a
//! time (`cargo bench ... -- checker::raft`) after a pause, and read the synthetic bench
//! (`checker/check`, whose code rarely changes) as the machine's state. Compare two builds
//! in alternating rounds and by their least times, which noise can only raise. For
//! a change of a few percent, count instructions instead, which the machine's state does not
//! move: `valgrind --tool=cachegrind --cache-sim=no target/release/examples/check_file --runs 1
//! FILE` (the `I refs` total; `cg_annotate` splits it by function and line). It misses what
//! the memory system costs, so a change that moves data (not work) still needs the clock.
//!
//! Peak memory on large tx-heavy traces, written by `touchstone run` from the same scenario
//! with a longer steady phase (the trace is the bench's, byte for byte, at 120 s):
//!
//! ```text
//! cargo build --release -p touchstone
//! sed -e 's/duration = "30s"/duration = "1800s"/' -e 's/tps = 500/tps = 3000/' \
//!     scenarios/payment-latency.toml > /tmp/pl-1800.toml
//! target/release/touchstone run /tmp/pl-1800.toml --seed 1 --out /tmp/pl-1800 -q
//! /usr/bin/time -v target/release/touchstone check /tmp/pl-1800/trace.jsonl  # Maximum resident set size
//! ```
//!
//! Reading is bounded (a plain file is mapped 8 MiB at a time, other input read in batches of
//! about 256 KiB; a few of either in flight) and so is the consensus window. The ledger's record of tx ids is bounded by the tx horizon
//! (`--tx-horizon`, default 256 heights): a tx that settled cleanly is forgotten that many
//! heights after it was decided, its nonce kept as a range per account. Peak resident memory
//! of `touchstone check`, release, this 2-core machine:
//!
//! | trace | size | txs | no horizon (`--tx-horizon 0`) | default horizon |
//! |---|---|---|---|---|
//! | the scenario above, 120 s | 134 MB | 0.37 M | 79 MB | 80 MB |
//! | 600 s | 682 MB | 1.8 M | 303 MB | 101 MB |
//! | 1800 s (measured before the file was mapped) | 2.07 GB | 5.4 M | 857 MB | 91 MB |
//! | synthetic tx-heavy, piped (below) | 10.8 GB | 30 M | — | 96 MB |
//!
//! A mapped file counts in the resident set while its windows are in flight: about 10 MB
//! more than reading it did.
//!
//! A 10 GB trace without storing it: the `synth` example writes the tx-heavy shape (the writer's
//! layout, 150 transfers per height, 5,000 accounts) of any length to a pipe:
//!
//! ```text
//! cargo build --release -p touchstone -p touchstone-check --example synth
//! target/release/examples/synth tx-heavy 30000000 \
//!     | /usr/bin/time -v target/release/touchstone check -   # Maximum resident set size
//! ```

use std::io::BufWriter;
use std::path::{Path, PathBuf};
use std::time::Duration;

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use touchstone_check::{check_path, synth, CheckOptions};
use touchstone_core::engine;
use touchstone_core::scenario::{RateSpec, Scenario};
use touchstone_core::trace::TraceWriter;
use touchstone_core::Seed;
use touchstone_sim::SimAdapter;

const S: u64 = 1_000_000_000;

/// Quick mode (CI): shorter simulated traces.
fn quick() -> bool {
    std::env::var_os("TOUCHSTONE_BENCH_QUICK").is_some_and(|v| v != "0")
        || std::env::args().any(|a| a == "--quick")
}

/// `target/bench-traces/`, next to the bench binary's `target/<profile>/deps/`.
fn trace_dir() -> PathBuf {
    let dir = match std::env::var_os("CARGO_TARGET_DIR") {
        Some(t) => PathBuf::from(t),
        None => {
            let exe = std::env::current_exe().expect("bench binary path");
            exe.ancestors().nth(3).expect("target dir").to_path_buf()
        }
    };
    let dir = dir.join("bench-traces");
    std::fs::create_dir_all(&dir).expect("create target/bench-traces");
    dir
}

/// The trace at `name` in the cache, written by `write` (into a temporary file renamed into
/// place, so an interrupted generation is never taken for a trace).
fn cached(name: &str, write: impl FnOnce(&Path)) -> PathBuf {
    let path = trace_dir().join(name);
    if !path.exists() {
        let tmp = path.with_extension("partial");
        write(&tmp);
        std::fs::rename(&tmp, &path).expect("rename trace into place");
    }
    path
}

/// The shipped payment scenario with its steady phase at `tps` for `secs` seconds.
fn payment(protocol: Option<&str>, tps: f64, secs: u64) -> Scenario {
    let file = Path::new(env!("CARGO_MANIFEST_DIR")).join("../scenarios/payment-latency.toml");
    let (mut s, _) = touchstone_core::scenario::load(&file).expect("shipped scenario loads");
    let steady = s.workload.phases.iter_mut().find(|p| p.name == "steady").expect("steady phase");
    steady.rate = RateSpec::Poisson { tps };
    steady.duration = secs * S;
    if let Some(protocol) = protocol {
        s.network.protocol = protocol.to_string();
    }
    s
}

/// Runs `s` on the simulated network at seed 1, writing its trace to `path`.
fn simulate(s: &Scenario, path: &Path) {
    let f = std::fs::File::create(path).expect("create trace");
    let mut w = TraceWriter::new(BufWriter::with_capacity(1 << 20, f));
    let mut a = SimAdapter::new(s).expect("scenario builds on sim");
    let r = engine::run(s, &mut a, Seed(1), &mut w, Default::default()).expect("runs");
    assert!(r.metrics.measured.committed > 0, "{} committed nothing", s.name);
    w.finish().expect("trace written");
}

/// Benchmarks checking the file at `path` (which must pass), in bytes and in events.
fn bench_file(c: &mut Criterion, group: &str, id: &str, path: &Path) {
    let opts = CheckOptions::default();
    let bytes = std::fs::metadata(path).expect("trace exists").len();
    let first = check_path(path, &opts).expect("checks");
    assert!(first.passed(), "{}: {:?}", path.display(), first.status);
    let events = first.events;
    for (unit, tp) in
        [("bytes", Throughput::Bytes(bytes)), ("events", Throughput::Elements(events))]
    {
        let mut g = c.benchmark_group(group);
        g.sample_size(10).measurement_time(Duration::from_secs(10));
        g.throughput(tp);
        g.bench_function(format!("{id}/{unit}"), |b| {
            b.iter(|| {
                let r = check_path(path, &opts).expect("checks");
                assert!(r.passed());
                r.events
            })
        });
        g.finish();
    }
}

fn check(c: &mut Criterion) {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("vote-heavy.jsonl");
    let events = {
        let f = std::fs::File::create(&path).expect("create trace");
        let mut w = BufWriter::with_capacity(1 << 20, f);
        synth::write_vote_heavy(&mut w, 1_000_000, 4).expect("write trace")
    };
    let opts = CheckOptions::default();
    let mut g = c.benchmark_group("checker");
    g.throughput(Throughput::Elements(events));
    g.sample_size(10);
    g.bench_function("check/events=1M", |b| {
        b.iter(|| {
            let r = check_path(&path, &opts).expect("checks");
            assert!(r.passed());
            r.events
        })
    });
    g.finish();
}

fn tx_heavy(c: &mut Criterion) {
    let secs = if quick() { 12 } else { 120 };
    let path = cached(&format!("payment-latency-pbft4-3000tps-{secs}s-s1.jsonl"), |p| {
        simulate(&payment(None, 3000.0, secs), p)
    });
    bench_file(c, "checker::tx-heavy", &format!("pbft/n=4/3000tps/{secs}s"), &path);
}

fn vote_heavy_bft(c: &mut Criterion) {
    let events: u64 = if quick() { 300_000 } else { 3_000_000 };
    let path = cached(&format!("vote-heavy-n31-{events}.jsonl"), |p| {
        let f = std::fs::File::create(p).expect("create trace");
        let mut w = BufWriter::with_capacity(1 << 20, f);
        synth::write_vote_heavy(&mut w, events, 31).expect("write trace");
        std::io::Write::flush(&mut w).expect("flush trace");
    });
    bench_file(c, "checker::vote-heavy-bft", &format!("tendermint/n=31/events={events}"), &path);
}

fn raft(c: &mut Criterion) {
    let secs = if quick() { 6 } else { 60 };
    let path = cached(&format!("payment-latency-raft4-1000tps-{secs}s-s1.jsonl"), |p| {
        simulate(&payment(Some("raft"), 1000.0, secs), p)
    });
    bench_file(c, "checker::raft", &format!("raft/n=4/1000tps/{secs}s"), &path);
}

criterion_group!(benches, check, tx_heavy, vote_heavy_bft, raft);
criterion_main!(benches);
