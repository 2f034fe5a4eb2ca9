//! [`ProcessAdapter`]: the adapter contract carried over a child's pipes, call by call.

use crate::child::{CallError, ChildIo};
use crate::config::ProcessConfig;
use crate::wire::*;
use serde::de::DeserializeOwned;
use serde::Serialize;
use std::time::Duration;
use touchstone_core::adapter::*;
use touchstone_core::ledger::Operation;
use touchstone_core::scenario::{FaultAction, Scenario};
use touchstone_core::{Nanos, Reason, TxId};

/// Deferred submits written per notification line.
const BATCH: usize = 256;

/// The name of this adapter (`--adapter process`).
pub const NAME: &str = "process";

/// An adapter that is a child process speaking docs/adapter-protocol.md.
#[derive(Debug)]
pub struct ProcessAdapter {
    io: ChildIo,
    cfg: ProcessConfig,
    identity: Identity,
    caps: Capabilities,
    acks: AckMode,
    precheck: bool,
    system: SystemInfo,
    /// The child's clock as it last reported it.
    now: Nanos,
    /// Deferred submits not yet written.
    queued: Vec<TxRequest>,
    /// Events that arrived during a call with no sink (`snapshot`, `precheck`), delivered at
    /// the next call that has one.
    held: Vec<(u64, Envelope)>,
    shut: bool,
}

impl ProcessAdapter {
    /// Starts the child and shakes hands with it.
    pub fn start(cfg: ProcessConfig, scenario: &Scenario) -> Result<ProcessAdapter, AdapterError> {
        let io = ChildIo::spawn(&cfg).map_err(|e| AdapterError::Config {
            adapter: NAME.into(),
            path: cfg.path.display().to_string(),
            message: format!("cannot start {:?} in {}: {e}", cfg.command, cfg.cwd.display()),
        })?;
        let mut a = ProcessAdapter {
            io,
            cfg,
            identity: Identity {
                name: "?".into(),
                version: "?".into(),
                vendor: None,
                system: None,
            },
            caps: Capabilities {
                operations: Vec::new(),
                faults: Vec::new(),
                consensus_events: false,
                state_reads: false,
                finality: FinalityRule {
                    description: String::new(),
                    required_share: 1.0,
                    confirmation_depth: 0,
                },
                virtual_time: false,
            },
            acks: AckMode::Sync,
            precheck: false,
            system: SystemInfo::default(),
            now: 0,
            queued: Vec::new(),
            held: Vec::new(),
            shut: false,
        };
        a.hello(scenario)?;
        Ok(a)
    }

    fn hello(&mut self, scenario: &Scenario) -> Result<(), AdapterError> {
        let settings = self.cfg.settings.clone();
        let params = HelloParams {
            protocol: PROTOCOL_VERSION,
            harness: format!("touchstone {}", env!("CARGO_PKG_VERSION")),
            scenario: ScenarioInfo {
                name: &scenario.name,
                kind: &scenario.kind,
                validators: scenario.network.validators,
                protocol: &scenario.network.protocol,
                default_link: &scenario.network.link,
            },
            settings: &settings,
        };
        let timeout = self.cfg.timeouts.hello;
        let h: HelloResult =
            self.call("hello", &params, timeout, None).map_err(|e| self.error("hello", e))?;
        if h.protocol != PROTOCOL_VERSION {
            let why = format!(
                "the child speaks adapter protocol {}; this harness speaks {PROTOCOL_VERSION}",
                h.protocol
            );
            return Err(self.broke("hello", why));
        }
        let c = h.capabilities;
        self.caps = Capabilities {
            operations: c.operations,
            faults: c.faults,
            consensus_events: c.consensus_events,
            state_reads: c.state_reads,
            finality: c.finality,
            virtual_time: c.virtual_time,
        };
        self.acks = c.acks;
        self.precheck = c.precheck;
        self.identity = h.identity;
        self.set_system(h.system);
        self.now = h.now;
        tracing::info!(child = %self.identity, pid = self.io.pid(), acks = ?self.acks, "process adapter ready");
        Ok(())
    }

    /// Who the child says it is.
    pub fn identity(&self) -> &Identity {
        &self.identity
    }

    /// How the child acknowledges submissions.
    pub fn ack_mode(&self) -> AckMode {
        self.acks
    }

    fn set_system(&mut self, s: WireSystem) {
        let mut details = s.details;
        details.insert("adapter_protocol_version".into(), PROTOCOL_VERSION.to_string());
        details.insert("child_version".into(), self.identity.to_string());
        self.system = SystemInfo {
            adapter: NAME.into(),
            protocol: s.protocol,
            validators: s.validators,
            quorum: s.quorum,
            details,
        };
    }

