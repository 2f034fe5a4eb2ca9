//! A small deterministic in-memory harness for protocol tests.
//!
//! [`TestNet`](crate::protocol::testkit::TestNet) runs `n` instances of one [`Protocol`] in virtual time, implementing [`Env`](crate::protocol::Env) for
//! each: a fixed base latency plus seeded jitter per message, timers (a timer set again replaces
//! the pending one), crash and restart, blocked links (partitions), an optional message filter
//! that can drop or delay chosen messages, a trivial mempool of synthetic transactions (all valid
//! except those made by [`Env::invalid_tx`](crate::protocol::Env::invalid_tx)), a decision log per node and a log of the trace
//! events. It is the protocols' unit-test bench; the real simulator lives in `sim/`.
//!
//! Determinism: the only randomness is a ChaCha8 stream seeded by the caller; events at one
//! instant are ordered by their sequence number; all maps are `BTreeMap`s.
//!
//! ```
//! use touchstone_sim::protocol::testkit::TestNet;
//! # fn demo<P: touchstone_sim::protocol::Protocol>(make: impl FnMut(touchstone_sim::protocol::NodeConfig) -> P) {
//! let mut net = TestNet::new(4, 7, make);
//! net.start();
//! net.run_until(5_000_000_000);
//! net.assert_agreement();
//! # }
//! ```

mod env;

pub use env::{mix64, TestEnv};

use super::{BlockId, NodeConfig, NodeIdx, Protocol, Timer};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use std::cmp::Reverse;
use std::collections::{BTreeMap, BTreeSet, BinaryHeap};
use touchstone_core::scenario::Behaviour;
use touchstone_core::{Nanos, TxId};

/// Milliseconds in nanoseconds (test shorthand).
pub const MS: Nanos = 1_000_000;
/// Seconds in nanoseconds (test shorthand).
pub const S: Nanos = 1_000 * MS;

/// Two correct nodes' different decisions at one height: `(height, (node, block), (node, block))`.
pub type Split = (u64, (NodeIdx, BlockId), (NodeIdx, BlockId));

/// A decision out of order: (node, height, block).
pub type Misdecision = (NodeIdx, u64, BlockId);

/// What a node decided at one height.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Decision {
    pub block: BlockId,
    pub round: u64,
    pub parent: BlockId,
    pub signers: Vec<NodeIdx>,
    pub txs: Vec<TxId>,
    pub at: Nanos,
}

