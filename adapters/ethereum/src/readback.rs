//! Reading the chain back on the engine's thread: recovery after a node restart, and the
//! balances (net of fees) and state root of [`crate::EthereumAdapter::snapshot`].

use crate::adapter::EthereumAdapter;
use crate::errors::{protocol_error, rpc_error};
use crate::names::NODE;
use crate::poll::scan;
use crate::rpc::{hash32, hex_quantity, quantity, RpcError};
use crate::shared::{lock, NodeState};
use crate::submit::{Control, Item};
use serde_json::{json, Value};
use touchstone_core::adapter::{AdapterError, StateSnapshot};

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
