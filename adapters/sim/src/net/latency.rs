//! Sampling one link's delay: latency distribution, jitter, reordering.

use rand::Rng as _;
use rand_distr::{Distribution, LogNormal, Normal};
use touchstone_core::scenario::{LatencyDist, LinkSpec};
use touchstone_core::seed::Rng;
use touchstone_core::Nanos;

/// A link model prepared for sampling.
#[derive(Debug, Clone)]
pub struct LinkModel {
    pub spec: LinkSpec,
    dist: Sampler,
    /// Serialization time per byte in picoseconds (0 = unlimited bandwidth).
    ps_per_byte: u64,
}

#[derive(Debug, Clone)]
enum Sampler {
    Fixed(Nanos),
    Uniform { lo: Nanos, hi: Nanos },
    Normal(Normal<f64>),
    LogNormal(LogNormal<f64>),
}

impl LinkModel {
    pub fn new(spec: &LinkSpec) -> Self {
        let dist = match spec.latency {
            LatencyDist::Fixed { latency } => Sampler::Fixed(latency),
            LatencyDist::Uniform { latency, spread } => {
                Sampler::Uniform { lo: latency.saturating_sub(spread), hi: latency + spread }
            }
            LatencyDist::Normal { latency, spread } => {
                match Normal::new(latency as f64, spread as f64) {
                    Ok(n) if spread > 0 => Sampler::Normal(n),
                    _ => Sampler::Fixed(latency),
                }
            }
            LatencyDist::LogNormal { latency, spread } => {
                // Parameters so that the distribution's mean is `latency` and its standard
                // deviation `spread`.
                let (m, s) = (latency.max(1) as f64, spread as f64);
                let sigma2 = (1.0 + (s * s) / (m * m)).ln();
                let mu = m.ln() - sigma2 / 2.0;
                match LogNormal::new(mu, sigma2.sqrt()) {
                    Ok(d) if spread > 0 => Sampler::LogNormal(d),
                    _ => Sampler::Fixed(latency),
                }
            }
        };
        let ps_per_byte = match spec.bandwidth_mbps {
            Some(mbps) if mbps > 0.0 => (8.0e6 / mbps).round() as u64,
            _ => 0,
        };
        LinkModel { spec: spec.clone(), dist, ps_per_byte }
    }

    /// Time to put `bytes` on the wire.
    pub fn serialization(&self, bytes: u64) -> Nanos {
        bytes.saturating_mul(self.ps_per_byte) / 1000
    }

    pub fn has_bandwidth_limit(&self) -> bool {
        self.ps_per_byte > 0
    }

    /// One propagation delay: distribution + jitter + (maybe) a reordering hold-back.
    pub fn sample(&self, rng: &mut Rng) -> Nanos {
        let base = match &self.dist {
            Sampler::Fixed(l) => *l,
            Sampler::Uniform { lo, hi } => {
                if hi > lo {
                    rng.gen_range(*lo..=*hi)
                } else {
                    *lo
                }
            }
            Sampler::Normal(d) => d.sample(rng).max(0.0) as Nanos,
            Sampler::LogNormal(d) => d.sample(rng).max(0.0) as Nanos,
        };
        let jitter = if self.spec.jitter > 0 { rng.gen_range(0..=self.spec.jitter) } else { 0 };
        let hold = if self.spec.reorder > 0.0 && rng.gen_bool(self.spec.reorder.min(1.0)) {
            // Held back by one to three mean latencies: later messages overtake it.
            let m = self.spec.latency.mean().max(1);
            rng.gen_range(m..=3 * m)
        } else {
            0
        };
        base + jitter + hold
    }

    pub fn lost(&self, rng: &mut Rng) -> bool {
        self.spec.loss > 0.0 && rng.gen_bool(self.spec.loss.min(1.0))
    }

    pub fn duplicated(&self, rng: &mut Rng) -> bool {
        self.spec.duplicate > 0.0 && rng.gen_bool(self.spec.duplicate.min(1.0))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use touchstone_core::Seed;

    fn mean_of(spec: LinkSpec) -> f64 {
        let m = LinkModel::new(&spec);
        let mut rng = Seed(1).stream("t");
        (0..20_000).map(|_| m.sample(&mut rng) as f64).sum::<f64>() / 20_000.0
    }

    #[test]
    fn distributions_have_the_configured_mean() {
        let ms = 1_000_000u64;
        for latency in [
            LatencyDist::Fixed { latency: 5 * ms },
            LatencyDist::Uniform { latency: 5 * ms, spread: 2 * ms },
            LatencyDist::Normal { latency: 5 * ms, spread: ms },
            LatencyDist::LogNormal { latency: 5 * ms, spread: 2 * ms },
        ] {
            let mean = mean_of(LinkSpec { latency, ..LinkSpec::default() });
            assert!((mean - 5e6).abs() < 0.1e6, "{latency:?}: mean {mean}");
        }
    }

    #[test]
    fn bandwidth_gives_serialization_delay() {
        let m = LinkModel::new(&LinkSpec { bandwidth_mbps: Some(8.0), ..LinkSpec::default() });
        // 8 Mbit/s = 1 byte per µs.
        assert_eq!(m.serialization(1000), 1_000_000);
    }
}
