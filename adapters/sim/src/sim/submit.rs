//! Client submissions: choosing the entry node, the mempool admission check, and gossip
//! admission at peers.

use super::core::Core;
use super::Simulator;
use crate::ledger::rules::check;
use crate::ledger::{Op, TxData, TX_TTL_HEIGHTS};
use crate::protocol::{NodeIdx, Protocol, WireMessage};
use touchstone_core::adapter::TxRequest;
use touchstone_core::{Reason, TxId};

impl<P: Protocol> Simulator<P> {
    /// Picks the entry node and runs the admission check; the transaction is then in the entry
    /// node's mempool.
    ///
    /// - `via` names a node: a crashed one refuses the connection → `rejected` (`OTHER`); a
    ///   paused one accepts and handles the transaction when it resumes.
    /// - no `via`: round-robin over the nodes that are up (a client fails over at once from a
    ///   refused connection); if every node is down → `rejected` (`OTHER`).
    pub(crate) fn admit(&mut self, req: &TxRequest) -> Result<NodeIdx, Reason> {
        let n = self.protos.len();
        let entry = match &req.via {
            Some(name) => {
                let i = self.core.names.iter().position(|x| x == name).ok_or(Reason::Other)?;
                if !self.core.nodes[i].up {
                    return Err(Reason::Other);
                }
                i
            }
            None => {
                let i = (0..n)
                    .map(|k| (self.rr + k) % n)
                    .find(|&i| self.core.nodes[i].up)
                    .ok_or(Reason::Other)?;
                self.rr = (i + 1) % n;
                i
            }
        };
        let op = Op::decode(&req.op, &self.core.dir)?;
        let rt = &self.core.nodes[entry];
        if rt.mempool.seen(req.id) || self.core.txs.contains_key(&req.id) {
            return Err(Reason::DuplicateTx);
        }
        let data =
            TxData { op, nonce: req.nonce, expires: rt.ledger.height + TX_TTL_HEIGHTS, entry };
        match check(&rt.ledger, req.id, &data, rt.ledger.height + 1) {
            Ok(()) => {}
            // A future nonce waits in the mempool for the ones before it.
            Err(Reason::BadNonce) if matches!((op.sender(), req.nonce), (Some(f), Some(k)) if k > crate::ledger::StateAccess::nonce(&rt.ledger, f)) =>
                {}
            Err(r) => return Err(r),
        }
        self.core.txs.insert(req.id, data);
        self.core.finality.track(req.id, data.expires);
        self.core.nodes[entry].mempool.insert(req.id);
        Ok(entry)
    }
}

impl<M: WireMessage> Core<M> {
    /// Adds gossiped transactions to `node`'s mempool; whether any was new.
    pub(crate) fn admit_gossip(&mut self, node: NodeIdx, txs: &[TxId]) -> bool {
        let rt = &mut self.nodes[node];
        let mut added = false;
        for &t in txs {
            let Some(d) = self.txs.get(&t) else { continue };
            if d.expires > rt.ledger.height && !crate::ledger::StateAccess::applied(&rt.ledger, t) {
                added |= rt.mempool.insert(t);
            }
        }
        added
    }
}
