//! Two sweeps (or two runs, each a one-cell sweep) judged cell by cell: per headline metric,
//! `improved`, `regressed` or `no change` by the rule of [`crate::rule`] over the seeds of the
//! cell on each side, and per cell the verdicts (every seed passed before, one fails now:
//! regressed). Cells are matched by their parameters, not their ids, so two sweeps whose grids
//! overlap compare on the overlap.

use super::{SweepResults, SweepRow, METRICS};
use crate::rule::{judge, median, statement, Change};
use serde::{Deserialize, Serialize};
use std::fmt::Write;

/// `touchstone compare`'s result.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SweepComparison {
    pub format: String,
    pub base: String,
    pub new: String,
    /// The statistical rule, stated.
    pub rule: String,
    /// Regressed if any cell regressed; else improved if any improved; else no change; not
    /// comparable when no cell is on both sides.
    pub overall: Change,
    pub cells: Vec<CellComparison>,
    /// Cells on one side only (by label).
    pub only_base: Vec<String>,
    pub only_new: Vec<String>,
}

/// One cell on both sides.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CellComparison {
    /// `protocol=pbft validators=16` (or the run's scenario name for two runs).
    pub cell: String,
    pub base_seeds: Vec<u64>,
    pub new_seeds: Vec<u64>,
    /// Passed runs / runs, each side.
    pub base_passed: String,
    pub new_passed: String,
    pub verdict: Change,
    pub metrics: Vec<MetricChange>,
}

/// One metric of one cell.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MetricChange {
    pub metric: String,
    pub unit: String,
    pub base: Vec<f64>,
    pub new: Vec<f64>,
    pub base_median: Option<f64>,
    pub new_median: Option<f64>,
    pub change: Change,
}

impl CellComparison {
    /// The worst of the verdict and the metrics (regressed beats improved).
    pub fn change(&self) -> Change {
        let all = std::iter::once(self.verdict).chain(self.metrics.iter().map(|m| m.change));
        worst(all)
    }
}

fn worst(it: impl Iterator<Item = Change>) -> Change {
    let mut out = Change::NotComparable;
    for c in it {
        out = match (out, c) {
            (Change::Regressed, _) | (_, Change::Regressed) => Change::Regressed,
            (Change::Improved, _) | (_, Change::Improved) => Change::Improved,
            (Change::NoChange, _) | (_, Change::NoChange) => Change::NoChange,
            _ => Change::NotComparable,
        };
    }
    out
}

fn key(r: &SweepResults, id: &str) -> String {
    r.cells
        .iter()
        .find(|c| c.id == id)
        .map(|c| if c.params.is_empty() { "run".to_string() } else { c.label() })
        .unwrap_or_else(|| id.to_string())
}

fn verdict(base: &[&SweepRow], new: &[&SweepRow]) -> Change {
    let all = |v: &[&SweepRow]| v.iter().all(|r| r.passed);
    match (all(base), all(new)) {
        (true, false) => Change::Regressed,
        (false, true) => Change::Improved,
        _ => Change::NoChange,
    }
}

/// Compares `base` with `new`, cell by cell.
pub fn compare(base: &SweepResults, new: &SweepResults) -> SweepComparison {
    let mut cells = Vec::new();
    let mut only_base = Vec::new();
    for c in &base.cells {
        let label = key(base, &c.id);
        let Some(nc) = new.cells.iter().find(|n| key(new, &n.id) == label) else {
            only_base.push(label);
            continue;
        };
        let (b, n) = (base.rows_of(&c.id), new.rows_of(&nc.id));
        if b.is_empty() || n.is_empty() {
            continue;
        }
        let metrics = METRICS
            .iter()
            .map(|m| {
                let vals = |v: &[&SweepRow]| -> Vec<f64> {
                    v.iter().filter_map(|r| (m.get)(&r.metrics)).collect()
                };
                let (bv, nv) = (vals(&b), vals(&n));
                MetricChange {
                    metric: m.name.into(),
                    unit: m.unit.into(),
                    base_median: median(&bv),
                    new_median: median(&nv),
                    change: judge(&bv, &nv, m.better),
                    base: bv,
                    new: nv,
                }
            })
            .filter(|m| !(m.base.is_empty() && m.new.is_empty()))
            .collect();
        let passed =
            |v: &[&SweepRow]| format!("{}/{}", v.iter().filter(|r| r.passed).count(), v.len());
        cells.push(CellComparison {
            cell: label,
            base_seeds: b.iter().map(|r| r.seed).collect(),
            new_seeds: n.iter().map(|r| r.seed).collect(),
            base_passed: passed(&b),
            new_passed: passed(&n),
            verdict: verdict(&b, &n),
            metrics,
        });
    }
    let only_new = new
        .cells
        .iter()
        .map(|c| key(new, &c.id))
        .filter(|l| !base.cells.iter().any(|b| key(base, &b.id) == *l))
        .collect();
    SweepComparison {
        format: "touchstone-sweep-compare/1".into(),
        base: base.name.clone(),
        new: new.name.clone(),
        rule: statement(),
        overall: worst(cells.iter().map(|c| c.change())),
        cells,
        only_base,
        only_new,
    }
}

