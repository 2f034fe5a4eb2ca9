//! Pending transactions by (sender, nonce), so that the moment a decided block uses up a
//! sender's nonce, every pending transaction of that sender at or below it — the loser of a
//! double spend, a replay with a new identity — is rejected (`BAD_NONCE`) at once instead of
//! waiting for its expiry.

use crate::ledger::fasthash::FastMap;
use crate::ledger::tx::AccountIdx;
use std::collections::BTreeSet;
use touchstone_core::TxId;

/// Pending nonced transactions per sender (looked up, never iterated across senders).
#[derive(Debug, Default)]
pub(crate) struct NonceWaiters {
    by_sender: FastMap<AccountIdx, BTreeSet<(u64, TxId)>>,
}

impl NonceWaiters {
    pub fn add(&mut self, sender: AccountIdx, nonce: u64, tx: TxId) {
        self.by_sender.entry(sender).or_default().insert((nonce, tx));
    }

    /// `sender`'s nonce `used` was applied: takes out every waiting transaction of it with a
    /// nonce at or below `used`, in (nonce, id) order.
    pub fn used_up(&mut self, sender: AccountIdx, used: u64) -> Vec<TxId> {
        let Some(set) = self.by_sender.get_mut(&sender) else { return Vec::new() };
        let rest = set.split_off(&(used.saturating_add(1), TxId(0)));
        let out = std::mem::replace(set, rest).into_iter().map(|(_, t)| t).collect();
        if set.is_empty() {
            self.by_sender.remove(&sender);
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn using_a_nonce_takes_out_every_waiter_at_or_below_it() {
        let mut w = NonceWaiters::default();
        w.add(1, 0, TxId(10));
        w.add(1, 0, TxId(11));
        w.add(1, 3, TxId(12));
        w.add(2, 0, TxId(13));
        assert_eq!(w.used_up(1, 0), vec![TxId(10), TxId(11)]);
        assert_eq!(w.used_up(1, 5), vec![TxId(12)]);
        assert_eq!(w.used_up(1, 9), vec![]);
        assert_eq!(w.used_up(2, 0), vec![TxId(13)]);
    }
}
