//! The `ethereum` adapter: state, connection, and the [`Adapter`] / [`FaultControl`] contracts.
//! Submission lives in `submit.rs`, block observation in `poll.rs`, funding in `fund.rs`.

use crate::anvil::{AnvilError, AnvilProcess};
use crate::config::{Config, GasPrice, NodeMode};
use crate::errors::{protocol_error, rpc_error};
use crate::keys::Address;
use crate::names::{NAME, NODE};
use crate::rpc::{quantity, RpcClient};
use crate::shared::{lock, Ctx, NodeState, Obs, Shared};
use crate::submit::{Item, SendAccount};
use crate::tx::{Fees, TxType};
use crate::workers::Workers;
use serde_json::{json, Value};
use std::collections::BTreeMap;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::mpsc::{RecvTimeoutError, TryRecvError, TrySendError};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use touchstone_core::adapter::{
    Adapter, AdapterError, Capabilities, EventSink, FaultControl, FaultError, FinalityRule, Setup,
    StateSnapshot, SubmitAck, SystemInfo, TxRequest,
};
use touchstone_core::ledger::OpKind;
use touchstone_core::scenario::FaultAction;
use touchstone_core::scenario::FaultKind;
use touchstone_core::time::{Clock, Nanos, WallClock};
use touchstone_core::trace::ValidatorInfo;
use touchstone_core::{Operation, Reason};

/// The Ethereum JSON-RPC adapter. Build it with [`crate::EthereumFactory`] or
/// [`EthereumAdapter::connect`].
///
/// After `prepare` it runs worker threads (see `workers.rs`): `submit` queues, sender threads
/// sign and send, a poller reads blocks, and `advance` drains what they observed.
#[derive(Debug)]
pub struct EthereumAdapter {
    pub(crate) cfg: Arc<Config>,
    pub(crate) clock: WallClock,
    pub(crate) rpc: RpcClient,
    pub(crate) anvil: Option<AnvilProcess>,
    /// The node's state as the engine's thread set it (mirrored in `shared`).
    pub(crate) node: NodeState,
    pub(crate) chain_id: u64,
    pub(crate) client_version: String,
    pub(crate) fees: Fees,
    /// Scheduled transactions of the scenario (for the gas reserve), and whether it is skewed.
    pub(crate) expected_txs: u64,
    pub(crate) skewed: bool,
    pub(crate) addresses: Arc<[Address]>,
    pub(crate) index: BTreeMap<String, usize>,
    /// Each account's starting balance in the harness's ledger (wei).
    pub(crate) initial: Vec<u128>,
    /// Each account's on-chain balance when the measured run started (after funding).
    pub(crate) base_balance: Vec<u128>,
    pub(crate) reserve_txs: u64,
    pub(crate) shared: Arc<Mutex<Shared>>,
    pub(crate) scan_lock: Arc<Mutex<()>>,
    pub(crate) workers: Option<Workers>,
    pub(crate) last_alive_check: Nanos,
    /// See [`EthereumAdapter::unsent`].
    pub(crate) unsent: Arc<AtomicUsize>,
    /// Submissions that found their sender's queue full, and the time they waited (ns).
    pub(crate) full_waits: (u64, u64),
}

fn anvil_error(e: AnvilError) -> AdapterError {
    AdapterError::Other { adapter: NAME.into(), message: format!("managed anvil: {e}") }
}

