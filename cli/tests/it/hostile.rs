//! Hostile input never hangs, never exhausts memory and never panics: every reproducer of
//! issue 13 about inputs, limits and standard output, each within an explicit time limit.

use super::support::*;
use std::fs::File;
use std::process::Stdio;

/// `validate` of SMALL with `from` replaced by `to`: exit 2, and the diagnostics.
fn refused(from: &str, to: &str) -> String {
    let tmp = tempfile::tempdir().unwrap();
    let body = SMALL.replace(from, to);
    assert_ne!(body, SMALL, "{from} not in the script");
    write(tmp.path(), "s.toml", &body);
    let o = ts(tmp.path(), &["validate", "s.toml"]);
    assert_eq!(o.status.code(), Some(2), "{to}: {}", text(&o));
    text(&o)
}

#[test]
fn durations_beyond_the_limits_are_refused_naming_the_field_and_the_limit() {
    let t = refused("duration = \"2s\"", "duration = \"18446744073709551615ns\"");
    assert!(t.contains("workload.phases[0].duration: must be between 1ms and 24h"), "{t}");
    let t = refused("duration = \"2s\"", "duration = \"1000000h\"");
    assert!(t.contains("workload.phases[0].duration"), "{t}");
    let t = refused("accounts = 20", "accounts = 20\ntimeout = \"1000000h\"\ndrain = \"1000000h\"");
    assert!(t.contains("workload.timeout: must be between 1ms and 1h"), "{t}");
    assert!(t.contains("workload.drain: must be between 0ns and 1h"), "{t}");
    let t = refused("kind = \"payment\"", "kind = \"payment\"\n[network]\ntimeout = \"1ns\"");
    assert!(t.contains("network.timeout: must be between 1ms and 1h"), "{t}");
    let t = refused(
        "[criteria]",
        "[[faults]]\nat = \"1s\"\naction = \"clock_skew\"\nnodes = [\"n0\"]\nrate = 1e-300\n[criteria]",
    );
    assert!(t.contains("faults[0].rate: clock rate must be between 0.01 and 100"), "{t}");
}

#[test]
fn counts_and_rates_beyond_the_limits_are_refused() {
    let t = refused("type = \"constant\", tps = 50", "type = \"burst\", count = 1_000_000_000");
    assert!(t.contains("rate.count: must be between 1 and 10000000"), "{t}");
    let t = refused("accounts = 20", "accounts = 10_000_000");
    assert!(t.contains("workload.accounts: must be between 1 and 200000"), "{t}");
    let t = refused("type = \"constant\", tps = 50", "type = \"closed\", concurrency = 1_000_000");
    assert!(t.contains("rate.concurrency: must be between 1 and 100000"), "{t}");
    let t = refused(
        "duration = \"2s\"\nrate = { type = \"constant\", tps = 50 }",
        "duration = \"60s\"\nrate = { type = \"constant\", tps = 1e6 }",
    );
    assert!(t.contains("workload.phases: the phases send about"), "{t}");
    assert!(t.contains("over the limit of 10,000,000"), "{t}");
}

#[test]
fn what_the_run_would_refuse_validate_refuses_first() {
    let t = refused("kind = \"payment\"", "kind = \"payment\"\n[network]\nvariant = \"yolo\"");
    assert!(t.contains("no variant \"yolo\""), "{t}");
    let t = refused("name = \"small\"", &format!("name = \"{}\"", "x".repeat(200)));
    assert!(t.contains("over the limit of 100"), "{t}");
    let t = refused(
        "kind = \"payment\"",
        "kind = \"payment\"\n[network]\nvalidators = 2\npowers = [2_000_000_000_000_000, 1]",
    );
    assert!(t.contains("network.powers[0]: voting power must be between 1 and"), "{t}");
}

#[test]
fn a_refused_value_brings_no_misleading_second_error() {
    let t = refused("type = \"constant\", tps = 50", "type = \"constnt\", tps = 50");
    assert!(!t.contains("warm-up"), "{t}");
    let t = refused("type = \"constant\", tps = 50", "type = \"ramp\", from = 0, to = 1e12");
    assert!(t.contains("rate.to: must be a positive rate"), "{t}");
    assert!(!t.contains("from 0 to 0"), "{t}");
    let t = refused("duration = \"2s\"", "duration = \"2 parsecs\"");
    assert!(!t.contains("above zero"), "{t}");
    assert_eq!(t.lines().count(), 1, "{t}");
}

