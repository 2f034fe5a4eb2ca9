//! Vote bookkeeping for one height: tallies by (round, type) and value, kept incrementally so
//! that adding a vote and asking for a quorum are O(log n).

use super::msg::{Vote, VoteType};
use crate::protocol::{BlockId, NodeConfig, NodeIdx};
use std::collections::{BTreeMap, BTreeSet};

/// What adding a vote did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Added {
    /// A new vote, counted.
    New,
    /// The same vote again (ignored).
    Duplicate,
    /// A second, different vote from the same voter at this (round, type): proof of
    /// equivocation. Reported once; counted towards its own value's power (not again towards
    /// the power of any value, nor the voter's recorded vote), so that a correct node sees
    /// the same polkas as its peers whatever order an equivocator's votes arrived in (as
    /// Tendermint's vote sets take a conflicting vote for a value a peer claims +2/3 for).
    /// Safety holds: two quorums still share a correct voter, who votes once.
    Conflict,
    /// A further conflicting vote after one was reported.
    AlreadyReported,
}

/// Votes of one (round, type).
#[derive(Debug, Default, Clone)]
pub struct RoundVotes {
    by_voter: BTreeMap<NodeIdx, Option<BlockId>>,
    power_by_value: BTreeMap<Option<BlockId>, u64>,
    any_power: u64,
    reported: BTreeSet<NodeIdx>,
    /// Conflicting votes counted towards their value (voter, value).
    also: BTreeSet<(NodeIdx, Option<BlockId>)>,
}

impl RoundVotes {
    pub fn power_for(&self, value: Option<BlockId>) -> u64 {
        self.power_by_value.get(&value).copied().unwrap_or(0)
    }

    pub fn any_power(&self) -> u64 {
        self.any_power
    }

    /// The recorded (first) vote of `voter`.
    pub fn vote_of(&self, voter: NodeIdx) -> Option<Option<BlockId>> {
        self.by_voter.get(&voter).copied()
    }

    /// Voters for `value`, in index order (an equivocator's conflicting vote included).
    pub fn signers(&self, value: Option<BlockId>) -> Vec<NodeIdx> {
        let mut v: Vec<NodeIdx> =
            self.by_voter.iter().filter(|(_, v)| **v == value).map(|(i, _)| *i).collect();
        v.extend(self.also.iter().filter(|(_, b)| *b == value).map(|(i, _)| *i));
        v.sort_unstable();
        v
    }

    /// A value other than nil with a quorum, if any.
    pub fn quorum_block(&self, cfg: &NodeConfig) -> Option<BlockId> {
        self.power_by_value
            .iter()
            .find(|(v, p)| v.is_some() && cfg.is_quorum(**p))
            .and_then(|(v, _)| *v)
    }
}

/// All votes received at one height.
#[derive(Debug, Default, Clone)]
pub struct HeightVotes {
    rounds: BTreeMap<(u64, VoteType), RoundVotes>,
}

impl HeightVotes {
    pub fn add(&mut self, vote: &Vote, cfg: &NodeConfig) -> Added {
        let rv = self.rounds.entry((vote.round, vote.vtype)).or_default();
        let p = cfg.powers.get(vote.voter).copied().unwrap_or(0);
        match rv.by_voter.get(&vote.voter) {
            Some(v) if *v == vote.block => Added::Duplicate,
            Some(_) => {
                if rv.also.insert((vote.voter, vote.block)) {
                    *rv.power_by_value.entry(vote.block).or_default() += p;
                }
                if rv.reported.insert(vote.voter) {
                    Added::Conflict
                } else {
                    Added::AlreadyReported
                }
            }
            None => {
                rv.by_voter.insert(vote.voter, vote.block);
                *rv.power_by_value.entry(vote.block).or_default() += p;
                rv.any_power += p;
                Added::New
            }
        }
    }

    pub fn get(&self, round: u64, vtype: VoteType) -> Option<&RoundVotes> {
        self.rounds.get(&(round, vtype))
    }

    /// Power of votes for `value` at (round, type).
    pub fn power_for(&self, round: u64, vtype: VoteType, value: Option<BlockId>) -> u64 {
        self.get(round, vtype).map_or(0, |r| r.power_for(value))
    }

    pub fn any_power(&self, round: u64, vtype: VoteType) -> u64 {
        self.get(round, vtype).map_or(0, |r| r.any_power())
    }

    pub fn clear(&mut self) {
        self.rounds.clear();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::protocol::testkit::default_config;

    fn vote(voter: NodeIdx, block: Option<u64>) -> Vote {
        Vote { vtype: VoteType::Prevote, height: 1, round: 0, block: block.map(BlockId), voter }
    }

    #[test]
    fn quorum_needs_distinct_voters_with_more_than_two_thirds() {
        let cfg = default_config(4, 0);
        let mut hv = HeightVotes::default();
        assert_eq!(hv.add(&vote(1, Some(7)), &cfg), Added::New);
        assert_eq!(hv.add(&vote(1, Some(7)), &cfg), Added::Duplicate);
        assert_eq!(hv.add(&vote(2, Some(7)), &cfg), Added::New);
        let rv = hv.get(0, VoteType::Prevote).unwrap();
        assert!(!cfg.is_quorum(rv.power_for(Some(BlockId(7)))));
        assert_eq!(rv.quorum_block(&cfg), None);
        hv.add(&vote(3, Some(7)), &cfg);
        let rv = hv.get(0, VoteType::Prevote).unwrap();
        assert_eq!(rv.quorum_block(&cfg), Some(BlockId(7)));
        assert_eq!(rv.signers(Some(BlockId(7))), vec![1, 2, 3]);
    }

    #[test]
    fn a_second_different_vote_is_a_conflict_reported_once_and_counted_for_its_value_only() {
        let cfg = default_config(4, 0);
        let mut hv = HeightVotes::default();
        hv.add(&vote(3, Some(7)), &cfg);
        assert_eq!(hv.add(&vote(3, Some(8)), &cfg), Added::Conflict);
        assert_eq!(hv.add(&vote(3, None), &cfg), Added::AlreadyReported);
        assert_eq!(hv.add(&vote(3, Some(8)), &cfg), Added::AlreadyReported);
        // Each value the equivocator voted for counts it once; the voter counts once in all.
        assert_eq!(hv.power_for(0, VoteType::Prevote, Some(BlockId(7))), 1);
        assert_eq!(hv.power_for(0, VoteType::Prevote, Some(BlockId(8))), 1);
        assert_eq!(hv.power_for(0, VoteType::Prevote, None), 1);
        assert_eq!(hv.any_power(0, VoteType::Prevote), 1);
        let rv = hv.get(0, VoteType::Prevote).unwrap();
        assert_eq!(rv.vote_of(3), Some(Some(BlockId(7))));
        assert_eq!(rv.signers(Some(BlockId(8))), vec![3]);
    }

    #[test]
    fn a_polka_is_seen_whichever_of_an_equivocators_votes_arrives_first() {
        // n3 equivocates between 7 and nil; n0..n2 vote 7. Both arrival orders give the polka.
        let cfg = default_config(4, 0);
        for first in [Some(7), None] {
            let mut hv = HeightVotes::default();
            hv.add(&vote(3, first), &cfg);
            hv.add(&vote(3, if first.is_some() { None } else { Some(7) }), &cfg);
            for v in 0..2 {
                hv.add(&vote(v, Some(7)), &cfg);
            }
            let rv = hv.get(0, VoteType::Prevote).unwrap();
            assert_eq!(rv.quorum_block(&cfg), Some(BlockId(7)), "first vote {first:?}");
        }
    }
}
