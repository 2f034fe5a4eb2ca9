//! The [`Adapter`] and [`FaultControl`] contracts of the `ethereum` adapter: what it declares,
//! discloses, and does on each of the engine's calls.

use crate::adapter::{workers_gone, EthereumAdapter};
use crate::names::NAME;
use crate::observer::TRANSFER_GAS;
use crate::shared::{lock, NodeState};
use crate::submit::Item;
use crate::tx::TxType;
use std::collections::BTreeMap;
use std::sync::atomic::Ordering;
use std::sync::mpsc::{RecvTimeoutError, TrySendError};
use std::time::Duration;
use touchstone_core::adapter::{
    Adapter, AdapterError, Capabilities, EventSink, FaultControl, FaultError, FinalityRule, Setup,
    StateSnapshot, SubmitAck, SystemInfo, TxRequest,
};
use touchstone_core::ledger::OpKind;
use touchstone_core::scenario::{FaultAction, FaultKind};
use touchstone_core::time::{Clock as _, Nanos};
use touchstone_core::trace::ValidatorInfo;
use touchstone_core::{Operation, Reason};

impl Adapter for EthereumAdapter {
    fn name(&self) -> &str {
        NAME
    }

    fn capabilities(&self) -> Capabilities {
        let faults = if self.anvil.is_some() {
            vec![FaultKind::Crash, FaultKind::Restart, FaultKind::Pause, FaultKind::Resume]
        } else {
            Vec::new()
        };
        let depth = self.cfg.confirmations;
        let n = self.nodes.len();
        let others = if n > 1 {
            format!("; the other {} endpoint(s) are observed for agreement", n - 1)
        } else {
            String::new()
        };
        Capabilities {
            operations: vec![OpKind::Transfer],
            faults,
            // The nodes' finalized chains are observed (cons.decide without cert), but no
            // validator's votes: consensus events are not exported.
            consensus_events: false,
            state_reads: true,
            finality: FinalityRule {
                description: format!(
                    "included in a block of {}'s chain with {depth} block(s) on top, status success \
                     (from the block for a {TRANSFER_GAS}-gas transfer, checked against sampled receipts, or \
                     from its receipt); no BFT finality{others}",
                    self.nodes[0]
                ),
                required_share: 1.0 / n as f64,
                confirmation_depth: depth,
            },
            virtual_time: false,
        }
    }

    fn system_info(&self) -> SystemInfo {
        let mut d = BTreeMap::new();
        let mut put = |k: &str, v: String| {
            d.insert(k.to_string(), v);
        };
        put("endpoint", self.rpc.url().to_string());
        if self.nodes.len() > 1 {
            let all: Vec<String> = self
                .nodes
                .iter()
                .zip(self.urls.iter())
                .map(|(n, u)| format!("{n} = {u}"))
                .collect();
            put("endpoints", all.join(", "));
        }
        put(
            "consensus_trace",
            format!(
                "observed, not exported: each endpoint's finalized chain as read through its JSON-RPC \
                 (one cons.decide per node and height: block hash, parent, the harness's txs in block order, \
                 app_hash = stateRoot after the block; no cert, no votes) — trace format 1.1, resolution 11; \
                 blocks {} deep",
                self.cfg.confirmations
            ),
        );
        put("chain_id", self.chain_id.to_string());
        put("client", self.client_version.clone());
        put("mining", self.mining());
        if let Some(a) = &self.anvil {
            put("node", format!("managed anvil: {}", a.command_line()));
            if let Some(v) = a.version() {
                put("anvil_version", v);
            }
        } else {
            put("node", "external endpoint(s) (no faults injected)".into());
        }
        let tx = match self.fees.tx_type {
            TxType::Legacy => format!("legacy EIP-155, gas price {} wei", self.fees.gas_price),
            TxType::Eip1559 => format!(
                "EIP-1559, max fee {} wei, priority fee {} wei",
                self.fees.gas_price, self.fees.priority_fee
            ),
        };
        put("transactions", format!("{tx}, gas limit {}, signed by the harness, eth_sendRawTransaction in batches of up to {}", self.fees.gas_limit, self.cfg.max_batch));
        if let Some(p) = &self.presigned {
            let how = match &p.off {
                None => "used while each matched its draw".to_string(),
                Some(why) => why.clone(),
            };
            put("presigned", format!("{} transfers signed before the clock started (≈330 bytes each, budget presign_max = {}); {how}", p.signed_ahead, self.cfg.presign_max));
        }
        for (k, v) in self.cpu.details() {
            put(k, v);
        }
        put("asset", format!("{} = the native coin; amounts in wei", self.cfg.asset));
        put(
            "accounting",
            format!(
                "snapshot balance = initial + (balance now − balance after funding) + fees paid on {}'s chain (gas used × effective gas price, from the block or the receipt); \
                 each account also got a gas reserve of {} transfers' fees; supply not reported (the node cannot tell it)",
                self.nodes[0],
                self.reserve_txs
            ),
        );
        put("funding_account", self.cfg.funding_key.address.to_string());
        put(
            "threads",
            format!(
                "{} sender thread(s) (accounts split between them and between the endpoints), {} observer(s) (one per endpoint, new heads by WebSocket where offered), {} receipt fetcher(s); queues: {} transactions, {} in flight at most",
                self.cfg.send_workers, self.nodes.len(), self.cfg.receipt_workers, self.cfg.queue_capacity, self.cfg.max_in_flight
            ),
        );
        let sh = lock(&self.shared);
        let st = &sh.stats;
        put("stats", format!(
            "batches {}, sent {} ({} pre-signed, {} signed at send time), resent {}, polls {}, heads by WebSocket {}, blocks read {}, receipts read {} ({} to check the block), receipts overdue {}, restarts {}, funding transactions sent again {}, rolled-back blocks {}, commits lost by a restart {}, applied by a restart's state without their block {}, largest batch {}, most in flight {}, submissions that waited for a full queue {} ({} ms in all)",
            st.batches, st.sent, st.presigned_sent, st.signed_live, st.resent, st.polls, st.ws_heads, st.blocks, st.receipts, st.receipts_checked, st.receipt_timeouts, st.restarts, st.funding_resent, st.rolled_back_blocks, st.lost_commits, st.applied_without_block, st.max_batch_seen, st.max_in_flight_seen, self.full_waits.0, self.full_waits.1 / 1_000_000
        ));
        if !sh.messages.is_empty() {
            put(
                "node_messages",
                sh.messages.iter().map(|(m, n)| format!("{m} ×{n}")).collect::<Vec<_>>().join("; "),
            );
        }
        SystemInfo {
            adapter: NAME.into(),
            protocol: "ethereum".into(),
            validators: self
                .nodes
                .iter()
                .map(|n| ValidatorInfo { id: n.clone(), power: 1 })
                .collect(),
            quorum: None,
            details: d,
        }
    }

