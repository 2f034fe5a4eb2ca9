//! [`SimAdapter`]: the simulator behind the [`Adapter`] contract, and its [`SimFactory`].

use crate::registry::{self, protocol_info};
use crate::sim::{SimDriver, SimStats};
use std::collections::BTreeMap;
use std::path::Path;
use touchstone_core::adapter::*;
use touchstone_core::ledger::OpKind;
use touchstone_core::scenario::{FaultAction, FaultKind, NetworkSpec, Scenario};
use touchstone_core::time::format_duration;
use touchstone_core::trace::{QuorumRule, ValidatorInfo};
use touchstone_core::{Nanos, Reason};

/// The finality rule of the simulator, as shown in reports.
pub const FINALITY: &str = "decided by every correct validator that is up and not paused (100%); \
crashed or paused validators are not waited for, and one that restarts must catch up before it \
completes what is still pending";

/// The embedded simulated network as an adapter (virtual time).
#[derive(Debug)]
pub struct SimAdapter {
    spec: NetworkSpec,
    /// The simulation, built by `prepare` from the run's seed ([`Setup::seed`]).
    sim: Option<Box<dyn SimDriver>>,
    info: SystemInfo,
}

impl SimAdapter {
    /// The simulated network of `scenario`'s `[network]`, checked now and built by `prepare`
    /// from the run's seed.
    pub fn new(scenario: &Scenario) -> Result<SimAdapter, AdapterError> {
        let spec = &scenario.network;
        registry::check(spec).map_err(unsupported)?;
        let bft = protocol_info(&spec.protocol).is_none_or(|p| p.bft);
        let mut details = BTreeMap::new();
        details.insert("link".into(), crate::net::Network::describe(spec));
        details.insert("variant".into(), spec.variant.clone().unwrap_or_else(|| "none".into()));
        if let Some((_, what)) = spec
            .variant
            .as_deref()
            .and_then(|v| protocol_info(&spec.protocol)?.variants.iter().find(|(n, _)| *n == v))
        {
            details.insert("variant_note".into(), what.to_string());
        }
        let c = &spec.consensus;
        details.insert("block_size".into(), c.block_size.to_string());
        details.insert("block_interval".into(), format_duration(c.block_interval));
        details.insert("timeout".into(), format_duration(c.timeout));
        // The trace's run.start declares both (the checker's vote rules and progress bound).
        details.insert(touchstone_core::adapter::DETAIL_FAMILY.into(), spec.protocol.clone());
        details.insert(touchstone_core::adapter::DETAIL_TIMEOUT_NS.into(), c.timeout.to_string());
        details.insert("msg_cost".into(), format_duration(c.msg_cost));
        details.insert("tx_cost".into(), format_duration(c.tx_cost));
        details.insert("clock".into(), "virtual".into());
        details.insert("finality".into(), FINALITY.into());
        details.insert("version".into(), env!("CARGO_PKG_VERSION").into());
        if !spec.byzantine.is_empty() {
            let b: Vec<String> = spec
                .byzantine
                .iter()
                .map(|b| format!("{}={}", b.node, b.behaviour.name()))
                .collect();
            details.insert("byzantine".into(), b.join(","));
        }
        let info = SystemInfo {
            adapter: "sim".into(),
            protocol: spec.protocol.clone(),
            validators: spec
                .node_ids()
                .into_iter()
                .zip(&spec.powers)
                .map(|(id, &power)| ValidatorInfo { id, power })
                .collect(),
            quorum: Some(if bft {
                QuorumRule { num: 2, den: 3 }
            } else {
                QuorumRule { num: 1, den: 2 }
            }),
            details,
        };
        Ok(SimAdapter { spec: spec.clone(), sim: None, info })
    }

    /// Counters of the simulation so far (zero before `prepare`).
    pub fn stats(&self) -> SimStats {
        self.sim.as_ref().map(|s| s.stats()).unwrap_or_default()
    }

    /// Highest decided height per node (none before `prepare`).
    pub fn heights(&self) -> Vec<u64> {
        self.sim.as_ref().map(|s| s.heights()).unwrap_or_default()
    }

    fn driver(&mut self) -> Result<&mut dyn SimDriver, AdapterError> {
        match self.sim.as_deref_mut() {
            Some(s) => Ok(s),
            None => Err(AdapterError::Other {
                adapter: "sim".into(),
                message: "the simulation is built by prepare, which was not called".into(),
            }),
        }
    }
}

