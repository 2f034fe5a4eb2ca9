//! What to synthesise: the chain's size, load, crash, Byzantine node, rejections and fork.

use touchstone_core::time::{NS_PER_MS, NS_PER_S};

/// What to synthesise.
#[derive(Debug, Clone)]
pub struct Synth {
    pub name: String,
    pub validators: usize,
    pub seconds: u64,
    pub tps: u64,
    pub block_interval_ns: u64,
    /// `(node index, at s, for s)`.
    pub crash: Option<(usize, u64, u64)>,
    pub byzantine: Option<usize>,
    /// Node 1 decides another block at this height (an agreement finding).
    pub fork_at: Option<u64>,
    /// Every k-th transaction is rejected (0: none).
    pub reject_every: u64,
}

impl Synth {
    /// 4 validators, 40 s at 50 tx/s, a crash of n1 at 10 s for 5 s, n3 Byzantine, 1 in 50 rejected.
    pub fn small() -> Synth {
        Synth {
            name: "synthetic-payments".into(),
            validators: 4,
            seconds: 40,
            tps: 50,
            block_interval_ns: 200 * NS_PER_MS,
            crash: Some((1, 10, 5)),
            byzantine: Some(3),
            fork_at: None,
            reject_every: 50,
        }
    }

    /// About `txs` transactions at 10,000 tx/s (benchmarks).
    pub fn large(txs: u64) -> Synth {
        Synth {
            name: "synthetic-load".into(),
            validators: 4,
            seconds: txs.div_ceil(10_000),
            tps: 10_000,
            block_interval_ns: 100 * NS_PER_MS,
            crash: Some((1, 30, 10)),
            byzantine: None,
            fork_at: None,
            reject_every: 1000,
        }
    }

    /// End of the load, ns.
    pub(super) fn load_ns(&self) -> u64 {
        self.seconds * NS_PER_S
    }
}
