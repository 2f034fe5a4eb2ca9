//! The simulator's own rules, on a trivial protocol that only counts what it handles.

use super::{SimDriver, Simulator};
use crate::protocol::{Block, BlockId, Env, NodeIdx, Protocol, Timer, WireMessage};
use touchstone_core::adapter::{EventSink, Outcome};
use touchstone_core::scenario::{FaultAction, RateSpec, ScenarioBuilder, ScenarioKind};
use touchstone_core::trace::TraceEvent;
use touchstone_core::{Nanos, Seed};

#[derive(Debug, Clone)]
struct Ping;

impl WireMessage for Ping {
    fn mtype(&self) -> &'static str {
        "ping"
    }
    fn wire_size(&self) -> u64 {
        8
    }
    fn height_round(&self) -> (Option<u64>, Option<u64>) {
        (None, None)
    }
}

/// Node 0 sends `burst` pings to node 1 when it starts; every node counts what it receives,
/// and says whether the application accepts a block at height 2 on a parent it never saw.
#[derive(Debug)]
struct Counter {
    burst: usize,
    received: usize,
    orphan_valid: Option<bool>,
}

impl Protocol for Counter {
    type Msg = Ping;
    fn on_start(&mut self, env: &mut dyn Env<Ping>) {
        let orphan = Block {
            id: BlockId(7),
            height: 2,
            round: 0,
            parent: BlockId(99),
            proposer: 1,
            txs: Vec::new().into(),
        };
        self.orphan_valid = Some(env.validate(&orphan));
        if env.config().me == 0 {
            for _ in 0..self.burst {
                env.send(1, Ping);
            }
        }
    }
    fn on_message(&mut self, _from: NodeIdx, _msg: Ping, _env: &mut dyn Env<Ping>) {
        self.received += 1;
    }
    fn on_timer(&mut self, _timer: Timer, _env: &mut dyn Env<Ping>) {}
    fn on_client_tx(&mut self, _env: &mut dyn Env<Ping>) {}
    fn on_restart(&mut self, _env: &mut dyn Env<Ping>) {}
    fn decided_height(&self) -> u64 {
        0
    }
}

#[derive(Debug, Default)]
struct Discard;

impl EventSink for Discard {
    fn outcome(&mut self, _outcome: Outcome) {}
    fn trace(&mut self, _t: Nanos, _ev: &TraceEvent<'_>) {}
}

fn two_counters(burst: usize) -> Simulator<Counter> {
    let s = ScenarioBuilder::new("counters", ScenarioKind::Payment)
        .validators(2)
        .phase("p", 1_000_000_000, RateSpec::Constant { tps: 1.0 })
        .build();
    Simulator::new(&s.network, Seed(1), |_| Counter { burst, received: 0, orphan_valid: None })
}

fn started(burst: usize) -> (Simulator<Counter>, Discard) {
    let mut sim = two_counters(burst);
    let mut sink = Discard;
    let setup = touchstone_core::adapter::Setup {
        seed: Seed(1),
        accounts: Vec::new(),
        assets: Vec::new(),
        genesis: Default::default(),
    };
    sim.prepare(&setup, &mut sink);
    (sim, sink)
}

#[test]
fn a_block_on_a_parent_the_node_cannot_place_is_refused() {
    // It cannot be checked: its transactions may repeat those of the unknown ancestors.
    let (sim, _) = started(0);
    assert_eq!(sim.protos[0].orphan_valid, Some(false));
}

#[test]
fn a_node_paused_while_its_cpu_is_busy_handles_its_queued_work_after_resume() {
    let (mut sim, mut sink) = started(3);
    // The three pings arrive at one instant: n1 handles the first at once and queues the others
    // behind its busy CPU. Stop right there and pause it.
    let arrival = sim.core.queue.peek_time().expect("pings in flight");
    sim.run_until(arrival, &mut sink);
    assert_eq!(sim.protos[1].received, 1);
    assert!(sim.core.nodes[1].cpu_scheduled, "the rest waits for n1's CPU");
    let n1 = vec!["n1".to_string()];
    sim.apply_fault(&FaultAction::Pause { nodes: n1.clone() }, &mut sink).unwrap();
    sim.run_until(arrival + 1_000_000_000, &mut sink);
    assert_eq!(sim.protos[1].received, 1, "a paused node handles nothing");
    sim.apply_fault(&FaultAction::Resume { nodes: n1 }, &mut sink).unwrap();
    sim.run_until(arrival + 2_000_000_000, &mut sink);
    assert_eq!(sim.protos[1].received, 3, "after resume n1 handles what it queued");
}
