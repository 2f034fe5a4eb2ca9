//! Per-second time series: offered / accepted / committed / rejected / unknown, and latency
//! percentiles of the commits observed in each second.

use super::histogram::LatencyHistogram;
use crate::time::{Nanos, NS_PER_S};
use serde::{Deserialize, Serialize};

/// Counters for one second of the run.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize, Deserialize)]
pub struct SecondStats {
    /// Start of the second, in seconds since run start.
    pub t_s: u64,
    /// Transactions the schedule wanted sent in this second.
    pub offered: u64,
    pub accepted: u64,
    pub committed: u64,
    pub rejected: u64,
    pub unknown: u64,
    /// Latency percentiles of the commits observed in this second (ns; 0 if none).
    pub p50_ns: Nanos,
    pub p99_ns: Nanos,
    pub max_ns: Nanos,
}

/// Builds the per-second series. Outcomes must arrive in non-decreasing time order (they do: the
/// adapter's clock never goes back); submissions may be counted by their intended second.
#[derive(Debug, Default)]
pub struct SeriesRecorder {
    seconds: Vec<SecondStats>,
    lat_second: u64,
    lat: LatencyHistogram,
}

impl SeriesRecorder {
    pub fn new() -> Self {
        Self::default()
    }

    #[inline]
    fn at(&mut self, t: Nanos) -> &mut SecondStats {
        let s = (t / NS_PER_S) as usize;
        if s >= self.seconds.len() {
            let from = self.seconds.len();
            self.seconds
                .extend((from..=s).map(|i| SecondStats { t_s: i as u64, ..Default::default() }));
        }
        &mut self.seconds[s]
    }

    #[inline]
    pub fn offered(&mut self, t: Nanos) {
        self.at(t).offered += 1;
    }

    #[inline]
    pub fn accepted(&mut self, t: Nanos) {
        self.at(t).accepted += 1;
    }

    #[inline]
    pub fn committed(&mut self, t: Nanos, latency: Nanos) {
        self.roll(t);
        self.at(t).committed += 1;
        self.lat.record(latency);
    }

    #[inline]
    pub fn rejected(&mut self, t: Nanos) {
        self.at(t).rejected += 1;
    }

    #[inline]
    pub fn unknown(&mut self, t: Nanos) {
        self.at(t).unknown += 1;
    }

    fn roll(&mut self, t: Nanos) {
        let s = t / NS_PER_S;
        if s != self.lat_second {
            self.close_latency();
            self.lat_second = s;
        }
    }

    fn close_latency(&mut self) {
        if !self.lat.is_empty() {
            let (p50, p99, max) = (self.lat.quantile(0.5), self.lat.quantile(0.99), self.lat.max());
            let sec = self.lat_second * NS_PER_S;
            let s = self.at(sec);
            s.p50_ns = p50;
            s.p99_ns = p99;
            s.max_ns = max;
            self.lat.reset();
        }
    }

    /// The finished series.
    pub fn finish(mut self) -> Vec<SecondStats> {
        self.close_latency();
        self.seconds
    }

    /// Counters so far (for progress display).
    pub fn seconds(&self) -> &[SecondStats] {
        &self.seconds
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn buckets_by_second_with_latency() {
        let mut r = SeriesRecorder::new();
        r.offered(0);
        r.offered(1_500_000_000);
        r.committed(200_000_000, 10_000_000);
        r.committed(1_200_000_000, 20_000_000);
        r.rejected(2_100_000_000);
        let s = r.finish();
        assert_eq!(s.len(), 3);
        assert_eq!(s[0].offered, 1);
        assert_eq!(s[1].committed, 1);
        assert!(s[1].p50_ns >= 19_000_000 && s[1].p50_ns <= 21_000_000);
        assert_eq!(s[2].rejected, 1);
    }
}
