//! Per-height state kept while a height is open (inside the window).

use crate::intern::FxMap;

/// Block index meaning a nil vote.
pub(crate) const NIL: u16 = u16::MAX;

/// Vote types with a fixed index; others are interned after these.
pub(crate) const VTYPES: &[&str] = &[
    "prevote",
    "precommit",
    "prepare",
    "commit",
    "vote",
    "request_vote",
    "finalize",
    "notarize",
    "nullify",
];

/// Indices in [`VTYPES`].
pub(crate) const PREVOTE: u8 = 0;
pub(crate) const PRECOMMIT: u8 = 1;
pub(crate) const PREPARE: u8 = 2;
pub(crate) const COMMIT: u8 = 3;
pub(crate) const VOTE: u8 = 4;
pub(crate) const FINALIZE: u8 = 6;
pub(crate) const NOTARIZE: u8 = 7;

/// The vote types that justify a decision (trace format 1.1, resolution 3): `precommit`,
/// `commit`, `vote` (also a Raft append acknowledgement) and `finalize`. Others (`prevote`,
/// `prepare`, `notarize`, `nullify`, `request_vote`, and types the format does not name) never do.
pub(crate) const DECIDING: [u8; 4] = [PRECOMMIT, COMMIT, VOTE, FINALIZE];

/// A block id seen at this height.
#[derive(Debug)]
pub(crate) struct BlockInfo {
    /// Byte range of the id in `HeightState::text`.
    name: (usize, usize),
    /// Txs of the first decision of this block (tx indices of the ledger).
    pub(crate) txs: Option<Box<[u32]>>,
    /// Line of the first `cons.propose` of this block at this height.
    pub(crate) proposed_line: Option<u64>,
}

/// A decision by one node. Its cert, app hash and parent live in the height's arenas
/// ([`HeightState::cert`], [`HeightState::app_hash`], [`HeightState::parent`]).
#[derive(Debug, Clone, Copy)]
pub(crate) struct Dec {
    pub(crate) node: u32,
    pub(crate) block: u16,
    pub(crate) round: u64,
    pub(crate) line: u64,
    /// `(start, end)` in `HeightState::certs`.
    cert: Option<(usize, usize)>,
    /// Byte ranges in `HeightState::text`.
    app_hash: Option<(usize, usize)>,
    parent: Option<(usize, usize)>,
}

/// Votes for one (round, vtype, block).
#[derive(Debug, Default)]
pub(crate) struct Tally {
    pub(crate) voters: Vec<u32>,
    pub(crate) first_line: u64,
    /// Power of the voters in the set in force (as known when each vote was read).
    pub(crate) power: u128,
    /// The line of the vote with which the voters first reached a quorum.
    pub(crate) quorum_line: Option<u64>,
}

impl Tally {
    /// Whether the votes traced before `line` reach a quorum.
    #[inline]
    pub(crate) fn quorum_before(&self, line: u64) -> bool {
        self.quorum_line.is_some_and(|q| q < line)
    }
}

/// First vote of a node in a (round, vtype) slot.
#[derive(Debug, Clone, Copy)]
pub(crate) struct FirstVote {
    pub(crate) block: u16,
    pub(crate) equivocated: bool,
    pub(crate) line: u64,
}

/// Key of a tally: (round, vtype, block).
pub(crate) type TallyKey = (u64, u8, u16);

/// Everything known about one open height. Its buffers are kept when a judged height is
/// recycled ([`Heights::recycle`]), so a steady stream of heights allocates little.
#[derive(Debug, Default)]
pub(crate) struct HeightState {
    pub(crate) blocks: Vec<BlockInfo>,
    /// Proposals: (node, round, block, line).
    pub(crate) proposals: Vec<(u32, u64, u16, u64)>,
    pub(crate) first_votes: FxMap<(u32, u64, u8), FirstVote>,
    /// Tally index in `tally_store` by key.
    tallies: FxMap<TallyKey, usize>,
    /// Tallies; the first `n_tallies` are in use, the rest are empty and kept for reuse.
    tally_store: Vec<Tally>,
    n_tallies: usize,
    /// The tally used last (votes for one block come in a row).
    last_tally: Option<(TallyKey, usize)>,
    pub(crate) decisions: Vec<Dec>,
    /// `state.snapshot` app hashes: (node, hash, line).
    pub(crate) snapshot_hashes: Vec<(u32, Box<str>, u64)>,
    /// Cert signers of all decisions, back to back.
    certs: Vec<u32>,
    /// Block ids, app hashes and parents, back to back.
    text: String,
    /// Range in `text` of the last app hash or parent stored (consecutive repeats share it).
    last_strs: [(usize, usize); 2],
    /// A per-height limit was reached: events were dropped, and the height is not judged.
    pub(crate) overflow: bool,
    /// A decision was dropped (its block could not be kept).
    pub(crate) dropped_decision: bool,
    /// Tendermint locks, from each node's own precommits: (node, round, block, line).
    pub(crate) locks: Vec<(u32, u64, u16, u64)>,
}

