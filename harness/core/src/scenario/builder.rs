//! Building scenarios in code (tests, examples), and writing them back as TOML.
//!
//! `ScenarioBuilder` makes the same [`Scenario`] value a script would; [`to_toml`] writes any
//! scenario as a script that parses back to an equal value (the run directory stores it).

use super::faults::*;
use super::model::*;
use super::purpose::Purpose;
use super::raw::*;
use crate::time::{format_duration, Nanos, NS_PER_S};
use std::collections::BTreeMap;

/// Fluent construction of a [`Scenario`] with the same defaults as a script.
#[derive(Debug, Clone)]
pub struct ScenarioBuilder {
    s: Scenario,
}

impl ScenarioBuilder {
    /// A scenario with defaults and no phases yet.
    pub fn new(name: &str, kind: ScenarioKind) -> Self {
        let text = format!("name = {name:?}\nkind = {:?}\n[workload]\n[[workload.phases]]\nduration = \"1s\"\nrate = {{ type = \"constant\", tps = 1 }}\n", kind.as_str());
        let mut s = super::parse(&text, "<builder>").expect("builder defaults are valid");
        s.workload.phases.clear();
        ScenarioBuilder { s }
    }

    pub fn description(mut self, d: &str) -> Self {
        self.s.description = d.to_string();
        self
    }

    /// What the scenario is meant to measure.
    pub fn purpose(mut self, p: &[Purpose]) -> Self {
        self.s.purpose = p.to_vec();
        self
    }

    pub fn validators(mut self, n: usize) -> Self {
        self.s.network.validators = n;
        self.s.network.powers = vec![1; n];
        self
    }

    pub fn protocol(mut self, p: &str) -> Self {
        self.s.network.protocol = p.to_string();
        self
    }

    pub fn variant(mut self, v: &str) -> Self {
        self.s.network.variant = Some(v.to_string());
        self
    }

    pub fn byzantine(mut self, node: &str, behaviour: Behaviour) -> Self {
        self.s.network.byzantine.push(ByzantineSpec { node: node.to_string(), behaviour });
        self
    }

    pub fn accounts(mut self, n: u32) -> Self {
        self.s.workload.accounts = n;
        self
    }

    pub fn timeout(mut self, t: Nanos) -> Self {
        self.s.workload.timeout = t;
        self.s.workload.drain = t;
        self
    }

    pub fn phase(mut self, name: &str, duration: Nanos, rate: RateSpec) -> Self {
        self.s.workload.phases.push(Phase {
            name: name.to_string(),
            duration,
            warmup: false,
            rate,
        });
        self
    }

    pub fn warmup(mut self, duration: Nanos, rate: RateSpec) -> Self {
        self.s.workload.phases.push(Phase { name: "warmup".into(), duration, warmup: true, rate });
        self
    }

    pub fn fault(mut self, at: Nanos, duration: Option<Nanos>, action: FaultAction) -> Self {
        let id = format!("f{}", self.s.faults.len() + 1);
        self.s.faults.push(FaultSpec { id, at, duration, action });
        self.s.faults.sort_by_key(|f| f.at);
        self
    }

    pub fn criteria(mut self, c: Criteria) -> Self {
        self.s.criteria = c;
        self
    }

    pub fn with(mut self, f: impl FnOnce(&mut Scenario)) -> Self {
        f(&mut self.s);
        self
    }

    pub fn build(self) -> Scenario {
        assert!(!self.s.workload.phases.is_empty(), "a scenario needs at least one phase");
        self.s
    }
}

fn d(ns: Nanos) -> Option<String> {
    Some(format_duration(ns))
}

fn raw_link(l: &LinkSpec) -> RawLink {
    RawLink {
        latency: d(l.latency.mean()),
        distribution: Some(l.latency.name().to_string()),
        spread: match l.latency {
            LatencyDist::Fixed { .. } => None,
            other => d(other.spread()),
        },
        jitter: d(l.jitter),
        loss: Some(l.loss),
        duplicate: Some(l.duplicate),
        reorder: Some(l.reorder),
        bandwidth_mbps: l.bandwidth_mbps,
    }
}

fn raw_behaviour(b: &Behaviour) -> (Option<String>, Option<String>) {
    let delay = match b {
        Behaviour::Delay { delay } => d(*delay),
        _ => None,
    };
    (Some(b.name().to_string()), delay)
}

