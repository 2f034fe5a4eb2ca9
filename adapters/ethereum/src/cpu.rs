//! The harness's own CPU, split the way a reader of `run.json` needs it: preparation (funding,
//! signing ahead) apart from the measured phases. Process CPU time (user + system, every
//! thread: the engine's and the adapter's) is read when preparation starts and ends, when the
//! first transaction of a measured (non-warm-up) phase is submitted, and at shutdown; commits
//! of transactions submitted from then on are counted. The figures go to the disclosure
//! (`run.json` → adapter → system → details), since the run record has one total only.

use std::time::Duration;
use touchstone_core::scenario::WorkloadSpec;
use touchstone_core::time::Nanos;
use touchstone_core::TxId;

/// Process CPU (user + system, all threads) so far.
fn process_cpu() -> Option<Duration> {
    cpu_time::ProcessTime::try_now().ok().map(|t| t.as_duration())
}

/// CPU readings of one run.
#[derive(Debug, Default, Clone)]
pub(crate) struct CpuLedger {
    prepare: Option<(Duration, Option<Duration>)>,
    /// Offset of the first measured phase from the run's start (`None`: all warm-up).
    measured_offset: Option<Nanos>,
    /// The run's start on the adapter's clock (end of `prepare`).
    t0: Nanos,
    measured: Option<(TxId, Duration)>,
    end: Option<Duration>,
    committed: u64,
}

impl CpuLedger {
    /// For a run of `w`'s phases.
    pub fn for_workload(w: Option<&WorkloadSpec>) -> Self {
        let measured_offset = w.and_then(|w| {
            let mut at = 0;
            for p in &w.phases {
                if !p.warmup {
                    return Some(at);
                }
                at += p.duration;
            }
            None
        });
        CpuLedger { measured_offset, ..Default::default() }
    }

    pub fn prepare_started(&mut self) {
        if let Some(c) = process_cpu() {
            self.prepare = Some((c, None));
        }
    }

    /// Preparation ends: the run starts at `t0` (the adapter's clock).
    pub fn prepare_done(&mut self, t0: Nanos) {
        self.t0 = t0;
        if let Some((_, end)) = &mut self.prepare {
            *end = process_cpu();
        }
    }

    /// A transaction intended at `intended` was submitted.
    #[inline]
    pub fn submitted(&mut self, id: TxId, intended: Nanos) {
        if self.measured.is_some() {
            return;
        }
        if let Some(off) = self.measured_offset {
            if intended >= self.t0 + off {
                if let Some(c) = process_cpu() {
                    self.measured = Some((id, c));
                }
            }
        }
    }

    /// Transaction `id` committed.
    #[inline]
    pub fn committed(&mut self, id: TxId) {
        if self.measured.is_some_and(|(first, _)| id >= first) {
            self.committed += 1;
        }
    }

    pub fn shutdown(&mut self) {
        if self.end.is_none() {
            self.end = process_cpu();
        }
    }

    /// Preparation CPU.
    pub fn prepare_cpu(&self) -> Option<Duration> {
        let (a, b) = self.prepare?;
        Some(b?.saturating_sub(a))
    }

    /// Measured phases' CPU (first measured submission → shutdown, drain and state read
    /// included) and the commits of their transactions.
    pub fn measured_cpu(&self) -> Option<(Duration, u64)> {
        let (_, from) = self.measured?;
        Some((self.end.or_else(process_cpu)?.saturating_sub(from), self.committed))
    }

    /// The disclosure's entries: `(key, value)`.
    pub fn details(&self) -> Vec<(&'static str, String)> {
        let mut out = Vec::new();
        if let Some(p) = self.prepare_cpu() {
            out.push(("harness_cpu_prepare_ms", format!("{:.1}", p.as_secs_f64() * 1e3)));
        }
        if let Some((m, n)) = self.measured_cpu() {
            out.push(("harness_cpu_measured_ms", format!("{:.1}", m.as_secs_f64() * 1e3)));
            out.push(("harness_cpu_measured_committed", n.to_string()));
            if n > 0 {
                let per = m.as_nanos() as f64 / n as f64 / 1e3;
                out.push(("harness_cpu_per_committed_tx_us", format!("{per:.1}")));
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use touchstone_core::scenario::{RateSpec, ScenarioBuilder, ScenarioKind};

    #[test]
    fn measured_phases_start_after_the_warm_up_and_count_their_commits_only() {
        let s = ScenarioBuilder::new("c", ScenarioKind::Payment)
            .warmup(2_000, RateSpec::Constant { tps: 1.0 })
            .phase("load", 5_000, RateSpec::Constant { tps: 1.0 })
            .build();
        let mut c = CpuLedger::for_workload(Some(&s.workload));
        c.prepare_started();
        c.prepare_done(100);
        assert!(c.prepare_cpu().is_some());
        c.submitted(TxId(1), 1_000);
        c.committed(TxId(1));
        assert!(c.measured_cpu().is_none(), "still warm-up");
        c.submitted(TxId(2), 2_100);
        c.submitted(TxId(3), 2_200);
        c.committed(TxId(1));
        c.committed(TxId(3));
        c.shutdown();
        let (_, n) = c.measured_cpu().unwrap();
        assert_eq!(n, 1, "only transactions of the measured phase count");
        let keys: Vec<_> = c.details().into_iter().map(|(k, _)| k).collect();
        assert!(keys.contains(&"harness_cpu_per_committed_tx_us"), "{keys:?}");
    }
}