impl EthereumAdapter {
    /// Starts (managed) or reaches (external) the node, checks the chain id and settles the fees.
    /// `expected_txs` sizes the gas reserve given to each account.
    pub fn connect(
        cfg: Config,
        expected_txs: u64,
        skewed: bool,
    ) -> Result<EthereumAdapter, AdapterError> {
        let clock = WallClock::start();
        let (anvil, url) = match &cfg.node {
            NodeMode::Managed(m) => {
                let p = AnvilProcess::start(m, cfg.chain_id, cfg.startup_timeout)
                    .map_err(anvil_error)?;
                let url = p.url();
                (Some(p), url)
            }
            NodeMode::External { endpoint } => (None, endpoint.clone()),
        };
        let rpc = RpcClient::new(&url, cfg.connect_timeout, cfg.http_timeout);
        let chain_id =
            rpc.call("eth_chainId", json!([])).map_err(|e| rpc_error("eth_chainId", e))?;
        let chain_id = quantity(&chain_id)
            .ok_or_else(|| protocol_error("eth_chainId", format!("not a quantity: {chain_id}")))?
            as u64;
        if let Some(want) = cfg.chain_id {
            if want != chain_id {
                return Err(AdapterError::Config {
                    adapter: NAME.into(),
                    path: cfg.source.clone(),
                    message: format!(
                        "chain_id: the file says {want}, the node at {url} answers {chain_id}"
                    ),
                });
            }
        }
        let client_version = rpc
            .call("web3_clientVersion", json!([]))
            .ok()
            .and_then(|v| v.as_str().map(String::from))
            .unwrap_or_else(|| "unknown".into());
        let gas_price = match cfg.gas_price {
            GasPrice::Wei(w) => w,
            GasPrice::Auto => {
                let v = rpc
                    .call("eth_gasPrice", json!([]))
                    .map_err(|e| rpc_error("eth_gasPrice", e))?;
                let p = quantity(&v).ok_or_else(|| {
                    protocol_error("eth_gasPrice", format!("not a quantity: {v}"))
                })?;
                (2 * p).max(1_000_000_000)
            }
        };
        let fees = Fees {
            tx_type: cfg.tx_type,
            gas_price,
            priority_fee: cfg.priority_fee.min(gas_price),
            gas_limit: cfg.tx_gas_limit,
        };
        Ok(EthereumAdapter {
            cfg: Arc::new(cfg),
            clock,
            rpc,
            anvil,
            node: NodeState::Running,
            chain_id,
            client_version,
            fees,
            expected_txs,
            skewed,
            addresses: Arc::from(Vec::new()),
            index: BTreeMap::new(),
            initial: Vec::new(),
            base_balance: Vec::new(),
            reserve_txs: 0,
            shared: Arc::new(Mutex::new(Shared::new())),
            scan_lock: Arc::new(Mutex::new(())),
            workers: None,
            last_alive_check: 0,
            full_waits: (0, 0),
            unsent: Arc::new(AtomicUsize::new(0)),
        })
    }

    /// The node's URL.
    pub fn endpoint(&self) -> &str {
        self.rpc.url()
    }

    /// Transactions `submit` accepted that the sender threads have not sent yet (their batch not
    /// answered, nor refused unsent because of a crash fault).
    pub fn unsent(&self) -> usize {
        self.unsent.load(Ordering::Relaxed)
    }

    /// The chain address of harness account `name` (after `prepare`).
    pub fn address_of(&self, name: &str) -> Option<Address> {
        self.index.get(name).map(|&i| self.addresses[i])
    }

    /// Fee of one transfer at the run's fixed price (the most it can cost).
    pub(crate) fn fee_per_tx(&self) -> u128 {
        self.fees.gas_limit as u128 * self.fees.gas_price
    }

    pub(crate) fn note(&mut self, reason: Reason, message: &str) {
        lock(&self.shared).note(reason, message);
    }

    /// Starts the sender and poller threads (end of `prepare`).
    pub(crate) fn start_workers(&mut self, accounts: Vec<SendAccount>) -> Result<(), AdapterError> {
        self.stop_workers();
        let base = (
            self.cfg.clone(),
            self.clock,
            self.rpc.url().to_string(),
            self.chain_id,
            self.fees,
            self.addresses.clone(),
            self.shared.clone(),
            self.scan_lock.clone(),
            self.unsent.clone(),
        );
        let make = move |obs, stop| Ctx {
            cfg: base.0.clone(),
            clock: base.1,
            url: base.2.clone(),
            chain_id: base.3,
            fees: base.4,
            addresses: base.5.clone(),
            shared: base.6.clone(),
            scan_lock: base.7.clone(),
            unsent: base.8.clone(),
            stop,
            obs,
        };
        self.workers = Some(Workers::start(make, accounts)?);
        Ok(())
    }