/// The raw form of a validated scenario (every default written out).
pub fn to_raw(s: &Scenario) -> RawScenario {
    let n = &s.network;
    let w = &s.workload;
    let c = &s.criteria;
    RawScenario {
        name: Some(s.name.clone()),
        description: Some(s.description.clone()),
        kind: Some(s.kind.as_str().to_string()),
        purpose: (!s.purpose.is_empty())
            .then(|| s.purpose.iter().map(|p| p.as_str().to_string()).collect()),
        network: Some(RawNetwork {
            validators: Some(n.validators as i64),
            protocol: Some(n.protocol.clone()),
            variant: n.variant.clone(),
            powers: Some(n.powers.iter().map(|&p| p as i64).collect()),
            block_size: Some(n.consensus.block_size as i64),
            block_interval: d(n.consensus.block_interval),
            timeout: d(n.consensus.timeout),
            msg_cost: d(n.consensus.msg_cost),
            tx_cost: d(n.consensus.tx_cost),
            trace_messages: Some(n.trace_messages),
            snapshot_every: Some(n.snapshot_every as i64),
            link: Some(raw_link(&n.link)),
            links: n
                .links
                .iter()
                .map(|l| RawLinkOverride {
                    from: l.from.clone(),
                    to: l.to.clone(),
                    symmetric: Some(l.symmetric),
                    link: Some(raw_link(&l.link)),
                })
                .collect(),
            byzantine: n
                .byzantine
                .iter()
                .map(|b| {
                    let (behaviour, delay) = raw_behaviour(&b.behaviour);
                    RawByzantine { node: Some(b.node.clone()), behaviour, delay }
                })
                .collect(),
        }),
        workload: Some(RawWorkload {
            program: Some(w.program.clone()),
            params: (!w.params.is_empty()).then(|| w.params.clone()),
            accounts: Some(w.accounts as i64),
            assets: Some(w.assets.iter().map(|a| a.id.clone()).collect()),
            initial_balance: Some(w.assets.first().map(|a| a.initial_balance).unwrap_or(0) as i64),
            amount_min: Some(w.amount_min as i64),
            amount_max: Some(w.amount_max as i64),
            mix: Some(w.mix.clone()),
            skew: Some(w.skew),
            clients: Some(w.clients as i64),
            timeout: d(w.timeout),
            drain: d(w.drain),
            phases: w
                .phases
                .iter()
                .map(|p| RawPhase {
                    name: Some(p.name.clone()),
                    duration: d(p.duration),
                    warmup: Some(p.warmup),
                    rate: Some(match &p.rate {
                        RateSpec::Constant { tps } => RawRate {
                            kind: Some("constant".into()),
                            tps: Some(*tps),
                            ..Default::default()
                        },
                        RateSpec::Poisson { tps } => RawRate {
                            kind: Some("poisson".into()),
                            tps: Some(*tps),
                            ..Default::default()
                        },
                        RateSpec::Ramp { from, to } => RawRate {
                            kind: Some("ramp".into()),
                            from: Some(*from),
                            to: Some(*to),
                            ..Default::default()
                        },
                        RateSpec::Burst { count, at, within } => RawRate {
                            kind: Some("burst".into()),
                            count: Some(*count as i64),
                            at: d(*at),
                            within: d(*within),
                            ..Default::default()
                        },
                        RateSpec::Closed { concurrency } => RawRate {
                            kind: Some("closed".into()),
                            concurrency: Some(*concurrency as i64),
                            ..Default::default()
                        },
                    }),
                })
                .collect(),
        }),
        faults: s
            .faults
            .iter()
            .map(|f| {
                let mut r = RawFault {
                    id: Some(f.id.clone()),
                    at: d(f.at),
                    action: Some(f.action.name().to_string()),
                    duration: f.duration.and_then(d),
                    ..Default::default()
                };
                match &f.action {
                    FaultAction::Crash { nodes }
                    | FaultAction::Restart { nodes }
                    | FaultAction::Pause { nodes }
                    | FaultAction::Resume { nodes } => r.nodes = Some(nodes.clone()),
                    FaultAction::Partition { groups } => r.groups = Some(groups.clone()),
                    FaultAction::Heal => {}
                    FaultAction::Link { nodes, to, link } => {
                        r.nodes = Some(nodes.clone());
                        if !to.is_empty() {
                            r.to = Some(to.clone());
                        }
                        r.link = Some(raw_link(link));
                    }
                    FaultAction::ClockSkew { nodes, rate } => {
                        r.nodes = Some(nodes.clone());
                        r.rate = Some(*rate);
                    }
                    FaultAction::Byzantine { nodes, behaviour } => {
                        r.nodes = Some(nodes.clone());
                        let (b, dl) = raw_behaviour(behaviour);
                        r.behaviour = b;
                        r.delay = dl;
                    }
                }
                r
            })
            .collect(),
        criteria: Some(RawCriteria {
            latency_p50: c.latency_p50.and_then(d),
            latency_p90: c.latency_p90.and_then(d),
            latency_p99: c.latency_p99.and_then(d),
            latency_p999: c.latency_p999.and_then(d),
            latency_max: c.latency_max.and_then(d),
            throughput_min: c.throughput_min,
            success_rate_min: c.success_rate_min,
            completion_max: c.completion_max.and_then(d),
            liveness_bound: c.liveness_bound.and_then(d),
            gates: c.gates.clone(),
        }),
        explore: s.explore.as_ref().map(raw_explore),
    }
}

fn raw_explore(e: &super::ExploreSpec) -> RawExplore {
    RawExplore {
        nodes: e.nodes.clone(),
        actions: e.actions.clone(),
        max_faults: e.max_faults.map(|n| n as i64),
        from: e.from.and_then(d),
        until: e.until.and_then(d),
        min_duration: e.min_duration.and_then(d),
        max_duration: e.max_duration.and_then(d),
        max_faulty: e.max_faulty.map(|n| n as i64),
        max_byzantine: e.max_byzantine.map(|n| n as i64),
        behaviours: e.behaviours.clone(),
        max_delay: e.max_delay.and_then(d),
    }
}

/// Writes a scenario as a TOML script that [`super::parse`] reads back to an equal value.
pub fn to_toml(s: &Scenario) -> String {
    toml::to_string_pretty(&to_raw(s)).expect("raw scenarios always serialize")
}

/// A convenient default: 1 s of constant load.
pub fn one_second(tps: f64) -> (Nanos, RateSpec) {
    (NS_PER_S, RateSpec::Constant { tps })
}

#[allow(dead_code)]
fn _assert_maps_ordered(_: &BTreeMap<String, f64>) {}
