//! Two evaluations side by side: per gate and per indicator, the values, the score delta, and a
//! judgement — `regressed`, `improved`, `no change` — by the rule of [`crate::rule`], the same
//! one `touchstone compare` applies to sweeps across seeds.
//!
//! An indicator's measured values are judged by [`crate::rule::judge`] (one run a side: its
//! value must move by at least [`NOISE_RELATIVE`], 5 %, in the indicator's better/worse
//! direction). An indicator with a score but no value is judged on the score (at least
//! [`NOISE_SCORE`], 2 points of 100). A gate regresses when it passed and now fails. The overall
//! score uses the 2-point threshold, and any regressed gate makes the whole `regressed`. An
//! indicator evaluated on one side only is `not comparable`.

use crate::display::display;
use crate::model::{GateStatus, IndicatorResult, Report};
pub use crate::rule::{Change, NOISE_RELATIVE};
use serde::{Deserialize, Serialize};
use std::fmt::Write;

/// Smallest score change (0–1) that is not noise.
pub const NOISE_SCORE: f64 = 0.02;

/// One row of the comparison.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Row {
    pub id: String,
    pub name: String,
    pub base: String,
    pub new: String,
    pub base_score: Option<f64>,
    pub new_score: Option<f64>,
    /// new − base score (0–1).
    pub delta: Option<f64>,
    pub change: Change,
}

/// Base (first) vs new (second).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Comparison {
    pub format: String,
    pub base: String,
    pub new: String,
    pub base_headline: String,
    pub new_headline: String,
    pub overall: Change,
    pub rows: Vec<Row>,
    pub noise_score: f64,
    pub noise_relative: f64,
}

fn judge_indicator(a: &IndicatorResult, b: &IndicatorResult) -> Change {
    let (Some(sa), Some(sb)) = (a.score, b.score) else { return Change::NotComparable };
    if let (Some(va), Some(vb), Some(better)) = (a.measured, b.measured, a.better) {
        return crate::rule::judge(&[va], &[vb], better);
    }
    let d = sb - sa;
    if d.abs() >= NOISE_SCORE {
        return if d > 0.0 { Change::Improved } else { Change::Regressed };
    }
    Change::NoChange
}

/// Compares `base` with `new`.
pub fn compare(base: &Report, new: &Report) -> Comparison {
    let mut rows = Vec::new();
    for g in &base.gates {
        let Some(h) = new.gates.iter().find(|x| x.id == g.id) else { continue };
        let rank = |s: GateStatus| match s {
            GateStatus::Fail => Some(0),
            GateStatus::Pass | GateStatus::ExpectedFail => Some(1),
            GateStatus::NotEvaluated => None,
        };
        let change = match (rank(g.status), rank(h.status)) {
            (Some(a), Some(b)) if b > a => Change::Improved,
            (Some(a), Some(b)) if b < a => Change::Regressed,
            (Some(_), Some(_)) => Change::NoChange,
            _ => Change::NotComparable,
        };
        let st = |s: GateStatus| {
            serde_json::to_value(s)
                .ok()
                .and_then(|v| v.as_str().map(String::from))
                .unwrap_or_default()
        };
        rows.push(Row {
            id: g.id.clone(),
            name: g.name.clone(),
            base: st(g.status),
            new: st(h.status),
            base_score: None,
            new_score: None,
            delta: None,
            change,
        });
    }
    let all = |r: &Report| {
        r.areas
            .iter()
            .flat_map(|a| &a.groups)
            .flat_map(|g| &g.indicators)
            .cloned()
            .collect::<Vec<_>>()
    };
    let nb = all(new);
    for a in all(base) {
        let Some(b) = nb.iter().find(|x| x.id == a.id) else { continue };
        let shown = |i: &IndicatorResult| {
            i.measured.map(|v| display(v, i.unit)).unwrap_or_else(|| "not evaluated".into())
        };
        rows.push(Row {
            id: a.id.clone(),
            name: a.name.clone(),
            base: shown(&a),
            new: shown(b),
            base_score: a.score,
            new_score: b.score,
            delta: a.score.zip(b.score).map(|(x, y)| y - x),
            change: judge_indicator(&a, b),
        });
    }
    let overall = match (base.verdict.score, new.verdict.score) {
        (Some(a), Some(b)) if (b - a) >= NOISE_SCORE * 100.0 => Change::Improved,
        (Some(a), Some(b)) if (a - b) >= NOISE_SCORE * 100.0 => Change::Regressed,
        (Some(_), Some(_)) => Change::NoChange,
        _ => Change::NotComparable,
    };
    let overall = if rows.iter().any(|r| r.change == Change::Regressed && r.id.starts_with('A')) {
        Change::Regressed
    } else {
        overall
    };
    Comparison {
        format: "touchstone-compare/1".into(),
        base: base.runs.iter().map(|r| r.dir.clone()).collect::<Vec<_>>().join(", "),
        new: new.runs.iter().map(|r| r.dir.clone()).collect::<Vec<_>>().join(", "),
        base_headline: base.verdict.headline.clone(),
        new_headline: new.verdict.headline.clone(),
        overall,
        rows,
        noise_score: NOISE_SCORE,
        noise_relative: NOISE_RELATIVE,
    }
}

/// Terminal form: headlines, then every row that changed, then a count of the others.
pub fn render_text(c: &Comparison) -> String {
    let mut o = String::new();
    let _ = writeln!(o, "{}: {} → {}", c.overall.label().to_uppercase(), c.base, c.new);
    let _ = writeln!(o, "  base: {}", c.base_headline);
    let _ = writeln!(o, "  new:  {}", c.new_headline);
    let mut same = 0;
    for r in &c.rows {
        if matches!(r.change, Change::Regressed | Change::Improved) {
            let d = r.delta.map(|d| format!(" ({:+.1} pts)", d * 100.0)).unwrap_or_default();
            let _ = writeln!(
                o,
                "  {:<10} {:<6} {}: {} → {}{d}",
                r.change.label(),
                r.id,
                r.name,
                r.base,
                r.new
            );
        } else {
            same += 1;
        }
    }
    let _ = writeln!(
        o,
        "  {same} other rows: no change or not comparable (noise: ±{:.0} pts score, ±{:.0}% value)",
        c.noise_score * 100.0,
        c.noise_relative * 100.0
    );
    o
}
