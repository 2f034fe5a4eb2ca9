//! The links between the validators, through Touchstone's network fault proxy
//! (`touchstone-netproxy`): one proxy listener per directed link `i → j`, and node `i` is told
//! to reach `j` at that listener (commonware's `lookup` p2p takes every peer's address
//! explicitly). The scenario's link model is the proxy's shape of every link (its mean latency
//! as the delay, its jitter, its bandwidth); partitions cut the links between groups (open
//! connections closed, new ones closed on accept) until heal; a `link` fault reshapes links.
//!
//! Commonware dials a peer from either side and keeps whichever connection won, so a
//! connection on listener `i → j` carries `i`'s bytes to `j` one way and `j`'s to `i` the
//! other; the proxy knows the direction of every byte (see `touchstone_netproxy`).

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::time::Duration;
use touchstone_core::scenario::{LinkSpec, NetworkSpec};
use touchstone_core::time::Human;
use touchstone_netproxy::{Effect, LinkParams, Mode, NetProxy, ProxyError, Route, Source};

/// The proxy and the link model it applies.
#[derive(Debug)]
pub struct Links {
    proxy: NetProxy,
    /// `addrs[i][j]`: where node `i` reaches node `j` (`i == j`: unused).
    addrs: Vec<Vec<SocketAddr>>,
    /// The scenario's shape of every directed link, restored after a heal.
    base: BTreeMap<(String, String), LinkParams>,
    /// When each network fault took effect, for the disclosure.
    pub effects: Vec<String>,
}

/// The proxy's shape for a scenario link model: the mean of its latency distribution (the
/// proxy delays every chunk by a constant), its jitter, its bandwidth.
pub fn params(spec: &LinkSpec) -> LinkParams {
    LinkParams {
        delay: Duration::from_nanos(spec.latency.mean()),
        jitter: Duration::from_nanos(spec.jitter),
        bandwidth_bps: spec.bandwidth_mbps.map(|m| (m * 1e6).round().max(1.0) as u64),
    }
}

/// The directed links `from → to` a link model applies to: both ways to every other node
/// when `to` is empty, else one way (the simulator's rule).
fn pairs(names: &[String], from: &[String], to: &[String]) -> Vec<(String, String)> {
    let mut out = Vec::new();
    for f in from {
        if to.is_empty() {
            for o in names.iter().filter(|o| *o != f) {
                out.push((f.clone(), o.clone()));
                out.push((o.clone(), f.clone()));
            }
        } else {
            out.extend(to.iter().filter(|t| *t != f).map(|t| (f.clone(), t.clone())));
        }
    }
    out
}

impl Links {
    /// Starts the proxy with a listener per directed link to `p2p` (each node's real p2p
    /// address) and shapes every link as `net` says.
    pub fn start(
        seed: u64,
        names: &[String],
        p2p: &[SocketAddr],
        net: &NetworkSpec,
    ) -> Result<Links, ProxyError> {
        let mut proxy = NetProxy::start(seed)?;
        let n = names.len();
        let mut addrs = vec![vec![p2p[0]; n]; n];
        for (i, row) in addrs.iter_mut().enumerate() {
            for (j, slot) in row.iter_mut().enumerate().filter(|&(j, _)| j != i) {
                *slot = proxy.route(Route {
                    listen: SocketAddr::from(([127, 0, 0, 1], 0)),
                    target: p2p[j],
                    to: names[j].clone(),
                    from: Source::Node(names[i].clone()),
                })?;
            }
        }
        let mut base = BTreeMap::new();
        for pair in pairs(names, names, &[]) {
            base.insert(pair, params(&net.link));
        }
        for o in &net.links {
            for (f, t) in pairs(names, &o.from, &o.to) {
                if o.symmetric {
                    base.insert((t.clone(), f.clone()), params(&o.link));
                }
                base.insert((f, t), params(&o.link));
            }
        }
        let links = Links { proxy, addrs, base, effects: Vec::new() };
        links.restore();
        Ok(links)
    }

    /// Where node `i` reaches node `j`.
    pub fn addr(&self, i: usize, j: usize) -> SocketAddr {
        self.addrs[i][j]
    }

    /// Shapes every link as the scenario's link model says.
    fn restore(&self) -> Effect {
        let mut last = Effect { elapsed: Duration::ZERO, connections_cut: 0 };
        for ((f, t), p) in &self.base {
            if !p.is_clear() {
                last = self.proxy.shape(std::slice::from_ref(f), std::slice::from_ref(t), *p);
            }
        }
        last
    }

    fn note(&mut self, at: u64, what: String, e: Effect) {
        self.effects.push(format!(
            "{what} at {}: in force {} later, {} connection(s) cut",
            Human(at),
            Human(e.elapsed.as_nanos() as u64),
            e.connections_cut
        ));
    }

    /// Cuts every link between nodes of different groups.
    pub fn partition(&mut self, at: u64, groups: &[Vec<String>]) {
        let e = self.proxy.partition(groups, Mode::Cut);
        let g: Vec<String> = groups.iter().map(|g| g.join(",")).collect();
        self.note(at, format!("partition {}", g.join(" | ")), e);
    }

    /// Removes every partition and link change: the scenario's link model again.
    pub fn heal(&mut self, at: u64) {
        let mut e = self.proxy.heal();
        let r = self.restore();
        e.elapsed += r.elapsed;
        self.note(at, "heal".into(), e);
    }

    /// Shapes the links `from → to` (both ways to everyone when `to` is empty) as `spec`.
    pub fn shape(
        &mut self,
        at: u64,
        names: &[String],
        from: &[String],
        to: &[String],
        spec: &LinkSpec,
    ) {
        let p = params(spec);
        let mut e = Effect { elapsed: Duration::ZERO, connections_cut: 0 };
        for (f, t) in pairs(names, from, to) {
            e = self.proxy.shape(&[f], &[t], p);
        }
        let what = format!(
            "link {} -> {} delay {} jitter {}",
            from.join(","),
            if to.is_empty() { "all (both ways)".to_string() } else { to.join(",") },
            Human(p.delay.as_nanos() as u64),
            Human(p.jitter.as_nanos() as u64)
        );
        self.note(at, what, e);
    }

    /// Bytes delivered so far over all links.
    pub fn bytes(&self) -> u64 {
        self.proxy.stats().iter().map(|s| s.bytes).sum()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names() -> Vec<String> {
        ["n0", "n1", "n2"].iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn a_link_model_without_to_covers_both_ways_to_everyone_else() {
        let got = pairs(&names(), &["n0".into()], &[]);
        assert_eq!(got.len(), 4);
        assert!(got.contains(&("n1".into(), "n0".into())));
        assert!(got.contains(&("n0".into(), "n2".into())));
        let one_way = pairs(&names(), &["n0".into()], &["n1".into()]);
        assert_eq!(one_way, vec![("n0".to_string(), "n1".to_string())]);
    }

    #[test]
    fn the_proxy_delays_by_the_mean_latency_and_caps_bandwidth() {
        let spec =
            LinkSpec { jitter: 2_000_000, bandwidth_mbps: Some(10.0), ..LinkSpec::default() };
        let p = params(&spec);
        assert_eq!(p.delay, Duration::from_millis(5));
        assert_eq!(p.jitter, Duration::from_millis(2));
        assert_eq!(p.bandwidth_bps, Some(10_000_000));
    }
}
