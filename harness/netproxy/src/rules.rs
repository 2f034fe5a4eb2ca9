//! What the proxy does to each directed link: the pure rules, with no I/O.
//!
//! A *directed link* is `from → to` between two node names. Every byte a connection carries
//! travels on one: bytes from the connecting node to the listening node on `client → server`,
//! the answers on `server → client`. The rules say, per directed link, whether bytes pass
//! (with what delay, jitter and bandwidth) or are blocked, and how:
//! - [`Mode::Hold`]: nothing is delivered while blocked; the bytes wait (the proxy stops
//!   reading, so TCP's own back-pressure holds the sender) and flow, in order, after heal;
//! - [`Mode::Cut`]: connections carrying the link are closed at once and new ones are closed as
//!   soon as they are accepted, until heal.
//!
//! A connection whose source the proxy could not identify (see `Source::Header`) has no known
//! `from`: a direction of it is blocked when *any* link of that direction at the named node is
//! blocked (the strongest mode wins), and it is never delayed.

use std::collections::{BTreeMap, BTreeSet};
use std::time::Duration;

/// How a blocked link behaves.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, serde::Serialize, serde::Deserialize,
)]
#[serde(rename_all = "snake_case")]
pub enum Mode {
    /// Bytes wait and flow after heal; connections stay open.
    Hold,
    /// Connections are closed; new ones are closed on accept.
    Cut,
}

/// The shape of a passing link.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct LinkParams {
    /// Added to every chunk of bytes.
    pub delay: Duration,
    /// Extra uniform noise in `[0, jitter]` per chunk (order is kept: a chunk is never
    /// delivered before the one read before it).
    pub jitter: Duration,
    /// Bits per second, shared by every connection on the link; `None`: unlimited.
    pub bandwidth_bps: Option<u64>,
}

impl LinkParams {
    pub fn is_clear(&self) -> bool {
        *self == LinkParams::default()
    }
}

/// What a direction of a connection must do now.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verdict {
    Pass(LinkParams),
    Blocked(Mode),
}

/// The rules in force: blocked links and shaped links, by `(from, to)`.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Rules {
    blocked: BTreeMap<(String, String), Mode>,
    shaped: BTreeMap<(String, String), LinkParams>,
}

impl Rules {
    /// Blocks every link between nodes of different groups, both ways. Nodes named in no group
    /// keep all their links.
    pub fn partition(&mut self, groups: &[Vec<String>], mode: Mode) {
        for (i, a) in groups.iter().enumerate() {
            for (j, b) in groups.iter().enumerate() {
                if i == j {
                    continue;
                }
                for x in a {
                    for y in b {
                        if x != y {
                            self.block_one(x, y, mode);
                        }
                    }
                }
            }
        }
    }

    /// Blocks the links from each of `from` to each of `to`, one way only.
    pub fn block(&mut self, from: &[String], to: &[String], mode: Mode) {
        for x in from {
            for y in to.iter().filter(|y| *y != x) {
                self.block_one(x, y, mode);
            }
        }
    }

    fn block_one(&mut self, from: &str, to: &str, mode: Mode) {
        let m = self.blocked.entry((from.to_string(), to.to_string())).or_insert(mode);
        *m = (*m).max(mode);
    }

    /// Shapes the links from each of `from` to each of `to` (one way); clear params restore
    /// them.
    pub fn shape(&mut self, from: &[String], to: &[String], params: LinkParams) {
        for x in from {
            for y in to.iter().filter(|y| *y != x) {
                let key = (x.clone(), y.clone());
                if params.is_clear() {
                    self.shaped.remove(&key);
                } else {
                    self.shaped.insert(key, params);
                }
            }
        }
    }

    /// Removes every block and every shape.
    pub fn heal(&mut self) {
        self.blocked.clear();
        self.shaped.clear();
    }

    /// Whether nothing is blocked or shaped.
    pub fn is_clear(&self) -> bool {
        self.blocked.is_empty() && self.shaped.is_empty()
    }

