//! Tendermint wire messages.

use crate::protocol::{Block, BlockId, NodeIdx, WireMessage};

/// The two vote types of a Tendermint round.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum VoteType {
    Prevote,
    Precommit,
}

impl VoteType {
    /// The `vtype` of `cons.vote`.
    pub fn name(self) -> &'static str {
        match self {
            VoteType::Prevote => "prevote",
            VoteType::Precommit => "precommit",
        }
    }
}

/// A signed vote (the signature is modelled by `voter`: simulated nodes never forge).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Vote {
    pub vtype: VoteType,
    pub height: u64,
    pub round: u64,
    /// `None` is a nil vote.
    pub block: Option<BlockId>,
    pub voter: NodeIdx,
}

/// A decided block with its commit certificate: the distinct precommit signers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CommitCert {
    pub block: Block,
    pub round: u64,
    pub signers: Vec<NodeIdx>,
}

#[derive(Debug, Clone)]
pub enum TmMsg {
    /// A proposal signed by `block.proposer`, with its proof-of-lock round (`validRound`).
    Proposal {
        block: Block,
        pol_round: Option<u64>,
    },
    Vote(Vote),
    /// The prevotes of a proof-of-lock, relayed by a proposer re-proposing its valid value
    /// (Tendermint nodes gossip the signed votes they hold): a peer that missed some of them
    /// (it was behind, or an equivocator sent it another vote) can still accept the proposal.
    /// Votes are signed in the protocol this models, so a relay cannot forge one; the
    /// simulator's Byzantine behaviours relay only votes that were cast.
    Pol {
        votes: std::sync::Arc<[Vote]>,
    },
    /// Catch-up: a decided block and its certificate. `more` says the sender has later ones.
    Commit {
        cert: CommitCert,
        more: bool,
    },
    /// Catch-up request: "I am working on height `next`; send me what you decided from there".
    Status {
        next: u64,
    },
}

impl WireMessage for TmMsg {
    fn mtype(&self) -> &'static str {
        match self {
            TmMsg::Proposal { .. } => "proposal",
            TmMsg::Vote(v) => v.vtype.name(),
            TmMsg::Pol { .. } => "pol",
            TmMsg::Commit { .. } => "commit",
            TmMsg::Status { .. } => "status",
        }
    }

    fn wire_size(&self) -> u64 {
        match self {
            TmMsg::Proposal { block, .. } => 160 + 64 * block.txs.len() as u64,
            TmMsg::Vote(_) => 112,
            TmMsg::Pol { votes } => 16 + 112 * votes.len() as u64,
            TmMsg::Commit { cert, .. } => {
                160 + 64 * cert.block.txs.len() as u64 + 72 * cert.signers.len() as u64
            }
            TmMsg::Status { .. } => 16,
        }
    }

    fn height_round(&self) -> (Option<u64>, Option<u64>) {
        match self {
            TmMsg::Proposal { block, .. } => (Some(block.height), Some(block.round)),
            TmMsg::Vote(v) => (Some(v.height), Some(v.round)),
            TmMsg::Pol { votes } => {
                (votes.first().map(|v| v.height), votes.first().map(|v| v.round))
            }
            TmMsg::Commit { cert, .. } => (Some(cert.block.height), Some(cert.round)),
            TmMsg::Status { next } => (Some(*next), None),
        }
    }
}
