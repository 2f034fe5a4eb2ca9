//! `[criteria]`: latency and throughput bounds and the gates (trace property ids).

use super::validator::Validator;
use crate::scenario::diag::FieldPath;
use crate::scenario::model::*;
use crate::scenario::raw::*;

/// Trace property ids of the trace format (docs/trace-format.md), valid in `criteria.gates`:
/// [`touchstone_spec::Property::IDS`], declared once.
pub const PROPERTY_IDS: &[&str] = &touchstone_spec::Property::IDS;

impl Validator {
    pub(super) fn criteria(&mut self, r: &RawCriteria, p: &FieldPath) -> Criteria {
        let opt = |this: &mut Self, key: &str, v: &Option<String>| {
            v.as_ref().map(|_| this.duration(p.key(key), v, 0))
        };
        let c = Criteria {
            latency_p50: opt(self, "latency_p50", &r.latency_p50),
            latency_p90: opt(self, "latency_p90", &r.latency_p90),
            latency_p99: opt(self, "latency_p99", &r.latency_p99),
            latency_p999: opt(self, "latency_p999", &r.latency_p999),
            latency_max: opt(self, "latency_max", &r.latency_max),
            completion_max: opt(self, "completion_max", &r.completion_max),
            liveness_bound: opt(self, "liveness_bound", &r.liveness_bound),
            throughput_min: r.throughput_min,
            success_rate_min: r.success_rate_min,
            gates: r.gates.clone(),
        };
        if let Some(t) = c.throughput_min {
            if !(t > 0.0 && t.is_finite()) {
                self.err(
                    p.key("throughput_min"),
                    format!("must be a positive number of tx/s, got {t}"),
                );
            }
        }
        if let Some(s) = c.success_rate_min {
            if !(s > 0.0 && s <= 1.0) {
                self.err(
                    p.key("success_rate_min"),
                    format!("a share between 0 and 1 (e.g. 0.999), got {s}"),
                );
            }
        }
        if let Some(gates) = &c.gates {
            for (i, g) in gates.iter().enumerate() {
                self.name_in(p.key("gates").index(i), g, PROPERTY_IDS);
            }
        }
        c
    }
}
