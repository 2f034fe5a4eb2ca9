//! `refmodel::apply/cases=1M`: the harness's reference model judging 1,000,000 compliance cases.
//!
//! The cases (the `compliance` program's randomised kinds over 40 investors: identity, freezes,
//! partial freezes, pause, limits, forced transfers, recovery, mint/burn/reserve, roles,
//! whitelist) are generated once up front; each iteration builds the genesis model and applies
//! every case in order. Throughput is in cases (elements). Target: ≤ 2 s per iteration.

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use touchstone_core::program::compliance_cases;
use touchstone_core::{Seed, TxId};

const CASES: usize = 1_000_000;

fn apply(c: &mut Criterion) {
    let (genesis, ops, outcomes) = compliance_cases::generate(Seed(1), 40, CASES);
    assert_eq!(ops.len(), CASES);
    let rejected = outcomes.iter().filter(|o| o.is_err()).count();
    let mut g = c.benchmark_group("refmodel");
    g.throughput(Throughput::Elements(CASES as u64));
    g.sample_size(10);
    g.bench_function("apply/cases=1M", |b| {
        b.iter(|| {
            let mut m = genesis.model();
            let mut refused = 0usize;
            for (i, (op, nonce)) in ops.iter().enumerate() {
                refused += usize::from(m.apply(TxId(i as u64), op, *nonce).is_err());
            }
            assert_eq!(refused, rejected, "the model replays its own verdicts");
            refused
        })
    });
    g.finish();
}

criterion_group!(benches, apply);
criterion_main!(benches);