fn shown(v: Option<f64>, unit: &str) -> String {
    match v {
        None => "—".into(),
        Some(x) if unit == "share" => format!("{:.2}%", x * 100.0),
        Some(x) => format!("{x:.1} {unit}"),
    }
}

/// Terminal form: the overall verdict, every changed metric of every cell, then a count.
pub fn render_text(c: &SweepComparison) -> String {
    let mut o = String::new();
    let _ = writeln!(o, "{}: {} → {}", c.overall.label().to_uppercase(), c.base, c.new);
    let mut quiet = 0;
    for cell in &c.cells {
        if cell.verdict != Change::NoChange {
            let _ = writeln!(
                o,
                "  {:<10} {} verdict: passed {} → {}",
                cell.verdict.label(),
                cell.cell,
                cell.base_passed,
                cell.new_passed
            );
        }
        for m in &cell.metrics {
            if matches!(m.change, Change::Regressed | Change::Improved) {
                let _ = writeln!(
                    o,
                    "  {:<10} {} {}: median {} → {} (seeds {:?} → {:?})",
                    m.change.label(),
                    cell.cell,
                    m.metric,
                    shown(m.base_median, &m.unit),
                    shown(m.new_median, &m.unit),
                    cell.base_seeds,
                    cell.new_seeds
                );
            } else {
                quiet += 1;
            }
        }
    }
    let _ = writeln!(
        o,
        "  {} cell(s) compared; {quiet} metric(s) no change or not comparable",
        c.cells.len()
    );
    for (side, v) in [("base", &c.only_base), ("new", &c.only_new)] {
        if !v.is_empty() {
            let _ = writeln!(o, "  only in {side}: {}", v.join("; "));
        }
    }
    let _ = writeln!(o, "  rule: {}", c.rule);
    o
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sweep::{Cell, Headline, RESULTS_FORMAT};

    fn results(p99: &[(u64, f64)], passed: bool) -> SweepResults {
        let params = vec![("network.protocol".to_string(), "pbft".to_string())];
        SweepResults {
            format: RESULTS_FORMAT.into(),
            name: "s".into(),
            description: String::new(),
            base: "b.toml".into(),
            axes: vec!["network.protocol".into()],
            seeds: p99.iter().map(|x| x.0).collect(),
            cells: vec![Cell { id: "c0".into(), params: params.clone() }],
            rows: p99
                .iter()
                .map(|(seed, v)| SweepRow {
                    cell: "c0".into(),
                    params: params.clone(),
                    seed: *seed,
                    dir: String::new(),
                    protocol: "pbft".into(),
                    validators: 4,
                    status: "completed".into(),
                    exit_code: 0,
                    passed,
                    failed: vec![],
                    fingerprint: String::new(),
                    metrics: Headline {
                        committed_tps: 100.0,
                        success_rate: 1.0,
                        p50_ms: Some(v / 2.0),
                        p99_ms: Some(*v),
                        ..Default::default()
                    },
                })
                .collect(),
            missing: vec![],
        }
    }

    #[test]
    fn slower_seeds_regress_and_the_same_seeds_do_not() {
        let base = results(&[(1, 100.0), (2, 104.0), (3, 98.0)], true);
        let same = compare(&base, &base.clone());
        assert_eq!(same.overall, Change::NoChange);
        let slow = results(&[(1, 150.0), (2, 160.0), (3, 149.0)], true);
        let c = compare(&base, &slow);
        assert_eq!(c.overall, Change::Regressed);
        let p99 = c.cells[0].metrics.iter().find(|m| m.metric == "latency p99").unwrap();
        assert_eq!(p99.change, Change::Regressed);
        assert_eq!(p99.new_median, Some(150.0));
        let tput = c.cells[0].metrics.iter().find(|m| m.metric.contains("throughput")).unwrap();
        assert_eq!(tput.change, Change::NoChange);
        assert!(render_text(&c).starts_with("REGRESSED"));
        assert_eq!(compare(&slow, &base).overall, Change::Improved);
    }

    #[test]
    fn a_verdict_that_fails_now_regresses_the_cell() {
        let base = results(&[(1, 100.0)], true);
        let failing = results(&[(1, 100.0)], false);
        let c = compare(&base, &failing);
        assert_eq!(c.cells[0].verdict, Change::Regressed);
        assert_eq!(c.overall, Change::Regressed);
    }
}