impl HeightState {
    /// Index of `block` (the bytes of a valid UTF-8 string), adding it; `None` when `limit`
    /// blocks are already known.
    #[inline]
    pub(crate) fn block_bytes(&mut self, block: &[u8], limit: usize) -> Option<u16> {
        let text = self.text.as_bytes();
        if let Some(i) = self.blocks.iter().position(|b| eq_bytes(&text[b.name.0..b.name.1], block))
        {
            return Some(i as u16);
        }
        if self.blocks.len() >= limit.min(NIL as usize) {
            return None;
        }
        let name = self.push_text(block);
        self.blocks.push(BlockInfo { name, txs: None, proposed_line: None });
        Some((self.blocks.len() - 1) as u16)
    }

    fn push_text(&mut self, s: &[u8]) -> (usize, usize) {
        let start = self.text.len();
        match std::str::from_utf8(s) {
            Ok(s) => self.text.push_str(s),
            Err(_) => self.text.push_str(&String::from_utf8_lossy(s)),
        }
        (start, self.text.len())
    }

    fn text_at(&self, r: (usize, usize)) -> &str {
        &self.text[r.0..r.1]
    }

    pub(crate) fn block_name(&self, b: u16) -> &str {
        if b == NIL {
            "null"
        } else {
            self.text_at(self.blocks[b as usize].name)
        }
    }

    /// Reads a little of each buffer that judging the height will read, so that they are in
    /// the cache by then (the state was written about a window of heights ago). The value is
    /// meaningless.
    pub(crate) fn touch(&self) -> u64 {
        let mut x = self.decisions.first().map_or(0, |d| d.line);
        x ^= self.certs.first().map_or(0, |&c| u64::from(c));
        x ^= self.text.as_bytes().first().map_or(0, |&c| u64::from(c));
        x ^= self.blocks.first().map_or(0, |b| b.name.0 as u64);
        x ^= self.tally_store.first().map_or(0, |t| t.first_line);
        x ^= self.tallies.values().next().map_or(0, |&i| i as u64);
        x
    }

    /// Reads the first voters of each tally (second level of [`HeightState::touch`]), and the
    /// first votes (whose buffer the next new height reuses).
    pub(crate) fn touch_voters(&self) -> u64 {
        let mut x = self.first_votes.values().fold(0, |x, v| x ^ v.line);
        for t in &self.tally_store[..self.n_tallies] {
            x ^= t.voters.first().map_or(0, |&v| u64::from(v));
        }
        x
    }

    /// Empties the state, keeping its allocations for reuse by another height.
    pub(crate) fn clear(&mut self) {
        self.blocks.clear();
        self.proposals.clear();
        self.first_votes.clear();
        self.tallies.clear();
        for t in &mut self.tally_store[..self.n_tallies] {
            t.voters.clear();
            t.power = 0;
            t.quorum_line = None;
        }
        self.n_tallies = 0;
        self.last_tally = None;
        self.decisions.clear();
        self.snapshot_hashes.clear();
        self.certs.clear();
        self.text.clear();
        self.last_strs = [(0, 0); 2];
        self.overflow = false;
        self.dropped_decision = false;
        self.locks.clear();
    }

    /// The tally of `k`.
    #[inline]
    pub(crate) fn tally(&self, k: &TallyKey) -> Option<&Tally> {
        self.tallies.get(k).map(|&i| &self.tally_store[i])
    }

    /// The tally of `k`, created (first vote on `line`) if needed.
    #[inline]
    pub(crate) fn tally_mut(&mut self, k: TallyKey, line: u64) -> &mut Tally {
        if let Some((lk, i)) = self.last_tally {
            if lk == k {
                return &mut self.tally_store[i];
            }
        }
        let next = self.n_tallies;
        let i = *self.tallies.entry(k).or_insert(next);
        if i == next {
            self.n_tallies += 1;
            if self.tally_store.len() == next {
                self.tally_store.push(Tally::default());
            }
            self.tally_store[i].first_line = line;
        }
        self.last_tally = Some((k, i));
        &mut self.tally_store[i]
    }

