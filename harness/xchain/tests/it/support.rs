//! Scenarios and trace reading shared by the tests.

use touchstone_core::Seed;
use touchstone_xchain::{XOptions, XRunResult, XScenario, XTrace};

/// A relay transfer scenario between `cash` (pbft) and `wrapped` (tendermint), with `extra`
/// appended to its `[bridge]` table text (e.g. a `[bridge.faults]`).
pub fn relay_script(count: u32, extra: &str) -> String {
    format!(
        r#"
name = "xchain-test"
kind = "payment"
[chains.cash]
protocol = "pbft"
validators = 4
block_interval = "50ms"
[chains.wrapped]
protocol = "tendermint"
validators = 4
block_interval = "50ms"
[bridge]
mechanism = "relay"
poll = "100ms"
processing = "50ms"
[bridge.workload]
type = "xchain-transfer"
count = {count}
rate = 10
accounts = 8
background_tps = 5
drain = "20s"
{extra}
"#
    )
}

pub fn scenario(text: &str) -> XScenario {
    touchstone_xchain::parse(text, "test.toml").unwrap_or_else(|e| panic!("{e}"))
}

/// Runs `s` with `seed`: the result and the trace's lines as JSON.
pub fn run(
    s: &XScenario,
    seed: u64,
    opts: XOptions,
) -> (XRunResult, Vec<serde_json::Value>, String) {
    let mut trace = XTrace::new(Vec::new());
    let r = touchstone_xchain::run(s, Seed(seed), &mut trace, opts).expect("the run");
    let (bytes, fp) = trace.finish().expect("in memory");
    let text = String::from_utf8(bytes).expect("UTF-8");
    let lines = text.lines().map(|l| serde_json::from_str(l).expect("JSON line")).collect();
    (r, lines, fp)
}
