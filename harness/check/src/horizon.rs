//! The transaction horizon ([`Limits::tx_horizon_heights`](crate::Limits)): bounded memory
//! on an endless stream.
//!
//! Every tx id the trace names is interned to a dense index, and its [`TxInfo`] kept to the
//! end, because the end-of-trace verdicts read them (lost, phantom, twice-told txs). A monitor
//! never reaches the end, so with a horizon the checker *forgets* the txs whose verdicts are
//! already certain and clean: submitted, committed (outside genesis) at a height already
//! applied, once in the decided chain, never rejected, and first decided more than the horizon
//! below the last applied height. The tx table is then rebuilt with the others, in their
//! order, and every index held elsewhere (open heights' blocks, nonces, the lists re-judged at
//! the end, the decide fast path's cache) is renumbered. Forgetting runs when the table has
//! doubled since the last time (and holds at least [`MIN_COMPACTION`] txs), so its cost is
//! amortised over the txs read and the table stays within twice what is in flight.

use crate::checker::Checker;
use crate::intern::Interner;
use crate::ledger::TxInfo;

/// No compaction below this many txs held.
const MIN_COMPACTION: usize = 16_384;

const GONE: u32 = u32::MAX;

impl Checker<'_> {
    /// Forgets what the horizon allows, when the tx table has grown enough (see the module).
    #[inline]
    pub(crate) fn maybe_forget(&mut self) {
        let Some(k) = self.opts.limits.tx_horizon_heights else { return };
        let l = &self.ledger;
        if l.info.len() < l.compact_at.max(MIN_COMPACTION) {
            return;
        }
        let Some(cut) = l.last_height.and_then(|h| h.checked_sub(k)) else { return };
        self.forget_below(cut);
    }

    /// Forgets the txs settled cleanly and first decided below `cut`.
    pub(crate) fn forget_below(&mut self, cut: u64) {
        let l = &self.ledger;
        let last = l.last_height.unwrap_or(0);
        let mut keep: Vec<bool> = l.info.iter().map(|i| !settled(i, cut, last)).collect();
        // Ids still named by open heights and by the lists judged at the end stay.
        for hs in self.heights.states_mut() {
            for b in &hs.blocks {
                for &t in b.txs.as_deref().unwrap_or(&[]) {
                    keep[t as usize] = true;
                }
            }
        }
        for u in l.phantom_unsubmitted.iter().chain(&l.validity_unsubmitted) {
            keep[u.tx as usize] = true;
        }
        let mut map = vec![GONE; keep.len()];
        let mut txs = Interner::default();
        let mut info = Vec::with_capacity(keep.iter().filter(|&&k| k).count());
        let old = std::mem::take(&mut self.ledger.info);
        for (t, i) in old.into_iter().enumerate() {
            if keep[t] {
                let name = self.ledger.txs.name(t as u32);
                map[t] = txs.intern(name, usize::MAX).expect("no limit");
                info.push(i);
            } else {
                self.ledger.forgotten += 1;
            }
        }
        let l = &mut self.ledger;
        l.txs = txs;
        l.info = info;
        l.compact_at = 2 * l.info.len();
        let floor = &mut l.nonce_floor;
        l.nonces.retain(|&(acct, nonce), t| match map[*t as usize] {
            GONE => {
                let f = floor.entry(acct).or_insert(nonce);
                *f = (*f).max(nonce);
                false
            }
            new => {
                *t = new;
                true
            }
        });
        l.nonces.shrink_to_fit();
        for u in l.phantom_unsubmitted.iter_mut().chain(l.validity_unsubmitted.iter_mut()) {
            u.tx = map[u.tx as usize];
        }
        for hs in self.heights.states_mut() {
            for b in &mut hs.blocks {
                for t in b.txs.as_deref_mut().unwrap_or(&mut []) {
                    *t = map[*t as usize];
                }
            }
        }
        self.txs_raw_valid = false;
    }
}

/// Whether a tx's verdicts are certain and clean, and it was first decided below `cut`.
fn settled(i: &TxInfo, cut: u64, last: u64) -> bool {
    i.submitted.is_some()
        && i.resolved
        && i.rejected.is_none()
        && i.details.is_none()
        && i.occurrences == 1
        && i.committed.is_some_and(|c| c.1.is_some_and(|h| h > 0 && h <= last))
        && i.first_at.is_some_and(|(h, _)| h < cut)
}
