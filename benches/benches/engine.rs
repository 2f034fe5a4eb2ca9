//! The harness's own speed: scheduling + submitting + recording into the null adapter, and the
//! per-transaction recording cost (HDR histogram + per-second series + trace lines).
//!
//! `cargo bench -p touchstone-benches --bench engine`

use criterion::{black_box, criterion_group, criterion_main, BatchSize, Criterion, Throughput};
use touchstone_core::engine::{self, RunOptions};
use touchstone_core::metrics::{LatencyHistogram, SeriesRecorder};
use touchstone_core::scenario::{RateSpec, ScenarioBuilder, ScenarioKind};
use touchstone_core::time::NS_PER_S;
use touchstone_core::trace::{DiscardTrace, TraceEvent, TraceSink, TraceWriter, TxStatus};
use touchstone_core::{Seed, TxId};
use touchstone_null::{NullAdapter, NullConfig};

const TXS: u64 = 1_000_000;

fn engine(c: &mut Criterion) {
    // One virtual second at 1 M tx/s: every transaction is scheduled, generated, submitted,
    // committed by the null adapter and recorded.
    let s = ScenarioBuilder::new("bench", ScenarioKind::Payment)
        .accounts(10_000)
        .phase("load", NS_PER_S, RateSpec::Constant { tps: TXS as f64 })
        .build();
    let mut g = c.benchmark_group("engine");
    g.throughput(Throughput::Elements(TXS));
    g.sample_size(10);
    g.bench_function("null/tx=1M/trace=discard", |b| {
        b.iter(|| {
            let mut a = NullAdapter::new(NullConfig::default());
            let mut t = DiscardTrace::default();
            let r = engine::run(&s, &mut a, Seed(1), &mut t, RunOptions::default()).unwrap();
            assert_eq!(r.metrics.measured.committed, TXS);
        })
    });
    g.bench_function("null/tx=1M/trace=encoded", |b| {
        b.iter(|| {
            let mut a = NullAdapter::new(NullConfig::default());
            let mut t = TraceWriter::new(std::io::sink());
            let r = engine::run(&s, &mut a, Seed(1), &mut t, RunOptions::default()).unwrap();
            assert_eq!(r.metrics.measured.committed, TXS);
            black_box(t.finish().unwrap());
        })
    });
    g.finish();
}

fn recording(c: &mut Criterion) {
    let mut g = c.benchmark_group("record");
    g.throughput(Throughput::Elements(1));
    g.bench_function("hdr", |b| {
        let mut h = LatencyHistogram::new();
        let mut x = 1u64;
        b.iter(|| {
            x = x.wrapping_mul(6364136223846793005).wrapping_add(1);
            h.record(black_box(x % 2_000_000_000));
        })
    });
    g.bench_function("series", |b| {
        b.iter_batched_ref(
            SeriesRecorder::new,
            |s| {
                for i in 0..1000u64 {
                    s.offered(i * 1_000_000);
                    s.committed(i * 1_000_000, 5_000_000);
                }
            },
            BatchSize::SmallInput,
        )
    });
    g.bench_function("trace/submit+result", |b| {
        let mut w = TraceWriter::new(std::io::sink());
        let mut i = 0u64;
        b.iter(|| {
            i += 1;
            w.emit(
                i,
                &TraceEvent::TxSubmit {
                    tx: TxId(i),
                    client: "c3",
                    op: "transfer",
                    from: Some("a17"),
                    to: Some("a4242"),
                    asset: Some("USD"),
                    amount: Some(42),
                    nonce: Some(i),
                    via: None,
                    intended_ns: Some(i),
                    legs: &[],
                    bridge: None,
                },
            );
            w.emit(
                i,
                &TraceEvent::TxResult {
                    tx: TxId(i),
                    status: TxStatus::Committed,
                    height: Some(i / 100),
                    reason: None,
                    node: None,
                },
            );
        })
    });
    g.finish();
}

criterion_group!(benches, engine, recording);
criterion_main!(benches);
