//! SVG charts drawn with plotters' SVG backend into strings: L1 radar, L2 bars, throughput,
//! latency over time, latency CDF with reference lines, consensus timeline. Every chart has a
//! title, axis labels with units and a legend; downsampled series say so in the title.

use crate::model::{AreaResult, ConsensusTimeline, FaultSpan, RunCharts};
use plotters::coord::types::RangedCoordf64;
use plotters::prelude::*;

const W: u32 = 900;
const H: u32 = 380;
const FONT: &str = "sans-serif";
const INK: RGBColor = RGBColor(0x1f, 0x29, 0x37);
const GRID: RGBColor = RGBColor(0xe5, 0xe7, 0xeb);
const FAULT: RGBColor = RGBColor(0xf5, 0x9e, 0x0b);
/// Series colours (colour-blind friendly, distinct in greyscale print).
pub const PALETTE: [RGBColor; 8] = [
    RGBColor(0x25, 0x63, 0xeb),
    RGBColor(0x16, 0xa3, 0x4a),
    RGBColor(0xdc, 0x26, 0x26),
    RGBColor(0x93, 0x33, 0xea),
    RGBColor(0x0d, 0x94, 0x88),
    RGBColor(0xc2, 0x41, 0x0c),
    RGBColor(0x64, 0x74, 0x8b),
    RGBColor(0xdb, 0x27, 0x77),
];
const GREY: RGBColor = RGBColor(0x9c, 0xa3, 0xaf);

type Res = Result<(), Box<dyn std::error::Error>>;
/// A series of the per-second data: name, colour, value.
type Line<T> = (&'static str, RGBColor, fn(&crate::model::SeriesPoint) -> T);
type Chart2<'a, 'b> = ChartContext<'a, SVGBackend<'b>, Cartesian2d<RangedCoordf64, RangedCoordf64>>;

/// Draws with `f` into an SVG string; a drawing error becomes a short SVG saying so.
fn svg(
    label: &str,
    w: u32,
    h: u32,
    f: impl FnOnce(DrawingArea<SVGBackend<'_>, plotters::coord::Shift>) -> Res,
) -> String {
    let mut s = String::new();
    let r = {
        let root = SVGBackend::with_string(&mut s, (w, h)).into_drawing_area();
        f(root)
    };
    if let Err(e) = r {
        return format!("<svg viewBox=\"0 0 {w} 40\" role=\"img\"><text x=\"10\" y=\"25\">{label}: chart could not be drawn: {}</text></svg>", crate::junit::escape(&e.to_string()));
    }
    // Responsive: keep the viewBox, let CSS size it; name it for screen readers.
    s.replacen(
        "<svg ",
        &format!(
            "<svg role=\"img\" aria-label=\"{}\" preserveAspectRatio=\"xMidYMid meet\" ",
            crate::junit::escape(label)
        ),
        1,
    )
}

fn legend<'a, 'b: 'a>(chart: &mut Chart2<'a, 'b>) -> Res {
    chart
        .configure_series_labels()
        .position(SeriesLabelPosition::UpperRight)
        .background_style(WHITE.mix(0.85))
        .border_style(GREY)
        .label_font((FONT, 13))
        .draw()?;
    Ok(())
}

fn shade_faults<'a, 'b: 'a>(
    chart: &mut Chart2<'a, 'b>,
    faults: &[FaultSpan],
    x_end: f64,
    y: (f64, f64),
) -> Res {
    for (i, f) in faults.iter().enumerate() {
        let end = f.end_s.unwrap_or(x_end).min(x_end);
        let exercised = f.status == touchstone_core::engine::FaultStatus::Applied;
        let (a, b) = (f.start_s, end.max(f.start_s + x_end / 400.0));
        if exercised {
            chart.draw_series(std::iter::once(Rectangle::new(
                [(a, y.0), (b, y.1)],
                FAULT.mix(0.18).filled(),
            )))?;
        }
        let label = format!(
            "{} {} {}{}",
            f.id,
            f.action,
            f.nodes.join(","),
            if exercised { "" } else { " (not exercised)" }
        );
        let ty = y.1 - (y.1 - y.0) * (0.04 + 0.07 * (i % 3) as f64);
        chart.draw_series(std::iter::once(Text::new(
            label,
            (a, ty),
            (FONT, 12).into_font().color(&RGBColor(0x92, 0x40, 0x0e)),
        )))?;
    }
    Ok(())
}

