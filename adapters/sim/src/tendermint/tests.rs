//! Tendermint rule tests on hand-built message sequences, and multi-node tests on the testkit.

use super::msg::{TmMsg, Vote, VoteType};
use super::{Step, Tendermint};
use crate::protocol::multinode::{self, byzantine_n3, fault_bounds};
use crate::protocol::scenario_check::assert_broken_variant_loses_agreement;
use crate::protocol::testkit::{configs, default_config, TestNet, Verdict, S};
use crate::protocol::{Block, BlockId, NodeConfig};
use touchstone_core::scenario::Behaviour;

fn net(n: usize, seed: u64) -> TestNet<Tendermint> {
    TestNet::new(n, seed, Tendermint::new)
}

#[test]
fn n4_commits_without_faults() {
    let mut net = net(4, 1);
    net.start();
    net.submit_txs(10);
    net.run_until(5 * S);
    net.assert_agreement();
    assert!(net.min_correct_height() >= 10, "height {}", net.min_correct_height());
    let d = &net.decisions(0)[&1];
    assert!(d.signers.len() >= 3);
}

/// n = 4 with `byz` equivocating and every message from `slow` delayed by 2 s.
fn attack_net(variant: Option<&str>, byz: usize, slow: usize, seed: u64) -> TestNet<Tendermint> {
    let cfgs = configs(4, variant, &[(byz, Behaviour::Equivocate)]);
    let mut net = TestNet::with_configs(cfgs, seed, Tendermint::new);
    net.set_filter(
        move |_, from, _, _| if from == slow { Verdict::Delay(2 * S) } else { Verdict::Pass },
    );
    net
}

fn block(id: u64, round: u64, proposer: usize) -> Block {
    Block {
        id: BlockId(id),
        height: 1,
        round,
        parent: BlockId::GENESIS,
        proposer,
        txs: Vec::new().into(),
    }
}

fn vote(vtype: VoteType, round: u64, b: Option<u64>, voter: usize) -> TmMsg {
    TmMsg::Vote(Vote { vtype, height: 1, round, block: b.map(BlockId), voter })
}

/// A lone node 0 of 4 (the others never run): messages are injected by hand.
fn lone(variant: Option<&str>) -> TestNet<Tendermint> {
    multinode::lone(Tendermint::new, variant)
}

/// Node 0 locks A in round 0, then sees round 1 with proposal B (no proof of lock).
fn lock_then_other_proposal(variant: Option<&str>) -> TestNet<Tendermint> {
    let mut net = lone(variant);
    let p0 = Tendermint::proposer(&default_config(4, 0), 1, 0);
    net.inject(0, p0, TmMsg::Proposal { block: block(10, 0, p0), pol_round: None });
    assert_eq!(net.node(0).my_vote(1, 0, VoteType::Prevote), Some(Some(BlockId(10))));
    for j in 1..4 {
        net.inject(0, j, vote(VoteType::Prevote, 0, Some(10), j));
    }
    assert_eq!(net.node(0).my_vote(1, 0, VoteType::Precommit), Some(Some(BlockId(10))));
    // Round 1: more than a third of the power is there (prevoting B), so node 0 follows.
    for j in [2, 3] {
        net.inject(0, j, vote(VoteType::Prevote, 1, Some(20), j));
    }
    assert_eq!(net.node(0).round(), 1);
    let p1 = Tendermint::proposer(&default_config(4, 0), 1, 1);
    net.inject(0, p1, TmMsg::Proposal { block: block(20, 1, p1), pol_round: None });
    net
}

#[test]
fn lock_prevents_prevoting_another_block() {
    let net = lock_then_other_proposal(None);
    assert_eq!(net.node(0).locked(), Some((0, BlockId(10))));
    assert_eq!(net.node(0).my_vote(1, 1, VoteType::Prevote), Some(None));
}

#[test]
fn no_lock_variant_prevotes_another_block() {
    let net = lock_then_other_proposal(Some("no_lock"));
    assert_eq!(net.node(0).locked(), None);
    assert_eq!(net.node(0).my_vote(1, 1, VoteType::Prevote), Some(Some(BlockId(20))));
}

