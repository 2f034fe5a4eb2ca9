//! The adapter's threads: `send_workers` sender threads (accounts split between them), one
//! observer per endpoint (and, where the node offers a WebSocket, a thread holding its
//! `newHeads` subscription), and `receipt_workers` receipt fetchers. The engine's thread talks
//! to them through channels: a bounded one per sender for transactions (backpressure: `submit`
//! waits when it is full), an unbounded control channel per sender, and one observation channel
//! back (outcomes, decisions and fatal errors).
//!
//! Stopping sets a flag, closes the channels and wakes the observers; the threads notice within
//! one step (at most one JSON-RPC call, bounded by `http_timeout`) and are joined. The adapter
//! stops them in `shutdown` and on drop, also while a panic unwinds.

use crate::config::HeadsMode;
use crate::heads::HeadsWatcher;
use crate::names::NAME;
use crate::observer::Observer;
use crate::receipts::ReceiptWorker;
use crate::shared::{Ctx, Obs};
use crate::submit::{Control, Item, SendAccount, SenderWorker};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{self, Receiver, Sender, SyncSender};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use touchstone_core::adapter::AdapterError;

/// Handles on the running threads.
#[derive(Debug)]
pub(crate) struct Workers {
    /// Transactions, one bounded channel per sender thread (account `i` → `i % len`).
    pub txs: Vec<SyncSender<Item>>,
    pub controls: Vec<Sender<Control>>,
    pub obs: Receiver<Obs>,
    /// A context like the threads' (for the engine's thread: a snapshot's catch-up read).
    pub ctx: Ctx,
    wake_observers: Vec<Sender<()>>,
    stop: Arc<AtomicBool>,
    handles: Vec<JoinHandle<()>>,
}

fn spawn(name: String, f: impl FnOnce() + Send + 'static) -> Result<JoinHandle<()>, AdapterError> {
    std::thread::Builder::new().name(name).spawn(f).map_err(|e| AdapterError::Other {
        adapter: NAME.into(),
        message: format!("cannot start a worker thread: {e}"),
    })
}

impl Workers {
    /// Starts observing (the observers and receipt fetchers); the senders come with
    /// [`Workers::start_senders`], once the accounts are funded. `make_ctx` builds the threads'
    /// context around the one observation sender and stop flag.
    pub fn start(
        make_ctx: impl Fn(Sender<Obs>, Arc<AtomicBool>) -> Ctx,
    ) -> Result<Workers, AdapterError> {
        let (obs_tx, obs) = mpsc::channel();
        let stop = Arc::new(AtomicBool::new(false));
        let mut ctx = make_ctx(obs_tx, stop.clone());
        let (jobs_tx, jobs) = mpsc::channel();
        ctx.receipts = Some(jobs_tx.clone());
        let mut w = Workers {
            txs: Vec::new(),
            controls: Vec::new(),
            obs,
            ctx: ctx.clone(),
            wake_observers: Vec::new(),
            stop,
            handles: Vec::new(),
        };
        for ep in 0..ctx.urls.len() {
            let (wake, wake_rx) = mpsc::channel();
            let live = Arc::new(AtomicBool::new(false));
            if ctx.cfg.heads == HeadsMode::Auto {
                let watcher =
                    HeadsWatcher { ctx: ctx.clone(), ep, wake: wake.clone(), live: live.clone() };
                w.handles.push(spawn(format!("eth-heads-{ep}"), move || watcher.run())?);
            }
            let observer =
                Observer { rpc: ctx.rpc(ep), ctx: ctx.clone(), ep, wake: wake_rx, ws_live: live };
            w.handles.push(spawn(format!("eth-observe-{ep}"), move || observer.run())?);
            w.wake_observers.push(wake);
        }
        let jobs = Arc::new(Mutex::new(jobs));
        for k in 0..ctx.cfg.receipt_workers {
            let r = ReceiptWorker {
                rpc: ctx.rpc(0),
                ctx: ctx.clone(),
                jobs: jobs.clone(),
                again: jobs_tx.clone(),
            };
            w.handles.push(spawn(format!("eth-receipts-{k}"), move || r.run())?);
        }
        Ok(w)
    }

    /// Starts the sender threads for `accounts`, whose chain addresses are `addresses`.
    pub fn start_senders(
        &mut self,
        addresses: Arc<[crate::keys::Address]>,
        accounts: Vec<SendAccount>,
    ) -> Result<(), AdapterError> {
        let ctx = &Ctx { addresses, ..self.ctx.clone() };
        let shards = ctx.cfg.send_workers.max(1);
        let capacity = ctx.cfg.queue_capacity.div_ceil(shards).max(1);
        let mut per: Vec<Vec<SendAccount>> = vec![Vec::new(); shards];
        for (i, a) in accounts.into_iter().enumerate() {
            per[i % shards].push(a);
        }
        for (shard, accounts) in per.into_iter().enumerate() {
            let (tx, txs) = mpsc::sync_channel(capacity);
            let (ctl, control) = mpsc::channel();
            let worker = SenderWorker::new(ctx.clone(), shards, accounts, txs, control);
            self.handles.push(spawn(format!("eth-send-{shard}"), move || worker.run())?);
            self.txs.push(tx);
            self.controls.push(ctl);
        }
        Ok(())
    }

    /// Tells the threads to stop (they finish at most the call in progress).
    pub fn signal_stop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
        self.txs.clear();
        self.controls.clear();
        for w in self.wake_observers.drain(..) {
            let _ = w.send(());
        }
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
