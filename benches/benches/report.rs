//! Rendering the evaluation of a 1 M-transaction run: load run.json, scan the ~2 M-line trace
//! (consensus timeline, evidence), score, render report.json and report.html.
//!
//! `cargo bench -p touchstone-benches --bench report`
//! Budget (issue 5): ≤ 2 s per report, report.html ≤ 5 MB.

use criterion::{black_box, criterion_group, criterion_main, Criterion};
use touchstone_reports::synth::{write_run_dir, Synth};
use touchstone_reports::{html, render_json, RunInput, Scorer};

const TXS: u64 = 1_000_000;

fn render(c: &mut Criterion) {
    let tmp = tempfile::tempdir().expect("temp dir");
    let dir = tmp.path().join("run");
    let rec = write_run_dir(&dir, &Synth::large(TXS)).expect("synthetic 1M-tx run");
    let trace_mb =
        std::fs::metadata(dir.join("trace.jsonl")).map(|m| m.len()).unwrap_or(0) as f64 / 1e6;
    let scorer = Scorer::new(None).expect("default rubric");
    let once = || {
        let run = RunInput::load(&dir).expect("run loads");
        let r = scorer.score("vendor", "run", "bench", &[run]).expect("scores");
        (render_json(&r), html::render(&r))
    };
    let (json, page) = once();
    eprintln!(
        "report bench input: {} submitted, {} trace lines ({trace_mb:.0} MB); output report.json {:.2} MB, report.html {:.2} MB (budget 5 MB)",
        rec.metrics.as_ref().map(|m| m.measured.submitted).unwrap_or(0),
        rec.trace.lines,
        json.len() as f64 / 1e6,
        page.len() as f64 / 1e6
    );
    assert!(page.len() <= 5_000_000, "report.html over 5 MB");
    let mut g = c.benchmark_group("report");
    g.sample_size(10);
    g.bench_function("render/tx=1M", |b| b.iter(|| black_box(once())));
    g.finish();
}

criterion_group!(benches, render);
criterion_main!(benches);