    /// The verdict on bytes from `from` (`None`: unidentified) to `to`.
    pub fn verdict(&self, from: Option<&str>, to: &str) -> Verdict {
        match from {
            Some(from) => {
                let key = (from.to_string(), to.to_string());
                match self.blocked.get(&key) {
                    Some(&m) => Verdict::Blocked(m),
                    None => Verdict::Pass(self.shaped.get(&key).copied().unwrap_or_default()),
                }
            }
            None => {
                match self.blocked.iter().filter(|((_, t), _)| t == to).map(|(_, m)| *m).max() {
                    Some(m) => Verdict::Blocked(m),
                    None => Verdict::Pass(LinkParams::default()),
                }
            }
        }
    }

    /// The verdict on bytes from `from` to an unidentified peer.
    pub fn verdict_to_unknown(&self, from: &str) -> Verdict {
        match self.blocked.iter().filter(|((f, _), _)| f == from).map(|(_, m)| *m).max() {
            Some(m) => Verdict::Blocked(m),
            None => Verdict::Pass(LinkParams::default()),
        }
    }

    /// The blocked links, `(from, to, mode)`, in order.
    pub fn blocked_links(&self) -> Vec<(String, String, Mode)> {
        self.blocked.iter().map(|((f, t), m)| (f.clone(), t.clone(), *m)).collect()
    }

    /// Every node the rules name.
    pub fn nodes(&self) -> BTreeSet<String> {
        self.blocked
            .keys()
            .chain(self.shaped.keys())
            .flat_map(|(f, t)| [f.clone(), t.clone()])
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names(v: &[&str]) -> Vec<String> {
        v.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn a_partition_blocks_both_ways_between_groups_only() {
        let mut r = Rules::default();
        r.partition(&[names(&["n0", "n1"]), names(&["n2"])], Mode::Hold);
        assert_eq!(r.verdict(Some("n0"), "n2"), Verdict::Blocked(Mode::Hold));
        assert_eq!(r.verdict(Some("n2"), "n1"), Verdict::Blocked(Mode::Hold));
        assert_eq!(r.verdict(Some("n0"), "n1"), Verdict::Pass(LinkParams::default()));
        // A node in no group keeps its links.
        assert_eq!(r.verdict(Some("n3"), "n2"), Verdict::Pass(LinkParams::default()));
    }

    #[test]
    fn a_one_way_block_leaves_the_way_back_open() {
        let mut r = Rules::default();
        r.block(&names(&["n0"]), &names(&["n1"]), Mode::Cut);
        assert_eq!(r.verdict(Some("n0"), "n1"), Verdict::Blocked(Mode::Cut));
        assert_eq!(r.verdict(Some("n1"), "n0"), Verdict::Pass(LinkParams::default()));
    }

    #[test]
    fn cut_wins_over_hold_and_heal_clears_everything() {
        let mut r = Rules::default();
        r.block(&names(&["n0"]), &names(&["n1"]), Mode::Hold);
        r.partition(&[names(&["n0"]), names(&["n1"])], Mode::Cut);
        assert_eq!(r.verdict(Some("n0"), "n1"), Verdict::Blocked(Mode::Cut));
        let slow = LinkParams { delay: Duration::from_millis(5), ..Default::default() };
        r.shape(&names(&["n1"]), &names(&["n2"]), slow);
        assert_eq!(r.verdict(Some("n1"), "n2"), Verdict::Pass(slow));
        r.heal();
        assert!(r.is_clear());
    }

    #[test]
    fn unidentified_sources_are_blocked_when_any_link_into_the_node_is() {
        let mut r = Rules::default();
        assert_eq!(r.verdict(None, "n1"), Verdict::Pass(LinkParams::default()));
        r.block(&names(&["n0"]), &names(&["n1"]), Mode::Hold);
        assert_eq!(r.verdict(None, "n1"), Verdict::Blocked(Mode::Hold));
        assert_eq!(r.verdict(None, "n0"), Verdict::Pass(LinkParams::default()));
        assert_eq!(r.verdict_to_unknown("n0"), Verdict::Blocked(Mode::Hold));
        assert_eq!(r.verdict_to_unknown("n1"), Verdict::Pass(LinkParams::default()));
    }

    #[test]
    fn clear_params_restore_a_shaped_link() {
        let mut r = Rules::default();
        let slow = LinkParams { bandwidth_bps: Some(8_000), ..Default::default() };
        r.shape(&names(&["n0"]), &names(&["n1"]), slow);
        r.shape(&names(&["n0"]), &names(&["n1"]), LinkParams::default());
        assert!(r.is_clear());
    }
}