    fn prepare(&mut self, setup: &Setup, sink: &mut dyn EventSink) -> Result<(), AdapterError> {
        self.cpu.prepare_started();
        self.start_observing()?;
        self.fund(setup)?;
        // What the nodes decided during funding, timed when it was observed.
        self.drain_all(sink)?;
        let t0 = self.now();
        self.cpu.prepare_done(t0);
        Ok(())
    }

    fn now(&self) -> Nanos {
        self.clock.now()
    }

    fn submit(
        &mut self,
        tx: &TxRequest,
        sink: &mut dyn EventSink,
    ) -> Result<SubmitAck, AdapterError> {
        let Operation::Transfer { from, to, asset, amount } = &tx.op else {
            return Err(AdapterError::Unsupported {
                adapter: NAME.into(),
                message: format!("operation {} (only transfers of the native coin)", tx.op.name()),
            });
        };
        if asset != &self.cfg.asset {
            return Ok(SubmitAck::Rejected { reason: Reason::Other });
        }
        let Some(from) = self.account(from) else {
            return Ok(SubmitAck::Rejected { reason: Reason::InvalidSender });
        };
        let Some(to) = self.account(to) else {
            return Ok(SubmitAck::Rejected { reason: Reason::InvalidReceiver });
        };
        self.cpu.submitted(tx.id, tx.intended);
        let pre = self.presigned.as_mut().and_then(|p| p.take(from, to, *amount));
        if self.node == NodeState::Crashed {
            self.note(Reason::Other, "node down (crash fault): not sent");
            return Ok(SubmitAck::Rejected { reason: Reason::Other });
        }
        // Pass on what was observed meanwhile (a generator behind its schedule calls submit
        // back to back and advance seldom); the times were taken when it was observed.
        self.drain(sink)?;
        let mut item = Item::Fresh { id: tx.id, from, to, value: *amount, pre };
        let mut waited_since = None;
        loop {
            let Some(w) = &self.workers else {
                return Err(AdapterError::Other {
                    adapter: NAME.into(),
                    message: "submit before prepare".into(),
                });
            };
            let shard = from % w.txs.len();
            self.unsent.fetch_add(1, Ordering::Relaxed);
            match w.txs[shard].try_send(item) {
                Ok(()) => break,
                Err(TrySendError::Full(i)) => {
                    self.unsent.fetch_sub(1, Ordering::Relaxed);
                    // Backpressure: the node is far behind. Wait (the generator lags, and the
                    // run's generator-lag figures say so), passing outcomes on meanwhile.
                    item = i;
                    waited_since.get_or_insert(self.now());
                    self.drain(sink)?;
                    self.check_alive_now_and_then()?;
                    std::thread::sleep(Duration::from_micros(200));
                }
                Err(TrySendError::Disconnected(_)) => {
                    self.unsent.fetch_sub(1, Ordering::Relaxed);
                    self.drain(sink)?;
                    return Err(workers_gone());
                }
            }
        }
        if let Some(t) = waited_since {
            self.full_waits.0 += 1;
            self.full_waits.1 += self.now().saturating_sub(t);
        }
        let ep = (from / self.cfg.send_workers.max(1)) % self.nodes.len();
        Ok(SubmitAck::Accepted { via: Some(self.nodes[ep].clone()) })
    }

