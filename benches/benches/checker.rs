//! `checker::check/events=1M`: end-to-end check of a vote-heavy trace from bytes on disk.
//!
//! The trace (4 validators; per height a proposal, a prevote and a precommit per validator,
//! and a decision with a full cert per validator) is generated once into a temp file; each
//! iteration opens the file and checks it. Throughput is in events (elements).

use std::io::BufWriter;

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use touchstone_check::{check_path, synth, CheckOptions};

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

criterion_group!(benches, check);
criterion_main!(benches);
