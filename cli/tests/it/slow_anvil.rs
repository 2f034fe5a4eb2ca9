//! The Ethereum adapter end to end through the `touchstone` binary, on real anvils (issue 11:
//! a healthy chain passes with its observed chain checked; a network that is not one is caught).
//!
//! What the trace format 1.1 promises and these tests hold the run to: every endpoint's
//! finalized chain is in the trace as `cons.decide` lines without a certificate, so `quorum` is
//! *not evaluated* (never pass, never fail), while chain, integrity, the ledger properties and,
//! with two endpoints, agreement are judged.

use serde_json::Value;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use touchstone_ethereum::anvil::AnvilProcess;
use touchstone_ethereum::config::{ManagedNode, ANVIL_DEV_KEY};

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

fn require_anvil() {
    if let Err(e) = touchstone_ethereum::anvil::find_anvil(None) {
        panic!("{e}");
    }
}

fn touchstone(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_touchstone"))
        .current_dir(root())
        .args(args)
        .output()
        .expect("binary runs")
}

fn text(o: &Output) -> String {
    format!("{}{}", String::from_utf8_lossy(&o.stdout), String::from_utf8_lossy(&o.stderr))
}

/// Runs `scenario` on the ethereum adapter with `config`; returns the exit code and run.json.
fn run(scenario: &Path, config: &Path, out: &Path) -> (Option<i32>, Value, String) {
    let o = touchstone(&[
        "run",
        scenario.to_str().unwrap(),
        "--adapter",
        "ethereum",
        "--adapter-config",
        config.to_str().unwrap(),
        "--out",
        out.to_str().unwrap(),
        "--quiet",
    ]);
    let record = std::fs::read_to_string(out.join("run.json"))
        .map(|t| serde_json::from_str(&t).expect("run.json parses"))
        .unwrap_or(Value::Null);
    (o.status.code(), record, text(&o))
}

fn verdict<'a>(record: &'a Value, property: &str) -> &'a str {
    record["check"]["properties"]
        .as_array()
        .expect("the run's check report")
        .iter()
        .find(|p| p["id"] == property)
        .and_then(|p| p["verdict"].as_str())
        .unwrap_or_else(|| panic!("no verdict for {property}"))
}

fn evaluated(record: &Value) -> Vec<String> {
    record["check"]["properties"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|p| p["verdict"] != "not_evaluated")
        .map(|p| p["id"].as_str().unwrap().to_string())
        .collect()
}

/// A shipped Ethereum scenario on the shipped managed-anvil configuration.
fn shipped_passes_on_a_healthy_anvil(name: &str) {
    require_anvil();
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join(name);
    let scenario = root().join("scenarios").join(format!("{name}.toml"));
    let config = root().join("adapters/ethereum/anvil.toml");
    let (code, record, out_text) = run(&scenario, &config, &out);
    assert_eq!(code, Some(0), "{name} on a healthy anvil must pass: {out_text}");
    let judged = evaluated(&record);
    assert!(judged.len() >= 7, "{name}: only {judged:?} evaluated");
    for p in
        ["chain", "integrity", "no_lost_tx", "no_phantom_tx", "no_double_spend", "conservation"]
    {
        assert_eq!(verdict(&record, p), "pass", "{name}: {p}");
    }
    assert_eq!(verdict(&record, "quorum"), "not_evaluated", "no certificates: never judged");
    let m = &record["metrics"]["measured"];
    assert_eq!(m["committed"], m["submitted"], "{name}: every transfer commits: {m}");
    let trace = std::fs::read_to_string(out.join("trace.jsonl")).unwrap();
    let decides: Vec<Value> = trace
        .lines()
        .filter(|l| l.contains("\"cons.decide\""))
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert!(!decides.is_empty(), "the observed chain is in the trace");
    assert!(decides.iter().all(|d| d.get("cert").is_none() && d["app_hash"].is_string()));
    let in_blocks: usize = decides.iter().map(|d| d["txs"].as_array().unwrap().len()).sum();
    let committed = trace
        .lines()
        .filter(|l| l.contains("\"tx.result\""))
        .map(|l| serde_json::from_str::<Value>(l).unwrap())
        .filter(|r| r["status"] == "committed" && r["height"].as_u64() > Some(0))
        .count();
    assert_eq!(in_blocks, committed, "each commit (warm-up included) in one decided block");
    let details = &record["adapter"]["system"]["details"];
    for k in
        ["harness_cpu_prepare_ms", "harness_cpu_measured_ms", "harness_cpu_per_committed_tx_us"]
    {
        assert!(details[k].is_string(), "{k} disclosed: {details}");
    }
}