    /// One request and its typed result; events before the reply go to `sink`, or are held
    /// for the next call that has one.
    fn call<R: DeserializeOwned>(
        &mut self,
        method: &str,
        params: &impl Serialize,
        timeout: Duration,
        mut sink: Option<&mut dyn EventSink>,
    ) -> Result<R, CallError> {
        self.write_queued()?;
        if let Some(s) = sink.as_deref_mut() {
            for (n, env) in std::mem::take(&mut self.held) {
                if let Err(e) = deliver(env, s) {
                    return Err(self.io.break_with(format!("line {n}: {e}")));
                }
            }
        }
        let held = &mut self.held;
        let mut on_event = |n: u64, env: Envelope| match sink.as_deref_mut() {
            Some(s) => deliver(env, s),
            None => {
                held.push((n, env));
                Ok(())
            }
        };
        let (n, raw) = self.io.call(method, params, timeout, &mut on_event)?;
        serde_json::from_str(raw.get()).map_err(|e| {
            self.io.break_with(format!(
                "line {n}: the result of {method} does not fit the protocol: {e}"
            ))
        })
    }

    /// Writes the deferred submits still queued, as one notification.
    fn write_queued(&mut self) -> Result<(), CallError> {
        if self.queued.is_empty() {
            return Ok(());
        }
        let queued = std::mem::take(&mut self.queued);
        let params = SubmitParams { txs: queued.iter().map(WireTx::of).collect() };
        self.io.notify("submit", &params)
    }

    /// The contract's error for a failed call of `method`.
    fn error(&self, method: &str, e: CallError) -> AdapterError {
        let adapter = NAME.to_string();
        match e {
            CallError::Broken(message) => AdapterError::Other { adapter, message },
            CallError::Child(w) => match w.code.as_str() {
                "config" => AdapterError::Config {
                    adapter,
                    path: self.cfg.path.display().to_string(),
                    message: w.message,
                },
                "unsupported" => AdapterError::Unsupported { adapter, message: w.message },
                "connect" => AdapterError::Connect {
                    adapter,
                    endpoint: self.identity.to_string(),
                    message: w.message,
                },
                _ => AdapterError::Call {
                    adapter,
                    method: method.into(),
                    message: format!("{} ({})", w.message, w.code),
                },
            },
        }
    }

    fn precheck_tx(
        &mut self,
        id: Option<TxId>,
        op: &Operation,
        nonce: Option<u64>,
    ) -> Result<Option<Result<(), Reason>>, AdapterError> {
        if !self.precheck {
            return Ok(None);
        }
        let params = PrecheckParams { tx: PrecheckTx { tx: id.map(|t| t.to_string()), op, nonce } };
        let timeout = self.cfg.timeouts.call;
        let r: PrecheckResult =
            self.call("precheck", &params, timeout, None).map_err(|e| self.error("precheck", e))?;
        match (r.verdict.as_str(), r.reason.as_deref()) {
            ("accept", _) => Ok(Some(Ok(()))),
            ("reject", Some(code)) => match reason(code, "the precheck gives reason") {
                Ok(r) => Ok(Some(Err(r))),
                Err(e) => Err(self.broke("precheck", e)),
            },
            (v, _) => {
                let why =
                    format!("precheck verdict {v:?} (expected accept, or reject with a reason)");
                Err(self.broke("precheck", why))
            }
        }
    }

    /// Breaks the protocol with `why` (the child is killed): the error of `method`.
    fn broke(&mut self, method: &str, why: String) -> AdapterError {
        let e = self.io.break_with(why);
        self.error(method, e)
    }
}

/// Applies one event to `sink`; `Err` says how it breaks the protocol.
fn deliver(env: Envelope, sink: &mut dyn EventSink) -> Result<(), String> {
    match env.event.as_deref() {
        Some("outcomes") => {
            let outcomes = env.outcomes.ok_or("an outcomes event lacks \"outcomes\"")?;
            for o in outcomes {
                sink.outcome(o.into_outcome()?);
            }
            Ok(())
        }
        Some("trace") => {
            let lines = env.lines.ok_or("a trace event lacks \"lines\"")?;
            for (i, line) in lines.iter().enumerate() {
                crate::trace_in::emit(line, i + 1, sink)?;
            }
            Ok(())
        }
        Some(other) => Err(format!("unknown event {other:?} (expected outcomes or trace)")),
        None => Err("not an event".into()),
    }
}

impl Adapter for ProcessAdapter {
    fn name(&self) -> &str {
        NAME
    }

    fn capabilities(&self) -> Capabilities {
        self.caps.clone()
    }

    fn system_info(&self) -> SystemInfo {
        self.system.clone()
    }

    fn prepare(&mut self, setup: &Setup, sink: &mut dyn EventSink) -> Result<(), AdapterError> {
        let params = PrepareParams {
            seed: setup.seed.0,
            accounts: &setup.accounts,
            assets: &setup.assets,
            genesis: &setup.genesis,
        };
        let timeout = self.cfg.timeouts.prepare;
        let r: PrepareResult = self
            .call("prepare", &params, timeout, Some(sink))
            .map_err(|e| self.error("prepare", e))?;
        self.now = r.now;
        if let Some(s) = r.system {
            self.set_system(s);
        }
        Ok(())
    }

    fn now(&self) -> Nanos {
        self.now
    }

