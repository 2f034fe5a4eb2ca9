//! The `ethereum` adapter: its state, the connection to the nodes, and the helpers of the
//! [`Adapter`] contract (implemented in `contract.rs`). Submission lives in `submit.rs` and
//! `send.rs`, block observation in `observer.rs`, funding in `fund.rs`.

use crate::anvil::{AnvilError, AnvilProcess};
use crate::config::{Config, GasPrice, NodeMode};
use crate::cpu::CpuLedger;
use crate::errors::{protocol_error, rpc_error};
use crate::keys::Address;
use crate::names::NAME;
use crate::presign::PresignedLoad;
use crate::rpc::{quantity, RpcClient};
use crate::shared::{lock, Ctx, NodeState, Obs, Shared};
use crate::submit::SendAccount;
use crate::tx::Fees;
use crate::workers::Workers;
use serde_json::{json, Value};
use std::collections::BTreeMap;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::mpsc::TryRecvError;
use std::sync::{Arc, Mutex};
use touchstone_core::adapter::{Adapter as _, AdapterError, EventSink, FaultError, OutcomeStatus};
use touchstone_core::scenario::{FaultKind, WorkloadSpec};
use touchstone_core::time::{Nanos, WallClock};
use touchstone_core::trace::TraceEvent;
use touchstone_core::Reason;

/// The Ethereum JSON-RPC adapter. Build it with [`crate::EthereumFactory`] or
/// [`EthereumAdapter::connect`].
///
/// After `prepare` it runs worker threads (see `workers.rs`): `submit` queues, sender threads
/// send, one observer per endpoint reads blocks, and `advance` drains what they observed.
#[derive(Debug)]
pub struct EthereumAdapter {
    pub(crate) cfg: Arc<Config>,
    pub(crate) clock: WallClock,
    /// The primary node's (`n0`) connection.
    pub(crate) rpc: RpcClient,
    /// Every endpoint's URL and node id, `n0` first.
    pub(crate) urls: Arc<[String]>,
    pub(crate) nodes: Arc<[String]>,
    pub(crate) anvil: Option<AnvilProcess>,
    /// The node's state as the engine's thread set it (mirrored in `shared`).
    pub(crate) node: NodeState,
    pub(crate) chain_id: u64,
    pub(crate) client_version: String,
    pub(crate) fees: Fees,
    /// Scheduled transactions of the scenario (for the gas reserve), and whether it is skewed.
    pub(crate) expected_txs: u64,
    pub(crate) skewed: bool,
    /// The scenario's workload and network size, when known (to sign its load ahead).
    pub(crate) workload: Option<(WorkloadSpec, usize)>,
    pub(crate) presigned: Option<PresignedLoad>,
    /// The funding transactions (funder nonce, `0x` hex), kept to send again after a restart.
    pub(crate) funding: Vec<(u64, String)>,
    pub(crate) cpu: CpuLedger,
    pub(crate) addresses: Arc<[Address]>,
    pub(crate) index: BTreeMap<String, usize>,
    /// The harness's account names, by index.
    pub(crate) names: Vec<String>,
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
    /// Outcomes received from the threads, not yet handed to the engine.
    pub(crate) pending: std::collections::VecDeque<touchstone_core::adapter::Outcome>,
}

