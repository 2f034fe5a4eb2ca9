//! Reading the chain back on the engine's thread: recovery after a node restart (the funding
//! first, then every transaction not yet in a block), and the balances (net of fees) and state
//! root of [`crate::EthereumAdapter::snapshot`].

use crate::adapter::EthereumAdapter;
use crate::errors::{protocol_error, rpc_error};
use crate::observer::{observe, transfer_fee};
use crate::rpc::{quantity, RpcError};
use crate::shared::{lock, NodeState};
use crate::submit::{Control, Item};
use serde_json::{json, Value};
use std::collections::{BTreeSet, HashMap};
use touchstone_core::adapter::{Adapter as _, AdapterError, StateSnapshot};
use touchstone_core::TxId;

/// Observer rounds `read_state` may take to reach the head (each reads what is new).
const READ_STATE_ROUNDS: usize = 200;

impl EthereumAdapter {
    /// After a restart: notice lost blocks, send again the funding the restart lost (and wait
    /// until it is mined: the accounts' transfers need it), count the transactions the reloaded
    /// state applied without their block (see [`Self::applied_without_block`]), then have every
    /// other unincluded transaction sent again (same bytes, same hash: it cannot apply twice),
    /// in nonce order per sender, before any newer one.
    pub(crate) fn recover(&mut self) -> Result<(), AdapterError> {
        let v = self
            .rpc
            .call("eth_blockNumber", json!([]))
            .map_err(|e| rpc_error("eth_blockNumber", e))?;
        let head = quantity(&v)
            .ok_or_else(|| protocol_error("eth_blockNumber", format!("not a quantity: {v}")))?
            as u64;
        self.resend_lost_funding()?;
        let in_state = self.applied_without_block(head)?;
        let derived = transfer_fee(&self.cfg, &self.fees, None);
        let at = self.now();
        let again: Vec<Item> = {
            let mut sh = lock(&self.shared);
            sh.epoch += 1;
            sh.node = NodeState::Running;
            sh.down_since.clear();
            sh.stats.restarts += 1;
            if !in_state.is_empty() {
                // Before the rollback: these are not lost, their fees stay charged.
                for (from, fee) in sh.tracker.applied_without_block(&in_state, head, at, derived) {
                    if let Some(f) = sh.fees_paid.get_mut(from) {
                        *f += fee;
                    }
                }
                sh.stats.applied_without_block += in_state.len() as u64;
                sh.note(
                    touchstone_core::Reason::Other,
                    "the restarted node's state applied transactions none of its blocks holds (its state dump was written mid-block): counted at its head, not sent again",
                );
            }
            if sh.views.first().is_some_and(|v| head < v.scanned) {
                sh.roll_back(0, head);
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

    /// The tracked transactions that no block of the restarted chain holds, though its state
    /// has used their nonce: anvil's periodic state dump reads the block list, then waits for
    /// the accounts while a block is being mined, so a node reloaded at `head` can hold the
    /// effects of a block it does not have. Such a transaction will never be included again (its
    /// nonce is used) and must not be taken as lost: its value moved and its fee was paid. The
    /// harness's accounts send only the adapter's transactions, one tracked per nonce, so a
    /// used nonce with no receipt on the restarted node is this transaction, applied without
    /// a block. Called while the node is still marked crashed (nothing observes it meanwhile).
    fn applied_without_block(&self, head: u64) -> Result<BTreeSet<TxId>, AdapterError> {
        let candidates = lock(&self.shared).tracker.not_held_at(head);
        if candidates.is_empty() {
            return Ok(BTreeSet::new());
        }
        let senders: Vec<usize> =
            candidates.iter().map(|c| c.1).collect::<BTreeSet<_>>().into_iter().collect();
        let addresses: Vec<_> = senders.iter().map(|&i| self.addresses[i]).collect();
        let counts = self.read_quantities("eth_getTransactionCount", &addresses, "latest")?;
        let used: HashMap<usize, u128> = senders.into_iter().zip(counts).collect();
        // A sender whose count did not come back (a short reply) is taken as not spent: its
        // transactions go the usual way.
        let spent: Vec<_> = candidates
            .into_iter()
            .filter(|c| used.get(&c.1).is_some_and(|&u| u128::from(c.2) < u))
            .collect();
        let mut out = BTreeSet::new();
        for chunk in spent.chunks(self.cfg.max_batch.max(1)) {
            let calls: Vec<(&str, Value)> = chunk
                .iter()
                .map(|c| ("eth_getTransactionReceipt", json!([format!("0x{}", hex::encode(c.3))])))
                .collect();
            let res =
                self.rpc.batch(&calls).map_err(|e| rpc_error("eth_getTransactionReceipt", e))?;
            for (c, r) in chunk.iter().zip(res) {
                let v = r.map_err(|e| rpc_error("eth_getTransactionReceipt", RpcError::Node(e)))?;
                if v.is_null() {
                    out.insert(c.0);
                }
            }
        }
        Ok(out)
    }

    /// The funding transactions whose nonce the restarted chain has not used (a crash within a
    /// state dump's interval of `prepare` loses them) are sent again, and waited for.
    fn resend_lost_funding(&mut self) -> Result<(), AdapterError> {
        let Some(last) = self.funding.last().map(|(n, _)| *n) else { return Ok(()) };
        let funder = self.cfg.funding_key.address;
        let mined = self.read_quantities("eth_getTransactionCount", &[funder], "latest")?[0] as u64;
        let lost: Vec<&str> =
            self.funding.iter().filter(|(n, _)| *n >= mined).map(|(_, h)| h.as_str()).collect();
        if lost.is_empty() {
            return Ok(());
        }
        for chunk in lost.chunks(self.cfg.max_batch) {
            // "already known" or "nonce too low" answers are fine: it is there already.
            self.rpc
                .send_raw_batch(chunk)
                .map_err(|e| rpc_error("eth_sendRawTransaction (funding, after a restart)", e))?;
        }
        let n = lost.len() as u64;
        {
            let mut sh = lock(&self.shared);
            sh.stats.funding_resent += n;
            sh.note(
                touchstone_core::Reason::Other,
                "a restart lost funding transactions: sent again and mined before any transfer",
            );
        }
        self.wait_mined(funder, last + 1)
    }

    /// Balances at the last decided block of `n0`, net of fees (see the crate docs), and its
    /// state root.
    pub(crate) fn read_state(
        &mut self,
        names: &[String],
    ) -> Result<Vec<StateSnapshot>, AdapterError> {
        if lock(&self.shared).node == NodeState::Crashed {
            return Ok(Vec::new());
        }
        // Catch up (what it observes goes to the engine with the next drain); hold the scan
        // lock so the observer does not move the block or the fees while the balances are read.
        // A round stops at a block whose parent changed (a restart replaced blocks) after
        // rolling back below it; the next round reads on from there. Rounds go on until the
        // head is reached (a restart can roll back many blocks; under load eight rounds were
        // not always enough), within a bound, so the balances are not read at a height rolled
        // back to.
        if let Some(w) = &self.workers {
            for _ in 0..READ_STATE_ROUNDS {
                observe(&w.ctx, 0, &self.rpc)?;
                let sh = lock(&self.shared);
                if sh.views.first().is_none_or(|v| v.scanned >= v.head) {
                    break;
                }
            }
        }
        let scan_lock = self.scan_lock.clone();
        let _scan = scan_lock.lock().unwrap_or_else(|e| e.into_inner());
        let (h, fees_paid) = {
            let sh = lock(&self.shared);
            let h = sh.views.first().map_or(0, |v| v.last_decided(self.cfg.confirmations));
            let mut fees = sh.fees_paid.clone();
            // Fees of transactions in blocks read but not yet decided are not in the state at h.
            for f in sh.tracker.pending.values() {
                if f.settled && f.included.is_some_and(|i| i > h) {
                    if let Some(x) = fees.get_mut(f.from) {
                        *x -= f.fee.min(*x);
                    }
                }
            }
            (h, fees)
        };
        let tag = format!("{h:#x}");
        let block = self
            .rpc
            .call("eth_getBlockByNumber", json!([tag, false]))
            .map_err(|e| rpc_error("eth_getBlockByNumber", e))?;
        let root = crate::chain::state_root(&block);
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
            node: self.nodes[0].clone(),
            height: h,
            app_hash: root,
            supply: Vec::new(),
            balances,
        }])
    }
}
