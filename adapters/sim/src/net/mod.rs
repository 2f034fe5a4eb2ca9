//! The network model: per directed link a [`LinkModel`] (latency distribution, jitter, loss,
//! duplication, reordering, bandwidth with a per-link queue), partitions into groups, asymmetric
//! overrides (`[[network.links]]`) and changes over time (the `link` fault).
//!
//! All draws come from one stream of the run's seed (`sim/net`), in the order messages are sent,
//! which the simulator makes deterministic.

mod latency;

pub use latency::LinkModel;

use crate::protocol::NodeIdx;
use touchstone_core::scenario::{LinkSpec, NetworkSpec};
use touchstone_core::seed::Rng;
use touchstone_core::Nanos;

/// What the network does with one message.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Route {
    /// Delivered at `at`, and a second copy at `dup` if duplicated.
    Deliver {
        at: Nanos,
        dup: Option<Nanos>,
    },
    Drop(&'static str),
}

/// The modelled network of `n` validators.
#[derive(Debug)]
pub struct Network {
    n: usize,
    /// `links[from * n + to]`.
    links: Vec<LinkModel>,
    /// The links as configured by the scenario (restored by `heal`).
    base: Vec<LinkModel>,
    /// When each link's queue is free again (bandwidth).
    free_at: Vec<Nanos>,
    /// Partition group of each node; `None` = fully connected.
    groups: Option<Vec<u32>>,
    rng: Rng,
}

impl Network {
    pub fn new(spec: &NetworkSpec, rng: Rng) -> Self {
        let n = spec.validators;
        let ids = spec.node_ids();
        let idx = |name: &String| ids.iter().position(|x| x == name);
        let default = LinkModel::new(&spec.link);
        let mut links = vec![default; n * n];
        for o in &spec.links {
            let model = LinkModel::new(&o.link);
            for f in o.from.iter().filter_map(idx) {
                for t in o.to.iter().filter_map(idx) {
                    links[f * n + t] = model.clone();
                    if o.symmetric {
                        links[t * n + f] = model.clone();
                    }
                }
            }
        }
        Network { n, base: links.clone(), links, free_at: vec![0; n * n], groups: None, rng }
    }

    /// Routes a message of `bytes` leaving `from` for `to` at `depart`.
    pub fn route(&mut self, from: NodeIdx, to: NodeIdx, bytes: u64, depart: Nanos) -> Route {
        if let Some(g) = &self.groups {
            if g[from] != g[to] {
                return Route::Drop("partition");
            }
        }
        let k = from * self.n + to;
        let link = &self.links[k];
        if link.lost(&mut self.rng) {
            return Route::Drop("loss");
        }
        let mut start = depart;
        let mut ser = 0;
        if link.has_bandwidth_limit() {
            start = depart.max(self.free_at[k]);
            ser = link.serialization(bytes);
            self.free_at[k] = start + ser;
        }
        let at = start + ser + link.sample(&mut self.rng);
        let dup = if link.duplicated(&mut self.rng) {
            Some(start + ser + link.sample(&mut self.rng))
        } else {
            None
        };
        Route::Deliver { at, dup }
    }

    /// Splits the nodes into `groups`; nodes in no group form one more group together.
    pub fn partition(&mut self, groups: &[Vec<NodeIdx>]) {
        let rest = groups.len() as u32;
        let mut g = vec![rest; self.n];
        for (i, grp) in groups.iter().enumerate() {
            for &x in grp {
                g[x] = i as u32;
            }
        }
        self.groups = Some(g);
    }

    /// Removes partitions and restores every link to the scenario's model.
    pub fn heal(&mut self) {
        self.groups = None;
        self.links = self.base.clone();
    }

    /// Sets the model of the links `from → to` (and back when `to` is empty: every link
    /// touching `from`, both directions).
    pub fn set_link(&mut self, from: &[NodeIdx], to: &[NodeIdx], spec: &LinkSpec) {
        let model = LinkModel::new(spec);
        let n = self.n;
        for &f in from {
            if to.is_empty() {
                for o in (0..n).filter(|&o| o != f) {
                    self.links[f * n + o] = model.clone();
                    self.links[o * n + f] = model.clone();
                }
            } else {
                for &t in to {
                    self.links[f * n + t] = model.clone();
                }
            }
        }
    }

    /// A one-line description of the default link, for the disclosure.
    pub fn describe(spec: &NetworkSpec) -> String {
        let l = &spec.link;
        let mut s = format!("{} {}ns", l.latency.name(), l.latency.mean());
        if l.latency.spread() > 0 {
            s += &format!(" ± {}ns", l.latency.spread());
        }
        s += &format!(
            ", jitter {}ns, loss {}, duplicate {}, reorder {}",
            l.jitter, l.loss, l.duplicate, l.reorder
        );
        match l.bandwidth_mbps {
            Some(b) => s += &format!(", {b} Mbit/s"),
            None => s += ", unlimited bandwidth",
        }
        if !spec.links.is_empty() {
            s += &format!("; {} link override(s)", spec.links.len());
        }
        s
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use touchstone_core::scenario::{LatencyDist, ScenarioBuilder, ScenarioKind};
    use touchstone_core::Seed;

    fn net(n: usize) -> Network {
        let s = ScenarioBuilder::new("t", ScenarioKind::Payment)
            .validators(n)
            .phase("p", 1, touchstone_core::scenario::RateSpec::Constant { tps: 1.0 })
            .build();
        Network::new(&s.network, Seed(1).stream("sim/net"))
    }

    #[test]
    fn partitions_drop_across_groups_and_heal_restores() {
        let mut n = net(4);
        n.partition(&[vec![0, 1]]);
        assert_eq!(n.route(0, 2, 10, 0), Route::Drop("partition"));
        assert!(matches!(n.route(0, 1, 10, 0), Route::Deliver { .. }));
        assert!(matches!(n.route(2, 3, 10, 0), Route::Deliver { .. }));
        n.heal();
        assert!(matches!(n.route(0, 2, 10, 0), Route::Deliver { at: 5_000_000, dup: None }));
    }

    #[test]
    fn link_changes_are_directional_when_to_is_given() {
        let mut n = net(3);
        let slow =
            LinkSpec { latency: LatencyDist::Fixed { latency: 50_000_000 }, ..LinkSpec::default() };
        n.set_link(&[0], &[1], &slow);
        assert_eq!(n.route(0, 1, 1, 0), Route::Deliver { at: 50_000_000, dup: None });
        assert_eq!(n.route(1, 0, 1, 0), Route::Deliver { at: 5_000_000, dup: None });
    }

    #[test]
    fn bandwidth_queues_messages_on_a_link() {
        let mut n = net(2);
        let thin = LinkSpec { bandwidth_mbps: Some(8.0), ..LinkSpec::default() };
        n.set_link(&[0], &[1], &thin);
        // 1000 bytes = 1 ms each at 8 Mbit/s; the second waits for the first.
        assert_eq!(n.route(0, 1, 1000, 0), Route::Deliver { at: 6_000_000, dup: None });
        assert_eq!(n.route(0, 1, 1000, 0), Route::Deliver { at: 7_000_000, dup: None });
    }
}