    /// Stops the threads: flag them, end a managed node's calls at once if it is being killed
    /// anyway (`kill`), join them.
    fn stop_workers(&mut self) {
        if let Some(mut w) = self.workers.take() {
            w.stop();
        }
    }

    /// Passes what the workers observed to the engine. Returns how many outcomes.
    fn drain(&mut self, sink: &mut dyn EventSink) -> Result<usize, AdapterError> {
        let Some(w) = &self.workers else { return Ok(0) };
        let mut n = 0;
        loop {
            match w.obs.try_recv() {
                Ok(o) => n += deliver(o, sink)?,
                Err(TryRecvError::Empty) => return Ok(n),
                Err(TryRecvError::Disconnected) => return Err(workers_gone()),
            }
        }
    }

    /// [`Self::check_alive`], at most every 50 ms.
    fn check_alive_now_and_then(&mut self) -> Result<(), AdapterError> {
        let now = self.now();
        if now.saturating_sub(self.last_alive_check) >= 50_000_000 {
            self.last_alive_check = now;
            self.check_alive()?;
        }
        Ok(())
    }

    /// The managed anvil died without a crash fault: that is the harness failing.
    pub(crate) fn check_alive(&mut self) -> Result<(), AdapterError> {
        if self.node != NodeState::Crashed {
            if let Some(a) = self.anvil.as_mut() {
                if !a.is_running() {
                    return Err(AdapterError::Other {
                        adapter: NAME.into(),
                        message: format!("the managed anvil at {} exited on its own", a.url()),
                    });
                }
            }
        }
        Ok(())
    }

    fn mining(&self) -> String {
        match &self.cfg.node {
            NodeMode::Managed(m) => match m.block_time {
                Some(bt) => format!("interval, {}s", bt.as_secs_f64()),
                None => "automine (one block per transaction)".into(),
            },
            NodeMode::External { .. } => "as configured by the node's operator".into(),
        }
    }

