//! Helpers: scenarios, runs, and reading decisions back from a trace.

use std::collections::BTreeMap;
use touchstone_core::engine::{self, RunResult};
use touchstone_core::scenario::{FaultAction, RateSpec, Scenario, ScenarioBuilder, ScenarioKind};
use touchstone_core::trace::TraceWriter;
use touchstone_core::{Nanos, Seed};
use touchstone_sim::SimAdapter;

pub const MS: Nanos = 1_000_000;
pub const S: Nanos = 1_000_000_000;

/// A payment scenario on `protocol` with `n` validators, `tps` for `secs` seconds.
pub fn payment(protocol: &str, n: usize, tps: f64, secs: u64) -> ScenarioBuilder {
    ScenarioBuilder::new(&format!("{protocol}-n{n}"), ScenarioKind::Payment)
        .protocol(protocol)
        .validators(n)
        .accounts(100)
        .phase("load", secs * S, RateSpec::Constant { tps })
}

/// What a run left behind.
#[derive(Debug)]
pub struct Run {
    pub result: RunResult,
    pub lines: Vec<serde_json::Value>,
    pub bytes: Vec<u8>,
    pub fingerprint: String,
}

impl Run {
    /// `node → height → block` of every `cons.decide`.
    pub fn decisions(&self) -> BTreeMap<String, BTreeMap<u64, String>> {
        let mut out: BTreeMap<String, BTreeMap<u64, String>> = BTreeMap::new();
        for l in self.lines.iter().filter(|l| l["kind"] == "cons.decide") {
            let node = l["node"].as_str().unwrap().to_string();
            let h = l["height"].as_u64().unwrap();
            let b = l["block"].as_str().unwrap().to_string();
            let prev = out.entry(node.clone()).or_default().insert(h, b.clone());
            assert!(
                prev.is_none() || prev.as_deref() == Some(&b),
                "{node} decided height {h} twice differently"
            );
        }
        out
    }

    /// Nodes marked Byzantine in the trace.
    pub fn byzantine(&self) -> Vec<String> {
        self.lines
            .iter()
            .filter(|l| l["kind"] == "node.role" && l["role"] == "byzantine")
            .map(|l| l["node"].as_str().unwrap().to_string())
            .collect()
    }

    /// The first height at which two correct nodes decided different blocks.
    pub fn disagreement(&self) -> Option<(u64, String, String)> {
        let byz = self.byzantine();
        let mut first: BTreeMap<u64, (String, String)> = BTreeMap::new();
        for (node, hs) in self.decisions() {
            if byz.contains(&node) {
                continue;
            }
            for (h, b) in hs {
                match first.get(&h) {
                    Some((n2, b2)) if *b2 != b => return Some((h, n2.clone(), node.clone())),
                    Some(_) => {}
                    None => {
                        first.insert(h, (node.clone(), b));
                    }
                }
            }
        }
        None
    }

    /// Highest height decided by `node`.
    pub fn height(&self, node: &str) -> u64 {
        self.decisions().get(node).and_then(|m| m.keys().next_back().copied()).unwrap_or(0)
    }

    pub fn count(&self, kind: &str) -> usize {
        self.lines.iter().filter(|l| l["kind"] == kind).count()
    }
}

/// Runs `s` with `seed` on the simulator, the trace in memory.
pub fn run(s: &Scenario, seed: u64) -> Run {
    let mut adapter = SimAdapter::new(s).expect("simulator builds");
    let mut w = TraceWriter::new(Vec::new());
    let result =
        engine::run(s, &mut adapter, Seed(seed), &mut w, Default::default()).expect("run starts");
    let (bytes, fingerprint) = w.finish().expect("in-memory trace");
    let lines = String::from_utf8(bytes.clone())
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    Run { result, lines, bytes, fingerprint }
}

pub fn nodes(names: &[&str]) -> Vec<String> {
    names.iter().map(|s| s.to_string()).collect()
}

pub fn crash(names: &[&str]) -> FaultAction {
    FaultAction::Crash { nodes: nodes(names) }
}

/// Replay hint printed on failure.
pub fn replay(s: &Scenario, seed: u64) -> String {
    format!("replay: scenario {:?} seed {seed} (touchstone run SCENARIO --seed {seed})", s.name)
}
