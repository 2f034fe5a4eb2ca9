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