#[test]
fn proof_of_lock_at_a_later_round_unlocks() {
    let mut net = lock_then_other_proposal(None);
    // Round 1 gets a quorum of prevotes for B (20): node 0 moves its lock to B, and a
    // proposal of B at round 2 with pol_round 1 gets its prevote.
    net.inject(0, 1, vote(VoteType::Prevote, 1, Some(20), 1));
    assert_eq!(net.node(0).locked(), Some((1, BlockId(20))));
    assert_eq!(net.node(0).valid(), Some((1, BlockId(20))));
    for j in [1, 2] {
        net.inject(0, j, vote(VoteType::Prevote, 2, None, j));
    }
    assert_eq!(net.node(0).round(), 2);
    let p2 = Tendermint::proposer(&default_config(4, 0), 1, 2);
    net.inject(0, p2, TmMsg::Proposal { block: block(20, 2, p2), pol_round: Some(1) });
    assert_eq!(net.node(0).my_vote(1, 2, VoteType::Prevote), Some(Some(BlockId(20))));
}

#[test]
fn proof_of_lock_below_the_lock_does_not_unlock() {
    let mut net = lone(None);
    let cfg = default_config(4, 0);
    // Locked on A at round 1 (after a nil round 0).
    for j in [2, 3] {
        net.inject(0, j, vote(VoteType::Prevote, 1, Some(10), j));
    }
    let p1 = Tendermint::proposer(&cfg, 1, 1);
    net.inject(0, p1, TmMsg::Proposal { block: block(10, 1, p1), pol_round: None });
    net.inject(0, 1, vote(VoteType::Prevote, 1, Some(10), 1));
    assert_eq!(net.node(0).locked(), Some((1, BlockId(10))));
    // B with a proof of lock from round 0 (older than the lock).
    for j in 1..4 {
        net.inject(0, j, vote(VoteType::Prevote, 0, Some(20), j));
    }
    for j in [1, 3] {
        net.inject(0, j, vote(VoteType::Prevote, 2, None, j));
    }
    let p2 = Tendermint::proposer(&cfg, 1, 2);
    net.inject(0, p2, TmMsg::Proposal { block: block(20, 2, p2), pol_round: Some(0) });
    assert_eq!(net.node(0).my_vote(1, 2, VoteType::Prevote), Some(None));
}

#[test]
fn quorum_of_precommits_decides_and_fewer_do_not() {
    let mut net = lone(None);
    let p0 = Tendermint::proposer(&default_config(4, 0), 1, 0);
    net.inject(0, p0, TmMsg::Proposal { block: block(10, 0, p0), pol_round: None });
    net.inject(0, 1, vote(VoteType::Precommit, 0, Some(10), 1));
    net.inject(0, 2, vote(VoteType::Precommit, 0, Some(10), 2));
    assert_eq!(net.height(0), 0);
    net.inject(0, 3, vote(VoteType::Precommit, 0, Some(10), 3));
    assert_eq!(net.height(0), 1);
    assert_eq!(net.decisions(0)[&1].signers, vec![1, 2, 3]);
}

#[test]
fn duplicate_vote_is_reported_as_evidence() {
    let mut net = lone(None);
    net.inject(0, 3, vote(VoteType::Prevote, 0, Some(10), 3));
    net.inject(0, 3, vote(VoteType::Prevote, 0, Some(11), 3));
    assert_eq!(net.evidence(), vec![(0, "duplicate_vote", vec![3])]);
}

#[test]
fn timeouts_grow_with_the_round() {
    let t = Tendermint::new(default_config(4, 0));
    assert!(
        t.timeout_propose(3) > t.timeout_propose(2) && t.timeout_propose(2) > t.timeout_propose(0)
    );
    assert!(t.timeout_vote(3) > t.timeout_vote(0));
}

#[test]
fn proposer_rotation_is_weighted_by_power() {
    let cfg = NodeConfig { powers: vec![3, 1], ..default_config(2, 0) };
    let counts = (0..40).fold([0; 2], |mut c, r| {
        c[Tendermint::proposer(&cfg, 1, r)] += 1;
        c
    });
    assert_eq!(counts, [30, 10]);
}

