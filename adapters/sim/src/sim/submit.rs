//! Client submissions: choosing the entry node, the admission check against the entry node's
//! committed state, gossip admission at peers, and the `can_transfer` pre-check.

use super::core::Core;
use super::node::Work;
use super::queue::Ev;
use super::Simulator;
use crate::ledger::rules::check;
use crate::ledger::{Op, TxData, TX_TTL_HEIGHTS};
use crate::protocol::{NodeIdx, Protocol, WireMessage};
use std::sync::Arc;
use touchstone_core::adapter::{EventSink, TxRequest};
use touchstone_core::{Operation, Reason, TxId};

impl<P: Protocol> Simulator<P> {
    /// The node a submission without `via` would enter: round-robin over the nodes that are up
    /// (a client fails over at once from a refused connection). Advances the rotation if `take`.
    fn next_entry(&mut self, take: bool) -> Option<NodeIdx> {
        let n = self.protos.len();
        let i = (0..n).map(|k| (self.rr + k) % n).find(|&i| self.core.nodes[i].up)?;
        if take {
            self.rr = (i + 1) % n;
        }
        Some(i)
    }

    /// The entry of a submission without `via`: a sender's nonced transactions all go through
    /// one node (as a wallet keeps to its node), the first up from `sender mod n`, so they reach
    /// every mempool in the order sent; others round-robin.
    /// Advances the rotation if `take` (a submission does, a pre-check does not).
    fn entry_for(&mut self, req: &TxRequest, take: bool) -> Option<NodeIdx> {
        let sender = req.op.signer().and_then(|f| self.core.dir.account(f));
        match (sender, req.nonce) {
            (Some(s), Some(_)) => {
                let n = self.protos.len();
                (0..n).map(|k| (s as usize + k) % n).find(|&i| self.core.nodes[i].up)
            }
            _ => self.next_entry(take),
        }
    }

    /// The node `req` enters: its `via` (a crashed one refuses the connection → `OTHER`) or
    /// [`Self::entry_for`] (every node down → `OTHER`).
    fn entry_of(&mut self, req: &TxRequest, take: bool) -> Result<NodeIdx, Reason> {
        match &req.via {
            Some(name) => {
                let i = self.core.names.iter().position(|x| x == name).ok_or(Reason::Other)?;
                if !self.core.nodes[i].up {
                    return Err(Reason::Other);
                }
                Ok(i)
            }
            None => self.entry_for(req, take).ok_or(Reason::Other),
        }
    }

    /// The admission rules of `req` at `entry`, against its committed state: a transaction id
    /// seen before (`DUPLICATE_TX`), then the ledger's rules with the nonce (a used one is
    /// `BAD_NONCE`). The transaction as the entry node would hold it, or why it is refused.
    fn admission(&mut self, entry: NodeIdx, req: &TxRequest) -> Result<TxData, Reason> {
        if self.core.nodes[entry].mempool.seen(req.id) || self.core.txs.contains_key(&req.id) {
            return Err(Reason::DuplicateTx);
        }
        let op = self.needs_known_names(&req.op)?;
        let ledger = &self.core.nodes[entry].ledger;
        let data = TxData { op, nonce: req.nonce, expires: ledger.height + TX_TTL_HEIGHTS, entry };
        check(ledger, req.id, &data, ledger.height + 1)?;
        Ok(data)
    }

    /// Registers the account and claim names `op` uses that the ledger has not seen yet (fresh,
    /// empty accounts) on every node, then decodes it.
    fn decode(&mut self, op: &Operation) -> Result<Op, Reason> {
        let mut probe = (*self.core.dir).clone();
        if Op::register_names(op, &mut probe) {
            let dir = Arc::new(probe);
            for rt in &mut self.core.nodes {
                rt.ledger.dir = dir.clone();
            }
            self.core.dir = dir;
        }
        Op::decode(op, &self.core.dir)
    }

    /// Picks the entry node and runs the admission check against its committed state (the
    /// reason of the first rule that fails); the transaction is then in the entry node's mempool.
    ///
    /// - `via` names the entry node: a crashed one refuses the connection → `rejected` (`OTHER`);
    ///   a paused one accepts and handles the transaction when it resumes.
    /// - no `via`: see [`Self::entry_for`]; if every node is down → `OTHER`.
    ///
    /// Any nonce above the sender's last applied one is admitted (gaps allowed); a nonce the
    /// chain already used is refused at once (`BAD_NONCE`), and so is a transaction id it has
    /// seen (`DUPLICATE_TX`).
    pub(crate) fn admit(&mut self, req: &TxRequest) -> Result<NodeIdx, Reason> {
        let entry = self.entry_of(req, true)?;
        let data = self.admission(entry, req)?;
        if let (Some(sender), Some(n)) = (data.op.sender(), data.nonce) {
            self.core.waiters.add(sender, n, req.id);
            self.core.admitted_at.insert(req.id, self.core.now);
        }
        self.core.finality.track(req.id, data.expires);
        self.core.txs.insert(req.id, data);
        self.core.nodes[entry].mempool.insert(req.id);
        if req.via.is_none() {
            let at = self.core.now + super::core::CLIENT_RETRY;
            if self.core.client_retry.is_empty() {
                self.core.queue.push(at, Ev::ClientRetry);
            }
            self.core.client_retry.push_back((at, req.id));
        }
        Ok(entry)
    }

    /// Sends every routed transaction that no node has decided [`super::core::CLIENT_RETRY`]
    /// after its admission (or its last retry) to every node up, and schedules the next retry.
    pub(crate) fn client_retry(&mut self, sink: &mut dyn EventSink) {
        let now = self.core.now;
        let mut again = Vec::new();
        while let Some(&(at, tx)) = self.core.client_retry.front() {
            if at > now {
                break;
            }
            self.core.client_retry.pop_front();
            if !self.core.finality.undecided(tx) {
                continue;
            }
            for i in 0..self.core.nodes.len() {
                let rt = &self.core.nodes[i];
                if rt.up && !rt.paused && self.core.admit_gossip(i, &[tx]) {
                    self.enqueue(i, Work::ClientTx(tx), sink);
                }
            }
            again.push((now + super::core::CLIENT_RETRY, tx));
        }
        self.core.client_retry.extend(again);
        if let Some(&(at, _)) = self.core.client_retry.front() {
            self.core.queue.push(at, Ev::ClientRetry);
        }
    }

    fn needs_known_names(&mut self, op: &Operation) -> Result<Op, Reason> {
        match Op::decode(op, &self.core.dir) {
            // Only an unknown name can turn into a valid decoding.
            Err(Reason::Malformed) if !matches!(op, Operation::Tampered { .. }) => self.decode(op),
            r => r,
        }
    }

    /// `can_transfer`: what admission would answer a transfer request against the committed
    /// state of the node it would enter, without submitting it — the same entry node, the same
    /// rules in the same order, the nonce and the transaction id included (a replay of a
    /// committed payment is `BAD_NONCE`, a resent id `DUPLICATE_TX`). `None` for other operations.
    pub(crate) fn can_transfer(&mut self, req: &TxRequest) -> Option<Result<(), Reason>> {
        if !matches!(req.op, Operation::Transfer { .. }) {
            return None;
        }
        Some(self.entry_of(req, false).and_then(|entry| self.admission(entry, req)).map(|_| ()))
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
