//! The shipped Simplex scenarios end to end through the binary: four real validator processes
//! on 127.0.0.1 (`slow_simplex_*`: they need `scripts/build-simplex-node.sh`), and no process
//! left behind when a run is interrupted.

use crate::support::{run_limited, signal, text, touchstone, wait_limited};
use serde_json::Value;
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::Duration;

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

/// Fails (never skips) when the validator binary is not built.
fn require_node() {
    if let Err(e) = touchstone_simplex::Config::default().node_binary() {
        panic!("{e}");
    }
}

/// `touchstone run scenarios/NAME.toml --adapter simplex`; its exit code and `run.json`.
fn run_scenario(name: &str) -> (Option<i32>, Value, String) {
    require_node();
    let out = tempfile::tempdir().unwrap();
    let dir = out.path().join("run");
    let script = format!("scenarios/{name}.toml");
    let o = run_limited(
        touchstone(
            &root(),
            &["run", &script, "--adapter", "simplex", "-q", "--out", dir.to_str().unwrap()],
        ),
        300,
    );
    let record = std::fs::read_to_string(dir.join("run.json"))
        .unwrap_or_else(|e| panic!("no run.json ({e}): {}", text(&o)));
    (o.status.code(), serde_json::from_str(&record).unwrap(), text(&o))
}

fn property<'a>(record: &'a Value, id: &str) -> &'a Value {
    let props = record["check"]["properties"].as_array().unwrap();
    props.iter().find(|p| p["id"] == id).unwrap()
}

#[test]
fn slow_simplex_payment_commits_on_four_processes_and_checks_clean_with_consensus_evaluated() {
    let (code, r, out) = run_scenario("simplex-payment");
    assert_eq!(code, Some(0), "{out}");
    assert_eq!(r["adapter"]["system"]["validators"].as_array().unwrap().len(), 4);
    for id in ["agreement", "integrity", "validity", "quorum", "equivocation"] {
        assert_eq!(property(&r, id)["verdict"], "pass", "{id}: {}", property(&r, id));
    }
    let committed = r["metrics"]["measured"]["committed"].as_u64().unwrap();
    assert!(committed > 1000, "{committed} payments committed");
}

#[test]
fn slow_simplex_byzantine_names_the_conflicter_with_evidence_and_accuses_no_correct_node() {
    let (code, r, out) = run_scenario("simplex-byzantine");
    assert_eq!(code, Some(0), "{out}");
    let eq = r["check"]["equivocations"].as_array().unwrap();
    assert!(!eq.is_empty(), "n3's conflicting votes are evidence");
    for e in eq {
        assert_eq!((e["node"].as_str(), e["byzantine"].as_bool()), (Some("n3"), Some(true)), "{e}");
        assert_eq!(e["lines"].as_array().unwrap().len(), 2);
    }
    assert!(r["check"]["findings"].as_array().unwrap().is_empty(), "{}", r["check"]["findings"]);
    assert_eq!(property(&r, "liveness")["verdict"], "pass", "finalization continues");
}

#[test]
fn slow_simplex_over_budget_run_states_what_happened_without_accusing_a_correct_node() {
    let (code, r, out) = run_scenario("simplex-byzantine-over-budget");
    assert_eq!(code, Some(0), "{out}");
    assert_eq!(r["check"]["over_budget"], true);
    for e in r["check"]["equivocations"].as_array().unwrap() {
        assert!(["n2", "n3"].contains(&e["node"].as_str().unwrap()), "{e}");
    }
    for f in r["check"]["findings"].as_array().unwrap() {
        let nodes = f["nodes"].as_array().unwrap();
        assert!(
            !nodes.iter().any(|n| n == "n0" || n == "n1") || f["property"] != "equivocation",
            "a correct validator accused: {f}"
        );
    }
    assert_eq!(property(&r, "accountability")["is_gate"], true);
}

#[test]
fn slow_simplex_crash_and_catch_up_meets_its_criteria() {
    let (code, r, out) = run_scenario("simplex-crash-catchup");
    assert_eq!(code, Some(0), "{out}");
    let details = &r["adapter"]["system"]["details"];
    assert!(
        details["catch_up"].as_str().is_some_and(|s| s.starts_with("n3 restarted")),
        "{details}"
    );
}

#[test]
fn slow_simplex_partition_heal_meets_its_criteria_through_the_fault_proxy() {
    let (code, r, out) = run_scenario("simplex-partition-heal");
    assert_eq!(code, Some(0), "{out}");
    let details = &r["adapter"]["system"]["details"];
    let faults = details["network_faults"].as_str().unwrap_or_default();
    assert!(faults.contains("partition n0,n1,n2 | n3"), "{details}");
    assert_eq!(faults.matches("heal at").count(), 2, "{details}");
    assert!(details["after_heal"].as_str().is_some_and(|s| s.contains("healed at")), "{details}");
}

