//! What the tests share: scenarios, a run through the engine, the checker on its trace, and
//! the trace's lines by kind.

use serde_json::Value;
use std::collections::BTreeMap;
use touchstone_check::{check_reader, CheckOptions, CheckReport, Verdict};
use touchstone_core::engine::{self, RunResult};
use touchstone_core::scenario::{RateSpec, Scenario, ScenarioBuilder, ScenarioKind};
use touchstone_core::time::NS_PER_S;
use touchstone_core::trace::MemoryTrace;
use touchstone_core::Seed;
use touchstone_simplex::{Config, SimplexAdapter};

/// Fails (never skips) when the node is not built, saying how to build it.
pub fn require_node() {
    if let Err(e) = Config::default().node_binary() {
        panic!("{e}");
    }
}

/// `validators` Simplex validators, constant payments at `tps` for `secs`.
pub fn payments(validators: usize, tps: f64, secs: u64) -> ScenarioBuilder {
    ScenarioBuilder::new("simplex-test", ScenarioKind::Payment)
        .protocol("simplex")
        .validators(validators)
        .accounts(200)
        .phase("load", secs * NS_PER_S, RateSpec::Constant { tps })
}

/// A finished run: its result and its trace.
pub struct Run {
    pub result: RunResult,
    pub lines: Vec<Value>,
    pub text: String,
}

impl Run {
    /// Lines of `kind`.
    pub fn of(&self, kind: &str) -> Vec<&Value> {
        self.lines.iter().filter(|l| l["kind"] == kind).collect()
    }

    /// The checker's report on the trace.
    pub fn check(&self) -> CheckReport {
        check_reader(self.text.as_bytes(), "trace.jsonl", &CheckOptions::default())
            .expect("the trace is well formed")
    }

    /// Heights each node decided, in trace order, with the time.
    pub fn decisions(&self) -> BTreeMap<String, Vec<(u64, u64)>> {
        let mut out: BTreeMap<String, Vec<(u64, u64)>> = BTreeMap::new();
        for l in self.of("cons.decide") {
            let node = l["node"].as_str().unwrap().to_string();
            out.entry(node).or_default().push((t(l), l["height"].as_u64().unwrap()));
        }
        out
    }

    /// `t_ns` of the first `fault.start` (or `fault.stop`, `stop = true`) of fault `id`.
    pub fn fault_time(&self, id: &str, stop: bool) -> u64 {
        let kind = if stop { "fault.stop" } else { "fault.start" };
        let l = self.of(kind).into_iter().find(|l| l["fault"] == id);
        t(l.unwrap_or_else(|| panic!("no {kind} of {id} in the trace")))
    }
}

pub fn t(l: &Value) -> u64 {
    l["t_ns"].as_u64().unwrap()
}

/// Runs `s` on Simplex validators configured by `cfg`.
pub fn run(s: &Scenario, cfg: Config) -> Run {
    require_node();
    let mut adapter = SimplexAdapter::new(s, cfg).expect("adapter");
    let mut trace = MemoryTrace::default();
    let result = engine::run(s, &mut adapter, Seed(1), &mut trace, Default::default())
        .expect("the run starts");
    let text = trace.lines.join("\n") + "\n";
    Run { result, lines: trace.values(), text }
}

/// Asserts the consensus properties the issue names were judged and passed.
pub fn consensus_evaluated_and_clean(r: &CheckReport) {
    for id in ["agreement", "integrity", "validity", "quorum", "equivocation"] {
        let p = r.properties.iter().find(|p| p.id == id).unwrap();
        assert_eq!(p.verdict, Verdict::Pass, "{id}: {:?}\n{}", p.reason, r.render_text());
    }
}
