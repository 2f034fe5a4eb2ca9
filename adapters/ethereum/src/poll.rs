//! Observing, on the adapter's poller thread: poll the head, read the receipts of new blocks
//! (`eth_getBlockReceipts`, batched), report what is confirmed to the engine's thread. Also,
//! on the engine's thread: recovery after a node restart, and balances and the state root.

use crate::adapter::{protocol_error, rpc_error, EthereumAdapter, NAME, NODE};
use crate::config::Config;
use crate::keys::Address;
use crate::observe::Receipt;
use crate::rpc::{hash32, hex_quantity, quantity, RpcClient, RpcError};
use crate::shared::{lock, node_down, Ctx, NodeState, Obs, PanicGuard, Shared};
use crate::submit::{Control, Item};
use serde_json::{json, Value};
use std::sync::Mutex;
use std::time::Duration;
use touchstone_core::adapter::{AdapterError, Outcome, OutcomeStatus, StateSnapshot};
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

impl EthereumAdapter {
    /// After a restart: notice lost blocks, and have every unincluded transaction sent again
    /// (same bytes, same hash: it cannot apply twice), in nonce order per sender, before any
    /// newer one.
    pub(crate) fn recover(&mut self) -> Result<(), AdapterError> {
        let v = self
            .rpc
            .call("eth_blockNumber", json!([]))
            .map_err(|e| rpc_error("eth_blockNumber", e))?;
        let head = quantity(&v)
            .ok_or_else(|| protocol_error("eth_blockNumber", format!("not a quantity: {v}")))?
            as u64;
        let again: Vec<Item> = {
            let mut sh = lock(&self.shared);
            sh.epoch += 1;
            sh.node = NodeState::Running;
            sh.down_since = None;
            sh.stats.restarts += 1;
            if head < sh.tracker.scanned {
                sh.roll_back(head);
            }
            sh.tracker
                .unincluded()
                .iter()
                .map(|f| Item::Resend { id: f.id, from: f.from })
                .collect()
        };
        if let Some(w) = &self.workers {
            let shards = w.controls.len();
            let mut per: Vec<Vec<Item>> = vec![Vec::new(); shards];
            for i in again {
                per[i.sender() % shards].push(i);
            }
            for (c, items) in w.controls.iter().zip(per) {
                let _ = c.send(Control::Recover(items));
            }
        }
        Ok(())
    }

    /// Balances at the last fully read block, net of fees (see the crate docs), and its state root.
    pub(crate) fn read_state(
        &mut self,
        names: &[String],
    ) -> Result<Vec<StateSnapshot>, AdapterError> {
        if lock(&self.shared).node == NodeState::Crashed {
            return Ok(Vec::new());
        }
        // Catch up on receipts (fees) without reporting; hold the scan lock so the poller does
        // not move the block or the fees while the balances are read.
        let scan_lock = self.scan_lock.clone();
        let _scan = scan_lock.lock().unwrap_or_else(|e| e.into_inner());
        scan(&self.rpc, &self.shared, &self.addresses, &self.clock, &self.cfg)?;
        let (h, fees_paid) = {
            let sh = lock(&self.shared);
            (sh.tracker.scanned, sh.fees_paid.clone())
        };
        let tag = hex_quantity(h as u128);
        let block = self
            .rpc
            .call("eth_getBlockByNumber", json!([tag, false]))
            .map_err(|e| rpc_error("eth_getBlockByNumber", e))?;
        let root = block.get("stateRoot").and_then(hash32).map(|r| format!("0x{}", hex::encode(r)));
        let wanted: Vec<(String, usize)> =
            names.iter().filter_map(|n| self.index.get(n).map(|&i| (n.clone(), i))).collect();
        let mut balances = Vec::with_capacity(wanted.len());
        for chunk in wanted.chunks(500) {
            let calls: Vec<(&str, Value)> = chunk
                .iter()
                .map(|(_, i)| ("eth_getBalance", json!([self.addresses[*i].to_string(), tag])))
                .collect();
            let res = self.rpc.batch(&calls).map_err(|e| rpc_error("eth_getBalance", e))?;
            for ((name, i), r) in chunk.iter().zip(res) {
                let v = r.map_err(|e| rpc_error("eth_getBalance", RpcError::Node(e)))?;
                let now = quantity(&v).ok_or_else(|| {
                    protocol_error("eth_getBalance", format!("not a quantity: {v}"))
                })?;
                // initial + (now − base) + fees, computed without going below zero.
                let fees = fees_paid.get(*i).copied().unwrap_or(0);
                let plus = self.initial[*i] + now + fees;
                let net = plus.saturating_sub(self.base_balance[*i]);
                balances.push((name.clone(), vec![(self.cfg.asset.clone(), net)]));
            }
        }
        Ok(vec![StateSnapshot {
            node: NODE.into(),
            height: h,
            app_hash: root,
            supply: Vec::new(),
            balances,
        }])
    }
}
