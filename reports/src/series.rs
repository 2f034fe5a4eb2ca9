//! Chart data of one run: the per-second series (downsampled honestly to at most
//! [`MAX_SERIES_POINTS`] buckets), the latency CDF, fault and phase spans, and the consensus
//! timeline (at most [`MAX_TIMELINE_POINTS`] points per validator).

use crate::input::RunInput;
use crate::model::*;
use touchstone_core::engine::FaultStatus;

/// Buckets kept from the per-second series; longer runs merge whole seconds per bucket.
pub const MAX_SERIES_POINTS: usize = 600;
/// Points kept per validator in the consensus timeline.
pub const MAX_TIMELINE_POINTS: usize = 400;

fn s(ns: u64) -> f64 {
    ns as f64 / 1e9
}

/// Charts of `r`.
pub fn charts(r: &RunInput) -> RunCharts {
    let rec = &r.record;
    let (series, bucket_s, seconds, latency_cdf, phases) = match &rec.metrics {
        Some(m) => {
            let n = m.series.len();
            let bucket = n.div_ceil(MAX_SERIES_POINTS).max(1);
            let pts = m
                .series
                .chunks(bucket)
                .map(|c| {
                    let k = bucket as f64;
                    SeriesPoint {
                        t_s: c[0].t_s as f64,
                        offered_tps: c.iter().map(|x| x.offered).sum::<u64>() as f64 / k,
                        accepted_tps: c.iter().map(|x| x.accepted).sum::<u64>() as f64 / k,
                        committed_tps: c.iter().map(|x| x.committed).sum::<u64>() as f64 / k,
                        rejected_tps: c.iter().map(|x| x.rejected).sum::<u64>() as f64 / k,
                        p50_ns: c.iter().map(|x| x.p50_ns).max().unwrap_or(0),
                        p99_ns: c.iter().map(|x| x.p99_ns).max().unwrap_or(0),
                        max_ns: c.iter().map(|x| x.max_ns).max().unwrap_or(0),
                    }
                })
                .collect();
            let cdf = m.latency_cdf.iter().map(|p| CdfPointView { q: p.q, ns: p.ns }).collect();
            let phases = m
                .phases
                .iter()
                .map(|p| PhaseSpan {
                    name: p.name.clone(),
                    warmup: p.warmup,
                    start_s: s(p.start_ns),
                    end_s: s(p.end_ns),
                })
                .collect();
            (pts, bucket as u64, n as u64, cdf, phases)
        }
        None => (Vec::new(), 1, 0, Vec::new(), Vec::new()),
    };
    let faults = rec
        .faults
        .iter()
        .map(|f| FaultSpan {
            id: f.id.clone(),
            action: f.action.clone(),
            nodes: f.nodes.clone(),
            start_s: s(f.applied_ns.unwrap_or(f.at_ns)),
            end_s: f.undone_ns.map(s).or_else(|| {
                (f.status != FaultStatus::Applied).then(|| s(f.at_ns + f.duration_ns.unwrap_or(0)))
            }),
            status: f.status,
        })
        .collect();
    let consensus = r.trace.as_ref().filter(|t| t.decide_lines > 0).map(|t| {
        let mut downsampled = false;
        let nodes = rec
            .adapter
            .system
            .validators
            .iter()
            .map(|v| {
                let pts = t.decided.get(&v.id).map(Vec::as_slice).unwrap_or(&[]);
                let (points, d) = thin(pts);
                downsampled |= d;
                NodeTimeline { node: v.id.clone(), byzantine: r.is_byzantine(&v.id), points }
            })
            .collect();
        ConsensusTimeline {
            nodes,
            decide_lines: t.decide_lines,
            max_points: MAX_TIMELINE_POINTS,
            downsampled,
        }
    });
    RunCharts {
        run: r.label.clone(),
        scenario: rec.scenario.name.clone(),
        series,
        bucket_s,
        seconds,
        latency_cdf,
        faults,
        phases,
        consensus,
    }
}

/// Keeps at most [`MAX_TIMELINE_POINTS`]: the last point of each equal time slice (a step chart
/// of the highest decided height stays exact at the slice ends).
fn thin(pts: &[(u64, u64)]) -> (Vec<(f64, u64)>, bool) {
    if pts.len() <= MAX_TIMELINE_POINTS {
        return (pts.iter().map(|(t, h)| (s(*t), *h)).collect(), false);
    }
    let (a, b) = (pts[0].0, pts[pts.len() - 1].0);
    let slice = (b - a).div_ceil(MAX_TIMELINE_POINTS as u64 - 1).max(1);
    let mut out: Vec<(f64, u64)> = vec![(s(pts[0].0), pts[0].1)];
    let mut cur = 0;
    for (i, (t, _)) in pts.iter().enumerate() {
        let k = (t - a) / slice;
        let next = pts.get(i + 1).map(|(t2, _)| (t2 - a) / slice);
        if next != Some(k) && k >= cur {
            out.push((s(*t), pts[i].1));
            cur = k + 1;
        }
    }
    (out, true)
}
