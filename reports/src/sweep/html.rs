//! `sweep.html`: one self-contained page (inline CSS and SVG, no script) — the findings of any
//! cell on top, then for each headline metric the curves per protocol against the varied
//! parameter with the spread across seeds (median line, min–max band), the saturation knee
//! marked when the parameter is an offered load, then a table of every run linking to its run
//! report.

use super::{short, SweepResults, SweepRow};
use crate::html::charts::sweep::{curves, Curve, CurveChart, CurvePoint};
use crate::html::css::CSS;
use crate::junit::escape as e;
use crate::rule::median;
use std::collections::BTreeMap;
use std::fmt::Write;

/// A cell committing less than this share of what it was offered is past the knee.
pub const KNEE_SHARE: f64 = 0.95;

/// A parameter value as a number: plain numbers as they are, durations in milliseconds.
pub fn numeric(v: &str) -> Option<(f64, bool)> {
    let t = v.trim().trim_matches('"');
    if let Ok(x) = t.parse::<f64>() {
        return Some((x, false));
    }
    touchstone_core::time::parse_duration(t).ok().map(|ns| (ns as f64 / 1e6, true))
}

/// The axis the curves run along: the first varied field other than the protocol whose values
/// are all numbers (or durations); else the first other field, by position; else the protocol.
fn x_axis(r: &SweepResults) -> Option<(String, bool, bool)> {
    fn values<'a>(r: &'a SweepResults, a: &'a str) -> impl Iterator<Item = &'a str> + 'a {
        r.cells.iter().filter_map(move |c| param(&c.params, a))
    }
    let others: Vec<&String> = r.axes.iter().filter(|a| *a != "network.protocol").collect();
    for a in &others {
        if values(r, a).all(|v| numeric(v).is_some()) {
            let dur = values(r, a).any(|v| numeric(v).is_some_and(|x| x.1));
            return Some(((*a).clone(), true, dur));
        }
    }
    others.first().map(|a| ((*a).clone(), false, false)).or_else(|| {
        r.axes.iter().find(|a| *a == "network.protocol").map(|a| (a.clone(), false, false))
    })
}

fn param<'a>(p: &'a [(String, String)], k: &str) -> Option<&'a str> {
    p.iter().find(|(a, _)| a == k).map(|(_, v)| v.as_str())
}

/// The charts of `r`: one per headline metric that has values.
pub fn charts(r: &SweepResults) -> Vec<CurveChart> {
    let Some((x, is_num, dur)) = x_axis(r) else { return Vec::new() };
    let mut cats: Vec<String> = Vec::new();
    for c in &r.cells {
        if let Some(v) = param(&c.params, &x) {
            if !cats.iter().any(|k| k == v) {
                cats.push(v.to_string());
            }
        }
    }
    let xv = |row: &SweepRow| -> Option<f64> {
        let v = row.param(&x)?;
        if is_num {
            numeric(v).map(|n| n.0)
        } else {
            cats.iter().position(|k| k == v).map(|i| i as f64)
        }
    };
    // Series: the protocol run, with the other axes' values.
    let series_of = |row: &SweepRow| {
        let mut s = vec![row.protocol.clone()];
        for a in r.axes.iter().filter(|a| **a != x && *a != "network.protocol") {
            s.push(format!("{}={}", short(a), row.param(a).unwrap_or("")));
        }
        s.join(" ")
    };
    let mut groups: BTreeMap<String, BTreeMap<u64, Vec<&SweepRow>>> = BTreeMap::new();
    for row in &r.rows {
        if let Some(v) = xv(row) {
            groups.entry(series_of(row)).or_default().entry(v.to_bits()).or_default().push(row);
        }
    }
    let load = x.ends_with("tps");
    let x_desc = match (load, dur) {
        (true, _) => format!("offered load, {} (tx/s)", x),
        (_, true) => format!("{x} (ms)"),
        _ => x.clone(),
    };
    let mut out = Vec::new();
    for m in super::METRICS {
        let mut list = Vec::new();
        for (label, points) in &groups {
            let mut pts: Vec<(CurvePoint, f64)> = points
                .iter()
                .filter_map(|(bits, rows)| {
                    let vals: Vec<f64> = rows.iter().filter_map(|w| (m.get)(&w.metrics)).collect();
                    let md = median(&vals)?;
                    let lo = vals.iter().copied().fold(f64::INFINITY, f64::min);
                    let hi = vals.iter().copied().fold(f64::NEG_INFINITY, f64::max);
                    let offered: Vec<f64> = rows.iter().map(|w| w.metrics.offered_tps).collect();
                    let committed: Vec<f64> =
                        rows.iter().map(|w| w.metrics.committed_tps).collect();
                    let share = median(&committed).unwrap_or(0.0)
                        / median(&offered).unwrap_or(0.0).max(1e-9);
                    let p = CurvePoint { x: f64::from_bits(*bits), median: md, min: lo, max: hi };
                    Some((p, share))
                })
                .collect();
            pts.sort_by(|a, b| a.0.x.total_cmp(&b.0.x));
            if pts.is_empty() {
                continue;
            }
            let knee = if load && m.key == "committed_tps" { knee(&pts) } else { None };
            list.push(Curve {
                label: label.clone(),
                points: pts.into_iter().map(|p| p.0).collect(),
                knee,
            });
        }
        if list.is_empty() {
            continue;
        }
        let unit = if m.unit == "share" { "share".to_string() } else { m.unit.to_string() };
        out.push(CurveChart {
            title: format!("{} against {} — median across seeds, band min–max", m.name, short(&x)),
            x_desc: x_desc.clone(),
            y_desc: format!("{} ({unit})", m.name),
            categories: (!is_num).then(|| cats.clone()),
            curves: list,
            diagonal: load && m.key == "committed_tps",
        });
    }
    out
}

