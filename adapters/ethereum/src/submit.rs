//! Sending: queued submissions go out as JSON-RPC batches of `eth_sendRawTransaction`, at most
//! one transaction per sender in a batch (a node need not process a batch in order), signed at
//! send time with the sender's next nonce, so a refused transaction never leaves a nonce gap.

use crate::adapter::{rpc_error, EthereumAdapter, NodeState, Queued, NODE};
use crate::errors::{reason_for, revert_reason};
use crate::observe::InFlight;
use crate::rpc::{quantity, RpcError, TransportKind};
use crate::tx::{SignedTx, Transfer};
use serde_json::{json, Value};
use std::collections::{BTreeSet, VecDeque};
use touchstone_core::adapter::{Adapter as _, AdapterError, EventSink, Outcome, OutcomeStatus};
use touchstone_core::{Reason, TxId};

/// What a flush reported.
#[derive(Debug, Default, Clone, Copy)]
pub(crate) struct Flushed {
    /// The rejection of the transaction being submitted, when it was in the batch.
    pub current: Option<Reason>,
    /// Outcomes reported to the sink.
    pub outcomes: usize,
}

impl EthereumAdapter {
    /// Sends everything queued (several batches if needed).
    pub(crate) fn flush(
        &mut self,
        sink: &mut dyn EventSink,
        current: Option<TxId>,
    ) -> Result<Flushed, AdapterError> {
        let mut out = Flushed::default();
        self.queued_since = None;
        while !self.queue.is_empty() {
            if self.node == NodeState::Crashed {
                // Fresh transactions cannot reach a dead node; tracked ones wait for the restart.
                let mut keep = VecDeque::new();
                for q in std::mem::take(&mut self.queue) {
                    match q {
                        Queued::Fresh { id, .. } => self.reject(
                            id,
                            Reason::Other,
                            "node down (crash fault): not sent",
                            current,
                            &mut out,
                            sink,
                        ),
                        r @ Queued::Resend { .. } => keep.push_back(r),
                    }
                }
                self.queue = keep;
                break;
            }
            let batch = self.take_batch();
            self.resync_nonces(&batch)?;
            let mut items: Vec<(Queued, SignedTx, u64)> = Vec::with_capacity(batch.len());
            for q in batch {
                match q {
                    Queued::Fresh { from, to, value, .. } => {
                        let nonce = self.accounts[from].next_nonce;
                        let t = Transfer {
                            chain_id: self.chain_id,
                            nonce,
                            to: self.addresses[to],
                            value,
                            fees: self.fees,
                        };
                        let signed = t.sign(&self.accounts[from].key);
                        items.push((q, signed, nonce));
                    }
                    Queued::Resend { id, .. } => {
                        // Committed meanwhile: nothing to send.
                        if let Some(f) =
                            self.tracker.pending.get(&id).filter(|f| f.included.is_none())
                        {
                            let (tx, nonce) = (f.tx.clone(), f.nonce);
                            items.push((q, tx, nonce));
                        }
                    }
                }
            }
            if items.is_empty() {
                continue;
            }
            let calls: Vec<(&str, Value)> = items
                .iter()
                .map(|(_, tx, _)| ("eth_sendRawTransaction", json!([tx.raw_hex()])))
                .collect();
            self.stats.batches += 1;
            let now = self.now();
            match self.rpc.batch(&calls) {
                Ok(results) => {
                    self.down_since = None;
                    for ((q, tx, nonce), r) in items.into_iter().zip(results) {
                        match (q, r) {
                            (Queued::Fresh { id, from, .. }, Ok(_)) => {
                                self.track(id, from, nonce, tx)
                            }
                            (Queued::Fresh { id, from, .. }, Err(e)) => {
                                let reason = reason_for(&e.message);
                                if reason == Reason::BadNonce {
                                    self.accounts[from].resync = true;
                                }
                                let msg = match revert_reason(&e.message, e.data.as_ref()) {
                                    Some(r) => format!("reverted: {r}"),
                                    None => e.message.clone(),
                                };
                                self.reject(id, reason, &msg, current, &mut out, sink);
                            }
                            (Queued::Resend { .. }, Ok(_)) => self.stats.resent += 1,
                            (Queued::Resend { .. }, Err(e)) => {
                                // Already in the pool or already mined: fine; anything else is
                                // noted, and the transaction stays tracked (it may still land).
                                let reason = reason_for(&e.message);
                                if !matches!(reason, Reason::DuplicateTx | Reason::BadNonce) {
                                    self.note(reason, &format!("on resend: {}", e.message));
                                }
                            }
                        }
                    }
                }
                Err(RpcError::Transport { kind: TransportKind::Timeout, .. }) => {
                    // The node may have received them: track them and send them again later.
                    let mut again = Vec::new();
                    for (q, tx, nonce) in items {
                        if let Queued::Fresh { id, from, .. } = q {
                            self.track(id, from, nonce, tx);
                            again.push(Queued::Resend { id, from });
                        } else {
                            again.push(q);
                        }
                    }
                    self.note(
                        Reason::Timeout,
                        "eth_sendRawTransaction batch timed out: tracked, sent again",
                    );
                    self.requeue_front(again, now);
                    self.node_down(now, "eth_sendRawTransaction")?;
                    break;
                }
                Err(RpcError::Transport { .. }) => {
                    self.check_alive()?;
                    let mut again = Vec::new();
                    for (q, _, _) in items {
                        match q {
                            Queued::Fresh { id, .. } => self.reject(
                                id,
                                Reason::Other,
                                "node unreachable: not sent",
                                current,
                                &mut out,
                                sink,
                            ),
                            r => again.push(r),
                        }
                    }
                    self.requeue_front(again, now);
                    self.node_down(now, "eth_sendRawTransaction")?;
                    break;
                }
                Err(e) => return Err(rpc_error("eth_sendRawTransaction", e)),
            }
        }
        Ok(out)
    }

