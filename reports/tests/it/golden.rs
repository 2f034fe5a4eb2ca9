//! Golden `report.json` of the committed fixture run (explicit update mode).

use super::support::*;
use touchstone_reports::{render_json, RunInput, Scorer};

#[test]
fn golden_report_json_of_fixture_run() {
    let dir = data_dir().join("data/run1");
    if std::env::var_os("TOUCHSTONE_UPDATE_FIXTURE").is_some() {
        touchstone_reports::synth::write_run_dir(&dir, &fixture_spec()).unwrap();
    }
    let run = RunInput::load_labelled(&dir, "tests/data/run1").expect("fixture run loads");
    let title = run.record.scenario.name.clone();
    let report = Scorer::new(None).unwrap().score("regulator", "run", &title, &[run]).unwrap();
    let got = render_json(&report);
    let golden = data_dir().join("golden/report.json");
    if std::env::var_os("TOUCHSTONE_UPDATE_GOLDEN").is_some() {
        std::fs::write(&golden, &got).unwrap();
    }
    let want = std::fs::read_to_string(&golden)
        .expect("golden file exists (TOUCHSTONE_UPDATE_GOLDEN=1 creates it)");
    if got != want {
        let first = got.lines().zip(want.lines()).position(|(a, b)| a != b).unwrap_or(0);
        panic!(
            "report.json differs from {} at line {}:\n  got:  {}\n  want: {}\nIf the change is intended: TOUCHSTONE_UPDATE_GOLDEN=1 cargo test -p touchstone-reports --test it golden",
            golden.display(),
            first + 1,
            got.lines().nth(first).unwrap_or(""),
            want.lines().nth(first).unwrap_or("")
        );
    }
}
