//! When a client transaction counts as committed, and when as rejected.
//!
//! **Committed** = every validator that is correct (never made Byzantine), up (not crashed) and
//! not paused has decided a block holding it, and at least one correct validator has. The outcome
//! is reported at the instant the last of them decides, naming that node. A crash or pause
//! shrinks the set (what the survivors decided may complete at that instant); a node that
//! restarts must catch up before it completes anything still pending.
//!
//! **Rejected after admission** = a correct node decided a height above the transaction's expiry
//! height and no node has decided it: it can never be decided (see [`crate::ledger`]). The reason
//! is the one the ledger gives at that node (e.g. `INSUFFICIENT_BALANCE`, `BAD_NONCE`, `TIMEOUT`).

use crate::protocol::NodeIdx;
use std::collections::{BTreeMap, BTreeSet};
use touchstone_core::TxId;

#[derive(Debug)]
struct Track {
    bits: Box<[u64]>,
    height: u64,
    expires: u64,
}

/// Pending client transactions and who decided them.
#[derive(Debug)]
pub(crate) struct Finality {
    words: usize,
    pending: BTreeMap<TxId, Track>,
    expiry: BTreeSet<(u64, TxId)>,
    /// Nodes that must decide (bitmask).
    required: Vec<u64>,
    /// Correct nodes (bitmask).
    correct: Vec<u64>,
}

fn set(bits: &mut [u64], i: usize, v: bool) {
    if v {
        bits[i / 64] |= 1 << (i % 64);
    } else {
        bits[i / 64] &= !(1 << (i % 64));
    }
}

impl Finality {
    pub fn new(n: usize) -> Self {
        let words = n.div_ceil(64).max(1);
        let mut all = vec![0u64; words];
        for i in 0..n {
            set(&mut all, i, true);
        }
        Finality {
            words,
            pending: BTreeMap::new(),
            expiry: BTreeSet::new(),
            required: all.clone(),
            correct: all,
        }
    }

    pub fn track(&mut self, tx: TxId, expires: u64) {
        self.pending
            .insert(tx, Track { bits: vec![0; self.words].into_boxed_slice(), height: 0, expires });
        self.expiry.insert((expires, tx));
    }

    #[allow(dead_code)] // used by tests and diagnostics
    pub fn is_pending(&self, tx: TxId) -> bool {
        self.pending.contains_key(&tx)
    }

    /// Updates which nodes count; returns the transactions this completes, with their heights.
    pub fn set_status(&mut self, node: NodeIdx, required: bool, correct: bool) -> Vec<(TxId, u64)> {
        set(&mut self.required, node, required);
        set(&mut self.correct, node, correct);
        let done: Vec<(TxId, u64)> = self
            .pending
            .iter()
            .filter(|(_, t)| self.complete(&t.bits))
            .map(|(&id, t)| (id, t.height))
            .collect();
        for (id, _) in &done {
            self.remove(*id);
        }
        done
    }

    fn complete(&self, bits: &[u64]) -> bool {
        let mut any_correct = false;
        for ((b, r), c) in bits.iter().zip(&self.required).zip(&self.correct) {
            if b & r != *r {
                return false;
            }
            any_correct |= b & c != 0;
        }
        any_correct
    }

    fn remove(&mut self, tx: TxId) {
        if let Some(t) = self.pending.remove(&tx) {
            self.expiry.remove(&(t.expires, tx));
        }
    }

    /// `node` decided `tx` at `height`; whether that completes it.
    pub fn decided(&mut self, node: NodeIdx, tx: TxId, height: u64) -> bool {
        let Some(t) = self.pending.get_mut(&tx) else { return false };
        set(&mut t.bits, node, true);
        t.height = height;
        let bits = std::mem::take(&mut t.bits);
        let done = self.complete(&bits);
        if done {
            self.remove(tx);
        } else if let Some(t) = self.pending.get_mut(&tx) {
            t.bits = bits;
        }
        done
    }

    /// Whether `tx` is pending and no node decided it yet.
    pub fn undecided(&self, tx: TxId) -> bool {
        self.pending.get(&tx).is_some_and(|t| t.bits.iter().all(|&w| w == 0))
    }

    /// Drops `tx` if pending and decided by no node (it can no longer apply); whether it was.
    pub fn reject_if_undecided(&mut self, tx: TxId) -> bool {
        let undecided = self.pending.get(&tx).is_some_and(|t| t.bits.iter().all(|&w| w == 0));
        if undecided {
            self.remove(tx);
        }
        undecided
    }

    /// Transactions that expired before `height` and that no node decided: they are rejected.
    /// Expired ones that some node did decide are left to the commit rule.
    pub fn expired_before(&mut self, height: u64) -> Vec<TxId> {
        let mut out = Vec::new();
        while let Some(&(e, tx)) = self.expiry.first() {
            if e >= height {
                break;
            }
            self.expiry.pop_first();
            let undecided = self.pending.get(&tx).is_some_and(|t| t.bits.iter().all(|&w| w == 0));
            if undecided {
                self.pending.remove(&tx);
                out.push(tx);
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn commits_when_every_required_node_decided() {
        let mut f = Finality::new(4);
        f.track(TxId(1), 10);
        assert!(!f.decided(0, TxId(1), 3));
        assert!(!f.decided(1, TxId(1), 3));
        assert!(!f.decided(2, TxId(1), 3));
        assert!(f.decided(3, TxId(1), 3));
        assert!(!f.is_pending(TxId(1)));
    }

    #[test]
    fn a_crash_completes_what_the_survivors_decided() {
        let mut f = Finality::new(4);
        f.track(TxId(1), 10);
        for i in 0..3 {
            f.decided(i, TxId(1), 1);
        }
        assert_eq!(f.set_status(3, false, true), vec![(TxId(1), 1)]);
    }

    #[test]
    fn byzantine_decisions_alone_never_commit() {
        let mut f = Finality::new(2);
        f.set_status(0, false, true);
        f.set_status(1, false, false);
        f.track(TxId(1), 10);
        assert!(!f.decided(1, TxId(1), 1));
    }

    #[test]
    fn expired_undecided_transactions_are_rejected() {
        let mut f = Finality::new(2);
        f.track(TxId(1), 5);
        f.track(TxId(2), 5);
        f.decided(0, TxId(2), 4);
        assert_eq!(f.expired_before(6), vec![TxId(1)]);
        assert!(f.is_pending(TxId(2)));
    }
}
