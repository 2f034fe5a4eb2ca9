//! Observing, one thread per endpoint: on each new head (announced by a WebSocket subscription,
//! or polled), read the new blocks with their transaction hashes (batched), link each to the
//! block below it, and pass on what is now `confirmations` deep: that node's `cons.decide`, and
//! on the primary node `n0` the outcomes of the harness's transactions.
//!
//! Inclusion comes from the block's transaction list, so the observer keeps up with whatever
//! the chain includes: it never waits on receipts. Where the block alone settles a
//! transaction's status and fee (see the crate docs) it does so at once and asks the receipt
//! fetchers for a sample to check; otherwise each included transaction's receipt is asked for
//! (`receipts = "every"`), and the transaction is reported when it comes.

use crate::chain::{fetch_blocks, Block, Decision, Link, BLOCKS_PER_BATCH};
use crate::config::{Config, ReceiptMode};
use crate::errors::{protocol_error, rpc_error};
use crate::names::NAME;
use crate::receipts::ReceiptJob;
use crate::rpc::{quantity, RpcClient, RpcError};
use crate::shared::{lock, node_down, Ctx, NodeState, Obs, PanicGuard, Shared};
use crate::tx::{Fees, TxType};
use serde_json::json;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{Receiver, RecvTimeoutError};
use std::sync::Arc;
use std::time::Duration;
use touchstone_core::adapter::{AdapterError, Outcome, OutcomeStatus};
use touchstone_core::time::Nanos;
use touchstone_core::Reason;

/// Gas a plain value transfer uses: its intrinsic gas, no more (it runs no code).
pub(crate) const TRANSFER_GAS: u128 = 21_000;
/// How often a node with a live `newHeads` subscription is polled anyway (a missed
/// notification costs at most this).
const POLL_WITH_WS: Duration = Duration::from_millis(500);

/// One endpoint's observer thread.
#[derive(Debug)]
pub(crate) struct Observer {
    pub ctx: Ctx,
    pub ep: usize,
    pub rpc: RpcClient,
    /// New heads (from the WebSocket thread) and the adapter's stop.
    pub wake: Receiver<()>,
    /// Whether a WebSocket subscription announces this endpoint's heads.
    pub ws_live: Arc<AtomicBool>,
}

impl Observer {
    pub fn run(self) {
        let _guard = PanicGuard { who: "observer", obs: self.ctx.obs.clone() };
        loop {
            if self.ctx.stopping() {
                return;
            }
            if let Err(e) = observe(&self.ctx, self.ep, &self.rpc) {
                let _ = self.ctx.obs.send(Obs::Fatal(e));
                return;
            }
            let every = if self.ws_live.load(Ordering::Relaxed) {
                POLL_WITH_WS
            } else {
                self.ctx.cfg.poll_interval.max(Duration::from_millis(1))
            };
            match self.wake.recv_timeout(every) {
                Ok(()) => while self.wake.try_recv().is_ok() {},
                Err(RecvTimeoutError::Timeout) => {}
                Err(RecvTimeoutError::Disconnected) => return,
            }
        }
    }
}

