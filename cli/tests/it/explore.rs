//! `touchstone explore` end to end: it finds a broken protocol's failure, shrinks it to a script
//! that `touchstone run` replays, finds nothing on the correct protocol, and gives the same
//! answer on one thread or several.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::atomic::AtomicBool;
use touchstone::explore::{explore, ExploreParams, Outcome};
use touchstone_core::Seed;

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

fn params(script: &str, budget: usize, out: &Path) -> ExploreParams {
    let mut p = ExploreParams::new(root().join("scenarios").join(script), budget);
    p.out = Some(out.to_path_buf());
    p.jobs = 2;
    p.seed = Seed(3);
    p
}

#[test]
fn explore_finds_the_small_quorum_attack_needs_no_fault_and_its_script_replays() {
    let out = tempfile::tempdir().unwrap();
    let r = explore(
        &params("byzantine-pbft-small-quorum.toml", 3, out.path()),
        &AtomicBool::new(false),
    )
    .unwrap();
    assert_eq!(r.schedules.len(), 3);
    assert!(r.failures.contains(&0), "the scenario as written loses agreement");
    let s = r.shrunk.expect("a failure is shrunk");
    assert_eq!(s.signature, "gate agreement");
    assert!(s.shrunk.faults.is_empty(), "the equivocating primary needs no fault");
    assert!(s.confirmed(), "{:?}", s.replayed);
    let o = Command::new(env!("CARGO_BIN_EXE_touchstone"))
        .arg("run")
        .arg(&s.file)
        .args(["--seed", &s.seed.to_string(), "--quiet", "--out"])
        .arg(out.path().join("again"))
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(1), "{}", String::from_utf8_lossy(&o.stdout));
    assert!(String::from_utf8_lossy(&o.stdout).contains("finding agreement"));
}

#[test]
fn explore_on_the_correct_protocol_under_the_same_attack_finds_nothing() {
    let out = tempfile::tempdir().unwrap();
    let mut p = params("byzantine-pbft-small-quorum.toml", 8, out.path());
    p.variant = Some(None);
    let r = explore(&p, &AtomicBool::new(false)).unwrap();
    assert_eq!(r.schedules.len(), 8);
    let bad: Vec<_> = r.schedules.iter().filter(|s| s.outcome != Outcome::Pass).collect();
    assert!(bad.is_empty(), "{bad:#?}");
    assert!(r.shrunk.is_none());
    assert!(r.schedules[1..].iter().all(|s| !s.faults.is_empty()));
}

#[test]
fn explore_gives_the_same_schedules_outcomes_and_script_whatever_the_thread_count() {
    let mut files = Vec::new();
    for jobs in [1, 3] {
        let out = tempfile::tempdir().unwrap();
        // small_quorum PBFT under the two_chain attack's script: schedule #12 is the first to
        // lose agreement, and it shrinks in a few dozen runs.
        let mut p = params("byzantine-hotstuff-twochain.toml", 14, out.path());
        (p.jobs, p.seed, p.protocol) = (jobs, Seed(1), Some("pbft".into()));
        p.variant = Some(Some("small_quorum".into()));
        let r = explore(&p, &AtomicBool::new(false)).unwrap();
        let s = r.shrunk.expect("small_quorum loses agreement");
        assert!(s.index > 0 && s.shrunk.steps > 0, "a random schedule, shrunk: {s:?}");
        let log = std::fs::read_to_string(out.path().join("explore.jsonl")).unwrap();
        let script = std::fs::read_to_string(&s.file).unwrap();
        let script = script.replace(&out.path().display().to_string(), "OUT");
        files.push((log, script, s.shrunk.steps, s.shrunk.tried));
    }
    assert_eq!(files[0], files[1]);
}

#[test]
fn the_binary_prints_the_search_and_exits_by_what_it_found() {
    let out = tempfile::tempdir().unwrap();
    let run = |args: &[&str]| {
        Command::new(env!("CARGO_BIN_EXE_touchstone"))
            .current_dir(root())
            .arg("explore")
            .args(args)
            .arg("--out")
            .arg(out.path())
            .output()
            .unwrap()
    };
    let o = run(&["scenarios/byzantine-pbft-small-quorum.toml", "--budget", "2", "--jobs", "2"]);
    let text = String::from_utf8_lossy(&o.stdout);
    assert_eq!(o.status.code(), Some(1), "{text}");
    for want in
        ["schedules tried 2", "failures", "shrunk", "wrote", "replay: touchstone run", "→ exit 1"]
    {
        assert!(text.contains(want), "missing {want:?} in\n{text}");
    }
    let o =
        run(&["scenarios/byzantine-pbft-small-quorum.toml", "--budget", "2", "--variant", "none"]);
    assert_eq!(o.status.code(), Some(0), "{}", String::from_utf8_lossy(&o.stdout));
    let o = run(&["scenarios/byzantine-pbft-small-quorum.toml", "--budget", "0"]);
    assert_eq!(o.status.code(), Some(2));
    let o = run(&[
        "scenarios/byzantine-pbft-small-quorum.toml",
        "--budget",
        "2",
        "--variant",
        "no_such",
    ]);
    assert_eq!(o.status.code(), Some(2), "{}", String::from_utf8_lossy(&o.stderr));
    let o =
        run(&["scenarios/byzantine-pbft-small-quorum.toml", "--budget", "2", "--gate", "agreemnt"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("did you mean `agreement`"));
}

#[test]
fn a_gate_asked_for_is_the_only_failure_that_counts() {
    let out = tempfile::tempdir().unwrap();
    // The small-quorum attack loses agreement; it never breaks no_double_spend.
    let mut p = params("byzantine-pbft-small-quorum.toml", 2, out.path());
    p.gate = Some("no_double_spend".into());
    let r = explore(&p, &AtomicBool::new(false)).unwrap();
    assert!(r.failures.is_empty() && r.shrunk.is_none(), "{:?}", r.failures);
    p.gate = Some("agreement".into());
    let r = explore(&p, &AtomicBool::new(false)).unwrap();
    assert!(r.failures.contains(&0), "{:?}", r.failures);
    assert_eq!(r.shrunk.unwrap().signature, "gate agreement");
}
