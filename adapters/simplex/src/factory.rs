//! [`SimplexFactory`] (`--adapter simplex`): what a scenario must say to run on Simplex
//! validators, checked before anything starts (also by `touchstone validate`), and the adapter
//! built from it.

use crate::adapter::{SimplexAdapter, NAME};
use crate::cluster::NodeParams;
use crate::config::{Config, ConfigError};
use crate::modes::byzantine_nodes;
use std::path::Path;
use std::process::Command;
use touchstone_core::adapter::{Adapter, AdapterError, AdapterFactory};
use touchstone_core::scenario::{LinkSpec, NetworkSpec, Scenario};
use touchstone_core::time::NS_PER_MS;

/// Most validators one run starts (each is a process with two runtime threads).
pub const MAX_VALIDATORS: usize = 32;

/// The factory of the `simplex` adapter.
#[derive(Debug, Clone, Copy, Default)]
pub struct SimplexFactory;

impl AdapterFactory for SimplexFactory {
    fn name(&self) -> &'static str {
        NAME
    }

    fn description(&self) -> &'static str {
        "commonware Simplex validators as real processes on loopback (scripts/build-simplex-node.sh builds them)"
    }

    fn build(
        &self,
        scenario: &Scenario,
        config: Option<&Path>,
    ) -> Result<Box<dyn Adapter>, AdapterError> {
        let cfg = match config {
            Some(p) => Config::load(p).map_err(config_error)?,
            None => Config::default(),
        };
        Ok(Box::new(SimplexAdapter::new(scenario, cfg)?))
    }

    fn check(&self, scenario: &Scenario) -> Result<(), AdapterError> {
        check(&scenario.network, &Config::default()).map_err(unsupported)
    }
}

fn config_error(e: ConfigError) -> AdapterError {
    AdapterError::Config {
        adapter: NAME.into(),
        path: e.file.clone(),
        message: format!("{}: {}", e.field, e.message),
    }
}

fn unsupported(message: String) -> AdapterError {
    AdapterError::Unsupported { adapter: NAME.into(), message }
}

impl SimplexAdapter {
    /// The validators of `scenario`'s `[network]`, configured by `cfg`: checked now, started by
    /// `prepare`. Fails when the scenario asks for something Simplex validators cannot do, or
    /// the validator binary is not built.
    pub fn new(scenario: &Scenario, cfg: Config) -> Result<SimplexAdapter, AdapterError> {
        let net = &scenario.network;
        check(net, &cfg).map_err(unsupported)?;
        let modes = byzantine_nodes(net, &cfg.byzantine).map_err(unsupported)?;
        let binary = cfg
            .node_binary()
            .map_err(|message| AdapterError::Other { adapter: NAME.into(), message })?;
        let params = NodeParams {
            leader_timeout_ms: (cfg.leader_timeout.unwrap_or(net.consensus.timeout) / NS_PER_MS)
                .max(1),
            max_block_txs: cfg.max_block_txs.unwrap_or(net.consensus.block_size),
            tx_ttl_heights: cfg.tx_ttl_heights,
            log: cfg.log.clone(),
        };
        let link = describe_link(&net.link, &cfg);
        Ok(SimplexAdapter::assemble(cfg, binary, net.node_ids(), modes, params, link, net.clone()))
    }
}

/// Everything in `[network]` that Simplex validators can or cannot do.
pub fn check(net: &NetworkSpec, cfg: &Config) -> Result<(), String> {
    if net.protocol != "simplex" {
        return Err(format!(
            "[network] protocol = {:?}: this adapter runs commonware Simplex validators; the \
             scenario must say protocol = \"simplex\"",
            net.protocol
        ));
    }
    if let Some(v) = &net.variant {
        return Err(format!("[network] variant = {v:?}: Simplex has no broken variants here"));
    }
    if net.validators == 0 || net.validators > MAX_VALIDATORS {
        return Err(format!(
            "[network] validators = {}: this adapter starts 1 to {MAX_VALIDATORS} processes",
            net.validators
        ));
    }
    if net.powers.iter().any(|&p| p != 1) {
        return Err("[network] powers: Simplex validators here have equal power (1 each)".into());
    }
    if net.trace_messages {
        return Err(
            "[network] trace_messages: the validators export consensus events, not every message"
                .into(),
        );
    }
    let lossy = |l: &LinkSpec| l.loss > 0.0 || l.duplicate > 0.0 || l.reorder > 0.0;
    if lossy(&net.link) || net.links.iter().any(|o| lossy(&o.link)) {
        return Err("[network.link] loss, duplicate and reorder: the validators talk over TCP, \
                    which neither loses, duplicates nor reorders bytes; a link can be delayed, \
                    throttled or cut instead"
            .into());
    }
    byzantine_nodes(net, &cfg.byzantine).map(|_| ())
}

/// How the scenario's link model is applied.
fn describe_link(link: &LinkSpec, cfg: &Config) -> String {
    let ms = |ns: u64| ns as f64 / NS_PER_MS as f64;
    if !cfg.proxy {
        return format!(
            "direct loopback TCP between the validators (proxy = false): the scenario's link \
             model ({} {} ms) is NOT applied, and partitions and link faults are not offered",
            link.latency.name(),
            ms(link.latency.mean())
        );
    }
    let bw = match link.bandwidth_mbps {
        Some(m) => format!("{m} Mbit/s"),
        None => "unlimited".into(),
    };
    format!(
        "loopback TCP through touchstone-netproxy, one listener per directed link: every chunk \
         delayed {} ms (the mean of the scenario's {} latency; its spread is not applied) plus \
         uniform jitter up to {} ms, bandwidth {bw}; partitions cut connections until heal",
        ms(link.latency.mean()),
        link.latency.name(),
        ms(link.jitter)
    )
}

/// `touchstone-simplex-node --version`, or why it could not be read.
pub(crate) fn version_of(binary: &Path) -> String {
    match Command::new(binary).arg("--version").output() {
        Ok(o) if o.status.success() => String::from_utf8_lossy(&o.stdout).trim().to_string(),
        Ok(o) => format!("--version exited with {}", o.status),
        Err(e) => format!("--version failed: {e}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use touchstone_core::scenario::{
        Behaviour, ByzantineSpec, RateSpec, ScenarioBuilder, ScenarioKind,
    };

    fn net(protocol: &str) -> NetworkSpec {
        ScenarioBuilder::new("t", ScenarioKind::Payment)
            .protocol(protocol)
            .validators(4)
            .phase("p", 1_000_000_000, RateSpec::Constant { tps: 1.0 })
            .build()
            .network
    }

    #[test]
    fn a_simplex_network_passes_and_what_it_cannot_do_is_refused_by_name() {
        let cfg = Config::default();
        assert_eq!(check(&net("simplex"), &cfg), Ok(()));
        assert!(check(&net("pbft"), &cfg).unwrap_err().contains("protocol = \"simplex\""));
        let mut lossy = net("simplex");
        lossy.link.loss = 0.1;
        assert!(check(&lossy, &cfg).unwrap_err().contains("TCP"));
        let mut amnesia = net("simplex");
        amnesia.byzantine =
            vec![ByzantineSpec { node: "n1".into(), behaviour: Behaviour::Amnesia }];
        assert!(check(&amnesia, &cfg).unwrap_err().contains("amnesia"));
        let mut weighted = net("simplex");
        weighted.powers = vec![1, 1, 1, 3];
        assert!(check(&weighted, &cfg).unwrap_err().contains("powers"));
    }
}
