//! [`SimplexAdapter`]: N validator processes behind the [`Adapter`] contract. Submission and
//! outcome polling run on worker threads (`workers.rs`); this module routes transactions to
//! entry nodes, applies the finality rule to what the nodes report, merges the nodes' trace
//! files, and reads state. Faults are in `faults.rs`, the disclosure in `info.rs`.

use crate::client::{NodeClient, StateAnswer, StateReq, SubmitTx};
use crate::cluster::{Cluster, NodeParams};
use crate::config::Config;
use crate::finality::Finality;
use crate::links::Links;
use crate::merge::Merger;
use crate::modes::NodeMode;
use crate::process::NodeState;
use crate::tail::{with_event, Parsed};
use crate::workers::{Obs, States, Workers};
use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::mpsc::RecvTimeoutError;
use std::sync::Arc;
use std::time::Duration;
use touchstone_core::adapter::{
    Adapter, AdapterError, Capabilities, EventSink, FaultControl, Outcome, Setup, StateSnapshot,
    SubmitAck, SystemInfo, TxRequest,
};
use touchstone_core::scenario::NetworkSpec;
use touchstone_core::time::{Clock, Human, Nanos, WallClock, NS_PER_MS};
use touchstone_core::trace::TraceEvent;
use touchstone_core::{Reason, TxId};

/// The adapter's name (`--adapter simplex`).
pub const NAME: &str = "simplex";

/// How often the nodes' trace files are read (at most).
const READ_EVERY: Nanos = 5 * NS_PER_MS;
/// How often the processes are checked for having died on their own.
const ALIVE_EVERY: Nanos = 100 * NS_PER_MS;

/// commonware Simplex validators as real processes on loopback. Build it with
/// [`crate::SimplexFactory`] or [`SimplexAdapter::new`].
#[derive(Debug)]
pub struct SimplexAdapter {
    pub(crate) cfg: Config,
    pub(crate) binary: PathBuf,
    pub(crate) binary_version: String,
    pub(crate) names: Vec<String>,
    pub(crate) modes: BTreeMap<String, NodeMode>,
    pub(crate) params: NodeParams,
    /// How the scenario's link model is (or is not) applied.
    pub(crate) link: String,
    pub(crate) clock: WallClock,
    /// Unix time (ns) at which `clock` read 0.
    pub(crate) unix_zero: u64,
    pub(crate) cluster: Option<Cluster>,
    /// The scenario's network (its link model shapes the proxy's links).
    pub(crate) network: NetworkSpec,
    /// The fault proxy between the validators (`None`: direct links, configured off).
    pub(crate) links: Option<Links>,
    pub(crate) states: Arc<States>,
    pub(crate) workers: Option<Workers>,
    pub(crate) finality: Finality,
    pub(crate) merger: Option<Merger>,
    pub(crate) notes: BTreeMap<String, String>,
    /// Obs taken off the channel while waiting, not yet handled.
    stash: Vec<Obs>,
    /// The highest height each node decided (from the merged `cons.decide` lines).
    pub(crate) heights: Vec<u64>,
    /// A restarted node still catching up: the height to reach (the others' highest at its
    /// restart) and when it restarted. It is entered by no transaction meanwhile.
    pub(crate) catching_up: Vec<Option<(u64, Nanos)>>,
    /// Restarted nodes' catch-up times, for the disclosure.
    pub(crate) catch_ups: Vec<String>,
    /// When the last heal was applied, until the next decision after it.
    pub(crate) healed: Option<Nanos>,
    /// Time from each heal to the next decision, for the disclosure.
    pub(crate) after_heal: Vec<String>,
    next_entry: usize,
    last_read: Nanos,
    last_alive: Nanos,
}

impl SimplexAdapter {
    /// An adapter for `names` (validators `n0..`), checked and configured; nothing starts
    /// before `prepare`.
    pub(crate) fn assemble(
        cfg: Config,
        binary: PathBuf,
        names: Vec<String>,
        modes: BTreeMap<String, NodeMode>,
        params: NodeParams,
        link: String,
        network: NetworkSpec,
    ) -> SimplexAdapter {
        let clock = WallClock::start();
        let unix_zero = unix_now_ns().saturating_sub(clock.now());
        let binary_version = crate::factory::version_of(&binary);
        let correct = names.iter().map(|n| !modes.contains_key(n)).collect();
        let finality = Finality::new(names.clone(), correct);
        let n = names.len();
        SimplexAdapter {
            cfg,
            binary,
            binary_version,
            states: Arc::new(States::new(names.len())),
            names,
            modes,
            params,
            link,
            clock,
            unix_zero,
            cluster: None,
            network,
            links: None,
            workers: None,
            finality,
            merger: None,
            notes: BTreeMap::new(),
            stash: Vec::new(),
            heights: vec![0; n],
            catching_up: vec![None; n],
            catch_ups: Vec::new(),
            healed: None,
            after_heal: Vec::new(),
            next_entry: 0,
            last_read: 0,
            last_alive: 0,
        }
    }