fn unsupported(message: String) -> AdapterError {
    AdapterError::Unsupported { adapter: "sim".into(), message }
}

impl Adapter for SimAdapter {
    fn name(&self) -> &str {
        "sim"
    }

    fn capabilities(&self) -> Capabilities {
        use FaultKind::*;
        Capabilities {
            operations: vec![
                OpKind::Transfer,
                OpKind::Issue,
                OpKind::Redeem,
                OpKind::Batch,
                OpKind::Admin,
                OpKind::Bridge,
                OpKind::HashLock,
            ],
            faults: vec![
                Crash, Restart, Pause, Resume, Partition, Heal, Link, ClockSkew, Byzantine,
            ],
            consensus_events: true,
            state_reads: true,
            finality: FinalityRule {
                description: FINALITY.into(),
                required_share: 1.0,
                confirmation_depth: 0,
            },
            virtual_time: true,
        }
    }

    fn system_info(&self) -> SystemInfo {
        self.info.clone()
    }

    fn prepare(&mut self, setup: &Setup, sink: &mut dyn EventSink) -> Result<(), AdapterError> {
        let mut sim = registry::build(&self.spec, setup.seed).map_err(unsupported)?;
        sim.prepare(setup, sink);
        self.sim = Some(sim);
        Ok(())
    }

    fn now(&self) -> Nanos {
        self.sim.as_ref().map_or(0, |s| s.now())
    }

    fn submit(
        &mut self,
        tx: &TxRequest,
        sink: &mut dyn EventSink,
    ) -> Result<SubmitAck, AdapterError> {
        Ok(self.driver()?.submit(tx, sink))
    }

    fn advance(&mut self, until: Nanos, sink: &mut dyn EventSink) -> Result<Nanos, AdapterError> {
        Ok(self.driver()?.run_until(until, sink))
    }

    fn faults(&mut self) -> Option<&mut dyn FaultControl> {
        Some(self)
    }

    fn snapshot(&mut self, accounts: &[String]) -> Result<Vec<StateSnapshot>, AdapterError> {
        Ok(self.driver()?.snapshot(accounts))
    }

    fn shutdown(&mut self, _sink: &mut dyn EventSink) -> Result<(), AdapterError> {
        Ok(())
    }

    /// `can_transfer` of a transfer request against the committed state of the node it would
    /// enter: the admission rules in their order, with its nonce and id (so a replay of a
    /// committed payment is predicted `BAD_NONCE`, as it is then refused).
    fn precheck(&mut self, tx: &TxRequest) -> Result<Option<Result<(), Reason>>, AdapterError> {
        Ok(self.driver()?.precheck(tx))
    }
}

impl FaultControl for SimAdapter {
    fn apply(
        &mut self,
        _now: Nanos,
        action: &FaultAction,
        sink: &mut dyn EventSink,
    ) -> Result<(), FaultError> {
        match self.sim.as_deref_mut() {
            Some(sim) => sim.apply_fault(action, sink),
            None => Err(FaultError::Failed("the simulation is not prepared yet".into())),
        }
    }
}

/// Builds [`SimAdapter`]s by name (`sim`), for the CLI. The simulator takes its configuration
/// from the scenario's `[network]`; it has no adapter configuration file.
#[derive(Debug, Clone, Copy, Default)]
pub struct SimFactory;

impl AdapterFactory for SimFactory {
    fn name(&self) -> &'static str {
        "sim"
    }

    fn description(&self) -> &'static str {
        "embedded deterministic simulated network (pbft, tendermint, hotstuff, raft) in virtual time; the default"
    }

    fn build(
        &self,
        scenario: &Scenario,
        config: Option<&Path>,
    ) -> Result<Box<dyn Adapter>, AdapterError> {
        if let Some(p) = config {
            return Err(AdapterError::Config {
                adapter: "sim".into(),
                path: p.display().to_string(),
                message: "the simulator takes no adapter configuration: set it in the scenario's [network] section".into(),
            });
        }
        Ok(Box::new(SimAdapter::new(scenario)?))
    }

    fn check(&self, scenario: &Scenario) -> Result<(), AdapterError> {
        registry::check(&scenario.network).map(|_| ()).map_err(unsupported)
    }
}
