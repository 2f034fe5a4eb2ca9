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

/// A DvP scenario: `pairs` pairs of a bond on `sec` against cash on `cash`, `fail_share` of
/// them with a buyer who never claims.
pub fn dvp_script(pairs: u32, fail_share: f64, extra: &str) -> String {
    format!(
        r#"
name = "xchain-dvp-test"
kind = "clearing"
[chains.sec]
protocol = "tendermint"
validators = 4
block_interval = "50ms"
[chains.cash]
protocol = "pbft"
validators = 4
block_interval = "50ms"
[bridge]
mechanism = "htlc"
poll = "100ms"
processing = "50ms"
htlc_timeout = "4s"
[bridge.workload]
type = "xchain-dvp"
securities = "sec"
cash = "cash"
count = {pairs}
rate = 10
accounts = 8
background_tps = 10
fail_share = {fail_share}
drain = "20s"
{extra}
"#
    )
}

/// A committed operation as the trace shows it: (chain, op, xfer, t_ns of its result).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Committed {
    pub chain: String,
    pub op: String,
    pub xfer: String,
    pub client: String,
    pub t_ns: u64,
}

/// Every committed bridge operation of a trace, read from its `tx.submit` and `tx.result`
/// lines (as a checker would, knowing nothing of the engine).
pub fn committed(lines: &[serde_json::Value]) -> Vec<Committed> {
    let mut submits = std::collections::BTreeMap::new();
    let mut out = Vec::new();
    for l in lines {
        let s = |k: &str| l[k].as_str().unwrap_or_default().to_string();
        match l["kind"].as_str() {
            Some("tx.submit") if l.get("xfer").is_some() => {
                submits.insert(s("tx"), (s("chain"), s("op"), s("xfer"), s("client")));
            }
            Some("tx.result") if l["status"] == "committed" => {
                if let Some((chain, op, xfer, client)) = submits.get(&s("tx")) {
                    let t_ns = l["t_ns"].as_u64().unwrap_or_default();
                    let (chain, op, xfer, client) =
                        (chain.clone(), op.clone(), xfer.clone(), client.clone());
                    out.push(Committed { chain, op, xfer, client, t_ns });
                }
            }
            _ => {}
        }
    }
    out
}

/// How many times `op` of `xfer` committed on `chain`.
pub fn times(c: &[Committed], chain: &str, op: &str, xfer: &str) -> usize {
    c.iter().filter(|x| x.chain == chain && x.op == op && x.xfer == xfer).count()
}

/// Committed mints and releases whose xfer has no committed lock or burn on any other chain.
pub fn unbacked(c: &[Committed]) -> Vec<Committed> {
    c.iter()
        .filter(|m| m.op == "mint" || m.op == "release")
        .filter(|m| {
            let needs = if m.op == "mint" { "lock" } else { "burn" };
            !c.iter().any(|l| l.op == needs && l.xfer == m.xfer && l.chain != m.chain)
        })
        .cloned()
        .collect()
}

/// Rejections of `reason` on `chain` in the trace.
pub fn rejections(lines: &[serde_json::Value], chain: &str, reason: &str) -> usize {
    lines
        .iter()
        .filter(|l| l["kind"] == "tx.result" && l["chain"] == chain && l["reason"] == reason)
        .count()
}