    /// Where the nodes keep their storage (after `prepare`).
    pub fn storage(&self) -> Option<&std::path::Path> {
        self.cluster.as_ref().map(Cluster::dir)
    }

    /// Each node's process id while it runs (after `prepare`).
    pub fn pids(&self) -> Vec<Option<u32>> {
        self.cluster.as_ref().map(|c| c.nodes.iter().map(|p| p.pid()).collect()).unwrap_or_default()
    }

    /// Each node's client endpoint (after `prepare`).
    pub fn endpoints(&self) -> Vec<std::net::SocketAddr> {
        self.cluster.as_ref().map(|c| c.clients.clone()).unwrap_or_default()
    }

    pub(crate) fn index_of(&self, node: &str) -> Option<usize> {
        self.names.iter().position(|n| n == node)
    }

    pub(crate) fn other(&self, message: impl Into<String>) -> AdapterError {
        AdapterError::Other { adapter: NAME.into(), message: message.into() }
    }

    pub(crate) fn rebase(&self, t_unix_ns: u64) -> Nanos {
        t_unix_ns.saturating_sub(self.unix_zero)
    }

    /// The node a transaction enters: `via` if named (refused when it is crashed); else, for a
    /// sender's nonced transactions, always the same correct node (`sender mod n`, the first
    /// running from there), so they arrive in nonce order; else round robin over the running
    /// correct nodes. A restarted node is skipped until it has caught up (its admission check
    /// would run on a stale state, and what it gossips before its peers reconnect is lost), and
    /// a paused node is entered only when no correct node runs: its work queues up (its socket
    /// still accepts) until it is resumed.
    fn entry(&mut self, tx: &TxRequest) -> Option<usize> {
        let n = self.names.len();
        if let Some(via) = &tx.via {
            let i = self.index_of(via)?;
            return (!self.states.crashed(i)).then_some(i);
        }
        let start = match (tx.nonce, tx.op.signer()) {
            (Some(_), Some(sender)) => account_slot(sender) % n,
            _ => {
                self.next_entry = (self.next_entry + 1) % n;
                self.next_entry
            }
        };
        let correct = |i: &usize| !self.modes.contains_key(&self.names[*i]);
        let order = || (0..n).map(|k| (start + k) % n).filter(correct);
        let caught_up = |i: usize| self.catching_up[i].is_none();
        order()
            .find(|&i| self.states.running(i) && caught_up(i))
            .or_else(|| order().find(|&i| self.states.running(i)))
            .or_else(|| order().find(|&i| self.states.paused(i)))
    }

    /// Everything observed since the last call, in time order: outcomes (through the finality
    /// rule) and, at most every [`READ_EVERY`] unless `force`, the nodes' new trace lines.
    /// Returns how many outcomes were reported.
    pub(crate) fn collect(
        &mut self,
        sink: &mut dyn EventSink,
        force: bool,
    ) -> Result<usize, AdapterError> {
        let mut outcomes = Vec::new();
        let mut obs = std::mem::take(&mut self.stash);
        if let Some(w) = &self.workers {
            obs.extend(w.obs.try_iter());
        }
        for o in obs {
            self.observe(o, &mut outcomes);
        }
        let now = self.clock.now();
        let mut lines = Vec::new();
        if force || now.saturating_sub(self.last_read) >= READ_EVERY {
            self.last_read = now;
            if let Some(m) = self.merger.as_mut() {
                lines = m.poll();
            }
        }
        self.follow_heights(&lines);
        let count = outcomes.len();
        emit_in_order(outcomes, lines, sink);
        if now.saturating_sub(self.last_alive) >= ALIVE_EVERY {
            self.last_alive = now;
            if let Some(why) = self.cluster.as_mut().and_then(Cluster::died) {
                return Err(self.other(why));
            }
        }
        Ok(count)
    }

