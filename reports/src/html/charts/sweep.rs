//! Curves of a sweep: one line per series (a protocol, with the other axes' values) through
//! the median across seeds, a band from the minimum to the maximum, and the knee of a
//! throughput-vs-offered-load curve marked.

use super::draw::{legend_at, svg, FONT, GREY, GRID, HEIGHT, INK, PALETTE, WIDTH};
use plotters::prelude::*;

/// One point of a curve: the x value and the median, minimum and maximum across seeds.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct CurvePoint {
    pub x: f64,
    pub median: f64,
    pub min: f64,
    pub max: f64,
}

/// One series of a sweep chart.
#[derive(Debug, Clone, PartialEq)]
pub struct Curve {
    pub label: String,
    pub points: Vec<CurvePoint>,
    /// The x of the saturation knee (last point that still commits what is offered).
    pub knee: Option<f64>,
}

/// A chart of curves against the varied parameter.
#[derive(Debug, Clone, PartialEq)]
pub struct CurveChart {
    pub title: String,
    pub x_desc: String,
    pub y_desc: String,
    /// Names of the x positions 0, 1, 2… when the axis is not numeric (e.g. protocols).
    pub categories: Option<Vec<String>>,
    pub curves: Vec<Curve>,
    /// Draw y = x (committed = offered) as a reference.
    pub diagonal: bool,
}

/// Draws `c` into an SVG string.
pub fn curves(c: &CurveChart) -> String {
    svg(&c.title, WIDTH, HEIGHT, |root| {
        root.fill(&WHITE)?;
        let pts = || c.curves.iter().flat_map(|k| &k.points);
        let (x0, x1) =
            pts().fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), p| (a.min(p.x), b.max(p.x)));
        let (x0, x1) = if x0.is_finite() { (x0, x1) } else { (0.0, 1.0) };
        let pad = ((x1 - x0) * 0.05).max(0.5);
        let y_max = pts().map(|p| p.max).fold(1e-9, f64::max) * 1.2;
        let mut ch = ChartBuilder::on(&root)
            .caption(&c.title, (FONT, 18).into_font().color(&INK))
            .margin(12)
            .x_label_area_size(44)
            .y_label_area_size(70)
            .build_cartesian_2d((x0 - pad)..(x1 + pad), 0f64..y_max)?;
        let cats = c.categories.clone();
        let xfmt = move |v: &f64| match &cats {
            Some(names) => {
                let i = v.round();
                if (v - i).abs() < 1e-6 && i >= 0.0 {
                    names.get(i as usize).cloned().unwrap_or_default()
                } else {
                    String::new()
                }
            }
            None => format!("{v}"),
        };
        let yfmt = |v: &f64| if *v >= 100.0 { format!("{v:.0}") } else { format!("{v:.1}") };
        ch.configure_mesh()
            .light_line_style(GRID.mix(0.5))
            .bold_line_style(GRID)
            .axis_style(INK)
            .x_desc(c.x_desc.as_str())
            .y_desc(c.y_desc.as_str())
            .label_style((FONT, 13).into_font().color(&INK))
            .axis_desc_style((FONT, 14).into_font().color(&INK))
            .x_label_formatter(&xfmt)
            .y_label_formatter(&yfmt)
            .draw()?;
        if c.diagonal {
            let top = (x1 + pad).min(y_max);
            ch.draw_series(std::iter::once(PathElement::new(
                vec![(0.0, 0.0), (top, top)],
                GREY.stroke_width(1),
            )))?
            .label("committed = offered")
            .legend(|(x, y)| PathElement::new(vec![(x, y), (x + 18, y)], GREY));
        }
        for (i, k) in c.curves.iter().enumerate() {
            let col = PALETTE[i % PALETTE.len()];
            if k.points.len() > 1 {
                let mut band: Vec<(f64, f64)> = k.points.iter().map(|p| (p.x, p.max)).collect();
                band.extend(k.points.iter().rev().map(|p| (p.x, p.min)));
                ch.draw_series(std::iter::once(Polygon::new(band, col.mix(0.15).filled())))?;
            }
            for p in &k.points {
                ch.draw_series(std::iter::once(PathElement::new(
                    vec![(p.x, p.min), (p.x, p.max)],
                    col.mix(0.6).stroke_width(1),
                )))?;
            }
            let line: Vec<(f64, f64)> = k.points.iter().map(|p| (p.x, p.median)).collect();
            ch.draw_series(LineSeries::new(line.clone(), col.stroke_width(2)))?
                .label(k.label.clone())
                .legend(move |(x, y)| {
                    PathElement::new(vec![(x, y), (x + 18, y)], col.stroke_width(3))
                });
            ch.draw_series(line.iter().map(|p| Circle::new(*p, 3, col.filled())))?;
            if let Some(kx) = k.knee {
                ch.draw_series(std::iter::once(PathElement::new(
                    vec![(kx, 0.0), (kx, y_max)],
                    col.mix(0.7).stroke_width(1),
                )))?;
                ch.draw_series(std::iter::once(Text::new(
                    format!("knee {} {kx}", k.label),
                    (kx, y_max * (0.95 - 0.06 * i as f64)),
                    (FONT, 12).into_font().color(&col),
                )))?;
            }
        }
        legend_at(&mut ch, SeriesLabelPosition::UpperLeft, 13)?;
        root.present()?;
        Ok(())
    })
}
