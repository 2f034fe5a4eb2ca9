//! `[workload]`: accounts, assets, amounts, mix, phases and their rates, the program and its
//! parameters.

use super::validator::Validator;
use crate::scenario::diag::FieldPath;
use crate::scenario::limits::*;
use crate::scenario::model::*;
use crate::scenario::programs::{check_params, PROGRAMS};
use crate::scenario::raw::*;
use crate::time::{Nanos, NS_PER_S};
use std::collections::{BTreeMap, BTreeSet};

/// Operations a workload mix may name.
pub const MIX_OPS: &[&str] = &["transfer", "issue", "redeem"];

impl Validator {
    pub(super) fn workload(&mut self, r: &RawWorkload, p: &FieldPath) -> Option<WorkloadSpec> {
        let accounts = self.positive_int(p.key("accounts"), r.accounts, 1000, MAX_ACCOUNTS) as u32;
        let initial = self.initial_balance(r, p);
        let asset_ids = self.asset_ids(r, p);
        let balances = accounts as u64 * asset_ids.len() as u64;
        if balances > MAX_BALANCES {
            self.err(
                p.key("accounts"),
                format!(
                    "{accounts} accounts × {} assets = {balances} balances, over the limit of \
                     {MAX_BALANCES} (a state snapshot lists them all; see docs/limits.md)",
                    asset_ids.len()
                ),
            );
        }
        let (amount_min, amount_max) = self.amounts(r, p);
        let mix = self.mix(r, p);
        let skew = match r.skew {
            None => 0.0,
            Some(s) if (0.0..=10.0).contains(&s) => s,
            Some(s) => {
                self.err(p.key("skew"), format!("Zipf exponent must be between 0 and 10, got {s}"));
                0.0
            }
        };
        let clients = self.positive_int(p.key("clients"), r.clients, 16, 1_000_000) as u32;
        let timeout = self.duration_in(p.key("timeout"), &r.timeout, 10 * NS_PER_S, TX_TIMEOUT_NS);
        let drain = self.duration_in(p.key("drain"), &r.drain, timeout, (0, MAX_DRAIN_NS));
        let phases = self.phases(r, p);
        let program = r.program.clone().unwrap_or_else(|| "payments".into());
        let params = r.params.clone().unwrap_or_default();
        if self.name_in(p.key("program"), &program, PROGRAMS) {
            for (path, msg) in check_params(&program, &params) {
                self.err(path, msg);
            }
        }
        // Only when every phase was understood: a phase dropped for an error of its own is not
        // evidence that the rest are all warm-ups.
        if !phases.is_empty() && phases.len() == r.phases.len() && phases.iter().all(|p| p.warmup) {
            self.err(p.key("phases"), "every phase is a warm-up: nothing would be measured");
        }
        Some(WorkloadSpec {
            program,
            params,
            accounts,
            assets: asset_ids
                .into_iter()
                .map(|id| AssetSpec { id, initial_balance: initial })
                .collect(),
            amount_min,
            amount_max,
            mix,
            skew,
            clients,
            timeout,
            drain,
            phases,
        })
    }

    fn initial_balance(&mut self, r: &RawWorkload, p: &FieldPath) -> u128 {
        match r.initial_balance {
            None => 1_000_000,
            Some(b) if b >= 0 => b as u128,
            Some(b) => {
                self.err(p.key("initial_balance"), format!("must not be negative, got {b}"));
                0
            }
        }
    }

    fn asset_ids(&mut self, r: &RawWorkload, p: &FieldPath) -> Vec<String> {
        let asset_ids = r.assets.clone().unwrap_or_else(|| vec!["USD".into()]);
        if asset_ids.is_empty() {
            self.err(p.key("assets"), "at least one asset");
        }
        let mut seen = BTreeSet::new();
        for (i, a) in asset_ids.iter().enumerate() {
            self.id_len(p.key("assets").index(i), a);
            if a.is_empty() || !a.chars().all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
            {
                self.err(
                    p.key("assets").index(i),
                    format!("asset id {a:?} must be letters, digits, '-' or '_'"),
                );
            }
            if !seen.insert(a) {
                self.err(p.key("assets").index(i), format!("duplicate asset {a:?}"));
            }
        }
        asset_ids
    }

    /// `(amount_min, amount_max)` of the payments program's transfers.
    fn amounts(&mut self, r: &RawWorkload, p: &FieldPath) -> (u128, u128) {
        let amount_min = self.positive_int(p.key("amount_min"), r.amount_min, 1, i64::MAX) as u128;
        let amount_max = self.positive_int(
            p.key("amount_max"),
            r.amount_max,
            100.max(amount_min as i64),
            i64::MAX,
        ) as u128;
        if amount_min > amount_max {
            self.err(
                p.key("amount_max"),
                format!("amount_max {amount_max} is below amount_min {amount_min}"),
            );
        }
        (amount_min, amount_max)
    }

    fn mix(&mut self, r: &RawWorkload, p: &FieldPath) -> BTreeMap<String, f64> {
        let mix = r.mix.clone().unwrap_or_else(|| BTreeMap::from([("transfer".to_string(), 1.0)]));
        for (op, w) in &mix {
            if self.name_in(p.key("mix").key(op), op, MIX_OPS) && !(*w >= 0.0 && w.is_finite()) {
                self.err(p.key("mix").key(op), format!("weight must be zero or positive, got {w}"));
            }
        }
        if mix.values().sum::<f64>() <= 0.0 {
            self.err(p.key("mix"), "the weights add up to zero: nothing to send");
        }
        mix
    }

