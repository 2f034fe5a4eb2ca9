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
//! doubled since the last time (and holds at least [`MIN_COMPACTION`] txs) and at least a
//! quarter of it can go, so its cost is amortised over the txs read and the table stays within
//! about twice what is in flight.
//!
//! The horizon bounds the other record that grows with the trace too: the fingerprint of each
//! judged height's block, kept to compare late decisions with, is kept for the last
//! [`PRUNED_KEPT`] heights; a decision arriving later than that is counted as late, not
//! compared.

use crate::checker::Checker;
use crate::ledger::TxInfo;

/// No compaction below this many txs held.
const MIN_COMPACTION: usize = 16_384;

const GONE: u32 = u32::MAX;

/// With a horizon, judged heights whose block is remembered for late decisions (a fingerprint
/// each): the newest this many.
pub(crate) const PRUNED_KEPT: usize = 1 << 16;

impl Checker<'_> {
    /// Forgets what the horizon allows, when the tx table has grown enough (see the module),
    /// and the judged blocks older than the last [`PRUNED_KEPT`] heights.
    #[inline]
    pub(crate) fn maybe_forget(&mut self) {
        let Some(k) = self.opts.limits.tx_horizon_heights else { return };
        let p = &mut self.pruned;
        if p.entries.len() >= 2 * PRUNED_KEPT {
            let cut = p.entries.len() - PRUNED_KEPT;
            p.entries.drain(..cut);
            p.base += cut as u64;
        }
        let l = &self.ledger;
        if l.info.len() < l.compact_at.max(MIN_COMPACTION) {
            return;
        }
        let Some(cut) = l.last_height.and_then(|h| h.checked_sub(k)) else { return };
        // A rebuild that would forget less than a quarter of the table (early in a trace,
        // while every tx held is still within the horizon or not yet judged) waits until the
        // table has doubled again: each one costs a pass over everything held.
        let last = l.last_height.unwrap_or(0);
        let forgettable = l.info.iter().filter(|i| settled(i, cut, last)).count();
        if forgettable * 4 < l.info.len() {
            self.ledger.compact_at = 2 * l.info.len();
            return;
        }
        self.forget_below(cut);
    }

    /// Forgets the txs settled cleanly and first decided below `cut`.
    ///
    /// The tables are compacted where they are, and the interner is rebuilt into the spare one
    /// kept from the last time: a compaction allocates nothing once the tables have reached
    /// their size, so the pages it writes are the ones already mapped.
    pub(crate) fn forget_below(&mut self, cut: u64) {
        let l = &mut self.ledger;
        let last = l.last_height.unwrap_or(0);
        // First the verdict per tx (`GONE`: forget), then the new index of each kept one.
        let mut map = std::mem::take(&mut l.renumber);
        map.clear();
        map.extend(l.info.iter().map(|i| if settled(i, cut, last) { GONE } else { 0 }));
        // Ids still named by open heights and by the lists judged at the end stay.
        for hs in self.heights.states_mut() {
            for b in &hs.blocks {
                for &t in b.txs.as_deref().unwrap_or(&[]) {
                    map[t as usize] = 0;
                }
            }
        }
        let l = &mut self.ledger;
        for u in l.phantom_unsubmitted.iter().chain(&l.validity_unsubmitted) {
            map[u.tx as usize] = 0;
        }
        let mut txs = std::mem::take(&mut l.spare_txs);
        txs.clear();
        txs.set_base(number_base(&map, &l.txs, &mut l.numbers));
        for (t, slot) in map.iter_mut().enumerate() {
            if *slot == GONE {
                l.forgotten += 1;
            } else {
                *slot = txs.intern_bytes(l.txs.bytes(t as u32), usize::MAX).expect("no limit");
            }
        }
        let mut t = 0;
        l.info.retain(|_| {
            t += 1;
            map[t - 1] != GONE
        });
        l.spare_txs = std::mem::replace(&mut l.txs, txs);
        l.compact_at = 2 * l.info.len();
        l.nonces.remap(&map, GONE);
        if !l.extras.is_empty() {
            // A tx whose details are held is never settled, so it is kept.
            let extras = std::mem::take(&mut l.extras);
            l.extras = extras.into_iter().map(|(t, d)| (map[t as usize], d)).collect();
        }
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
        self.ledger.renumber = map;
        self.txs_raw_valid = false;
    }
}

/// Where the rebuilt interner's numbered ids should start: at the tenth percentile of the
/// numbers of the txs kept. The oldest kept ones are often far below the others (genesis
/// records are never forgotten), and the direct vector must not span that gap, or every new
/// id, beyond its bound, would go by hash; the few below the base are rarely looked up again.
fn number_base(map: &[u32], txs: &crate::intern::Interner, nums: &mut Vec<usize>) -> Option<usize> {
    nums.clear();
    let kept = map.iter().enumerate().filter(|(_, &m)| m != GONE);
    nums.extend(kept.filter_map(|(t, _)| crate::intern::number(txs.bytes(t as u32))));
    if nums.is_empty() {
        return None;
    }
    let k = nums.len() / 10;
    Some(*nums.select_nth_unstable(k).1)
}

/// Whether a tx's verdicts are certain and clean, and it was first decided below `cut`.
fn settled(i: &TxInfo, cut: u64, last: u64) -> bool {
    i.submitted().is_some()
        && i.resolved
        && i.rejected.is_none()
        && !i.details.held()
        && i.occurrences == 1
        && i.committed().is_some_and(|c| c.1.is_some_and(|h| h > 0 && h <= last))
        && i.first_at().is_some_and(|(h, _)| h < cut)
}
