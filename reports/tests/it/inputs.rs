//! Missing, truncated or foreign run.json → errors naming the file and the field.

use super::support::*;
use touchstone_reports::synth::Synth;
use touchstone_reports::{ReportError, RunInput};

fn err(dir: &std::path::Path) -> ReportError {
    RunInput::load(dir).expect_err("refused")
}

#[test]
fn missing_run_json_names_the_file() {
    let tmp = tempfile::tempdir().unwrap();
    let e = err(tmp.path());
    assert!(e.is_bad_input());
    assert!(e.to_string().contains("run.json"), "{e}");
}

#[test]
fn truncated_run_json_names_the_file_and_position() {
    let (_t, dir) = synth_run(&Synth { seconds: 3, ..Synth::small() });
    let p = dir.join("run.json");
    let text = std::fs::read_to_string(&p).unwrap();
    std::fs::write(&p, &text[..text.len() / 2]).unwrap();
    let e = err(&dir).to_string();
    assert!(e.contains("run.json") && e.contains("truncated") && e.contains("line"), "{e}");
}

#[test]
fn foreign_json_names_the_format_field() {
    let tmp = tempfile::tempdir().unwrap();
    std::fs::write(tmp.path().join("run.json"), r#"{"name": "something else"}"#).unwrap();
    let e = err(tmp.path()).to_string();
    assert!(e.contains("run.json: format: missing"), "{e}");
    std::fs::write(tmp.path().join("run.json"), r#"{"format": "criterion/1"}"#).unwrap();
    assert!(err(tmp.path()).to_string().contains("format: \"criterion/1\""));
}

#[test]
fn run_json_missing_a_field_names_it() {
    let (_t, dir) = synth_run(&Synth { seconds: 3, ..Synth::small() });
    let p = dir.join("run.json");
    let mut v: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&p).unwrap()).unwrap();
    v.as_object_mut().unwrap().remove("scenario");
    std::fs::write(&p, serde_json::to_string(&v).unwrap()).unwrap();
    let e = err(&dir).to_string();
    assert!(e.contains("run.json: scenario: missing field `scenario`"), "{e}");
}

#[test]
fn missing_trace_is_a_note_not_an_error() {
    let (_t, dir) = synth_run(&Synth { seconds: 3, ..Synth::small() });
    std::fs::remove_file(dir.join("trace.jsonl")).unwrap();
    let r = score_dir(&dir, "vendor");
    assert!(r.notes.iter().any(|n| n.contains("no trace")), "{:?}", r.notes);
    assert!(r.charts[0].consensus.is_none());
    let f11 = r
        .areas
        .iter()
        .flat_map(|a| &a.groups)
        .flat_map(|g| &g.indicators)
        .find(|i| i.id == "F1.1")
        .unwrap();
    assert!(!f11.evaluated);
}