    /// Keys of all tallies (in no particular order).
    pub(crate) fn tally_keys(&self) -> impl Iterator<Item = TallyKey> + '_ {
        self.tallies.keys().copied()
    }

    /// Range of `s` in the text arena, reusing the last app hash or parent when equal.
    fn intern_str(&mut self, s: &[u8]) -> (usize, usize) {
        for r in self.last_strs {
            if r.1 > r.0 && eq_bytes(&self.text.as_bytes()[r.0..r.1], s) {
                return r;
            }
        }
        let r = self.push_text(s);
        self.last_strs = [self.last_strs[1], r];
        r
    }

    /// Records a decision.
    #[allow(clippy::too_many_arguments)] // the decision's fields
    pub(crate) fn decide(
        &mut self,
        node: u32,
        block: u16,
        round: u64,
        line: u64,
        cert: Option<&[u32]>,
        app_hash: Option<&[u8]>,
        parent: Option<&[u8]>,
    ) {
        let cert = cert.map(|c| {
            let start = self.certs.len();
            self.certs.extend_from_slice(c);
            (start, self.certs.len())
        });
        let app_hash = app_hash.map(|a| self.intern_str(a));
        let parent = parent.map(|p| self.intern_str(p));
        self.decisions.push(Dec { node, block, round, line, cert, app_hash, parent });
    }

    /// The cert signers of a decision.
    pub(crate) fn cert(&self, d: &Dec) -> Option<&[u32]> {
        d.cert.map(|(s, e)| &self.certs[s..e])
    }

    /// The app hash of a decision.
    pub(crate) fn app_hash(&self, d: &Dec) -> Option<&str> {
        d.app_hash.map(|r| self.text_at(r))
    }

    /// The parent of a decision.
    pub(crate) fn parent(&self, d: &Dec) -> Option<&str> {
        d.parent.map(|r| self.text_at(r))
    }

    /// The block `node` decided here first, if any.
    pub(crate) fn decision_of(&self, node: u32) -> Option<&Dec> {
        self.decisions.iter().find(|d| d.node == node)
    }
}

