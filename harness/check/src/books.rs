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
/// A run may reach a nonce this far past the slots it holds, plus twice those: it stays at
/// least about half full.
const RUN_SLACK: u64 = 64;

/// Which tx used (account, nonce).
#[derive(Debug, Default)]
pub(crate) struct NonceBook {
    /// By account (below [`RUN_ACCOUNTS`]).
    runs: Vec<Run>,
    sparse: FxMap<(u32, u64), u32>,
}

/// The txs of an account's nonces `base`, `base + 1`, ... ([`NONE`]: none).
#[derive(Debug, Default)]
struct Run {
    base: u64,
    txs: Vec<u32>,
    held: u64,
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

    /// Records that tx `t` used `nonce` of `acct` (which no tx had).
    #[inline]
    pub(crate) fn insert(&mut self, acct: u32, nonce: u64, t: u32) {
        if acct < RUN_ACCOUNTS {
            let a = acct as usize;
            if self.runs.len() <= a {
                self.runs.resize_with(a + 1, Run::default);
            }
            let r = &mut self.runs[a];
            if r.txs.is_empty() {
                r.base = nonce;
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

    /// Renumbers every tx by `map` (the tx horizon's compaction): a tx mapped to `gone` is
    /// dropped, and `forgot` told its (account, nonce). Runs then start at their first nonce
    /// still held, so memory follows what is held.
    pub(crate) fn remap(&mut self, map: &[u32], gone: u32, mut forgot: impl FnMut(u32, u64)) {
        for (acct, r) in self.runs.iter_mut().enumerate() {
            for (i, slot) in r.txs.iter_mut().enumerate() {
                if *slot == NONE {
                    continue;
                }
                match map[*slot as usize] {
                    new if new == gone => {
                        forgot(acct as u32, r.base + i as u64);
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
        self.sparse.retain(|&(acct, nonce), t| match map[*t as usize] {
            new if new == gone => {
                forgot(acct, nonce);
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
        for t in 0..20_000u32 {
            let acct = (next() % 40) as u32 + if t % 97 == 0 { RUN_ACCOUNTS } else { 0 };
            let nonce = match next() % 10 {
                0 => next() % 1_000_000,
                1 => (next() % 50).saturating_sub(10),
                _ => u64::from(t / 40) + next() % 3,
            };
            assert_eq!(book.get(acct, nonce), map.get(&(acct, nonce)).copied(), "{acct} {nonce}");
            if let std::collections::hash_map::Entry::Vacant(e) = map.entry((acct, nonce)) {
                book.insert(acct, nonce, t);
                e.insert(t);
            }
            if t % 5000 == 4999 {
                // Forget the even txs, renumber the odd ones.
                let ids: Vec<u32> =
                    (0..=t).map(|x| if x % 2 == 0 { u32::MAX - 1 } else { x + 1 }).collect();
                let mut forgotten = Vec::new();
                book.remap(&ids, u32::MAX - 1, |a, n| forgotten.push((a, n)));
                let before = map.len();
                map.retain(|_, x| *x % 2 == 1);
                assert_eq!(forgotten.len(), before - map.len());
                for x in map.values_mut() {
                    *x += 1;
                }
            }
        }
        for (&(acct, nonce), &t) in &map {
            assert_eq!(book.get(acct, nonce), Some(t));
        }
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
