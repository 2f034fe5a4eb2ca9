//! Scenario criteria evaluated against the measured phases.

use crate::engine::RunMetrics;
use crate::scenario::Criteria;
use crate::time::{format_duration, Human, Nanos};
use serde::{Deserialize, Serialize};

/// One criterion's verdict.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CriterionResult {
    /// The criterion's key in the script (`latency_p99`, `throughput_min`...).
    pub id: String,
    /// The threshold as written (`≤ 1s`, `≥ 500 tx/s`).
    pub target: String,
    /// The measured value in the same unit.
    pub measured: String,
    /// Measured value as a number (ns for latencies, tx/s, share).
    pub value: f64,
    pub threshold: f64,
    pub passed: bool,
    /// Why it could not be judged (e.g. nothing committed).
    pub note: Option<String>,
}

/// Evaluates every criterion the scenario sets.
pub fn evaluate(c: &Criteria, m: &RunMetrics) -> Vec<CriterionResult> {
    let mut out = Vec::new();
    let lat = &m.measured.latency;
    let mut latency = |id: &str, limit: Option<Nanos>, value: Nanos| {
        if let Some(limit) = limit {
            let empty = lat.count == 0;
            out.push(CriterionResult {
                id: id.to_string(),
                target: format!("≤ {}", format_duration(limit)),
                measured: if empty { "no commits".into() } else { Human(value).to_string() },
                value: value as f64,
                threshold: limit as f64,
                passed: !empty && value <= limit,
                note: empty.then(|| {
                    "nothing committed in the measured phases: latency cannot meet any bound"
                        .to_string()
                }),
            });
        }
    };
    latency("latency_p50", c.latency_p50, lat.p50_ns);
    latency("latency_p90", c.latency_p90, lat.p90_ns);
    latency("latency_p99", c.latency_p99, lat.p99_ns);
    latency("latency_p999", c.latency_p999, lat.p999_ns);
    latency("latency_max", c.latency_max, lat.max_ns);
    if let Some(min) = c.throughput_min {
        let v = m.measured.committed_tps;
        out.push(CriterionResult {
            id: "throughput_min".into(),
            target: format!("≥ {min} tx/s"),
            measured: format!("{v:.1} tx/s"),
            value: v,
            threshold: min,
            passed: v >= min,
            note: None,
        });
    }
    if let Some(min) = c.success_rate_min {
        let v = m.measured.success_rate;
        out.push(CriterionResult {
            id: "success_rate_min".into(),
            target: format!("≥ {:.3}%", min * 100.0),
            measured: format!("{:.3}%", v * 100.0),
            value: v,
            threshold: min,
            passed: m.measured.submitted > 0 && v >= min,
            note: (m.measured.submitted == 0).then(|| "nothing was submitted".to_string()),
        });
    }
    if let Some(limit) = c.completion_max {
        let all_final = m.measured.unknown == 0;
        let v = m.measured.completion_ns;
        out.push(CriterionResult {
            id: "completion_max".into(),
            target: format!("≤ {}", format_duration(limit)),
            measured: v.map(|v| Human(v).to_string()).unwrap_or_else(|| "never completed".into()),
            value: v.unwrap_or(Nanos::MAX) as f64,
            threshold: limit as f64,
            passed: all_final && v.is_some_and(|v| v <= limit),
            note: (!all_final).then(|| {
                format!("{} transactions never reached a final outcome", m.measured.unknown)
            }),
        });
    }
    out
}
