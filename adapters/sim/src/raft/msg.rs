//! Raft's messages.

use crate::protocol::{Block, NodeIdx, WireMessage};
use std::sync::Arc;

/// One log entry: a block of transactions appended in `term`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry {
    pub term: u64,
    pub block: Block,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RaftMsg {
    RequestVote {
        term: u64,
        last_index: u64,
        last_term: u64,
    },
    Vote {
        term: u64,
        granted: bool,
    },
    /// `signers`: the nodes whose acknowledgements committed the leader's `commit` index.
    Append {
        term: u64,
        prev_index: u64,
        prev_term: u64,
        entries: Vec<Entry>,
        commit: u64,
        signers: Arc<[NodeIdx]>,
    },
    /// `index`: on success the last index known to match; on failure a hint where to resume.
    AppendReply {
        term: u64,
        success: bool,
        index: u64,
    },
}

impl WireMessage for RaftMsg {
    fn mtype(&self) -> &'static str {
        match self {
            RaftMsg::RequestVote { .. } => "request_vote",
            RaftMsg::Vote { .. } => "vote",
            RaftMsg::Append { .. } => "append_entries",
            RaftMsg::AppendReply { .. } => "append_reply",
        }
    }

    fn wire_size(&self) -> u64 {
        match self {
            RaftMsg::Append { entries, signers, .. } => {
                64 + 8 * signers.len() as u64
                    + entries.iter().map(|e| 64 + 96 * e.block.txs.len() as u64).sum::<u64>()
            }
            _ => 48,
        }
    }

    fn height_round(&self) -> (Option<u64>, Option<u64>) {
        match *self {
            RaftMsg::RequestVote { term, last_index, .. } => (Some(last_index), Some(term)),
            RaftMsg::Vote { term, .. } => (None, Some(term)),
            RaftMsg::Append { term, prev_index, .. } => (Some(prev_index + 1), Some(term)),
            RaftMsg::AppendReply { term, index, .. } => (Some(index), Some(term)),
        }
    }
}
