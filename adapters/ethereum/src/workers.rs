//! The adapter's threads: `send_workers` sender threads (accounts split between them) and one
//! poller. The engine's thread talks to them through channels: a bounded one per sender for
//! transactions (backpressure: `submit` waits when it is full), an unbounded control channel
//! per sender, and one observation channel back (outcomes and fatal errors; at most one outcome
//! per tracked transaction, so it is bounded by `max_in_flight` plus the queues).
//!
//! Stopping sets a flag and closes the channels; the threads notice within one step (at most
//! one JSON-RPC call, bounded by `http_timeout`) and are joined. The adapter stops them in
//! `shutdown` and on drop, also while a panic unwinds.

use crate::names::NAME;
use crate::poll::Poller;
use crate::shared::{Ctx, Obs};
use crate::submit::{Control, Item, SendAccount, SenderWorker};
use std::collections::VecDeque;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{self, Receiver, Sender, SyncSender};
use std::sync::Arc;
use std::thread::JoinHandle;
use touchstone_core::adapter::AdapterError;

/// Handles on the running threads.
#[derive(Debug)]
pub(crate) struct Workers {
    /// Transactions, one bounded channel per sender thread (account `i` → `i % len`).
    pub txs: Vec<SyncSender<Item>>,
    pub controls: Vec<Sender<Control>>,
    pub obs: Receiver<Obs>,
    wake_poller: Option<Sender<()>>,
    stop: Arc<AtomicBool>,
    handles: Vec<JoinHandle<()>>,
}

impl Workers {
    /// Starts the threads. `make_ctx` builds each thread's context around the one observation
    /// sender and stop flag.
    pub fn start(
        make_ctx: impl Fn(Sender<Obs>, Arc<AtomicBool>) -> Ctx,
        accounts: Vec<SendAccount>,
    ) -> Result<Workers, AdapterError> {
        let (obs_tx, obs) = mpsc::channel();
        let stop = Arc::new(AtomicBool::new(false));
        let ctx = make_ctx(obs_tx, stop.clone());
        let shards = ctx.cfg.send_workers.max(1);
        let capacity = ctx.cfg.queue_capacity.div_ceil(shards).max(1);
        let mut w = Workers {
            txs: Vec::new(),
            controls: Vec::new(),
            obs,
            wake_poller: None,
            stop,
            handles: Vec::new(),
        };
        let spawn_err = |e: std::io::Error| AdapterError::Other {
            adapter: NAME.into(),
            message: format!("cannot start a worker thread: {e}"),
        };
        let mut per: Vec<Vec<SendAccount>> = vec![Vec::new(); shards];
        for (i, a) in accounts.into_iter().enumerate() {
            per[i % shards].push(a);
        }
        for (shard, accounts) in per.into_iter().enumerate() {
            let (tx, txs) = mpsc::sync_channel(capacity);
            let (ctl, control) = mpsc::channel();
            let worker = SenderWorker {
                rpc: ctx.rpc(),
                ctx: ctx.clone(),
                shards,
                accounts,
                txs,
                control,
                queue: VecDeque::new(),
            };
            let h = std::thread::Builder::new()
                .name(format!("eth-send-{shard}"))
                .spawn(move || worker.run())
                .map_err(spawn_err)?;
            w.txs.push(tx);
            w.controls.push(ctl);
            w.handles.push(h);
        }
        let (wake, wake_rx) = mpsc::channel();
        let poller = Poller { rpc: ctx.rpc(), ctx, wake: wake_rx };
        let h = std::thread::Builder::new()
            .name("eth-poll".into())
            .spawn(move || poller.run())
            .map_err(spawn_err)?;
        w.wake_poller = Some(wake);
        w.handles.push(h);
        Ok(w)
    }

    /// Tells the threads to stop (they finish at most the call in progress).
    pub fn signal_stop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
        self.txs.clear();
        self.controls.clear();
        self.wake_poller = None;
    }

    /// Stops and joins the threads. Idempotent.
    pub fn stop(&mut self) {
        self.signal_stop();
        for h in self.handles.drain(..) {
            // A panicked thread already reported it (PanicGuard); nothing more to do here.
            let _ = h.join();
        }
    }
}

impl Drop for Workers {
    fn drop(&mut self) {
        self.stop();
    }
}