/// Outcomes handed to the engine per `drain`.
const OUTCOMES_PER_CALL: usize = 256;

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
        let (anvil, urls, nodes) = match &cfg.node {
            NodeMode::Managed(m) => {
                let p = AnvilProcess::start(m, cfg.chain_id, cfg.startup_timeout)
                    .map_err(anvil_error)?;
                let url = p.url();
                (Some(p), vec![url], cfg.node_ids())
            }
            NodeMode::External { endpoints } => (
                None,
                endpoints.iter().map(|e| e.url.clone()).collect(),
                endpoints.iter().map(|e| e.id.clone()).collect(),
            ),
        };
        let mut chain_id = None;
        for url in &urls {
            let id = chain_id_of(&RpcClient::new(url, cfg.connect_timeout, cfg.http_timeout))?;
            match (chain_id, cfg.chain_id) {
                (_, Some(want)) if want != id => {
                    return Err(AdapterError::Config {
                        adapter: NAME.into(),
                        path: cfg.source.clone(),
                        message: format!(
                            "chain_id: the file says {want}, the node at {url} answers {id}"
                        ),
                    })
                }
                (Some(first), _) if first != id => {
                    return Err(AdapterError::Config {
                        adapter: NAME.into(),
                        path: cfg.source.clone(),
                        message: format!(
                            "endpoints: {} answers chain id {first}, {url} answers {id}: not one network",
                            urls[0]
                        ),
                    })
                }
                _ => chain_id = Some(id),
            }
        }
        let chain_id = chain_id.expect("at least one endpoint");
        let rpc = RpcClient::new(&urls[0], cfg.connect_timeout, cfg.http_timeout);
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
        let cpu = CpuLedger::default();
        Ok(EthereumAdapter {
            cfg: Arc::new(cfg),
            clock,
            rpc,
            urls: urls.into(),
            nodes: nodes.into(),
            anvil,
            node: NodeState::Running,
            chain_id,
            client_version,
            fees,
            expected_txs,
            skewed,
            workload: None,
            presigned: None,
            funding: Vec::new(),
            cpu,
            addresses: Arc::from(Vec::new()),
            index: BTreeMap::new(),
            names: Vec::new(),
            initial: Vec::new(),
            base_balance: Vec::new(),
            reserve_txs: 0,
            shared: Arc::new(Mutex::new(Shared::new())),
            scan_lock: Arc::new(Mutex::new(())),
            workers: None,
            last_alive_check: 0,
            full_waits: (0, 0),
            pending: Default::default(),
            unsent: Arc::new(AtomicUsize::new(0)),
        })
    }

    /// Tells the adapter the scenario's workload (and the network's size), so it can sign the
    /// run's transfers before the clock starts (`presign`) and report the measured phases' CPU.
    pub fn with_workload(mut self, w: &WorkloadSpec, validators: usize) -> Self {
        self.cpu = CpuLedger::for_workload(Some(w));
        self.workload = Some((w.clone(), validators));
        self
    }

    /// The primary node's URL.
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
        self.account(name).map(|i| self.addresses[i])
    }

    /// The index of harness account `name`: the harness names them `a0..`, so `a<i>` is read
    /// as `i` and checked against the index (no map walk on the submit path).
    #[inline]
    pub(crate) fn account(&self, name: &str) -> Option<usize> {
        let i: usize = name.strip_prefix('a')?.parse().ok()?;
        match self.names.get(i) {
            Some(n) if n == name => Some(i),
            _ => self.index.get(name).copied(),
        }
    }

    /// Fee of one transfer at the run's fixed price (the most it can cost).
    pub(crate) fn fee_per_tx(&self) -> u128 {
        self.fees.gas_limit as u128 * self.fees.gas_price
    }

    pub(crate) fn note(&mut self, reason: Reason, message: &str) {
        lock(&self.shared).note(reason, message);
    }

    /// Starts observing every endpoint from its head now (beginning of `prepare`: the chain's
    /// decisions during funding are part of the run's trace).
    pub(crate) fn start_observing(&mut self) -> Result<(), AdapterError> {
        self.stop_workers();
        let views = self.start_views()?;
        lock(&self.shared).views = views;
        let base = Ctx {
            cfg: self.cfg.clone(),
            clock: self.clock,
            urls: self.urls.clone(),
            nodes: self.nodes.clone(),
            chain_id: self.chain_id,
            fees: self.fees,
            addresses: self.addresses.clone(),
            shared: self.shared.clone(),
            scan_lock: self.scan_lock.clone(),
            unsent: self.unsent.clone(),
            stop: Arc::new(std::sync::atomic::AtomicBool::new(false)),
            obs: std::sync::mpsc::channel().0,
            receipts: None,
        };
        let make = move |obs, stop| Ctx { stop, obs, ..base.clone() };
        self.workers = Some(Workers::start(make)?);
        Ok(())
    }

    /// Starts the sender threads (end of `prepare`).
    pub(crate) fn start_senders(&mut self, accounts: Vec<SendAccount>) -> Result<(), AdapterError> {
        let addresses = self.addresses.clone();
        match self.workers.as_mut() {
            Some(w) => w.start_senders(addresses, accounts),
            None => Err(workers_gone()),
        }
    }

    /// Stops the threads: flag them, end a managed node's calls at once if it is being killed
    /// anyway (`kill`), join them.
    pub(crate) fn stop_workers(&mut self) {
        if let Some(mut w) = self.workers.take() {
            w.stop();
        }
    }

    /// Passes what the workers observed to the engine, at most [`OUTCOMES_PER_CALL`] outcomes
    /// (a block's thousands of outcomes would otherwise hold the engine's next sends back while
    /// they are recorded). Returns how many outcomes.
    pub(crate) fn drain(&mut self, sink: &mut dyn EventSink) -> Result<usize, AdapterError> {
        let mut n = 0;
        while let Some(w) = &self.workers {
            match w.obs.try_recv() {
                Ok(o) => n += self.deliver(o, sink)?,
                Err(TryRecvError::Empty) => break,
                Err(TryRecvError::Disconnected) => return Err(workers_gone()),
            }
        }
        let k = self.pending.len().min(OUTCOMES_PER_CALL);
        for o in self.pending.drain(..k).collect::<Vec<_>>() {
            self.outcome(o, sink);
        }
        Ok(n + k)
    }

    /// [`Self::drain`] until nothing observed is left.
    pub(crate) fn drain_all(&mut self, sink: &mut dyn EventSink) -> Result<usize, AdapterError> {
        let mut n = self.drain(sink)?;
        while !self.pending.is_empty() {
            n += self.drain(sink)?;
        }
        Ok(n)
    }

    fn outcome(&mut self, o: touchstone_core::adapter::Outcome, sink: &mut dyn EventSink) {
        if let OutcomeStatus::Committed { .. } = o.status {
            self.cpu.committed(o.tx);
        }
        sink.outcome(o);
    }

    /// Hands one observation to the engine; a worker's fatal error ends the run.
    pub(crate) fn deliver(
        &mut self,
        o: Obs,
        sink: &mut dyn EventSink,
    ) -> Result<usize, AdapterError> {
        match o {
            Obs::Outcome(o) => {
                self.outcome(o, sink);
                Ok(1)
            }
            Obs::Outcomes(v) => {
                self.pending.extend(v);
                Ok(0)
            }
            Obs::Decide(d, at) => {
                sink.trace(
                    at,
                    // An observed chain (trace format, observed chains): no votes were
                    // seen, so no cert is claimed, and the round is not known.
                    &TraceEvent::ConsDecide {
                        node: &self.nodes[d.node],
                        height: d.height,
                        round: 0,
                        block: &d.block,
                        parent: Some(&d.parent),
                        app_hash: Some(&d.app_hash),
                        txs: &d.txs,
                        signers: None,
                    },
                );
                Ok(0)
            }
            Obs::Fatal(e) => Err(e),
        }
    }

    /// [`Self::check_alive`], at most every 50 ms.
    pub(crate) fn check_alive_now_and_then(&mut self) -> Result<(), AdapterError> {
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

    pub(crate) fn mining(&self) -> String {
        match &self.cfg.node {
            NodeMode::Managed(m) => match m.block_time {
                Some(bt) => format!("interval, {}s", bt.as_secs_f64()),
                None => "automine (one block per transaction)".into(),
            },
            NodeMode::External { .. } => "as configured by the node's operator".into(),
        }
    }

    pub(crate) fn set_mining(&mut self, on: bool) -> Result<(), FaultError> {
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

/// The chain id a node answers.
fn chain_id_of(rpc: &RpcClient) -> Result<u64, AdapterError> {
    let v = rpc.call("eth_chainId", json!([])).map_err(|e| rpc_error("eth_chainId", e))?;
    Ok(quantity(&v).ok_or_else(|| protocol_error("eth_chainId", format!("not a quantity: {v}")))?
        as u64)
}

pub(crate) fn workers_gone() -> AdapterError {
    AdapterError::Other {
        adapter: NAME.into(),
        message: "the adapter's worker threads stopped without saying why".into(),
    }
}
