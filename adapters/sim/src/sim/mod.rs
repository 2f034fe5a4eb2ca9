//! The deterministic discrete-event simulator.
//!
//! One [`Simulator`] runs `n` instances of a [`Protocol`] over the modelled [`crate::net`] in
//! virtual time. Events (message deliveries, timers, CPU completions, gossip flushes) sit in a
//! binary heap ordered by (time, insertion sequence), so ties replay exactly.
//!
//! **Virtual CPU.** Each node handles one unit of work at a time: a protocol message costs
//! `msg_cost`, a client transaction or a gossiped one `tx_cost`, and the application charges
//! `tx_cost` per transaction it selects, validates or executes. A handler runs when its work
//! reaches the CPU; its messages leave when its CPU time is over, and later work waits in the
//! node's inbox. So throughput saturates and latency grows under load.
//!
//! **Client transactions** enter the mempool of their entry node, which gossips them in batches
//! (after `core::GOSSIP_DELAY`) to its peers over the same network (partitions, loss and latency
//! apply), so any leader can propose them; it sends those still pending again every
//! `core::REGOSSIP_EVERY`.

mod chain;
mod conflicts;
pub(crate) mod core;
mod env;
mod faults;
mod finality;
pub(crate) mod node;
mod queue;
mod submit;
#[cfg(test)]
mod tests;

pub use self::core::SimStats;

use self::core::Core;
use self::env::NodeEnv;
use self::finality::Finality;
use self::node::{NodeRt, Payload, Work};
use self::queue::{Ev, EventQueue};
use crate::ledger::{Controls, Directory, LedgerState};
use crate::net::Network;
use crate::protocol::{NodeConfig, NodeIdx, Protocol};
use std::sync::Arc;
use touchstone_core::adapter::{EventSink, FaultError, Setup, StateSnapshot, SubmitAck, TxRequest};
use touchstone_core::scenario::{FaultAction, NetworkSpec};
use touchstone_core::trace::TraceEvent;
use touchstone_core::{Nanos, Reason, Seed};

/// What the adapter needs from a simulator, whatever its protocol (object safe).
pub trait SimDriver: std::fmt::Debug {
    fn now(&self) -> Nanos;
    /// Funds the accounts on every node, writes the Byzantine ground truth and starts the nodes.
    fn prepare(&mut self, setup: &Setup, sink: &mut dyn EventSink);
    fn submit(&mut self, tx: &TxRequest, sink: &mut dyn EventSink) -> SubmitAck;
    /// `can_transfer` of the request against the committed state of its entry node, nonce and
    /// id included (`None`: not a transfer).
    fn precheck(&mut self, tx: &TxRequest) -> Option<Result<(), Reason>>;
    /// Runs events up to `until`, returning early (at the event's time) once an outcome has been
    /// reported. Returns the new time.
    fn run_until(&mut self, until: Nanos, sink: &mut dyn EventSink) -> Nanos;
    fn apply_fault(
        &mut self,
        action: &FaultAction,
        sink: &mut dyn EventSink,
    ) -> Result<(), FaultError>;
    /// State of every running node (all balances of `accounts`).
    fn snapshot(&self, accounts: &[String]) -> Vec<StateSnapshot>;
    fn stats(&self) -> SimStats;
    /// Highest decided height per node.
    fn heights(&self) -> Vec<u64>;
}

/// The simulator of one protocol.
pub struct Simulator<P: Protocol> {
    core: Core<P::Msg>,
    protos: Vec<P>,
    rr: usize,
}

impl<P: Protocol> std::fmt::Debug for Simulator<P> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Simulator")
            .field("now", &self.core.now)
            .field("nodes", &self.protos.len())
            .field("stats", &self.core.stats)
            .finish()
    }
}

/// The node configuration the simulator gives validator `me` of `spec`.
pub fn node_config(spec: &NetworkSpec, me: NodeIdx) -> NodeConfig {
    let (quorum_num, quorum_den) = if spec.protocol == "raft" { (1, 2) } else { (2, 3) };
    let name = touchstone_core::ids::node_name(me);
    NodeConfig {
        me,
        powers: spec.powers.clone(),
        quorum_num,
        quorum_den,
        timeout: spec.consensus.timeout,
        block_interval: spec.consensus.block_interval,
        block_size: spec.consensus.block_size,
        variant: spec.variant.clone(),
        behaviour: spec.byzantine.iter().find(|b| b.node == name).map(|b| b.behaviour),
    }
}

