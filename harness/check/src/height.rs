//! Per-height state kept while a height is open (inside the window).

use crate::intern::FxMap;

/// Block index meaning a nil vote.
pub(crate) const NIL: u16 = u16::MAX;

/// Vote types with a fixed index; others are interned after these.
pub(crate) const VTYPES: &[&str] =
    &["prevote", "precommit", "prepare", "commit", "vote", "request_vote"];

/// A block id seen at this height.
#[derive(Debug)]
pub(crate) struct BlockInfo {
    pub(crate) name: Box<str>,
    /// Txs of the first decision of this block (tx indices of the ledger).
    pub(crate) txs: Option<Box<[u32]>>,
    /// Line of the first `cons.propose` of this block at this height.
    pub(crate) proposed_line: Option<u64>,
}

/// A decision by one node.
#[derive(Debug)]
pub(crate) struct Dec {
    pub(crate) node: u32,
    pub(crate) block: u16,
    pub(crate) round: u64,
    pub(crate) line: u64,
    pub(crate) cert: Option<Box<[u32]>>,
    pub(crate) app_hash: Option<Box<str>>,
    pub(crate) parent: Option<Box<str>>,
}

/// Votes for one (round, vtype, block).
#[derive(Debug, Default)]
pub(crate) struct Tally {
    pub(crate) voters: Vec<u32>,
    pub(crate) first_line: u64,
}

/// First vote of a node in a (round, vtype) slot.
#[derive(Debug, Clone, Copy)]
pub(crate) struct FirstVote {
    pub(crate) block: u16,
    pub(crate) equivocated: bool,
    pub(crate) line: u64,
}

/// Everything known about one open height.
#[derive(Debug, Default)]
pub(crate) struct HeightState {
    pub(crate) blocks: Vec<BlockInfo>,
    /// Proposals: (node, round, block, line).
    pub(crate) proposals: Vec<(u32, u64, u16, u64)>,
    pub(crate) first_votes: FxMap<(u32, u64, u8), FirstVote>,
    pub(crate) tallies: FxMap<(u64, u8, u16), Tally>,
    pub(crate) decisions: Vec<Dec>,
    /// `state.snapshot` app hashes: (node, hash, line).
    pub(crate) snapshot_hashes: Vec<(u32, Box<str>, u64)>,
}

impl HeightState {
    /// Index of `block`, adding it; `None` when `limit` blocks are already known.
    #[inline]
    pub(crate) fn block(&mut self, block: &str, limit: usize) -> Option<u16> {
        if let Some(i) = self.blocks.iter().position(|b| &*b.name == block) {
            return Some(i as u16);
        }
        if self.blocks.len() >= limit.min(NIL as usize) {
            return None;
        }
        self.blocks.push(BlockInfo { name: block.into(), txs: None, proposed_line: None });
        Some((self.blocks.len() - 1) as u16)
    }

    pub(crate) fn block_name(&self, b: u16) -> &str {
        if b == NIL {
            "null"
        } else {
            &self.blocks[b as usize].name
        }
    }

    /// The block `node` decided here first, if any.
    pub(crate) fn decision_of(&self, node: u32) -> Option<&Dec> {
        self.decisions.iter().find(|d| d.node == node)
    }
}

/// Deterministic 64-bit fingerprint of a block id, kept for heights pruned from the window.
pub(crate) fn fingerprint(s: &str) -> u64 {
    use std::hash::{Hash, Hasher};
    // SipHash with fixed zero keys: deterministic; used only for equality of pruned heights.
    #[allow(deprecated)]
    let mut h = std::hash::SipHasher::new();
    s.hash(&mut h);
    h.finish()
}

/// Open heights: a hash map for lookups, an ordered set for judging in height order.
#[derive(Debug, Default)]
pub(crate) struct Heights {
    map: FxMap<u64, HeightState>,
    order: std::collections::BTreeSet<u64>,
}

impl Heights {
    #[inline]
    pub(crate) fn get(&self, h: &u64) -> Option<&HeightState> {
        self.map.get(h)
    }
    #[inline]
    pub(crate) fn get_mut(&mut self, h: &u64) -> Option<&mut HeightState> {
        self.map.get_mut(h)
    }
    #[inline]
    pub(crate) fn contains_key(&self, h: &u64) -> bool {
        self.map.contains_key(h)
    }
    pub(crate) fn len(&self) -> usize {
        self.map.len()
    }
    /// The state of `h`, created empty if needed.
    #[inline]
    pub(crate) fn get_or_insert(&mut self, h: u64) -> &mut HeightState {
        self.map.entry(h).or_insert_with(|| {
            self.order.insert(h);
            HeightState::default()
        })
    }
    pub(crate) fn first_key(&self) -> Option<u64> {
        self.order.first().copied()
    }
    pub(crate) fn pop_first(&mut self) -> Option<(u64, HeightState)> {
        let h = self.order.pop_first()?;
        self.map.remove(&h).map(|s| (h, s))
    }
}
