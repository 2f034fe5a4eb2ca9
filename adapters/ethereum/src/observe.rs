//! Transactions in flight on the primary node (`n0`), and the blocks that settle them.
//!
//! Every transaction the node accepted stays tracked until a block includes it: nothing is
//! dropped on a timeout (the engine declares it `unknown`, and a later commit is still reported
//! and recorded as late), nor on a node restart (the raw bytes are kept and sent again).
//!
//! Inclusion is read from the block's transaction list. A transaction's *status and fee* are
//! settled either at once from the block (a plain transfer whose gas limit is its intrinsic
//! 21,000 gas, see the crate docs) or by its receipt, fetched apart; a transaction included at
//! height `h` is reported when it is settled and the head reaches `h + confirmations`, at the
//! time that was observed. A receipt that does not come within `receipt_timeout` is reported
//! as an `unknown` status (and a later receipt still as a late commit).

use std::collections::{BTreeMap, BTreeSet, HashMap};
use touchstone_core::time::Nanos;
use touchstone_core::TxId;

/// A transaction sent (or maybe sent) to the node.
#[derive(Debug, Clone)]
pub struct InFlight {
    pub id: TxId,
    /// Harness account index of the sender.
    pub from: usize,
    pub nonce: u64,
    /// The transaction hash, and its signed bytes as `0x` hex (to send again).
    pub hash: [u8; 32],
    pub hex: std::sync::Arc<str>,
    /// Height of the block that included it.
    pub included: Option<u64>,
    /// When its inclusion was read.
    pub included_at: Nanos,
    /// Status and fee known (from the block or the receipt).
    pub settled: bool,
    /// Fee paid (gas used × effective gas price).
    pub fee: u128,
    /// The receipt said the execution failed (value not moved, fee paid, nonce used).
    pub reverted: bool,
    /// Its outcome was reported already (it was committed, then a restart lost its block).
    pub reported: bool,
    /// Its receipt did not come in time and `unknown` was reported (a later receipt is still
    /// reported, as a late outcome).
    pub status_timed_out: bool,
}

/// What a receipt says.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ReceiptFacts {
    pub height: u64,
    pub success: bool,
    pub gas_used: u128,
    pub effective_gas_price: u128,
}

/// A transaction whose outcome is due.
#[derive(Debug, Clone)]
pub enum Due {
    /// Included, settled, confirmed.
    Done(InFlight),
    /// Included and confirmed, but its receipt did not come in time.
    StatusTimedOut(TxId),
}

/// The in-flight set, indexed by id and by hash, and the included-but-unreported queue.
#[derive(Debug, Default)]
pub struct Tracker {
    pub pending: BTreeMap<TxId, InFlight>,
    by_hash: HashMap<[u8; 32], TxId>,
    /// Included, waiting for confirmations or for their status: height → ids.
    awaiting: BTreeMap<u64, Vec<TxId>>,
    /// Reported committed, kept for a while in case a restart rolls the chain back.
    pub recent: BTreeMap<u64, Vec<InFlight>>,
}

/// How many heights of committed transactions are kept for a rollback.
const KEEP_RECENT: u64 = 256;

impl Tracker {
    pub fn insert(&mut self, f: InFlight) {
        self.by_hash.insert(f.hash, f.id);
        self.pending.insert(f.id, f);
    }

    /// Forgets a transaction registered before it was sent, which the node then refused.
    pub fn remove(&mut self, id: TxId) -> Option<InFlight> {
        let f = self.pending.remove(&id)?;
        self.by_hash.remove(&f.hash);
        if let Some(ids) = f.included.and_then(|h| self.awaiting.get_mut(&h)) {
            ids.retain(|&i| i != id);
        }
        Some(f)
    }

    /// Tracked transactions (sent or maybe sent, outcome not reported yet).
    pub fn tracked(&self) -> usize {
        self.pending.len()
    }

    /// Block `height` includes the transaction with `hash`, read at `at`. `derived` is its fee
    /// when the block alone settles it; `None` leaves it to its receipt. Returns the id and
    /// sender if it is a tracked transaction included for the first time.
    pub fn on_included(
        &mut self,
        height: u64,
        hash: &[u8; 32],
        at: Nanos,
        derived: Option<u128>,
    ) -> Option<(TxId, usize)> {
        let id = *self.by_hash.get(hash)?;
        let f = self.pending.get_mut(&id)?;
        if f.included.is_some() {
            return None;
        }
        f.included = Some(height);
        f.included_at = at;
        if let Some(fee) = derived {
            f.fee = fee;
            f.settled = true;
        }
        self.awaiting.entry(height).or_default().push(id);
        Some((id, f.from))
    }