/// One round for endpoint `ep`: read the head and the blocks not read yet, and pass on what is
/// decided and due. A node that does not answer is tolerated up to `node_down_timeout`; a
/// round that spans a crash or restart of the managed node applies nothing it read.
pub(crate) fn observe(c: &Ctx, ep: usize, rpc: &RpcClient) -> Result<(), AdapterError> {
    let _scan = (ep == 0).then(|| c.scan_lock.lock().unwrap_or_else(|e| e.into_inner()));
    let epoch = {
        let mut sh = lock(&c.shared);
        if sh.node == NodeState::Crashed {
            return Ok(());
        }
        sh.stats.polls += 1;
        sh.epoch
    };
    let head = match rpc.call("eth_blockNumber", json!([])) {
        Ok(v) => quantity(&v)
            .ok_or_else(|| protocol_error("eth_blockNumber", format!("not a quantity: {v}")))?
            as u64,
        Err(RpcError::Transport { .. }) => {
            return node_down(&c.shared, (ep, rpc), &c.cfg, c.now(), "eth_blockNumber");
        }
        Err(e) => return Err(rpc_error("eth_blockNumber", e)),
    };
    let mut next = {
        let mut sh = lock(&c.shared);
        if sh.epoch != epoch {
            return Ok(());
        }
        sh.down_since.remove(&ep);
        if head < sh.views[ep].scanned {
            sh.roll_back(ep, head);
        }
        sh.views[ep].head = head;
        sh.views[ep].scanned + 1
    };
    while next <= head {
        let last = head.min(next + BLOCKS_PER_BATCH - 1);
        let answers = match fetch_blocks(rpc, next, last) {
            Ok(a) => a,
            Err(RpcError::Transport { .. }) => {
                return node_down(&c.shared, (ep, rpc), &c.cfg, c.now(), "eth_getBlockByNumber");
            }
            Err(e) => return Err(rpc_error("eth_getBlockByNumber", e)),
        };
        let at = c.now();
        let mut jobs = Vec::new();
        let mut complete = true;
        {
            let mut sh = lock(&c.shared);
            if sh.epoch != epoch {
                return Ok(());
            }
            for (h, answer) in (next..=last).zip(answers) {
                let raw = match answer {
                    Ok(Some(b)) => b,
                    Ok(None) => {
                        complete = false; // not served yet: read it next round
                        break;
                    }
                    Err(e) => return Err(call_error("eth_getBlockByNumber", h, &e.message)),
                };
                let b =
                    Block::from_raw(raw).map_err(|m| protocol_error("eth_getBlockByNumber", m))?;
                if b.height != h {
                    let m = format!("asked for block {h}, got {}", b.height);
                    return Err(protocol_error("eth_getBlockByNumber", m));
                }
                if sh.views[ep].link(&b) == Link::Broken {
                    // The node's chain changed below this block: read again from two below.
                    sh.roll_back(ep, h.saturating_sub(2));
                    if h < 2 {
                        // Its parent is the genesis, which changed (a fresh chain after a
                        // restart): without this the stale genesis broke every round.
                        sh.views[ep].forget(0);
                    }
                    complete = false;
                    break;
                }
                apply_block(&mut sh, c, ep, &b, at, &mut jobs);
            }
        }
        if let Some(q) = &c.receipts {
            for j in jobs {
                let _ = q.send(ReceiptJob { epoch, ..j });
            }
        }
        if !complete {
            break;
        }
        next = last + 1;
    }
    pass_on(c, ep, epoch);
    Ok(())
}

fn call_error(method: &str, h: u64, message: &str) -> AdapterError {
    AdapterError::Call {
        adapter: NAME.into(),
        method: method.into(),
        message: format!("block {h}: {message}"),
    }
}

/// The fee of one of the harness's transfers in `b`, when the block alone fixes it: gas used is
/// the intrinsic 21,000 (the gas limit), and the price is the legacy price or, for EIP-1559,
/// `min(fee cap, base fee + tip)`.
fn block_fee(c: &Ctx, b: &Block) -> Option<u128> {
    transfer_fee(&c.cfg, &c.fees, b.base_fee)
}

/// [`block_fee`] for a block whose base fee is `base_fee`; with `None`, the fee when no block
/// is needed to fix it (a legacy transfer's).
pub(crate) fn transfer_fee(cfg: &Config, fees: &Fees, base_fee: Option<u128>) -> Option<u128> {
    if cfg.receipts != ReceiptMode::Verify || fees.gas_limit as u128 != TRANSFER_GAS {
        return None;
    }
    let price = match fees.tx_type {
        TxType::Legacy => fees.gas_price,
        TxType::Eip1559 => fees.gas_price.min(base_fee? + fees.priority_fee),
    };
    Some(TRANSFER_GAS * price)
}

