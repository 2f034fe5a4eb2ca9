//! The application's own channels: blocks from proposers, transaction gossip, and fetching.

use super::App;
use crate::block::Sealed;
use crate::wire::{self, Fetch, MAX_FETCH_BYTES};
use bytes::Bytes;
use commonware_cryptography::ed25519::PublicKey;
use commonware_p2p::{Recipients, Sender};
use std::sync::Arc;
use std::time::Instant;

/// Most transactions a mempool holds (a flood beyond it is dropped, never admitted).
pub const MAX_MEMPOOL: usize = 500_000;
/// Most transactions in one gossip message.
const GOSSIP_BATCH: usize = 2_000;
/// How often the pending transactions are sent to every peer again.
pub const REGOSSIP_EVERY: std::time::Duration = std::time::Duration::from_secs(1);
/// Most transactions sent again per round (the oldest first).
const REGOSSIP_MAX: usize = 10_000;

impl<S: Sender<PublicKey = PublicKey>> App<S> {
    /// A proposer's block: kept until consensus asks about it or finalizes it.
    pub(super) fn on_block(&mut self, from: PublicKey, bytes: Bytes) {
        match Sealed::decode(bytes) {
            Ok(b) => {
                let b = Arc::new(b);
                if self.chain.insert_pending(b.clone()) {
                    self.learned(&b);
                }
            }
            Err(e) => {
                tracing::debug!(error = %e, peer = ?self.p.validators.node_of_key(&from), "undecodable block")
            }
        }
    }

    /// Gossiped transactions: into the mempool if still includable (no rule check: the peer
    /// admitted them against its own state, and blocks are checked anyway).
    pub(super) fn on_txs(&mut self, bytes: &[u8]) {
        let Some(txs) = wire::decode_txs(bytes) else { return };
        let tip = self.chain.tip().0;
        for tx in txs {
            if self.mempool.len() >= MAX_MEMPOOL {
                break;
            }
            if tx.expires > tip && !self.ledger.applied(tx.tx_id()) {
                self.mempool.insert(tx);
            }
        }
    }

    /// Sends the transactions admitted since the last turn to every peer.
    pub(super) fn flush_gossip(&mut self) {
        if self.gossip.is_empty() {
            return;
        }
        let txs = std::mem::take(&mut self.gossip);
        for chunk in txs.chunks(GOSSIP_BATCH) {
            self.net.txs.send(Recipients::All, wire::encode_txs(chunk), false);
        }
    }

    /// Sends the oldest pending transactions to every peer again. Gossip is sent once and
    /// lost to a peer that is not connected (a restarted node's first seconds, a partition):
    /// a transaction only its entry node holds waits for that node to lead a view, which may
    /// not come soon (a validator its peers skip as leader). Peers drop what they applied.
    pub(super) fn regossip(&mut self) {
        let txs = self.mempool.candidates(REGOSSIP_MAX);
        for chunk in txs.chunks(GOSSIP_BATCH) {
            self.net.txs.send(Recipients::All, wire::encode_txs(chunk), false);
        }
    }

    pub(super) fn on_fetch(&mut self, from: PublicKey, bytes: Bytes) {
        match Fetch::decode(&bytes) {
            Some(Fetch::Request { id, want, above, max }) => {
                let blocks = self.ancestors(want, above, max);
                let msg = Fetch::Response { id, blocks }.encode();
                self.net.fetch.send(Recipients::One(from), msg, false);
            }
            Some(Fetch::Response { id, blocks }) => self.on_fetched(id, blocks),
            None => tracing::debug!("undecodable fetch message"),
        }
    }

    /// `want` and its ancestors above `above`, newest first, within the size limit.
    fn ancestors(&mut self, want: super::Digest, above: u64, max: u32) -> Vec<Bytes> {
        let mut out = Vec::new();
        let mut size = 0usize;
        let mut cur = want;
        while out.len() < max as usize {
            let Some(b) = self.chain.get(&cur) else { break };
            if b.height() <= above {
                break;
            }
            size += b.bytes.len();
            if size > MAX_FETCH_BYTES && !out.is_empty() {
                break;
            }
            out.push(b.bytes.clone());
            cur = b.parent;
        }
        out
    }

    /// An answer: the first block must be the one asked for, each next one its parent.
    fn on_fetched(&mut self, id: u64, blocks: Vec<Bytes>) {
        if blocks.is_empty() {
            self.fetcher.retry(id);
            return;
        }
        let Some(want) = self.fetcher.answered(id) else { return };
        let mut expect = want;
        for bytes in blocks {
            let Ok(b) = Sealed::decode(bytes) else { break };
            if b.digest != expect {
                tracing::warn!("a fetch answer does not chain to what was asked");
                break;
            }
            expect = b.parent;
            let b = Arc::new(b);
            if self.chain.insert_pending(b.clone()) {
                self.learned(&b);
            }
        }
        self.dirty = true;
    }

    /// Sends the fetch requests that are due.
    pub(super) fn send_fetches(&mut self) {
        let chain = &self.chain;
        self.fetcher.forget_known(|d| chain.is_known(d));
        for (peer, req) in self.fetcher.due(Instant::now()) {
            let key = self.p.validators.key(peer).clone();
            self.net.fetch.send(Recipients::One(key), req.encode(), false);
        }
    }
}
