//! Observing, on the adapter's poller thread: poll the head, read the receipts of new blocks
//! (`eth_getBlockReceipts`, batched), report what is confirmed to the engine's thread.

use crate::config::Config;
use crate::errors::{protocol_error, rpc_error};
use crate::keys::Address;
use crate::names::{NAME, NODE};
use crate::observe::Receipt;
use crate::rpc::{hex_quantity, quantity, RpcClient, RpcError};
use crate::shared::{lock, node_down, Ctx, NodeState, Obs, PanicGuard, Shared};
use serde_json::{json, Value};
use std::sync::Mutex;
use std::time::Duration;
use touchstone_core::adapter::{AdapterError, Outcome, OutcomeStatus};
use touchstone_core::time::{Clock, WallClock};
use touchstone_core::Reason;

/// Blocks whose receipts are asked for in one batch.
const BLOCKS_PER_BATCH: u64 = 32;

/// The poller thread: every `poll_interval`, read the head and new receipts and report.
#[derive(Debug)]
pub(crate) struct Poller {
    pub ctx: Ctx,
    pub rpc: RpcClient,
    /// Dropped by the adapter to stop the thread (wakes it at once).
    pub wake: std::sync::mpsc::Receiver<()>,
}

impl Poller {
    pub fn run(self) {
        let _guard = PanicGuard { who: "poller", obs: self.ctx.obs.clone() };
        let every = self.ctx.cfg.poll_interval.max(Duration::from_millis(1));
        loop {
            let started = self.ctx.now();
            if self.ctx.stopping() {
                return;
            }
            match self.poll_once() {
                Ok(outcomes) => {
                    for o in outcomes {
                        let _ = self.ctx.obs.send(Obs::Outcome(o));
                    }
                }
                Err(e) => {
                    let _ = self.ctx.obs.send(Obs::Fatal(e));
                    return;
                }
            }
            let elapsed = Duration::from_nanos(self.ctx.now().saturating_sub(started));
            let wait = every.saturating_sub(elapsed).max(Duration::from_micros(200));
            match self.wake.recv_timeout(wait) {
                Err(std::sync::mpsc::RecvTimeoutError::Timeout) | Ok(()) => {}
                Err(std::sync::mpsc::RecvTimeoutError::Disconnected) => return,
            }
        }
    }

    /// One scan; the outcomes it confirms, timed when they were observed.
    fn poll_once(&self) -> Result<Vec<Outcome>, AdapterError> {
        let c = &self.ctx;
        let _scan = c.scan_lock.lock().unwrap_or_else(|e| e.into_inner());
        let Some(epoch) = scan(&self.rpc, &c.shared, &c.addresses, &c.clock, &c.cfg)? else {
            return Ok(Vec::new());
        };
        let at = c.now();
        let mut sh = lock(&c.shared);
        if sh.epoch != epoch {
            return Ok(Vec::new());
        }
        let head = sh.head;
        let done = sh.tracker.confirmed(head, c.cfg.confirmations);
        let mut out = Vec::with_capacity(done.len());
        for f in done {
            if f.reported {
                continue;
            }
            let status = match f.included {
                Some(_) if f.reverted => {
                    sh.note(
                        Reason::Other,
                        "execution reverted (receipt status 0): fee paid, value not moved",
                    );
                    OutcomeStatus::Rejected { reason: Reason::Other }
                }
                Some(height) => OutcomeStatus::Committed { height },
                None => continue,
            };
            out.push(Outcome { tx: f.id, status, at, node: Some(NODE.into()) });
        }
        Ok(out)
    }
}

/// Reads the head and the receipts of blocks not read yet, applying them to the shared state.
/// `Some(epoch)` when read in one epoch of the node; `None` if the node is down (tolerated up
/// to `node_down_timeout`) or crashed or restarted meanwhile (what was read is dropped).
/// Callers hold the scan lock.
pub(crate) fn scan(
    rpc: &RpcClient,
    shared: &Mutex<Shared>,
    addresses: &[Address],
    clock: &WallClock,
    cfg: &Config,
) -> Result<Option<u64>, AdapterError> {
    let epoch = {
        let mut sh = lock(shared);
        if sh.node == NodeState::Crashed {
            return Ok(None);
        }
        sh.stats.polls += 1;
        sh.epoch
    };
    let now = clock.now();
    let head = match rpc.call("eth_blockNumber", json!([])) {
        Ok(v) => quantity(&v)
            .ok_or_else(|| protocol_error("eth_blockNumber", format!("not a quantity: {v}")))?
            as u64,
        Err(RpcError::Transport { .. }) => {
            node_down(shared, rpc, cfg, now, "eth_blockNumber")?;
            return Ok(None);
        }
        Err(e) => return Err(rpc_error("eth_blockNumber", e)),
    };
    // Whether receipts are needed is decided after the head was read: a transaction registered
    // later is sent later, so it lands above this head.
    let mut next = {
        let mut sh = lock(shared);
        if sh.epoch != epoch {
            return Ok(None);
        }
        sh.down_since = None;
        if head < sh.tracker.scanned {
            sh.roll_back(head);
        }
        if !sh.tracker.waiting_for_blocks() {
            sh.tracker.scanned = head;
        }
        sh.tracker.scanned + 1
    };
    while next <= head {
        let last = head.min(next + BLOCKS_PER_BATCH - 1);
        let calls: Vec<(&str, Value)> = (next..=last)
            .map(|h| ("eth_getBlockReceipts", json!([hex_quantity(h as u128)])))
            .collect();
        let res = match rpc.batch_typed::<Vec<Receipt>>(&calls) {
            Ok(r) => r,
            Err(RpcError::Transport { .. }) => {
                node_down(shared, rpc, cfg, clock.now(), "eth_getBlockReceipts")?;
                return Ok(None);
            }
            Err(e) => return Err(rpc_error("eth_getBlockReceipts", e)),
        };
        let mut sh = lock(shared);
        if sh.epoch != epoch {
            return Ok(None);
        }
        for (h, r) in (next..=last).zip(res) {
            let receipts = match r {
                Ok(Some(rs)) => rs,
                Ok(None) => break, // not served yet: read it next time
                Err(e) => {
                    return Err(AdapterError::Call {
                        adapter: NAME.into(),
                        method: "eth_getBlockReceipts".into(),
                        message: format!("block {h}: {} (code {}); this adapter needs a node that serves eth_getBlockReceipts", e.message, e.code),
                    })
                }
            };
            if h <= sh.tracker.scanned {
                continue; // read meanwhile by another scan
            }
            for rc in &receipts {
                if let Some(s) = sh.tracker.on_receipt(h, rc, addresses) {
                    if let Some(f) = sh.fees_paid.get_mut(s.from) {
                        *f += s.fee;
                    }
                }
            }
            sh.tracker.scanned = h;
        }
        if sh.tracker.scanned < last {
            break;
        }
        next = last + 1;
    }
    let mut sh = lock(shared);
    if sh.epoch != epoch {
        return Ok(None);
    }
    sh.head = head;
    Ok(Some(epoch))
}