    /// Applies the receipt of `id` (fetched because the block could not settle it). Returns the
    /// sender and fee when it settled the transaction.
    pub fn on_receipt(&mut self, id: TxId, r: &ReceiptFacts) -> Option<(usize, u128)> {
        let f = self.pending.get_mut(&id)?;
        if f.settled || f.included != Some(r.height) {
            return None; // settled already, or read from a block a restart replaced
        }
        f.fee = r.gas_used.saturating_mul(r.effective_gas_price);
        f.reverted = !r.success;
        f.settled = true;
        Some((f.from, f.fee))
    }

    /// Removes and returns what is due once the head is at `head`: settled transactions
    /// `confirmations` deep, and (once) those whose receipt is older than `receipt_timeout` at
    /// `now` (they stay tracked until their receipt comes).
    pub fn due(&mut self, head: u64, confirmations: u64, now: Nanos, timeout: Nanos) -> Vec<Due> {
        let mut out = Vec::new();
        let deep: Vec<u64> = self
            .awaiting
            .range(..=head.saturating_sub(confirmations))
            .map(|(&h, _)| h)
            .filter(|&h| h.saturating_add(confirmations) <= head)
            .collect();
        for h in deep {
            let ids = self.awaiting.remove(&h).unwrap_or_default();
            let mut keep = Vec::new();
            for id in ids {
                let Some(f) = self.pending.get_mut(&id) else { continue };
                if f.settled {
                    let f = self.pending.remove(&id).expect("present");
                    self.by_hash.remove(&f.hash);
                    self.recent.entry(h).or_default().push(f.clone());
                    out.push(Due::Done(f));
                } else {
                    if !f.status_timed_out && now.saturating_sub(f.included_at) > timeout {
                        f.status_timed_out = true;
                        out.push(Due::StatusTimedOut(id));
                    }
                    keep.push(id);
                }
            }
            if !keep.is_empty() {
                self.awaiting.insert(h, keep);
            }
        }
        while self.recent.len() as u64 > KEEP_RECENT {
            self.recent.pop_first();
        }
        out
    }

    /// The chain came back shorter or different (a restart lost the blocks after `head`):
    /// inclusions above it are undone, and transactions already reported committed there are
    /// tracked again (marked `reported`, so they are not reported twice). Returns the fees to
    /// give back to their senders (charged again when re-included) and how many reported
    /// commits were lost.
    pub fn roll_back_to(&mut self, head: u64) -> (Vec<(usize, u128)>, u64) {
        let mut refunds = Vec::new();
        for (_, ids) in self.awaiting.split_off(&(head + 1)) {
            for id in ids {
                if let Some(f) = self.pending.get_mut(&id) {
                    if f.settled {
                        refunds.push((f.from, f.fee));
                    }
                    f.fee = 0;
                    f.included = None;
                    f.settled = false;
                    f.reverted = false;
                }
            }
        }
        let mut lost = 0;
        for mut f in self.recent.split_off(&(head + 1)).into_values().flatten() {
            refunds.push((f.from, std::mem::take(&mut f.fee)));
            f.included = None;
            f.settled = false;
            f.reverted = false;
            f.reported = true;
            lost += 1;
            self.insert(f);
        }
        (refunds, lost)
    }

    /// After a restart to `head`: the tracked transactions no block at or below `head` is known
    /// to hold (not included, included above it, or reported committed above it), as
    /// `(id, sender, nonce, hash)`.
    pub fn not_held_at(&self, head: u64) -> Vec<(TxId, usize, u64, [u8; 32])> {
        let pending = self.pending.values().filter(|f| f.included.is_none_or(|h| h > head));
        let reported = self.recent.range(head + 1..).flat_map(|(_, fs)| fs);
        pending.chain(reported).map(|f| (f.id, f.from, f.nonce, f.hash)).collect()
    }

