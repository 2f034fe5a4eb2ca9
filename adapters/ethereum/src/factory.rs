//! [`EthereumFactory`]: builds the adapter for a scenario from `--adapter-config FILE`.

use crate::adapter::EthereumAdapter;
use crate::config::Config;
use crate::names::NAME;
use std::path::Path;
use touchstone_core::adapter::{Adapter, AdapterError, AdapterFactory};
use touchstone_core::scenario::{RateSpec, WorkloadSpec};
use touchstone_core::time::NS_PER_S;
use touchstone_core::Scenario;

/// Builds `ethereum` adapters. Without a configuration file it starts a managed anvil with the
/// defaults ([`Config::managed_default`]).
#[derive(Debug, Clone, Copy, Default)]
pub struct EthereumFactory;

impl AdapterFactory for EthereumFactory {
    fn name(&self) -> &'static str {
        NAME
    }

    fn description(&self) -> &'static str {
        "Ethereum JSON-RPC (geth, Besu, anvil…): local signing, raw transactions, commits from receipts; can own a local anvil"
    }

    fn build(
        &self,
        scenario: &Scenario,
        config: Option<&Path>,
    ) -> Result<Box<dyn Adapter>, AdapterError> {
        let cfg = match config {
            Some(p) => Config::load(p).map_err(|e| AdapterError::Config {
                adapter: NAME.into(),
                path: e.file.clone(),
                message: format!("{}: {}", e.field, e.message),
            })?,
            None => Config::managed_default(),
        };
        let w = &scenario.workload;
        let adapter = EthereumAdapter::connect(cfg, expected_txs(w), w.skew > 0.0)?
            .with_workload(w, scenario.network.validators);
        Ok(Box::new(adapter))
    }
}

/// The transactions a workload schedules (closed loop: assumes 10 ms per transaction), for
/// sizing each account's gas reserve.
pub fn expected_txs(w: &WorkloadSpec) -> u64 {
    let secs = |d: u64| d as f64 / NS_PER_S as f64;
    let n: f64 = w
        .phases
        .iter()
        .map(|p| match p.rate {
            RateSpec::Constant { tps } | RateSpec::Poisson { tps } => tps * secs(p.duration) * 1.2,
            RateSpec::Ramp { from, to } => (from + to) / 2.0 * secs(p.duration) * 1.2,
            RateSpec::Burst { count, .. } => count as f64,
            RateSpec::Closed { concurrency } => concurrency as f64 * secs(p.duration) * 100.0,
        })
        .sum();
    n.ceil() as u64
}

#[cfg(test)]
mod tests {
    use super::*;
    use touchstone_core::scenario::{ScenarioBuilder, ScenarioKind};

    #[test]
    fn expected_load_counts_every_phase() {
        let s = ScenarioBuilder::new("e", ScenarioKind::Payment)
            .phase("a", 10 * NS_PER_S, RateSpec::Constant { tps: 100.0 })
            .phase("b", NS_PER_S, RateSpec::Burst { count: 50, at: 0, within: 0 })
            .build();
        assert_eq!(expected_txs(&s.workload), 1250);
    }

    #[test]
    fn a_bad_config_file_is_a_config_error_naming_it() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("bad.toml");
        std::fs::write(&p, "managed = true\nconfirmations = \"two\"\n").unwrap();
        let s = ScenarioBuilder::new("e", ScenarioKind::Payment)
            .phase("a", NS_PER_S, RateSpec::Constant { tps: 1.0 })
            .build();
        let Err(e) = EthereumFactory.build(&s, Some(&p)) else { panic!("must fail") };
        assert!(matches!(e, AdapterError::Config { .. }), "{e}");
        let msg = e.to_string();
        assert!(msg.contains("bad.toml") && msg.contains("confirmations"), "{msg}");
    }
}
