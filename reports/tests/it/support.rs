//! Shared helpers: synthetic run directories.

use std::path::{Path, PathBuf};
use touchstone_reports::synth::{self, Synth};
use touchstone_reports::{Report, RunInput, Scorer};

pub fn data_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests")
}

/// The synthetic spec of the committed fixture: small, with a crash, a Byzantine node and a fork.
pub fn fixture_spec() -> Synth {
    Synth {
        name: "fixture-payments".into(),
        seconds: 30,
        tps: 20,
        block_interval_ns: 500_000_000,
        fork_at: Some(12),
        ..Synth::small()
    }
}

/// A synthetic run in a fresh temp dir.
pub fn synth_run(s: &Synth) -> (tempfile::TempDir, PathBuf) {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("run");
    synth::write_run_dir(&dir, s).unwrap();
    (tmp, dir)
}

pub fn score_dir(dir: &Path, profile: &str) -> Report {
    let run = RunInput::load_labelled(dir, "run").unwrap();
    let title = run.record.scenario.name.clone();
    Scorer::new(None).unwrap().score(profile, "run", &title, &[run]).unwrap()
}
