//! The simulator's shared state (everything but the protocol instances), and sending.

use super::conflicts::NonceWaiters;
use super::finality::Finality;
use super::node::{NodeRt, Payload};
use super::queue::{Envelope, Ev, EventQueue};
use crate::ledger::fasthash::FastMap;
use crate::ledger::{Directory, TxData};
use crate::net::{Network, Route};
use crate::protocol::{BlockId, NodeConfig, NodeIdx, WireMessage};
use std::sync::Arc;
use touchstone_core::adapter::{EventSink, Outcome, OutcomeStatus};
use touchstone_core::scenario::ConsensusParams;
use touchstone_core::trace::TraceEvent;
use touchstone_core::{Nanos, Reason, TxId};

/// Destination of a message in the outbox.
pub(crate) const BROADCAST: u32 = u32::MAX;

/// Time a node waits to batch newly received client transactions before gossiping them.
pub(crate) const GOSSIP_DELAY: Nanos = 1_000_000;

/// Interval at which a node sends again the transactions submitted to it that are still pending
/// (so a partition or a lost message does not lose them for good).
pub(crate) const REGOSSIP_EVERY: Nanos = 500_000_000;

/// A client whose transaction no node has decided this long after it was admitted sends it to
/// every node (as PBFT clients broadcast a request that gets no reply in time): its entry node
/// may have crashed with it in its mempool, or be a Byzantine node that keeps it to itself.
/// Only transactions the harness routed (no `via`) are sent again.
pub(crate) const CLIENT_RETRY: Nanos = 2_000_000_000;

/// Transactions sent again per node and interval at most.
const REGOSSIP_MAX: usize = 4096;

/// Counters of one simulation.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct SimStats {
    /// Messages (protocol and gossip) delivered to and processed by a node.
    pub deliveries: u64,
    /// Messages handed to the network.
    pub sent: u64,
    /// Messages lost (partition, loss, crashed receiver, silent sender).
    pub dropped: u64,
    /// Events popped from the queue.
    pub events: u64,
    /// Blocks decided, summed over nodes.
    pub decisions: u64,
}

/// The simulator's state shared by all nodes.
#[derive(Debug)]
pub(crate) struct Core<M> {
    pub now: Nanos,
    pub cfgs: Vec<NodeConfig>,
    pub names: Vec<String>,
    pub nodes: Vec<NodeRt<M>>,
    pub net: Network,
    pub queue: EventQueue<M>,
    pub txs: FastMap<TxId, TxData>,
    pub dir: Arc<Directory>,
    pub finality: Finality,
    /// Pending nonced transactions, to reject those a decided block outdates.
    pub waiters: NonceWaiters,
    /// When each nonced transaction was admitted (for the proposers' gap patience).
    pub admitted_at: FastMap<TxId, Nanos>,
    /// When each routed transaction is next sent to every node if still undecided (in time
    /// order: admission order).
    pub client_retry: std::collections::VecDeque<(Nanos, TxId)>,
    pub params: ConsensusParams,
    pub trace_messages: bool,
    pub snapshot_every: u64,
    /// Messages a handler sent, flushed when it returns (they leave when its CPU time is over).
    pub outbox: Vec<(u32, M)>,
    pub next_msg: u64,
    pub next_invalid: u64,
    pub timer_gen: u64,
    pub stats: SimStats,
    /// Set when an outcome was reported (`advance` returns then).
    pub reported: bool,
}

impl<M: WireMessage> Core<M> {
    pub fn report(
        &mut self,
        sink: &mut dyn EventSink,
        tx: TxId,
        status: OutcomeStatus,
        node: NodeIdx,
    ) {
        self.reported = true;
        sink.outcome(Outcome { tx, status, at: self.now, node: Some(self.names[node].clone()) });
    }

    pub fn report_committed(
        &mut self,
        sink: &mut dyn EventSink,
        done: Vec<(TxId, u64)>,
        node: NodeIdx,
    ) {
        for (tx, height) in done {
            self.report(sink, tx, OutcomeStatus::Committed { height }, node);
        }
    }

    pub fn report_rejected(
        &mut self,
        sink: &mut dyn EventSink,
        tx: TxId,
        reason: Reason,
        node: NodeIdx,
    ) {
        self.report(sink, tx, OutcomeStatus::Rejected { reason }, node);
    }

    /// Updates the finality rule after `node` changed status.
    pub fn refresh_finality(&mut self, node: NodeIdx, sink: &mut dyn EventSink) {
        let n = &self.nodes[node];
        let done = self.finality.set_status(node, n.counts_for_finality(), !n.byzantine);
        let reporter =
            (0..self.nodes.len()).find(|&i| self.nodes[i].counts_for_finality()).unwrap_or(node);
        self.report_committed(sink, done, reporter);
    }

    /// Sends every message in the outbox of `from`, leaving at `depart`.
    pub fn flush_outbox(&mut self, from: NodeIdx, depart: Nanos, sink: &mut dyn EventSink) {
        if self.outbox.is_empty() {
            return;
        }
        let mut out = std::mem::take(&mut self.outbox);
        let n = self.nodes.len() as u32;
        for (to, msg) in out.drain(..) {
            if to == BROADCAST {
                let mut msg = Some(msg);
                let last = if from as u32 == n - 1 { n.saturating_sub(2) } else { n - 1 };
                for t in (0..n).filter(|&t| t != from as u32) {
                    let m = if t == last {
                        msg.take().expect("moved once")
                    } else {
                        msg.clone().expect("cloned before last")
                    };
                    self.transmit(from, t as NodeIdx, Payload::Proto(m), depart, sink);
                }
            } else {
                self.transmit(from, to as NodeIdx, Payload::Proto(msg), depart, sink);
            }
        }
        self.outbox = out;
    }

