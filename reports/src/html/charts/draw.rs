//! What every chart shares: size, font, colours, the SVG canvas, legend, fault shading, mesh,
//! titles, and the log-scale time CDF the latency charts draw.
use crate::model::{FaultSpan, RunCharts};
use plotters::coord::types::RangedCoordf64;
use plotters::prelude::*;

pub(super) const WIDTH: u32 = 900;
pub(super) const HEIGHT: u32 = 380;
pub(super) const FONT: &str = "sans-serif";
pub(super) const INK: RGBColor = RGBColor(0x1f, 0x29, 0x37);
pub(super) const GRID: RGBColor = RGBColor(0xe5, 0xe7, 0xeb);
pub(super) const FAULT: RGBColor = RGBColor(0xf5, 0x9e, 0x0b);
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
pub(super) const GREY: RGBColor = RGBColor(0x9c, 0xa3, 0xaf);

pub(super) type Res = Result<(), Box<dyn std::error::Error>>;
/// A series of the per-second data: name, colour, value.
pub(super) type Line<T> = (&'static str, RGBColor, fn(&crate::model::SeriesPoint) -> T);
pub(super) type Chart2<'a, 'b> =
    ChartContext<'a, SVGBackend<'b>, Cartesian2d<RangedCoordf64, RangedCoordf64>>;

/// Draws with `f` into an SVG string; a drawing error becomes a short SVG saying so.
pub(super) fn svg(
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

pub(super) fn legend<'a, 'b: 'a>(chart: &mut Chart2<'a, 'b>) -> Res {
    legend_at(chart, SeriesLabelPosition::UpperRight, 13)
}

/// The legend every chart draws, at `pos`, in labels of `size`, whatever its coordinates.
pub(super) fn legend_at<'a, 'b: 'a, CT: CoordTranslate>(
    chart: &mut ChartContext<'a, SVGBackend<'b>, CT>,
    pos: SeriesLabelPosition,
    size: i32,
) -> Res {
    chart
        .configure_series_labels()
        .position(pos)
        .background_style(WHITE.mix(0.85))
        .border_style(GREY)
        .label_font((FONT, size))
        .draw()?;
    Ok(())
}

pub(super) fn shade_faults<'a, 'b: 'a>(
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

pub(super) fn mesh<'a, 'b: 'a>(
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

pub(super) fn title(base: &str, c: &RunCharts) -> String {
    if c.bucket_s > 1 {
        format!("{base} — downsampled: {} s buckets of {} s", c.bucket_s, c.seconds)
    } else {
        base.to_string()
    }
}

/// A distribution of times, as a CDF on a log time axis with vertical reference lines.
pub(super) struct LogCdf<'a> {
    pub(super) title: &'a str,
    pub(super) x_desc: &'a str,
    pub(super) y_desc: &'a str,
    /// The time axis, in seconds.
    pub(super) x: (f64, f64),
    /// Reference lines: (seconds, name, colour).
    pub(super) refs: Vec<(f64, String, RGBColor)>,
    /// The curve: (seconds, percent).
    pub(super) pts: Vec<(f64, f64)>,
    /// The curve's name, and what the chart says when it has no point.
    pub(super) label: &'a str,
    pub(super) empty: &'a str,
}

/// Draws a [`LogCdf`].
pub(super) fn log_cdf(c: LogCdf<'_>) -> String {
    svg(c.title, WIDTH, HEIGHT, |root| {
        root.fill(&WHITE)?;
        let (x0, x1) = c.x;
        let mut ch = ChartBuilder::on(&root)
            .caption(c.title, (FONT, 18).into_font().color(&INK))
            .margin(12)
            .x_label_area_size(44)
            .y_label_area_size(70)
            .build_cartesian_2d((x0..x1).log_scale(), 0f64..100.0)?;
        ch.configure_mesh()
            .light_line_style(GRID.mix(0.5))
            .bold_line_style(GRID)
            .x_desc(c.x_desc)
            .y_desc(c.y_desc)
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
        for (s, name, col) in c.refs {
            ch.draw_series(std::iter::once(PathElement::new(
                vec![(s, 0.0), (s, 100.0)],
                col.stroke_width(2),
            )))?
            .label(name)
            .legend(move |(x, y)| PathElement::new(vec![(x, y), (x + 18, y)], col.stroke_width(2)));
        }
        if c.pts.is_empty() {
            ch.draw_series(std::iter::once(Text::new(
                c.empty.to_string(),
                (x0 * 2.0, 50.0),
                (FONT, 16),
            )))?;
        } else {
            ch.draw_series(LineSeries::new(c.pts, PALETTE[0].stroke_width(3)))?
                .label(c.label)
                .legend(|(x, y)| {
                    PathElement::new(vec![(x, y), (x + 18, y)], PALETTE[0].stroke_width(3))
                });
        }
        legend_at(&mut ch, SeriesLabelPosition::LowerRight, 13)?;
        root.present()?;
        Ok(())
    })
}