    fn advance(&mut self, until: Nanos, sink: &mut dyn EventSink) -> Result<Nanos, AdapterError> {
        loop {
            let reported = self.drain(sink)?;
            self.check_alive_now_and_then()?;
            let now = self.now();
            if reported > 0 || now >= until {
                return Ok(now);
            }
            // Sleep until the first observation, `until` (at the configured granularity: a
            // generator due every 0.5 ms would otherwise wake this thread 2,000 times a second,
            // and a wake-up costs more CPU than the send it makes), or the next liveness check.
            let slack = self.cfg.wake_granularity.as_nanos() as u64;
            let wait = Duration::from_nanos((until - now).max(slack).min(50_000_000));
            let Some(w) = &self.workers else {
                std::thread::sleep(wait);
                continue;
            };
            match w.obs.recv_timeout(wait) {
                Ok(o) => {
                    self.deliver(o, sink)?;
                    self.drain(sink)?;
                    return Ok(self.now());
                }
                Err(RecvTimeoutError::Timeout) => {}
                Err(RecvTimeoutError::Disconnected) => return Err(workers_gone()),
            }
        }
    }

    fn faults(&mut self) -> Option<&mut dyn FaultControl> {
        if self.anvil.is_some() {
            Some(self)
        } else {
            None
        }
    }

    fn snapshot(&mut self, accounts: &[String]) -> Result<Vec<StateSnapshot>, AdapterError> {
        self.read_state(accounts)
    }

    fn shutdown(&mut self, sink: &mut dyn EventSink) -> Result<(), AdapterError> {
        // Outcomes observed up to now still count; nothing queued is sent any more.
        let last = self.drain_all(sink);
        self.cpu.shutdown();
        if let Some(w) = self.workers.as_mut() {
            w.signal_stop();
        }
        if let Some(a) = self.anvil.as_mut() {
            a.kill();
        }
        self.stop_workers();
        self.node = NodeState::Crashed;
        lock(&self.shared).node = NodeState::Crashed;
        last.map(|_| ())
    }
}

impl Drop for EthereumAdapter {
    /// Stops the threads (also while a panic unwinds); a managed anvil is killed first, so no
    /// thread waits on it.
    fn drop(&mut self) {
        if let Some(w) = self.workers.as_mut() {
            w.signal_stop();
        }
        if let Some(a) = self.anvil.as_mut() {
            a.kill();
        }
        self.stop_workers();
    }
}

impl FaultControl for EthereumAdapter {
    fn apply(
        &mut self,
        _now: Nanos,
        action: &FaultAction,
        _sink: &mut dyn EventSink,
    ) -> Result<(), FaultError> {
        if self.anvil.is_none() {
            return Err(FaultError::NotSupported(action.kind()));
        }
        let managed = &self.nodes[0];
        if let Some(other) = action.nodes().into_iter().find(|n| n != managed) {
            return Err(FaultError::Failed(format!(
                "no node {other:?}: this adapter drives one node, {managed}"
            )));
        }
        match action {
            FaultAction::Crash { .. } => {
                {
                    let mut sh = lock(&self.shared);
                    sh.node = NodeState::Crashed;
                    sh.epoch += 1;
                }
                self.node = NodeState::Crashed;
                self.anvil.as_mut().expect("managed").kill();
                Ok(())
            }
            FaultAction::Restart { .. } => {
                let startup = self.cfg.startup_timeout;
                self.anvil
                    .as_mut()
                    .expect("managed")
                    .restart(startup)
                    .map_err(|e| FaultError::Failed(e.to_string()))?;
                self.recover()
                    .map_err(|e| FaultError::Failed(format!("after the restart: {e}")))?;
                self.node = NodeState::Running;
                Ok(())
            }
            FaultAction::Pause { .. } | FaultAction::Resume { .. } => {
                if self.node == NodeState::Crashed {
                    return Err(FaultError::Failed("the node is down (crashed)".into()));
                }
                let pause = matches!(action, FaultAction::Pause { .. });
                self.set_mining(!pause)?;
                self.node = if pause { NodeState::Paused } else { NodeState::Running };
                lock(&self.shared).node = self.node;
                Ok(())
            }
            other => Err(FaultError::NotSupported(other.kind())),
        }
    }
}
