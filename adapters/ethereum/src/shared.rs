//! State shared between the engine's thread and the adapter's worker threads (the senders, one
//! block observer per endpoint, the receipt fetchers), and the messages between them.
//!
//! One mutex guards everything the workers share: the in-flight set, fees paid, counters and
//! node messages. It is held only to update memory, never across a JSON-RPC call. `epoch` counts
//! crashes and restarts of the managed node: a worker that read the chain before one applies
//! nothing it read.

use crate::chain::{ChainView, Decision};
use crate::config::Config;
use crate::errors::rpc_error;
use crate::keys::Address;
use crate::names::NAME;
use crate::observe::Tracker;
use crate::rpc::{RpcClient, RpcError};
use crate::tx::Fees;
use serde_json::json;
use std::collections::{BTreeMap, HashMap};
use std::sync::atomic::{AtomicBool, AtomicUsize};
use std::sync::mpsc::Sender;
use std::sync::{Arc, Mutex, MutexGuard};
use touchstone_core::adapter::{AdapterError, Outcome};
use touchstone_core::time::{Clock, Nanos, WallClock};
use touchstone_core::{Reason, TxId};

/// Whether the node is up, as far as the adapter's own faults go.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum NodeState {
    Running,
    Paused,
    Crashed,
}

/// Counters for the disclosure.
#[derive(Debug, Default, Clone)]
pub(crate) struct Stats {
    pub batches: u64,
    pub sent: u64,
    pub resent: u64,
    pub polls: u64,
    /// Blocks read (all endpoints).
    pub blocks: u64,
    /// Receipts read, and how many of them only to check what the block said.
    pub receipts: u64,
    pub receipts_checked: u64,
    /// Receipts that did not come within `receipt_timeout` (status reported unknown).
    pub receipt_timeouts: u64,
    /// Heads announced by a WebSocket subscription.
    pub ws_heads: u64,
    /// Transactions sent with bytes signed before the clock started, and signed while running.
    pub presigned_sent: u64,
    pub signed_live: u64,
    pub restarts: u64,
    /// Funding transactions a restart lost and that were sent again.
    pub funding_resent: u64,
    pub rolled_back_blocks: u64,
    pub lost_commits: u64,
    /// Transactions a restarted node's state applied though none of its blocks holds them.
    pub applied_without_block: u64,
    /// Largest batch sent.
    pub max_batch_seen: usize,
    /// Most transactions tracked at once (sent, not yet reported).
    pub max_in_flight_seen: usize,
}

/// What the workers share (behind [`Ctx::shared`]).
#[derive(Debug)]
pub(crate) struct Shared {
    pub node: NodeState,
    /// Incremented by every crash and restart of the managed node.
    pub epoch: u64,
    /// The primary node's (`n0`) in-flight transactions.
    pub tracker: Tracker,
    /// Every observed node's chain, in endpoint order (`views[0]` is `n0`).
    pub views: Vec<ChainView>,
    /// Every transaction the harness sent in this run, by hash (to name them in any node's
    /// decisions, also after their outcome was reported).
    pub ids: HashMap<[u8; 32], TxId>,
    /// Fees paid by each account's transactions since the measured run started, on `n0`'s chain.
    pub fees_paid: Vec<u128>,
    /// Since when each endpoint has been unreachable (not counting a crash fault).
    pub down_since: BTreeMap<usize, Nanos>,
    /// Node messages by reason code (kept for the disclosure; the trace has only the code).
    pub messages: BTreeMap<String, u64>,
    pub stats: Stats,
}

impl Shared {
    pub fn new() -> Shared {
        Shared {
            node: NodeState::Running,
            epoch: 0,
            tracker: Tracker::default(),
            views: Vec::new(),
            ids: HashMap::new(),
            fees_paid: Vec::new(),
            down_since: BTreeMap::new(),
            messages: BTreeMap::new(),
            stats: Stats::default(),
        }
    }

    pub fn note(&mut self, reason: Reason, message: &str) {
        *self.messages.entry(format!("{reason}: {message}")).or_default() += 1;
    }