    /// The restarted chain's state applied the transactions `ids`, though none of its blocks
    /// holds them: anvil's periodic state dump can write the accounts as of a block that its
    /// block list does not have yet, so the chain reloaded at `head` already holds that block's
    /// effects (nonces used, value moved, fees paid) but will never include its transactions.
    /// Each is counted as included at `head`, the first block whose state holds it, with what
    /// was read before the restart: a reported commit stays reported, with its fee (kept there
    /// for a deeper rollback); an unreported one keeps its status and fee, or takes `derived`
    /// (the fee when no block is needed to fix it), or else waits for a receipt that cannot come
    /// (`unknown` after the receipt timeout, counted from `at` if it was never read in a
    /// block). Returns the fees to charge their senders (those settled here).
    pub fn applied_without_block(
        &mut self,
        ids: &BTreeSet<TxId>,
        head: u64,
        at: Nanos,
        derived: Option<u128>,
    ) -> Vec<(usize, u128)> {
        for (h, fs) in self.recent.split_off(&(head + 1)) {
            let (held, lost): (Vec<InFlight>, Vec<InFlight>) =
                fs.into_iter().partition(|f| ids.contains(&f.id));
            for mut f in held {
                f.included = Some(head);
                self.recent.entry(head).or_default().push(f);
            }
            if !lost.is_empty() {
                self.recent.insert(h, lost);
            }
        }
        let mut charges = Vec::new();
        for id in ids {
            let Some(f) = self.pending.get_mut(id) else { continue };
            match f.included {
                Some(h) if h <= head => continue, // a block of the restarted chain holds it
                Some(h) => {
                    if let Some(v) = self.awaiting.get_mut(&h) {
                        v.retain(|i| i != id);
                        if v.is_empty() {
                            self.awaiting.remove(&h);
                        }
                    }
                }
                None => f.included_at = at,
            }
            f.included = Some(head);
            if let (false, Some(fee)) = (f.settled, derived) {
                f.fee = fee;
                f.settled = true;
                charges.push((f.from, fee));
            }
            self.awaiting.entry(head).or_default().push(*id);
        }
        charges
    }

