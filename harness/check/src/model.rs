//! Run model: nodes, ground-truth roles, validator sets, quorum arithmetic.

use std::collections::BTreeMap;

use crate::intern::Interner;

/// A validator set: `(node, power)` sorted by node id, and its total power.
#[derive(Debug, Clone, Default)]
pub(crate) struct Valset {
    pub(crate) members: Vec<(u32, u64)>,
    pub(crate) total: u128,
}

impl Valset {
    pub(crate) fn new(mut members: Vec<(u32, u64)>) -> Self {
        members.sort_unstable();
        members.dedup_by_key(|m| m.0);
        let total = members.iter().map(|m| u128::from(m.1)).sum();
        Valset { members, total }
    }

    /// Power of `node`, or `None` if it is not in the set.
    #[inline]
    pub(crate) fn power(&self, node: u32) -> Option<u64> {
        self.members.binary_search_by_key(&node, |m| m.0).ok().map(|i| self.members[i].1)
    }
}

/// The protocol family a trace declares in `run.start` (`family`): which rule justifies a vote,
/// and whether the protocol is view-based by default.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub(crate) enum Family {
    /// Not declared, or a family this checker has no rule for.
    #[default]
    Unknown,
    Tendermint,
    Pbft,
    Hotstuff,
    Raft,
    Simplex,
}

impl Family {
    pub(crate) fn parse(s: &str) -> Family {
        match s {
            "tendermint" => Family::Tendermint,
            "pbft" => Family::Pbft,
            "hotstuff" => Family::Hotstuff,
            "raft" => Family::Raft,
            "simplex" => Family::Simplex,
            _ => Family::Unknown,
        }
    }

    /// Whether a protocol of this family is view-based (one proposal per view, whatever the
    /// height): HotStuff and Simplex.
    pub(crate) fn view_based(self) -> bool {
        matches!(self, Family::Hotstuff | Family::Simplex)
    }
}

/// Run-wide facts.
#[derive(Debug, Default)]
pub(crate) struct Model {
    pub(crate) nodes: Interner,
    /// `true` for nodes marked `byzantine` (indexed by node id).
    byz: Vec<bool>,
    /// Validator sets by the height from which they are in force (`run.start` is height 0).
    pub(crate) valsets: BTreeMap<u64, Valset>,
    pub(crate) valset_entries: usize,
    pub(crate) num: u64,
    pub(crate) den: u64,
    /// The declared family (`run.start.family`), and its text as written.
    pub(crate) family: Family,
    pub(crate) family_name: Option<String>,
    /// One proposal and one vote of each kind per node and view, whatever the height.
    pub(crate) view_based: bool,
    /// `run.start.timeout_ns`: the protocol's base round / view / election timeout.
    pub(crate) timeout_ns: Option<u64>,
}

impl Model {
    #[inline]
    pub(crate) fn is_byzantine(&self, n: u32) -> bool {
        self.byz.get(n as usize).copied().unwrap_or(false)
    }

    #[inline]
    pub(crate) fn is_correct(&self, n: u32) -> bool {
        !self.is_byzantine(n)
    }

    /// Records a `node.role`: a node marked `byzantine` once is Byzantine for the whole trace
    /// (a later `correct` does not undo it).
    pub(crate) fn set_role(&mut self, n: u32, byzantine: bool) {
        let i = n as usize;
        if self.byz.len() <= i {
            self.byz.resize(i + 1, false);
        }
        self.byz[i] |= byzantine;
    }

    pub(crate) fn byzantine_nodes(&self) -> Vec<u32> {
        (0..self.byz.len() as u32).filter(|&n| self.byz[n as usize]).collect()
    }

    /// The set in force at `height`.
    #[inline]
    pub(crate) fn valset(&self, height: u64) -> &Valset {
        static EMPTY: Valset = Valset { members: Vec::new(), total: 0 };
        if self.valsets.len() == 1 {
            return self.valsets.values().next().unwrap_or(&EMPTY);
        }
        self.valsets.range(..=height).next_back().map(|(_, v)| v).unwrap_or(&EMPTY)
    }

    /// Is `power` a quorum of `total` (strictly more than num/den)?
    #[inline]
    pub(crate) fn is_quorum(&self, power: u128, total: u128) -> bool {
        total > 0 && power * u128::from(self.den) > u128::from(self.num) * total
    }

    /// Whether `power` reaches the fault bound of `total`: 1 - num/den of the quorum fraction
    /// (1/3 for BFT quorums of 2/3, 1/2 for Raft's majority).
    pub(crate) fn reaches_bound(&self, power: u128, total: u128) -> bool {
        let (num, den) = (u128::from(self.num), u128::from(self.den));
        total > 0 && power * den >= (den - num) * total
    }

    /// The fault bound as text, e.g. `1/3`.
    pub(crate) fn bound_text(&self) -> String {
        let (n, d) = (self.den - self.num, self.den);
        let g = gcd(n, d).max(1);
        format!("{}/{}", n / g, d / g)
    }

    /// Byzantine power at or above the bound: 1/3 (BFT) or 1/2 (Raft), from the quorum.
    pub(crate) fn over_budget(&self, byz: u128, total: u128) -> bool {
        self.reaches_bound(byz, total)
    }

    /// The Byzantine power and total of the set in force with the largest Byzantine share.
    pub(crate) fn worst_byzantine_share(&self) -> (u128, u128) {
        let mut worst = (0u128, self.valset(0).total);
        for vs in self.valsets.values() {
            let b: u128 =
                vs.members.iter().filter(|m| self.is_byzantine(m.0)).map(|m| u128::from(m.1)).sum();
            if vs.total > 0 && b * worst.1 > worst.0 * vs.total || worst.1 == 0 {
                worst = (b, vs.total);
            }
        }
        worst
    }

    pub(crate) fn name(&self, n: u32) -> String {
        self.nodes.name(n).to_string()
    }
}

fn gcd(a: u64, b: u64) -> u64 {
    if b == 0 {
        a
    } else {
        gcd(b, a % b)
    }
}
