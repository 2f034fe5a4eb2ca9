//! Children to start, and a factory for the conformance kit.

use std::path::PathBuf;
use std::time::Duration;
use touchstone_core::adapter::{Adapter, AdapterError};
use touchstone_core::scenario::{RateSpec, Scenario, ScenarioBuilder, ScenarioKind};
use touchstone_core::time::NS_PER_S;
use touchstone_process::{ProcessAdapter, ProcessConfig};

pub fn examples() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../examples/process-adapter")
}

pub fn children() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/children")
}

/// Short timeouts: a hung child costs the tests seconds, not minutes.
fn quick(mut cfg: ProcessConfig) -> ProcessConfig {
    cfg.timeouts.call = Duration::from_secs(2);
    cfg.timeouts.hello = Duration::from_secs(10);
    cfg.timeouts.shutdown = Duration::from_secs(2);
    cfg
}

/// The shipped template adapter (`--virtual`: on a virtual clock).
pub fn template(virtual_clock: bool) -> ProcessConfig {
    let args: &[&str] = if virtual_clock {
        &["template_adapter.py", "--virtual"]
    } else {
        &["template_adapter.py"]
    };
    quick(ProcessConfig::new("python3", args, &examples()))
}

/// The minimal null child, with extra arguments.
pub fn null_child(extra: &[&str]) -> ProcessConfig {
    let mut args = vec!["null_adapter.py"];
    args.extend_from_slice(extra);
    quick(ProcessConfig::new("python3", &args, &examples()))
}

/// The template with one flaw, on a virtual clock.
pub fn broken(flaw: &str) -> ProcessConfig {
    quick(ProcessConfig::new("python3", &["broken_adapter.py", flaw, "--virtual"], &children()))
}

/// A payment scenario: `tps` for `secs` seconds.
pub fn payment(tps: f64, secs: u64) -> Scenario {
    ScenarioBuilder::new("process-test", ScenarioKind::Payment)
        .validators(1)
        .accounts(50)
        .phase("load", secs * NS_PER_S, RateSpec::Constant { tps })
        .build()
}

/// Builds a fresh child for each clause of the kit.
pub fn factory(cfg: ProcessConfig) -> impl Fn() -> Result<Box<dyn Adapter>, AdapterError> {
    let scenario = payment(10.0, 1);
    move || Ok(Box::new(ProcessAdapter::start(cfg.clone(), &scenario)?) as Box<dyn Adapter>)
}
