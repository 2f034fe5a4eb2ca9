//! A run never destroys an earlier one: numbered default directories, refused or replaced
//! explicit ones, distinct directories for --quick and for several scripts, and signals and
//! SIGKILL at any moment leave a consistent, labelled directory.

use super::support::*;
use std::path::Path;
use std::process::Stdio;
use std::time::Duration;

fn manifest(dir: &Path) -> serde_json::Value {
    serde_json::from_slice(&std::fs::read(dir.join("manifest.json")).unwrap()).unwrap()
}

fn record(dir: &Path) -> serde_json::Value {
    serde_json::from_slice(&std::fs::read(dir.join("run.json")).unwrap()).unwrap()
}

#[test]
fn a_rerun_into_the_default_directory_takes_the_next_number_and_keeps_the_first() {
    let tmp = tempfile::tempdir().unwrap();
    write(tmp.path(), "small.toml", SMALL);
    let args = ["run", "small.toml", "--adapter", "null", "-q"];
    assert_eq!(ts(tmp.path(), &args).status.code(), Some(0));
    let first = tmp.path().join("touchstone-out/small/null-s1");
    let before = snapshot(&first);
    let o = ts(tmp.path(), &args);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    assert_eq!(snapshot(&first), before, "the first run is untouched");
    let second = tmp.path().join("touchstone-out/small/null-s1.2");
    assert_eq!(ts(tmp.path(), &["verify", second.to_str().unwrap()]).status.code(), Some(0));
    // --quick never shares the full run's directory.
    let o = ts(tmp.path(), &["run", "small.toml", "--adapter", "null", "-q", "--quick"]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    assert!(tmp.path().join("touchstone-out/small/null-s1-quick/manifest.json").is_file());
    assert_eq!(snapshot(&first), before);
}

#[test]
fn an_explicit_out_that_holds_a_run_is_refused_unless_overwrite() {
    let tmp = tempfile::tempdir().unwrap();
    let s = write(tmp.path(), "small.toml", SMALL);
    let out = tmp.path().join("out");
    let args =
        ["run", s.to_str().unwrap(), "--adapter", "null", "-q", "--out", out.to_str().unwrap()];
    assert_eq!(ts(tmp.path(), &args).status.code(), Some(0));
    let before = snapshot(&out);
    let o = ts(tmp.path(), &args);
    assert_eq!(o.status.code(), Some(2), "{}", text(&o));
    assert!(
        text(&o).contains("already holds a run") && text(&o).contains("--overwrite"),
        "{}",
        text(&o)
    );
    assert_eq!(snapshot(&out), before);
    let mut with = args.to_vec();
    with.push("--overwrite");
    let o = ts(tmp.path(), &with);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    assert_eq!(ts(tmp.path(), &["verify", out.to_str().unwrap()]).status.code(), Some(0));
    assert!(staging_dirs(&out).is_empty(), "nothing left beside it");
}

#[test]
fn several_scripts_with_one_out_never_share_a_folder_even_with_equal_stems() {
    let tmp = tempfile::tempdir().unwrap();
    std::fs::create_dir(tmp.path().join("a")).unwrap();
    std::fs::create_dir(tmp.path().join("b")).unwrap();
    let a = write(&tmp.path().join("a"), "x.toml", SMALL);
    let b = write(&tmp.path().join("b"), "x.toml", &SMALL.replace("\"small\"", "\"other\""));
    let out = tmp.path().join("out");
    let o = ts(
        tmp.path(),
        &[
            "run",
            a.to_str().unwrap(),
            b.to_str().unwrap(),
            "--adapter",
            "null",
            "-q",
            "--out",
            out.to_str().unwrap(),
        ],
    );
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    assert_eq!(record(&out.join("x"))["scenario"]["name"], "small");
    assert_eq!(record(&out.join("x.2"))["scenario"]["name"], "other");
}

fn spawn_long(cwd: &Path, out: &Path, extra: &[&str]) -> std::process::Child {
    write(cwd, "long.toml", LONG);
    let mut args = vec!["run", "long.toml", "-q", "--out", out.to_str().unwrap()];
    args.extend_from_slice(extra);
    touchstone(cwd, &args).stdout(Stdio::piped()).stderr(Stdio::piped()).spawn().unwrap()
}

/// Waits until the run's trace is being written.
fn wait_for_load(out: &Path) {
    wait_until(60, "the run to start writing its trace", || {
        staging_dirs(out)
            .first()
            .and_then(|d| std::fs::metadata(d.join("trace.jsonl")).ok())
            .is_some_and(|m| m.len() > 300_000)
    });
}

#[test]
fn sigterm_stops_the_load_and_leaves_a_partial_run_with_a_manifest_exit_3() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("out");
    let child = spawn_long(tmp.path(), &out, &[]);
    wait_for_load(&out);
    signal(child.id(), "TERM");
    let o = wait_limited(child, Duration::from_secs(60), "run after SIGTERM");
    assert_eq!(o.status.code(), Some(3), "{}", text(&o));
    let m = manifest(&out);
    assert_eq!(m["status"], "partial", "{m}");
    assert!(m["partial_reason"].as_str().unwrap().contains("interrupted"), "{m}");
    assert_eq!(record(&out)["status"], "interrupted");
    let v = ts(tmp.path(), &["verify", out.to_str().unwrap()]);
    assert_eq!(v.status.code(), Some(0), "{}", text(&v));
    assert!(text(&v).contains("PARTIAL"), "{}", text(&v));
    assert!(staging_dirs(&out).is_empty());
}

