//! PBFT rules on hand-built message sequences, and multi-node runs on the testkit.

use super::msg::{PbftMsg, ViewChange};
use super::viewchange::select;
use super::Pbft;
use crate::protocol::testkit::{configs, TestNet, MS, S};
use crate::protocol::{Block, BlockId};
use touchstone_core::scenario::Behaviour;
use touchstone_core::TxId;

fn block(id: u64, height: u64, view: u64, parent: BlockId) -> Block {
    Block {
        id: BlockId(id),
        height,
        round: view,
        parent,
        proposer: (view % 4) as usize,
        txs: vec![TxId(id)].into(),
    }
}

fn net(n: usize, seed: u64, variant: Option<&str>) -> TestNet<Pbft> {
    TestNet::with_configs(configs(n, variant, &[]), seed, Pbft::new)
}

#[test]
fn prepare_then_commit_then_decide_on_quorums() {
    let mut net = net(4, 1, None);
    let b = block(7, 1, 0, BlockId::GENESIS);
    net.inject(1, 0, PbftMsg::PrePrepare { view: 0, block: b.clone() });
    // Pre-prepare (primary) + own prepare: 2 of 4, not prepared yet.
    net.inject(1, 2, PbftMsg::Prepare { view: 0, seq: 1, block: b.id });
    // 3 of 4 prepared: commits; commits of n1 + n2 are not a quorum.
    net.inject(1, 2, PbftMsg::Commit { view: 0, seq: 1, block: b.id });
    assert_eq!(net.height(1), 0);
    net.inject(1, 3, PbftMsg::Commit { view: 0, seq: 1, block: b.id });
    assert_eq!(net.height(1), 1);
    let d = &net.decisions(1)[&1];
    assert_eq!((d.block, d.signers.clone()), (b.id, vec![1, 2, 3]));
}

#[test]
fn commits_for_another_block_do_not_count() {
    let mut net = net(4, 1, None);
    let b = block(7, 1, 0, BlockId::GENESIS);
    net.inject(1, 0, PbftMsg::PrePrepare { view: 0, block: b.clone() });
    net.inject(1, 2, PbftMsg::Prepare { view: 0, seq: 1, block: b.id });
    for from in [2, 3] {
        net.inject(1, from, PbftMsg::Commit { view: 0, seq: 1, block: BlockId(99) });
    }
    assert_eq!(net.height(1), 0);
}

#[test]
fn small_quorum_variant_decides_on_f_plus_one() {
    let mut net = net(4, 1, Some("small_quorum"));
    let b = block(7, 1, 0, BlockId::GENESIS);
    net.inject(1, 0, PbftMsg::PrePrepare { view: 0, block: b.clone() });
    net.inject(1, 0, PbftMsg::Commit { view: 0, seq: 1, block: b.id });
    assert_eq!(net.height(1), 1, "pre-prepare + own prepare and 2 commits are 'quorums' of f+1");
}

#[test]
fn a_second_preprepare_is_evidence_and_is_ignored() {
    let mut net = net(4, 1, None);
    net.inject(1, 0, PbftMsg::PrePrepare { view: 0, block: block(7, 1, 0, BlockId::GENESIS) });
    net.inject(1, 0, PbftMsg::PrePrepare { view: 0, block: block(8, 1, 0, BlockId::GENESIS) });
    assert_eq!(net.evidence(), vec![(1, "conflicting_proposal", vec![0])]);
}

#[test]
fn a_duplicate_vote_is_evidence() {
    let mut net = net(4, 1, None);
    net.inject(1, 2, PbftMsg::Prepare { view: 0, seq: 1, block: BlockId(7) });
    net.inject(1, 2, PbftMsg::Prepare { view: 0, seq: 1, block: BlockId(8) });
    assert_eq!(net.evidence(), vec![(1, "duplicate_vote", vec![2])]);
}

#[test]
fn preprepare_from_a_non_primary_is_ignored() {
    let mut net = net(4, 1, None);
    let mut b = block(7, 1, 0, BlockId::GENESIS);
    b.proposer = 2;
    net.inject(1, 2, PbftMsg::PrePrepare { view: 0, block: b });
    for from in [0, 2, 3] {
        net.inject(1, from, PbftMsg::Prepare { view: 0, seq: 1, block: BlockId(7) });
        net.inject(1, from, PbftMsg::Commit { view: 0, seq: 1, block: BlockId(7) });
    }
    assert_eq!(net.height(1), 0);
}

#[test]
fn new_view_reproposes_the_highest_prepared_block() {
    let g = BlockId::GENESIS;
    let vc = |from, decided, prepared: Vec<(u64, Block)>| ViewChange {
        view: 5,
        from,
        decided,
        prepared,
    };
    let vcs = vec![
        vc(0, 3, vec![(2, block(40, 4, 2, BlockId(30)))]),
        vc(1, 3, vec![(4, block(41, 4, 4, BlockId(30))), (4, block(51, 5, 4, BlockId(41)))]),
        vc(2, 2, vec![(1, block(30, 3, 1, g))]),
    ];
    let ids: Vec<u64> = select(&vcs).iter().map(|b| b.id.0).collect();
    assert_eq!(ids, vec![41, 51], "above the highest decided (3), highest view wins");
}

