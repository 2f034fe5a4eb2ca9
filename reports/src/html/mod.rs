//! `report.html`: one self-contained file — inline CSS, inline SVG charts drawn with plotters,
//! no script, no external resource — readable on a phone (responsive grid, stacked tables) and
//! printed (print style sheet).
//!
//! Sections: cover (verdict, grade, score, profile, coverage, disclosure, replay), gates, L1
//! radar and L2 bars, L3 table, criteria, charts per run (throughput, latency over time, latency
//! CDF, consensus timeline), cross-chain settlement (multi-chain runs), findings with their evidence lines, conformance matrix, notes.

pub mod charts;
pub mod css;
mod sections;

use crate::model::Report;
use sections::e;
use std::fmt::Write;

/// Renders the whole report.
pub fn render(r: &Report) -> String {
    let mut h = String::with_capacity(256 * 1024);
    let _ = write!(
        h,
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n<meta name=\"generator\" content=\"touchstone-reports {}\">\n<title>{} — Touchstone {} report</title>\n<style>{}</style>\n</head>\n<body>\n<main>\n",
        env!("CARGO_PKG_VERSION"),
        e(&r.title),
        e(&r.kind),
        css::CSS
    );
    sections::cover(&mut h, r);
    sections::gates(&mut h, r);
    sections::scores(&mut h, r);
    sections::indicators(&mut h, r);
    sections::criteria(&mut h, r);
    for c in &r.charts {
        sections::run_charts(&mut h, r, c);
    }
    for x in &r.xchain {
        sections::xchain(&mut h, r, x);
    }
    sections::findings(&mut h, r);
    sections::conformance(&mut h, r);
    sections::notes(&mut h, r);
    let _ = write!(
        h,
        "<footer>Touchstone {} · {} · rubric {} ({}, sha256 {}) · profile {}</footer>\n</main>\n</body>\n</html>\n",
        e(&r.kind),
        e(&r.format),
        e(&r.rubric.name),
        e(&r.rubric.file),
        e(&r.rubric.sha256[..r.rubric.sha256.len().min(12)]),
        e(&r.profile)
    );
    h
}

/// A self-contained HTML page of a comparison (`touchstone report NEW --compare BASE --format html`).
pub fn render_compare(c: &crate::compare::Comparison) -> String {
    use crate::compare::Change;
    let mut h = String::new();
    let _ = write!(
        h,
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n<title>Touchstone comparison</title>\n<style>{}</style>\n</head>\n<body>\n<main>\n<section><h1>{}: {} → {}</h1><p>base: {}</p><p>new: {}</p>",
        css::CSS,
        e(&c.overall.label().to_uppercase()),
        e(&c.base),
        e(&c.new),
        e(&c.base_headline),
        e(&c.new_headline),
    );
    let _ = write!(
        h,
        "<p class=\"small muted\">An indicator changes when its value moves by ≥ {:.0}% in the better/worse direction (the rule of <code>touchstone compare</code>, which across seeds reads: {}); one with a score but no value when its score moves by ≥ {:.0} points of 100; otherwise it is noise.</p></section>",
        c.noise_relative * 100.0,
        e(&crate::rule::statement()),
        c.noise_score * 100.0,
    );
    let _ = write!(h, "<section><table class=\"wide\"><thead><tr><th>id</th><th>indicator</th><th>base</th><th>new</th><th>Δ score</th><th>change</th></tr></thead><tbody>");
    for r in &c.rows {
        let cls = match r.change {
            Change::Regressed => "b-fail",
            Change::Improved => "b-pass",
            _ => "b-not_evaluated",
        };
        let _ = write!(
            h,
            "<tr><td data-h=\"id\">{}</td><td data-h=\"indicator\">{}</td><td class=\"num\" data-h=\"base\">{}</td><td class=\"num\" data-h=\"new\">{}</td><td class=\"num\" data-h=\"Δ score\">{}</td><td data-h=\"change\"><span class=\"badge {cls}\">{}</span></td></tr>",
            e(&r.id),
            e(&r.name),
            e(&r.base),
            e(&r.new),
            r.delta.map(|d| format!("{:+.1}", d * 100.0)).unwrap_or_else(|| "—".into()),
            e(r.change.label())
        );
    }
    h.push_str("</tbody></table></section>\n</main>\n</body>\n</html>\n");
    h
}
