//! The replay's two tables, laid out for what a tx-heavy trace does to them: balances by
//! asset and account, and which tx used each nonce of each account.
//!
//! Both were hash maps. Each tx read and wrote four of their entries, scattered: a cache miss
//! each, since the trace streaming through the cache between two blocks evicts them, and these
//! misses were most of the checking thread's time on such a trace. Here the first accounts
//! (they are interned densely, in the order the trace names them) have their balances in one
//! plain vector per asset, and their nonces in one run per account, counted up from where they
//! start: smaller, and one read each. Accounts beyond, and nonces far from their account's
//! run, go to a hash map as before; an entry lives in exactly one place, and a lookup that
//! misses the dense part asks the map.

use crate::intern::FxMap;

/// Accounts whose balances are dense (a vector per asset, 16 bytes an account).
const DENSE_ACCOUNTS: u32 = 1 << 16;
/// Assets with a dense vector: the first ones.
const DENSE_ASSETS: u32 = 8;

/// Balances by (account, asset); a missing one is zero.
#[derive(Debug, Default)]
pub(crate) struct Balances {
    /// By asset, then account (accounts below [`DENSE_ACCOUNTS`], assets below
    /// [`DENSE_ASSETS`]), grown as accounts are written.
    dense: Vec<Vec<i128>>,
    sparse: FxMap<(u32, u32), i128>,
}

impl Balances {
    #[inline]
    fn dense(acct: u32, asset: u32) -> bool {
        acct < DENSE_ACCOUNTS && asset < DENSE_ASSETS
    }

    #[inline]
    pub(crate) fn get(&self, acct: u32, asset: u32) -> i128 {
        if Self::dense(acct, asset) {
            let v = self.dense.get(asset as usize);
            return v.and_then(|v| v.get(acct as usize)).copied().unwrap_or(0);
        }
        self.sparse.get(&(acct, asset)).copied().unwrap_or(0)
    }

    /// The balance, to update (zero if it was missing).
    #[inline]
    pub(crate) fn entry(&mut self, acct: u32, asset: u32) -> &mut i128 {
        if !Self::dense(acct, asset) {
            return self.sparse.entry((acct, asset)).or_insert(0);
        }
        let (asset, acct) = (asset as usize, acct as usize);
        if self.dense.len() <= asset {
            self.dense.resize_with(asset + 1, Vec::new);
        }
        let v = &mut self.dense[asset];
        if v.len() <= acct {
            v.resize(acct + 1, 0);
        }
        &mut v[acct]
    }
}

/// No tx in a run's slot.
const NONE: u32 = u32::MAX;
/// Accounts with a run.
const RUN_ACCOUNTS: u32 = 1 << 20;
/// Slots a run starts with while there are at most [`RESERVED_RUNS`] accounts (at most 4 MiB
/// in all): growing each account's run one nonce at a time from nothing reallocated it four
/// times by its 16th nonce, a tenth of the end-of-trace replay on the Raft bench trace.
/// Beyond that many accounts, runs grow from nothing, so that memory follows the nonces held.
const RESERVED: usize = 16;
const RESERVED_RUNS: usize = 1 << 16;
/// A run may reach a nonce this far past the slots it holds, plus twice those: it stays at
/// least about half full.
const RUN_SLACK: u64 = 64;

/// Which tx used (account, nonce), and which nonces the txs forgotten beyond the tx horizon
/// used (`horizon.rs`).
#[derive(Debug, Default)]
pub(crate) struct NonceBook {
    /// By account (below [`RUN_ACCOUNTS`]).
    runs: Vec<Run>,
    sparse: FxMap<(u32, u64), u32>,
    /// The forgotten nonces of accounts without a run.
    gone: FxMap<u32, Ranges>,
}

/// The txs of an account's nonces `base`, `base + 1`, ... ([`NONE`]: none), and the nonces of
/// its forgotten txs.
#[derive(Debug, Default)]
struct Run {
    base: u64,
    txs: Vec<u32>,
    held: u64,
    gone: Ranges,
}

/// A set of nonces as sorted, disjoint, inclusive ranges: a run of consecutive nonces costs
/// one range, and one range (the usual case: an account's forgotten nonces) is held inline,
/// so asking costs no read beyond the run's own record.
#[derive(Debug)]
struct Ranges {
    /// The one range while `more` is empty (`lo > hi`: none).
    lo: u64,
    hi: u64,
    /// Every range, once there are two or more.
    more: Vec<(u64, u64)>,
}

impl Default for Ranges {
    fn default() -> Self {
        Ranges { lo: 1, hi: 0, more: Vec::new() }
    }
}

impl Ranges {
    #[inline]
    fn contains(&self, n: u64) -> bool {
        if self.more.is_empty() {
            return self.lo <= n && n <= self.hi;
        }
        let i = self.more.partition_point(|&(_, hi)| hi < n);
        self.more.get(i).is_some_and(|&(lo, _)| lo <= n)
    }