    /// Each node's highest decided height, and the end of a restarted node's catch-up.
    fn follow_heights(&mut self, lines: &[(Nanos, Parsed)]) {
        for (t, p) in lines.iter().filter(|(_, p)| p.line.kind == "cons.decide") {
            let Some(i) = self.index_of(&p.line.node) else { continue };
            if let Some(h) = self.healed.filter(|h| t >= h) {
                self.healed = None;
                self.after_heal.push(format!(
                    "healed at {}, {} decided height {} {} later",
                    Human(h),
                    self.names[i],
                    p.line.height,
                    Human(t - h)
                ));
            }
            self.heights[i] = self.heights[i].max(p.line.height);
            if let Some((target, since)) = self.catching_up[i] {
                if self.heights[i] >= target {
                    self.catching_up[i] = None;
                    self.catch_ups.push(format!(
                        "{} restarted at {}, decided height {target} (the others' highest at its restart) {} later",
                        self.names[i],
                        Human(since),
                        Human(t.saturating_sub(since))
                    ));
                }
            }
        }
    }

    /// One observation of the worker threads → outcomes.
    fn observe(&mut self, o: Obs, out: &mut Vec<Outcome>) {
        match o {
            Obs::Outcomes { node, outcomes, .. } => {
                for r in outcomes {
                    let Some(tx) = TxId::parse(&r.tx) else { continue };
                    let at = self.rebase(r.t_unix_ns);
                    let done = if r.status == "committed" {
                        self.finality.committed(node, tx, r.height, at)
                    } else {
                        let reason = r.reason.as_deref().and_then(Reason::from_code);
                        self.finality.rejected(node, tx, reason.unwrap_or(Reason::Other), at)
                    };
                    out.extend(done);
                }
            }
            Obs::Refused { node, tx, reason, at } => {
                if self.finality.forget(tx) {
                    out.push(rejection(tx, reason, at, &self.names[node]));
                }
            }
            Obs::Undelivered { node, txs, at } => {
                for tx in txs {
                    if self.finality.forget(tx) {
                        out.push(rejection(tx, Reason::Other, at, &self.names[node]));
                    }
                }
            }
        }
    }

    /// The state every running correct node reports now.
    fn read_states(&mut self, accounts: &[String]) -> Result<Vec<StateSnapshot>, AdapterError> {
        let Some(cluster) = &self.cluster else { return Ok(Vec::new()) };
        let mut out = Vec::new();
        let mut failures = Vec::new();
        for (i, addr) in cluster.clients.iter().enumerate() {
            if !self.finality.counts(i) {
                continue;
            }
            let answer =
                NodeClient::connect(*addr, Duration::from_secs(2), Duration::from_secs(20))
                    .and_then(|mut c| {
                        c.ask::<_, StateAnswer>(&StateReq { cmd: "state", accounts })
                    });
            match answer {
                Ok(s) => out.push(StateSnapshot {
                    node: self.names[i].clone(),
                    height: s.height,
                    app_hash: Some(s.app_hash),
                    supply: s.supply.into_iter().collect(),
                    balances: s
                        .balances
                        .into_iter()
                        .map(|(a, h)| (a, h.into_iter().collect()))
                        .collect(),
                }),
                Err(e) => failures.push(format!("{}: {e}", self.names[i])),
            }
        }
        if out.is_empty() && !failures.is_empty() {
            return Err(AdapterError::Call {
                adapter: NAME.into(),
                method: "state".into(),
                message: failures.join("; "),
            });
        }
        if !failures.is_empty() {
            self.notes.insert("state_unread".into(), failures.join("; "));
        }
        Ok(out)
    }
}

fn rejection(tx: TxId, reason: Reason, at: Nanos, node: &str) -> Outcome {
    use touchstone_core::adapter::OutcomeStatus;
    Outcome { tx, status: OutcomeStatus::Rejected { reason }, at, node: Some(node.to_string()) }
}

/// Outcomes and trace lines, interleaved by time (each list is already in time order within
/// itself for lines; outcomes are sorted here).
fn emit_in_order(
    mut outcomes: Vec<Outcome>,
    lines: Vec<(Nanos, Parsed)>,
    sink: &mut dyn EventSink,
) {
    outcomes.sort_by_key(|o| o.at);
    let mut outs = outcomes.into_iter().peekable();
    for (t, p) in lines {
        while outs.peek().is_some_and(|o| o.at < t) {
            sink.outcome(outs.next().expect("peeked"));
        }
        with_event(&p, |e| sink.trace(t, e));
    }
    for o in outs {
        sink.outcome(o);
    }
}

