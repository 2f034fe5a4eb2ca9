//! E3.1 spam flood: honest committed throughput while invalid transactions flood the chain,
//! against the quiet phases before the flood. The flood's shape comes from the `spam` program's
//! summary (which phase floods, how many invalid transactions per honest one, that none
//! committed); the throughput from the per-second series, where only honest transactions can
//! count as committed.

use super::value::Measure;
use crate::input::RunInput;
use touchstone_core::metrics::PhaseSummary;
use touchstone_core::time::NS_PER_S;

/// E3.1 asks for a flood of at least this many invalid transactions per honest one (10× nominal,
/// with a little slack for rounding at the phase edges).
const MIN_FACTOR: f64 = 9.5;

/// Committed transactions per second over the whole seconds of `[start, end)`.
fn committed_rate(run: &RunInput, phases: &[&PhaseSummary]) -> Option<f64> {
    let m = run.record.metrics.as_ref()?;
    let (mut committed, mut seconds) = (0u64, 0u64);
    for p in phases {
        let (a, b) = (p.start_ns.div_ceil(NS_PER_S), p.end_ns / NS_PER_S);
        seconds += b.saturating_sub(a);
        committed +=
            m.series.iter().filter(|s| s.t_s >= a && s.t_s < b).map(|s| s.committed).sum::<u64>();
    }
    (seconds > 0).then(|| committed as f64 / seconds as f64)
}

fn count(v: &serde_json::Value, key: &str) -> u64 {
    v.get(key).and_then(serde_json::Value::as_u64).unwrap_or(0)
}

pub(super) fn spam_drop(run: &RunInput) -> Measure {
    let m = run.record.metrics.as_ref().expect("checked");
    let summary = match (&m.program[..], &m.program_summary) {
        ("spam", Some(s)) => s,
        _ => {
            return Measure::Not(format!(
                "no invalid-transaction flood in this run (program {:?}; program \"spam\" floods)",
                m.program
            ))
        }
    };
    let flood_phase = count(summary, "flood_phase") as usize;
    let rows: Vec<&serde_json::Value> = summary
        .get("phases")
        .and_then(serde_json::Value::as_array)
        .map(|a| a.iter().collect())
        .unwrap_or_default();
    let Some(flood_row) = rows.iter().find(|r| count(r, "phase") as usize == flood_phase) else {
        return Measure::Not(format!("the run ended before its flood phase ({flood_phase})"));
    };
    let (honest, invalid) = (count(flood_row, "honest_sent"), count(flood_row, "invalid_sent"));
    let factor = invalid as f64 / honest.max(1) as f64;
    if factor < MIN_FACTOR {
        return Measure::Not(format!(
            "the flood sent {factor:.1} invalid transactions per honest one; E3.1 floods at 10×"
        ));
    }
    let before: Vec<&PhaseSummary> =
        m.phases.iter().take(flood_phase).filter(|p| !p.warmup).collect();
    let Some(flood) = m.phases.get(flood_phase) else {
        return Measure::Not(format!("no phase {flood_phase} in the run's metrics"));
    };
    let (Some(base), Some(during)) = (committed_rate(run, &before), committed_rate(run, &[flood]))
    else {
        return Measure::Not("no measured quiet phase before the flood to compare with".into());
    };
    if base <= 0.0 {
        return Measure::Not("nothing committed before the flood".into());
    }
    let leaked: u64 = rows.iter().map(|r| count(r, "invalid_committed")).sum();
    let drop = (1.0 - during / base).max(0.0);
    Measure::Value {
        v: drop,
        evidence: vec![format!(
            "honest committed {base:.0} tx/s before the flood, {during:.0} tx/s during it \
             ({invalid} invalid vs {honest} honest sent, {factor:.1}×; {}/run.json#metrics.series, \
             metrics.program_summary)",
            run.label
        )],
        zero: (leaked > 0)
            .then(|| format!("{leaked} invalid transaction(s) of the flood committed")),
    }
}