#[test]
fn slow_anvil_ethereum_payment_passes_on_a_healthy_anvil_with_its_chain_checked() {
    shipped_passes_on_a_healthy_anvil("ethereum-payment");
}

#[test]
fn slow_anvil_ethereum_clearing_passes_on_a_healthy_anvil_with_its_chain_checked() {
    shipped_passes_on_a_healthy_anvil("ethereum-clearing");
}

/// A small payment run: 20 accounts, 20 transfers a second for 3 s.
const SMALL: &str = r#"name = "eth-small"
kind = "payment"
[workload]
accounts = 20
assets = ["ETH"]
initial_balance = 1_000_000_000_000_000
amount_min = 1
amount_max = 1000
timeout = "8s"
[[workload.phases]]
name = "load"
duration = "3s"
rate = { type = "constant", tps = 20 }
"#;

fn anvil_with_blocks() -> AnvilProcess {
    let node = ManagedNode {
        anvil: None,
        block_time: Some(std::time::Duration::from_secs(1)),
        block_gas_limit: None,
        persist_state: false,
        extra_args: Vec::new(),
    };
    AnvilProcess::start(&node, None, std::time::Duration::from_secs(20)).expect("anvil starts")
}

fn endpoints_config(dir: &Path, urls: &[String]) -> PathBuf {
    let list: Vec<String> = urls.iter().map(|u| format!("{u:?}")).collect();
    let p = dir.join("endpoints.toml");
    let body = format!("endpoints = [{}]\nfunding_key = {ANVIL_DEV_KEY:?}\n", list.join(", "));
    std::fs::write(&p, body).unwrap();
    p
}

#[test]
fn slow_anvil_two_unrelated_anvils_as_one_network_break_agreement() {
    require_anvil();
    let (a, b) = (anvil_with_blocks(), anvil_with_blocks());
    let tmp = tempfile::tempdir().unwrap();
    let scenario = tmp.path().join("small.toml");
    std::fs::write(&scenario, SMALL).unwrap();
    let config = endpoints_config(tmp.path(), &[a.url(), b.url()]);
    let (code, record, out_text) = run(&scenario, &config, &tmp.path().join("out"));
    assert_eq!(code, Some(1), "two chains are not one network: {out_text}");
    assert_eq!(verdict(&record, "agreement"), "fail", "{out_text}");
    let findings = record["check"]["findings"].as_array().unwrap();
    let f = findings.iter().find(|f| f["property"] == "agreement").expect("an agreement finding");
    assert_eq!(f["nodes"], serde_json::json!(["n0", "n1"]), "{f}");
    assert_eq!(verdict(&record, "quorum"), "not_evaluated");
}

#[test]
fn slow_anvil_two_endpoints_of_one_anvil_agree() {
    require_anvil();
    let a = anvil_with_blocks();
    let tmp = tempfile::tempdir().unwrap();
    let scenario = tmp.path().join("small.toml");
    std::fs::write(&scenario, SMALL).unwrap();
    // The same node under a second URL.
    let config = endpoints_config(tmp.path(), &[a.url(), format!("{}/", a.url())]);
    let (code, record, out_text) = run(&scenario, &config, &tmp.path().join("out"));
    assert_eq!(code, Some(0), "{out_text}");
    for p in ["agreement", "state_agreement", "chain", "integrity", "conservation", "no_lost_tx"] {
        assert_eq!(verdict(&record, p), "pass", "{p}: {out_text}");
    }
    assert_eq!(verdict(&record, "quorum"), "not_evaluated");
    let m = &record["metrics"]["measured"];
    assert_eq!(m["committed"], m["submitted"], "{m}");
    let vias: std::collections::BTreeSet<String> =
        std::fs::read_to_string(tmp.path().join("out/trace.jsonl"))
            .unwrap()
            .lines()
            .filter(|l| l.contains("\"cons.decide\""))
            .map(|l| {
                serde_json::from_str::<Value>(l).unwrap()["node"].as_str().unwrap().to_string()
            })
            .collect();
    assert_eq!(vias, ["n0".to_string(), "n1".to_string()].into(), "both endpoints observed");
}
