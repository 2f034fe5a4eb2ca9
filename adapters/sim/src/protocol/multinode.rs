//! Multi-node test bodies the BFT protocols share: each protocol's tests run them on the
//! [`TestNet`](super::testkit::TestNet) with its own constructor and timings.

use super::testkit::{configs, TestNet, MS, S};
use super::{NodeConfig, NodeIdx, Protocol};
use proptest::prelude::*;
use touchstone_core::scenario::Behaviour;
use touchstone_core::Nanos;

/// A lone node 0 of 4 running `variant` (the others never run): messages are injected by hand.
pub fn lone<P: Protocol>(make: impl FnMut(NodeConfig) -> P, variant: Option<&str>) -> TestNet<P> {
    let mut net = TestNet::with_configs(configs(4, variant, &[]), 0, make);
    net.start_node(0);
    net
}

/// `n` validators with `crashed` down from the start and 20 transactions, run until `until`.
pub fn run_with_crashes<P: Protocol>(
    make: impl FnMut(NodeConfig) -> P,
    n: usize,
    crashed: &[NodeIdx],
    seed: u64,
    until: Nanos,
) -> TestNet<P> {
    let mut net = TestNet::new(n, seed, make);
    for &c in crashed {
        net.crash(c);
    }
    net.start();
    net.submit_txs(20);
    net.run_until(until);
    net
}

/// n = 4 with node 3 Byzantine (`beh`), run until `until`: agreement holds, the correct nodes
/// reach height 3, and only n3 is accused, by correct nodes. Returns the net for more checks.
pub fn byzantine_n3<P: Protocol>(
    make: impl FnMut(NodeConfig) -> P,
    beh: Behaviour,
    seed: u64,
    until: Nanos,
) -> TestNet<P> {
    let mut net = TestNet::with_configs(configs(4, None, &[(3, beh)]), seed, make);
    net.start();
    net.run_until(until);
    net.assert_agreement();
    assert!(net.min_correct_height() >= 3, "{beh:?}: height {}", net.min_correct_height());
    for (reporter, _, accused) in net.evidence() {
        assert!(net.is_correct(reporter) && accused == vec![3], "{beh:?}: only n3 is accused");
    }
    net
}

/// Faults within the bound: f nodes crash at `crash_at` ms for `down_for` ms, then, `part_at` ms
/// later, the first `cut` nodes are cut from the others for 2 s.
#[derive(Debug, Clone)]
pub struct FaultBound {
    pub seed: u64,
    pub n: usize,
    pub crash_at: u64,
    pub down_for: u64,
    pub cut: usize,
    pub part_at: u64,
}

/// Fault schedules within the bound, on 4 or 7 validators.
pub fn fault_bounds() -> impl Strategy<Value = FaultBound> {
    (
        0u64..1000,
        proptest::sample::select(vec![4usize, 7]),
        0u64..3000,
        0u64..4000,
        1usize..3,
        0u64..3000,
    )
        .prop_map(|(seed, n, crash_at, down_for, cut, part_at)| FaultBound {
            seed,
            n,
            crash_at,
            down_for,
            cut,
            part_at,
        })
}

impl FaultBound {
    /// Runs the schedule: agreement holds, and every correct node decides again within
    /// `recover` of healing.
    pub fn check<P: Protocol>(
        &self,
        make: impl FnMut(NodeConfig) -> P,
        recover: Nanos,
    ) -> Result<(), TestCaseError> {
        let n = self.n;
        let f = (n - 1) / 3;
        let mut net = TestNet::new(n, self.seed, make);
        net.start();
        net.submit_txs(5);
        net.run_until(self.crash_at * MS);
        for i in 0..f {
            net.crash(i);
        }
        net.run_for(self.down_for * MS);
        for i in 0..f {
            net.restart(i);
        }
        net.run_for(self.part_at * MS);
        let (a, b): (Vec<usize>, Vec<usize>) = (0..n).partition(|&i| i < self.cut);
        net.partition(&[&a, &b]);
        net.run_for(2 * S);
        net.heal();
        let healed = net.now();
        let before = (0..n).map(|i| net.height(i)).collect::<Vec<_>>();
        net.run_until(healed + recover);
        net.assert_agreement();
        for (i, b) in before.iter().enumerate() {
            prop_assert!(net.height(i) > *b, "n{} stuck at {}", i, b);
        }
        Ok(())
    }
}

/// No node proposed two different blocks at one (height, round) — at one round whatever the
/// height when `view_keyed` (HotStuff's views).
pub fn assert_one_proposal_per_slot<P: Protocol>(net: &TestNet<P>, view_keyed: bool) {
    use super::testkit::TraceKind;
    let mut first = std::collections::BTreeMap::new();
    for e in net.trace() {
        if let TraceKind::Propose { height, round, block } = e.kind {
            let key = (e.node, if view_keyed { 0 } else { height }, round);
            let held = *first.entry(key).or_insert(block);
            assert_eq!(
                held, block,
                "n{} proposed two blocks at (height {height}, round {round})",
                e.node
            );
        }
    }
}

/// n = 4; `leader` proposes first while the two nodes after it are down (nothing can be
/// decided), then crashes and restarts twice within its round, other transactions waiting each
/// time: it must never propose a different block in that round (its proposal is kept like its
/// votes).
pub fn restarted_leader_proposes_nothing_new<P: Protocol>(
    make: impl FnMut(NodeConfig) -> P,
    leader: NodeIdx,
    view_keyed: bool,
    seed: u64,
) {
    use super::testkit::TraceKind;
    let mut net = TestNet::new(4, seed, make);
    for d in [(leader + 1) % 4, (leader + 2) % 4] {
        net.crash(d);
    }
    net.start();
    net.submit_txs(3);
    net.run_for(300 * MS);
    let proposed = |net: &TestNet<P>| {
        net.trace()
            .iter()
            .filter(|e| e.node == leader && matches!(e.kind, TraceKind::Propose { .. }))
            .count()
    };
    assert!(proposed(&net) >= 1, "n{leader} proposed nothing");
    for _ in 0..2 {
        net.crash(leader);
        net.submit_txs(3);
        net.restart(leader);
        net.run_for(300 * MS);
    }
    assert_one_proposal_per_slot(&net, view_keyed);
}