fn mesh<'a, 'b: 'a>(
    chart: &mut Chart2<'a, 'b>,
    x: &str,
    y: &str,
    yfmt: &dyn Fn(&f64) -> String,
) -> Res {
    chart
        .configure_mesh()
        .light_line_style(GRID.mix(0.5))
        .bold_line_style(GRID)
        .axis_style(INK)
        .x_desc(x)
        .y_desc(y)
        .label_style((FONT, 13).into_font().color(&INK))
        .axis_desc_style((FONT, 14).into_font().color(&INK))
        .y_label_formatter(yfmt)
        .draw()?;
    Ok(())
}

fn title(base: &str, c: &RunCharts) -> String {
    if c.bucket_s > 1 {
        format!("{base} — downsampled: {} s buckets of {} s", c.bucket_s, c.seconds)
    } else {
        base.to_string()
    }
}

/// Offered / accepted / committed / rejected per second, fault periods shaded and labelled.
pub fn throughput(c: &RunCharts) -> String {
    let t = title("Throughput over time", c);
    svg(&t, W, H, |root| {
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
    svg(&t, W, H, |root| {
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
    let t = "Latency CDF, measured phases (intended send → committed)";
    svg(t, W, H, |root| {
        root.fill(&WHITE)?;
        let lo = c.latency_cdf.iter().map(|p| p.ns).filter(|n| *n > 0).min().unwrap_or(1_000_000)
            as f64
            / 1e9;
        let hi = c.latency_cdf.iter().map(|p| p.ns).max().unwrap_or(1) as f64 / 1e9;
        let (x0, x1) = ((lo / 2.0).clamp(1e-6, 0.01), (hi * 1.5).max(30.0));
        let mut ch = ChartBuilder::on(&root)
            .caption(t, (FONT, 18).into_font().color(&INK))
            .margin(12)
            .x_label_area_size(44)
            .y_label_area_size(70)
            .build_cartesian_2d((x0..x1).log_scale(), 0f64..100.0)?;
        ch.configure_mesh()
            .light_line_style(GRID.mix(0.5))
            .bold_line_style(GRID)
            .x_desc("latency (s, log scale)")
            .y_desc("share of committed transactions (%)")
            .label_style((FONT, 13).into_font().color(&INK))
            .axis_desc_style((FONT, 14).into_font().color(&INK))
            .x_label_formatter(&|v| {
                if *v >= 1.0 {
                    format!("{v:.0} s")
                } else {
                    format!("{:.0} ms", v * 1000.0)
                }
            })
            .draw()?;
        for (i, (s, name)) in [
            (1.0, "1 s payment target"),
            (5.0, "5 s TIPS"),
            (10.0, "10 s SCT Inst"),
            (20.0, "20 s FedNow"),
        ]
        .iter()
        .enumerate()
        {
            let col = PALETTE[[6, 3, 4, 7][i]];
            ch.draw_series(std::iter::once(PathElement::new(
                vec![(*s, 0.0), (*s, 100.0)],
                col.stroke_width(2),
            )))?
            .label(*name)
            .legend(move |(x, y)| PathElement::new(vec![(x, y), (x + 18, y)], col.stroke_width(2)));
        }
        let pts: Vec<(f64, f64)> = c
            .latency_cdf
            .iter()
            .filter(|p| p.ns > 0)
            .map(|p| (p.ns as f64 / 1e9, p.q * 100.0))
            .collect();
        if pts.is_empty() {
            ch.draw_series(std::iter::once(Text::new(
                "no commits: no latency to plot",
                (x0 * 2.0, 50.0),
                (FONT, 16),
            )))?;
        } else {
            ch.draw_series(LineSeries::new(pts, PALETTE[0].stroke_width(3)))?
                .label("committed latency")
                .legend(|(x, y)| {
                    PathElement::new(vec![(x, y), (x + 18, y)], PALETTE[0].stroke_width(3))
                });
        }
        ch.configure_series_labels()
            .position(SeriesLabelPosition::LowerRight)
            .background_style(WHITE.mix(0.85))
            .border_style(GREY)
            .label_font((FONT, 13))
            .draw()?;
        root.present()?;
        Ok(())
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
    svg(&t, W, H, |root| {
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
        ch.configure_series_labels()
            .position(SeriesLabelPosition::LowerRight)
            .background_style(WHITE.mix(0.85))
            .border_style(GREY)
            .label_font((FONT, 13))
            .draw()?;
        root.present()?;
        Ok(())
    })
}

/// L1 radar: one axis per scored area, score 0–100%; areas not evaluated are greyed.
pub fn radar(areas: &[AreaResult]) -> String {
    let t = "Areas (L1): score by area";
    svg(t, 520, 500, |root| {
        root.fill(&WHITE)?;
        let mut ch = ChartBuilder::on(&root)
            .caption(t, (FONT, 18).into_font().color(&INK))
            .margin(10)
            .build_cartesian_2d(-1.9f64..1.9, -1.7f64..1.35)?;
        let n = areas.len().max(3);
        let at = |i: usize, r: f64| {
            let a = std::f64::consts::FRAC_PI_2 - i as f64 * 2.0 * std::f64::consts::PI / n as f64;
            (r * a.cos(), r * a.sin())
        };
        for ring in [0.25, 0.5, 0.75, 1.0] {
            let mut pts: Vec<(f64, f64)> = (0..n).map(|i| at(i, ring)).collect();
            pts.push(pts[0]);
            ch.draw_series(std::iter::once(PathElement::new(pts, GRID.stroke_width(1))))?;
            ch.draw_series(std::iter::once(Text::new(
                format!("{:.0}%", ring * 100.0),
                (0.02, ring * 0.98),
                (FONT, 11).into_font().color(&GREY),
            )))?;
        }
        for (i, a) in areas.iter().enumerate() {
            ch.draw_series(std::iter::once(PathElement::new(
                vec![(0.0, 0.0), at(i, 1.0)],
                GRID.stroke_width(1),
            )))?;
            let (x, y) = at(i, 1.2);
            let label = match a.score {
                Some(s) => format!("{} {:.0}%", a.id, s * 100.0),
                None => format!("{} n/e", a.id),
            };
            let col = if a.score.is_some() { INK } else { GREY };
            let style =
                (FONT, 14).into_font().color(&col).pos(plotters::style::text_anchor::Pos::new(
                    plotters::style::text_anchor::HPos::Center,
                    plotters::style::text_anchor::VPos::Center,
                ));
            ch.draw_series(std::iter::once(Text::new(label, (x, y), style.clone())))?;
            let (x2, y2) = at(i, 1.2);
            let name_style =
                (FONT, 12).into_font().color(&GREY).pos(plotters::style::text_anchor::Pos::new(
                    plotters::style::text_anchor::HPos::Center,
                    plotters::style::text_anchor::VPos::Center,
                ));
            ch.draw_series(std::iter::once(Text::new(
                a.name.clone(),
                (x2, y2 - 0.12),
                name_style,
            )))?;
        }
        let pts: Vec<(f64, f64)> =
            areas.iter().enumerate().map(|(i, a)| at(i, a.score.unwrap_or(0.0))).collect();
        if areas.iter().any(|a| a.score.is_some()) {
            ch.draw_series(std::iter::once(Polygon::new(
                pts.clone(),
                PALETTE[0].mix(0.25).filled(),
            )))?;
            let mut closed = pts.clone();
            closed.push(pts[0]);
            ch.draw_series(std::iter::once(PathElement::new(closed, PALETTE[0].stroke_width(2))))?
                .label("score (n/e: not evaluated, drawn at 0)")
                .legend(|(x, y)| {
                    Rectangle::new([(x, y - 5), (x + 14, y + 5)], PALETTE[0].mix(0.4).filled())
                });
            for (i, a) in areas.iter().enumerate().filter(|(_, a)| a.score.is_some()) {
                ch.draw_series(std::iter::once(Circle::new(
                    at(i, a.score.unwrap_or(0.0)),
                    4,
                    PALETTE[0].filled(),
                )))?;
            }
        }
        ch.configure_series_labels()
            .position(SeriesLabelPosition::LowerLeft)
            .background_style(WHITE.mix(0.85))
            .border_style(GREY)
            .label_font((FONT, 12))
            .draw()?;
        root.present()?;
        Ok(())
    })
}

/// L2 bars: score of each group, 0–100%; groups not evaluated are listed with an empty bar.
pub fn groups(areas: &[AreaResult]) -> String {
    let t = "Groups (L2): score by group";
    // First group at the top; three empty rows above it hold the legend.
    let mut gs: Vec<(String, Option<f64>)> = areas
        .iter()
        .flat_map(|a| a.groups.iter().map(|g| (format!("{} {}", g.id, g.name), g.score)))
        .collect();
    gs.reverse();
    let legend_rows = 3usize;
    let h = (90 + 24 * (gs.len() + legend_rows) as u32).max(220);
    svg(t, 620, h, |root| {
        root.fill(&WHITE)?;
        let n = (gs.len() + legend_rows) as u32;
        let mut ch = ChartBuilder::on(&root)
            .caption(t, (FONT, 18).into_font().color(&INK))
            .margin(10)
            .x_label_area_size(40)
            .y_label_area_size(230)
            .build_cartesian_2d(0f64..100f64, (0u32..n).into_segmented())?;
        ch.configure_mesh()
            .disable_y_mesh()
            .light_line_style(GRID.mix(0.5))
            .bold_line_style(GRID)
            .x_desc("score (%)")
            .y_desc("group")
            .y_labels(n as usize)
            .label_style((FONT, 12).into_font().color(&INK))
            .axis_desc_style((FONT, 13).into_font().color(&INK))
            .y_label_formatter(&|v| match v {
                SegmentValue::CenterOf(i) => gs
                    .get(*i as usize)
                    .map(
                        |(name, s)| {
                            if s.is_some() {
                                name.clone()
                            } else {
                                format!("{name} (n/e)")
                            }
                        },
                    )
                    .unwrap_or_default(),
                _ => String::new(),
            })
            .draw()?;
        let bands: [(&str, RGBColor, f64, f64); 3] = [
            ("≥ 85%", PALETTE[1], 0.85, 1.01),
            ("50–85%", PALETTE[5], 0.5, 0.85),
            ("< 50%", PALETTE[2], -1.0, 0.5),
        ];
        for (label, col, lo, hi) in bands {
            let bars = gs.iter().enumerate().filter_map(move |(i, (_, s))| {
                let s = (*s).filter(|s| *s >= lo && *s < hi)?;
                let mut r = Rectangle::new(
                    [
                        (0.0, SegmentValue::Exact(i as u32)),
                        (s * 100.0, SegmentValue::Exact(i as u32 + 1)),
                    ],
                    col.mix(0.85).filled(),
                );
                r.set_margin(3, 3, 0, 0);
                Some(r)
            });
            ch.draw_series(bars)?.label(format!("score {label}")).legend(move |(x, y)| {
                Rectangle::new([(x, y - 5), (x + 14, y + 5)], col.mix(0.85).filled())
            });
        }
        ch.configure_series_labels()
            .position(SeriesLabelPosition::UpperRight)
            .background_style(WHITE.mix(0.85))
            .border_style(GREY)
            .label_font((FONT, 12))
            .draw()?;
        root.present()?;
        Ok(())
    })
}
