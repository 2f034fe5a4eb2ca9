//! The validated multi-chain scenario: its chains, each a single-chain [`Scenario`] of its own
//! (network, faults), and the bridge between them (mechanism, actor faults, cross-chain
//! workload). Built from a script by [`crate::parse`].

use serde::{Deserialize, Serialize};
use touchstone_core::scenario::{Criteria, Purpose, Scenario, ScenarioKind};
use touchstone_core::Nanos;

/// A scenario with several chains and a bridge.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct XScenario {
    pub name: String,
    pub description: String,
    pub kind: ScenarioKind,
    pub purpose: Vec<Purpose>,
    /// In the order the script declares them.
    pub chains: Vec<ChainSpec>,
    pub bridge: BridgeSpec,
    pub criteria: Criteria,
}

impl XScenario {
    /// The chain named `id`.
    pub fn chain(&self, id: &str) -> Option<&ChainSpec> {
        self.chains.iter().find(|c| c.id == id)
    }

    /// When the last cross-chain transfer (or pair) starts.
    pub fn load_duration(&self) -> Nanos {
        self.bridge.workload.load_duration()
    }
}

/// One chain: `[chains.<id>]`, validated as a single-chain scenario whose `[network]` is the
/// chain's table and whose `[[faults]]` are the chain's `[[chains.<id>.faults]]`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ChainSpec {
    pub id: String,
    pub scenario: Scenario,
}

/// How value crosses between the chains.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Mechanism {
    /// A relay carries the source's finality certificate: lock → mint, burn → release.
    Relay,
    /// Hashed time-locks: both legs locked under one hash, claimed with its preimage.
    Htlc,
}

impl Mechanism {
    pub const NAMES: &'static [&'static str] = &["relay", "htlc"];

    pub fn as_str(self) -> &'static str {
        match self {
            Mechanism::Relay => "relay",
            Mechanism::Htlc => "htlc",
        }
    }
}

/// A relay that lies (`[bridge.faults] byzantine`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RelayLie {
    /// Also submits mints with no lock behind them, certified by too few or unknown signers.
    Forge,
    /// Submits every mint or release it delivered a second time.
    Replay,
}

impl RelayLie {
    pub const NAMES: &'static [&'static str] = &["forge", "replay"];
}

/// `[bridge]`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct BridgeSpec {
    pub mechanism: Mechanism,
    /// How often the actors (relay, HTLC parties) look at the chains' finalized blocks.
    pub poll: Nanos,
    /// From seeing a finalized block to submitting what it calls for.
    pub processing: Nanos,
    /// Hashed time-locks: the initiator's lock lasts this long (converted into heights of its
    /// chain); the counterparty's lasts half of it.
    pub htlc_timeout: Nanos,
    pub faults: BridgeFaults,
    pub workload: XWorkload,
}

/// `[bridge.faults]`: what goes wrong with the bridge's actors (times from the load's start).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct BridgeFaults {
    /// The relay (or the HTLC parties' watcher) stops: what it had not yet submitted is lost.
    pub crash_at: Option<Nanos>,
    /// It starts again from what it persisted (the last height processed per chain).
    pub restart_at: Option<Nanos>,
    /// Extra delay on every submission made in `[delay_from, delay_until)`.
    pub delay: Nanos,
    pub delay_from: Nanos,
    pub delay_until: Option<Nanos>,
    pub byzantine: Option<RelayLie>,
}

impl BridgeFaults {
    /// The extra delay of a submission decided at `t` (relative to the load's start).
    pub fn delay_at(&self, t: Nanos) -> Nanos {
        let within = t >= self.delay_from && self.delay_until.is_none_or(|u| t < u);
        if within {
            self.delay
        } else {
            0
        }
    }

    /// Whether the actor is down at `t` (relative to the load's start).
    pub fn down_at(&self, t: Nanos) -> bool {
        match (self.crash_at, self.restart_at) {
            (Some(c), Some(r)) => t >= c && t < r,
            (Some(c), None) => t >= c,
            _ => false,
        }
    }
}

/// `[bridge.workload]`: what crosses, how often, how many.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct XWorkload {
    pub shape: Shape,
    /// Transfers (or pairs) started per second, evenly spaced.
    pub rate: f64,
    /// How many transfers (or pairs).
    pub count: u32,
    /// Accounts per chain, `a0..aN`.
    pub accounts: u32,
    /// Ordinary payments per second on every chain beside the bridge's traffic (0: none).
    pub background_tps: f64,
    /// How long after the last start the run waits for settlement.
    pub drain: Nanos,
}

impl XWorkload {
    /// From the first start to the last, rounded up to a whole second (at least one).
    pub fn load_duration(&self) -> Nanos {
        let secs = (f64::from(self.count) / self.rate).ceil().max(1.0);
        (secs as Nanos) * 1_000_000_000
    }

    /// When transfer `i` starts (relative to the load's start).
    pub fn start_of(&self, i: u32) -> Nanos {
        (f64::from(i) * 1e9 / self.rate) as Nanos
    }
}

/// The two cross-chain workloads.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "kebab-case")]
pub enum Shape {
    /// A stablecoin moved from `from` to `to` and, with `back`, back again.
    XchainTransfer { from: String, to: String, asset: String, amount: u128, back: bool },
    /// `count` pairs: `quantity` of a security on `securities` against `price` of cash on
    /// `cash`; a `fail_share` of them has its buyer never claim (both legs must be refunded).
    XchainDvp {
        securities: String,
        cash: String,
        security: String,
        currency: String,
        quantity: u128,
        price: u128,
        fail_share: f64,
    },
}

impl Shape {
    /// The chain the first leg executes on, and the other one.
    pub fn chains(&self) -> (&str, &str) {
        match self {
            Shape::XchainTransfer { from, to, .. } => (from, to),
            Shape::XchainDvp { securities, cash, .. } => (cash, securities),
        }
    }

    pub fn name(&self) -> &'static str {
        match self {
            Shape::XchainTransfer { .. } => "xchain-transfer",
            Shape::XchainDvp { .. } => "xchain-dvp",
        }
    }
}
