//! The validated scenario: typed, with every default applied. Built from a TOML script by
//! [`super::parse`] or in code by [`super::ScenarioBuilder`]; both give the same value.

use super::faults::FaultSpec;
use super::purpose::Purpose;
use crate::time::Nanos;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// Protocols a scenario may name: those the embedded simulator runs, and `simplex`
/// (commonware's Simplex, run as real processes by the `simplex` adapter; the simulator refuses
/// it). Real adapters may report others in their traces.
pub const KNOWN_PROTOCOLS: &[&str] = &["pbft", "tendermint", "hotstuff", "raft", "simplex"];

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Scenario {
    pub name: String,
    pub description: String,
    pub kind: ScenarioKind,
    /// What the scenario is meant to measure (`purpose = [...]`; empty when the script does not
    /// say): in a scored evaluation, each indicator draws only from runs meant to measure it.
    pub purpose: Vec<Purpose>,
    pub network: NetworkSpec,
    pub workload: WorkloadSpec,
    pub faults: Vec<FaultSpec>,
    pub criteria: Criteria,
    /// `[explore]`: bounds for `touchstone explore` (ignored by runs).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub explore: Option<super::ExploreSpec>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ScenarioKind {
    Payment,
    Clearing,
    Byzantine,
    Compliance,
    Mixed,
}

impl ScenarioKind {
    pub const NAMES: &'static [&'static str] =
        &["payment", "clearing", "byzantine", "compliance", "mixed"];

    pub fn as_str(self) -> &'static str {
        Self::NAMES[self as usize]
    }

    pub fn parse(s: &str) -> Option<Self> {
        use ScenarioKind::*;
        [Payment, Clearing, Byzantine, Compliance, Mixed].into_iter().find(|k| k.as_str() == s)
    }
}

/// `[network]`: used by the simulator; real adapters ignore it or check it against the chain.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct NetworkSpec {
    pub validators: usize,
    pub protocol: String,
    /// A deliberately broken variant of the protocol (documented by the simulator).
    pub variant: Option<String>,
    /// Voting power per validator (default 1 each).
    pub powers: Vec<u64>,
    pub consensus: ConsensusParams,
    pub trace_messages: bool,
    /// Emit `state.snapshot` every this many heights (0 = only at the end).
    pub snapshot_every: u64,
    pub link: LinkSpec,
    pub links: Vec<LinkOverride>,
    pub byzantine: Vec<ByzantineSpec>,
}

impl NetworkSpec {
    /// Node ids `n0..n{validators-1}`.
    pub fn node_ids(&self) -> Vec<String> {
        (0..self.validators).map(crate::ids::node_name).collect()
    }
}

/// Block production and processing costs (virtual CPU time) for the simulator.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ConsensusParams {
    /// Maximum transactions per block.
    pub block_size: usize,
    /// Minimum time between blocks proposed by a leader (batching).
    pub block_interval: Nanos,
    /// Base round / view-change / election timeout.
    pub timeout: Nanos,
    /// Virtual CPU time to process one consensus message.
    pub msg_cost: Nanos,
    /// Virtual CPU time to validate and execute one transaction.
    pub tx_cost: Nanos,
}

/// Latency distribution of a link.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(tag = "distribution", rename_all = "snake_case")]
pub enum LatencyDist {
    Fixed {
        latency: Nanos,
    },
    /// Uniform in `[latency - spread, latency + spread]`.
    Uniform {
        latency: Nanos,
        spread: Nanos,
    },
    Normal {
        latency: Nanos,
        spread: Nanos,
    },
    LogNormal {
        latency: Nanos,
        spread: Nanos,
    },
}

impl LatencyDist {
    pub const NAMES: &'static [&'static str] = &["fixed", "uniform", "normal", "lognormal"];

    pub fn mean(&self) -> Nanos {
        match *self {
            LatencyDist::Fixed { latency }
            | LatencyDist::Uniform { latency, .. }
            | LatencyDist::Normal { latency, .. }
            | LatencyDist::LogNormal { latency, .. } => latency,
        }
    }

    pub fn name(&self) -> &'static str {
        match self {
            LatencyDist::Fixed { .. } => "fixed",
            LatencyDist::Uniform { .. } => "uniform",
            LatencyDist::Normal { .. } => "normal",
            LatencyDist::LogNormal { .. } => "lognormal",
        }
    }

    pub fn spread(&self) -> Nanos {
        match *self {
            LatencyDist::Fixed { .. } => 0,
            LatencyDist::Uniform { spread, .. }
            | LatencyDist::Normal { spread, .. }
            | LatencyDist::LogNormal { spread, .. } => spread,
        }
    }
}

/// The model of one directed link.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LinkSpec {
    pub latency: LatencyDist,
    /// Extra uniform noise in `[0, jitter]` added to every message.
    pub jitter: Nanos,
    /// Probability a message is lost.
    pub loss: f64,
    /// Probability a message is delivered twice.
    pub duplicate: f64,
    /// Probability a message is held back (delivered after later ones).
    pub reorder: f64,
    /// Serialization delay by message size; `None` = unlimited.
    pub bandwidth_mbps: Option<f64>,
}