#[cfg(unix)]
#[test]
fn dev_zero_as_any_input_ends_quickly_with_exit_2() {
    let tmp = tempfile::tempdir().unwrap();
    let o = ts(tmp.path(), &["check", "/dev/zero"]);
    assert_eq!(o.status.code(), Some(2), "{}", text(&o));
    assert!(text(&o).contains("line length in bytes exceeds the limit"), "{}", text(&o));
    let mut c = touchstone(tmp.path(), &["check", "-"]);
    c.stdin(Stdio::from(File::open("/dev/zero").unwrap()));
    let o = run_limited(c, 60);
    assert_eq!(o.status.code(), Some(2), "{}", text(&o));
    let o = ts(tmp.path(), &["validate", "/dev/zero"]);
    assert_eq!(o.status.code(), Some(2), "{}", text(&o));
    assert!(text(&o).contains("too large"), "{}", text(&o));
    write(tmp.path(), "small.toml", SMALL);
    let o = ts(tmp.path(), &["run", "small.toml", "--adapter", "null", "--rubric", "/dev/zero"]);
    assert_eq!(o.status.code(), Some(2), "{}", text(&o));
    assert!(text(&o).contains("too large for a rubric"), "{}", text(&o));
    let o = ts(tmp.path(), &["suite", "/dev/zero"]);
    assert_eq!(o.status.code(), Some(2), "{}", text(&o));
}

#[cfg(unix)]
#[test]
fn a_run_directory_with_links_to_dev_zero_is_refused_without_reading_it() {
    let tmp = tempfile::tempdir().unwrap();
    write(tmp.path(), "small.toml", SMALL);
    let out = tmp.path().join("out");
    let run = ["run", "small.toml", "--adapter", "null", "-q", "--out", "out"];
    assert_eq!(ts(tmp.path(), &run).status.code(), Some(0));
    std::fs::remove_file(out.join("trace.jsonl")).unwrap();
    std::os::unix::fs::symlink("/dev/zero", out.join("trace.jsonl")).unwrap();
    for cmd in ["verify", "report"] {
        let o = ts(tmp.path(), &[cmd, "out"]);
        assert_eq!(o.status.code(), Some(1), "{cmd}: {}", text(&o));
        assert!(text(&o).contains("CHANGED  trace.jsonl"), "{}", text(&o));
    }
    std::fs::remove_file(out.join("manifest.json")).unwrap();
    std::os::unix::fs::symlink("/dev/zero", out.join("manifest.json")).unwrap();
    let o = ts(tmp.path(), &["verify", "out"]);
    assert_eq!(o.status.code(), Some(2), "{}", text(&o));
    assert!(text(&o).contains("too large for a manifest"), "{}", text(&o));
}

/// Runs `args` with stdout on /dev/full: exit 3, one line, no panic.
#[cfg(unix)]
fn full_stdout(cwd: &std::path::Path, args: &[&str]) {
    let mut c = touchstone(cwd, args);
    c.stdout(Stdio::from(File::create("/dev/full").unwrap()));
    let what = format!("{args:?}");
    let child = c.stderr(Stdio::piped()).spawn().unwrap();
    let o = wait_limited(child, std::time::Duration::from_secs(120), &what);
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(3), "{what}: {err}");
    assert!(!err.contains("panicked"), "{what}: {err}");
    assert!(err.trim_end().ends_with("No space left on device (os error 28)"), "{what}: {err}");
    assert!(err.contains("error: cannot write to standard output"), "{what}: {err}");
}

#[cfg(unix)]
#[test]
fn a_full_or_closed_stdout_exits_3_with_one_line_never_a_panic() {
    let tmp = tempfile::tempdir().unwrap();
    write(tmp.path(), "small.toml", SMALL);
    let run = ["run", "small.toml", "--adapter", "null", "-q", "--out", "out"];
    full_stdout(tmp.path(), &run);
    let trace = "out/trace.jsonl";
    for args in [
        &["check", trace][..],
        &["validate", "small.toml"],
        &["verify", "out"],
        &["list", "adapters"],
        &["report", "out"],
    ] {
        full_stdout(tmp.path(), args);
    }
    // A closed pipe (`touchstone run … -q | true`).
    let mut c = touchstone(tmp.path(), &["run", "small.toml", "--adapter", "null", "-q"]);
    let mut child = c.stdout(Stdio::piped()).stderr(Stdio::piped()).spawn().unwrap();
    drop(child.stdout.take());
    let o = wait_limited(child, std::time::Duration::from_secs(120), "run | true");
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(3), "{err}");
    assert!(err.contains("Broken pipe") && !err.contains("panicked"), "{err}");
}
