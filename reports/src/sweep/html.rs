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

/// A load whose p99 is more than this many times the p99 at the lowest load is past the knee.
pub const KNEE_P99_FACTOR: f64 = 2.0;

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
            let mut pts: Vec<CurvePoint> = points
                .iter()
                .filter_map(|(bits, rows)| {
                    let vals: Vec<f64> = rows.iter().filter_map(|w| (m.get)(&w.metrics)).collect();
                    let md = median(&vals)?;
                    let lo = vals.iter().copied().fold(f64::INFINITY, f64::min);
                    let hi = vals.iter().copied().fold(f64::NEG_INFINITY, f64::max);
                    Some(CurvePoint { x: f64::from_bits(*bits), median: md, min: lo, max: hi })
                })
                .collect();
            pts.sort_by(|a, b| a.x.total_cmp(&b.x));
            if pts.is_empty() {
                continue;
            }
            let marked = load && matches!(m.key, "sustained_tps" | "committed_tps" | "p99_ms");
            let knee = if marked { knee(points) } else { None };
            list.push(Curve { label: label.clone(), points: pts, knee });
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
            diagonal: load && m.key.ends_with("_tps"),
        });
    }
    out
}

/// The saturation knee of a curve against offered load: the last load before the first whose
/// median p99 exceeds [`KNEE_P99_FACTOR`] times the median p99 at the lowest load — where
/// transactions start to queue. `None` when no load does (not saturated), or the lowest does.
fn knee(points: &BTreeMap<u64, Vec<&SweepRow>>) -> Option<f64> {
    let mut p99: Vec<(f64, f64)> = points
        .iter()
        .filter_map(|(bits, rows)| {
            let v: Vec<f64> = rows.iter().filter_map(|w| w.metrics.p99_ms).collect();
            median(&v).map(|m| (f64::from_bits(*bits), m))
        })
        .collect();
    p99.sort_by(|a, b| a.0.total_cmp(&b.0));
    let base = p99.first()?.1;
    let first_slow = p99.iter().position(|(_, v)| *v > KNEE_P99_FACTOR * base)?;
    (first_slow > 0).then(|| p99[first_slow - 1].0)
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
        h.push_str("<section><h2>Curves</h2><p class=\"small muted\">Each line is the median across seeds of a cell; the band and the whiskers span the minimum to the maximum. Sustained throughput counts the commits observed while the load ran; committed throughput also counts the backlog drained after it. Against offered load, each protocol's knee is marked: the last load before the first whose p99 is more than twice the p99 at the lowest load (where transactions start to queue); past it, sustained throughput stops following the offered rate.</p><div class=\"charts\">");
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
        h.push_str("<section id=\"findings\"><h2>Findings</h2><p><span class=\"verdict v-pass\">PASS</span> every run met its gates and criteria.</p></section>\n");
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sweep::{Cell, Headline, RESULTS_FORMAT};

    /// One protocol at offered loads with these p99s (ms), two seeds each.
    fn load_sweep(points: &[(u32, f64)]) -> SweepResults {
        let axis = "workload.phases.steady.rate.tps".to_string();
        let mut cells = Vec::new();
        let mut rows = Vec::new();
        for (i, (tps, p99)) in points.iter().enumerate() {
            let params = vec![(axis.clone(), tps.to_string())];
            cells.push(Cell { id: format!("c{i}"), params: params.clone() });
            for seed in [1, 2] {
                rows.push(SweepRow {
                    cell: format!("c{i}"),
                    params: params.clone(),
                    seed,
                    dir: format!("runs/c{i}/sim-s{seed}"),
                    protocol: "pbft".into(),
                    validators: 4,
                    status: "completed".into(),
                    exit_code: 0,
                    passed: true,
                    failed: vec![],
                    fingerprint: "ab".into(),
                    metrics: Headline {
                        offered_tps: *tps as f64,
                        committed_tps: *tps as f64,
                        sustained_tps: Some(*tps as f64),
                        p99_ms: Some(*p99 + seed as f64),
                        ..Default::default()
                    },
                });
            }
        }
        SweepResults {
            format: RESULTS_FORMAT.into(),
            name: "load".into(),
            description: String::new(),
            base: "b.toml".into(),
            axes: vec![axis],
            seeds: vec![1, 2],
            cells,
            rows,
            missing: vec![],
        }
    }

    #[test]
    fn the_knee_is_the_last_load_before_p99_doubles() {
        let r = load_sweep(&[(250, 100.0), (500, 110.0), (1000, 150.0), (2000, 900.0)]);
        let c = charts(&r);
        let tput = c.iter().find(|c| c.title.starts_with("sustained throughput")).unwrap();
        assert_eq!(tput.curves[0].knee, Some(1000.0));
        assert!(tput.diagonal && tput.x_desc.contains("offered load"));
        let p50 = c.iter().find(|c| c.title.starts_with("latency p50"));
        assert!(p50.is_none(), "no p50 values, no chart");
        let flat = load_sweep(&[(250, 100.0), (500, 120.0)]);
        assert_eq!(charts(&flat)[0].curves[0].knee, None, "not saturated: no knee");
        let html = render(&r, "");
        assert!(html.contains("knee pbft 1000") && html.contains("runs/c0/sim-s1/report.html"));
    }

    #[test]
    fn durations_are_numbers_in_ms_and_strings_are_categories() {
        assert_eq!(numeric("150ms"), Some((150.0, true)));
        assert_eq!(numeric("16"), Some((16.0, false)));
        assert_eq!(numeric("pbft"), None);
    }
}
