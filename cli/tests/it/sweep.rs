//! `touchstone sweep` and `touchstone compare`: every cell validated before any runs (errors
//! naming the sweep file, line and field), results that do not depend on the thread count, a
//! plan run by several local processes and collected, regression verdicts across seeds, and
//! the shipped sweeps all valid.

use crate::support::{run_limited, text, touchstone, ts, write};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

const BASE: &str = r#"name = "small-pay"
kind = "payment"
purpose = ["nominal"]
[network]
validators = 4
protocol = "pbft"
block_interval = "50ms"
[network.link]
latency = "10ms"
[workload]
accounts = 200
[[workload.phases]]
name = "steady"
duration = "2s"
rate = { type = "constant", tps = 50 }
[criteria]
latency_p99 = "5s"
"#;

fn sweep_text(grid: &str) -> String {
    format!(
        "name = \"small\"\nbase = \"base.toml\"\nseeds = [1, 2]\npurpose = [\"scale\"]\n\n[set]\n\"workload.phases.steady.rate.tps\" = 40\n\n[grid]\n{grid}\n"
    )
}

fn setup(grid: &str) -> (tempfile::TempDir, PathBuf) {
    let tmp = tempfile::tempdir().unwrap();
    write(tmp.path(), "base.toml", BASE);
    let s = write(tmp.path(), "sweep.toml", &sweep_text(grid));
    (tmp, s)
}

fn results(dir: &Path) -> serde_json::Value {
    serde_json::from_str(&std::fs::read_to_string(dir.join("results.json")).unwrap()).unwrap()
}