impl<P: Protocol> Simulator<P> {
    /// A network of `spec.validators` nodes, each running `make(config)`.
    pub fn new(spec: &NetworkSpec, seed: Seed, make: impl Fn(NodeConfig) -> P) -> Self {
        let n = spec.validators;
        let cfgs: Vec<NodeConfig> = (0..n).map(|i| node_config(spec, i)).collect();
        let dir = Arc::new(Directory::default());
        let nodes: Vec<NodeRt<P::Msg>> = (0..n)
            .map(|i| {
                let mut rt = NodeRt::new(
                    LedgerState::genesis(dir.clone(), &[], Controls::new(0)),
                    seed.stream(&format!("sim/node/{i}")),
                );
                rt.byzantine = cfgs[i].behaviour.is_some();
                rt
            })
            .collect();
        let mut finality = Finality::new(n);
        for (i, rt) in nodes.iter().enumerate() {
            finality.set_status(i, rt.counts_for_finality(), !rt.byzantine);
        }
        let protos = cfgs.iter().cloned().map(make).collect();
        let core = Core {
            now: 0,
            names: spec.node_ids(),
            cfgs,
            nodes,
            net: Network::new(spec, seed.stream("sim/net")),
            queue: EventQueue::new(),
            txs: Default::default(),
            dir,
            finality,
            waiters: Default::default(),
            admitted_at: Default::default(),
            client_retry: Default::default(),
            params: spec.consensus.clone(),
            trace_messages: spec.trace_messages,
            snapshot_every: spec.snapshot_every,
            outbox: Vec::new(),
            next_msg: 0,
            next_invalid: 0,
            timer_gen: 0,
            stats: SimStats::default(),
            reported: false,
        };
        Simulator { core, protos, rr: 0 }
    }

    /// The protocol instance of node `i` (tests).
    pub fn protocol(&self, i: NodeIdx) -> &P {
        &self.protos[i]
    }

    /// Runs `f` on node `i`'s protocol with its environment, then sends what it sent, after
    /// `base_cost` plus the CPU time the application charged.
    fn with_env(
        &mut self,
        i: NodeIdx,
        base_cost: Nanos,
        sink: &mut dyn EventSink,
        f: impl FnOnce(&mut P, &mut NodeEnv<'_, P::Msg>),
    ) {
        let t = self.core.now;
        let local_now = self.core.nodes[i].clock.local(t);
        let mut env =
            NodeEnv { core: &mut self.core, sink: &mut *sink, me: i, local_now, extra: 0 };
        f(&mut self.protos[i], &mut env);
        let extra = env.extra;
        let done = t + base_cost + extra;
        self.core.nodes[i].busy_until = done;
        self.core.flush_outbox(i, done, sink);
    }

    /// Hands work to node `i`: processed now if its CPU is free, else queued.
    fn enqueue(&mut self, i: NodeIdx, work: Work<P::Msg>, sink: &mut dyn EventSink) {
        let now = self.core.now;
        let rt = &mut self.core.nodes[i];
        if rt.paused || rt.busy_until > now || !rt.inbox.is_empty() {
            rt.inbox.push_back(work);
            self.schedule_cpu(i);
        } else {
            self.process(i, work, sink);
        }
    }

    fn schedule_cpu(&mut self, i: NodeIdx) {
        let rt = &mut self.core.nodes[i];
        if !rt.paused && rt.up && !rt.cpu_scheduled && !rt.inbox.is_empty() {
            rt.cpu_scheduled = true;
            let at = rt.busy_until.max(self.core.now);
            let gen = rt.cpu_gen;
            self.core.queue.push(at, Ev::Cpu { node: i as u32, gen });
        }
    }

    fn process(&mut self, i: NodeIdx, work: Work<P::Msg>, sink: &mut dyn EventSink) {
        let (msg_cost, tx_cost) = (self.core.params.msg_cost, self.core.params.tx_cost);
        match work {
            Work::Msg { from, id, payload } => {
                self.core.stats.deliveries += 1;
                if self.core.trace_messages {
                    sink.trace(
                        self.core.now,
                        &TraceEvent::MsgRecv {
                            node: &self.core.names[i],
                            from: &self.core.names[from],
                            msg: id,
                        },
                    );
                }
                match payload {
                    Payload::Proto(m) => {
                        self.with_env(i, msg_cost, sink, |p, env| p.on_message(from, m, env))
                    }
                    Payload::Txs(txs) => {
                        let added = self.core.admit_gossip(i, &txs);
                        let cost = msg_cost + tx_cost * txs.len() as u64;
                        if added {
                            self.with_env(i, cost, sink, |p, env| p.on_client_tx(env));
                        } else {
                            self.core.nodes[i].busy_until = self.core.now + cost;
                        }
                    }
                }
            }
            Work::Timer(t) => self.with_env(i, 0, sink, |p, env| p.on_timer(t, env)),
            Work::ClientTx(tx) => {
                self.core.nodes[i].gossip_buf.push(tx);
                self.core.schedule_gossip(i);
                self.with_env(i, tx_cost, sink, |p, env| p.on_client_tx(env));
            }
        }
    }

    fn handle(&mut self, ev: Ev, sink: &mut dyn EventSink) {
        match ev {
            Ev::Deliver(slot) => {
                let e = self.core.queue.take_msg(slot);
                let to = e.to as NodeIdx;
                if !self.core.nodes[to].up {
                    self.core.stats.dropped += 1;
                    if self.core.trace_messages {
                        sink.trace(
                            self.core.now,
                            &TraceEvent::MsgDrop { msg: e.id, reason: "crashed" },
                        );
                    }
                    return;
                }
                self.enqueue(
                    to,
                    Work::Msg { from: e.from as NodeIdx, id: e.id, payload: e.payload },
                    sink,
                );
            }
            Ev::Cpu { node, gen } => {
                let i = node as NodeIdx;
                let rt = &mut self.core.nodes[i];
                if gen != rt.cpu_gen || !rt.up {
                    return; // stale: a crash dropped this CPU slot with the node's work
                }
                // This was the node's one scheduled CPU slot: whatever happens now, none is
                // pending any more. (A paused node that kept the flag would never be scheduled
                // again by its resume, and would sit on its queued work for ever.)
                rt.cpu_scheduled = false;
                if rt.paused {
                    return; // `Resume` schedules the CPU again
                }
                if rt.busy_until > self.core.now {
                    self.schedule_cpu(i);
                    return;
                }
                if let Some(w) = rt.inbox.pop_front() {
                    self.process(i, w, sink);
                }
                self.schedule_cpu(i);
            }
            Ev::Timer(slot) => {
                let queue::PendingTimer { node, gen, timer } = self.core.queue.take_timer(slot);
                let i = node as NodeIdx;
                let rt = &mut self.core.nodes[i];
                if rt.up && rt.timers.get(&timer) == Some(&gen) {
                    rt.timers.remove(&timer);
                    self.enqueue(i, Work::Timer(timer), sink);
                }
            }
            Ev::Gossip(node) => self.core.gossip(node as NodeIdx, sink),
            Ev::Regossip(node) => self.core.regossip(node as NodeIdx, sink),
            Ev::ClientRetry => self.client_retry(sink),
        }
    }
}

impl<P: Protocol> SimDriver for Simulator<P> {
    fn now(&self) -> Nanos {
        self.core.now
    }