/// A stable slot for an account name: `a17` → 17, others hashed (FNV-1a).
fn account_slot(name: &str) -> usize {
    if let Some(n) = name.strip_prefix('a').and_then(|d| d.parse::<usize>().ok()) {
        return n;
    }
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in name.bytes() {
        h = (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3);
    }
    h as usize
}

/// The Unix time now (ns): only to relate the run's clock to the nodes' `t_unix_ns`.
#[allow(clippy::disallowed_methods)] // real processes stamp their lines with the wall clock
pub(crate) fn unix_now_ns() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_nanos() as u64)
        .unwrap_or(0)
}

impl Adapter for SimplexAdapter {
    fn name(&self) -> &str {
        NAME
    }

    fn capabilities(&self) -> Capabilities {
        crate::info::capabilities(self)
    }

    fn system_info(&self) -> SystemInfo {
        crate::info::system_info(self)
    }

    fn prepare(&mut self, setup: &Setup, sink: &mut dyn EventSink) -> Result<(), AdapterError> {
        crate::start::prepare(self, setup, sink)
    }

    fn now(&self) -> Nanos {
        self.clock.now()
    }

    fn submit(
        &mut self,
        tx: &TxRequest,
        sink: &mut dyn EventSink,
    ) -> Result<SubmitAck, AdapterError> {
        self.collect(sink, false)?;
        let Some(node) = self.entry(tx) else {
            return Ok(SubmitAck::Rejected { reason: Reason::Other });
        };
        let Some(w) = &self.workers else {
            return Err(self.other("submit before prepare"));
        };
        self.finality.submitted(tx.id);
        let item = SubmitTx { tx: tx.id.to_string(), op: tx.op.clone(), nonce: tx.nonce };
        if w.queues[node].send(item).is_err() {
            return Err(self.other(format!("the submitter thread of {} stopped", self.names[node])));
        }
        Ok(SubmitAck::Accepted { via: Some(self.names[node].clone()) })
    }

    fn advance(&mut self, until: Nanos, sink: &mut dyn EventSink) -> Result<Nanos, AdapterError> {
        loop {
            let reported = self.collect(sink, false)?;
            let now = self.clock.now();
            if reported > 0 || now >= until {
                return Ok(now);
            }
            let wait = Duration::from_nanos((until - now).min(READ_EVERY));
            match &self.workers {
                Some(w) => match w.obs.recv_timeout(wait) {
                    Ok(o) => self.stash.push(o),
                    Err(RecvTimeoutError::Timeout) => {}
                    Err(RecvTimeoutError::Disconnected) => {
                        return Err(self.other("the worker threads stopped"))
                    }
                },
                None => std::thread::sleep(wait),
            }
        }
    }

    fn faults(&mut self) -> Option<&mut dyn FaultControl> {
        Some(self)
    }

    fn snapshot(&mut self, accounts: &[String]) -> Result<Vec<StateSnapshot>, AdapterError> {
        self.read_states(accounts)
    }

    fn shutdown(&mut self, sink: &mut dyn EventSink) -> Result<(), AdapterError> {
        let last = self.collect(sink, true);
        if let Some(w) = &self.workers {
            w.signal_stop();
        }
        if let Some(c) = self.cluster.as_mut() {
            c.kill_all();
        }
        for i in 0..self.names.len() {
            self.states.set(i, NodeState::Crashed);
        }
        // Everything the nodes wrote is in their files now.
        let lines = self.merger.as_mut().map(Merger::poll).unwrap_or_default();
        emit_in_order(Vec::new(), lines, sink);
        if let Some(mut w) = self.workers.take() {
            w.stop();
            self.notes.insert("threads".into(), crate::info::counters(&w.counters));
        }
        crate::info::record_completeness(self);
        last.map(|_| ())
    }
}

impl Drop for SimplexAdapter {
    /// Stops the threads and kills every node (also while a panic unwinds).
    fn drop(&mut self) {
        if let Some(w) = &self.workers {
            w.signal_stop();
        }
        if let Some(c) = self.cluster.as_mut() {
            c.kill_all();
        }
        self.workers.take();
    }
}

/// Writes `node.role` for every Byzantine validator.
pub(crate) fn write_roles(a: &SimplexAdapter, sink: &mut dyn EventSink) {
    let now = a.clock.now();
    for (node, mode) in &a.modes {
        sink.trace(
            now,
            &TraceEvent::NodeRole { node, byzantine: true, behaviour: Some(mode.name()) },
        );
    }
}
