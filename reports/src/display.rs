//! Values as a reader sees them: durations in the unit one expects, rates, shares, pass/fail.

use crate::rubric::Unit;
use touchstone_core::time::Human;

/// A duration in ns, in the unit a reader expects (`850 ms`, `2.5 s`, `15 min`, `2 h`).
pub fn duration(ns: f64) -> String {
    let s = ns.max(0.0) / 1e9;
    if s >= 7200.0 {
        format!("{} h", trim(format!("{:.3}", s / 3600.0)))
    } else if s >= 120.0 {
        format!("{} min", trim(format!("{:.2}", s / 60.0)))
    } else if s >= 1.0 {
        format!("{s:.2} s")
    } else if ns >= 1e6 {
        format!("{:.1} ms", ns / 1e6)
    } else {
        Human(ns.max(0.0) as u64).to_string()
    }
}

fn trim(x: String) -> String {
    x.trim_end_matches('0').trim_end_matches('.').to_string()
}

/// Human form of a value in its unit.
pub fn display(v: f64, unit: Unit) -> String {
    match unit {
        Unit::Duration => duration(v),
        Unit::Rate => format!("{v:.1} tx/s"),
        Unit::Share => format!("{:.2}%", v * 100.0),
        Unit::Ratio => format!("{v:.2}×"),
        Unit::Pass => (if v >= 1.0 { "pass" } else { "fail" }).to_string(),
    }
}
