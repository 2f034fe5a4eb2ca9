//! The runtime state of one simulated validator around its protocol: status (up, paused),
//! virtual CPU with its inbox, timers, local clock, mempool, known blocks and ledger.

use crate::ledger::{LedgerState, Mempool};
use crate::protocol::{Block, BlockId, NodeIdx, Timer, WireMessage};
use std::collections::{BTreeMap, VecDeque};
use std::sync::Arc;
use touchstone_core::seed::Rng;
use touchstone_core::{Nanos, TxId};

/// What travels between nodes: protocol messages, and batches of gossiped client transactions.
#[derive(Debug, Clone)]
pub(crate) enum Payload<M> {
    Proto(M),
    Txs(Arc<[TxId]>),
}

impl<M: WireMessage> Payload<M> {
    pub fn mtype(&self) -> &'static str {
        match self {
            Payload::Proto(m) => m.mtype(),
            Payload::Txs(_) => "tx_gossip",
        }
    }

    pub fn wire_size(&self) -> u64 {
        match self {
            Payload::Proto(m) => m.wire_size(),
            Payload::Txs(t) => 48 + 96 * t.len() as u64,
        }
    }

    pub fn height_round(&self) -> (Option<u64>, Option<u64>) {
        match self {
            Payload::Proto(m) => m.height_round(),
            Payload::Txs(_) => (None, None),
        }
    }
}

/// One unit of work for a node's CPU.
#[derive(Debug)]
pub(crate) enum Work<M> {
    Msg {
        from: NodeIdx,
        id: u64,
        payload: Payload<M>,
    },
    Timer(Timer),
    /// A client transaction submitted to this node (already in its mempool).
    ClientTx(TxId),
}

/// A node's local clock: runs at `rate` × simulated time (clock-skew fault).
#[derive(Debug, Clone, Copy)]
pub(crate) struct SkewClock {
    rate: f64,
    anchor_real: Nanos,
    anchor_local: Nanos,
}

impl SkewClock {
    pub fn new() -> Self {
        SkewClock { rate: 1.0, anchor_real: 0, anchor_local: 0 }
    }

    pub fn local(&self, t: Nanos) -> Nanos {
        let d = t.saturating_sub(self.anchor_real);
        #[allow(clippy::float_cmp)] // exact 1.0 is the common, unskewed case
        let scaled = if self.rate == 1.0 { d } else { (d as f64 * self.rate) as Nanos };
        self.anchor_local + scaled
    }

    /// Simulated time for `after` of local time to pass.
    pub fn real_delay(&self, after: Nanos) -> Nanos {
        #[allow(clippy::float_cmp)]
        if self.rate == 1.0 {
            after
        } else {
            (after as f64 / self.rate).ceil() as Nanos
        }
    }

    pub fn set_rate(&mut self, now: Nanos, rate: f64) {
        self.anchor_local = self.local(now);
        self.anchor_real = now;
        self.rate = rate;
    }

    #[allow(dead_code)] // used by tests and diagnostics
    pub fn rate(&self) -> f64 {
        self.rate
    }
}

/// Runtime state of one validator (everything but its protocol instance).
#[derive(Debug)]
pub(crate) struct NodeRt<M> {
    pub up: bool,
    pub paused: bool,
    pub byzantine: bool,
    pub busy_until: Nanos,
    pub cpu_gen: u32,
    pub cpu_scheduled: bool,
    pub inbox: VecDeque<Work<M>>,
    pub timers: BTreeMap<Timer, u64>,
    pub clock: SkewClock,
    pub gossip_buf: Vec<TxId>,
    pub gossip_scheduled: bool,
    pub mempool: Mempool,
    /// Blocks seen (proposed or validated) above the decided height, by id.
    pub known: BTreeMap<BlockId, Block>,
    /// The last decided block.
    pub last_block: BlockId,
    pub ledger: LedgerState,
    pub rng: Rng,
    /// Heights decided since the last mempool sweep.
    pub since_sweep: u64,
}

impl<M> NodeRt<M> {
    pub fn new(ledger: LedgerState, rng: Rng) -> Self {
        NodeRt {
            up: true,
            paused: false,
            byzantine: false,
            busy_until: 0,
            cpu_gen: 0,
            cpu_scheduled: false,
            inbox: VecDeque::new(),
            timers: BTreeMap::new(),
            clock: SkewClock::new(),
            gossip_buf: Vec::new(),
            gossip_scheduled: false,
            mempool: Mempool::default(),
            known: BTreeMap::new(),
            last_block: BlockId::GENESIS,
            ledger,
            rng,
            since_sweep: 0,
        }
    }

    /// Whether the node takes part in finality (up, not paused, not Byzantine).
    pub fn counts_for_finality(&self) -> bool {
        self.up && !self.paused && !self.byzantine
    }

    /// Loses everything volatile (a crash). The blocks it knows stay: a node stores the blocks
    /// it received, and the protocols keep theirs (HotStuff's tree, PBFT's prepared blocks,
    /// Tendermint's locked and valid blocks), so after a restart the application must still be
    /// able to place them — or it could neither check their children nor build on them.
    pub fn crash(&mut self) {
        self.up = false;
        self.inbox.clear();
        self.timers.clear();
        self.cpu_gen = self.cpu_gen.wrapping_add(1);
        self.cpu_scheduled = false;
        self.gossip_buf.clear();
        self.mempool.clear_pending();
    }
}
