//! One row of a sweep's results: a run directory read back as the cell's parameters, its seed,
//! its headline metrics, verdict and fingerprint.

use crate::error::ReportError;
use serde::{Deserialize, Serialize};
use std::path::Path;
use touchstone_core::record::{RunRecord, RunStatus};

/// One run of a sweep.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SweepRow {
    pub cell: String,
    /// The cell's axis values (path, value as written in TOML).
    pub params: Vec<(String, String)>,
    pub seed: u64,
    /// The run directory, relative to the sweep directory where it is below it.
    pub dir: String,
    pub protocol: String,
    pub validators: usize,
    /// `completed`, `interrupted`, `adapter_failed`, `limit_exceeded`, `running`.
    pub status: String,
    pub exit_code: i32,
    pub passed: bool,
    /// The verdict's failed gates and criteria.
    pub failed: Vec<String>,
    pub fingerprint: String,
    pub metrics: Headline,
}

/// A run's headline metrics (measured phases; warm-up excluded). Latencies are `None` when
/// nothing committed.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Headline {
    pub offered_tps: f64,
    /// Committed transactions of the measured phases per second of those phases (late commits,
    /// after the load stopped, included).
    pub committed_tps: f64,
    /// Commits observed per second while the measured load ran (the per-second series over the
    /// measured phases): what the chain sustains; below the offered rate past saturation, where
    /// `committed_tps` still counts the backlog drained after the load.
    #[serde(default)]
    pub sustained_tps: Option<f64>,
    pub success_rate: f64,
    pub p50_ms: Option<f64>,
    pub p90_ms: Option<f64>,
    pub p99_ms: Option<f64>,
    pub p999_ms: Option<f64>,
    pub max_ms: Option<f64>,
    pub committed: u64,
    pub rejected: u64,
    pub unknown: u64,
    /// 1 when every gate (the safety properties, unless the scenario says otherwise) held, 0
    /// when one failed; `None` when the trace was not checked.
    #[serde(default)]
    pub gates_held: Option<f64>,
    /// Progress after the largest fault was undone (indicator C4.1, else catch-up C1.2, from the
    /// run's report.json); `None` without such a fault.
    pub recovery_ms: Option<f64>,
}

impl SweepRow {
    /// The value of axis `path` in this row.
    pub fn param(&self, path: &str) -> Option<&str> {
        self.params.iter().find(|(k, _)| k == path).map(|(_, v)| v.as_str())
    }

    /// Reads the run directory `dir` (run.json, and report.json when present) as a row of
    /// `cell`; `label` is how the row names the directory.
    pub fn from_run_dir(
        dir: &Path,
        label: &str,
        cell: &str,
        params: &[(String, String)],
    ) -> Result<SweepRow, ReportError> {
        let record = read_record(dir)?;
        let mut metrics = headline(&record);
        metrics.recovery_ms = recovery_ms(dir);
        metrics.gates_held = (record.check.is_some()).then(|| {
            if record.verdict.failed.iter().any(|f| f.starts_with("gate ")) {
                0.0
            } else {
                1.0
            }
        });
        let status = serde_json::to_value(record.status)
            .ok()
            .and_then(|v| v.as_str().map(String::from))
            .unwrap_or_else(|| format!("{:?}", record.status).to_lowercase());
        Ok(SweepRow {
            cell: cell.into(),
            params: params.to_vec(),
            seed: record.seed,
            dir: label.into(),
            protocol: record.adapter.system.protocol.clone(),
            validators: record.adapter.system.validators.len(),
            status,
            exit_code: record.verdict.exit_code,
            passed: record.verdict.passed && record.status == RunStatus::Completed,
            failed: record.verdict.failed.clone(),
            fingerprint: record.trace.fingerprint.clone(),
            metrics,
        })
    }
}

/// Reads `dir/run.json` as a run record.
pub fn read_record(dir: &Path) -> Result<RunRecord, ReportError> {
    let p = dir.join("run.json");
    let ps = p.display().to_string();
    let text = touchstone_core::input::read_text_capped(
        &p,
        touchstone_core::input::MAX_RECORD_BYTES,
        "run record",
    )
    .map_err(|e| ReportError::input(&ps, "<file>", e.to_string()))?;
    serde_json::from_str(&text).map_err(|e| {
        ReportError::input(&ps, "<json>", format!("line {} column {}: {e}", e.line(), e.column()))
    })
}

fn headline(r: &RunRecord) -> Headline {
    let Some(m) = &r.metrics else { return Headline::default() };
    let s = &m.measured;
    let ms = |ns: u64| (s.latency.count > 0).then_some(ns as f64 / 1e6);
    let measured: Vec<_> = m.phases.iter().filter(|p| !p.warmup).collect();
    let from = measured.iter().map(|p| p.start_ns).min().unwrap_or(0) / 1_000_000_000;
    let to = measured.iter().map(|p| p.end_ns).max().unwrap_or(0).div_ceil(1_000_000_000);
    let in_window: u64 =
        m.series.iter().filter(|x| x.t_s >= from && x.t_s < to).map(|x| x.committed).sum();
    let sustained = (to > from).then(|| in_window as f64 / (to - from) as f64);
    Headline {
        offered_tps: s.offered_tps,
        committed_tps: s.committed_tps,
        sustained_tps: sustained,
        success_rate: s.success_rate,
        p50_ms: ms(s.latency.p50_ns),
        p90_ms: ms(s.latency.p90_ns),
        p99_ms: ms(s.latency.p99_ns),
        p999_ms: ms(s.latency.p999_ns),
        max_ms: ms(s.latency.max_ns),
        committed: s.committed,
        rejected: s.rejected,
        unknown: s.unknown,
        recovery_ms: None,
        gates_held: None,
    }
}

fn recovery_ms(dir: &Path) -> Option<f64> {
    let report = crate::read_report(&dir.join("report.json")).ok()?;
    let all: Vec<_> =
        report.areas.iter().flat_map(|a| &a.groups).flat_map(|g| &g.indicators).collect();
    ["C4.1", "C1.2"]
        .iter()
        .find_map(|id| all.iter().find(|i| i.id == *id && i.evaluated).and_then(|i| i.measured))
        .map(|ns| ns / 1e6)
}
