//! Values over several runs of one suite: the scale curve (B4.1) and the WAN sensitivity (B4.2).
//! Each compares two payment runs that differ only in what is measured — the number of
//! validators, or a wide-area link override — and otherwise share protocol, consensus
//! parameters, base link model and load, so the change in p99 is theirs alone.

use crate::display::display;
use crate::input::RunInput;
use crate::rubric::Unit;
use touchstone_core::time::NS_PER_MS;

/// Metrics computed over a suite, not one run.
pub const SUITE_METRICS: &[&str] = &["derived.scale_p99_ratio", "derived.wan_p99_delta"];

/// A one-way link at least this slow makes a run a WAN run.
pub const WAN_ONE_WAY_NS: u64 = 100 * NS_PER_MS;

/// A value compared across runs, and the runs it compared (label, what each gave).
#[derive(Debug, Clone, PartialEq)]
pub struct Compared {
    pub v: f64,
    pub evidence: String,
    pub runs: Vec<(String, String)>,
}

fn p99(r: &RunInput) -> Option<u64> {
    r.record
        .metrics
        .as_ref()
        .filter(|m| m.measured.latency.count > 0)
        .map(|m| m.measured.latency.p99_ns)
}

fn validators(r: &RunInput) -> usize {
    r.record.adapter.system.validators.len()
}

fn wan(r: &RunInput) -> bool {
    wan_ns(r) >= WAN_ONE_WAY_NS
}

/// B4.2's definition: 228 ms round trip between the two groups.
const DEFINITION_ONE_WAY_NS: u64 = 114 * NS_PER_MS;

/// The slowest link override's mean one-way latency (0 without overrides).
fn wan_ns(r: &RunInput) -> u64 {
    r.record.scenario.network.links.iter().map(|l| l.link.latency.mean()).max().unwrap_or(0)
}

fn own_link_ns(r: &RunInput) -> u64 {
    r.record.scenario.network.link.latency.mean()
}

/// The one-way latency between the groups: the slowest override, or the network's own link.
fn between_groups_ns(r: &RunInput) -> u64 {
    if r.record.scenario.network.links.is_empty() {
        own_link_ns(r)
    } else {
        wan_ns(r)
    }
}

/// No link override slower than the network's own link: the same network "without" a WAN (a
/// sweep's point at 0 ms between the groups counts, as does no override at all).
fn no_slower_links(r: &RunInput) -> bool {
    let n = &r.record.scenario.network;
    n.links.iter().all(|l| l.link.latency.mean() <= n.link.latency.mean())
}

/// The same chain under the same load, but for the validator count and link overrides.
fn same_setup(a: &RunInput, b: &RunInput) -> bool {
    let (na, nb) = (&a.record.scenario.network, &b.record.scenario.network);
    let shape = |r: &RunInput| {
        r.record.metrics.as_ref().map(|m| {
            m.phases
                .iter()
                .map(|p| (p.name.clone(), p.warmup, p.end_ns - p.start_ns))
                .collect::<Vec<_>>()
        })
    };
    let offered = |r: &RunInput| r.record.metrics.as_ref().map_or(0.0, |m| m.measured.offered_tps);
    let (oa, ob) = (offered(a), offered(b));
    a.record.adapter.system.protocol == b.record.adapter.system.protocol
        && na.link == nb.link
        && na.consensus == nb.consensus
        && na.variant == nb.variant
        && na.byzantine.is_empty()
        && nb.byzantine.is_empty()
        && a.record.scenario.faults.is_empty()
        && b.record.scenario.faults.is_empty()
        && shape(a) == shape(b)
        && (oa - ob).abs() <= 0.05 * oa.max(ob)
}

fn p99_text(r: &RunInput) -> String {
    format!(
        "p99 {} at {} validators{}",
        display(p99(r).unwrap_or(0) as f64, Unit::Duration),
        validators(r),
        if wan(r) { " with a WAN link" } else { "" }
    )
}

fn ratio(a: &RunInput, b: &RunInput) -> f64 {
    p99(b).unwrap_or(0) as f64 / p99(a).unwrap_or(1).max(1) as f64
}

/// `derived.scale_p99_ratio` or `derived.wan_p99_delta` over `runs` (already those that may feed
/// the indicator), or why it cannot be computed.
pub fn compare_runs(metric: &str, runs: &[&RunInput]) -> Result<Compared, String> {
    let pay: Vec<&RunInput> = runs.iter().copied().filter(|r| p99(r).is_some()).collect();
    let pair = |a: &RunInput, b: &RunInput, v: f64, what: &str| Compared {
        v,
        evidence: format!("{} ({}) vs {} ({}): {what}", p99_text(b), b.label, p99_text(a), a.label),
        runs: vec![(a.label.clone(), p99_text(a)), (b.label.clone(), p99_text(b))],
    };
    if metric == "derived.scale_p99_ratio" {
        let lan = |r: &&&RunInput| r.record.scenario.network.links.is_empty();
        let four: Vec<&RunInput> =
            pay.iter().filter(lan).filter(|r| validators(r) == 4).copied().collect();
        let mut big: Vec<&RunInput> =
            pay.iter().filter(lan).filter(|r| validators(r) >= 16).copied().collect();
        big.sort_by_key(|r| validators(r));
        for b in &big {
            if let Some(a) = four.iter().find(|a| same_setup(a, b)) {
                let v = ratio(a, b);
                return Ok(pair(a, b, v, &format!("ratio {v:.2}")));
            }
        }
        let have: Vec<String> = pay.iter().map(|r| validators(r).to_string()).collect();
        return Err(if four.is_empty() || big.is_empty() {
            format!(
                "needs payment runs at 4 and at ≥ 16 validators without link overrides (have: {})",
                if have.is_empty() { "none".into() } else { have.join(", ") }
            )
        } else {
            "the payment runs at 4 and at ≥ 16 validators differ in more than the validator \
             count (protocol, consensus parameters, link model, faults or load)"
                .into()
        });
    }
    // The WAN run nearest the definition's 114 ms one way (228 ms round trip) first.
    let mut wans: Vec<&RunInput> = pay.iter().copied().filter(|r| wan(r)).collect();
    wans.sort_by_key(|r| wan_ns(r).abs_diff(DEFINITION_ONE_WAY_NS));
    for w in wans {
        // "Without": the run whose links between the groups are closest to its own link.
        let mut bases: Vec<&RunInput> = pay
            .iter()
            .copied()
            .filter(|b| no_slower_links(b) && validators(b) == validators(w) && same_setup(b, w))
            .collect();
        bases.sort_by_key(|b| between_groups_ns(b).abs_diff(own_link_ns(b)));
        let base = bases.first();
        if let Some(b) = base {
            let v = ratio(b, w) - 1.0;
            return Ok(pair(b, w, v, &format!("Δp99 {:+.0}%", v * 100.0)));
        }
    }
    Err(format!(
        "needs two payment runs of one network and load, with and without a ≥ {} ms one-way link \
         override between groups of validators",
        WAN_ONE_WAY_NS / NS_PER_MS
    ))
}
