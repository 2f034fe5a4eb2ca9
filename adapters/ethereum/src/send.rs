//! One batch on a sender thread: sign what was not signed ahead, register every transaction
//! before it goes out (the observer cannot meet a hash it does not know: automine includes a
//! transaction before its batch is even answered), send, and handle the answers — a refusal is
//! a rejection with its reason code; a batch that got no answer stays tracked and is sent again
//! (same bytes: at most once).

use crate::errors::{reason_for, revert_reason, rpc_error};
use crate::observe::InFlight;
use crate::rpc::{NodeError, RpcError, TransportKind};
use crate::shared::{lock, node_down, Shared};
use crate::submit::{Item, SenderWorker, Sent};
use crate::tx::Transfer;
use std::sync::atomic::Ordering;
use std::sync::Arc;
use touchstone_core::adapter::AdapterError;
use touchstone_core::Reason;

/// A transaction of the batch, signed: (item, hash, `0x` hex, nonce).
type Ready = (Item, [u8; 32], Arc<str>, u64);
/// Signed bytes for a fresh transaction: (hash, `0x` hex, nonce, whether signed ahead).
type Signed = ([u8; 32], Arc<str>, u64, bool);

impl SenderWorker {
    /// Signs, registers and sends the next batch; handles the answers.
    pub(crate) fn send_batch(&mut self) -> Result<Sent, AdapterError> {
        let (ep, batch) = self.take_batch();
        self.resync_nonces(ep, &batch)?;
        let items = self.sign_and_register(batch);
        if items.is_empty() {
            return Ok(Sent::Done);
        }
        let hexes: Vec<&str> = items.iter().map(|(_, _, h, _)| &**h).collect();
        let result = self.rpcs[ep].send_raw_batch(&hexes);
        let now = self.ctx.now();
        let fresh = items.iter().filter(|(q, ..)| matches!(q, Item::Fresh { .. })).count();
        self.ctx.unsent.fetch_sub(fresh, Ordering::Relaxed);
        match result {
            Ok(results) => {
                self.answered(ep, items, results, now);
                Ok(Sent::Done)
            }
            Err(RpcError::Transport { kind: TransportKind::Refused, .. }) => {
                // Nothing listens: none of them reached the node.
                let mut again = Vec::new();
                let mut refused = Vec::new();
                {
                    let mut sh = lock(&self.ctx.shared);
                    for (q, ..) in items {
                        match q {
                            Item::Fresh { id, .. } => {
                                sh.tracker.remove(id);
                                refused.push(id);
                            }
                            r => again.push(r),
                        }
                    }
                }
                self.reject_all(&refused, Reason::Other, "node unreachable: not sent");
                self.requeue_front(again);
                let rpc = &self.rpcs[ep];
                node_down(
                    &self.ctx.shared,
                    (ep, rpc),
                    &self.ctx.cfg,
                    now,
                    "eth_sendRawTransaction",
                )?;
                Ok(Sent::Unreachable)
            }
            Err(RpcError::Transport { kind, .. }) => {
                // No answer, or the connection broke mid-call: the node may have received them.
                let mut again = Vec::new();
                for (q, _, _, nonce) in items {
                    if let Item::Fresh { id, from, .. } = q {
                        self.account(from).next_nonce = nonce + 1;
                        again.push(Item::Resend { id, from });
                    } else {
                        again.push(q);
                    }
                }
                let what = if kind == TransportKind::Timeout { "timed out" } else { "broke" };
                lock(&self.ctx.shared).note(
                    Reason::Timeout,
                    &format!("eth_sendRawTransaction batch {what}: tracked, sent again"),
                );
                self.requeue_front(again);
                let rpc = &self.rpcs[ep];
                node_down(
                    &self.ctx.shared,
                    (ep, rpc),
                    &self.ctx.cfg,
                    now,
                    "eth_sendRawTransaction",
                )?;
                Ok(Sent::Unreachable)
            }
            Err(e) => Err(rpc_error("eth_sendRawTransaction", e)),
        }
    }

