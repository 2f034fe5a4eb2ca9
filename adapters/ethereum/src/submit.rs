//! Sending, on the adapter's sender threads. `submit` only queues a transfer in a bounded
//! channel; a sender thread sends it as part of a JSON-RPC batch of `eth_sendRawTransaction`
//! (`send.rs`), at most one transaction per sender account in a batch (a node need not process a
//! batch in order), to the account's endpoint. Accounts are split between the sender threads
//! (account `i` to thread `i % send_workers`) and between the endpoints, so each account's
//! transactions go out in order, from one thread, to one node, one batch after the other.
//!
//! A transaction goes out with the bytes signed before the clock started when they carry its
//! account's next nonce, else it is signed then (so a refused one leaves no nonce gap: the
//! account's later pre-signed transactions are signed again).

use crate::errors::rpc_error;
use crate::keys::Key;
use crate::rpc::{quantity, RpcClient};
use crate::shared::{lock, Ctx, NodeState, Obs, PanicGuard};
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
        /// Signed before the clock started, for the nonce the account was expected to have.
        pre: Option<Box<Presigned>>,
    },
    /// Already signed and tracked; sent again (after a timed-out batch, or a node restart).
    Resend { id: TxId, from: usize },
}

impl Item {
    pub fn sender(&self) -> usize {
        match self {
            Item::Fresh { from, .. } | Item::Resend { from, .. } => *from,
        }
    }
}

/// A transaction signed ahead (see `presign.rs`): its hash and its bytes as `0x` hex, ready
/// for the request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Presigned {
    pub nonce: u64,
    pub hash: [u8; 32],
    pub hex: std::sync::Arc<str>,
}

/// A harness account, as its sender thread sees it.
#[derive(Debug, Clone)]
pub(crate) struct SendAccount {
    pub key: Key,
    pub next_nonce: u64,
    /// Ask the node for the nonce before the next send (after a nonce error).
    pub resync: bool,
    /// The endpoint its transactions go to.
    pub ep: usize,
}

/// Orders for a sender thread besides transactions. Separate from the (bounded) transaction
/// channel, so they pass even when backpressure holds new transactions back.
#[derive(Debug)]
pub(crate) enum Control {
    /// The node restarted: send these again first (sender-nonce order), forget nonce resyncs.
    Recover(Vec<Item>),
}

/// One sender thread: its accounts (`i % shards == shard`), its queue, a connection to each
/// endpoint.
#[derive(Debug)]
pub(crate) struct SenderWorker {
    pub ctx: Ctx,
    pub shards: usize,
    /// This thread's accounts, account `i` at `i / shards`.
    pub accounts: Vec<SendAccount>,
    pub txs: Receiver<Item>,
    pub control: Receiver<Control>,
    pub queue: VecDeque<Item>,
    /// One connection per endpoint.
    pub rpcs: Vec<RpcClient>,
}

/// Outcome of one attempt to send a batch.
pub(crate) enum Sent {
    /// Answered (each transaction accepted or refused), or nothing to send.
    Done,
    /// The node did not answer: back off before the next batch.
    Unreachable,
}

impl SenderWorker {
    pub fn new(
        ctx: Ctx,
        shards: usize,
        accounts: Vec<SendAccount>,
        txs: Receiver<Item>,
        control: Receiver<Control>,
    ) -> Self {
        let rpcs = (0..ctx.urls.len()).map(|ep| ctx.rpc(ep)).collect();
        SenderWorker { ctx, shards, accounts, txs, control, queue: VecDeque::new(), rpcs }
    }

    pub(crate) fn account(&mut self, i: usize) -> &mut SendAccount {
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

    /// Fills the queue. With an empty queue, waits (briefly) for the first transaction, then
    /// `flush_interval` for more to batch with it; with a backlog, takes what is there without
    /// waiting. `None` when the adapter stops.
    fn receive(&mut self) -> Option<()> {
        let max_batch = self.ctx.cfg.max_batch;
        if self.queue.is_empty() && self.admit() {
            match self.txs.recv_timeout(Duration::from_millis(50)) {
                Ok(i) => self.queue.push_back(i),
                Err(RecvTimeoutError::Timeout) => {}
                Err(RecvTimeoutError::Disconnected) => return None,
            }
            if !self.queue.is_empty() {
                // Let a batch gather: one sleep, not one wake-up per transaction (each would
                // cost the engine's thread a futex call and this one a context switch).
                std::thread::sleep(self.ctx.cfg.flush_interval);
                if !self.take_queued(max_batch) {
                    return None;
                }
            }
        } else if self.admit() {
            if !self.take_queued(4 * max_batch) {
                return None;
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

    /// Takes what is queued, up to `up_to` in the queue; `false` when the adapter stopped.
    fn take_queued(&mut self, up_to: usize) -> bool {
        while self.queue.len() < up_to {
            match self.txs.try_recv() {
                Ok(i) => self.queue.push_back(i),
                Err(TryRecvError::Empty) => break,
                Err(TryRecvError::Disconnected) => return false,
            }
        }
        true
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

    pub(crate) fn reject_all(&mut self, ids: &[TxId], reason: Reason, msg: &str) {
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

    pub(crate) fn outcome(&self, id: TxId, reason: Reason, at: u64) {
        let _ = self.ctx.obs.send(Obs::Outcome(Outcome {
            tx: id,
            status: OutcomeStatus::Rejected { reason },
            at,
            node: None,
        }));
    }

    pub(crate) fn requeue_front(&mut self, items: Vec<Item>) {
        for q in items.into_iter().rev() {
            self.queue.push_front(q);
        }
    }

    /// Takes the next batch: queue order, at most one per sender, at most `max_batch`, all
    /// for one endpoint (the first item's).
    pub(crate) fn take_batch(&mut self) -> (usize, Vec<Item>) {
        let ep = match self.queue.front() {
            Some(q) => self.accounts[q.sender() / self.shards].ep,
            None => return (0, Vec::new()),
        };
        let (shards, accounts) = (self.shards, &self.accounts);
        let batch =
            take_batch(&mut self.queue, self.ctx.cfg.max_batch, |s| accounts[s / shards].ep == ep);
        (ep, batch)
    }

    /// Asks the node for the pending nonce of senders whose nonce was refused.
    pub(crate) fn resync_nonces(&mut self, ep: usize, batch: &[Item]) -> Result<(), AdapterError> {
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
        let res =
            self.rpcs[ep].batch(&calls).map_err(|e| rpc_error("eth_getTransactionCount", e))?;
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

/// Takes from `queue`, in order, at most one item per sender and at most `max`, of the senders
/// `fits` admits; the rest stays in order.
pub(crate) fn take_batch(
    queue: &mut VecDeque<Item>,
    max: usize,
    fits: impl Fn(usize) -> bool,
) -> Vec<Item> {
    let mut senders = BTreeSet::new();
    let mut batch = Vec::new();
    let mut rest = VecDeque::new();
    while let Some(q) = queue.pop_front() {
        if fits(q.sender()) && senders.insert(q.sender()) {
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
        let f =
            |id: u64, from: usize| Item::Fresh { id: TxId(id), from, to: 0, value: 1, pre: None };
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
        let b = take_batch(&mut q, 3, |_| true);
        assert_eq!(ids(&b), vec![1, 3, 4]);
        assert_eq!(ids(&Vec::from(q.clone())), vec![2, 5, 6], "the rest keeps its order");
        let b = take_batch(&mut q, 10, |s| s != 3);
        assert_eq!(ids(&b), vec![2, 5], "only senders of the batch's endpoint");
        assert_eq!(ids(&Vec::from(q.clone())), vec![6]);
    }
}
