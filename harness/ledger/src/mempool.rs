//! A node's pending transactions, in arrival order.

use super::fasthash::{FastMap, FastSet};
use std::collections::BTreeMap;
use touchstone_core::TxId;

/// Pending transactions in arrival order, with the set of every id this node has seen (so a
/// gossiped copy or a replay is not admitted twice).
#[derive(Debug, Default)]
pub struct Mempool {
    order: BTreeMap<u64, TxId>,
    index: FastMap<TxId, u64>,
    seen: FastSet<TxId>,
    next: u64,
}

impl Mempool {
    /// Whether this node has ever seen `tx` (pending, decided or dropped).
    pub fn seen(&self, tx: TxId) -> bool {
        self.seen.contains(&tx)
    }

    /// Adds `tx` if never seen; whether it was added.
    pub fn insert(&mut self, tx: TxId) -> bool {
        if !self.seen.insert(tx) {
            return false;
        }
        self.order.insert(self.next, tx);
        self.index.insert(tx, self.next);
        self.next += 1;
        true
    }

    /// Marks `tx` as seen without queueing it (e.g. it arrived in a decided block).
    pub fn mark_seen(&mut self, tx: TxId) {
        self.seen.insert(tx);
    }

    pub fn remove(&mut self, tx: TxId) {
        if let Some(k) = self.index.remove(&tx) {
            self.order.remove(&k);
        }
    }

    pub fn len(&self) -> usize {
        self.order.len()
    }

    pub fn is_empty(&self) -> bool {
        self.order.is_empty()
    }

    /// Pending transactions, oldest first.
    pub fn iter(&self) -> impl Iterator<Item = TxId> + '_ {
        self.order.values().copied()
    }

    /// Forgets the pending transactions (a crash: the mempool is volatile). Seen ids stay, as a
    /// node that restarts still rejects replays of what it decided; the rest may come back by
    /// gossip only if not decided.
    pub fn clear_pending(&mut self) {
        for tx in self.order.values() {
            self.seen.remove(tx);
        }
        self.order.clear();
        self.index.clear();
    }
}
