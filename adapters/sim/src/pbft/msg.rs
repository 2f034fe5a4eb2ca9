//! PBFT's messages.

use crate::protocol::{Block, BlockId, NodeIdx, WireMessage};
use std::sync::Arc;

/// A replica's request to move to `view`, with what it has prepared above what it decided.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ViewChange {
    pub view: u64,
    pub from: NodeIdx,
    pub decided: u64,
    /// Prepared certificates `(view prepared in, block)` for sequence numbers above `decided`.
    pub prepared: Vec<(u64, Block)>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PbftMsg {
    /// The primary's proposal; the sequence number is `block.height`.
    PrePrepare {
        view: u64,
        block: Block,
    },
    Prepare {
        view: u64,
        seq: u64,
        block: BlockId,
    },
    Commit {
        view: u64,
        seq: u64,
        block: BlockId,
    },
    ViewChange(Arc<ViewChange>),
    /// The new primary's proof (a quorum of view changes) and the blocks it re-proposes.
    NewView {
        view: u64,
        vcs: Arc<[ViewChange]>,
        blocks: Vec<Block>,
    },
    /// Asks for decided blocks from `from_seq` on (catch-up).
    Fetch {
        from_seq: u64,
    },
    /// A decided block with its commit certificate, as an answer to `Fetch`.
    Decided {
        seq: u64,
        view: u64,
        block: Block,
        signers: Arc<[NodeIdx]>,
        /// The sender decided more than this answer holds: ask it again at once.
        more: bool,
    },
}

fn block_bytes(b: &Block) -> u64 {
    64 + 96 * b.txs.len() as u64
}

impl WireMessage for PbftMsg {
    fn mtype(&self) -> &'static str {
        match self {
            PbftMsg::PrePrepare { .. } => "pre_prepare",
            PbftMsg::Prepare { .. } => "prepare",
            PbftMsg::Commit { .. } => "commit",
            PbftMsg::ViewChange(_) => "view_change",
            PbftMsg::NewView { .. } => "new_view",
            PbftMsg::Fetch { .. } => "fetch",
            PbftMsg::Decided { .. } => "decided",
        }
    }

    fn wire_size(&self) -> u64 {
        match self {
            PbftMsg::PrePrepare { block, .. } => 32 + block_bytes(block),
            PbftMsg::Prepare { .. } | PbftMsg::Commit { .. } => 96,
            PbftMsg::ViewChange(vc) => {
                64 + vc.prepared.iter().map(|(_, b)| block_bytes(b)).sum::<u64>()
            }
            PbftMsg::NewView { vcs, blocks, .. } => {
                64 + vcs
                    .iter()
                    .map(|vc| 64 + vc.prepared.iter().map(|(_, b)| block_bytes(b)).sum::<u64>())
                    .sum::<u64>()
                    + blocks.iter().map(block_bytes).sum::<u64>()
            }
            PbftMsg::Fetch { .. } => 32,
            PbftMsg::Decided { block, signers, .. } => {
                32 + block_bytes(block) + 72 * signers.len() as u64
            }
        }
    }

    fn height_round(&self) -> (Option<u64>, Option<u64>) {
        match self {
            PbftMsg::PrePrepare { view, block } => (Some(block.height), Some(*view)),
            PbftMsg::Prepare { view, seq, .. } | PbftMsg::Commit { view, seq, .. } => {
                (Some(*seq), Some(*view))
            }
            PbftMsg::ViewChange(vc) => (Some(vc.decided + 1), Some(vc.view)),
            PbftMsg::NewView { view, .. } => (None, Some(*view)),
            PbftMsg::Fetch { from_seq } => (Some(*from_seq), None),
            PbftMsg::Decided { seq, view, .. } => (Some(*seq), Some(*view)),
        }
    }
}