    /// Fails once the node has been unreachable for longer than `node_down_timeout`.
    pub(crate) fn node_down(&mut self, now: u64, method: &str) -> Result<(), AdapterError> {
        let since = *self.down_since.get_or_insert(now);
        if now.saturating_sub(since) > self.cfg.node_down_timeout.as_nanos() as u64 {
            let e = self.rpc.call("eth_chainId", json!([])).err().unwrap_or(RpcError::Garbage {
                url: self.rpc.url().into(),
                message: "the node came back".into(),
            });
            return Err(rpc_error(
                &format!("{method} (unreachable for longer than node_down_timeout)"),
                e,
            ));
        }
        Ok(())
    }

    fn track(&mut self, id: TxId, from: usize, nonce: u64, tx: SignedTx) {
        self.accounts[from].next_nonce = nonce + 1;
        self.stats.sent += 1;
        self.tracker.insert(InFlight {
            id,
            from,
            nonce,
            tx,
            included: None,
            fee: 0,
            reverted: false,
            reported: false,
        });
    }

    fn requeue_front(&mut self, items: Vec<Queued>, now: u64) {
        for q in items.into_iter().rev() {
            self.queue.push_front(q);
        }
        if !self.queue.is_empty() {
            self.queued_since = Some(now);
        }
    }

    /// Reports a rejection: as the submit's answer when it is `current`, else as an outcome.
    fn reject(
        &mut self,
        id: TxId,
        reason: Reason,
        message: &str,
        current: Option<TxId>,
        out: &mut Flushed,
        sink: &mut dyn EventSink,
    ) {
        self.note(reason, message);
        if Some(id) == current {
            out.current = Some(reason);
        } else {
            let at = self.now();
            sink.outcome(Outcome {
                tx: id,
                status: OutcomeStatus::Rejected { reason },
                at,
                node: Some(NODE.into()),
            });
            out.outcomes += 1;
        }
    }

    /// Takes the next batch: queue order, at most one per sender, at most `max_batch`.
    fn take_batch(&mut self) -> Vec<Queued> {
        let max = self.cfg.max_batch;
        let mut senders = BTreeSet::new();
        let mut batch = Vec::new();
        let mut rest = VecDeque::new();
        while let Some(q) = self.queue.pop_front() {
            if senders.insert(q.sender()) {
                batch.push(q);
                if batch.len() == max {
                    break;
                }
            } else {
                rest.push_back(q);
            }
        }
        rest.extend(self.queue.drain(..));
        self.queue = rest;
        batch
    }

    /// Asks the node for the pending nonce of senders whose nonce was refused.
    fn resync_nonces(&mut self, batch: &[Queued]) -> Result<(), AdapterError> {
        let who: Vec<usize> = batch
            .iter()
            .filter(|q| matches!(q, Queued::Fresh { .. }))
            .map(Queued::sender)
            .filter(|&s| self.accounts[s].resync)
            .collect();
        if who.is_empty() {
            return Ok(());
        }
        let calls: Vec<(&str, Value)> = who
            .iter()
            .map(|&s| {
                ("eth_getTransactionCount", json!([self.addresses[s].to_string(), "pending"]))
            })
            .collect();
        let res = self.rpc.batch(&calls).map_err(|e| rpc_error("eth_getTransactionCount", e))?;
        for (s, r) in who.into_iter().zip(res) {
            if let Some(n) = r.ok().as_ref().and_then(quantity) {
                self.accounts[s].next_nonce = n as u64;
                self.accounts[s].resync = false;
            }
        }
        Ok(())
    }
}
