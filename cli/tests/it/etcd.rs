//! A real Raft system through the adapter protocol: a three-member etcd 3.4 cluster started by
//! the project's script (scripts/etcd-cluster.py, peer links through `touchstone netproxy`),
//! driven by the etcd adapter (Python, a child process), faulted, and checked from each
//! member's observed history. Each test owns its cluster and stops it, also when it fails.

use crate::adapter_test::{root, text};
use serde_json::Value;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// A cluster in a temporary directory, stopped (and removed) when dropped.
struct Cluster {
    dir: tempfile::TempDir,
}

impl Cluster {
    fn start() -> Cluster {
        let installed =
            Command::new("etcd").arg("--version").output().is_ok_and(|o| o.status.success());
        assert!(
            installed,
            "etcd is not installed: run scripts/install-etcd.sh (Debian's etcd-server 3.4)"
        );
        let dir = tempfile::tempdir().unwrap();
        let o = script(dir.path(), "start");
        assert!(o.status.success(), "the cluster did not start: {}", text(&o));
        Cluster { dir }
    }

    fn file(&self) -> PathBuf {
        self.dir.path().join("cluster.json")
    }

    /// `touchstone ARGS…` with this cluster named to the adapter.
    fn touchstone(&self, args: &[&str]) -> Output {
        Command::new(env!("CARGO_BIN_EXE_touchstone"))
            .current_dir(root())
            .env("TOUCHSTONE_ETCD_CLUSTER", self.file())
            .args(args)
            .output()
            .expect("binary runs")
    }

    /// Runs `scenarios/<name>.toml` on the etcd adapter; the run directory's record and trace.
    fn run(&self, name: &str) -> (Output, Value, Vec<Value>) {
        let out = self.dir.path().join(format!("run-{name}"));
        let o = self.touchstone(&[
            "run",
            &format!("scenarios/{name}.toml"),
            "--adapter",
            "process",
            "--adapter-config",
            "adapters/etcd/adapter.toml",
            "--out",
            out.to_str().unwrap(),
            "--quiet",
        ]);
        let record =
            serde_json::from_str(&std::fs::read_to_string(out.join("run.json")).unwrap()).unwrap();
        let trace = std::fs::read_to_string(out.join("trace.jsonl"))
            .unwrap()
            .lines()
            .map(|l| serde_json::from_str(l).unwrap())
            .collect();
        (o, record, trace)
    }
}

impl Drop for Cluster {
    fn drop(&mut self) {
        let o = script(self.dir.path(), "stop");
        if !o.status.success() {
            eprintln!("stopping the etcd cluster: {}", text(&o));
        }
    }
}

fn script(dir: &Path, action: &str) -> Output {
    Command::new("python3")
        .arg(root().join("scripts/etcd-cluster.py"))
        .args([
            action,
            "--dir",
            dir.to_str().unwrap(),
            "--touchstone",
            env!("CARGO_BIN_EXE_touchstone"),
        ])
        .output()
        .expect("python3 runs the cluster script")
}

fn verdict<'a>(record: &'a Value, property: &str) -> &'a str {
    let props = record["check"]["properties"].as_array().expect("the run was checked");
    let p = props.iter().find(|p| p["id"] == property).unwrap_or_else(|| panic!("no {property}"));
    p["verdict"].as_str().unwrap()
}

/// Every property that a healthy cluster must pass, passed.
fn checks_clean(record: &Value) {
    for p in [
        "agreement",
        "integrity",
        "chain",
        "state_agreement",
        "no_double_spend",
        "conservation",
        "no_lost_tx",
        "no_phantom_tx",
        "liveness",
    ] {
        assert_eq!(verdict(record, p), "pass", "{p}: {}", record["check"]);
    }
    assert_eq!(verdict(record, "quorum"), "not_evaluated", "observed decisions carry no cert");
}

/// Lines of `kind` from `node`.
fn of<'a>(trace: &'a [Value], kind: &str, node: &str) -> Vec<&'a Value> {
    trace.iter().filter(|l| l["kind"] == kind && l["node"] == node).collect()
}

fn t_of(trace: &[Value], kind: &str, fault: &str) -> u64 {
    trace.iter().find(|l| l["kind"] == kind && l["fault"] == fault).unwrap()["t_ns"]
        .as_u64()
        .unwrap()
}

#[test]
fn slow_etcd_payment_checks_clean_with_every_member_compared() {
    let c = Cluster::start();
    let (o, record, trace) = c.run("etcd-payment");
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    checks_clean(&record);
    // Each member's history is observed, with HashKV app hashes at checkpoints.
    for n in ["n0", "n1", "n2"] {
        let decides = of(&trace, "cons.decide", n);
        assert!(decides.len() > 1000, "{n} decided {} revisions", decides.len());
        assert!(decides.iter().any(|d| d.get("app_hash").is_some()), "{n} has no app_hash");
        assert!(decides.iter().all(|d| d.get("cert").is_none()));
    }
    assert_eq!(of(&trace, "cons.step", "n0").first().unwrap()["step"], "leader");
    let details = &record["adapter"]["system"]["details"];
    assert_eq!(details["adapter_protocol_version"], "1");
    assert!(details["child_version"].as_str().unwrap().contains("etcd 3.4"), "{details}");
}

