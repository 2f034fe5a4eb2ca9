//! `touchstone adapter-test --adapter NAME [--adapter-config FILE]`: the adapter conformance kit
//! (`touchstone-conformance`) against any adapter, built in or a child process, printed as a
//! table of clauses. Exit 0 when no clause fails (not applicable is not a failure), 1 when one
//! does, 2 for bad input, 3 when the adapter cannot be built at all.

use crate::exit::{CmdResult, Failure, FINDINGS, HARNESS, PASS};
use clap::Args;
use std::path::PathBuf;
use touchstone_conformance::{run_conformance, ConformanceOptions};
use touchstone_core::adapter::{Adapter, AdapterError};
use touchstone_core::scenario::{RateSpec, Scenario, ScenarioBuilder, ScenarioKind};
use touchstone_core::time::{parse_duration, NS_PER_S};
use touchstone_core::Seed;

#[derive(Debug, Args)]
pub struct AdapterTestArgs {
    /// The adapter to test (`touchstone list adapters`).
    #[arg(long)]
    pub adapter: String,
    /// The adapter's configuration file (required by `process`: it names the child).
    #[arg(long)]
    pub adapter_config: Option<PathBuf>,
    /// A scenario whose `[network]` section the adapter is built for (default: 4 PBFT
    /// validators).
    #[arg(long)]
    pub scenario: Option<PathBuf>,
    /// The asset every account holds (an Ethereum node wants its native coin: ETH).
    #[arg(long, default_value = "USD")]
    pub asset: String,
    /// What every account starts with.
    #[arg(long, default_value_t = 1_000_000)]
    pub initial_balance: u128,
    /// Given to the adapter (Setup::seed) and to the kit's engine runs.
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
    /// How long a held (paused, crashed, partitioned) chain is watched, e.g. "2s".
    #[arg(long)]
    pub hold: Option<String>,
    /// How long the kit waits for outcomes before calling a transaction lost, e.g. "30s".
    #[arg(long)]
    pub settle: Option<String>,
    /// Print the report as JSON instead of a table.
    #[arg(long)]
    pub json: bool,
}

/// The scenario an adapter is built for when none is given: four PBFT validators, payments.
fn default_scenario() -> Scenario {
    ScenarioBuilder::new("adapter-test", ScenarioKind::Payment)
        .protocol("pbft")
        .validators(4)
        .accounts(100)
        .phase("load", NS_PER_S, RateSpec::Constant { tps: 1.0 })
        .build()
}

fn options(a: &AdapterTestArgs) -> Result<ConformanceOptions, Failure> {
    let mut opts = ConformanceOptions {
        seed: Seed(a.seed),
        asset: a.asset.clone(),
        initial_balance: a.initial_balance,
        ..ConformanceOptions::default()
    };
    let dur = |flag: &str, v: &str| {
        parse_duration(v).map_err(|e| Failure::bad_input(format!("--{flag}: {e}")))
    };
    if let Some(h) = &a.hold {
        opts.hold = dur("hold", h)?;
    }
    if let Some(s) = &a.settle {
        opts.settle = dur("settle", s)?;
    }
    Ok(opts)
}

pub fn exec(a: AdapterTestArgs) -> CmdResult {
    let factory = crate::adapters::find(&a.adapter)?;
    if let Some(c) = &a.adapter_config {
        if !c.is_file() {
            return Err(Failure::bad_input(format!(
                "{}: adapter configuration file not found",
                c.display()
            )));
        }
    }
    let scenario = match &a.scenario {
        Some(p) => crate::pipeline::load_scenario(p)?.0,
        None => default_scenario(),
    };
    let opts = options(&a)?;
    let config = a.adapter_config.clone();
    let build = || -> Result<Box<dyn Adapter>, AdapterError> {
        factory.build(&scenario, config.as_deref())
    };
    eprintln!(
        "touchstone: conformance kit against adapter {} (one fresh adapter per clause)",
        a.adapter
    );
    let report = run_conformance(&build, &opts);
    if a.json {
        let text = serde_json::to_string_pretty(&report)
            .map_err(|e| Failure::harness(format!("cannot encode the report: {e}")))?;
        outln!("{text}");
    } else {
        out!("{report}");
    }
    if report.adapter == "?" {
        // Not one clause could start: the adapter itself could not be built.
        return Ok(HARNESS);
    }
    if report.passed() {
        outln!("conformant: no clause failed");
        Ok(PASS)
    } else {
        outln!("NOT CONFORMANT: {} failed", report.failed().join(", "));
        Ok(FINDINGS)
    }
}
