//! Sending, on the adapter's sender threads. `submit` only queues a transfer in a bounded
//! channel; a sender thread signs it and sends it as part of a JSON-RPC batch of
//! `eth_sendRawTransaction`, at most one transaction per sender account in a batch (a node need
//! not process a batch in order). Accounts are split between the sender threads (account `i` to
//! thread `i % send_workers`), so each account's transactions go out in order, from one thread,
//! one batch after the other. A transaction is signed with its account's next nonce when its
//! batch is assembled, so a refused one leaves no nonce gap.
//!
//! Every transaction is registered in the shared in-flight set *before* its batch goes out, so
//! the poller cannot read its receipt before knowing its hash (automine includes it before the
//! batch is even answered); a refused one is then removed and reported as a rejection.

use crate::errors::{reason_for, revert_reason, rpc_error};
use crate::keys::Key;
use crate::names::NODE;
use crate::observe::InFlight;
use crate::rpc::{quantity, RpcClient, RpcError, TransportKind};
use crate::shared::{lock, node_down, Ctx, NodeState, Obs, PanicGuard};
use crate::tx::{SignedTx, Transfer};
use serde_json::{json, Value};
use std::collections::{BTreeSet, VecDeque};
use std::sync::atomic::Ordering;
use std::sync::mpsc::{Receiver, RecvTimeoutError, TryRecvError};
use std::time::Duration;
use touchstone_core::adapter::{AdapterError, Outcome, OutcomeStatus};
use touchstone_core::{Reason, TxId};

/// A transaction for a sender thread.
#[derive(Debug, Clone)]
pub(crate) enum Item {
    Fresh {
        id: TxId,
        from: usize,
        to: usize,
        value: u128,
    },
    /// Already signed and tracked; sent again (after a timed-out batch, or a node restart).
    Resend {
        id: TxId,
        from: usize,
    },
}

impl Item {
    pub fn sender(&self) -> usize {
        match self {
            Item::Fresh { from, .. } | Item::Resend { from, .. } => *from,
        }
    }
}

/// A harness account, as its sender thread sees it.
#[derive(Debug, Clone)]
pub(crate) struct SendAccount {
    pub key: Key,
    pub next_nonce: u64,
    /// Ask the node for the nonce before the next send (after a nonce error).
    pub resync: bool,
}

/// Orders for a sender thread besides transactions. Separate from the (bounded) transaction
/// channel, so they pass even when backpressure holds new transactions back.
#[derive(Debug)]
pub(crate) enum Control {
    /// The node restarted: send these again first (sender-nonce order), forget nonce resyncs.
    Recover(Vec<Item>),
}

/// One sender thread: its accounts (`i % shards == shard`), its queue, its connection.
#[derive(Debug)]
pub(crate) struct SenderWorker {
    pub ctx: Ctx,
    pub shards: usize,
    /// This thread's accounts, account `i` at `i / shards`.
    pub accounts: Vec<SendAccount>,
    pub txs: Receiver<Item>,
    pub control: Receiver<Control>,
    pub queue: VecDeque<Item>,
    pub rpc: RpcClient,
}

/// Outcome of one attempt to send a batch.
enum Sent {
    /// Answered (each transaction accepted or refused), or nothing to send.
    Done,
    /// The node did not answer: back off before the next batch.
    Unreachable,
}

impl SenderWorker {
    fn account(&mut self, i: usize) -> &mut SendAccount {
        &mut self.accounts[i / self.shards]
    }

    /// The thread's loop: until the adapter stops, or a fatal error (reported to the engine).
    pub fn run(mut self) {
        let _guard = PanicGuard { who: "sender", obs: self.ctx.obs.clone() };
        while let Some(()) = self.receive() {
            if self.ctx.stopping() {
                return;
            }
            if self.queue.is_empty() {
                continue;
            }
            let crashed = lock(&self.ctx.shared).node == NodeState::Crashed;
            if crashed {
                self.while_crashed();
                continue;
            }
            match self.send_batch() {
                Ok(Sent::Done) => {}
                Ok(Sent::Unreachable) => std::thread::sleep(Duration::from_millis(50)),
                Err(e) => {
                    let _ = self.ctx.obs.send(Obs::Fatal(e));
                    return;
                }
            }
        }
    }

