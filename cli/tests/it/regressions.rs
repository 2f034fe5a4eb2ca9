//! Every script under `scenarios/regressions/` replays what it was kept for: its header line
//! `# expect: exit N (failed item, ...) with --seed S, ...` names the exit code of
//! `touchstone run SCRIPT --seed S` and, for a failure, what must be among the failed items —
//! a pass for a bug since fixed, the finding for a deliberately broken protocol variant.

use std::path::{Path, PathBuf};
use std::sync::atomic::AtomicBool;
use touchstone::pipeline::{run_one, RunParams};
use touchstone_core::Seed;

/// What a script's `# expect:` line asks.
#[derive(Debug, PartialEq)]
struct Expect {
    exit: i32,
    failed: Vec<String>,
    seeds: Vec<u64>,
}

fn expectation(text: &str) -> Option<Expect> {
    let line = text.lines().find_map(|l| l.strip_prefix("# expect:"))?.trim();
    let (head, seeds) = line.split_once("with --seed")?;
    let head = head.trim().strip_prefix("exit ")?;
    let (exit, failed) = match head.split_once('(') {
        Some((code, rest)) => (
            code.trim(),
            rest.trim_end_matches(')').split(',').map(|s| s.trim().to_string()).collect(),
        ),
        None => (head.trim(), Vec::new()),
    };
    Some(Expect {
        exit: exit.parse().ok()?,
        failed,
        seeds: seeds.split(',').map(|s| s.trim().parse().ok()).collect::<Option<_>>()?,
    })
}

fn scripts() -> Vec<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../scenarios/regressions");
    let mut v: Vec<PathBuf> = std::fs::read_dir(&dir)
        .expect("scenarios/regressions/")
        .map(|e| e.expect("entry").path())
        .filter(|p| p.extension().is_some_and(|x| x == "toml"))
        .collect();
    v.sort();
    v
}

#[test]
fn the_expect_line_reads_exit_code_failed_items_and_seeds() {
    assert_eq!(
        expectation("# x\n# expect: exit 1 (gate agreement, gate quorum) with --seed 7, 9\n"),
        Some(Expect {
            exit: 1,
            failed: vec!["gate agreement".into(), "gate quorum".into()],
            seeds: vec![7, 9]
        })
    );
    assert_eq!(
        expectation("# expect: exit 0 with --seed 1\n"),
        Some(Expect { exit: 0, failed: Vec::new(), seeds: vec![1] })
    );
    assert_eq!(expectation("# expect: maybe\n"), None);
}

#[test]
fn every_regression_scenario_replays_what_it_was_kept_for() {
    let out = tempfile::tempdir().unwrap();
    let scripts = scripts();
    assert!(!scripts.is_empty());
    let stop = AtomicBool::new(false);
    let mut problems = Vec::new();
    for script in &scripts {
        let text = std::fs::read_to_string(script).unwrap();
        let Some(expect) = expectation(&text) else {
            problems.push(format!(
                "{}: no `# expect: exit N ... with --seed S` line",
                script.display()
            ));
            continue;
        };
        for &seed in &expect.seeds {
            let stem = script.file_stem().unwrap().to_string_lossy().to_string();
            let params = RunParams {
                scenario: script.clone(),
                adapter: "sim".into(),
                adapter_config: None,
                seed: Seed(seed),
                out: Some(out.path().join(format!("{stem}-s{seed}"))),
                quiet: true,
                profile: "vendor".into(),
                rubric: None,
                quick: false,
                existing: touchstone_core::rundir::Existing::Refuse,
            };
            let v = match run_one(&params, &stop) {
                Ok(run) => run.record.verdict,
                Err(e) => {
                    problems.push(format!("{} --seed {seed}: {}", script.display(), e.message));
                    continue;
                }
            };
            let missing: Vec<&String> =
                expect.failed.iter().filter(|f| !v.failed.contains(f)).collect();
            if v.exit_code != expect.exit || !missing.is_empty() {
                problems.push(format!(
                    "{} --seed {seed}: exit {} (failed: {:?}), expected exit {} with {:?}",
                    script.display(),
                    v.exit_code,
                    v.failed,
                    expect.exit,
                    expect.failed
                ));
            }
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}