    fn insert(&mut self, n: u64) {
        if self.more.is_empty() {
            if self.lo > self.hi {
                (self.lo, self.hi) = (n, n);
                return;
            }
            if self.contains(n) {
                return;
            }
            if self.hi.checked_add(1) == Some(n) {
                self.hi = n;
                return;
            }
            if n.checked_add(1) == Some(self.lo) {
                self.lo = n;
                return;
            }
            self.more.push((self.lo, self.hi));
        }
        insert_range(&mut self.more, n);
    }
}

/// Adds `n` to sorted, disjoint, inclusive ranges, merging with its neighbours.
fn insert_range(r: &mut Vec<(u64, u64)>, n: u64) {
    let i = r.partition_point(|&(_, hi)| hi < n);
    if r.get(i).is_some_and(|&(lo, _)| lo <= n) {
        return;
    }
    let joins_prev = i > 0 && r[i - 1].1.checked_add(1) == Some(n);
    let joins_next = r.get(i).is_some_and(|&(lo, _)| n.checked_add(1) == Some(lo));
    match (joins_prev, joins_next) {
        (true, true) => {
            r[i - 1].1 = r[i].1;
            r.remove(i);
        }
        (true, false) => r[i - 1].1 = n,
        (false, true) => r[i].0 = n,
        (false, false) => r.insert(i, (n, n)),
    }
}

impl Run {
    /// The slot of `nonce`, if the run covers it.
    #[inline]
    fn slot(&self, nonce: u64) -> Option<usize> {
        let i = nonce.checked_sub(self.base)?;
        (i < self.txs.len() as u64).then_some(i as usize)
    }
}

impl NonceBook {
    /// The tx that used `nonce` of `acct`.
    #[inline]
    pub(crate) fn get(&self, acct: u32, nonce: u64) -> Option<u32> {
        if let Some(r) = self.runs.get(acct as usize) {
            if let Some(t) = r.slot(nonce).map(|i| r.txs[i]).filter(|&t| t != NONE) {
                return Some(t);
            }
        }
        if self.sparse.is_empty() {
            return None;
        }
        self.sparse.get(&(acct, nonce)).copied()
    }

    /// A value read from where [`NonceBook::get`] and then [`NonceBook::insert`] of `nonce`
    /// look and write: the run's record and its slot, or its last one when `nonce` is just
    /// past its end (the usual case, a new nonce), so that a warming pass brings them in.
    #[inline]
    pub(crate) fn touch(&self, acct: u32, nonce: u64) -> u64 {
        let Some(r) = self.runs.get(acct as usize) else { return 0 };
        let i = nonce.saturating_sub(r.base).min(r.txs.len() as u64) as usize;
        let slot = r.txs.get(i).or(r.txs.last()).copied().unwrap_or(0);
        u64::from(slot) ^ r.held
    }

    /// Records that tx `t` used `nonce` of `acct` (which no tx had).
    #[inline]
    pub(crate) fn insert(&mut self, acct: u32, nonce: u64, t: u32) {
        if acct < RUN_ACCOUNTS {
            let a = acct as usize;
            if self.runs.len() <= a {
                self.runs.resize_with(a + 1, Run::default);
            }
            let few = self.runs.len() <= RESERVED_RUNS;
            let r = &mut self.runs[a];
            if r.txs.is_empty() {
                r.base = nonce;
                if few {
                    r.txs.reserve(RESERVED);
                }
            }
            if let Some(i) = nonce.checked_sub(r.base) {
                if i < r.txs.len() as u64 + 2 * r.held + RUN_SLACK {
                    if i >= r.txs.len() as u64 {
                        r.txs.resize(i as usize + 1, NONE);
                    }
                    r.txs[i as usize] = t;
                    r.held += 1;
                    return;
                }
            }
        }
        self.sparse.insert((acct, nonce), t);
    }

    /// Whether a forgotten tx used `nonce` of `acct`.
    #[inline]
    pub(crate) fn forgotten(&self, acct: u32, nonce: u64) -> bool {
        if let Some(r) = self.runs.get(acct as usize) {
            return r.gone.contains(nonce);
        }
        !self.gone.is_empty() && self.gone.get(&acct).is_some_and(|g| g.contains(nonce))
    }