#[test]
fn slow_etcd_leader_crash_elects_a_new_leader_and_loses_no_acknowledged_write() {
    let c = Cluster::start();
    let (o, record, trace) = c.run("etcd-leader-crash");
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    checks_clean(&record);
    assert_eq!(verdict(&record, "no_lost_tx"), "pass");
    let killed = t_of(&trace, "fault.start", "leader-killed");
    let back = t_of(&trace, "fault.stop", "leader-killed");
    // n0 led when it was killed; another member led while it was down.
    let led_before = of(&trace, "cons.step", "n0")
        .into_iter()
        .rfind(|s| s["t_ns"].as_u64().unwrap() < killed)
        .map(|s| s["step"].clone());
    assert_eq!(led_before, Some(Value::from("leader")), "n0 did not lead before the crash");
    let new_leader = trace.iter().any(|l| {
        let t = l["t_ns"].as_u64().unwrap();
        l["kind"] == "cons.step"
            && l["step"] == "leader"
            && l["node"] != "n0"
            && t > killed
            && t < back
    });
    assert!(new_leader, "no other member led while n0 was down");
    // The restarted member caught up: it decided revisions applied while it was down.
    let n1_top = of(&trace, "cons.decide", "n1")
        .iter()
        .map(|d| d["height"].as_u64().unwrap())
        .max()
        .unwrap();
    let n0_top = of(&trace, "cons.decide", "n0")
        .iter()
        .map(|d| d["height"].as_u64().unwrap())
        .max()
        .unwrap();
    assert_eq!(n0_top, n1_top, "the restarted leader did not catch up");
}

#[test]
fn slow_etcd_partition_isolates_the_leader_which_commits_nothing_alone_and_catches_up() {
    let c = Cluster::start();
    let (o, record, trace) = c.run("etcd-partition");
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    checks_clean(&record);
    let cut = t_of(&trace, "fault.start", "leader-isolated");
    let healed = t_of(&trace, "fault.stop", "leader-isolated");
    let top = |node: &str, before: u64| {
        of(&trace, "cons.decide", node)
            .iter()
            .filter(|d| d["t_ns"].as_u64().unwrap() < before)
            .map(|d| d["height"].as_u64().unwrap())
            .max()
            .unwrap_or(0)
    };
    // While isolated, n0 applied next to nothing; the majority went on.
    let n0_gain = top("n0", healed) - top("n0", cut);
    let n1_gain = top("n1", healed) - top("n1", cut);
    assert!(n1_gain > 100, "the majority applied {n1_gain} revisions while n0 was isolated");
    assert!(
        n0_gain * 10 < n1_gain,
        "isolated n0 applied {n0_gain} revisions, the majority {n1_gain}"
    );
    let net_heal = trace.iter().any(|l| l["kind"] == "net.heal");
    assert!(net_heal);
    assert_eq!(top("n0", u64::MAX), top("n1", u64::MAX), "n0 did not catch up after the heal");
}

#[test]
fn slow_etcd_adapter_passes_the_conformance_kit() {
    let c = Cluster::start();
    let o = c.touchstone(&[
        "adapter-test",
        "--adapter",
        "process",
        "--adapter-config",
        "adapters/etcd/adapter.toml",
    ]);
    let out = text(&o);
    assert_eq!(o.status.code(), Some(0), "{out}");
    for clause in [
        "outcomes.exactly_once",
        "snapshot.matches_outcomes",
        "faults.pause",
        "faults.crash",
        "faults.partition_minority",
        "faults.partition_all",
        "faults.link",
    ] {
        assert!(out.contains(&format!("PASS  {clause}")), "{clause}: {out}");
    }
}

#[test]
fn slow_etcd_adapter_recovers_a_cluster_that_an_interrupted_run_left_paused_and_crashed() {
    let c = Cluster::start();
    let cluster: Value = serde_json::from_str(&std::fs::read_to_string(c.file()).unwrap()).unwrap();
    let pid = |i: usize| {
        let file = cluster["members"][i]["pid_file"].as_str().unwrap().to_string();
        std::fs::read_to_string(file).unwrap().trim().to_string()
    };
    // As a harness killed mid-fault would leave it: n1 stopped, n2 dead.
    assert!(Command::new("kill").args(["-STOP", &pid(1)]).status().unwrap().success());
    assert!(Command::new("kill").args(["-KILL", &pid(2)]).status().unwrap().success());
    let scenario = c.dir.path().join("short.toml");
    std::fs::write(
        &scenario,
        "name = \"etcd-short\"\nkind = \"payment\"\n[network]\nvalidators = 3\n[workload]\naccounts = 50\n\
         [[workload.phases]]\nduration = \"5s\"\nrate = { type = \"constant\", tps = 20 }\n[criteria]\nsuccess_rate_min = 1.0\n",
    )
    .unwrap();
    let out = c.dir.path().join("run-short");
    let o = c.touchstone(&[
        "run",
        scenario.to_str().unwrap(),
        "--adapter",
        "process",
        "--adapter-config",
        "adapters/etcd/adapter.toml",
        "--out",
        out.to_str().unwrap(),
        "--quiet",
    ]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    let record: Value =
        serde_json::from_str(&std::fs::read_to_string(out.join("run.json")).unwrap()).unwrap();
    checks_clean(&record);
}
