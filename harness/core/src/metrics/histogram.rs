//! Latency histograms (HdrHistogram, microsecond resolution, 3 significant digits).
//!
//! Open-loop phases measure latency from each transaction's *intended* send time, so a generator
//! that falls behind cannot hide a slow chain (coordinated omission) and no after-the-fact
//! correction is applied. Closed-loop phases have no schedule: their latency is service time from
//! the actual send and the record says so; there, `record_correct` with the phase's expected
//! interval back-fills the samples a stalled client never sent, as HdrHistogram's authors intend.

use crate::time::Nanos;
use hdrhistogram::Histogram;
use serde::{Deserialize, Serialize};

const MAX_US: u64 = 3_600_000_000; // one hour

/// A latency histogram over nanosecond samples, stored at microsecond resolution.
#[derive(Debug, Clone)]
pub struct LatencyHistogram {
    h: Histogram<u64>,
}

impl Default for LatencyHistogram {
    fn default() -> Self {
        Self::new()
    }
}

fn to_us(ns: Nanos) -> u64 {
    ns.div_ceil(1_000).clamp(1, MAX_US)
}

impl LatencyHistogram {
    pub fn new() -> Self {
        let mut h = Histogram::new_with_bounds(1, MAX_US, 3).expect("static bounds are valid");
        h.auto(true);
        LatencyHistogram { h }
    }

    #[inline]
    pub fn record(&mut self, ns: Nanos) {
        let _ = self.h.record(to_us(ns));
    }

    /// Records `ns` and back-fills the samples a client stalled for `ns` would have produced at
    /// `expected_interval` (closed-loop load only).
    pub fn record_correct(&mut self, ns: Nanos, expected_interval: Nanos) {
        let _ = self.h.record_correct(to_us(ns), to_us(expected_interval));
    }

    pub fn merge(&mut self, other: &LatencyHistogram) {
        let _ = self.h.add(&other.h);
    }

    pub fn len(&self) -> u64 {
        self.h.len()
    }

    pub fn is_empty(&self) -> bool {
        self.h.is_empty()
    }

    pub fn reset(&mut self) {
        self.h.reset();
    }

    /// Value at quantile `q` (0..=1) in nanoseconds; 0 when empty.
    pub fn quantile(&self, q: f64) -> Nanos {
        if self.h.is_empty() {
            0
        } else {
            self.h.value_at_quantile(q) * 1_000
        }
    }

    pub fn max(&self) -> Nanos {
        if self.h.is_empty() {
            0
        } else {
            self.h.max() * 1_000
        }
    }

    pub fn min(&self) -> Nanos {
        if self.h.is_empty() {
            0
        } else {
            self.h.min() * 1_000
        }
    }

    pub fn mean(&self) -> f64 {
        self.h.mean() * 1_000.0
    }

    /// The standard summary.
    pub fn summary(&self) -> LatencySummary {
        LatencySummary {
            count: self.len(),
            min_ns: self.min(),
            mean_ns: self.mean().round() as u64,
            p50_ns: self.quantile(0.50),
            p90_ns: self.quantile(0.90),
            p99_ns: self.quantile(0.99),
            p999_ns: self.quantile(0.999),
            max_ns: self.max(),
        }
    }

    /// Points of the cumulative distribution (latency, share ≤ latency), enough to draw a CDF.
    pub fn cdf(&self) -> Vec<CdfPoint> {
        if self.h.is_empty() {
            return Vec::new();
        }
        let mut qs: Vec<f64> = (0..=100).map(|i| i as f64 / 100.0).collect();
        qs.extend([0.995, 0.999, 0.9995, 0.9999, 0.99999]);
        qs.sort_by(f64::total_cmp);
        qs.into_iter().map(|q| CdfPoint { q, ns: self.quantile(q) }).collect()
    }
}

/// Percentiles of a latency distribution, in nanoseconds.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize, Deserialize)]
pub struct LatencySummary {
    pub count: u64,
    pub min_ns: Nanos,
    pub mean_ns: Nanos,
    pub p50_ns: Nanos,
    pub p90_ns: Nanos,
    pub p99_ns: Nanos,
    pub p999_ns: Nanos,
    pub max_ns: Nanos,
}

impl LatencySummary {
    /// Convenience for criteria: the value of a named percentile.
    pub fn get(&self, name: &str) -> Option<Nanos> {
        Some(match name {
            "p50" => self.p50_ns,
            "p90" => self.p90_ns,
            "p99" => self.p99_ns,
            "p999" => self.p999_ns,
            "max" => self.max_ns,
            _ => return None,
        })
    }
}

/// One point of a latency CDF.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct CdfPoint {
    pub q: f64,
    pub ns: Nanos,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quantiles_within_precision() {
        let mut h = LatencyHistogram::new();
        for ms in 1..=1000u64 {
            h.record(ms * 1_000_000);
        }
        let p99 = h.quantile(0.99) as f64;
        assert!((p99 - 990e6).abs() / 990e6 < 0.002, "p99 {p99}");
        assert_eq!(h.len(), 1000);
        let cdf = h.cdf();
        assert!(cdf.windows(2).all(|w| w[0].ns <= w[1].ns));
    }

    #[test]
    fn record_correct_backfills() {
        let mut h = LatencyHistogram::new();
        h.record_correct(100_000_000, 10_000_000);
        assert_eq!(h.len(), 10);
    }

    #[test]
    fn empty_is_zero() {
        let h = LatencyHistogram::new();
        assert_eq!(h.summary(), LatencySummary::default());
    }
}