    fn prepare(&mut self, setup: &Setup, sink: &mut dyn EventSink) {
        let genesis = crate::ledger::genesis::build(setup);
        self.core.dir = genesis.dir.clone();
        for rt in &mut self.core.nodes {
            rt.ledger = genesis.clone();
        }
        for i in 0..self.protos.len() {
            if let Some(b) = self.core.cfgs[i].behaviour {
                sink.trace(
                    self.core.now,
                    &TraceEvent::NodeRole {
                        node: &self.core.names[i],
                        byzantine: true,
                        behaviour: Some(b.name()),
                    },
                );
            }
        }
        for i in 0..self.protos.len() {
            self.with_env(i, 0, sink, |p, env| p.on_start(env));
            self.core
                .queue
                .push(self.core.now + self::core::REGOSSIP_EVERY, Ev::Regossip(i as u32));
        }
    }

    fn submit(&mut self, tx: &TxRequest, sink: &mut dyn EventSink) -> SubmitAck {
        self.core.reported = false;
        match self.admit(tx) {
            Ok(entry) => {
                self.enqueue(entry, Work::ClientTx(tx.id), sink);
                SubmitAck::Accepted { via: Some(self.core.names[entry].clone()) }
            }
            Err(reason) => SubmitAck::Rejected { reason },
        }
    }

    fn precheck(&mut self, tx: &TxRequest) -> Option<Result<(), Reason>> {
        self.can_transfer(tx)
    }

    fn run_until(&mut self, until: Nanos, sink: &mut dyn EventSink) -> Nanos {
        self.core.reported = false;
        while let Some(t) = self.core.queue.peek_time() {
            if t > until {
                break;
            }
            let (t, ev) = self.core.queue.pop().expect("peeked");
            self.core.now = t;
            self.core.stats.events += 1;
            self.handle(ev, sink);
            if self.core.reported {
                return self.core.now;
            }
        }
        self.core.now = self.core.now.max(until);
        self.core.now
    }

    fn apply_fault(
        &mut self,
        action: &FaultAction,
        sink: &mut dyn EventSink,
    ) -> Result<(), FaultError> {
        self.fault(action, sink)
    }

    fn snapshot(&self, accounts: &[String]) -> Vec<StateSnapshot> {
        (0..self.protos.len())
            .filter(|&i| self.core.nodes[i].up)
            .map(|i| {
                let l = &self.core.nodes[i].ledger;
                StateSnapshot {
                    node: self.core.names[i].clone(),
                    height: l.height,
                    app_hash: Some(l.app_hash_hex()),
                    supply: l.supply_by_name(),
                    balances: l.balances_of(accounts),
                }
            })
            .collect()
    }

    fn stats(&self) -> SimStats {
        self.core.stats
    }

    fn heights(&self) -> Vec<u64> {
        self.core.nodes.iter().map(|n| n.ledger.height).collect()
    }
}
