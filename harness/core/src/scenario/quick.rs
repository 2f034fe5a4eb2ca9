//! `--quick`: a scenario scaled down for CI, keeping what it tests.
//!
//! A scenario that would send more than [`QUICK_TARGET_TXS`] transactions has its load divided
//! by `k = ⌈estimate / target⌉` (at most [`QUICK_MAX_FACTOR`]): the rate of every constant,
//! Poisson and ramp phase, the count of every burst, and the size parameters of its workload
//! program ([`super::programs::quick_params`], each kept above a floor that still exercises every
//! kind of case). Durations, faults, the network and the criteria are unchanged, so fault
//! timelines still fall where they were written and a criterion still means what it says. A
//! scenario judged on a throughput (`throughput_min`) without faults keeps its rates and has its
//! phases shortened by `k` instead (at least [`QUICK_MIN_PHASE`] each). A scenario already small
//! (the broken-variant attacks) runs exactly as written.

use super::model::{RateSpec, Scenario};
use crate::time::NS_PER_S;

/// Transactions a quick run aims at, at most (roughly).
pub const QUICK_TARGET_TXS: f64 = 3000.0;
/// Shortest phase a quick run leaves when it shortens phases instead of slowing them.
pub const QUICK_MIN_PHASE: crate::time::Nanos = NS_PER_S;
/// Largest divisor of the load.
pub const QUICK_MAX_FACTOR: u64 = 20;

impl Scenario {
    /// Transactions the phases schedule (closed-loop phases count as none).
    pub fn scheduled_txs(&self) -> f64 {
        self.workload
            .phases
            .iter()
            .map(|p| {
                let secs = p.duration as f64 / NS_PER_S as f64;
                match p.rate {
                    RateSpec::Constant { tps } | RateSpec::Poisson { tps } => tps * secs,
                    RateSpec::Ramp { from, to } => (from + to) / 2.0 * secs,
                    RateSpec::Burst { count, .. } => count as f64,
                    RateSpec::Closed { .. } => 0.0,
                }
            })
            .sum()
    }

    /// The divisor `--quick` applies to this scenario's load (1: unchanged).
    pub fn quick_factor(&self) -> u64 {
        let k = (self.scheduled_txs() / QUICK_TARGET_TXS).ceil() as u64;
        k.clamp(1, QUICK_MAX_FACTOR)
    }

    /// The scenario scaled down for a quick run (see the module docs).
    pub fn quick(&self) -> Scenario {
        let k = self.quick_factor();
        let mut s = self.clone();
        if k == 1 {
            return s;
        }
        let kf = k as f64;
        // A throughput criterion is a rate: keep the rates and shorten the phases instead.
        let keep_rates = s.criteria.throughput_min.is_some() && s.faults.is_empty();
        for p in &mut s.workload.phases {
            if keep_rates && !matches!(p.rate, RateSpec::Burst { .. }) {
                p.duration = (p.duration / k).max(p.duration.min(QUICK_MIN_PHASE));
                continue;
            }
            p.rate = match p.rate.clone() {
                RateSpec::Constant { tps } => RateSpec::Constant { tps: tps / kf },
                RateSpec::Poisson { tps } => RateSpec::Poisson { tps: tps / kf },
                RateSpec::Ramp { from, to } => RateSpec::Ramp { from: from / kf, to: to / kf },
                RateSpec::Burst { count, at, within } => {
                    RateSpec::Burst { count: count.div_ceil(k), at, within }
                }
                closed => closed,
            };
        }
        super::programs::quick_params(&s.workload.program, &mut s.workload.params, k);
        s
    }
}

#[cfg(test)]
mod tests {
    use crate::scenario::{RateSpec, ScenarioBuilder, ScenarioKind};

    #[test]
    fn big_loads_and_program_sizes_shrink_small_ones_stay() {
        let small = ScenarioBuilder::new("s", ScenarioKind::Payment)
            .phase("p", 10 * crate::time::NS_PER_S, RateSpec::Constant { tps: 20.0 })
            .build();
        assert_eq!(small.quick(), small);
        let mut big = ScenarioBuilder::new("b", ScenarioKind::Clearing)
            .phase(
                "p",
                25 * crate::time::NS_PER_S,
                RateSpec::Burst { count: 20_000, at: 0, within: 0 },
            )
            .build();
        big.workload.program = "rebalance".into();
        let q = big.quick();
        assert_eq!(big.quick_factor(), 7);
        assert_eq!(q.workload.phases[0].rate, RateSpec::Burst { count: 2858, at: 0, within: 0 });
        assert_eq!(q.workload.params["pairs"].as_integer(), Some(2857));
        assert_eq!(q.workload.phases[0].duration, big.workload.phases[0].duration);
    }
}