#[test]
fn restart_keeps_votes_and_amnesia_forgets_them() {
    for (beh, kept) in [(None, true), (Some(Behaviour::Amnesia), false)] {
        let cfgs = (0..4)
            .map(|i| NodeConfig {
                behaviour: if i == 0 { beh } else { None },
                ..default_config(4, i)
            })
            .collect();
        let mut net = TestNet::with_configs(cfgs, 0, Tendermint::new);
        net.start_node(0);
        let p0 = Tendermint::proposer(&default_config(4, 0), 1, 0);
        net.inject(0, p0, TmMsg::Proposal { block: block(10, 0, p0), pol_round: None });
        for j in 1..4 {
            net.inject(0, j, vote(VoteType::Prevote, 0, Some(10), j));
        }
        net.crash(0);
        net.restart(0);
        assert_eq!(net.node(0).my_vote(1, 0, VoteType::Precommit).is_some(), kept);
        assert_eq!(net.node(0).locked().is_some(), kept);
        assert_eq!(net.node(0).step() == Step::Precommit, kept);
    }
}

fn run_with_crashes(n: usize, crashed: &[usize], seed: u64) -> TestNet<Tendermint> {
    multinode::run_with_crashes(Tendermint::new, n, crashed, seed, 20 * S)
}

#[test]
fn n4_one_crashed_keeps_agreement_and_progress() {
    let net = run_with_crashes(4, &[2], 3);
    net.assert_agreement();
    assert!(net.min_correct_height() >= 10, "height {}", net.min_correct_height());
}

#[test]
fn n7_two_crashed_keeps_agreement_and_progress() {
    let net = run_with_crashes(7, &[1, 5], 4);
    net.assert_agreement();
    assert!(net.min_correct_height() >= 5, "height {}", net.min_correct_height());
}

#[test]
fn restarted_node_catches_up() {
    let mut net = net(4, 5);
    net.start();
    net.run_until(2 * S);
    net.crash(1);
    net.run_until(8 * S);
    net.restart(1);
    net.run_until(12 * S);
    net.assert_agreement();
    assert!(net.height(1) + 3 >= net.height(0), "n1 at {}, n0 at {}", net.height(1), net.height(0));
}

#[test]
fn double_voter_is_accused_and_invalid_proposals_are_never_decided() {
    for beh in [
        Behaviour::DoubleVote,
        Behaviour::InvalidProposal,
        Behaviour::Equivocate,
        Behaviour::Amnesia,
    ] {
        let net = byzantine_n3(Tendermint::new, beh, 6, 10 * S);
        if beh == Behaviour::DoubleVote {
            assert!(!net.evidence().is_empty());
        }
        if beh == Behaviour::InvalidProposal {
            assert!((0..3)
                .all(|i| net.decisions(i).values().all(|d| d.txs.iter().all(|t| t.0 < 1 << 62))));
        }
    }
}

#[test]
fn n31_runs_to_completion() {
    let net = run_with_crashes(31, &[], 7);
    net.assert_agreement();
    assert!(net.min_correct_height() >= 10, "height {}", net.min_correct_height());
}

/// The seed search of the broken variant: with n3 equivocating and n0's messages 2 s late,
/// `no_lock` loses agreement; the correct protocol never does.
#[test]
fn no_lock_seed_search_finds_a_disagreement() {
    let found = (0..20).find(|&seed| {
        let mut net = attack_net(Some("no_lock"), 3, 0, seed);
        net.start();
        net.run_until(6 * S);
        net.disagreement().is_some()
    });
    assert!(found.is_some(), "no disagreement found in 20 seeds");
    for seed in 0..20 {
        let mut net = attack_net(None, 3, 0, seed);
        net.start();
        net.run_until(6 * S);
        net.assert_agreement();
    }
}

#[test]
fn scenario_nolock_loses_agreement_on_the_simulator() {
    assert_broken_variant_loses_agreement("byzantine-tendermint-nolock.toml");
}

mod proptests {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        #![proptest_config(ProptestConfig { cases: 16, ..ProptestConfig::default() })]
        /// Within the fault bound (f crashed for a while, then a partition), agreement holds and
        /// every correct node decides again within 15 s of healing.
        #[test]
        fn agreement_and_liveness_within_the_bound(faults in fault_bounds()) {
            faults.check(Tendermint::new, 15 * S)?;
        }
    }
}

#[test]
fn a_proposer_restarted_within_its_round_proposes_nothing_new() {
    let leader = Tendermint::proposer(&default_config(4, 0), 1, 0);
    multinode::restarted_leader_proposes_nothing_new(Tendermint::new, leader, false, 21);
}