/// Byte equality, inline for the short ids of traces (no call to `memcmp`).
#[inline]
pub(crate) fn eq_bytes(a: &[u8], b: &[u8]) -> bool {
    if a.len() != b.len() {
        return false;
    }
    if a.len() <= 32 {
        a.iter().zip(b).all(|(x, y)| x == y)
    } else {
        a == b
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

/// Open heights: boxed states (cheap to move) in a slab indexed through a hash map, with the
/// last height used remembered (events come height by height); the heights in order, for
/// judging the lowest first; and judged states kept (emptied) for reuse so that a new height
/// allocates nothing.
#[derive(Debug, Default)]
pub(crate) struct Heights {
    index: FxMap<u64, usize>,
    /// `None` in free slots.
    slots: Vec<Option<Box<HeightState>>>,
    free: Vec<usize>,
    order: Order,
    // Boxed on purpose: a state moves from the pool to a slot to the judge and back.
    #[allow(clippy::vec_box)]
    pool: Vec<Box<HeightState>>,
    last: Option<(u64, usize)>,
    /// Judged states not kept for reuse, held to be freed with the rest (`Checker::finish`:
    /// at the end of a trace, when no height will open again) instead of one by one.
    #[allow(clippy::vec_box)]
    spent: Option<Vec<Box<HeightState>>>,
}

/// Judged height states kept for reuse.
const POOL: usize = 16;

/// A set of heights: the ones opened in increasing order in a deque (the usual case: O(1)),
/// the others in a B-tree.
#[derive(Debug, Default)]
struct Order {
    run: std::collections::VecDeque<u64>,
    rest: std::collections::BTreeSet<u64>,
}

impl Order {
    #[inline]
    fn insert(&mut self, h: u64) {
        if self.run.back().is_none_or(|&b| h > b) {
            self.run.push_back(h);
        } else {
            self.rest.insert(h);
        }
    }

    #[inline]
    fn first(&self) -> Option<u64> {
        match (self.run.front(), self.rest.first()) {
            (Some(&a), Some(&b)) => Some(a.min(b)),
            (a, b) => a.or(b).copied(),
        }
    }

    #[inline]
    fn pop_first(&mut self) -> Option<u64> {
        match (self.run.front(), self.rest.first()) {
            (Some(&a), Some(&b)) if b < a => self.rest.pop_first(),
            (Some(_), _) => self.run.pop_front(),
            (None, _) => self.rest.pop_first(),
        }
    }
}

impl Heights {
    #[inline]
    fn slot(&self, h: u64) -> Option<usize> {
        match self.last {
            Some((lh, i)) if lh == h => Some(i),
            _ => self.index.get(&h).copied(),
        }
    }

    #[inline]
    pub(crate) fn get(&self, h: &u64) -> Option<&HeightState> {
        self.slot(*h).and_then(|i| self.slots[i].as_deref())
    }

    #[inline]
    pub(crate) fn get_mut(&mut self, h: &u64) -> Option<&mut HeightState> {
        let i = self.slot(*h)?;
        self.last = Some((*h, i));
        self.slots[i].as_deref_mut()
    }

    /// The state of `h`, created empty if needed; `None` when `h` is new and `max` heights are
    /// already open.
    #[inline]
    pub(crate) fn get_or_insert(&mut self, h: u64, max: usize) -> Option<&mut HeightState> {
        let i = match self.slot(h) {
            Some(i) => i,
            None => {
                if self.index.len() >= max {
                    return None;
                }
                let state = Some(self.pool.pop().unwrap_or_default());
                let i = match self.free.pop() {
                    Some(i) => {
                        self.slots[i] = state;
                        i
                    }
                    None => {
                        self.slots.push(state);
                        self.slots.len() - 1
                    }
                };
                self.index.insert(h, i);
                self.order.insert(h);
                i
            }
        };
        self.last = Some((h, i));
        self.slots[i].as_deref_mut()
    }

    /// Every open height's state.
    pub(crate) fn states_mut(&mut self) -> impl Iterator<Item = &mut HeightState> {
        self.slots.iter_mut().filter_map(|s| s.as_deref_mut())
    }

    /// Gives a judged state back for reuse.
    pub(crate) fn recycle(&mut self, mut hs: Box<HeightState>) {
        if self.pool.len() < POOL
            && hs.first_votes.capacity() <= 1 << 12
            && hs.tally_store.len() <= 1 << 10
            && hs.text.capacity() <= 1 << 16
        {
            hs.clear();
            self.pool.push(hs);
        } else if let Some(spent) = &mut self.spent {
            spent.push(hs);
        }
    }

    /// From now on, judged states not kept for reuse are held until `self` is dropped, not
    /// freed one by one: for the judging of every open height at the end of a trace, whose
    /// states are then freed together off the checking thread.
    pub(crate) fn hold_spent(&mut self) {
        self.spent.get_or_insert_with(Vec::new);
    }

    /// Brings the state of height `h`, if open, into the cache (see [`HeightState::touch`]):
    /// for the height judged next, written a window of heights ago.
    pub(crate) fn warm(&self, h: u64) {
        if let Some(next) = self.get(&h) {
            std::hint::black_box(next.touch());
            std::hint::black_box(next.touch_voters());
        }
    }

    pub(crate) fn first_key(&self) -> Option<u64> {
        self.order.first()
    }

    pub(crate) fn pop_first(&mut self) -> Option<(u64, Box<HeightState>)> {
        let h = self.order.pop_first()?;
        let i = self.index.remove(&h)?;
        if self.last.is_some_and(|l| l.0 == h) {
            self.last = None;
        }
        self.free.push(i);
        self.slots[i].take().map(|s| (h, s))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn heights_come_out_in_order_whatever_the_order_in() {
        let mut hs = Heights::default();
        let ins = [5u64, 6, 9, 3, 10, 7, 1, 11, 2];
        for &h in &ins {
            hs.get_or_insert(h, 100).unwrap().snapshot_hashes.push((h as u32, "x".into(), h));
            hs.get_or_insert(h, 100).unwrap();
        }
        assert!(hs.get_or_insert(99, ins.len()).is_none());
        let mut out = Vec::new();
        while let Some(h) = hs.first_key() {
            let (p, st) = hs.pop_first().unwrap();
            assert_eq!((p, st.snapshot_hashes[0].2), (h, h));
            out.push(h);
            if h == 3 {
                hs.get_or_insert(4, 100).unwrap().snapshot_hashes.push((4, "y".into(), 4));
            }
        }
        assert_eq!(out, [1, 2, 3, 4, 5, 6, 7, 9, 10, 11]);
        assert!(hs.get(&5).is_none());
    }
}