/// Whether a process with this id exists and is not a zombie.
fn alive(pid: u32) -> bool {
    match std::fs::read_to_string(format!("/proc/{pid}/stat")) {
        Ok(stat) => stat.rsplit(')').next().and_then(|s| s.split_whitespace().next()) != Some("Z"),
        Err(_) => false,
    }
}

/// Process ids of `parent`'s children.
fn children(parent: u32) -> Vec<u32> {
    let mut out = Vec::new();
    for e in std::fs::read_dir("/proc").unwrap().flatten() {
        let Ok(pid) = e.file_name().to_string_lossy().parse::<u32>() else { continue };
        let Ok(stat) = std::fs::read_to_string(format!("/proc/{pid}/stat")) else { continue };
        let fields: Vec<&str> = stat.rsplit(')').next().unwrap_or("").split_whitespace().collect();
        if fields.get(1).and_then(|p| p.parse::<u32>().ok()) == Some(parent) && fields[0] != "Z" {
            out.push(pid);
        }
    }
    out
}

#[test]
fn slow_simplex_ctrl_c_stops_the_run_and_no_validator_survives_it() {
    require_node();
    let out = tempfile::tempdir().unwrap();
    let dir = out.path().join("run");
    let child = touchstone(
        &root(),
        &[
            "run",
            "scenarios/simplex-payment.toml",
            "--adapter",
            "simplex",
            "-q",
            "--out",
            dir.to_str().unwrap(),
        ],
    )
    .stdout(Stdio::piped())
    .stderr(Stdio::piped())
    .spawn()
    .unwrap();
    let pid = child.id();
    let mut nodes = Vec::new();
    for _ in 0..600 {
        nodes = children(pid);
        if nodes.len() == 4 {
            break;
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    assert_eq!(nodes.len(), 4, "the four validators never started");
    std::thread::sleep(Duration::from_secs(3)); // into the load
    signal(pid, "INT");
    let o = wait_limited(child, Duration::from_secs(60), "run after Ctrl-C");
    assert_eq!(o.status.code(), Some(3), "{}", text(&o));
    for n in nodes {
        assert!(!alive(n), "validator {n} outlived the run");
    }
    let record: Value =
        serde_json::from_str(&std::fs::read_to_string(dir.join("run.json")).unwrap()).unwrap();
    assert_eq!(record["status"], "interrupted", "{record}");
}

#[test]
fn simplex_scenarios_validate_for_the_simplex_adapter_and_the_simulator_refuses_them() {
    let scripts = [
        "scenarios/simplex-payment.toml",
        "scenarios/simplex-crash-catchup.toml",
        "scenarios/simplex-partition-heal.toml",
        "scenarios/simplex-byzantine.toml",
        "scenarios/simplex-byzantine-over-budget.toml",
    ];
    let mut args = vec!["validate", "--adapter", "simplex"];
    args.extend(scripts);
    let o = run_limited(touchstone(&root(), &args), 60);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    let o = run_limited(touchstone(&root(), &["validate", scripts[0]]), 60);
    assert_eq!(o.status.code(), Some(2), "{}", text(&o));
    assert!(text(&o).contains("--adapter simplex"), "{}", text(&o));
}

/// `touchstone monitor --adapter simplex --scenario …`: four real validators started and
/// observed with no load, their finalized heights growing in the metrics, checked clean, and
/// no process left once the monitor stops.
#[test]
fn slow_simplex_monitor_observes_an_idle_network_and_leaves_no_process() {
    use crate::monitor::{start_monitor, wait_for_height};
    require_node();
    let t = tempfile::tempdir().unwrap();
    let scenario = root().join("scenarios/simplex-payment.toml");
    let args = ["--adapter", "simplex", "--scenario", scenario.to_str().unwrap(), "--out", "mon"];
    let m = start_monitor(t.path(), &args, Stdio::null());
    wait_for_height(&m.http, "n0", 20, Duration::from_secs(120));
    signal(m.child.id(), "TERM");
    let o = wait_limited(m.child, Duration::from_secs(60), "monitor --adapter simplex");
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    let report: Value =
        serde_json::from_slice(&std::fs::read(t.path().join("mon/check.json")).unwrap()).unwrap();
    assert_eq!(report["status"], "passed", "{report}");
    for id in ["agreement", "quorum", "integrity"] {
        let p = report["properties"].as_array().unwrap().iter().find(|p| p["id"] == id).unwrap();
        assert_eq!(p["verdict"], "pass", "{id}: {p}");
    }
    let left = std::process::Command::new("pgrep").args(["-f", "touchstone-simplex-node"]).output();
    let left = left.map(|o| String::from_utf8_lossy(&o.stdout).into_owned()).unwrap_or_default();
    assert!(left.trim().is_empty(), "validators left running: {left}");
}