#[test]
fn n4_commits_without_faults() {
    let mut net = net(4, 3, None);
    net.start();
    net.submit_txs(20);
    net.run_until(2 * S);
    net.assert_agreement();
    assert!(net.min_correct_height() >= 1);
}

#[test]
fn view_change_replaces_a_crashed_primary() {
    let mut net = net(4, 5, None);
    net.start();
    net.crash(0);
    net.submit_txs(5);
    net.run_until(10 * S);
    net.assert_agreement();
    for i in 1..4 {
        assert!(net.height(i) >= 1, "n{i} decided nothing after the primary crashed");
        assert!(net.node(i).view() >= 1);
    }
}

#[test]
fn restarted_replica_catches_up() {
    let mut net = net(4, 7, None);
    net.start();
    net.crash(3);
    for _ in 0..5 {
        net.submit_txs(3);
        net.run_for(500 * MS);
    }
    let others = net.height(1);
    assert!(others >= 1);
    net.restart(3);
    net.run_for(3 * S);
    net.assert_agreement();
    assert!(net.height(3) >= others, "n3 at {} behind {others}", net.height(3));
}

#[test]
fn an_invalid_proposal_is_refused_and_the_primary_replaced() {
    let cfgs = configs(4, None, &[(0, Behaviour::InvalidProposal)]);
    let mut net = TestNet::with_configs(cfgs, 9, Pbft::new);
    net.start();
    net.submit_txs(5);
    net.run_until(10 * S);
    net.assert_agreement();
    assert!((1..4).all(|i| net.height(i) >= 1 && net.node(i).view() >= 1));
}

/// The blocks node `i` traced as proposals at (seq, view).
fn proposals(net: &TestNet<Pbft>, i: usize, seq: u64, view: u64) -> Vec<BlockId> {
    use crate::protocol::testkit::TraceKind;
    net.trace()
        .iter()
        .filter(|e| e.node == i)
        .filter_map(|e| match e.kind {
            TraceKind::Propose { height, round, block } if (height, round) == (seq, view) => {
                Some(block)
            }
            _ => None,
        })
        .collect()
}

#[test]
fn a_primary_restarted_within_its_view_proposes_the_same_block_again() {
    let mut net = net(4, 11, None);
    net.start();
    // Two replicas down: n0's proposal at sequence 1 cannot be decided.
    net.crash(2);
    net.crash(3);
    net.submit_txs(3);
    net.run_for(300 * MS);
    let first = proposals(&net, 0, 1, 0);
    assert_eq!(first.len(), 1, "n0 proposed at sequence 1 in view 0");
    // n0 crashes and restarts within view 0 with other transactions waiting.
    net.crash(0);
    net.submit_txs(3);
    net.restart(0);
    net.run_for(500 * MS);
    assert_eq!(net.node(0).view(), 0);
    let all = proposals(&net, 0, 1, 0);
    assert!(all.iter().all(|b| *b == first[0]), "n0 proposed {all:?} at (1, 0)");
    assert!(net.evidence().is_empty(), "{:?}", net.evidence());
}

#[test]
fn a_primary_restarted_twice_within_its_view_proposes_nothing_new() {
    crate::protocol::multinode::restarted_leader_proposes_nothing_new(Pbft::new, 0, false, 25);
}

#[test]
fn a_new_primary_restarted_in_its_view_keeps_the_blocks_its_new_view_reproposed() {
    let mut net = net(4, 13, None);
    let b = block(7, 1, 0, BlockId::GENESIS);
    // n1 leads view 1: the others ask for it, with b prepared in view 0.
    for from in [0, 2, 3] {
        let vc = ViewChange { view: 1, from, decided: 0, prepared: vec![(0, b.clone())] };
        net.inject(1, from, PbftMsg::ViewChange(vc.into()));
    }
    assert_eq!((net.node(1).view(), net.node(1).in_view_change()), (1, false));
    net.crash(1);
    net.submit_txs(3);
    net.restart(1);
    net.run_for(500 * MS);
    let all = proposals(&net, 1, 1, 1);
    assert!(all.iter().all(|id| *id == b.id), "n1 proposed {all:?} at (1, 1) besides {}", b.id);
}

#[test]
fn a_replica_restarted_during_a_view_change_takes_no_part_in_the_view_it_left() {
    use crate::protocol::testkit::TraceKind;
    use crate::protocol::Timer;
    let mut net = net(4, 29, None);
    net.start_node(2);
    net.submit_txs(1);
    // No decision for a timeout with work pending: n2 asks for view 1.
    net.fire(2, Timer { kind: 2, height: 0, round: 0 });
    assert!(net.node(2).in_view_change());
    net.crash(2);
    net.restart(2);
    assert!(net.node(2).in_view_change(), "the view change survives the restart");
    // The old primary's pre-prepare of view 0 arrives: n2 left view 0 and must not prepare it.
    net.inject(2, 0, PbftMsg::PrePrepare { view: 0, block: block(7, 1, 0, BlockId::GENESIS) });
    let votes_in_view_0 = net
        .trace()
        .iter()
        .filter(|e| e.node == 2 && matches!(e.kind, TraceKind::Vote { round: 0, .. }))
        .count();
    assert_eq!(votes_in_view_0, 0, "n2 voted in the view it had left");
}
