//! The `ethereum` adapter: state, connection, and the [`Adapter`] / [`FaultControl`] contracts.
//! Submission lives in `submit.rs`, block observation in `poll.rs`, funding in `fund.rs`.

use crate::anvil::{AnvilError, AnvilProcess};
use crate::config::{Config, GasPrice, NodeMode};
use crate::keys::{Address, Key};
use crate::observe::Tracker;
use crate::rpc::{quantity, RpcClient, RpcError, TransportKind};
use crate::tx::{Fees, TxType};
use serde_json::{json, Value};
use std::collections::{BTreeMap, VecDeque};
use touchstone_core::adapter::{
    Adapter, AdapterError, Capabilities, EventSink, FaultControl, FaultError, FaultKind,
    FinalityRule, OpKind, Setup, StateSnapshot, SubmitAck, SystemInfo, TxRequest,
};
use touchstone_core::scenario::FaultAction;
use touchstone_core::time::{Clock, Nanos, WallClock};
use touchstone_core::trace::ValidatorInfo;
use touchstone_core::{Operation, Reason, TxId};

pub(crate) const NAME: &str = "ethereum";
/// The one node this adapter drives.
pub(crate) const NODE: &str = "n0";

/// Whether the node is up, as far as the adapter's own faults go.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum NodeState {
    Running,
    Paused,
    Crashed,
}

/// A harness account on the chain.
#[derive(Debug, Clone)]
pub(crate) struct Account {
    pub key: Key,
    pub next_nonce: u64,
    /// Ask the node for the nonce before the next send (after a nonce error).
    pub resync: bool,
    /// On-chain balance when the measured run started (after funding).
    pub base_balance: u128,
    /// Fees paid by this account's transactions since then (from receipts).
    pub fees_paid: u128,
}

/// A submission waiting for the next batch.
#[derive(Debug, Clone)]
pub(crate) enum Queued {
    Fresh {
        id: TxId,
        from: usize,
        to: usize,
        value: u128,
    },
    /// Already signed and tracked; sent again (after a timeout, or a node restart).
    Resend {
        id: TxId,
        from: usize,
    },
}

impl Queued {
    pub fn sender(&self) -> usize {
        match self {
            Queued::Fresh { from, .. } | Queued::Resend { from, .. } => *from,
        }
    }
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
}

/// The Ethereum JSON-RPC adapter. Build it with [`crate::EthereumFactory`] or
/// [`EthereumAdapter::connect`].
#[derive(Debug)]
pub struct EthereumAdapter {
    pub(crate) cfg: Config,
    pub(crate) clock: WallClock,
    pub(crate) rpc: RpcClient,
    pub(crate) anvil: Option<AnvilProcess>,
    pub(crate) node: NodeState,
    pub(crate) chain_id: u64,
    pub(crate) client_version: String,
    pub(crate) fees: Fees,
    /// Scheduled transactions of the scenario (for the gas reserve), and whether it is skewed.
    pub(crate) expected_txs: u64,
    pub(crate) skewed: bool,
    pub(crate) accounts: Vec<Account>,
    pub(crate) addresses: Vec<Address>,
    pub(crate) index: BTreeMap<String, usize>,
    /// Each account's starting balance in the harness's ledger (wei).
    pub(crate) initial: Vec<u128>,
    pub(crate) reserve_txs: u64,
    pub(crate) queue: VecDeque<Queued>,
    pub(crate) queued_since: Option<Nanos>,
    pub(crate) tracker: Tracker,
    pub(crate) head: u64,
    pub(crate) last_poll: Option<Nanos>,
    pub(crate) down_since: Option<Nanos>,
    /// Node messages by reason code (kept for the disclosure; the trace has only the code).
    pub(crate) messages: BTreeMap<String, u64>,
    pub(crate) stats: Stats,
}

/// Wraps an RPC failure of `method` as the adapter error the CLI maps to exit 3.
pub(crate) fn rpc_error(method: &str, e: RpcError) -> AdapterError {
    let adapter = NAME.to_string();
    match e {
        RpcError::Transport { url, kind, message } => {
            let what = match kind {
                TransportKind::Refused => "refused (is the node running?)",
                TransportKind::Timeout => "no answer within the timeout (the node hangs)",
                TransportKind::Io => "connection failed",
            };
            AdapterError::Connect {
                adapter,
                endpoint: url,
                message: format!("{method}: {what}: {message}"),
            }
        }
        RpcError::Http { .. } | RpcError::Garbage { .. } => {
            AdapterError::Protocol { adapter, method: method.into(), message: e.to_string() }
        }
        RpcError::Node(n) => AdapterError::Call {
            adapter,
            method: method.into(),
            message: format!("{} (code {})", n.message, n.code),
        },
    }
}

