//! No validator outlives its run: not when the run panics, not when the harness itself is
//! killed with SIGKILL (the nodes carry the parent-death signal).

use crate::support::{payments, require_node};
use std::path::Path;
use std::process::Command;
use std::time::Duration;
use touchstone_core::adapter::{Adapter, CollectingSink, Setup};
use touchstone_core::scenario::AssetSpec;
use touchstone_core::trace::MemoryTrace;
use touchstone_core::Seed;
use touchstone_simplex::{Config, SimplexAdapter};

/// Whether a process with this id exists and is not a zombie.
fn alive(pid: u32) -> bool {
    match std::fs::read_to_string(format!("/proc/{pid}/stat")) {
        Ok(stat) => stat.rsplit(')').next().and_then(|s| s.split_whitespace().next()) != Some("Z"),
        Err(_) => false,
    }
}

fn gone_within(pids: &[u32], within: Duration) -> bool {
    let step = Duration::from_millis(50);
    let mut waited = Duration::ZERO;
    while waited < within {
        if pids.iter().all(|&p| !alive(p)) {
            return true;
        }
        std::thread::sleep(step);
        waited += step;
    }
    false
}

/// A prepared adapter on four validators, and their process ids.
fn prepared() -> (SimplexAdapter, Vec<u32>) {
    require_node();
    let s = payments(4, 1.0, 1).build();
    let mut a = SimplexAdapter::new(&s, Config::default()).expect("adapter");
    let setup = Setup {
        seed: Seed(1),
        accounts: (0..8).map(|i| format!("a{i}")).collect(),
        assets: vec![AssetSpec { id: "USD".into(), initial_balance: 1000 }],
        genesis: Default::default(),
    };
    let mut sink = CollectingSink::<MemoryTrace>::default();
    a.prepare(&setup, &mut sink).expect("prepare");
    let pids: Vec<u32> = a.pids().into_iter().map(|p| p.expect("running")).collect();
    assert!(pids.iter().all(|&p| alive(p)));
    (a, pids)
}

#[test]
fn slow_simplex_nodes_die_when_a_run_panics() {
    let (tx, rx) = std::sync::mpsc::channel();
    let joined = std::thread::spawn(move || {
        let (_adapter, pids) = prepared();
        tx.send(pids).unwrap();
        panic!("a run that panics mid-way");
    })
    .join();
    assert!(joined.is_err());
    let pids = rx.recv().unwrap();
    assert!(gone_within(&pids, Duration::from_secs(5)), "validators outlived the panic: {pids:?}");
}

/// Not a test on its own: the child process of the next test (it holds four validators until
/// it is killed).
#[test]
#[ignore = "helper: run by slow_simplex_nodes_die_with_a_harness_killed_by_sigkill"]
fn helper_holds_validators_until_killed() {
    let Some(out) = std::env::var_os("SIMPLEX_HELPER_PIDS") else { return };
    let (_adapter, pids) = prepared();
    let text: Vec<String> = pids.iter().map(u32::to_string).collect();
    let tmp = Path::new(&out).with_extension("tmp");
    std::fs::write(&tmp, text.join(" ")).unwrap();
    std::fs::rename(&tmp, &out).unwrap();
    std::thread::sleep(Duration::from_secs(120));
}

#[test]
fn slow_simplex_nodes_die_with_a_harness_killed_by_sigkill() {
    require_node();
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("pids");
    let mut child = Command::new(std::env::current_exe().unwrap())
        .args([
            "--exact",
            "lifecycle::helper_holds_validators_until_killed",
            "--ignored",
            "--nocapture",
        ])
        .env("SIMPLEX_HELPER_PIDS", &out)
        .spawn()
        .unwrap();
    let mut waited = Duration::ZERO;
    while !out.exists() {
        assert!(waited < Duration::from_secs(120), "the helper never started its validators");
        assert!(child.try_wait().unwrap().is_none(), "the helper ended early");
        std::thread::sleep(Duration::from_millis(100));
        waited += Duration::from_millis(100);
    }
    let pids: Vec<u32> = std::fs::read_to_string(&out)
        .unwrap()
        .split_whitespace()
        .map(|p| p.parse().unwrap())
        .collect();
    assert_eq!(pids.len(), 4);
    assert!(pids.iter().all(|&p| alive(p)));
    child.kill().unwrap(); // SIGKILL: no Drop runs in the helper
    child.wait().unwrap();
    assert!(
        gone_within(&pids, Duration::from_secs(5)),
        "validators outlived a killed harness: {pids:?}"
    );
}
