//! Charts of the scores: the L1 radar and the L2 bars.

use super::draw::{legend_at, svg, FONT, GREY, GRID, INK, PALETTE};
use crate::model::AreaResult;
use plotters::prelude::*;

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
        legend_at(&mut ch, SeriesLabelPosition::LowerLeft, 12)?;
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
        legend_at(&mut ch, SeriesLabelPosition::UpperRight, 12)?;
        root.present()?;
        Ok(())
    })
}