    /// Renumbers every tx by `map` (the tx horizon's compaction): a tx mapped to `gone` is
    /// dropped and its nonce kept as forgotten. Runs then start at their first nonce still
    /// held, so memory follows what is held.
    pub(crate) fn remap(&mut self, map: &[u32], gone: u32) {
        for r in &mut self.runs {
            for (i, slot) in r.txs.iter_mut().enumerate() {
                if *slot == NONE {
                    continue;
                }
                match map[*slot as usize] {
                    new if new == gone => {
                        r.gone.insert(r.base + i as u64);
                        *slot = NONE;
                        r.held -= 1;
                    }
                    new => *slot = new,
                }
            }
            let lead = r.txs.iter().take_while(|&&t| t == NONE).count();
            if lead > 0 {
                r.txs.drain(..lead);
                r.base += lead as u64;
            }
        }
        let forgotten = &mut self.gone;
        let runs = &mut self.runs;
        self.sparse.retain(|&(acct, nonce), t| match map[*t as usize] {
            new if new == gone => {
                match runs.get_mut(acct as usize) {
                    Some(r) => r.gone.insert(nonce),
                    None => forgotten.entry(acct).or_default().insert(nonce),
                }
                false
            }
            new => {
                *t = new;
                true
            }
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A reference: every (account, nonce) in one map.
    #[test]
    fn the_nonce_book_answers_as_a_map_does_whatever_the_order() {
        let mut rng = 0x2545_f491_4f6c_dd1d_u64;
        let mut next = move || {
            rng ^= rng << 13;
            rng ^= rng >> 7;
            rng ^= rng << 17;
            rng
        };
        let mut book = NonceBook::default();
        let mut map: std::collections::HashMap<(u32, u64), u32> = Default::default();
        let mut gone: std::collections::HashSet<(u32, u64)> = Default::default();
        for t in 0..20_000u32 {
            let acct = (next() % 40) as u32 + if t % 97 == 0 { RUN_ACCOUNTS } else { 0 };
            let nonce = match next() % 10 {
                0 => next() % 1_000_000,
                1 => (next() % 50).saturating_sub(10),
                _ => u64::from(t / 40) + next() % 3,
            };
            assert_eq!(book.get(acct, nonce), map.get(&(acct, nonce)).copied(), "{acct} {nonce}");
            assert_eq!(book.forgotten(acct, nonce), gone.contains(&(acct, nonce)));
            if let std::collections::hash_map::Entry::Vacant(e) = map.entry((acct, nonce)) {
                book.insert(acct, nonce, t);
                e.insert(t);
            }
            if t % 5000 == 4999 {
                // Forget the even txs, renumber the odd ones.
                let ids: Vec<u32> =
                    (0..=t).map(|x| if x % 2 == 0 { u32::MAX - 1 } else { x + 1 }).collect();
                book.remap(&ids, u32::MAX - 1);
                map.retain(|&k, x| {
                    let keep = *x % 2 == 1;
                    if !keep {
                        gone.insert(k);
                    }
                    keep
                });
                for x in map.values_mut() {
                    *x += 1;
                }
            }
        }
        for (&(acct, nonce), &t) in &map {
            assert_eq!(book.get(acct, nonce), Some(t));
        }
        assert!(gone.len() > 10_000);
        for &(acct, nonce) in &gone {
            assert!(book.forgotten(acct, nonce), "{acct} {nonce}");
        }
    }

    #[test]
    fn nonce_ranges_merge_and_answer_exactly() {
        let mut r = Ranges::default();
        assert!(!r.contains(0) && !r.contains(1));
        for n in [5, 7, 6, 1, 2, 10, 9, 3] {
            r.insert(n);
        }
        assert_eq!(r.more, vec![(1, 3), (5, 7), (9, 10)]);
        r.insert(4);
        r.insert(8);
        r.insert(8);
        assert_eq!(r.more, vec![(1, 10)]);
        let got: Vec<u64> = (0..12).filter(|&n| r.contains(n)).collect();
        assert_eq!(got, (1..=10).collect::<Vec<_>>());
        // One range stays inline, up to the top of the nonces.
        let mut r = Ranges::default();
        for n in [u64::MAX - 1, u64::MAX, u64::MAX - 2, 0] {
            r.insert(n);
        }
        assert_eq!(r.more, vec![(0, 0), (u64::MAX - 2, u64::MAX)]);
        let mut r = Ranges::default();
        for n in (0..100).rev() {
            r.insert(n);
        }
        assert_eq!((r.lo, r.hi, r.more.len()), (0, 99, 0));
    }

    #[test]
    fn balances_dense_and_sparse_are_one_table() {
        let mut b = Balances::default();
        for (acct, asset) in [(3, 0), (DENSE_ACCOUNTS, 0), (5, DENSE_ASSETS), (70_000, 9), (0, 7)] {
            assert_eq!(b.get(acct, asset), 0);
            *b.entry(acct, asset) += i128::from(acct) + 1;
            *b.entry(acct, asset) -= 1;
            assert_eq!(b.get(acct, asset), i128::from(acct));
        }
        assert_eq!((b.get(4, 0), b.get(3, 1), b.get(DENSE_ACCOUNTS, 1)), (0, 0, 0));
    }
}