/// The last x of a run of points from the start that commit at least [`KNEE_SHARE`] of what
/// they were offered, when a later point does not: where the curve saturates.
fn knee(pts: &[(CurvePoint, f64)]) -> Option<f64> {
    let first_short = pts.iter().position(|(_, share)| *share < KNEE_SHARE)?;
    (first_short > 0).then(|| pts[first_short - 1].0.x)
}

/// Renders the page; `extra` is HTML put after the findings (e.g. rubric indicators).
pub fn render(r: &SweepResults, extra: &str) -> String {
    let mut h = String::with_capacity(128 * 1024);
    let _ = write!(
        h,
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n<meta name=\"generator\" content=\"touchstone-reports {}\">\n<title>{} — Touchstone sweep</title>\n<style>{CSS}</style>\n</head>\n<body>\n<main>\n<section class=\"cover\"><div><p class=\"muted small\">Touchstone sweep</p><h1>{}</h1><p>{}</p><p class=\"small\">base <code>{}</code> · varied: {} · seeds {:?} · {} cell(s), {} run(s){}</p></div></section>\n",
        env!("CARGO_PKG_VERSION"),
        e(&r.name),
        e(&r.name),
        e(&r.description),
        e(&r.base),
        e(&r.axes.join(", ")),
        r.seeds,
        r.cells.len(),
        r.rows.len(),
        if r.missing.is_empty() { String::new() } else { format!(", {} missing", r.missing.len()) }
    );
    findings(&mut h, r);
    h.push_str(extra);
    let charts = charts(r);
    if !charts.is_empty() {
        h.push_str("<section><h2>Curves</h2><p class=\"small muted\">Each line is the median across seeds of a cell; the band and the whiskers span the minimum to the maximum. On a throughput-against-offered-load chart the knee is the last load still committed at ≥ 95 % of what was offered.</p><div class=\"charts\">");
        for c in &charts {
            let _ = write!(h, "<figure>{}</figure>", curves(c));
        }
        h.push_str("</div></section>\n");
    }
    table(&mut h, r);
    h.push_str("<footer>Touchstone sweep · touchstone-sweep-results/1</footer>\n</main>\n</body>\n</html>\n");
    h
}

fn link(row: &SweepRow) -> String {
    format!("<a href=\"{}/report.html\">{}</a>", e(&row.dir), e(&row.dir))
}

fn findings(h: &mut String, r: &SweepResults) {
    let bad: Vec<&SweepRow> = r.rows.iter().filter(|w| !w.passed).collect();
    if bad.is_empty() && r.missing.is_empty() {
        let _ = write!(h, "<section id=\"findings\"><h2>Findings</h2><p><span class=\"verdict v-pass\">PASS</span> every run met its gates and criteria.</p></section>\n");
        return;
    }
    let _ = write!(h, "<section id=\"findings\"><h2>Findings</h2><p><span class=\"verdict v-fail\">FAIL</span> {} of {} run(s) did not pass.</p><ul>", bad.len(), r.rows.len());
    for w in bad {
        let label = r.cells.iter().find(|c| c.id == w.cell).map(|c| c.label()).unwrap_or_default();
        let _ = write!(
            h,
            "<li><b>{}</b> {} seed {} — exit {} ({}): {} · {}</li>",
            e(&w.cell),
            e(&label),
            w.seed,
            w.exit_code,
            e(&w.status),
            e(&w.failed.join("; ")),
            link(w)
        );
    }
    for m in &r.missing {
        let _ = write!(h, "<li>no run directory for {}</li>", e(m));
    }
    h.push_str("</ul></section>\n");
}

fn table(h: &mut String, r: &SweepResults) {
    let _ = write!(
        h,
        "<section id=\"runs\"><h2>Every run</h2><table class=\"wide\"><thead><tr><th>cell</th>"
    );
    for a in &r.axes {
        let _ = write!(h, "<th>{}</th>", e(short(a)));
    }
    h.push_str("<th>seed</th><th>verdict</th><th>committed tx/s</th><th>p50 ms</th><th>p99 ms</th><th>fingerprint</th><th>run report</th></tr></thead><tbody>");
    let ms = |v: Option<f64>| v.map(|x| format!("{x:.1}")).unwrap_or_else(|| "—".into());
    for w in &r.rows {
        let _ = write!(h, "<tr><td data-h=\"cell\">{}</td>", e(&w.cell));
        for a in &r.axes {
            let _ =
                write!(h, "<td data-h=\"{}\">{}</td>", e(short(a)), e(w.param(a).unwrap_or("")));
        }
        let (cls, word) = if w.passed { ("b-pass", "pass") } else { ("b-fail", "fail") };
        let _ = write!(
            h,
            "<td class=\"num\" data-h=\"seed\">{}</td><td data-h=\"verdict\"><span class=\"badge {cls}\">{word}</span></td><td class=\"num\" data-h=\"committed tx/s\">{:.1}</td><td class=\"num\" data-h=\"p50 ms\">{}</td><td class=\"num\" data-h=\"p99 ms\">{}</td><td data-h=\"fingerprint\"><code>{}</code></td><td data-h=\"run report\">{}</td></tr>",
            w.seed,
            w.metrics.committed_tps,
            ms(w.metrics.p50_ms),
            ms(w.metrics.p99_ms),
            e(&w.fingerprint[..w.fingerprint.len().min(12)]),
            link(w)
        );
    }
    h.push_str("</tbody></table></section>\n");
}
