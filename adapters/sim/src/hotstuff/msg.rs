//! Chained HotStuff wire messages and certificates.

use crate::protocol::{Block, BlockId, NodeConfig, NodeIdx, WireMessage};
use std::sync::Arc;

/// A quorum certificate: distinct voters for `block` in `view` whose power is a quorum.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Qc {
    pub view: u64,
    pub block: BlockId,
    pub height: u64,
    pub signers: Arc<[NodeIdx]>,
}

impl Qc {
    /// The certificate of the genesis block (height 0, view 0, no signers).
    pub fn genesis() -> Qc {
        Qc { view: 0, block: BlockId::GENESIS, height: 0, signers: Arc::from(Vec::new()) }
    }

    /// Genesis, or distinct known signers holding a quorum of power.
    pub fn is_valid(&self, cfg: &NodeConfig) -> bool {
        if self.block == BlockId::GENESIS {
            return self.height == 0;
        }
        let distinct = self.signers.windows(2).all(|w| w[0] < w[1]);
        distinct
            && self.signers.iter().all(|&s| s < cfg.n())
            && cfg.is_quorum(cfg.power_of(self.signers.iter().copied()))
    }
}

/// A block in the tree with the certificate it carries (`justify`, which certifies its parent).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HsBlock {
    /// `block.round` is the view it was proposed in.
    pub block: Block,
    pub justify: Qc,
}

impl HsBlock {
    pub fn genesis() -> HsBlock {
        HsBlock {
            block: Block {
                id: BlockId::GENESIS,
                height: 0,
                round: 0,
                parent: BlockId::GENESIS,
                proposer: 0,
                txs: Arc::from(Vec::new()),
            },
            justify: Qc::genesis(),
        }
    }

    pub fn id(&self) -> BlockId {
        self.block.id
    }

    pub fn view(&self) -> u64 {
        self.block.round
    }
}

#[derive(Debug, Clone)]
pub enum HsMsg {
    /// The leader of `block.round` proposes `block`, extending `justify.block`.
    Proposal(Arc<HsBlock>),
    /// A vote for `block` in `view`, sent to the leader of `view + 1`.
    Vote { view: u64, block: BlockId, height: u64, voter: NodeIdx },
    /// "I left view `view - 1`"; carries the sender's highest certificate.
    NewView { view: u64, high_qc: Qc },
    /// Asks for a block and its ancestors.
    Fetch { id: BlockId },
    /// Blocks answering a fetch, highest first.
    Blocks(Vec<Arc<HsBlock>>),
}

impl WireMessage for HsMsg {
    fn mtype(&self) -> &'static str {
        match self {
            HsMsg::Proposal(_) => "proposal",
            HsMsg::Vote { .. } => "vote",
            HsMsg::NewView { .. } => "new_view",
            HsMsg::Fetch { .. } => "fetch",
            HsMsg::Blocks(_) => "blocks",
        }
    }

    fn wire_size(&self) -> u64 {
        let block =
            |b: &HsBlock| 200 + 64 * b.block.txs.len() as u64 + 72 * b.justify.signers.len() as u64;
        match self {
            HsMsg::Proposal(b) => block(b),
            HsMsg::Vote { .. } => 112,
            HsMsg::NewView { high_qc, .. } => 96 + 72 * high_qc.signers.len() as u64,
            HsMsg::Fetch { .. } => 40,
            HsMsg::Blocks(bs) => bs.iter().map(|b| block(b)).sum(),
        }
    }

    fn height_round(&self) -> (Option<u64>, Option<u64>) {
        match self {
            HsMsg::Proposal(b) => (Some(b.block.height), Some(b.view())),
            HsMsg::Vote { view, height, .. } => (Some(*height), Some(*view)),
            HsMsg::NewView { view, .. } => (None, Some(*view)),
            HsMsg::Fetch { .. } | HsMsg::Blocks(_) => (None, None),
        }
    }
}
