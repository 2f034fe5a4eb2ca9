//! `touchstone adapter-test`: the conformance kit from the command line, on built-in adapters
//! and on children over the adapter protocol; a vendor's CI reads the exit code.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

pub fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

pub fn touchstone(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_touchstone"))
        .current_dir(root())
        .args(args)
        .output()
        .expect("binary runs")
}

pub fn text(o: &Output) -> String {
    format!("{}{}", String::from_utf8_lossy(&o.stdout), String::from_utf8_lossy(&o.stderr))
}

/// An adapter configuration for a Python child at `script` (absolute) with `args`, short
/// timeouts, written into `dir`.
pub fn child_config(dir: &Path, script: &Path, args: &[&str]) -> PathBuf {
    let mut all = vec![format!("{:?}", script.display().to_string())];
    all.extend(args.iter().map(|a| format!("{a:?}")));
    let body = format!(
        "command = \"python3\"\nargs = [{}]\n[timeouts]\ncall = \"2s\"\nshutdown = \"2s\"\n",
        all.join(", ")
    );
    let p = dir.join("child.toml");
    std::fs::write(&p, body).unwrap();
    p
}

pub fn template_script() -> PathBuf {
    root().join("examples/process-adapter/template_adapter.py")
}

fn broken_script() -> PathBuf {
    root().join("adapters/process/tests/children/broken_adapter.py")
}

/// `adapter-test` on a broken child: exit 1, and the clause `id` is listed failed with
/// evidence containing `says`.
fn fails_naming(flaw: &str, id: &str, says: &str) {
    let tmp = tempfile::tempdir().unwrap();
    let cfg = child_config(tmp.path(), &broken_script(), &[flaw, "--virtual"]);
    let o = touchstone(&[
        "adapter-test",
        "--adapter",
        "process",
        "--adapter-config",
        cfg.to_str().unwrap(),
    ]);
    let out = text(&o);
    assert_eq!(o.status.code(), Some(1), "{out}");
    let line = out.lines().position(|l| l.trim_start().starts_with("FAIL") && l.contains(id));
    let Some(i) = line else { panic!("{id} not failed:\n{out}") };
    let evidence = out.lines().nth(i + 1).unwrap_or_default();
    assert!(evidence.contains(says), "{id}: {evidence}\n{out}");
    assert!(out.contains("NOT CONFORMANT"), "{out}");
}

#[test]
fn adapter_test_passes_the_built_in_null_and_sim_adapters_with_exit_0() {
    for adapter in ["null", "sim"] {
        let o = touchstone(&["adapter-test", "--adapter", adapter]);
        let out = text(&o);
        assert_eq!(o.status.code(), Some(0), "{adapter}: {out}");
        assert!(out.contains("PASS  outcomes.exactly_once"), "{out}");
        assert!(out.contains("conformant: no clause failed"), "{out}");
    }
    // Not applicable is reported with its reason, and is no failure.
    let o = touchstone(&["adapter-test", "--adapter", "null"]);
    assert!(text(&o).contains("N/A   faults.pause"), "{}", text(&o));
}

#[test]
fn adapter_test_passes_the_python_template_on_its_virtual_clock() {
    let tmp = tempfile::tempdir().unwrap();
    let cfg = child_config(tmp.path(), &template_script(), &["--virtual"]);
    let o = touchstone(&[
        "adapter-test",
        "--adapter",
        "process",
        "--adapter-config",
        cfg.to_str().unwrap(),
        "--json",
    ]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    let report: serde_json::Value =
        serde_json::from_slice(&o.stdout[..o.stdout.iter().rposition(|&b| b == b'}').unwrap() + 1])
            .unwrap();
    assert_eq!(report["adapter"], "process");
    let pause =
        report["clauses"].as_array().unwrap().iter().find(|c| c["id"] == "faults.pause").unwrap();
    assert_eq!(pause["verdict"]["verdict"], "pass");
}

#[test]
fn slow_python_template_on_the_wall_clock_passes_adapter_test() {
    let o = touchstone(&[
        "adapter-test",
        "--adapter",
        "process",
        "--adapter-config",
        "examples/process-adapter/template.toml",
    ]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
}

#[test]
fn adapter_test_fails_a_child_that_doubles_outcomes_on_exactly_once() {
    fails_naming("double", "outcomes.exactly_once", "final outcomes");
}

#[test]
fn adapter_test_fails_a_child_that_loses_outcomes_on_exactly_once() {
    fails_naming("lose", "outcomes.exactly_once", "had no final outcome");
}

#[test]
fn adapter_test_fails_a_child_whose_clock_goes_back_on_monotonic() {
    fails_naming("clock-back", "clock.monotonic", "after an earlier reading");
}

#[test]
fn adapter_test_fails_a_child_that_writes_garbage_on_the_clause_it_was_running() {
    fails_naming(
        "garbage",
        "outcomes.exactly_once",
        "is not a JSON object (expected the reply to advance",
    );
}

#[test]
fn adapter_test_fails_a_child_that_hangs_on_the_clause_it_was_running() {
    fails_naming("hang", "outcomes.exactly_once", "no reply to advance");
}

#[test]
fn adapter_test_of_an_unknown_adapter_is_bad_input_with_a_suggestion() {
    let o = touchstone(&["adapter-test", "--adapter", "proces"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(text(&o).contains("did you mean `process`?"), "{}", text(&o));
}

#[test]
fn adapter_test_of_an_adapter_that_cannot_be_built_exits_3() {
    let tmp = tempfile::tempdir().unwrap();
    let cfg = tmp.path().join("a.toml");
    std::fs::write(&cfg, "command = \"/nonexistent/child\"\n").unwrap();
    let o = touchstone(&[
        "adapter-test",
        "--adapter",
        "process",
        "--adapter-config",
        cfg.to_str().unwrap(),
    ]);
    assert_eq!(o.status.code(), Some(3), "{}", text(&o));
    assert!(text(&o).contains("cannot start \"/nonexistent/child\""), "{}", text(&o));
}

#[test]
fn slow_anvil_adapter_test_passes_the_ethereum_adapter() {
    if let Err(e) = touchstone_ethereum::anvil::find_anvil(None) {
        panic!("{e}");
    }
    let tmp = tempfile::tempdir().unwrap();
    let cfg = tmp.path().join("anvil.toml");
    std::fs::write(&cfg, "managed = true\n").unwrap();
    let o = touchstone(&[
        "adapter-test",
        "--adapter",
        "ethereum",
        "--adapter-config",
        cfg.to_str().unwrap(),
        "--asset",
        "ETH",
    ]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    assert!(text(&o).contains("PASS  faults.crash"), "{}", text(&o));
}
