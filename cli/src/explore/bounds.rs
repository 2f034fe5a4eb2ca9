//! The bounds of a search: the scenario's `[explore]` section, with what it leaves out derived
//! from the network and the load.

use serde::Serialize;
use touchstone_core::scenario::{Behaviour, Scenario, EXPLORE_ACTIONS};
use touchstone_core::time::{format_duration, NS_PER_MS};
use touchstone_core::Nanos;

/// Faults per schedule when the script does not say.
pub const DEFAULT_MAX_FAULTS: usize = 4;

/// Byzantine behaviours a switch draws from by default (every one the simulator has).
const DEFAULT_BEHAVIOURS: &[&str] = Behaviour::NAMES;

/// Everything the schedule generator may do, resolved.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Bounds {
    /// Validators faults may target.
    pub nodes: Vec<String>,
    /// Every validator of the network (partitions split all of them).
    pub validators: Vec<String>,
    /// Fault actions to draw from ([`EXPLORE_ACTIONS`]).
    pub actions: Vec<String>,
    pub max_faults: usize,
    /// Faults start at or after `from` and are over by `until` (from the load's start).
    pub from: Nanos,
    pub until: Nanos,
    pub min_duration: Nanos,
    pub max_duration: Nanos,
    /// Validators crashed, paused or Byzantine at any one instant, at most.
    pub max_faulty: usize,
    /// Byzantine validators over the whole run (declared ones included), at most.
    pub max_byzantine: usize,
    /// The validators the script makes Byzantine from the start.
    pub declared_byzantine: Vec<String>,
    pub behaviours: Vec<String>,
    /// The slowest link latency a link fault sets (also the longest `delay` behaviour).
    pub max_delay: Nanos,
    /// The network's base latency and consensus timeout (lower ends of link and delay draws).
    pub base_latency: Nanos,
    pub timeout: Nanos,
}

impl Bounds {
    /// The bounds of `s`: its `[explore]` section, defaults for the rest (see the module docs
    /// of [`crate::explore`]).
    pub fn of(s: &Scenario) -> Bounds {
        let e = s.explore.clone().unwrap_or_default();
        let n = s.network.validators;
        let bft =
            touchstone_sim::registry::protocol_info(&s.network.protocol).is_none_or(|p| p.bft);
        let f = tolerated(n, bft);
        let load = s.workload.duration();
        let timeout = s.network.consensus.timeout.max(NS_PER_MS);
        let from = e.from.unwrap_or(load / 10);
        let until = e.until.unwrap_or(load * 4 / 5).max(from + NS_PER_MS);
        let min_duration = e.min_duration.unwrap_or((timeout / 2).max(NS_PER_MS));
        let max_duration =
            e.max_duration.unwrap_or(((until - from) / 2).max(min_duration)).max(min_duration);
        let max_byzantine = e.max_byzantine.unwrap_or(if bft { f } else { 0 });
        let mut actions: Vec<String> = e.actions.clone().unwrap_or_else(|| {
            EXPLORE_ACTIONS
                .iter()
                .filter(|a| **a != "byzantine" || max_byzantine > 0)
                .map(|a| a.to_string())
                .collect()
        });
        actions.dedup();
        Bounds {
            nodes: e.nodes.clone().unwrap_or_else(|| s.network.node_ids()),
            validators: s.network.node_ids(),
            actions,
            max_faults: e.max_faults.unwrap_or(DEFAULT_MAX_FAULTS),
            from,
            until,
            min_duration,
            max_duration,
            max_faulty: e.max_faulty.unwrap_or(f),
            max_byzantine,
            declared_byzantine: s.network.byzantine.iter().map(|b| b.node.clone()).collect(),
            behaviours: e
                .behaviours
                .clone()
                .unwrap_or_else(|| DEFAULT_BEHAVIOURS.iter().map(|b| b.to_string()).collect()),
            max_delay: e.max_delay.unwrap_or(2 * timeout),
            base_latency: s.network.link.latency.mean(),
            timeout,
        }
    }

    /// One line for the terminal.
    pub fn describe(&self) -> String {
        format!(
            "≤ {} faults in [{}, {}), durations {}–{}, ≤ {} faulty at once, ≤ {} Byzantine; {}",
            self.max_faults,
            format_duration(self.from),
            format_duration(self.until),
            format_duration(self.min_duration),
            format_duration(self.max_duration),
            self.max_faulty,
            self.max_byzantine,
            self.actions.join(", ")
        )
    }
}

/// The most faulty validators of `n` (equal power) the protocol tolerates: f < n/3 for BFT
/// protocols, f < n/2 for crash-fault ones.
pub fn tolerated(n: usize, bft: bool) -> usize {
    if n == 0 {
        0
    } else if bft {
        (n - 1) / 3
    } else {
        (n - 1) / 2
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use touchstone_core::scenario::{RateSpec, ScenarioBuilder, ScenarioKind};
    use touchstone_core::time::NS_PER_S;

    fn scenario(protocol: &str, n: usize) -> Scenario {
        ScenarioBuilder::new("b", ScenarioKind::Mixed)
            .protocol(protocol)
            .validators(n)
            .phase("p", 20 * NS_PER_S, RateSpec::Constant { tps: 10.0 })
            .build()
    }

    #[test]
    fn defaults_allow_f_faulty_validators_and_no_byzantine_one_for_raft() {
        let b = Bounds::of(&scenario("pbft", 7));
        assert_eq!((b.max_faulty, b.max_byzantine), (2, 2));
        assert!(b.actions.contains(&"byzantine".to_string()));
        assert_eq!((b.from, b.until), (2 * NS_PER_S, 16 * NS_PER_S));
        let r = Bounds::of(&scenario("raft", 5));
        assert_eq!((r.max_faulty, r.max_byzantine), (2, 0));
        assert!(!r.actions.contains(&"byzantine".to_string()));
    }

    #[test]
    fn the_explore_section_overrides_the_defaults() {
        let mut s = scenario("tendermint", 4);
        s.explore = Some(touchstone_core::scenario::ExploreSpec {
            actions: Some(vec!["crash".into()]),
            max_faulty: Some(0),
            from: Some(NS_PER_S),
            ..Default::default()
        });
        let b = Bounds::of(&s);
        assert_eq!((b.actions.clone(), b.max_faulty, b.from), (vec!["crash".into()], 0, NS_PER_S));
        assert_eq!(tolerated(4, true), 1);
        assert_eq!(tolerated(1, true), 0);
    }
}
