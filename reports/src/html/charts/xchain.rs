//! The distribution of cross-chain settlement times.

use super::draw::{svg, FONT, GREY, GRID, HEIGHT, INK, PALETTE, WIDTH};
use crate::model::XchainView;
use plotters::prelude::*;

/// Settlement time CDF (source commit → destination commit) with the checker's bound and the
/// rubric's reference lines.
pub fn settlement_cdf(x: &XchainView) -> String {
    let t =
        format!("Cross-chain settlement time CDF, {} (source commit → destination commit)", x.run);
    svg(&t, WIDTH, HEIGHT, |root| {
        root.fill(&WHITE)?;
        let lo = x.latencies_ns.first().copied().unwrap_or(1_000_000).max(1) as f64 / 1e9;
        let hi = x.latencies_ns.last().copied().unwrap_or(1) as f64 / 1e9;
        let (x0, x1) = ((lo / 2.0).clamp(1e-6, 0.1), (hi * 1.5).max(90.0));
        let mut ch = ChartBuilder::on(&root)
            .caption(&t, (FONT, 18).into_font().color(&INK))
            .margin(12)
            .x_label_area_size(44)
            .y_label_area_size(70)
            .build_cartesian_2d((x0..x1).log_scale(), 0f64..100.0)?;
        ch.configure_mesh()
            .light_line_style(GRID.mix(0.5))
            .bold_line_style(GRID)
            .x_desc("settlement time (s, log scale)")
            .y_desc("share of settlements (%)")
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
        let bound = x.bound_ns as f64 / 1e9;
        for (i, (s, name)) in
            [(bound, format!("{bound:.0} s checker bound")), (60.0, "60 s rubric minimum".into())]
                .into_iter()
                .enumerate()
        {
            let col = PALETTE[[2, 6][i]];
            ch.draw_series(std::iter::once(PathElement::new(
                vec![(s, 0.0), (s, 100.0)],
                col.stroke_width(2),
            )))?
            .label(name)
            .legend(move |(x, y)| PathElement::new(vec![(x, y), (x + 18, y)], col.stroke_width(2)));
        }
        let n = x.latencies_ns.len() as f64;
        let pts: Vec<(f64, f64)> = x
            .latencies_ns
            .iter()
            .enumerate()
            .map(|(i, &ns)| ((ns.max(1) as f64 / 1e9).max(x0), (i + 1) as f64 / n * 100.0))
            .collect();
        if pts.is_empty() {
            ch.draw_series(std::iter::once(Text::new(
                "nothing settled: nothing to plot",
                (x0 * 2.0, 50.0),
                (FONT, 16),
            )))?;
        } else {
            ch.draw_series(LineSeries::new(pts, PALETTE[0].stroke_width(3)))?
                .label("settled transfers and pairs")
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
