//! Rate controllers: when each transaction of a phase is meant to be sent.
//!
//! Open-loop controllers produce *intended send times* independent of the chain's progress;
//! the closed-loop controller instead keeps a number of transactions outstanding.

use crate::scenario::RateSpec;
use crate::seed::Rng;
use crate::time::{Nanos, NS_PER_S};
use rand::Rng as _;

/// The intended send times of an open-loop phase, as offsets from the phase start.
#[derive(Debug)]
pub enum Schedule {
    Constant {
        interval: f64,
        next: u64,
        len: Nanos,
    },
    Poisson {
        tps: f64,
        t: f64,
        len: Nanos,
        rng: Box<Rng>,
    },
    /// Linear ramp: the n-th send time solves from·t + (to−from)·t²/(2L) = n.
    Ramp {
        from: f64,
        to: f64,
        len_s: f64,
        n: u64,
        len: Nanos,
    },
    Burst {
        count: u64,
        at: Nanos,
        within: Nanos,
        i: u64,
    },
    /// Closed loop: no schedule; the engine keeps `concurrency` outstanding until `len`.
    Closed {
        concurrency: u32,
        len: Nanos,
    },
}

impl Schedule {
    pub fn new(rate: &RateSpec, len: Nanos, rng: Rng) -> Schedule {
        match *rate {
            RateSpec::Constant { tps } => {
                Schedule::Constant { interval: NS_PER_S as f64 / tps, next: 0, len }
            }
            RateSpec::Poisson { tps } => Schedule::Poisson { tps, t: 0.0, len, rng: Box::new(rng) },
            RateSpec::Ramp { from, to } => {
                Schedule::Ramp { from, to, len_s: len as f64 / 1e9, n: 0, len }
            }
            RateSpec::Burst { count, at, within } => Schedule::Burst { count, at, within, i: 0 },
            RateSpec::Closed { concurrency } => Schedule::Closed { concurrency, len },
        }
    }

    pub fn is_closed(&self) -> bool {
        matches!(self, Schedule::Closed { .. })
    }

    /// The next intended send time (offset from the phase start), or `None` when the phase's
    /// schedule is exhausted (always `None` for closed loop).
    #[inline]
    pub fn next_offset(&mut self) -> Option<Nanos> {
        match self {
            Schedule::Constant { interval, next, len } => {
                let t = (*next as f64 * *interval) as Nanos;
                if t >= *len {
                    return None;
                }
                *next += 1;
                Some(t)
            }
            Schedule::Poisson { tps, t, len, rng } => {
                let u: f64 = rng.gen::<f64>();
                let gap = -(1.0 - u).ln() / *tps * 1e9;
                let cur = *t;
                *t += gap;
                // The first arrival is at an exponential gap from the start, like every other.
                let at = (cur + gap) as Nanos;
                if at >= *len {
                    None
                } else {
                    Some(at)
                }
            }
            Schedule::Ramp { from, to, len_s, n, len } => {
                let k = (*to - *from) / *len_s; // acceleration in tx/s²
                let target = *n as f64;
                let t = if k.abs() < 1e-12 {
                    if *from <= 0.0 {
                        return None;
                    }
                    target / *from
                } else {
                    let disc = *from * *from + 2.0 * k * target;
                    if disc < 0.0 {
                        return None;
                    }
                    (-*from + disc.sqrt()) / k
                };
                let at = (t * 1e9) as Nanos;
                if !(t.is_finite() && t >= 0.0) || at >= *len {
                    return None;
                }
                *n += 1;
                Some(at)
            }
            Schedule::Burst { count, at, within, i } => {
                if *i >= *count {
                    return None;
                }
                let off = *at + (*within as u128 * *i as u128 / *count as u128) as Nanos;
                *i += 1;
                Some(off)
            }
            Schedule::Closed { .. } => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::seed::Seed;
    use proptest::prelude::*;

    fn count(rate: RateSpec, len: Nanos, seed: u64) -> u64 {
        let mut s = Schedule::new(&rate, len, Seed(seed).stream("rate"));
        let mut n = 0;
        let mut last = 0;
        while let Some(t) = s.next_offset() {
            assert!(t >= last, "times must not decrease");
            assert!(t < len);
            last = t;
            n += 1;
        }
        n
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(64))]
        #[test]
        fn constant_count_within_one(tps in 0.5f64..20_000.0, len_ms in 1u64..20_000) {
            let len = len_ms * 1_000_000;
            let expected = tps * len as f64 / 1e9;
            let n = count(RateSpec::Constant { tps }, len, 0) as f64;
            prop_assert!((n - expected).abs() <= 1.0, "n={n} expected={expected}");
        }

        #[test]
        fn poisson_count_within_statistical_bounds(tps in 50.0f64..5_000.0, secs in 1u64..20, seed in any::<u64>()) {
            let len = secs * NS_PER_S;
            let mean = tps * secs as f64;
            let n = count(RateSpec::Poisson { tps }, len, seed) as f64;
            // Poisson count: sd = sqrt(mean); 6 sd keeps false alarms below 1e-8 per case.
            prop_assert!((n - mean).abs() <= 6.0 * mean.sqrt() + 1.0, "n={n} mean={mean} seed={seed}");
        }

        #[test]
        fn ramp_count_is_area(from in 0.0f64..2_000.0, to in 0.0f64..2_000.0, secs in 1u64..10) {
            prop_assume!(from + to > 1.0);
            let len = secs * NS_PER_S;
            let area = (from + to) / 2.0 * secs as f64;
            let n = count(RateSpec::Ramp { from, to }, len, 0) as f64;
            prop_assert!((n - area).abs() <= 1.5, "n={n} area={area}");
        }

        #[test]
        fn burst_sends_exactly_count(c in 1u64..50_000, within_ms in 0u64..1000) {
            let within = within_ms * 1_000_000;
            let n = count(RateSpec::Burst { count: c, at: 0, within }, within + NS_PER_S, 0);
            prop_assert_eq!(n, c);
        }
    }

    #[test]
    fn poisson_replays_from_seed() {
        let a: Vec<_> = {
            let mut s =
                Schedule::new(&RateSpec::Poisson { tps: 100.0 }, NS_PER_S, Seed(9).stream("r"));
            std::iter::from_fn(|| s.next_offset()).collect()
        };
        let b: Vec<_> = {
            let mut s =
                Schedule::new(&RateSpec::Poisson { tps: 100.0 }, NS_PER_S, Seed(9).stream("r"));
            std::iter::from_fn(|| s.next_offset()).collect()
        };
        assert_eq!(a, b);
    }
}
