//! Raft rules on hand-built message sequences, and multi-node runs on the testkit.

use super::{Entry, Raft, RaftMsg};
use crate::protocol::testkit::{default_config, TestNet, MS, S};
use crate::protocol::{Block, BlockId, NodeConfig, Timer};
use std::sync::Arc;

const ELECTION: Timer = Timer { kind: 1, height: 0, round: 0 };

fn net(n: usize, seed: u64) -> TestNet<Raft> {
    let cfgs = (0..n)
        .map(|i| NodeConfig { quorum_num: 1, quorum_den: 2, ..default_config(n, i) })
        .collect();
    TestNet::with_configs(cfgs, seed, Raft::new)
}

fn entry(term: u64, height: u64, id: u64, parent: u64) -> Entry {
    Entry {
        term,
        block: Block {
            id: BlockId(id),
            height,
            round: term,
            parent: BlockId(parent),
            proposer: 0,
            txs: Vec::new().into(),
        },
    }
}

fn append(term: u64, prev_index: u64, prev_term: u64, entries: Vec<Entry>, commit: u64) -> RaftMsg {
    RaftMsg::Append {
        term,
        prev_index,
        prev_term,
        entries,
        commit,
        signers: Arc::from(vec![0, 1, 2]),
    }
}

#[test]
fn votes_once_per_term_and_only_for_up_to_date_logs() {
    let mut net = net(3, 1);
    net.inject(1, 0, RaftMsg::RequestVote { term: 1, last_index: 0, last_term: 0 });
    net.inject(1, 2, RaftMsg::RequestVote { term: 1, last_index: 0, last_term: 0 });
    let votes: Vec<_> = net
        .trace()
        .iter()
        .filter(|e| {
            matches!(e.kind, crate::protocol::testkit::TraceKind::Vote { vtype: "vote", .. })
        })
        .collect();
    assert_eq!(votes.len(), 1, "one vote in term 1");
    // A follower with a longer log refuses a candidate with a shorter one.
    net.inject(2, 0, append(1, 0, 0, vec![entry(1, 1, 11, 0)], 0));
    net.inject(2, 1, RaftMsg::RequestVote { term: 2, last_index: 0, last_term: 0 });
    let votes = net
        .trace()
        .iter()
        .filter(|e| {
            e.node == 2
                && matches!(
                    e.kind,
                    crate::protocol::testkit::TraceKind::Vote { vtype: "vote", block: None, .. }
                )
        })
        .count();
    assert_eq!(votes, 0);
}

#[test]
fn follower_applies_committed_entries_and_truncates_conflicts() {
    let mut net = net(3, 1);
    net.inject(1, 0, append(1, 0, 0, vec![entry(1, 1, 11, 0), entry(1, 2, 12, 11)], 1));
    assert_eq!(net.height(1), 1);
    // A new leader in term 2 overwrites the uncommitted entry 2.
    net.inject(1, 2, append(2, 1, 1, vec![entry(2, 2, 22, 11)], 2));
    assert_eq!(net.decisions(1)[&2].block, BlockId(22));
    // Mismatched previous entry: refused, nothing applied.
    net.inject(1, 2, append(2, 5, 2, vec![entry(2, 6, 26, 0)], 6));
    assert_eq!(net.height(1), 2);
}

#[test]
fn leader_commits_on_a_majority_of_acks() {
    let mut net = net(3, 1);
    net.fire(0, ELECTION);
    net.inject(0, 1, RaftMsg::Vote { term: 1, granted: true });
    assert!(net.node(0).is_leader());
    assert_eq!(net.height(0), 0, "the no-op entry waits for an ack");
    net.inject(0, 1, RaftMsg::AppendReply { term: 1, success: true, index: 1 });
    assert_eq!(net.height(0), 1);
    assert_eq!(net.decisions(0)[&1].signers, vec![0, 1]);
}

#[test]
fn n5_elects_a_leader_and_commits() {
    let mut net = net(5, 2);
    net.start();
    net.submit_txs(10);
    net.run_until(5 * S);
    net.assert_agreement();
    assert!(net.min_correct_height() >= 2, "height {}", net.min_correct_height());
}

#[test]
fn survives_a_crashed_leader() {
    let mut net = net(5, 3);
    net.start();
    net.submit_txs(5);
    net.run_until(4 * S);
    let leader = (0..5).find(|&i| net.node(i).is_leader()).expect("a leader");
    net.crash(leader);
    net.submit_txs(5);
    let h = net.min_correct_height();
    net.run_for(6 * S);
    net.assert_agreement();
    for i in (0..5).filter(|&i| i != leader) {
        assert!(net.height(i) > h, "n{i} stuck at {}", net.height(i));
    }
    net.restart(leader);
    net.run_for(3 * S);
    net.assert_agreement();
}

#[test]
fn a_leader_restarted_within_its_term_proposes_nothing_new() {
    let mut net = net(4, 27);
    net.start();
    net.submit_txs(3);
    net.run_until(3 * S);
    let leader = (0..4).find(|&i| net.node(i).is_leader()).expect("a leader");
    // Two followers down: the leader's next entries cannot commit.
    for d in [(leader + 1) % 4, (leader + 2) % 4] {
        net.crash(d);
    }
    net.submit_txs(3);
    net.run_for(300 * MS);
    for _ in 0..2 {
        net.crash(leader);
        net.submit_txs(3);
        net.restart(leader);
        net.run_for(300 * MS);
    }
    crate::protocol::multinode::assert_one_proposal_per_slot(&net, false);
}
