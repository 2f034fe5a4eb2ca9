//! Charts of one run over time: throughput, latency over time, latency CDF with reference
//! lines, and the consensus timeline.

use super::draw::{
    legend, legend_at, log_cdf, mesh, shade_faults, svg, title, Line, LogCdf, FONT, GREY, HEIGHT,
    INK, PALETTE, WIDTH,
};
use crate::model::{ConsensusTimeline, RunCharts};
use plotters::prelude::*;

/// Offered / accepted / committed / rejected per second, fault periods shaded and labelled.
pub fn throughput(c: &RunCharts) -> String {
    let t = title("Throughput over time", c);
    svg(&t, WIDTH, HEIGHT, |root| {
        root.fill(&WHITE)?;
        let x_end = c.series.last().map(|p| p.t_s + c.bucket_s as f64).unwrap_or(1.0).max(1.0);
        let y_max = c
            .series
            .iter()
            .map(|p| p.offered_tps.max(p.accepted_tps).max(p.committed_tps).max(p.rejected_tps))
            .fold(1.0, f64::max)
            * 1.25;
        let mut ch = ChartBuilder::on(&root)
            .caption(&t, (FONT, 18).into_font().color(&INK))
            .margin(12)
            .x_label_area_size(44)
            .y_label_area_size(70)
            .build_cartesian_2d(0f64..x_end, 0f64..y_max)?;
        mesh(&mut ch, "time since run start (s)", "transactions per second (tx/s)", &|v| {
            format!("{v:.0}")
        })?;
        shade_faults(&mut ch, &c.faults, x_end, (0.0, y_max))?;
        let lines: [Line<f64>; 4] = [
            ("offered", GREY, |p| p.offered_tps),
            ("accepted", PALETTE[0], |p| p.accepted_tps),
            ("committed", PALETTE[1], |p| p.committed_tps),
            ("rejected", PALETTE[2], |p| p.rejected_tps),
        ];
        for (name, col, f) in lines {
            let pts: Vec<(f64, f64)> = c.series.iter().map(|p| (p.t_s, f(p))).collect();
            ch.draw_series(LineSeries::new(pts, col.stroke_width(2)))?.label(name).legend(
                move |(x, y)| PathElement::new(vec![(x, y), (x + 18, y)], col.stroke_width(3)),
            );
        }
        legend(&mut ch)?;
        root.present()?;
        Ok(())
    })
}

/// p50 / p99 / max of the commits observed in each second (ms).
pub fn latency_over_time(c: &RunCharts) -> String {
    let t = title("Latency percentiles over time (commits observed each second)", c);
    svg(&t, WIDTH, HEIGHT, |root| {
        root.fill(&WHITE)?;
        let x_end = c.series.last().map(|p| p.t_s + c.bucket_s as f64).unwrap_or(1.0).max(1.0);
        let y_max = c.series.iter().map(|p| p.max_ns as f64 / 1e6).fold(1.0, f64::max) * 1.2;
        let mut ch = ChartBuilder::on(&root)
            .caption(&t, (FONT, 18).into_font().color(&INK))
            .margin(12)
            .x_label_area_size(44)
            .y_label_area_size(70)
            .build_cartesian_2d(0f64..x_end, 0f64..y_max)?;
        mesh(&mut ch, "time since run start (s)", "latency (ms)", &|v| format!("{v:.0}"))?;
        shade_faults(&mut ch, &c.faults, x_end, (0.0, y_max))?;
        if y_max > 1000.0 {
            ch.draw_series(std::iter::once(PathElement::new(
                vec![(0.0, 1000.0), (x_end, 1000.0)],
                INK.mix(0.5).stroke_width(1),
            )))?
            .label("1 s payment target")
            .legend(|(x, y)| PathElement::new(vec![(x, y), (x + 18, y)], INK.mix(0.5)));
        }
        let lines: [Line<u64>; 3] = [
            ("p50", PALETTE[0], |p| p.p50_ns),
            ("p99", PALETTE[3], |p| p.p99_ns),
            ("max", PALETTE[2], |p| p.max_ns),
        ];
        for (name, col, f) in lines {
            // Seconds without commits have no latency: the line breaks there rather than dropping to 0.
            let mut seg: Vec<(f64, f64)> = Vec::new();
            let mut first = true;
            for p in c.series.iter().chain(std::iter::once(&crate::model::SeriesPoint {
                t_s: -1.0,
                offered_tps: 0.0,
                accepted_tps: 0.0,
                committed_tps: 0.0,
                rejected_tps: 0.0,
                p50_ns: 0,
                p99_ns: 0,
                max_ns: 0,
            })) {
                let v = f(p);
                if v > 0 && p.t_s >= 0.0 {
                    seg.push((p.t_s, v as f64 / 1e6));
                } else if !seg.is_empty() {
                    let s = ch.draw_series(LineSeries::new(
                        std::mem::take(&mut seg),
                        col.stroke_width(2),
                    ))?;
                    if first {
                        s.label(name).legend(move |(x, y)| {
                            PathElement::new(vec![(x, y), (x + 18, y)], col.stroke_width(3))
                        });
                        first = false;
                    }
                }
            }
        }
        legend(&mut ch)?;
        root.present()?;
        Ok(())
    })
}

