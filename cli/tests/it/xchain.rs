//! Multi-chain scenarios through the binary: `validate` and `run` take them, the run directory
//! holds one chain-tagged trace and the cross-chain section of run.json.

use crate::support::*;
use std::path::Path;

fn root() -> std::path::PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

#[test]
fn a_multi_chain_scenario_validates_and_runs_into_an_ordinary_run_directory() {
    let script = root().join("scenarios/xchain/xchain-relay-forge.toml");
    let o = ts(&root(), &["validate", script.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    assert!(text(&o).contains("chains cash (4 validators pbft"), "{}", text(&o));

    let out = tempfile::tempdir().unwrap();
    let dir = out.path().join("run");
    let o =
        ts(&root(), &["run", script.to_str().unwrap(), "--quiet", "--out", dir.to_str().unwrap()]);
    // The forged mints are refused by the destination: nothing unbacked, the trace checks clean.
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    for f in ["scenario.toml", "trace.jsonl", "run.json", "manifest.json"] {
        assert!(dir.join(f).is_file(), "{f}");
    }
    let run: serde_json::Value =
        serde_json::from_slice(&std::fs::read(dir.join("run.json")).unwrap()).unwrap();
    let x = &run["xchain"];
    assert_eq!(x["mechanism"], "relay");
    assert_eq!(x["states"]["settled"], 400);
    assert_eq!(x["rejections"]["wrapped"]["BAD_PROOF"], 200);
    assert!(x["unbacked"].as_array().is_some_and(|u| u.is_empty()));
    let props = run["check"]["properties"].as_array().unwrap();
    for id in ["xchain_conservation", "xchain_no_double_mint", "agreement"] {
        let p = props.iter().find(|p| p["id"] == id).unwrap();
        assert_eq!(p["verdict"], "pass", "{p}");
    }
    let failed = run["verdict"]["failed"].as_array().unwrap();
    assert!(failed.iter().all(|f| !f.as_str().unwrap().starts_with("xchain")), "{failed:?}");
    let trace = std::fs::read_to_string(dir.join("trace.jsonl")).unwrap();
    let first: serde_json::Value = serde_json::from_str(trace.lines().next().unwrap()).unwrap();
    assert_eq!(first["chains"][1]["id"], "wrapped");
    assert_eq!(run["trace"]["lines"].as_u64(), Some(trace.lines().count() as u64));

    let bad = write(
        out.path(),
        "bad.toml",
        &std::fs::read_to_string(&script).unwrap().replace(
            "validators = 4\nblock_interval = \"50ms\"\n[chains.wrapped.link]",
            "validatrs = 4\nblock_interval = \"50ms\"\n[chains.wrapped.link]",
        ),
    );
    let o = ts(&root(), &["run", bad.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(2), "{}", text(&o));
    assert!(text(&o).contains("chains.wrapped.validatrs"), "{}", text(&o));
    let o = ts(&root(), &["run", script.to_str().unwrap(), "--adapter", "null"]);
    assert_eq!(o.status.code(), Some(2), "{}", text(&o));
}

#[test]
fn a_dvp_run_reports_every_pair_and_scores_settlement_time_from_its_trace() {
    let script = root().join("scenarios/xchain/xchain-dvp.toml");
    let out = tempfile::tempdir().unwrap();
    let dir = out.path().join("run");
    let o =
        ts(&root(), &["run", script.to_str().unwrap(), "--quiet", "--out", dir.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    let html = std::fs::read_to_string(dir.join("report.html")).unwrap();
    assert!(html.contains("Every DvP pair (100 shown)"), "the pairs table");
    assert!(html.contains("<th>DvP pairs refunded</th><td class=\"num\">20</td>"), "the states");
    let report: serde_json::Value =
        serde_json::from_slice(&std::fs::read(dir.join("report.json")).unwrap()).unwrap();
    let b51 = report["areas"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|a| a["groups"].as_array().unwrap())
        .flat_map(|g| g["indicators"].as_array().unwrap())
        .find(|i| i["id"] == "B5.1")
        .unwrap()
        .clone();
    assert!(b51["score"].as_f64().is_some(), "B5.1 scored from the pairs: {b51}");
    assert_eq!(report["xchain"][0]["pair_rows"].as_array().unwrap().len(), 100);
}