    /// Fills the queue. With an empty queue, waits (briefly) for the first transaction, then up
    /// to `flush_interval` for more to batch with it; with a backlog, takes what is there without
    /// waiting. `None` when the adapter stops.
    fn receive(&mut self) -> Option<()> {
        let max_batch = self.ctx.cfg.max_batch;
        let room = |q: &VecDeque<Item>| q.len() < 4 * max_batch;
        if self.queue.is_empty() && self.admit() {
            match self.txs.recv_timeout(Duration::from_millis(50)) {
                Ok(i) => self.queue.push_back(i),
                Err(RecvTimeoutError::Timeout) => {}
                Err(RecvTimeoutError::Disconnected) => return None,
            }
            let deadline = self.ctx.now() + self.ctx.cfg.flush_interval.as_nanos() as u64;
            while !self.queue.is_empty() && self.queue.len() < max_batch {
                let now = self.ctx.now();
                if now >= deadline {
                    break;
                }
                match self.txs.recv_timeout(Duration::from_nanos(deadline - now)) {
                    Ok(i) => self.queue.push_back(i),
                    Err(RecvTimeoutError::Timeout) => break,
                    Err(RecvTimeoutError::Disconnected) => return None,
                }
            }
        } else if self.admit() {
            while room(&self.queue) {
                match self.txs.try_recv() {
                    Ok(i) => self.queue.push_back(i),
                    Err(TryRecvError::Empty) => break,
                    Err(TryRecvError::Disconnected) => return None,
                }
            }
        } else if self.queue.is_empty() {
            // Backpressure with nothing to do: wait for commits to make room.
            std::thread::sleep(self.ctx.cfg.poll_interval.max(Duration::from_millis(1)));
        }
        // After the transactions: a recovery ordered before any of them is seen now.
        while let Ok(Control::Recover(items)) = self.control.try_recv() {
            for a in &mut self.accounts {
                a.resync = false;
            }
            for i in items.into_iter().rev() {
                self.queue.push_front(i);
            }
        }
        Some(())
    }

    /// Whether new transactions may be taken: fewer than `max_in_flight` tracked. When not,
    /// they wait in the bounded channel, and `submit` blocks once it is full (the generator lags,
    /// and the run says so).
    fn admit(&self) -> bool {
        lock(&self.ctx.shared).tracker.tracked() < self.ctx.cfg.max_in_flight
    }