/// A consensus trace event recorded by the test net.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TraceKind {
    Step { height: u64, round: u64, step: &'static str },
    Propose { height: u64, round: u64, block: BlockId },
    Vote { height: u64, round: u64, vtype: &'static str, block: Option<BlockId> },
    Evidence { etype: &'static str, accused: Vec<NodeIdx>, height: u64, round: u64 },
    Decide { height: u64, round: u64, block: BlockId },
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TraceEvent {
    pub t: Nanos,
    pub node: NodeIdx,
    pub kind: TraceKind,
}

/// What a filter says about one message.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verdict {
    /// Deliver with the normal latency.
    Pass,
    /// Drop it.
    Drop,
    /// Deliver after this extra delay.
    Delay(Nanos),
}

/// Decides the fate of a message `(now, from, to, msg)`.
pub type Filter<M> = Box<dyn FnMut(Nanos, NodeIdx, NodeIdx, &M) -> Verdict>;

enum Event<M> {
    Deliver { from: NodeIdx, to: NodeIdx, msg: M },
    Timer { node: NodeIdx, timer: Timer, gen: u64 },
}

struct Node<P> {
    proto: P,
    cfg: NodeConfig,
    up: bool,
    /// Generation of each pending timer (a stale generation is ignored when it fires).
    timers: BTreeMap<Timer, u64>,
    pending: BTreeSet<TxId>,
}

/// The deterministic multi-node test harness.
#[allow(missing_debug_implementations)]
pub struct TestNet<P: Protocol> {
    nodes: Vec<Node<P>>,
    queue: BinaryHeap<Reverse<(Nanos, u64, usize)>>,
    events: BTreeMap<usize, Event<P::Msg>>,
    next_slot: usize,
    seq: u64,
    now: Nanos,
    rng: ChaCha8Rng,
    /// Base one-way latency and uniform jitter in `[0, jitter]`.
    pub latency: Nanos,
    pub jitter: Nanos,
    blocked: BTreeSet<(NodeIdx, NodeIdx)>,
    filter: Option<Filter<P::Msg>>,
    byzantine: BTreeSet<NodeIdx>,
    next_tx: u64,
    next_invalid: u64,
    decisions: Vec<BTreeMap<u64, Decision>>,
    /// Heights decided out of order or twice (integrity errors), per node.
    pub misdecisions: Vec<Misdecision>,
    trace: Vec<TraceEvent>,
    /// Messages delivered so far.
    pub delivered: u64,
}

/// A node config with `n` equal validators, a 2/3 quorum, a 1 s base timeout, 100 ms blocks.
pub fn default_config(n: usize, me: NodeIdx) -> NodeConfig {
    NodeConfig {
        me,
        powers: vec![1; n],
        quorum_num: 2,
        quorum_den: 3,
        timeout: 1000 * MS,
        block_interval: 100 * MS,
        block_size: 100,
        variant: None,
        behaviour: None,
    }
}

/// Configs of `n` equal validators ([`default_config`]) running `variant` (`None`: the correct
/// protocol), with the nodes of `byzantine` given their behaviours.
pub fn configs(
    n: usize,
    variant: Option<&str>,
    byzantine: &[(NodeIdx, Behaviour)],
) -> Vec<NodeConfig> {
    (0..n)
        .map(|i| NodeConfig {
            variant: variant.map(String::from),
            behaviour: byzantine.iter().find(|(j, _)| *j == i).map(|(_, b)| *b),
            ..default_config(n, i)
        })
        .collect()
}

impl<P: Protocol> TestNet<P> {
    /// `n` equal validators with [`default_config`], 10 ms latency, 2 ms jitter.
    pub fn new(n: usize, seed: u64, make: impl FnMut(NodeConfig) -> P) -> Self {
        Self::with_configs((0..n).map(|i| default_config(n, i)).collect(), seed, make)
    }

    /// Validators with the given configs (`cfgs[i].me` must be `i`).
    pub fn with_configs(
        cfgs: Vec<NodeConfig>,
        seed: u64,
        mut make: impl FnMut(NodeConfig) -> P,
    ) -> Self {
        let n = cfgs.len();
        let byzantine = cfgs.iter().filter(|c| c.behaviour.is_some()).map(|c| c.me).collect();
        let nodes = cfgs
            .into_iter()
            .map(|cfg| Node {
                proto: make(cfg.clone()),
                cfg,
                up: true,
                timers: BTreeMap::new(),
                pending: BTreeSet::new(),
            })
            .collect();
        TestNet {
            nodes,
            queue: BinaryHeap::new(),
            events: BTreeMap::new(),
            next_slot: 0,
            seq: 0,
            now: 0,
            rng: ChaCha8Rng::seed_from_u64(seed),
            latency: 10 * MS,
            jitter: 2 * MS,
            blocked: BTreeSet::new(),
            filter: None,
            byzantine,
            next_tx: 1,
            next_invalid: 0,
            decisions: vec![BTreeMap::new(); n],
            misdecisions: Vec::new(),
            trace: Vec::new(),
            delivered: 0,
        }
    }

    pub fn n(&self) -> usize {
        self.nodes.len()
    }

    pub fn now(&self) -> Nanos {
        self.now
    }

    pub fn node(&self, i: NodeIdx) -> &P {
        &self.nodes[i].proto
    }

    pub fn node_mut(&mut self, i: NodeIdx) -> &mut P {
        &mut self.nodes[i].proto
    }

    /// Marks a node Byzantine (excluded from agreement checks). Nodes whose config has a
    /// behaviour are marked already.
    pub fn mark_byzantine(&mut self, i: NodeIdx) {
        self.byzantine.insert(i);
    }

    pub fn is_correct(&self, i: NodeIdx) -> bool {
        !self.byzantine.contains(&i)
    }

    /// Installs a filter that sees every message at send time.
    pub fn set_filter(
        &mut self,
        f: impl FnMut(Nanos, NodeIdx, NodeIdx, &P::Msg) -> Verdict + 'static,
    ) {
        self.filter = Some(Box::new(f));
    }

    pub fn clear_filter(&mut self) {
        self.filter = None;
    }

    /// Starts every node (`on_start`).
    pub fn start(&mut self) {
        for i in 0..self.n() {
            self.with_env(i, |p, env| p.on_start(env));
        }
    }

    /// Starts one node only (the others stay idle: for hand-built message sequences).
    pub fn start_node(&mut self, i: NodeIdx) {
        self.with_env(i, |p, env| p.on_start(env));
    }

    /// Adds `k` fresh valid transactions to every running node's mempool.
    pub fn submit_txs(&mut self, k: usize) {
        for _ in 0..k {
            let tx = TxId(self.next_tx);
            self.next_tx += 1;
            for i in 0..self.n() {
                self.nodes[i].pending.insert(tx);
            }
        }
        for i in 0..self.n() {
            if self.nodes[i].up {
                self.with_env(i, |p, env| p.on_client_tx(env));
            }
        }
    }

    /// Crashes node `i`: it stops receiving messages and its timers are dropped.
    pub fn crash(&mut self, i: NodeIdx) {
        self.nodes[i].up = false;
        self.nodes[i].timers.clear();
    }

    /// Restarts a crashed node (`on_restart`).
    pub fn restart(&mut self, i: NodeIdx) {
        if !self.nodes[i].up {
            self.nodes[i].up = true;
            self.with_env(i, |p, env| p.on_restart(env));
        }
    }

    pub fn is_up(&self, i: NodeIdx) -> bool {
        self.nodes[i].up
    }

    /// Blocks every link between different groups (nodes in no group are cut from all).
    pub fn partition(&mut self, groups: &[&[NodeIdx]]) {
        let group_of = |x: NodeIdx| groups.iter().position(|g| g.contains(&x));
        for a in 0..self.n() {
            for b in 0..self.n() {
                if a != b && (group_of(a).is_none() || group_of(a) != group_of(b)) {
                    self.blocked.insert((a, b));
                }
            }
        }
    }

    /// Blocks the directed link `from → to`.
    pub fn block_link(&mut self, from: NodeIdx, to: NodeIdx) {
        self.blocked.insert((from, to));
    }

    /// Removes every blocked link.
    pub fn heal(&mut self) {
        self.blocked.clear();
    }

    /// Runs every event up to and including time `t`; the clock ends at `t`.
    pub fn run_until(&mut self, t: Nanos) {
        while let Some(&Reverse((at, _, _))) = self.queue.peek() {
            if at > t {
                break;
            }
            self.step();
        }
        self.now = self.now.max(t);
    }

    /// Runs for `d` more virtual time.
    pub fn run_for(&mut self, d: Nanos) {
        self.run_until(self.now + d);
    }

    /// Runs until `cond` holds (checked after each event) or `deadline`; whether it held.
    pub fn run_until_cond(&mut self, deadline: Nanos, mut cond: impl FnMut(&Self) -> bool) -> bool {
        loop {
            if cond(self) {
                return true;
            }
            match self.queue.peek() {
                Some(&Reverse((at, _, _))) if at <= deadline => {
                    self.step();
                }
                _ => {
                    self.now = self.now.max(deadline);
                    return cond(self);
                }
            }
        }
    }

    /// Processes the next event; false if none is left.
    pub fn step(&mut self) -> bool {
        let Some(Reverse((at, _, slot))) = self.queue.pop() else { return false };
        self.now = at;
        match self.events.remove(&slot).expect("queued event") {
            Event::Deliver { from, to, msg } => {
                if self.nodes[to].up {
                    self.delivered += 1;
                    self.with_env(to, |p, env| p.on_message(from, msg, env));
                }
            }
            Event::Timer { node, timer, gen } => {
                if self.nodes[node].up && self.nodes[node].timers.get(&timer) == Some(&gen) {
                    self.nodes[node].timers.remove(&timer);
                    self.with_env(node, |p, env| p.on_timer(timer, env));
                }
            }
        }
        true
    }

    fn push(&mut self, at: Nanos, ev: Event<P::Msg>) {
        let slot = self.next_slot;
        self.next_slot += 1;
        self.events.insert(slot, ev);
        self.seq += 1;
        self.queue.push(Reverse((at, self.seq, slot)));
    }

    fn with_env(&mut self, i: NodeIdx, f: impl FnOnce(&mut P, &mut TestEnv<'_, P::Msg>)) {
        let mut outbox = Vec::new();
        let mut timer_ops = Vec::new();
        {
            let node = &mut self.nodes[i];
            let mut env = TestEnv {
                cfg: &node.cfg,
                now: self.now,
                outbox: &mut outbox,
                timer_ops: &mut timer_ops,
                pending: &mut node.pending,
                next_invalid: &mut self.next_invalid,
                decisions: &mut self.decisions[i],
                misdecisions: &mut self.misdecisions,
                trace: &mut self.trace,
            };
            f(&mut node.proto, &mut env);
        }
        for (after, timer, set) in timer_ops {
            if set {
                self.seq += 1;
                let gen = self.seq;
                self.nodes[i].timers.insert(timer, gen);
                self.push(self.now + after, Event::Timer { node: i, timer, gen });
            } else {
                self.nodes[i].timers.remove(&timer);
            }
        }
        for (to, msg) in outbox {
            if self.blocked.contains(&(i, to)) {
                continue;
            }
            let extra =
                match self.filter.as_mut().map_or(Verdict::Pass, |f| f(self.now, i, to, &msg)) {
                    Verdict::Pass => 0,
                    Verdict::Drop => continue,
                    Verdict::Delay(d) => d,
                };
            let jitter = if self.jitter > 0 { self.rng.gen_range(0..=self.jitter) } else { 0 };
            let lat = if to == i { 0 } else { self.latency + jitter };
            self.push(self.now + lat + extra, Event::Deliver { from: i, to, msg });
        }
    }

    /// Delivers `msg` from `from` to node `to` now, bypassing the network (hand-built sequences).
    pub fn inject(&mut self, to: NodeIdx, from: NodeIdx, msg: P::Msg) {
        self.with_env(to, |p, env| p.on_message(from, msg, env));
    }

    /// Fires `timer` at node `i` now.
    pub fn fire(&mut self, i: NodeIdx, timer: Timer) {
        self.with_env(i, |p, env| p.on_timer(timer, env));
    }

    /// Decisions of node `i` by height.
    pub fn decisions(&self, i: NodeIdx) -> &BTreeMap<u64, Decision> {
        &self.decisions[i]
    }

    /// Highest height decided by node `i` (from the decision log).
    pub fn height(&self, i: NodeIdx) -> u64 {
        self.decisions[i].keys().next_back().copied().unwrap_or(0)
    }

    /// Lowest decided height over the running correct nodes.
    pub fn min_correct_height(&self) -> u64 {
        (0..self.n())
            .filter(|&i| self.is_correct(i) && self.nodes[i].up)
            .map(|i| self.height(i))
            .min()
            .unwrap_or(0)
    }

    /// The first disagreement between two correct nodes: `(height, (node, block), (node, block))`.
    pub fn disagreement(&self) -> Option<Split> {
        let mut first: BTreeMap<u64, (NodeIdx, BlockId)> = BTreeMap::new();
        for i in (0..self.n()).filter(|&i| self.is_correct(i)) {
            for (&h, d) in &self.decisions[i] {
                match first.get(&h) {
                    Some(&(j, b)) if b != d.block => return Some((h, (j, b), (i, d.block))),
                    Some(_) => {}
                    None => {
                        first.insert(h, (i, d.block));
                    }
                }
            }
        }
        None
    }

    /// Panics if two correct nodes decided different blocks at one height, or any node decided
    /// out of order.
    pub fn assert_agreement(&self) {
        if let Some((h, (a, ba), (b, bb))) = self.disagreement() {
            panic!("agreement broken at height {h}: n{a} decided {ba}, n{b} decided {bb}");
        }
        let bad: Vec<_> =
            self.misdecisions.iter().filter(|(i, _, _)| self.is_correct(*i)).collect();
        assert!(bad.is_empty(), "integrity broken: {bad:?}");
    }

    /// Every trace event so far.
    pub fn trace(&self) -> &[TraceEvent] {
        &self.trace
    }

    /// Evidence events: `(reporter, etype, accused)`.
    pub fn evidence(&self) -> Vec<(NodeIdx, &'static str, Vec<NodeIdx>)> {
        self.trace
            .iter()
            .filter_map(|e| match &e.kind {
                TraceKind::Evidence { etype, accused, .. } => {
                    Some((e.node, *etype, accused.clone()))
                }
                _ => None,
            })
            .collect()
    }
}
