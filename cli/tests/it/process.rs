//! `touchstone run --adapter process`: a child over the adapter protocol gives the same run
//! directory as a built-in adapter, names itself in the report's disclosure, and a child that
//! breaks the protocol ends the run with exit code 3 and partial results kept.

use crate::adapter_test::{child_config, root, template_script, text, touchstone};

const SMALL: &str = r#"name = "small-process"
kind = "payment"
[network]
validators = 1
[workload]
accounts = 20
[[workload.phases]]
duration = "2s"
rate = { type = "constant", tps = 50 }
"#;

fn run_child(script: &std::path::Path, args: &[&str]) -> (std::process::Output, tempfile::TempDir) {
    let tmp = tempfile::tempdir().unwrap();
    let scenario = tmp.path().join("small.toml");
    std::fs::write(&scenario, SMALL).unwrap();
    let cfg = child_config(tmp.path(), script, args);
    let out = tmp.path().join("out");
    let o = touchstone(&[
        "run",
        scenario.to_str().unwrap(),
        "--adapter",
        "process",
        "--adapter-config",
        cfg.to_str().unwrap(),
        "--out",
        out.to_str().unwrap(),
        "--quiet",
    ]);
    (o, tmp)
}

fn json(path: &std::path::Path) -> serde_json::Value {
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

#[test]
fn a_run_through_the_python_template_checks_clean_and_discloses_the_protocol_and_the_child() {
    let (o, tmp) = run_child(&template_script(), &["--virtual"]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    let out = tmp.path().join("out");
    let record = json(&out.join("run.json"));
    assert_eq!(record["metrics"]["measured"]["committed"], 100);
    let details = &record["adapter"]["system"]["details"];
    assert_eq!(details["adapter_protocol_version"], "1", "{record}");
    assert!(details["child_version"].as_str().unwrap().starts_with("template-adapter 0.1.0"));
    let report = std::fs::read_to_string(out.join("report.json")).unwrap();
    assert!(
        report.contains("adapter_protocol_version") && report.contains("template-adapter 0.1.0")
    );
    let v = touchstone(&["verify", out.to_str().unwrap()]);
    assert_eq!(v.status.code(), Some(0), "{}", text(&v));
}

#[test]
fn a_child_that_writes_garbage_mid_run_exits_3_naming_the_line_and_keeps_the_partial_run() {
    let broken = root().join("adapters/process/tests/children/broken_adapter.py");
    let (o, tmp) = run_child(&broken, &["garbage", "--virtual"]);
    let out = text(&o);
    assert_eq!(o.status.code(), Some(3), "{out}");
    assert!(out.contains("of the child's stdout is not a JSON object"), "{out}");
    let dir = tmp.path().join("out");
    let record = json(&dir.join("run.json"));
    let trace = std::fs::read_to_string(dir.join("trace.jsonl")).unwrap();
    assert!(trace.lines().next().unwrap().contains("run.start"));
    assert!(trace.lines().last().unwrap().contains("adapter failed"), "{trace}");
    assert!(record.to_string().contains("not a JSON object"), "{record}");
}