    /// The node is down by a crash fault: fresh transactions cannot reach it (rejected, never
    /// sent); tracked ones wait for the restart.
    fn while_crashed(&mut self) {
        let mut keep = VecDeque::new();
        let mut refused = Vec::new();
        for q in std::mem::take(&mut self.queue) {
            match q {
                Item::Fresh { id, .. } => refused.push(id),
                r @ Item::Resend { .. } => keep.push_back(r),
            }
        }
        self.queue = keep;
        self.ctx.unsent.fetch_sub(refused.len(), Ordering::Relaxed);
        let msg = "node down (crash fault): not sent";
        self.reject_all(&refused, Reason::Other, msg);
        if self.queue.is_empty() || refused.is_empty() {
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    fn reject_all(&mut self, ids: &[TxId], reason: Reason, msg: &str) {
        if ids.is_empty() {
            return;
        }
        let at = self.ctx.now();
        {
            let mut sh = lock(&self.ctx.shared);
            for _ in ids {
                sh.note(reason, msg);
            }
        }
        for &id in ids {
            self.outcome(id, reason, at);
        }
    }

    fn outcome(&self, id: TxId, reason: Reason, at: u64) {
        let _ = self.ctx.obs.send(Obs::Outcome(Outcome {
            tx: id,
            status: OutcomeStatus::Rejected { reason },
            at,
            node: Some(NODE.into()),
        }));
    }

    /// Signs, registers and sends the next batch; handles the answers.
    fn send_batch(&mut self) -> Result<Sent, AdapterError> {
        let batch = self.take_batch();
        self.resync_nonces(&batch)?;
        // Sign outside the lock.
        let mut signed: Vec<(Item, Option<(SignedTx, u64)>)> = Vec::with_capacity(batch.len());
        for q in batch {
            let tx = match q {
                Item::Fresh { from, to, value, .. } => {
                    let t = Transfer {
                        chain_id: self.ctx.chain_id,
                        nonce: self.account(from).next_nonce,
                        to: self.ctx.addresses[to],
                        value,
                        fees: self.ctx.fees,
                    };
                    Some((t.sign(&self.account(from).key), t.nonce))
                }
                Item::Resend { .. } => None,
            };
            signed.push((q, tx));
        }
        // Register before sending (see the module docs); resends still not in a block.
        let mut items: Vec<(Item, SignedTx, u64)> = Vec::with_capacity(signed.len());
        {
            let mut sh = lock(&self.ctx.shared);
            for (q, tx) in signed {
                match (q, tx) {
                    (Item::Fresh { id, from, to, value }, Some((tx, nonce))) => {
                        sh.tracker.insert(InFlight {
                            id,
                            from,
                            nonce,
                            tx: tx.clone(),
                            included: None,
                            fee: 0,
                            reverted: false,
                            reported: false,
                        });
                        items.push((Item::Fresh { id, from, to, value }, tx, nonce));
                    }
                    (q @ Item::Resend { id, .. }, _) => {
                        if let Some(f) =
                            sh.tracker.pending.get(&id).filter(|f| f.included.is_none())
                        {
                            let (tx, nonce) = (f.tx.clone(), f.nonce);
                            items.push((q, tx, nonce));
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
        }
        if items.is_empty() {
            return Ok(Sent::Done);
        }
        let calls: Vec<(&str, Value)> = items
            .iter()
            .map(|(_, tx, _)| ("eth_sendRawTransaction", json!([tx.raw_hex()])))
            .collect();
        let result = self.rpc.batch(&calls);
        let now = self.ctx.now();
        let fresh = items.iter().filter(|(q, _, _)| matches!(q, Item::Fresh { .. })).count();
        self.ctx.unsent.fetch_sub(fresh, Ordering::Relaxed);
        match result {
            Ok(results) => {
                let mut refused = Vec::new();
                {
                    let mut sh = lock(&self.ctx.shared);
                    sh.down_since = None;
                    for ((q, _, nonce), r) in items.into_iter().zip(results) {
                        match (q, r) {
                            (Item::Fresh { from, .. }, Ok(_)) => {
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
                            (Item::Resend { .. }, Ok(_)) => sh.stats.resent += 1,
                            (Item::Resend { .. }, Err(e)) => {
                                // Already in the pool or already mined: fine; anything else is
                                // noted, and the transaction stays tracked (it may still land).
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
                Ok(Sent::Done)
            }
            Err(RpcError::Transport { kind: TransportKind::Refused, .. }) => {
                // Nothing listens: none of them reached the node.
                let mut again = Vec::new();
                let mut refused = Vec::new();
                {
                    let mut sh = lock(&self.ctx.shared);
                    for (q, _, _) in items {
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
                node_down(
                    &self.ctx.shared,
                    &self.rpc,
                    &self.ctx.cfg,
                    now,
                    "eth_sendRawTransaction",
                )?;
                Ok(Sent::Unreachable)
            }
            Err(RpcError::Transport { kind, .. }) => {
                // No answer, or the connection broke mid-call: the node may have received them.
                // They stay tracked and are sent again (same bytes: at most once).
                let mut again = Vec::new();
                for (q, _, nonce) in items {
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
                node_down(
                    &self.ctx.shared,
                    &self.rpc,
                    &self.ctx.cfg,
                    now,
                    "eth_sendRawTransaction",
                )?;
                Ok(Sent::Unreachable)
            }
            Err(e) => Err(rpc_error("eth_sendRawTransaction", e)),
        }
    }

    fn requeue_front(&mut self, items: Vec<Item>) {
        for q in items.into_iter().rev() {
            self.queue.push_front(q);
        }
    }

    /// Takes the next batch: queue order, at most one per sender, at most `max_batch`.
    fn take_batch(&mut self) -> Vec<Item> {
        take_batch(&mut self.queue, self.ctx.cfg.max_batch)
    }

    /// Asks the node for the pending nonce of senders whose nonce was refused.
    fn resync_nonces(&mut self, batch: &[Item]) -> Result<(), AdapterError> {
        let who: Vec<usize> = batch
            .iter()
            .filter(|q| matches!(q, Item::Fresh { .. }))
            .map(Item::sender)
            .filter(|&s| self.accounts[s / self.shards].resync)
            .collect();
        if who.is_empty() {
            return Ok(());
        }
        let calls: Vec<(&str, Value)> = who
            .iter()
            .map(|&s| {
                ("eth_getTransactionCount", json!([self.ctx.addresses[s].to_string(), "pending"]))
            })
            .collect();
        let res = self.rpc.batch(&calls).map_err(|e| rpc_error("eth_getTransactionCount", e))?;
        for (s, r) in who.into_iter().zip(res) {
            if let Some(n) = r.ok().as_ref().and_then(quantity) {
                let a = self.account(s);
                a.next_nonce = n as u64;
                a.resync = false;
            }
        }
        Ok(())
    }
}

/// Takes from `queue`, in order, at most one item per sender and at most `max`; the rest stays
/// in order.
pub(crate) fn take_batch(queue: &mut VecDeque<Item>, max: usize) -> Vec<Item> {
    let mut senders = BTreeSet::new();
    let mut batch = Vec::new();
    let mut rest = VecDeque::new();
    while let Some(q) = queue.pop_front() {
        if senders.insert(q.sender()) {
            batch.push(q);
            if batch.len() == max {
                break;
            }
        } else {
            rest.push_back(q);
        }
    }
    rest.extend(queue.drain(..));
    *queue = rest;
    batch
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_batch_holds_one_transaction_per_sender_in_queue_order() {
        let f = |id: u64, from: usize| Item::Fresh { id: TxId(id), from, to: 0, value: 1 };
        let mut q: VecDeque<Item> =
            [f(1, 0), f(2, 0), f(3, 1), Item::Resend { id: TxId(4), from: 2 }, f(5, 1), f(6, 3)]
                .into();
        let ids = |v: &[Item]| {
            v.iter()
                .map(|i| match i {
                    Item::Fresh { id, .. } | Item::Resend { id, .. } => id.0,
                })
                .collect::<Vec<_>>()
        };
        let b = take_batch(&mut q, 3);
        assert_eq!(ids(&b), vec![1, 3, 4]);
        assert_eq!(ids(&Vec::from(q.clone())), vec![2, 5, 6], "the rest keeps its order");
        let b = take_batch(&mut q, 10);
        assert_eq!(ids(&b), vec![2, 5, 6]);
        assert!(q.is_empty());
    }
}
