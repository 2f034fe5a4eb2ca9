//! The results of a parameter sweep (`touchstone sweep`): one row per run — the cell's
//! parameters, the seed, every headline metric, the verdict and the fingerprint — written as
//! `results.json` (format [`RESULTS_FORMAT`]) and `results.csv`, and rendered as `sweep.html`
//! ([`html::render`]): curves per protocol with the spread across seeds, the saturation knee, and a
//! table of every cell linking to its run report. [`compare`] judges two sweeps (or two runs)
//! cell by cell with the rule of [`crate::rule`].

pub mod compare;
pub mod html;
mod row;

pub use row::{read_record, Headline, SweepRow};

use crate::rubric::Better;
use serde::{Deserialize, Serialize};

/// `results.json`'s format.
pub const RESULTS_FORMAT: &str = "touchstone-sweep-results/1";

/// A sweep's results.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SweepResults {
    pub format: String,
    pub name: String,
    #[serde(default)]
    pub description: String,
    /// The base scenario, as the sweep file names it.
    pub base: String,
    /// The varied field paths, in the sweep file's order.
    pub axes: Vec<String>,
    pub seeds: Vec<u64>,
    /// Every cell, in order (also those without a run).
    pub cells: Vec<Cell>,
    pub rows: Vec<SweepRow>,
    /// `cell seed` pairs planned but without a run directory (a collect of an unfinished plan).
    #[serde(default)]
    pub missing: Vec<String>,
}

/// One point of the grid: its id and the value of every axis (as written in TOML).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Cell {
    pub id: String,
    pub params: Vec<(String, String)>,
}

impl Cell {
    /// `validators=16 protocol=pbft`: the axes by their last path segment.
    pub fn label(&self) -> String {
        self.params.iter().map(|(k, v)| format!("{}={}", short(k), v)).collect::<Vec<_>>().join(" ")
    }
}

/// The last segment of a field path that says what it is (`network.link.latency` → `latency`,
/// `workload.phases.steady.rate.tps` → `tps`).
pub fn short(path: &str) -> &str {
    path.rsplit('.').next().unwrap_or(path)
}

/// A headline metric: its key in [`Headline`], name, unit and direction.
#[derive(Debug, Clone, Copy)]
pub struct Metric {
    pub key: &'static str,
    pub name: &'static str,
    pub unit: &'static str,
    pub better: Better,
    pub get: fn(&Headline) -> Option<f64>,
}

/// The headline metrics, in the order of the CSV columns and the comparison.
pub const METRICS: &[Metric] = &[
    Metric {
        key: "committed_tps",
        name: "committed throughput",
        unit: "tx/s",
        better: Better::Higher,
        get: |h| Some(h.committed_tps),
    },
    Metric {
        key: "sustained_tps",
        name: "sustained throughput",
        unit: "tx/s",
        better: Better::Higher,
        get: |h| h.sustained_tps,
    },
    Metric {
        key: "p50_ms",
        name: "latency p50",
        unit: "ms",
        better: Better::Lower,
        get: |h| h.p50_ms,
    },
    Metric {
        key: "p99_ms",
        name: "latency p99",
        unit: "ms",
        better: Better::Lower,
        get: |h| h.p99_ms,
    },
    Metric {
        key: "success_rate",
        name: "success rate",
        unit: "share",
        better: Better::Higher,
        get: |h| Some(h.success_rate),
    },
    Metric {
        key: "gates_held",
        name: "safety gates held",
        unit: "share",
        better: Better::Higher,
        get: |h| h.gates_held,
    },
    Metric {
        key: "recovery_ms",
        name: "recovery time",
        unit: "ms",
        better: Better::Lower,
        get: |h| h.recovery_ms,
    },
];

impl SweepResults {
    /// The rows of cell `id`, in seed order.
    pub fn rows_of(&self, id: &str) -> Vec<&SweepRow> {
        let mut v: Vec<&SweepRow> = self.rows.iter().filter(|r| r.cell == id).collect();
        v.sort_by_key(|r| r.seed);
        v
    }

    /// `results.json` text.
    pub fn to_json(&self) -> String {
        serde_json::to_string_pretty(self).expect("sweep results serialize") + "\n"
    }

    /// `results.csv`: a header, then one line per run; the axes are columns of their own.
    pub fn to_csv(&self) -> String {
        let mut cols: Vec<String> = vec!["cell".into()];
        cols.extend(self.axes.iter().cloned());
        for c in [
            "seed",
            "protocol",
            "validators",
            "status",
            "exit_code",
            "passed",
            "offered_tps",
            "committed_tps",
            "sustained_tps",
            "success_rate",
            "p50_ms",
            "p90_ms",
            "p99_ms",
            "p999_ms",
            "max_ms",
            "committed",
            "rejected",
            "unknown",
            "recovery_ms",
            "gates_held",
            "failed",
            "fingerprint",
            "dir",
        ] {
            cols.push(c.into());
        }
        let mut out = cols.iter().map(|c| csv(c)).collect::<Vec<_>>().join(",") + "\n";
        for r in &self.rows {
            let opt = |v: Option<f64>| v.map(num).unwrap_or_default();
            let h = &r.metrics;
            let mut f: Vec<String> = vec![csv(&r.cell)];
            for a in &self.axes {
                f.push(csv(r.param(a).unwrap_or("")));
            }
            f.extend([
                r.seed.to_string(),
                csv(&r.protocol),
                r.validators.to_string(),
                csv(&r.status),
                r.exit_code.to_string(),
                r.passed.to_string(),
                num(h.offered_tps),
                num(h.committed_tps),
                opt(h.sustained_tps),
                num(h.success_rate),
                opt(h.p50_ms),
                opt(h.p90_ms),
                opt(h.p99_ms),
                opt(h.p999_ms),
                opt(h.max_ms),
                h.committed.to_string(),
                h.rejected.to_string(),
                h.unknown.to_string(),
                opt(h.recovery_ms),
                opt(h.gates_held),
                csv(&r.failed.join("; ")),
                csv(&r.fingerprint),
                csv(&r.dir),
            ]);
            out.push_str(&f.join(","));
            out.push('\n');
        }
        out
    }
}

fn num(v: f64) -> String {
    let s = format!("{v:.3}");
    let s = s.trim_end_matches('0').trim_end_matches('.');
    if s.is_empty() || s == "-" {
        "0".into()
    } else {
        s.to_string()
    }
}

/// A CSV field, quoted when it holds a comma, quote or line break (RFC 4180).
fn csv(s: &str) -> String {
    if s.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s.to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn csv_quotes_what_needs_it_and_numbers_are_short() {
        assert_eq!(csv("a,b"), "\"a,b\"");
        assert_eq!(csv("say \"x\""), "\"say \"\"x\"\"\"");
        assert_eq!(csv("plain"), "plain");
        assert_eq!(num(12.5), "12.5");
        assert_eq!(num(3.0), "3");
        assert_eq!(num(0.0), "0");
    }

    #[test]
    fn short_names_take_the_last_segment() {
        assert_eq!(short("network.link.latency"), "latency");
        assert_eq!(short("validators"), "validators");
        let c = Cell {
            id: "c0".into(),
            params: vec![
                ("network.protocol".into(), "pbft".into()),
                ("network.validators".into(), "16".into()),
            ],
        };
        assert_eq!(c.label(), "protocol=pbft validators=16");
    }
}