/// Applies block `b` of endpoint `ep`, read at `at`: its decision waits for its confirmations;
/// on `n0` the harness's transactions in it are included (settled from the block, or their
/// receipts asked for in `jobs`).
fn apply_block(
    sh: &mut Shared,
    c: &Ctx,
    ep: usize,
    b: &Block,
    at: Nanos,
    jobs: &mut Vec<ReceiptJob>,
) {
    sh.stats.blocks += 1;
    let fee = block_fee(c, b);
    let mut ours = Vec::new();
    for hash in &b.txs {
        let Some(&id) = sh.ids.get(hash) else { continue }; // not the harness's
        ours.push(id);
        if ep != 0 {
            continue;
        }
        match sh.tracker.on_included(b.height, hash, at, fee) {
            Some((_, from)) if fee.is_some() => {
                if let Some(f) = sh.fees_paid.get_mut(from) {
                    *f += fee.unwrap_or(0);
                }
            }
            Some((id, _)) => jobs.push(ReceiptJob::settle(id, *hash, b.height)),
            None => {}
        }
    }
    if ep == 0 {
        if let (Some(fee), false) = (fee, ours.is_empty()) {
            // Check the block's word against receipts: a spread sample of the block's txs.
            let n = c.cfg.verify_receipts.min(ours.len());
            for k in 0..n {
                let i = if n == 1 { 0 } else { k * (ours.len() - 1) / (n - 1) };
                let hash = *b.txs.iter().find(|h| sh.ids.get(*h) == Some(&ours[i])).expect("ours");
                jobs.push(ReceiptJob::check(ours[i], hash, b.height, fee / TRANSFER_GAS));
            }
        }
    }
    let d = Decision {
        node: ep,
        height: b.height,
        block: b.hash.clone(),
        parent: b.parent.clone(),
        app_hash: b.state_root.clone(),
        txs: ours,
    };
    sh.views[ep].read(b, d);
}

/// Sends what is decided on endpoint `ep` and, on `n0`, the outcomes now due.
pub(crate) fn pass_on(c: &Ctx, ep: usize, epoch: u64) {
    let at = c.now();
    let (decided, outcomes) = {
        let mut sh = lock(&c.shared);
        if sh.epoch != epoch {
            return;
        }
        let decided = sh.views[ep].decided(c.cfg.confirmations);
        let outcomes = if ep == 0 { due_outcomes(&mut sh, c, at) } else { Vec::new() };
        (decided, outcomes)
    };
    for d in decided {
        let _ = c.obs.send(Obs::Decide(d, at));
    }
    if !outcomes.is_empty() {
        let _ = c.obs.send(Obs::Outcomes(outcomes));
    }
}

/// The outcomes due on `n0` at `at`: settled and confirmed (committed, or rejected when the
/// execution reverted), or confirmed with a receipt overdue (`unknown`).
pub(crate) fn due_outcomes(sh: &mut Shared, c: &Ctx, at: Nanos) -> Vec<Outcome> {
    use crate::observe::Due;
    let head = sh.views[0].head;
    let timeout = c.cfg.receipt_timeout.as_nanos() as u64;
    let node = Some(c.nodes[0].clone());
    let mut out = Vec::new();
    for d in sh.tracker.due(head, c.cfg.confirmations, at, timeout) {
        let (tx, status) = match d {
            Due::StatusTimedOut(id) => {
                sh.stats.receipt_timeouts += 1;
                sh.note(Reason::Timeout, "receipt not read within receipt_timeout: status unknown");
                (id, OutcomeStatus::Unknown)
            }
            Due::Done(f) if f.reported => continue, // committed before a restart lost it
            Due::Done(f) if f.reverted => {
                let m = "execution reverted (receipt status 0): fee paid, value not moved";
                sh.note(Reason::Other, m);
                (f.id, OutcomeStatus::Rejected { reason: Reason::Other })
            }
            Due::Done(f) => match f.included {
                Some(height) => (f.id, OutcomeStatus::Committed { height }),
                None => continue,
            },
        };
        out.push(Outcome { tx, status, at, node: node.clone() });
    }
    out
}