    fn set_mining(&mut self, on: bool) -> Result<(), FaultError> {
        let bt = match &self.cfg.node {
            NodeMode::Managed(m) => m.block_time.map(|b| b.as_secs()),
            NodeMode::External { .. } => return Err(FaultError::NotSupported(FaultKind::Pause)),
        };
        let calls: Vec<(&str, Value)> = match (on, bt) {
            (false, _) => {
                vec![("evm_setAutomine", json!([false])), ("evm_setIntervalMining", json!([0]))]
            }
            (true, Some(s)) => vec![("evm_setIntervalMining", json!([s]))],
            // Automine mines new transactions only: mine what waited in the pool once.
            (true, None) => vec![("evm_setAutomine", json!([true])), ("evm_mine", json!([]))],
        };
        for (m, p) in calls {
            self.rpc.call(m, p).map_err(|e| FaultError::Failed(format!("{m}: {e}")))?;
        }
        Ok(())
    }
}

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
        Capabilities {
            operations: vec![OpKind::Transfer],
            faults,
            consensus_events: false,
            state_reads: true,
            finality: FinalityRule {
                description: format!(
                    "included in a block of the node's chain with {depth} block(s) on top, receipt read (status 1); \
                     single node, no BFT finality"
                ),
                required_share: 1.0,
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
        put("chain_id", self.chain_id.to_string());
        put("client", self.client_version.clone());
        put("mining", self.mining());
        if let Some(a) = &self.anvil {
            put("node", format!("managed anvil: {}", a.command_line()));
            if let Some(v) = a.version() {
                put("anvil_version", v);
            }
        } else {
            put("node", "external endpoint (no faults injected)".into());
        }
        let tx = match self.fees.tx_type {
            TxType::Legacy => format!("legacy EIP-155, gas price {} wei", self.fees.gas_price),
            TxType::Eip1559 => format!(
                "EIP-1559, max fee {} wei, priority fee {} wei",
                self.fees.gas_price, self.fees.priority_fee
            ),
        };
        put("transactions", format!("{tx}, gas limit {}, signed by the harness, eth_sendRawTransaction in batches of up to {}", self.fees.gas_limit, self.cfg.max_batch));
        put("asset", format!("{} = the native coin; amounts in wei", self.cfg.asset));
        put(
            "accounting",
            format!(
                "snapshot balance = initial + (balance now − balance after funding) + fees paid (receipts: gas used × effective gas price); \
                 each account also got a gas reserve of {} transfers' fees; supply not reported (the node cannot tell it)",
                self.reserve_txs
            ),
        );
        put("funding_account", self.cfg.funding_key.address.to_string());
        put(
            "threads",
            format!(
                "{} sender thread(s) (accounts split between them), 1 poller; queues: {} transactions, {} in flight at most",
                self.cfg.send_workers, self.cfg.queue_capacity, self.cfg.max_in_flight
            ),
        );
        let sh = lock(&self.shared);
        let st = &sh.stats;
        put("stats", format!(
            "batches {}, sent {}, resent {}, polls {}, restarts {}, rolled-back blocks {}, commits lost by a restart {}, largest batch {}, most in flight {}, submissions that waited for a full queue {} ({} ms in all)",
            st.batches, st.sent, st.resent, st.polls, st.restarts, st.rolled_back_blocks, st.lost_commits, st.max_batch_seen, st.max_in_flight_seen, self.full_waits.0, self.full_waits.1 / 1_000_000
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
            validators: vec![ValidatorInfo { id: NODE.into(), power: 1 }],
            quorum: None,
            details: d,
        }
    }

    fn prepare(&mut self, setup: &Setup, _sink: &mut dyn EventSink) -> Result<(), AdapterError> {
        self.fund(setup)
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
        let Some(&from) = self.index.get(from) else {
            return Ok(SubmitAck::Rejected { reason: Reason::InvalidSender });
        };
        let Some(&to) = self.index.get(to) else {
            return Ok(SubmitAck::Rejected { reason: Reason::InvalidReceiver });
        };
        if self.node == NodeState::Crashed {
            self.note(Reason::Other, "node down (crash fault): not sent");
            return Ok(SubmitAck::Rejected { reason: Reason::Other });
        }
        // Pass on what was observed meanwhile (a generator behind its schedule calls submit
        // back to back and advance seldom); the times were taken when it was observed.
        self.drain(sink)?;
        let mut item = Item::Fresh { id: tx.id, from, to, value: *amount };
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
        Ok(SubmitAck::Accepted { via: Some(NODE.into()) })
    }

    fn advance(&mut self, until: Nanos, sink: &mut dyn EventSink) -> Result<Nanos, AdapterError> {
        loop {
            let reported = self.drain(sink)?;
            self.check_alive_now_and_then()?;
            let now = self.now();
            if reported > 0 || now >= until {
                return Ok(now);
            }
            // Sleep until the first observation, `until`, or the next liveness check.
            let wait = Duration::from_nanos((until - now).min(50_000_000));
            let Some(w) = &self.workers else {
                std::thread::sleep(wait);
                continue;
            };
            match w.obs.recv_timeout(wait) {
                Ok(o) => {
                    deliver(o, sink)?;
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
        let last = self.drain(sink);
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

/// Hands one observation to the engine; a worker's fatal error ends the run.
fn deliver(o: Obs, sink: &mut dyn EventSink) -> Result<usize, AdapterError> {
    match o {
        Obs::Outcome(o) => {
            sink.outcome(o);
            Ok(1)
        }
        Obs::Fatal(e) => Err(e),
    }
}

fn workers_gone() -> AdapterError {
    AdapterError::Other {
        adapter: NAME.into(),
        message: "the adapter's worker threads stopped without saying why".into(),
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
        if let Some(other) = action.nodes().into_iter().find(|n| n != NODE) {
            return Err(FaultError::Failed(format!(
                "no node {other:?}: this adapter drives one node, {NODE}"
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
