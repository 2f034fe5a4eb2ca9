//! State shared between the engine's thread and the adapter's worker threads (the senders and
//! the block poller), and the messages between them.
//!
//! One mutex guards everything the workers share: the in-flight set, fees paid, counters and
//! node messages. It is held only to update memory, never across a JSON-RPC call. `epoch` counts
//! crashes and restarts of the managed node: a worker that read the chain before one applies
//! nothing it read.

use crate::config::Config;
use crate::errors::rpc_error;
use crate::keys::Address;
use crate::names::NAME;
use crate::observe::Tracker;
use crate::rpc::{RpcClient, RpcError};
use crate::tx::Fees;
use serde_json::json;
use std::collections::BTreeMap;
use std::sync::atomic::{AtomicBool, AtomicUsize};
use std::sync::mpsc::Sender;
use std::sync::{Arc, Mutex, MutexGuard};
use touchstone_core::adapter::{AdapterError, Outcome};
use touchstone_core::time::{Clock, Nanos, WallClock};
use touchstone_core::Reason;

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
    pub restarts: u64,
    pub rolled_back_blocks: u64,
    pub lost_commits: u64,
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
    pub tracker: Tracker,
    /// The last head read.
    pub head: u64,
    /// Fees paid by each account's transactions since the measured run started (receipts).
    pub fees_paid: Vec<u128>,
    /// Since when the node has been unreachable (not counting a crash fault).
    pub down_since: Option<Nanos>,
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
            head: 0,
            fees_paid: Vec::new(),
            down_since: None,
            messages: BTreeMap::new(),
            stats: Stats::default(),
        }
    }

    pub fn note(&mut self, reason: Reason, message: &str) {
        *self.messages.entry(format!("{reason}: {message}")).or_default() += 1;
    }

    /// The chain came back shorter than what was read (a restart lost blocks after `head`).
    pub fn roll_back(&mut self, head: u64) {
        let before = self.tracker.scanned;
        let (refunds, lost) = self.tracker.roll_back_to(head);
        for (from, fee) in refunds {
            if let Some(f) = self.fees_paid.get_mut(from) {
                *f -= fee.min(*f);
            }
        }
        self.stats.rolled_back_blocks += before.saturating_sub(head);
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
    pub url: String,
    pub chain_id: u64,
    pub fees: Fees,
    pub addresses: Arc<[Address]>,
    pub shared: Arc<Mutex<Shared>>,
    /// Serialises block scans (the poller's and a snapshot's), so a snapshot's balances and
    /// fees describe the same block.
    pub scan_lock: Arc<Mutex<()>>,
    pub stop: Arc<AtomicBool>,
    pub obs: Sender<Obs>,
    /// Transactions accepted by `submit` whose batch has not been answered yet (nor refused
    /// unsent).
    pub unsent: Arc<AtomicUsize>,
}

impl Ctx {
    pub fn now(&self) -> Nanos {
        self.clock.now()
    }

    pub fn rpc(&self) -> RpcClient {
        RpcClient::new(&self.url, self.cfg.connect_timeout, self.cfg.http_timeout)
    }

    pub fn stopping(&self) -> bool {
        self.stop.load(std::sync::atomic::Ordering::Relaxed)
    }
}

/// Notes that the node did not answer at `now`; fails once it has been unreachable for longer
/// than `node_down_timeout` (a crash fault does not count).
pub(crate) fn node_down(
    shared: &Mutex<Shared>,
    rpc: &RpcClient,
    cfg: &Config,
    now: Nanos,
    method: &str,
) -> Result<(), AdapterError> {
    {
        let mut sh = lock(shared);
        if sh.node == NodeState::Crashed {
            return Ok(());
        }
        let since = *sh.down_since.get_or_insert(now);
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
