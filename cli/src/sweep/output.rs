//! The sweep directory's results: run directories read back into rows (`results.json`,
//! `results.csv`) and the page (`sweep.html`), with the scale curve (B4.1) and the WAN
//! sensitivity (B4.2) of the rubric computed from the runs that may feed them.

use super::Prepared;
use crate::exit::Failure;
use std::collections::BTreeMap;
use std::fmt::Write;
use std::path::{Path, PathBuf};
use touchstone_reports::input::RunInput;
use touchstone_reports::sweep::{SweepResults, SweepRow, RESULTS_FORMAT};

/// A run directory found for a cell and seed.
#[derive(Debug, Clone)]
pub struct Found {
    pub cell: usize,
    pub seed: u64,
    pub dir: PathBuf,
}

/// The run directories of `p` under its sweep directory `dir` (where `touchstone sweep` put
/// them).
pub fn in_place(p: &Prepared, dir: &Path) -> Vec<Found> {
    let mut v = Vec::new();
    for (ci, c) in p.cells.iter().enumerate() {
        for s in &p.file.seeds {
            let d = dir.join(super::run::run_rel(p, c, *s));
            if d.join("run.json").is_file() {
                v.push(Found { cell: ci, seed: *s, dir: d });
            }
        }
    }
    v
}

/// Rows, results and the page from `found`, written into `dir`. Returns the results.
pub fn write(p: &Prepared, dir: &Path, found: &[Found]) -> Result<SweepResults, Failure> {
    let mut rows = Vec::new();
    let mut inputs: Vec<RunInput> = Vec::new();
    for f in found {
        let c = &p.cells[f.cell];
        let label = f
            .dir
            .strip_prefix(dir)
            .map(|r| r.to_string_lossy().into_owned())
            .unwrap_or_else(|_| f.dir.display().to_string());
        let row = SweepRow::from_run_dir(&f.dir, &label, &c.id, &c.params)
            .map_err(|e| Failure::bad_input(e.to_string()))?;
        rows.push(row);
        if let Ok(record) = touchstone_reports::sweep::read_record(&f.dir) {
            inputs.push(RunInput {
                label,
                dir: f.dir.clone(),
                record,
                check: None,
                conformance: Vec::new(),
                trace: None,
                trace_note: None,
                rerun: None,
            });
        }
    }
    rows.sort_by(|a, b| (&a.cell, a.seed).cmp(&(&b.cell, b.seed)));
    let mut missing = Vec::new();
    for (ci, c) in p.cells.iter().enumerate() {
        for s in &p.file.seeds {
            if !found.iter().any(|f| f.cell == ci && f.seed == *s) {
                missing.push(format!("{} seed {s}", c.id));
            }
        }
    }
    let results = SweepResults {
        format: RESULTS_FORMAT.into(),
        name: p.file.name.clone(),
        description: p.file.description.clone(),
        base: p.file.base_written.clone(),
        axes: p.file.axes.clone(),
        seeds: p.file.seeds.clone(),
        cells: p.result_cells(),
        rows,
        missing,
    };
    let io =
        |path: PathBuf, e: std::io::Error| Failure::harness(format!("{}: {e}", path.display()));
    std::fs::create_dir_all(dir).map_err(|e| io(dir.to_path_buf(), e))?;
    for (name, text) in [
        ("results.json", results.to_json()),
        ("results.csv", results.to_csv()),
        ("sweep.html", touchstone_reports::sweep::html::render(&results, &rubric_html(&inputs))),
    ] {
        std::fs::write(dir.join(name), text).map_err(|e| io(dir.join(name), e))?;
    }
    Ok(results)
}

/// B4.1 and B4.2 per protocol, from the runs whose scenario's purpose is `scale` or `wan`.
pub fn scale_and_wan(inputs: &[RunInput]) -> Vec<(String, String, Result<String, String>)> {
    use touchstone_reports::measure::suite::compare_runs;
    let mut by_protocol: BTreeMap<String, Vec<&RunInput>> = BTreeMap::new();
    for r in inputs {
        by_protocol.entry(r.record.adapter.system.protocol.clone()).or_default().push(r);
    }
    let mut out = Vec::new();
    for (id, purpose, metric) in
        [("B4.1", "scale", "derived.scale_p99_ratio"), ("B4.2", "wan", "derived.wan_p99_delta")]
    {
        for (proto, runs) in &by_protocol {
            let fed: Vec<&RunInput> = runs
                .iter()
                .copied()
                .filter(|r| {
                    r.record.scenario.kind == "payment"
                        && r.record.scenario.purpose.iter().any(|p| p == purpose)
                })
                .collect();
            if fed.is_empty() {
                continue;
            }
            let v = compare_runs(metric, &fed).map(|c| c.evidence);
            out.push((id.to_string(), proto.clone(), v));
        }
    }
    out
}

fn rubric_html(inputs: &[RunInput]) -> String {
    let lines = scale_and_wan(inputs);
    if lines.is_empty() {
        return String::new();
    }
    let e = touchstone_reports::junit::escape;
    let mut h = String::from("<section id=\"rubric\"><h2>Rubric: scale curve and WAN sensitivity</h2><p class=\"small muted\">B4.1 is p99 at ≥ 16 validators over p99 at 4 (target ≤ 2×); B4.2 is the rise of p99 with a ≥ 100 ms one-way link between two groups of validators over the same network without (target ≤ +67 %). Computed per protocol from this sweep's payment runs whose purpose is <code>scale</code> or <code>wan</code>; <code>touchstone suite</code> scores them with the rubric.</p><ul>");
    for (id, proto, v) in lines {
        let _ = match v {
            Ok(ev) => write!(h, "<li><b>{id}</b> {}: {}</li>", e(&proto), e(&ev)),
            Err(why) => {
                write!(h, "<li><b>{id}</b> {}: not evaluated — {}</li>", e(&proto), e(&why))
            }
        };
    }
    h.push_str("</ul></section>\n");
    h
}
