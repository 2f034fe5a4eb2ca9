//! The distribution of cross-chain settlement times.

use super::draw::{log_cdf, LogCdf, PALETTE};
use crate::model::XchainView;

/// Settlement time CDF (source commit → destination commit) with the checker's bound and the
/// rubric's reference lines.
pub fn settlement_cdf(x: &XchainView) -> String {
    let title =
        format!("Cross-chain settlement time CDF, {} (source commit → destination commit)", x.run);
    let lo = x.latencies_ns.first().copied().unwrap_or(1_000_000).max(1) as f64 / 1e9;
    let hi = x.latencies_ns.last().copied().unwrap_or(1) as f64 / 1e9;
    let x0 = (lo / 2.0).clamp(1e-6, 0.1);
    let bound = x.bound_ns as f64 / 1e9;
    let n = x.latencies_ns.len() as f64;
    log_cdf(LogCdf {
        title: &title,
        x_desc: "settlement time (s, log scale)",
        y_desc: "share of settlements (%)",
        x: (x0, (hi * 1.5).max(90.0)),
        refs: vec![
            (bound, format!("{bound:.0} s checker bound"), PALETTE[2]),
            (60.0, "60 s rubric minimum".into(), PALETTE[6]),
        ],
        pts: x
            .latencies_ns
            .iter()
            .enumerate()
            .map(|(i, &ns)| ((ns.max(1) as f64 / 1e9).max(x0), (i + 1) as f64 / n * 100.0))
            .collect(),
        label: "settled transfers and pairs",
        empty: "nothing settled: nothing to plot",
    })
}