    /// Hands one message to the network (after the sender's Byzantine network behaviour).
    pub fn transmit(
        &mut self,
        from: NodeIdx,
        to: NodeIdx,
        payload: Payload<M>,
        depart: Nanos,
        sink: &mut dyn EventSink,
    ) {
        let departure = crate::byzantine::departure(self.cfgs[from].behaviour, depart);
        let id = self.next_msg;
        self.next_msg += 1;
        self.stats.sent += 1;
        let bytes = payload.wire_size();
        if self.trace_messages {
            let (height, round) = payload.height_round();
            sink.trace(
                self.now,
                &TraceEvent::MsgSend {
                    node: &self.names[from],
                    to: &self.names[to],
                    msg: id,
                    mtype: payload.mtype(),
                    height,
                    round,
                    bytes: Some(bytes),
                },
            );
        }
        let route = match departure {
            None => Route::Drop("silent"),
            Some(at) if from == to => Route::Deliver { at, dup: None },
            Some(at) => self.net.route(from, to, bytes, at),
        };
        match route {
            Route::Drop(reason) => {
                self.stats.dropped += 1;
                if self.trace_messages {
                    sink.trace(self.now, &TraceEvent::MsgDrop { msg: id, reason });
                }
            }
            Route::Deliver { at, dup } => {
                if let Some(d) = dup {
                    self.queue.push_msg(
                        d,
                        Envelope { from: from as u32, to: to as u32, id, payload: payload.clone() },
                    );
                }
                self.queue.push_msg(at, Envelope { from: from as u32, to: to as u32, id, payload });
            }
        }
    }

    /// Schedules the gossip of `node`'s new client transactions.
    pub fn schedule_gossip(&mut self, node: NodeIdx) {
        if !self.nodes[node].gossip_scheduled && self.nodes.len() > 1 {
            self.nodes[node].gossip_scheduled = true;
            self.queue.push(self.now + GOSSIP_DELAY, Ev::Gossip(node as u32));
        }
    }

    /// Sends `node`'s gossip batch to every peer.
    pub fn gossip(&mut self, node: NodeIdx, sink: &mut dyn EventSink) {
        let n = &mut self.nodes[node];
        n.gossip_scheduled = false;
        if !n.up || n.gossip_buf.is_empty() {
            n.gossip_buf.clear();
            return;
        }
        let batch: Arc<[TxId]> = std::mem::take(&mut n.gossip_buf).into();
        let depart = self.now.max(n.busy_until);
        for to in (0..self.nodes.len()).filter(|&t| t != node) {
            self.transmit(node, to, Payload::Txs(batch.clone()), depart, sink);
        }
    }

    /// Sends again `node`'s own pending transactions, and schedules the next round.
    pub fn regossip(&mut self, node: NodeIdx, sink: &mut dyn EventSink) {
        self.queue.push(self.now + REGOSSIP_EVERY, Ev::Regossip(node as u32));
        let rt = &self.nodes[node];
        if !rt.up || rt.paused || self.nodes.len() < 2 {
            return;
        }
        let mine: Vec<TxId> = rt
            .mempool
            .iter()
            .filter(|t| self.txs.get(t).is_some_and(|d| d.entry == node))
            .take(REGOSSIP_MAX)
            .collect();
        if mine.is_empty() {
            return;
        }
        let batch: Arc<[TxId]> = mine.into();
        let depart = self.now.max(rt.busy_until);
        for to in (0..self.nodes.len()).filter(|&t| t != node) {
            self.transmit(node, to, Payload::Txs(batch.clone()), depart, sink);
        }
    }

    /// Deterministic block id (never [`BlockId::GENESIS`]).
    pub fn block_id(
        proposer: NodeIdx,
        height: u64,
        round: u64,
        parent: BlockId,
        txs: &[TxId],
        salt: u64,
    ) -> BlockId {
        let mut h: u64 = 0xcbf2_9ce4_8422_2325;
        let mut mix = |v: u64| {
            h ^= v;
            h = h.wrapping_mul(0x0000_0100_0000_01b3);
            h ^= h >> 29;
        };
        for v in [proposer as u64, height, round, parent.0, salt, txs.len() as u64] {
            mix(v);
        }
        for t in txs {
            mix(t.0);
        }
        BlockId(if h == 0 { 1 } else { h })
    }
}

/// A block id rendered `b<16 hex>` without allocating.
#[derive(Debug, Clone, Copy)]
pub(crate) struct BidStr([u8; 17]);

impl BidStr {
    pub fn new(id: BlockId) -> Self {
        const HEX: &[u8; 16] = b"0123456789abcdef";
        let mut b = [b'b'; 17];
        for i in 0..16 {
            b[1 + i] = HEX[((id.0 >> (60 - 4 * i)) & 15) as usize];
        }
        BidStr(b)
    }

    pub fn as_str(&self) -> &str {
        std::str::from_utf8(&self.0).expect("ASCII")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn block_ids_render_like_the_protocol_display() {
        let id = BlockId(0x0123_4567_89ab_cdef);
        assert_eq!(BidStr::new(id).as_str(), id.to_string());
    }
}
