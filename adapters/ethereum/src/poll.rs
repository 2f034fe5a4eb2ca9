//! Observing: poll the head, read the receipts of new blocks (`eth_getBlockReceipts`, batched),
//! report what is confirmed; recover after a node restart; read balances and the state root.

use crate::adapter::{protocol_error, rpc_error, EthereumAdapter, NodeState, Queued, NODE};
use crate::observe::Receipt;
use crate::rpc::{hash32, hex_quantity, quantity, RpcError};
use serde_json::{json, Value};
use touchstone_core::adapter::{
    Adapter as _, AdapterError, EventSink, Outcome, OutcomeStatus, StateSnapshot,
};
use touchstone_core::Reason;

/// Blocks whose receipts are asked for in one batch.
const BLOCKS_PER_BATCH: u64 = 32;

impl EthereumAdapter {
    /// Reads the head and any new block's receipts; reports confirmed outcomes. Returns how many.
    pub(crate) fn poll(&mut self, sink: &mut dyn EventSink) -> Result<usize, AdapterError> {
        self.last_poll = Some(self.now());
        if self.node == NodeState::Crashed || !self.scan()? {
            return Ok(0);
        }
        let done = self.tracker.confirmed(self.head, self.cfg.confirmations);
        let at = self.now();
        let mut n = 0;
        for f in done {
            if f.reported {
                continue;
            }
            let status = match f.included {
                Some(_) if f.reverted => {
                    self.note(
                        Reason::Other,
                        "execution reverted (receipt status 0): fee paid, value not moved",
                    );
                    OutcomeStatus::Rejected { reason: Reason::Other }
                }
                Some(height) => OutcomeStatus::Committed { height },
                None => continue,
            };
            sink.outcome(Outcome { tx: f.id, status, at, node: Some(NODE.into()) });
            n += 1;
        }
        Ok(n)
    }

    /// Reads the head and the receipts of blocks not read yet. `false` if the node is unreachable
    /// (tolerated up to `node_down_timeout`).
    fn scan(&mut self) -> Result<bool, AdapterError> {
        let now = self.now();
        self.stats.polls += 1;
        let head = match self.rpc.call("eth_blockNumber", json!([])) {
            Ok(v) => quantity(&v)
                .ok_or_else(|| protocol_error("eth_blockNumber", format!("not a quantity: {v}")))?
                as u64,
            Err(e @ RpcError::Transport { .. }) => {
                let _ = e;
                self.check_alive()?;
                self.node_down(now, "eth_blockNumber")?;
                return Ok(false);
            }
            Err(e) => return Err(rpc_error("eth_blockNumber", e)),
        };
        self.down_since = None;
        if head < self.tracker.scanned {
            self.roll_back(head);
        }
        if !self.tracker.waiting_for_blocks() {
            self.tracker.scanned = head;
        }
        while self.tracker.scanned < head {
            let first = self.tracker.scanned + 1;
            let last = head.min(first + BLOCKS_PER_BATCH - 1);
            let calls: Vec<(&str, Value)> = (first..=last)
                .map(|h| ("eth_getBlockReceipts", json!([hex_quantity(h as u128)])))
                .collect();
            let res = self
                .rpc
                .batch_typed::<Vec<Receipt>>(&calls)
                .map_err(|e| rpc_error("eth_getBlockReceipts", e))?;
            for (h, r) in (first..=last).zip(res) {
                let receipts = match r {
                    Ok(Some(rs)) => rs,
                    Ok(None) => break, // not served yet: read it next time
                    Err(e) => {
                        return Err(AdapterError::Call {
                            adapter: crate::adapter::NAME.into(),
                            method: "eth_getBlockReceipts".into(),
                            message: format!("block {h}: {} (code {}); this adapter needs a node that serves eth_getBlockReceipts", e.message, e.code),
                        })
                    }
                };
                for rc in &receipts {
                    if let Some(s) = self.tracker.on_receipt(h, rc, &self.addresses) {
                        self.accounts[s.from].fees_paid += s.fee;
                    }
                }
                self.tracker.scanned = h;
            }
            if self.tracker.scanned < last {
                break;
            }
        }
        self.head = head;
        Ok(true)
    }

    fn roll_back(&mut self, head: u64) {
        let before = self.tracker.scanned;
        let (refunds, lost) = self.tracker.roll_back_to(head);
        for (from, fee) in refunds {
            self.accounts[from].fees_paid -= fee.min(self.accounts[from].fees_paid);
        }
        self.stats.rolled_back_blocks += before - head;
        self.stats.lost_commits += lost;
        if lost > 0 {
            self.note(
                Reason::Other,
                "a restart lost blocks holding transactions reported committed: sent again",
            );
        }
    }

    /// After a restart: notice lost blocks, send every unincluded transaction again (same bytes,
    /// same hash: it cannot apply twice), in nonce order per sender.
    pub(crate) fn recover(&mut self, sink: &mut dyn EventSink) -> Result<(), AdapterError> {
        let v = self
            .rpc
            .call("eth_blockNumber", json!([]))
            .map_err(|e| rpc_error("eth_blockNumber", e))?;
        let head = quantity(&v)
            .ok_or_else(|| protocol_error("eth_blockNumber", format!("not a quantity: {v}")))?
            as u64;
        if head < self.tracker.scanned {
            self.roll_back(head);
        }
        let again: Vec<Queued> = self
            .tracker
            .unincluded()
            .iter()
            .map(|f| Queued::Resend { id: f.id, from: f.from })
            .collect();
        // Resends first, then whatever was queued, so each sender's nonces go out in order.
        for q in again.into_iter().rev() {
            self.queue.push_front(q);
        }
        for a in &mut self.accounts {
            a.resync = false;
        }
        self.flush(sink, None)?;
        Ok(())
    }

    /// Balances at the last fully read block, net of fees (see the crate docs), and its state root.
    pub(crate) fn read_state(
        &mut self,
        names: &[String],
    ) -> Result<Vec<StateSnapshot>, AdapterError> {
        if self.node == NodeState::Crashed {
            return Ok(Vec::new());
        }
        // Catch up on receipts (fees) without reporting: the engine has closed its books.
        self.scan()?;
        let h = self.tracker.scanned;
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
                let a = &self.accounts[*i];
                // initial + (now − base) + fees, computed without going below zero.
                let plus = self.initial[*i] + now + a.fees_paid;
                let net = plus.saturating_sub(a.base_balance);
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
