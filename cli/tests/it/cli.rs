use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use super::support::SMALL;

fn bin() -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_touchstone"));
    c.current_dir(root());
    c
}

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

fn run(args: &[&str]) -> Output {
    bin().args(args).output().expect("binary runs")
}

fn text(o: &Output) -> String {
    format!("{}{}", String::from_utf8_lossy(&o.stdout), String::from_utf8_lossy(&o.stderr))
}

fn write(dir: &Path, name: &str, body: &str) -> PathBuf {
    let p = dir.join(name);
    std::fs::write(&p, body).unwrap();
    p
}

#[test]
fn run_on_null_writes_a_complete_verifiable_run_directory() {
    let tmp = tempfile::tempdir().unwrap();
    let s = write(tmp.path(), "small.toml", SMALL);
    let out = tmp.path().join("out");
    let o = run(&[
        "run",
        s.to_str().unwrap(),
        "--adapter",
        "null",
        "--seed",
        "5",
        "--out",
        out.to_str().unwrap(),
        "--quiet",
    ]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    for f in ["scenario.toml", "trace.jsonl", "run.json", "manifest.json"] {
        assert!(out.join(f).is_file(), "{f} missing");
    }
    let record: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(out.join("run.json")).unwrap()).unwrap();
    assert_eq!(record["status"], "completed");
    assert_eq!(record["seed"], 5);
    assert_eq!(record["metrics"]["measured"]["committed"], 100);
    assert!(record["replay"].as_str().unwrap().contains("--seed 5"));
    assert_eq!(std::fs::read_to_string(out.join("scenario.toml")).unwrap(), SMALL);
    assert!(record["check"]["properties"].is_array(), "the run's trace is checked");

    let v = run(&["verify", out.to_str().unwrap()]);
    assert_eq!(v.status.code(), Some(0), "{}", text(&v));
    // One byte changed → named, exit 1.
    let p = out.join("trace.jsonl");
    let mut bytes = std::fs::read(&p).unwrap();
    bytes[10] ^= 0x20;
    std::fs::write(&p, bytes).unwrap();
    let v = run(&["verify", out.to_str().unwrap()]);
    assert_eq!(v.status.code(), Some(1));
    assert!(text(&v).contains("CHANGED  trace.jsonl"), "{}", text(&v));
}

#[test]
fn same_seed_gives_the_same_fingerprint() {
    let tmp = tempfile::tempdir().unwrap();
    let s = write(tmp.path(), "small.toml", &SMALL.replace("constant", "poisson"));
    let fp = |dir: &str| {
        let out = tmp.path().join(dir);
        let o = run(&[
            "run",
            s.to_str().unwrap(),
            "--adapter",
            "null",
            "--seed",
            "9",
            "--out",
            out.to_str().unwrap(),
            "--quiet",
        ]);
        assert_eq!(o.status.code(), Some(0), "{}", text(&o));
        let m: serde_json::Value =
            serde_json::from_str(&std::fs::read_to_string(out.join("manifest.json")).unwrap())
                .unwrap();
        m["fingerprint"].as_str().unwrap().to_string()
    };
    assert_eq!(fp("a"), fp("b"));
}

#[test]
fn failed_criterion_exits_1() {
    let tmp = tempfile::tempdir().unwrap();
    let s = write(
        tmp.path(),
        "s.toml",
        &SMALL.replace("latency_p99 = \"1s\"", "throughput_min = 1000"),
    );
    let o = run(&[
        "run",
        s.to_str().unwrap(),
        "--adapter",
        "null",
        "--out",
        tmp.path().join("o").to_str().unwrap(),
        "--quiet",
    ]);
    assert_eq!(o.status.code(), Some(1), "{}", text(&o));
    assert!(text(&o).contains("FAIL throughput_min"), "{}", text(&o));
}

#[test]
fn bad_input_exits_2_with_located_messages_and_writes_nothing() {
    let tmp = tempfile::tempdir().unwrap();
    let s = write(tmp.path(), "bad.toml", &SMALL.replace("accounts = 20", "acounts = 20"));
    let out = tmp.path().join("out");
    let o = run(&["run", s.to_str().unwrap(), "--adapter", "null", "--out", out.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(2));
    let t = text(&o);
    assert!(
        t.contains(
            "bad.toml:4:1: workload.acounts: unknown key `acounts` (did you mean `accounts`?)"
        ),
        "{t}"
    );
    assert!(!out.exists(), "nothing half-written");

    let o = run(&["validate", s.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(2));
    let o = run(&["run", "does-not-exist.toml"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(text(&o).contains("does-not-exist.toml"), "{}", text(&o));
    let good = write(tmp.path(), "good.toml", SMALL);
    let o = run(&["run", good.to_str().unwrap(), "--adapter", "nul"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(text(&o).contains("did you mean `null`"), "{}", text(&o));
    let o = run(&["run", good.to_str().unwrap(), "--seed", "banana"]);
    assert_eq!(o.status.code(), Some(2));
}

#[test]
fn shipped_scenarios_validate() {
    let o = run(&["validate", "scenarios/payment-latency.toml", "scenarios/clearing-burst.toml"]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
}

#[test]
fn list_adapters_and_properties() {
    let o = run(&["list", "adapters"]);
    assert_eq!(o.status.code(), Some(0));
    assert!(text(&o).contains("sim") && text(&o).contains("(default)"));
    let o = run(&["list", "properties"]);
    assert!(text(&o).contains("no_double_spend"));
}

#[test]
fn check_reads_a_trace_and_json_is_stable() {
    let tmp = tempfile::tempdir().unwrap();
    let s = write(tmp.path(), "small.toml", SMALL);
    let out = tmp.path().join("out");
    assert_eq!(
        run(&[
            "run",
            s.to_str().unwrap(),
            "--adapter",
            "null",
            "--out",
            out.to_str().unwrap(),
            "-q"
        ])
        .status
        .code(),
        Some(0)
    );
    let o = run(&["check", out.join("trace.jsonl").to_str().unwrap(), "--json"]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert!(v["properties"].as_array().unwrap().len() >= 14);
    let bad = write(
        tmp.path(),
        "bad.jsonl",
        "{\"kind\":\"run.start\",\"t_ns\":0,\"protocol\":\"pbft\",\"validators\":[]}\nnot json\n",
    );
    let o = run(&["check", bad.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(2));
    assert!(text(&o).contains('2'), "names the line: {}", text(&o));
}