pub(crate) fn protocol_error(method: &str, message: impl Into<String>) -> AdapterError {
    AdapterError::Protocol { adapter: NAME.into(), method: method.into(), message: message.into() }
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
            cfg,
            clock,
            rpc,
            anvil,
            node: NodeState::Running,
            chain_id,
            client_version,
            fees,
            expected_txs,
            skewed,
            accounts: Vec::new(),
            addresses: Vec::new(),
            index: BTreeMap::new(),
            initial: Vec::new(),
            reserve_txs: 0,
            queue: VecDeque::new(),
            queued_since: None,
            tracker: Tracker::default(),
            head: 0,
            last_poll: None,
            down_since: None,
            messages: BTreeMap::new(),
            stats: Stats::default(),
        })
    }

    /// The node's URL.
    pub fn endpoint(&self) -> &str {
        self.rpc.url()
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
        *self.messages.entry(format!("{reason}: {message}")).or_default() += 1;
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
        put("stats", format!(
            "batches {}, sent {}, resent {}, polls {}, restarts {}, rolled-back blocks {}, commits lost by a restart {}",
            self.stats.batches, self.stats.sent, self.stats.resent, self.stats.polls, self.stats.restarts, self.stats.rolled_back_blocks, self.stats.lost_commits
        ));
        if !self.messages.is_empty() {
            put(
                "node_messages",
                self.messages
                    .iter()
                    .map(|(m, n)| format!("{m} ×{n}"))
                    .collect::<Vec<_>>()
                    .join("; "),
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
        let now = self.now();
        self.queue.push_back(Queued::Fresh { id: tx.id, from, to, value: *amount });
        let since = *self.queued_since.get_or_insert(now);
        if self.queue.len() >= self.cfg.max_batch
            || now.saturating_sub(since) >= self.cfg.flush_interval.as_nanos() as u64
        {
            if let Some(reason) = self.flush(sink, Some(tx.id))?.current {
                return Ok(SubmitAck::Rejected { reason });
            }
        }
        // A generator behind its schedule calls submit back to back and advance seldom: keep
        // observing blocks anyway, so commit times stay honest.
        if self
            .last_poll
            .is_none_or(|t| now.saturating_sub(t) >= self.cfg.poll_interval.as_nanos() as u64)
        {
            self.poll(sink)?;
        }
        Ok(SubmitAck::Accepted { via: Some(NODE.into()) })
    }

    fn advance(&mut self, until: Nanos, sink: &mut dyn EventSink) -> Result<Nanos, AdapterError> {
        let poll_every = self.cfg.poll_interval.as_nanos() as u64;
        let flush_every = self.cfg.flush_interval.as_nanos() as u64;
        loop {
            let now = self.now();
            let mut reported = 0;
            if let Some(since) = self.queued_since {
                // Hold a young batch only if the engine comes back sooner than a flush interval.
                if now.saturating_sub(since) >= flush_every
                    || until.saturating_sub(now) >= flush_every
                {
                    reported += self.flush(sink, None)?.outcomes;
                }
            }
            if self.last_poll.is_none_or(|t| now.saturating_sub(t) >= poll_every) {
                reported += self.poll(sink)?;
            }
            let now = self.now();
            if reported > 0 || now >= until {
                return Ok(now);
            }
            let next_poll = self.last_poll.map_or(now, |t| t + poll_every);
            let wake = until.min(next_poll.max(now + 100_000));
            std::thread::sleep(std::time::Duration::from_nanos(wake.saturating_sub(now)));
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

    fn shutdown(&mut self, _sink: &mut dyn EventSink) -> Result<(), AdapterError> {
        self.queue.clear();
        self.queued_since = None;
        if let Some(a) = self.anvil.as_mut() {
            a.kill();
        }
        self.node = NodeState::Crashed;
        Ok(())
    }
}

impl FaultControl for EthereumAdapter {
    fn apply(
        &mut self,
        _now: Nanos,
        action: &FaultAction,
        sink: &mut dyn EventSink,
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
                self.anvil.as_mut().expect("managed").kill();
                self.node = NodeState::Crashed;
                Ok(())
            }
            FaultAction::Restart { .. } => {
                let startup = self.cfg.startup_timeout;
                self.anvil
                    .as_mut()
                    .expect("managed")
                    .restart(startup)
                    .map_err(|e| FaultError::Failed(e.to_string()))?;
                self.node = NodeState::Running;
                self.stats.restarts += 1;
                self.recover(sink)
                    .map_err(|e| FaultError::Failed(format!("after the restart: {e}")))
            }
            FaultAction::Pause { .. } | FaultAction::Resume { .. } => {
                if self.node == NodeState::Crashed {
                    return Err(FaultError::Failed("the node is down (crashed)".into()));
                }
                let pause = matches!(action, FaultAction::Pause { .. });
                self.set_mining(!pause)?;
                self.node = if pause { NodeState::Paused } else { NodeState::Running };
                Ok(())
            }
            other => Err(FaultError::NotSupported(other.kind())),
        }
    }
}