    /// Fresh transactions take their pre-signed bytes when those carry the account's next
    /// nonce, else are signed now (outside the lock); then every one is registered as in flight.
    /// Resends take their tracked bytes (and are dropped if a block included them meanwhile).
    fn sign_and_register(&mut self, batch: Vec<Item>) -> Vec<Ready> {
        let mut signed: Vec<(Item, Option<Signed>)> = Vec::with_capacity(batch.len());
        for mut q in batch {
            let tx = match &mut q {
                Item::Fresh { from, to, value, pre, .. } => {
                    let nonce = self.account(*from).next_nonce;
                    Some(match pre.take() {
                        Some(p) if p.nonce == nonce => (p.hash, p.hex, nonce, true),
                        _ => {
                            let t = Transfer {
                                chain_id: self.ctx.chain_id,
                                nonce,
                                to: self.ctx.addresses[*to],
                                value: *value,
                                fees: self.ctx.fees,
                            };
                            let tx = t.sign(&self.account(*from).key);
                            (tx.hash, Arc::from(tx.raw_hex()), nonce, false)
                        }
                    })
                }
                Item::Resend { .. } => None,
            };
            signed.push((q, tx));
        }
        let mut items: Vec<Ready> = Vec::with_capacity(signed.len());
        let mut sh = lock(&self.ctx.shared);
        for (q, tx) in signed {
            match (q, tx) {
                (q @ Item::Fresh { id, from, .. }, Some((hash, hex, nonce, pre))) => {
                    register(&mut sh, id, from, nonce, hash, hex.clone());
                    if pre {
                        sh.stats.presigned_sent += 1;
                    } else {
                        sh.stats.signed_live += 1;
                    }
                    items.push((q, hash, hex, nonce));
                }
                (q @ Item::Resend { id, .. }, _) => {
                    if let Some(f) = sh.tracker.pending.get(&id).filter(|f| f.included.is_none()) {
                        items.push((q, f.hash, f.hex.clone(), f.nonce));
                    }
                }
                (Item::Fresh { .. }, None) => unreachable!("fresh transactions are signed"),
            }
        }
        let tracked = sh.tracker.tracked();
        let st = &mut sh.stats;
        st.max_in_flight_seen = st.max_in_flight_seen.max(tracked);
        if !items.is_empty() {
            st.batches += 1;
            st.max_batch_seen = st.max_batch_seen.max(items.len());
        }
        items
    }

    /// The node answered each transaction: accepted (the account's nonce moves on) or refused
    /// (forgotten and reported as a rejection).
    fn answered(
        &mut self,
        ep: usize,
        items: Vec<Ready>,
        results: Vec<Result<(), NodeError>>,
        now: u64,
    ) {
        let mut refused = Vec::new();
        {
            let mut sh = lock(&self.ctx.shared);
            sh.down_since.remove(&ep);
            for ((q, _, _, nonce), r) in items.into_iter().zip(results) {
                match (q, r) {
                    (Item::Fresh { from, .. }, Ok(())) => {
                        self.accounts[from / self.shards].next_nonce = nonce + 1;
                        sh.stats.sent += 1;
                    }
                    (Item::Fresh { id, from, .. }, Err(e)) => {
                        sh.tracker.remove(id);
                        let reason = reason_for(&e.message);
                        if reason == Reason::BadNonce {
                            self.accounts[from / self.shards].resync = true;
                        }
                        let msg = match revert_reason(&e.message, e.data.as_ref()) {
                            Some(r) => format!("reverted: {r}"),
                            None => e.message.clone(),
                        };
                        sh.note(reason, &msg);
                        refused.push((id, reason));
                    }
                    (Item::Resend { .. }, Ok(())) => sh.stats.resent += 1,
                    (Item::Resend { .. }, Err(e)) => {
                        // Already in the pool or already mined: fine; anything else is noted,
                        // and the transaction stays tracked (it may still land).
                        let reason = reason_for(&e.message);
                        if !matches!(reason, Reason::DuplicateTx | Reason::BadNonce) {
                            sh.note(reason, &format!("on resend: {}", e.message));
                        }
                    }
                }
            }
        }
        for (id, reason) in refused {
            self.outcome(id, reason, now);
        }
    }
}

/// Tracks a transaction about to be sent, and names it for every node's decisions.
fn register(
    sh: &mut Shared,
    id: touchstone_core::TxId,
    from: usize,
    nonce: u64,
    hash: [u8; 32],
    hex: Arc<str>,
) {
    sh.ids.insert(hash, id);
    sh.tracker.insert(InFlight {
        id,
        from,
        nonce,
        hash,
        hex,
        included: None,
        included_at: 0,
        settled: false,
        fee: 0,
        reverted: false,
        reported: false,
        status_timed_out: false,
    });
}