fn fingerprints(v: &serde_json::Value) -> Vec<(String, u64, String)> {
    v["rows"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            (
                r["cell"].as_str().unwrap().to_string(),
                r["seed"].as_u64().unwrap(),
                r["fingerprint"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

#[test]
fn an_invalid_cell_stops_the_sweep_before_any_run_naming_file_line_and_field() {
    let (tmp, s) =
        setup("\"network.protocol\" = [\"pbft\", \"raft\"]\n\"network.validators\" = [4, 0]");
    let out = tmp.path().join("out");
    let o = ts(tmp.path(), &["sweep", s.to_str().unwrap(), "--out", out.to_str().unwrap()]);
    let t = text(&o);
    assert_eq!(o.status.code(), Some(2), "{t}");
    assert!(t.contains("sweep.toml:11: network.validators: cell c01-pbft-0"), "{t}");
    assert!(!out.exists(), "nothing may run before every cell is valid");
    // A path that names no scenario section, and an unknown key of the sweep file itself.
    write(tmp.path(), "bad.toml", &sweep_text("\"netwrk.validators\" = [4]"));
    let o = ts(tmp.path(), &["sweep", "bad.toml"]);
    assert!(
        text(&o).contains("bad.toml:10: netwrk.validators: `netwrk` is not a section")
            && text(&o).contains("did you mean `network`"),
        "{}",
        text(&o)
    );
    write(
        tmp.path(),
        "bad2.toml",
        &format!("sed = [1]\n{}", sweep_text("\"network.validators\" = [4]")),
    );
    let o = ts(tmp.path(), &["sweep", "bad2.toml"]);
    assert!(text(&o).contains("bad2.toml:1: sed: unknown field `sed`"), "{}", text(&o));
    assert_eq!(o.status.code(), Some(2));
}

#[test]
fn a_sweep_writes_run_dirs_results_and_a_page_and_its_results_do_not_depend_on_jobs() {
    let (tmp, s) =
        setup("\"network.protocol\" = [\"pbft\", \"raft\"]\n\"network.validators\" = [4, 7]");
    let (one, two) = (tmp.path().join("one"), tmp.path().join("two"));
    for (d, jobs) in [(&one, "1"), (&two, "2")] {
        let o = run_limited(
            touchstone(
                tmp.path(),
                &["sweep", s.to_str().unwrap(), "--out", d.to_str().unwrap(), "--jobs", jobs, "-q"],
            ),
            300,
        );
        assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    }
    let (a, b) = (results(&one), results(&two));
    assert_eq!(a["rows"].as_array().unwrap().len(), 8);
    assert_eq!(fingerprints(&a), fingerprints(&b));
    let row = &a["rows"][0];
    assert_eq!(row["params"][1], serde_json::json!(["network.validators", "4"]));
    assert!(row["metrics"]["p99_ms"].as_f64().unwrap() > 0.0);
    let dir = one.join(row["dir"].as_str().unwrap());
    assert!(dir.join("manifest.json").is_file() && dir.join("report.html").is_file());
    let v = ts(tmp.path(), &["verify", dir.to_str().unwrap()]);
    assert_eq!(v.status.code(), Some(0), "{}", text(&v));
    let csv = std::fs::read_to_string(one.join("results.csv")).unwrap();
    assert_eq!(csv.lines().count(), 9);
    assert!(csv.starts_with("cell,network.protocol,network.validators,seed,"));
    let html = std::fs::read_to_string(one.join("sweep.html")).unwrap();
    assert!(html.contains("<svg") && html.contains("latency p99 against validators"));
    assert!(html.contains("href=\"runs/c00-pbft-4/sim-s1/report.html\""));
    // 4 and 7 validators: no scale curve (it needs ≥ 16), and the page says why.
    assert!(
        html.contains("<b>B4.1</b> pbft: not evaluated — needs payment runs at 4 and at ≥ 16"),
        "the scale curve is computed from the sweep's runs"
    );
}

/// The base with PBFT's batching slowed: every payment waits longer for its block.
fn slow_base(dir: &Path) {
    write(
        dir,
        "base.toml",
        &BASE.replace("block_interval = \"50ms\"", "block_interval = \"400ms\""),
    );
}

#[test]
fn compare_calls_a_slower_protocol_regressed_and_an_unchanged_rerun_no_change() {
    let (tmp, s) = setup("\"network.validators\" = [4, 7]");
    let run = |out: &str| {
        let o = run_limited(
            touchstone(tmp.path(), &["sweep", s.to_str().unwrap(), "--out", out, "-q"]),
            300,
        );
        assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    };
    run("base");
    run("again");
    slow_base(tmp.path());
    run("slow");
    let o = ts(tmp.path(), &["compare", "base", "again"]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    assert!(text(&o).starts_with("NO CHANGE"), "{}", text(&o));
    let o = ts(tmp.path(), &["compare", "base", "slow"]);
    let t = text(&o);
    assert_eq!(o.status.code(), Some(1), "{t}");
    assert!(t.starts_with("REGRESSED"), "{t}");
    assert!(t.contains("regressed  validators=4 latency p50"), "{t}");
    assert!(t.contains("rule: a metric changes when its median"), "{t}");
    // JSON for CI, and two run directories compare the same way.
    let o = ts(tmp.path(), &["compare", "base", "slow", "--format", "json"]);
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(v["overall"], "regressed");
    let o = ts(tmp.path(), &["compare", "base/runs/c00-4/sim-s1", "slow/runs/c00-4/sim-s1"]);
    assert_eq!(o.status.code(), Some(1), "{}", text(&o));
    let o = ts(tmp.path(), &["compare", "base", "base/runs/c00-4/sim-s1"]);
    assert_eq!(o.status.code(), Some(2), "no cell in common: {}", text(&o));
}

#[test]
fn a_plan_run_by_several_local_processes_collects_into_the_same_results() {
    let (tmp, s) =
        setup("\"network.protocol\" = [\"pbft\", \"hotstuff\"]\n\"network.validators\" = [4]");
    let plan = tmp.path().join("plan");
    let o =
        ts(tmp.path(), &["sweep", s.to_str().unwrap(), "--plan", "--out", plan.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    let commands = std::fs::read_to_string(plan.join("plan/commands.txt")).unwrap();
    let lines: Vec<&str> = commands.lines().collect();
    assert_eq!(lines.len(), 4);
    let job = std::fs::read_to_string(plan.join("plan/job.yaml")).unwrap();
    assert!(job.contains("completionMode: Indexed") && job.contains("completions: 4"), "{job}");
    assert!(job.contains("JOB_COMPLETION_INDEX"));
    let slurm = std::fs::read_to_string(plan.join("plan/slurm.sh")).unwrap();
    assert!(
        slurm.contains("#SBATCH --array=0-3") && slurm.contains("SLURM_ARRAY_TASK_ID"),
        "{slurm}"
    );
    // Four workers as a scheduler would start them: each runs its own line, from anywhere.
    let children: Vec<_> = (0..lines.len())
        .map(|i| {
            Command::new("sh")
                .arg(plan.join("plan/slurm.sh"))
                .env("SLURM_ARRAY_TASK_ID", i.to_string())
                .env("TOUCHSTONE", env!("CARGO_BIN_EXE_touchstone"))
                .current_dir("/")
                .stdout(Stdio::piped())
                .stderr(Stdio::piped())
                .spawn()
                .unwrap()
        })
        .collect();
    for c in children {
        let o =
            crate::support::wait_limited(c, std::time::Duration::from_secs(300), "a plan's task");
        assert!(o.status.success(), "{}", text(&o));
    }
    let o = ts(
        tmp.path(),
        &[
            "sweep",
            s.to_str().unwrap(),
            "--collect",
            plan.join("runs").to_str().unwrap(),
            "--out",
            plan.to_str().unwrap(),
        ],
    );
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    let collected = results(&plan);
    assert_eq!(collected["missing"].as_array().unwrap().len(), 0);
    // The same cells run here give the same fingerprints.
    let here = tmp.path().join("here");
    let o = run_limited(
        touchstone(
            tmp.path(),
            &["sweep", s.to_str().unwrap(), "--out", here.to_str().unwrap(), "-q"],
        ),
        300,
    );
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    assert_eq!(fingerprints(&collected), fingerprints(&results(&here)));
    assert!(std::fs::read_to_string(plan.join("sweep.html")).unwrap().contains("<svg"));
}

#[test]
fn every_shipped_sweep_is_valid() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../scenarios/sweeps");
    let mut n = 0;
    for e in std::fs::read_dir(&dir).unwrap() {
        let p = e.unwrap().path();
        if p.extension().is_some_and(|x| x == "toml") {
            let s = touchstone::sweep::prepare(&p).unwrap_or_else(|e| panic!("{e}"));
            assert!(s.cells.len() >= 2, "{}", p.display());
            n += 1;
        }
    }
    assert!(n >= 4, "the shipped sweeps: {n}");
}

#[test]
fn a_suite_scores_b41_and_b42_from_the_runs_of_its_sweeps() {
    let tmp = tempfile::tempdir().unwrap();
    write(tmp.path(), "base.toml", BASE);
    write(
        tmp.path(),
        "wan-base.toml",
        &BASE.replace(
            "[workload]",
            "[[network.links]]\nfrom = [\"n0\", \"n1\"]\nto = [\"n2\", \"n3\"]\nlink = { latency = \"114ms\" }\n\n[workload]",
        ),
    );
    write(
        tmp.path(),
        "scale.toml",
        "name = \"scale\"\nbase = \"base.toml\"\npurpose = [\"scale\"]\n[grid]\n\"network.validators\" = [4, 16]\n",
    );
    write(
        tmp.path(),
        "wan.toml",
        "name = \"wan\"\nbase = \"wan-base.toml\"\npurpose = [\"wan\"]\n[grid]\n\"network.links.0.link.latency\" = [\"0ms\", \"114ms\"]\n",
    );
    write(
        tmp.path(),
        "suite.toml",
        "name = \"s\"\nprofile = \"regulator\"\n[[sweeps]]\npath = \"scale.toml\"\n[[sweeps]]\npath = \"wan.toml\"\n",
    );
    let o =
        run_limited(touchstone(tmp.path(), &["suite", "suite.toml", "--out", "out", "-q"]), 300);
    assert!(matches!(o.status.code(), Some(0 | 1)), "{}", text(&o));
    let report: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(tmp.path().join("out/report.json")).unwrap())
            .unwrap();
    let ind = |id: &str| {
        report["areas"]
            .as_array()
            .unwrap()
            .iter()
            .flat_map(|a| a["groups"].as_array().unwrap().iter())
            .flat_map(|g| g["indicators"].as_array().unwrap().iter())
            .find(|i| i["id"] == id)
            .unwrap()
            .clone()
    };
    for (id, cells) in [("B4.1", ["c00-4", "c01-16"]), ("B4.2", ["c00-0ms", "c01-114ms"])] {
        let i = ind(id);
        assert_eq!(i["evaluated"], true, "{i}");
        let fed: Vec<String> = i["fed_by"]
            .as_array()
            .unwrap()
            .iter()
            .map(|f| f["run"].as_str().unwrap().to_string())
            .collect();
        assert_eq!(fed.len(), 2, "{fed:?}");
        for (f, c) in fed.iter().zip(cells) {
            assert!(f.starts_with("sweeps/") && f.contains(c), "{id}: {fed:?}");
        }
    }
    assert!(tmp.path().join("out/sweeps/scale/sweep.html").is_file());
    let r = ts(tmp.path(), &["report", "out"]);
    assert!(matches!(r.status.code(), Some(0 | 1)), "the suite re-renders: {}", text(&r));
}