    /// `[[workload.phases]]`, each with its duration and rate.
    fn phases(&mut self, r: &RawWorkload, p: &FieldPath) -> Vec<Phase> {
        if r.phases.is_empty() {
            self.err(p.key("phases"), "at least one [[workload.phases]] is needed");
        }
        let mut phases = Vec::new();
        let mut names = BTreeSet::new();
        for (i, ph) in r.phases.iter().enumerate() {
            let pp = p.key("phases").index(i);
            let name = ph.name.clone().unwrap_or_else(|| format!("phase{}", i + 1));
            self.id_len(pp.key("name"), &name);
            if !names.insert(name.clone()) {
                self.err(pp.key("name"), format!("duplicate phase name {name:?}"));
            }
            let duration = match &ph.duration {
                None => {
                    self.err(pp.key("duration"), "missing: how long the phase lasts, e.g. \"30s\"");
                    0
                }
                Some(_) => self.duration_in(
                    pp.key("duration"),
                    &ph.duration,
                    0,
                    (MIN_PHASE_NS, MAX_RUN_NS),
                ),
            };
            let rate = match &ph.rate {
                None => {
                    self.err(
                        pp.key("rate"),
                        "missing: e.g. rate = { type = \"constant\", tps = 100 }",
                    );
                    None
                }
                Some(rr) => self.rate(rr, &pp.key("rate"), duration),
            };
            if let Some(rate) = rate {
                phases.push(Phase { name, duration, warmup: ph.warmup.unwrap_or(false), rate });
            }
        }
        phases
    }

    pub(super) fn rate(
        &mut self,
        r: &RawRate,
        p: &FieldPath,
        phase_len: Nanos,
    ) -> Option<RateSpec> {
        let Some(kind) = &r.kind else {
            self.err(p.key("type"), format!("missing: one of {}", RateSpec::NAMES.join(", ")));
            return None;
        };
        if !self.name_in(p.key("type"), kind, RateSpec::NAMES) {
            return None;
        }
        self.rate_fields_apply(r, p, kind);
        Some(match kind.as_str() {
            "constant" => RateSpec::Constant { tps: self.tps(p, kind, "tps", r.tps, false) },
            "poisson" => RateSpec::Poisson { tps: self.tps(p, kind, "tps", r.tps, false) },
            "ramp" => {
                let from = self.tps(p, kind, "from", r.from, true);
                let to = self.tps(p, kind, "to", r.to, true);
                // Only when both were given as zero: an end refused above reads as 0 too.
                if r.from == Some(0.0) && r.to == Some(0.0) {
                    self.err(p.key("to"), "a ramp from 0 to 0 sends nothing");
                }
                RateSpec::Ramp { from, to }
            }
            "burst" => self.burst(r, p, phase_len),
            _ => RateSpec::Closed {
                concurrency: self.positive_int(
                    p.key("concurrency"),
                    r.concurrency.or(Some(0)),
                    1,
                    MAX_CONCURRENCY,
                ) as u32,
            },
        })
    }

    /// Every field given must be one that rate type `kind` takes.
    fn rate_fields_apply(&mut self, r: &RawRate, p: &FieldPath, kind: &str) {
        let allowed: &[&str] = match kind {
            "constant" | "poisson" => &["tps"],
            "ramp" => &["from", "to"],
            "burst" => &["count", "at", "within"],
            _ => &["concurrency"],
        };
        let present = [
            ("tps", r.tps.is_some()),
            ("from", r.from.is_some()),
            ("to", r.to.is_some()),
            ("count", r.count.is_some()),
            ("at", r.at.is_some()),
            ("within", r.within.is_some()),
            ("concurrency", r.concurrency.is_some()),
        ];
        for (k, here) in present {
            if here && !allowed.contains(&k) {
                self.err(
                    p.key(k),
                    format!(
                        "`{k}` does not apply to rate type {kind:?} (it takes: {})",
                        allowed.join(", ")
                    ),
                );
            }
        }
    }

    /// A rate in transactions per second (zero allowed for a ramp's ends).
    fn tps(&mut self, p: &FieldPath, kind: &str, key: &str, v: Option<f64>, zero_ok: bool) -> f64 {
        match v {
            None => {
                self.err(
                    p.key(key),
                    format!("missing: rate type {kind:?} needs `{key}` (transactions per second)"),
                );
                0.0
            }
            Some(x) if x.is_finite() && (x > 0.0 || (zero_ok && x == 0.0)) && x <= MAX_TPS => x,
            Some(x) => {
                self.err(
                    p.key(key),
                    format!("must be a positive rate up to 1,000,000 tx/s, got {x}"),
                );
                0.0
            }
        }
    }

    fn burst(&mut self, r: &RawRate, p: &FieldPath, phase_len: Nanos) -> RateSpec {
        let count = match r.count {
            None => {
                self.err(p.key("count"), "missing: how many transactions the burst sends");
                0
            }
            Some(c) if c >= 1 && c as u64 <= MAX_TXS => c as u64,
            Some(c) => {
                self.err(
                    p.key("count"),
                    format!("must be between 1 and {MAX_TXS}, got {c} (see docs/limits.md)"),
                );
                0
            }
        };
        let at = self.duration_in(p.key("at"), &r.at, 0, (0, MAX_RUN_NS));
        let within = self.duration_in(p.key("within"), &r.within, 0, (0, MAX_RUN_NS));
        if phase_len > 0 && at.saturating_add(within) > phase_len {
            self.err(p.key("within"), "the burst window ends after the phase does");
        }
        RateSpec::Burst { count, at, within }
    }
}
