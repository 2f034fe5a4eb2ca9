//! Test helper: runs a scenario file on the simulator through the engine and looks for a
//! disagreement between correct nodes in the trace (what the `agreement` checker reports).

use std::collections::{BTreeMap, BTreeSet};
use touchstone_core::{engine, scenario, trace::MemoryTrace, Seed};

/// `(height, node_a, block_a, node_b, block_b)` of the first disagreement, and the number of
/// `cons.decide` events of correct nodes.
pub type Disagreement = (u64, String, String, String, String);

/// The shipped scenario `name` of a broken variant loses agreement under seed 1, and the correct
/// protocol, run the same way, does not.
pub fn assert_broken_variant_loses_agreement(name: &str) {
    let (found, decides) = run_scenario(name, 1);
    assert!(decides > 0);
    assert!(found.is_some(), "no disagreement under the shipped seed");
    let (found, decides) = run_scenario_variant(name, 1, Some(None));
    assert!(decides > 0);
    assert!(found.is_none(), "the correct protocol lost agreement: {found:?}");
}

/// Runs `scenarios/<name>` (relative to the workspace root) with `seed`.
pub fn run_scenario(name: &str, seed: u64) -> (Option<Disagreement>, usize) {
    run_scenario_variant(name, seed, None)
}

/// Like [`run_scenario`], with the protocol variant replaced (`Some(None)`: the correct protocol).
pub fn run_scenario_variant(
    name: &str,
    seed: u64,
    variant: Option<Option<&str>>,
) -> (Option<Disagreement>, usize) {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../scenarios").join(name);
    let (mut s, _) = scenario::load(&path).expect("scenario parses");
    if let Some(v) = variant {
        s.network.variant = v.map(String::from);
    }
    let mut adapter = crate::SimAdapter::new(&s).expect("adapter");
    let mut trace = MemoryTrace::default();
    engine::run(&s, &mut adapter, Seed(seed), &mut trace, Default::default()).expect("run");
    disagreement(&trace.lines)
}

/// The first disagreement between correct nodes in trace lines.
pub fn disagreement(lines: &[String]) -> (Option<Disagreement>, usize) {
    let mut byzantine = BTreeSet::new();
    let mut decided: BTreeMap<u64, (String, String)> = BTreeMap::new();
    let mut found = None;
    let mut decides = 0;
    let events: Vec<serde_json::Value> =
        lines.iter().filter_map(|l| serde_json::from_str(l).ok()).collect();
    for e in &events {
        if e["kind"] == "node.role" && e["role"] == "byzantine" {
            byzantine.insert(e["node"].as_str().unwrap_or_default().to_string());
        }
    }
    for e in &events {
        if e["kind"] != "cons.decide" {
            continue;
        }
        let node = e["node"].as_str().unwrap_or_default().to_string();
        if byzantine.contains(&node) {
            continue;
        }
        decides += 1;
        let h = e["height"].as_u64().unwrap_or(0);
        let b = e["block"].as_str().unwrap_or_default().to_string();
        match decided.get(&h) {
            Some((n, b0)) if *b0 != b && found.is_none() => {
                found = Some((h, n.clone(), b0.clone(), node, b))
            }
            Some(_) => {}
            None => {
                decided.insert(h, (node, b));
            }
        }
    }
    (found, decides)
}