/// Latency CDF (log time axis) with reference lines at 1 s, 5 s, 10 s, 20 s.
pub fn cdf(c: &RunCharts) -> String {
    let lo = c.latency_cdf.iter().map(|p| p.ns).filter(|n| *n > 0).min().unwrap_or(1_000_000)
        as f64
        / 1e9;
    let hi = c.latency_cdf.iter().map(|p| p.ns).max().unwrap_or(1) as f64 / 1e9;
    let refs = [
        (1.0, "1 s payment target", 6),
        (5.0, "5 s TIPS", 3),
        (10.0, "10 s SCT Inst", 4),
        (20.0, "20 s FedNow", 7),
    ];
    log_cdf(LogCdf {
        title: "Latency CDF, measured phases (intended send → committed)",
        x_desc: "latency (s, log scale)",
        y_desc: "share of committed transactions (%)",
        x: ((lo / 2.0).clamp(1e-6, 0.01), (hi * 1.5).max(30.0)),
        refs: refs.iter().map(|&(s, name, col)| (s, name.to_string(), PALETTE[col])).collect(),
        pts: c
            .latency_cdf
            .iter()
            .filter(|p| p.ns > 0)
            .map(|p| (p.ns as f64 / 1e9, p.q * 100.0))
            .collect(),
        label: "committed latency",
        empty: "no commits: no latency to plot",
    })
}

/// Decided height over time per validator; Byzantine validators dashed and marked; faults shaded.
pub fn consensus(c: &RunCharts, tl: &ConsensusTimeline) -> String {
    let t = if tl.downsampled {
        format!(
            "Consensus timeline — decided height per validator (downsampled: ≤ {} points each)",
            tl.max_points
        )
    } else {
        "Consensus timeline — decided height per validator".to_string()
    };
    svg(&t, WIDTH, HEIGHT, |root| {
        root.fill(&WHITE)?;
        let x_end = tl
            .nodes
            .iter()
            .filter_map(|n| n.points.last())
            .map(|p| p.0)
            .fold(c.series.last().map(|p| p.t_s + 1.0).unwrap_or(1.0), f64::max)
            .max(1.0);
        let h_max =
            tl.nodes.iter().filter_map(|n| n.points.last()).map(|p| p.1).max().unwrap_or(1).max(1)
                as f64
                * 1.15;
        let mut ch = ChartBuilder::on(&root)
            .caption(&t, (FONT, 18).into_font().color(&INK))
            .margin(12)
            .x_label_area_size(44)
            .y_label_area_size(70)
            .build_cartesian_2d(0f64..x_end, 0f64..h_max)?;
        mesh(&mut ch, "time since run start (s)", "decided height (blocks)", &|v| {
            format!("{v:.0}")
        })?;
        shade_faults(&mut ch, &c.faults, x_end, (0.0, h_max))?;
        for (i, n) in tl.nodes.iter().enumerate() {
            let col = PALETTE[i % PALETTE.len()];
            let mut pts = Vec::with_capacity(n.points.len() * 2);
            let mut last = 0u64;
            for (t, h) in &n.points {
                pts.push((*t, last as f64));
                pts.push((*t, *h as f64));
                last = *h;
            }
            let name = if n.byzantine { format!("{} (Byzantine)", n.node) } else { n.node.clone() };
            if n.byzantine {
                ch.draw_series(DashedLineSeries::new(pts, 8, 5, col.stroke_width(2)))?
                    .label(name)
                    .legend(move |(x, y)| Cross::new((x + 9, y), 5, col.stroke_width(2)));
            } else {
                ch.draw_series(LineSeries::new(pts, col.stroke_width(2)))?.label(name).legend(
                    move |(x, y)| PathElement::new(vec![(x, y), (x + 18, y)], col.stroke_width(3)),
                );
            }
        }
        legend_at(&mut ch, SeriesLabelPosition::LowerRight, 13)?;
        root.present()?;
        Ok(())
    })
}
