//! `touchstone sweep`: one base scenario run over a grid (or a list) of values of its fields,
//! several seeds per cell, every run an ordinary run directory, and the results gathered into
//! `results.csv`, `results.json` and `sweep.html`.
//!
//! ```toml
//! name = "protocols-vs-n"
//! base = "../payment-latency.toml"    # relative to this file
//! seeds = [1, 2, 3]
//! purpose = ["scale"]                 # optional: the cells' purpose (which indicators they feed)
//! [set]                               # optional: the same override in every cell
//! "workload.phases.steady.duration" = "10s"
//! [grid]                              # every combination; the first axis varies slowest
//! "network.protocol" = ["pbft", "tendermint", "hotstuff", "raft"]
//! "network.validators" = [4, 7, 16, 31, 64]
//! ```
//! or, instead of `[grid]`, a list of `[[cells]]`, each setting the same fields. The format and
//! the field paths are documented in docs/sweeps.md.
//!
//! 1. [`prepare`] builds every cell's scenario (the base's TOML with the cell's values set,
//!    everything else as written) and validates it; nothing runs unless every cell is valid, and
//!    an error names the sweep file, the line and the field.
//! 2. [`run::run`] writes the cells' scripts to `DIR/scenarios/` and runs every cell × seed on
//!    all cores through the same pipeline as `touchstone run`, into `DIR/runs/<cell>/`; results
//!    do not depend on the number of threads (each run is deterministic on its own).
//! 3. [`output::write`] reads the run directories back into rows and writes the results and
//!    the page; `--collect` does the same from run directories that ran anywhere ([`plan`]).

mod apply;
mod file;
pub mod output;
pub mod plan;
pub mod run;

pub use file::{SweepError, SweepFile};

use std::path::{Path, PathBuf};
use touchstone_core::scenario::{self, Scenario};

/// A cell ready to run: its id, values, scenario and script text.
#[derive(Debug, Clone)]
pub struct PreparedCell {
    pub id: String,
    /// (path, value as written), in axis order.
    pub params: Vec<(String, String)>,
    pub scenario: Scenario,
    pub text: String,
    /// SHA-256 of `text` (how `--collect` recognises a run of this cell).
    pub sha256: String,
}

/// A sweep whose every cell is valid.
#[derive(Debug, Clone)]
pub struct Prepared {
    pub file: SweepFile,
    pub cells: Vec<PreparedCell>,
}

impl Prepared {
    /// The default sweep directory: `touchstone-out/sweeps/<name>/`.
    pub fn default_dir(&self) -> PathBuf {
        PathBuf::from("touchstone-out").join("sweeps").join(&self.file.name)
    }

    /// The results' cell list.
    pub fn result_cells(&self) -> Vec<touchstone_reports::sweep::Cell> {
        self.cells
            .iter()
            .map(|c| touchstone_reports::sweep::Cell { id: c.id.clone(), params: c.params.clone() })
            .collect()
    }
}

/// `c07-pbft-16`: the cell's number, then its values made safe for a directory name.
fn cell_id(i: usize, total: usize, values: &[String]) -> String {
    let width = total.saturating_sub(1).to_string().len().max(2);
    let mut id = format!("c{i:0width$}");
    for v in values {
        id.push('-');
        id.extend(v.chars().map(|c| {
            if c.is_ascii_alphanumeric() || c == '.' || c == '_' {
                c.to_ascii_lowercase()
            } else {
                '_'
            }
        }));
    }
    id
}

/// Loads a sweep file and prepares every cell (see the module documentation).
pub fn prepare(path: &Path) -> Result<Prepared, SweepError> {
    let f = SweepFile::load(path)?;
    file::known_paths(&f)?;
    let base = std::fs::read_to_string(&f.base).map_err(|e| {
        f.error(file::key_line(&f.text, "base"), "base", format!("{}: {e}", f.base.display()))
    })?;
    // The base alone must be valid: its own errors are the base's, not a cell's.
    let base_scenario = scenario::parse(&base, &f.base.display().to_string())
        .map_err(|e| f.error(file::key_line(&f.text, "base"), "base", e.to_string()))?;
    let mut cells = Vec::with_capacity(f.cells.len());
    for (i, values) in f.cells.iter().enumerate() {
        let shown: Vec<String> = values.iter().map(|s| s.shown()).collect();
        let id = cell_id(i, f.cells.len(), &shown);
        let mut doc: toml_edit::DocumentMut =
            base.parse().map_err(|e| f.error(0, "base", format!("{}: {e}", f.base.display())))?;
        // Fixed settings, then the cell's; a Byzantine count last (it reads the validators).
        let mut all: Vec<&file::Setting> = f.set.iter().chain(values).collect();
        all.sort_by_key(|s| s.path.written.ends_with("byzantine.count"));
        for s in all {
            apply::set(&mut doc, &s.path, &s.value)
                .map_err(|m| f.error(s.line, &s.path.written, format!("= {}: {m}", s.value)))?;
        }
        doc.insert(
            "name",
            toml_edit::value(format!(
                "{}-{}",
                base_scenario.name,
                &id[..id.find('-').unwrap_or(id.len())]
            )),
        );
        if let Some(p) = &f.purpose {
            let mut a = toml_edit::Array::new();
            p.iter().for_each(|x| a.push(x.as_str()));
            doc.insert("purpose", toml_edit::value(a));
        }
        let text = format!(
            "# Cell {id} of sweep {} ({}): {}\n{doc}",
            f.name,
            f.file.display(),
            values
                .iter()
                .map(|s| format!("{} = {}", s.path.written, s.value))
                .collect::<Vec<_>>()
                .join(", ")
        );
        let sc = scenario::parse(&text, &format!("{} cell {id}", f.file.display()))
            .map_err(|e| invalid_cell(&f, &id, values, &e))?;
        cells.push(PreparedCell {
            id,
            params: values.iter().map(|s| (s.path.written.clone(), s.shown())).collect(),
            sha256: touchstone_core::rundir::sha256_hex(text.as_bytes()),
            scenario: sc,
            text,
        });
    }
    Ok(Prepared { file: f, cells })
}

/// The error of a cell whose scenario is invalid: at the line of the setting the scenario's
/// diagnostic names (else the cell's first value), quoting the diagnostics.
fn invalid_cell(
    f: &SweepFile,
    id: &str,
    values: &[file::Setting],
    e: &scenario::ScenarioError,
) -> SweepError {
    // `network.links[0].link` in a diagnostic is `network.links.0.link` in a sweep.
    let fields: Vec<String> =
        e.diagnostics().iter().map(|d| d.field.replace('[', ".").replace(']', "")).collect();
    let hit = values
        .iter()
        .chain(&f.set)
        .find(|s| fields.iter().any(|d| d.starts_with(s.path.written.as_str())))
        .or_else(|| values.first())
        .or_else(|| f.set.first());
    let (line, field) = hit.map(|s| (s.line, s.path.written.clone())).unwrap_or((0, "grid".into()));
    let cell =
        values.iter().map(|s| format!("{} = {}", s.path.written, s.value)).collect::<Vec<_>>();
    let why: Vec<String> =
        e.diagnostics().iter().map(|d| format!("{}: {}", d.field, d.message)).collect();
    f.error(
        line,
        &field,
        format!(
            "cell {id} ({}) is not a valid scenario: {}",
            cell.join(", "),
            if why.is_empty() { e.to_string() } else { why.join("; ") }
        ),
    )
}
