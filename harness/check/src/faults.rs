//! The fault timeline as the trace tells it (`fault.start`, `fault.stop`, `net.heal`): which
//! nodes are down, which are cut off, and so which validators are *up and connected*.

use std::collections::BTreeMap;

use crate::model::Model;

/// What a fault does to its targets.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Kind {
    /// `crash` or `pause`: the targets are not running.
    Down,
    /// `partition`: the groups cannot reach each other; removed by `net.heal`.
    Partition,
    /// `link`: the targets' links are degraded (delay, loss); removed by `net.heal`.
    Link,
    Other,
}

#[derive(Debug)]
struct Fault {
    kind: Kind,
    /// Groups of a partition; for other kinds, one group of the targets.
    groups: Vec<Vec<u32>>,
}

/// Active faults, and how many `Down` faults hold each node.
#[derive(Debug, Default)]
pub(crate) struct Faults {
    active: BTreeMap<Box<str>, Fault>,
    down: Vec<u32>,
}

fn at(v: &mut Vec<u32>, n: u32) -> &mut u32 {
    let i = n as usize;
    if v.len() <= i {
        v.resize(i + 1, 0);
    }
    &mut v[i]
}

impl Faults {
    /// Number of active faults.
    pub(crate) fn len(&self) -> usize {
        self.active.len()
    }

    /// A `fault.start`: `groups` are the partition's groups, or one group of the targets.
    /// `restart` revives its targets at once.
    pub(crate) fn start(&mut self, id: &str, ftype: &str, groups: Vec<Vec<u32>>) {
        let kind = match ftype {
            "crash" | "pause" => Kind::Down,
            "partition" => Kind::Partition,
            "link" => Kind::Link,
            "restart" => {
                let targets: Vec<u32> = groups.iter().flatten().copied().collect();
                for &n in &targets {
                    *at(&mut self.down, n) = 0;
                }
                for f in self.active.values_mut().filter(|f| f.kind == Kind::Down) {
                    for g in &mut f.groups {
                        g.retain(|n| !targets.contains(n));
                    }
                }
                Kind::Other
            }
            _ => Kind::Other,
        };
        if kind == Kind::Down {
            for &n in groups.iter().flatten() {
                *at(&mut self.down, n) += 1;
            }
        }
        if let Some(old) = self.active.insert(id.into(), Fault { kind, groups }) {
            self.release(&old);
        }
    }

    fn release(&mut self, f: &Fault) {
        if f.kind == Kind::Down {
            for &n in f.groups.iter().flatten() {
                let d = at(&mut self.down, n);
                *d = d.saturating_sub(1);
            }
        }
    }

    /// A `fault.stop`.
    pub(crate) fn stop(&mut self, id: &str) {
        if let Some(f) = self.active.remove(id) {
            self.release(&f);
        }
    }

    /// A `net.heal`: every partition and link fault ends.
    pub(crate) fn heal(&mut self) {
        self.active.retain(|_, f| !matches!(f.kind, Kind::Partition | Kind::Link));
    }

    /// Whether a partition or link fault is active.
    pub(crate) fn network_active(&self) -> bool {
        self.active.values().any(|f| matches!(f.kind, Kind::Partition | Kind::Link))
    }

    /// Whether `n` is crashed or paused.
    pub(crate) fn is_down(&self, n: u32) -> bool {
        self.down.get(n as usize).is_some_and(|&d| d > 0)
    }

    /// The validators of the set in force at `height` that are *up and connected*: correct,
    /// not down, not under a link fault, and in one connected group (the same side of every
    /// active partition) whose power is a quorum. Empty when no such group exists. A node
    /// that a partition does not name is cut off from every group of it.
    pub(crate) fn connected_quorum(&self, model: &Model, height: u64) -> Vec<u32> {
        let vs = model.valset(height);
        let parts: Vec<&Fault> =
            self.active.values().filter(|f| f.kind == Kind::Partition).collect();
        let linked: Vec<u32> = self
            .active
            .values()
            .filter(|f| f.kind == Kind::Link)
            .flat_map(|f| f.groups.iter().flatten().copied())
            .collect();
        // Side of every partition, per candidate node: equal keys = connected.
        let mut sides: BTreeMap<Vec<usize>, (u128, Vec<u32>)> = BTreeMap::new();
        for &(n, power) in &vs.members {
            if !model.is_correct(n) || self.is_down(n) || linked.contains(&n) {
                continue;
            }
            let key: Vec<usize> = parts
                .iter()
                .map(|p| {
                    p.groups.iter().position(|g| g.contains(&n)).unwrap_or(usize::MAX - n as usize)
                })
                .collect();
            let e = sides.entry(key).or_default();
            e.0 += u128::from(power);
            e.1.push(n);
        }
        let mut out = Vec::new();
        for (power, nodes) in sides.into_values() {
            if model.is_quorum(power, vs.total) {
                out.extend(nodes);
            }
        }
        out.sort_unstable();
        out
    }
}