    fn submit(
        &mut self,
        tx: &TxRequest,
        sink: &mut dyn EventSink,
    ) -> Result<SubmitAck, AdapterError> {
        if self.acks == AckMode::Deferred {
            if let Some(b) = self.io.broken() {
                return Err(AdapterError::Other { adapter: NAME.into(), message: b.to_string() });
            }
            self.queued.push(tx.clone());
            if self.queued.len() >= BATCH {
                self.write_queued().map_err(|e| self.error("submit", e))?;
            }
            return Ok(SubmitAck::Accepted { via: None });
        }
        let params = SubmitParams { txs: vec![WireTx::of(tx)] };
        let timeout = self.cfg.timeouts.call;
        let r: SubmitResult = self
            .call("submit", &params, timeout, Some(sink))
            .map_err(|e| self.error("submit", e))?;
        self.now = r.now;
        let id = tx.id.to_string();
        let ack = match r.acks.into_iter().find(|a| a.tx == id) {
            Some(a) => a,
            None => {
                let why = format!("the reply to submit holds no ack for {id}");
                return Err(self.broke("submit", why));
            }
        };
        match (ack.accepted, ack.reason.as_deref()) {
            (true, _) => Ok(SubmitAck::Accepted { via: ack.via }),
            (false, Some(code)) => match reason(code, &format!("the refusal of {id} gives reason"))
            {
                Ok(reason) => Ok(SubmitAck::Rejected { reason }),
                Err(e) => Err(self.broke("submit", e)),
            },
            (false, None) => {
                let why = format!("the refusal of {id} lacks \"reason\"");
                Err(self.broke("submit", why))
            }
        }
    }

    fn advance(&mut self, until: Nanos, sink: &mut dyn EventSink) -> Result<Nanos, AdapterError> {
        let mut timeout = self.cfg.timeouts.call;
        if !self.caps.virtual_time {
            timeout += Duration::from_nanos(until.saturating_sub(self.now));
        }
        let r: NowResult = self
            .call("advance", &AdvanceParams { until }, timeout, Some(sink))
            .map_err(|e| self.error("advance", e))?;
        self.now = r.now;
        Ok(r.now)
    }

    fn faults(&mut self) -> Option<&mut dyn FaultControl> {
        if self.caps.faults.is_empty() {
            None
        } else {
            Some(self)
        }
    }

    fn snapshot(&mut self, accounts: &[String]) -> Result<Vec<StateSnapshot>, AdapterError> {
        let timeout = self.cfg.timeouts.call;
        let r: SnapshotResult = self
            .call("snapshot", &SnapshotParams { accounts }, timeout, None)
            .map_err(|e| self.error("snapshot", e))?;
        self.now = r.now;
        Ok(r.snapshots.into_iter().map(StateSnapshot::from).collect())
    }

    fn shutdown(&mut self, sink: &mut dyn EventSink) -> Result<(), AdapterError> {
        if self.shut {
            return Ok(());
        }
        self.shut = true;
        let grace = self.cfg.timeouts.shutdown;
        if self.io.broken().is_some() {
            // The failure was reported when it happened; the child is already gone.
            self.io.close(Duration::ZERO);
            return Ok(());
        }
        let timeout = self.cfg.timeouts.call;
        let r: Result<PrepareResult, CallError> =
            self.call("shutdown", &NoParams {}, timeout, Some(sink));
        self.io.close(grace);
        let r = r.map_err(|e| self.error("shutdown", e))?;
        self.now = r.now;
        if let Some(s) = r.system {
            self.set_system(s);
        }
        Ok(())
    }

    fn precheck(&mut self, tx: &TxRequest) -> Result<Option<Result<(), Reason>>, AdapterError> {
        self.precheck_tx(Some(tx.id), &tx.op, tx.nonce)
    }
}

impl FaultControl for ProcessAdapter {
    fn apply(
        &mut self,
        _now: Nanos,
        action: &FaultAction,
        sink: &mut dyn EventSink,
    ) -> Result<(), FaultError> {
        let timeout = self.cfg.timeouts.fault;
        let r: Result<FaultResult, CallError> =
            self.call("fault", &FaultParams { action }, timeout, Some(sink));
        match r {
            Ok(r) => {
                if let Some(at) = r.effective_ns {
                    tracing::info!(
                        fault = action.name(),
                        requested_ns = self.now,
                        effective_ns = at,
                        "fault in effect"
                    );
                }
                self.now = r.now;
                Ok(())
            }
            Err(CallError::Child(w)) if w.code == "not_supported" => {
                Err(FaultError::NotSupported(action.kind()))
            }
            Err(CallError::Child(w)) if w.code == "failed" => Err(FaultError::Failed(w.message)),
            Err(CallError::Child(w)) => {
                Err(FaultError::Failed(format!("{} ({})", w.message, w.code)))
            }
            Err(CallError::Broken(m)) => {
                Err(FaultError::Failed(format!("the child broke the protocol: {m}")))
            }
        }
    }
}
