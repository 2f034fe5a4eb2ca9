//! The multi-chain script: each chain validated as a single-chain scenario, diagnostics at the
//! lines and fields as written.

use super::*;

const GOOD: &str = r#"name = "two"
kind = "payment"
[chains.cash]
protocol = "pbft"
validators = 7
block_interval = "40ms"
[chains.cash.link]
latency = "30ms"
[[chains.cash.faults]]
id = "c"
at = "1s"
action = "crash"
nodes = ["n1"]
duration = "1s"
[chains.sec]
protocol = "tendermint"
validators = 4
[bridge]
mechanism = "htlc"
htlc_timeout = "6s"
[bridge.workload]
type = "xchain-dvp"
securities = "sec"
cash = "cash"
count = 10
rate = 5
fail_share = 0.2
"#;

fn errors(text: &str) -> Vec<Diagnostic> {
    match parse(text, "x.toml") {
        Err(ScenarioError::Invalid { diagnostics, .. }) => diagnostics,
        other => panic!("expected diagnostics, got {other:?}"),
    }
}

#[test]
fn headers_are_one_line_each() {
    let text = "name = \"x\"\n[chains.a]\nvalidators = 7\n[[chains.a.faults]]\nat = \"1s\"\n";
    let doc = toml_edit::ImDocument::parse(text).unwrap();
    let hs: Vec<&str> = locate::headers(&doc).iter().map(|h| &text[h.start..h.end]).collect();
    assert_eq!(hs, ["[chains.a]", "[[chains.a.faults]]"]);
}

#[test]
fn each_chain_is_its_own_network_with_its_own_faults() {
    let s = parse(GOOD, "x.toml").unwrap();
    assert!(is_multi_chain(GOOD) && !is_multi_chain("name = \"x\"\n[network]\n"));
    let ids: Vec<&str> = s.chains.iter().map(|c| c.id.as_str()).collect();
    assert_eq!(ids, ["cash", "sec"], "in the order written");
    let cash = &s.chain("cash").unwrap().scenario;
    assert_eq!((cash.network.validators, cash.network.protocol.as_str()), (7, "pbft"));
    assert_eq!(cash.network.consensus.block_interval, 40_000_000);
    assert_eq!(cash.faults.len(), 1);
    let sec = &s.chain("sec").unwrap().scenario;
    assert_eq!((sec.network.validators, sec.faults.len()), (4, 0));
    assert_eq!(s.bridge.mechanism, crate::spec::Mechanism::Htlc);
    assert_eq!(s.bridge.workload.count, 10);
    assert_eq!(s.name, "two");
}

#[test]
fn a_chain_mistake_names_the_line_and_the_chain_field() {
    let text = GOOD.replace("validators = 7", "validatrs = 7");
    let d = errors(&text);
    assert_eq!(d.len(), 1, "{d:?}");
    assert_eq!((d[0].line, d[0].field.as_str()), (5, "chains.cash.validatrs"));
    assert_eq!(d[0].suggestion.as_deref(), Some("validators"));
    let text = GOOD.replace("nodes = [\"n1\"]", "nodes = [\"n9\"]");
    let d = errors(&text);
    assert!(
        d.iter().any(|d| d.line == 13 && d.field.starts_with("chains.cash.faults[0]")),
        "{d:?}"
    );
}

#[test]
fn a_bridge_mistake_names_the_line_and_suggests() {
    let d = errors(&GOOD.replace("mechanism = \"htlc\"", "mechanism = \"htcl\""));
    assert!(
        d.iter().any(|d| d.line == 19
            && d.field == "bridge.mechanism"
            && d.suggestion.as_deref() == Some("htlc")),
        "{d:?}"
    );
    let d = errors(&GOOD.replace("cash = \"cash\"", "cash = \"csh\""));
    assert!(d.iter().any(|d| d.field == "bridge.workload.cash" && d.line == 24), "{d:?}");
    let d = errors(&GOOD.replace("fail_share", "fail_shar"));
    assert!(
        d.iter().any(|d| d.field == "bridge.workload.fail_shar"
            && d.suggestion.as_deref() == Some("fail_share")),
        "{d:?}"
    );
    let d = errors(&GOOD.replace("mechanism = \"htlc\"", "mechanism = \"relay\""));
    assert!(
        d.iter().any(|d| d.field == "bridge.workload.type"),
        "a DvP needs hashed time-locks: {d:?}"
    );
}

#[test]
fn single_chain_sections_are_refused_at_the_top_of_a_multi_chain_script() {
    let d = errors(&format!("{GOOD}\n[network]\nvalidators = 4\n"));
    assert!(d.iter().any(|d| d.field == "network" && d.line == 29), "{d:?}");
    let one = GOOD.replace("[chains.sec]", "[other]");
    let d = errors(&one);
    assert!(d.iter().any(|d| d.field == "chains" && d.message.contains("at least two")), "{d:?}");
}