    /// Node `ep`'s chain changed above `head` (a restart lost blocks, or a reorganisation):
    /// what was read above is forgotten; on `n0`, inclusions there are undone.
    pub fn roll_back(&mut self, ep: usize, head: u64) {
        let Some(view) = self.views.get_mut(ep) else { return };
        let before = view.scanned;
        view.roll_back_to(head);
        self.stats.rolled_back_blocks += before.saturating_sub(head);
        if ep != 0 {
            return;
        }
        let (refunds, lost) = self.tracker.roll_back_to(head);
        for (from, fee) in refunds {
            if let Some(f) = self.fees_paid.get_mut(from) {
                *f -= fee.min(*f);
            }
        }
        self.stats.lost_commits += lost;
        if lost > 0 {
            self.note(
                Reason::Other,
                "a restart lost blocks holding transactions reported committed: sent again",
            );
        }
    }
}

/// What a worker tells the engine's thread.
#[derive(Debug)]
pub(crate) enum Obs {
    Outcome(Outcome),
    /// A block's worth of outcomes at once (one message, one wake-up of the engine's thread).
    Outcomes(Vec<Outcome>),
    /// A block `confirmations` deep on one observed node: its `cons.decide`, timed `at`.
    Decide(Decision, Nanos),
    /// The worker cannot go on (the node is gone, answers garbage…): the run ends (exit 3).
    Fatal(AdapterError),
}

/// Locks, ignoring poisoning: a worker that panicked reports it through [`Obs::Fatal`], and
/// the state it left is still the best record there is.
pub(crate) fn lock(m: &Mutex<Shared>) -> MutexGuard<'_, Shared> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

/// What every worker needs; cloned into each.
#[derive(Debug, Clone)]
pub(crate) struct Ctx {
    pub cfg: Arc<Config>,
    pub clock: WallClock,
    /// The endpoints' URLs and node ids, in order (`n0` first).
    pub urls: Arc<[String]>,
    pub nodes: Arc<[String]>,
    pub chain_id: u64,
    pub fees: Fees,
    pub addresses: Arc<[Address]>,
    pub shared: Arc<Mutex<Shared>>,
    /// Serialises block scans (the poller's and a snapshot's), so a snapshot's balances and
    /// fees describe the same block.
    pub scan_lock: Arc<Mutex<()>>,
    pub stop: Arc<AtomicBool>,
    pub obs: Sender<Obs>,
    /// The receipt fetchers' queue (set when the threads start).
    pub receipts: Option<Sender<crate::receipts::ReceiptJob>>,
    /// Transactions accepted by `submit` whose batch has not been answered yet (nor refused
    /// unsent).
    pub unsent: Arc<AtomicUsize>,
}

impl Ctx {
    pub fn now(&self) -> Nanos {
        self.clock.now()
    }

    /// A connection to endpoint `ep`.
    pub fn rpc(&self, ep: usize) -> RpcClient {
        RpcClient::new(&self.urls[ep], self.cfg.connect_timeout, self.cfg.http_timeout)
    }

    pub fn stopping(&self) -> bool {
        self.stop.load(std::sync::atomic::Ordering::Relaxed)
    }
}

/// Notes that the node did not answer at `now`; fails once it has been unreachable for longer
/// than `node_down_timeout` (a crash fault does not count).
pub(crate) fn node_down(
    shared: &Mutex<Shared>,
    (ep, rpc): (usize, &RpcClient),
    cfg: &Config,
    now: Nanos,
    method: &str,
) -> Result<(), AdapterError> {
    {
        let mut sh = lock(shared);
        if sh.node == NodeState::Crashed {
            return Ok(());
        }
        let since = *sh.down_since.entry(ep).or_insert(now);
        if now.saturating_sub(since) <= cfg.node_down_timeout.as_nanos() as u64 {
            return Ok(());
        }
    }
    let e = rpc.call("eth_chainId", json!([])).err().unwrap_or(RpcError::Garbage {
        url: rpc.url().into(),
        message: "the node came back".into(),
    });
    Err(rpc_error(&format!("{method} (unreachable for longer than node_down_timeout)"), e))
}

/// Sends [`Obs::Fatal`] if the worker thread holding it unwinds from a panic.
#[derive(Debug)]
pub(crate) struct PanicGuard {
    pub who: &'static str,
    pub obs: Sender<Obs>,
}

impl Drop for PanicGuard {
    fn drop(&mut self) {
        if std::thread::panicking() {
            let _ = self.obs.send(Obs::Fatal(AdapterError::Other {
                adapter: NAME.into(),
                message: format!("the adapter's {} thread panicked (a bug)", self.who),
            }));
        }
    }
}