#[test]
fn a_second_signal_still_leaves_a_consistent_labelled_directory() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("out");
    let child = spawn_long(tmp.path(), &out, &[]);
    wait_for_load(&out);
    let pid = child.id();
    signal(pid, "INT");
    std::thread::sleep(Duration::from_millis(30));
    signal(pid, "TERM");
    let o = wait_limited(child, Duration::from_secs(60), "run after two signals");
    assert_eq!(o.status.code(), Some(3), "{}", text(&o));
    assert_eq!(manifest(&out)["status"], "partial");
    let v = ts(tmp.path(), &["verify", out.to_str().unwrap()]);
    assert_eq!(v.status.code(), Some(0), "{}", text(&v));
}

#[test]
fn sigkill_at_any_moment_then_a_rerun_leaves_the_earlier_complete_run_intact() {
    let tmp = tempfile::tempdir().unwrap();
    let s = write(tmp.path(), "small.toml", SMALL);
    let out = tmp.path().join("out");
    let args =
        ["run", s.to_str().unwrap(), "--adapter", "null", "-q", "--out", out.to_str().unwrap()];
    assert_eq!(ts(tmp.path(), &args).status.code(), Some(0));
    let mut again = args.to_vec();
    again.push("--overwrite");
    // Early (before the adapter runs), mid-run, and late (checking, scoring, publishing).
    for ms in [0u64, 10, 25, 40, 60, 80, 110, 150, 250, 400] {
        let mut child = touchstone(tmp.path(), &again)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        std::thread::sleep(Duration::from_millis(ms));
        let _ = child.kill();
        let _ = child.wait();
        let v = ts(tmp.path(), &["verify", out.to_str().unwrap()]);
        assert_eq!(v.status.code(), Some(0), "killed after {ms} ms: {}", text(&v));
        assert_eq!(manifest(&out)["status"], "complete", "killed after {ms} ms");
    }
    // An abandoned staging directory says what it is.
    for d in staging_dirs(&out) {
        let v = ts(tmp.path(), &["verify", d.to_str().unwrap()]);
        assert_eq!(v.status.code(), Some(2), "{}", text(&v));
        assert!(text(&v).contains("incomplete run"), "{}", text(&v));
    }
    // The same arguments again: the earlier run stays until the new one is complete.
    let o = ts(tmp.path(), &again);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    assert_eq!(ts(tmp.path(), &["verify", out.to_str().unwrap()]).status.code(), Some(0));
}

#[test]
fn sigkill_mid_run_leaves_no_run_at_the_target_and_verify_and_report_say_incomplete() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("out");
    let mut child = spawn_long(tmp.path(), &out, &[]);
    wait_for_load(&out);
    child.kill().unwrap();
    child.wait().unwrap();
    assert!(!out.exists(), "an unfinished run never appears at its target");
    for cmd in ["verify", "report"] {
        let o = ts(tmp.path(), &[cmd, out.to_str().unwrap()]);
        assert_eq!(o.status.code(), Some(2), "{cmd}: {}", text(&o));
        assert!(text(&o).contains("an incomplete run"), "{cmd}: {}", text(&o));
        let staged = &staging_dirs(&out)[0];
        let o = ts(tmp.path(), &[cmd, staged.to_str().unwrap()]);
        assert_eq!(o.status.code(), Some(2), "{cmd}: {}", text(&o));
        assert!(text(&o).contains("incomplete run: no manifest.json"), "{}", text(&o));
        assert!(text(&o).contains("still running"), "{}", text(&o));
    }
}