impl Default for LinkSpec {
    fn default() -> Self {
        LinkSpec {
            latency: LatencyDist::Fixed { latency: 5 * crate::time::NS_PER_MS },
            jitter: 0,
            loss: 0.0,
            duplicate: 0.0,
            reorder: 0.0,
            bandwidth_mbps: None,
        }
    }
}

/// A link model for messages from any of `from` to any of `to` (and back, if `symmetric`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LinkOverride {
    pub from: Vec<String>,
    pub to: Vec<String>,
    pub symmetric: bool,
    pub link: LinkSpec,
}

/// Byzantine behaviours the simulator can give a node.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "behaviour", rename_all = "snake_case")]
pub enum Behaviour {
    /// Sends nothing.
    Silent,
    /// Conflicting proposals or votes to different peers.
    Equivocate,
    /// Votes for two blocks at one (height, round).
    DoubleVote,
    /// Proposes blocks containing an invalid transaction.
    InvalidProposal,
    /// Forgets its lock and votes after a restart.
    Amnesia,
    /// Holds its messages for `delay` before sending.
    Delay { delay: Nanos },
}

impl Behaviour {
    pub const NAMES: &'static [&'static str] =
        &["silent", "equivocate", "double_vote", "invalid_proposal", "amnesia", "delay"];

    pub fn name(&self) -> &'static str {
        match self {
            Behaviour::Silent => "silent",
            Behaviour::Equivocate => "equivocate",
            Behaviour::DoubleVote => "double_vote",
            Behaviour::InvalidProposal => "invalid_proposal",
            Behaviour::Amnesia => "amnesia",
            Behaviour::Delay { .. } => "delay",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ByzantineSpec {
    pub node: String,
    pub behaviour: Behaviour,
}

/// `[workload]`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct WorkloadSpec {
    /// What the transactions do (`payments`: the mix below; business programs generate their own
    /// operations and conformance cases, see `touchstone_core::program`).
    pub program: String,
    /// Program parameters (`[workload.params]`), checked by the program.
    pub params: BTreeMap<String, toml::Value>,
    pub accounts: u32,
    pub assets: Vec<AssetSpec>,
    pub amount_min: u128,
    pub amount_max: u128,
    /// Operation mix: weights by operation name (`transfer`, `issue`, `redeem`).
    pub mix: BTreeMap<String, f64>,
    /// Zipf exponent for picking accounts (0 = uniform; larger = hotter hot spots).
    pub skew: f64,
    /// Logical clients (senders of rejection notices).
    pub clients: u32,
    /// After this long without an outcome a transaction is recorded `unknown`.
    pub timeout: Nanos,
    /// Time allowed after the last phase for outstanding outcomes.
    pub drain: Nanos,
    pub phases: Vec<Phase>,
}

impl WorkloadSpec {
    /// Total scheduled time of all phases.
    pub fn duration(&self) -> Nanos {
        self.phases.iter().map(|p| p.duration).sum()
    }
}

/// An asset and the balance each account starts with.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AssetSpec {
    pub id: String,
    pub initial_balance: u128,
}

/// One phase of load.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Phase {
    pub name: String,
    pub duration: Nanos,
    /// Excluded from metrics and criteria.
    pub warmup: bool,
    pub rate: RateSpec,
}

/// How transactions are scheduled within a phase.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum RateSpec {
    /// Evenly spaced at `tps`.
    Constant { tps: f64 },
    /// Exponential inter-arrival times with mean `1/tps`.
    Poisson { tps: f64 },
    /// Linear ramp from `from` to `to` tx/s over the phase.
    Ramp { from: f64, to: f64 },
    /// `count` transactions spread evenly over `[at, at + within)` from the phase start
    /// (`within = 0`: all at the same instant).
    Burst { count: u64, at: Nanos, within: Nanos },
    /// Closed loop: keep `concurrency` transactions outstanding.
    Closed { concurrency: u32 },
}

impl RateSpec {
    pub const NAMES: &'static [&'static str] = &["constant", "poisson", "ramp", "burst", "closed"];

    pub fn name(&self) -> &'static str {
        match self {
            RateSpec::Constant { .. } => "constant",
            RateSpec::Poisson { .. } => "poisson",
            RateSpec::Ramp { .. } => "ramp",
            RateSpec::Burst { .. } => "burst",
            RateSpec::Closed { .. } => "closed",
        }
    }
}

/// `[criteria]`: pass/fail conditions on the measured phases.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct Criteria {
    pub latency_p50: Option<Nanos>,
    pub latency_p90: Option<Nanos>,
    pub latency_p99: Option<Nanos>,
    pub latency_p999: Option<Nanos>,
    pub latency_max: Option<Nanos>,
    /// Committed transactions per second over the measured phases.
    pub throughput_min: Option<f64>,
    /// Committed / submitted over the measured phases.
    pub success_rate_min: Option<f64>,
    /// First submission to last outcome (clearing batches).
    pub completion_max: Option<Nanos>,
    /// Bounded-liveness window for the checker (default 10 s).
    pub liveness_bound: Option<Nanos>,
    /// Trace properties that are gates for this scenario (default: all safety properties).
    pub gates: Option<Vec<String>>,
}