    /// Transactions not yet in a block, in sender-nonce order (for sending again).
    pub fn unincluded(&self) -> Vec<&InFlight> {
        let mut v: Vec<&InFlight> =
            self.pending.values().filter(|f| f.included.is_none()).collect();
        v.sort_by_key(|f| (f.from, f.nonce));
        v
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hash(id: u64) -> [u8; 32] {
        let mut hash = [0u8; 32];
        hash[..8].copy_from_slice(&id.to_be_bytes());
        hash
    }

    fn flight(id: u64, from: usize, nonce: u64) -> InFlight {
        InFlight {
            id: TxId(id),
            from,
            nonce,
            hash: hash(id),
            hex: "0x01".into(),
            included: None,
            included_at: 0,
            settled: false,
            fee: 0,
            reverted: false,
            reported: false,
            status_timed_out: false,
        }
    }

    fn receipt(height: u64, success: bool) -> ReceiptFacts {
        ReceiptFacts { height, success, gas_used: 21_000, effective_gas_price: 2 }
    }

    fn done_ids(d: &[Due]) -> Vec<u64> {
        d.iter()
            .filter_map(|d| match d {
                Due::Done(f) => Some(f.id.0),
                Due::StatusTimedOut(_) => None,
            })
            .collect()
    }

    #[test]
    fn inclusion_settled_by_the_block_is_reported_after_the_confirmation_depth() {
        let mut t = Tracker::default();
        t.insert(flight(1, 0, 0));
        t.insert(flight(2, 1, 0));
        assert_eq!(t.on_included(10, &hash(1), 5, Some(42_000)), Some((TxId(1), 0)));
        assert_eq!(t.on_included(10, &hash(1), 5, Some(42_000)), None, "a block counts once");
        assert_eq!(t.on_included(11, &hash(9), 5, Some(1)), None, "not ours");
        assert!(t.due(11, 2, 6, 1_000).is_empty());
        let done = t.due(12, 2, 6, 1_000);
        assert_eq!(done_ids(&done), vec![1]);
        let Due::Done(f) = &done[0] else { panic!() };
        assert_eq!((f.included, f.fee), (Some(10), 42_000));
        assert_eq!(t.pending.len(), 1);
        assert_eq!(t.unincluded().len(), 1, "tx 2 waits");
        t.on_included(13, &hash(2), 7, Some(1));
        assert!(t.unincluded().is_empty());
    }

    #[test]
    fn an_included_transaction_waits_for_its_receipt_and_a_late_receipt_is_a_status_timeout() {
        let mut t = Tracker::default();
        t.insert(flight(1, 0, 0));
        t.insert(flight(2, 3, 0));
        t.on_included(5, &hash(1), 100, None);
        t.on_included(5, &hash(2), 100, None);
        assert!(t.due(5, 0, 150, 1_000).is_empty(), "included, status not known yet");
        assert_eq!(t.on_receipt(TxId(1), &receipt(5, true)), Some((0, 42_000)));
        assert_eq!(t.on_receipt(TxId(1), &receipt(5, true)), None, "settled once");
        assert_eq!(t.on_receipt(TxId(2), &receipt(6, true)), None, "from another block");
        assert_eq!(done_ids(&t.due(5, 0, 200, 1_000)), vec![1]);
        let late = t.due(5, 0, 2_000, 1_000);
        assert!(matches!(late[..], [Due::StatusTimedOut(TxId(2))]), "{late:?}");
        assert!(t.due(5, 0, 3_000, 1_000).is_empty(), "timed out once");
        t.on_receipt(TxId(2), &receipt(5, false));
        let d = t.due(5, 0, 3_000, 1_000);
        let [Due::Done(f)] = &d[..] else { panic!("{d:?}") };
        assert!(f.reverted && f.status_timed_out, "a reverted status, after the timeout");
    }

    #[test]
    fn a_refused_transaction_is_forgotten() {
        let mut t = Tracker::default();
        t.insert(flight(1, 0, 0));
        t.insert(flight(2, 0, 1));
        assert_eq!(t.remove(TxId(1)).map(|f| f.nonce), Some(0));
        assert!(t.remove(TxId(1)).is_none());
        assert_eq!(t.tracked(), 1);
        assert_eq!(t.on_included(3, &hash(1), 0, Some(1)), None, "its hash is no longer ours");
        t.remove(TxId(2));
        assert!(t.unincluded().is_empty());
    }

    #[test]
    fn a_rollback_undoes_inclusions_and_returns_lost_commits() {
        let mut t = Tracker::default();
        for i in 0..3 {
            t.insert(flight(i, i as usize, 0));
        }
        t.on_included(5, &hash(0), 0, Some(42_000));
        t.on_included(7, &hash(1), 0, Some(42_000));
        assert_eq!(t.due(7, 1, 0, 1).len(), 1, "height 5 confirmed, 7 waits");
        t.on_included(6, &hash(2), 0, Some(42_000));
        let (refunds, lost) = t.roll_back_to(5);
        assert_eq!(refunds, vec![(2, 42_000), (1, 42_000)]);
        assert_eq!(lost, 0);
        assert_eq!(t.unincluded().len(), 2);
        let (refunds, lost) = t.roll_back_to(4);
        assert_eq!((refunds.len(), lost), (1, 1), "the committed tx at height 5 was lost");
        let again: Vec<_> = t.unincluded().iter().map(|f| (f.id.0, f.reported)).collect();
        assert_eq!(again, vec![(0, true), (1, false), (2, false)]);
    }

    #[test]
    fn what_a_restarted_state_applied_without_its_block_is_kept_not_lost() {
        // Reported at 5 (tx 0), included and settled at 6 (tx 1), included at 6 with its
        // receipt awaited (tx 2), sent and never read in a block (tx 3), still in the pool (tx
        // 4); the node comes back at height 4 with the accounts of height 6.
        let mut t = Tracker::default();
        for i in 0..5 {
            t.insert(flight(i, i as usize, 0));
        }
        t.on_included(5, &hash(0), 0, Some(42_000));
        assert_eq!(done_ids(&t.due(5, 0, 0, 1_000)), vec![0]);
        t.on_included(6, &hash(1), 0, Some(42_000));
        t.on_included(6, &hash(2), 0, None);
        let mut at_risk: Vec<u64> = t.not_held_at(4).iter().map(|c| c.0 .0).collect();
        at_risk.sort();
        assert_eq!(at_risk, vec![0, 1, 2, 3, 4], "nothing is held at or below 4");
        assert!(t.not_held_at(5).iter().all(|c| c.0 != TxId(0)), "tx 0 is held at 5");
        // The node's state used the nonces of txs 0-3 (no receipt anywhere): not tx 4's.
        let ids: BTreeSet<TxId> = (0..4).map(TxId).collect();
        let charges = t.applied_without_block(&ids, 4, 77, Some(21_000));
        assert_eq!(charges, vec![(2, 21_000), (3, 21_000)], "fees not known before: charged");
        let (refunds, lost) = t.roll_back_to(4);
        assert!(refunds.is_empty() && lost == 0, "none is lost: {refunds:?}, {lost}");
        let again: Vec<u64> = t.unincluded().iter().map(|f| f.id.0).collect();
        assert_eq!(again, vec![4], "only tx 4 is sent again");
        assert_eq!(t.recent[&4][0].id, TxId(0), "a reported commit stays reported, at 4");
        assert_eq!(t.recent[&4][0].fee, 42_000);
        let mut done = done_ids(&t.due(4, 0, 100, 1_000));
        done.sort();
        assert_eq!(done, vec![1, 2, 3], "the others are reported at the restarted head");
        assert_eq!(t.tracked(), 1, "only tx 4 is still tracked");
    }

    #[test]
    fn a_restarted_state_without_a_fixed_fee_leaves_the_status_unknown() {
        let mut t = Tracker::default();
        t.insert(flight(1, 0, 0));
        let ids: BTreeSet<TxId> = [TxId(1)].into();
        assert!(t.applied_without_block(&ids, 3, 500, None).is_empty());
        assert!(t.unincluded().is_empty(), "not sent again: its nonce is used");
        assert!(t.due(3, 0, 1_000, 1_000).is_empty(), "within the receipt timeout");
        let late = t.due(3, 0, 1_501, 1_000);
        assert!(matches!(late[..], [Due::StatusTimedOut(TxId(1))]), "{late:?}");
    }
}
