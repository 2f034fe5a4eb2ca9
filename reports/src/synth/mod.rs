//! Synthetic runs for tests, examples and benchmarks: a deterministic `run.json` + `trace.jsonl`
//! of a BFT chain (blocks every interval, decided by every validator), with an optional crash
//! and restart, a Byzantine node, rejections and a fork. Not part of the stable API.
//!
//! [`write_run_dir`] builds the scenario, writes the trace (`trace`), checks it, and writes the
//! run record that goes with it (`record`).

mod record;
mod shape;
mod trace;

pub use shape::Synth;

use std::path::Path;
use touchstone_core::record::RunRecord;
use touchstone_core::scenario::{
    Criteria, FaultAction, RateSpec, Scenario, ScenarioBuilder, ScenarioKind,
};
use touchstone_core::time::NS_PER_S;
use touchstone_core::trace::ValidatorInfo;

/// Writes `run.json` and `trace.jsonl` (checked by touchstone-check) into `dir`.
pub fn write_run_dir(dir: &Path, s: &Synth) -> std::io::Result<RunRecord> {
    std::fs::create_dir_all(dir)?;
    let nodes: Vec<String> = (0..s.validators).map(|i| format!("n{i}")).collect();
    let vals: Vec<ValidatorInfo> =
        nodes.iter().map(|n| ValidatorInfo { id: n.clone(), power: 1 }).collect();
    let sc = scenario(s, &nodes);
    let timeline = trace::write(&dir.join("trace.jsonl"), s, &nodes, &vals)?;
    let rec = record::build(dir, s, &sc, &nodes, vals, timeline)?;
    let mut bytes = serde_json::to_vec_pretty(&rec).map_err(std::io::Error::other)?;
    bytes.push(b'\n');
    std::fs::write(dir.join("run.json"), bytes)?;
    Ok(rec)
}

/// The scenario the synthetic run claims to have run.
fn scenario(s: &Synth, nodes: &[String]) -> Scenario {
    let mut b = ScenarioBuilder::new(&s.name, ScenarioKind::Payment)
        .description("Synthetic BFT payments (touchstone-reports synth)")
        .validators(s.validators)
        .protocol("tendermint")
        .accounts(100)
        .phase("steady", s.load_ns(), RateSpec::Constant { tps: s.tps as f64 })
        .criteria(Criteria {
            latency_p99: Some(NS_PER_S),
            success_rate_min: Some(0.95),
            ..Default::default()
        });
    if let Some((n, at, d)) = s.crash {
        b = b.fault(
            at * NS_PER_S,
            Some(d * NS_PER_S),
            FaultAction::Crash { nodes: vec![nodes[n].clone()] },
        );
    }
    let mut sc = b.build();
    sc.network.consensus.block_interval = s.block_interval_ns;
    sc
}
