//! Pending transactions: in arrival order, indexed by sender and by expiry.

use crate::block::Tx;
use std::collections::{BTreeMap, BTreeSet};

#[derive(Debug, Default)]
pub struct Mempool {
    /// id → (arrival sequence, transaction)
    by_id: BTreeMap<u64, (u64, Tx)>,
    /// arrival sequence → id
    arrival: BTreeMap<u64, u64>,
    /// sender → ids (transactions whose nonce that sender's later transactions may use up)
    by_sender: BTreeMap<String, BTreeSet<u64>>,
    /// (expires, id)
    by_expiry: BTreeSet<(u64, u64)>,
    next_seq: u64,
}

fn sender(tx: &Tx) -> Option<&str> {
    tx.nonce.and(tx.op.from())
}

impl Mempool {
    pub fn len(&self) -> usize {
        self.by_id.len()
    }

    pub fn is_empty(&self) -> bool {
        self.by_id.is_empty()
    }

    pub fn contains(&self, id: u64) -> bool {
        self.by_id.contains_key(&id)
    }

    /// Adds `tx`; `false` if its id is already pending.
    pub fn insert(&mut self, tx: Tx) -> bool {
        if self.by_id.contains_key(&tx.id) {
            return false;
        }
        let seq = self.next_seq;
        self.next_seq += 1;
        self.arrival.insert(seq, tx.id);
        if let Some(s) = sender(&tx) {
            self.by_sender.entry(s.to_string()).or_default().insert(tx.id);
        }
        self.by_expiry.insert((tx.expires, tx.id));
        self.by_id.insert(tx.id, (seq, tx));
        true
    }

    pub fn remove(&mut self, id: u64) -> Option<Tx> {
        let (seq, tx) = self.by_id.remove(&id)?;
        self.arrival.remove(&seq);
        if let Some(s) = sender(&tx) {
            if let Some(set) = self.by_sender.get_mut(s) {
                set.remove(&id);
                if set.is_empty() {
                    self.by_sender.remove(s);
                }
            }
        }
        self.by_expiry.remove(&(tx.expires, id));
        Some(tx)
    }

    /// Pending transactions of `sender` (with a nonce).
    pub fn of_sender(&self, sender: &str) -> Vec<&Tx> {
        self.by_sender
            .get(sender)
            .map(|ids| ids.iter().filter_map(|id| self.by_id.get(id).map(|(_, t)| t)).collect())
            .unwrap_or_default()
    }

    /// Removes and returns every transaction that can no longer be included at `height`
    /// (`expires < height`).
    pub fn take_expired(&mut self, height: u64) -> Vec<Tx> {
        let ids: Vec<u64> = self.by_expiry.range(..(height, 0)).map(|&(_, id)| id).collect();
        ids.into_iter().filter_map(|id| self.remove(id)).collect()
    }

    /// Up to `limit` of the oldest transactions, in arrival order except that each sender's
    /// transactions are in nonce order (they keep the positions the sender's transactions hold).
    pub fn candidates(&self, limit: usize) -> Vec<Tx> {
        let mut out: Vec<Tx> = self
            .arrival
            .values()
            .take(limit)
            .filter_map(|id| self.by_id.get(id).map(|(_, t)| t.clone()))
            .collect();
        let mut slots: BTreeMap<String, Vec<usize>> = BTreeMap::new();
        for (i, t) in out.iter().enumerate() {
            if let Some(s) = sender(t) {
                slots.entry(s.to_string()).or_default().push(i);
            }
        }
        for positions in slots.values().filter(|p| p.len() > 1) {
            let mut txs: Vec<Tx> = positions.iter().map(|&i| out[i].clone()).collect();
            txs.sort_by_key(|t| (t.nonce, t.id));
            for (&i, t) in positions.iter().zip(txs) {
                out[i] = t;
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use touchstone_core::Operation;

    fn tx(id: u64, from: &str, nonce: u64, expires: u64) -> Tx {
        Tx {
            id,
            op: Operation::Transfer {
                from: from.into(),
                to: "z".into(),
                asset: "USD".into(),
                amount: 1,
            },
            nonce: Some(nonce),
            expires,
        }
    }

    #[test]
    fn candidates_keep_arrival_order_across_senders_and_nonce_order_within_one() {
        let mut m = Mempool::default();
        for t in [tx(1, "b", 2, 9), tx(2, "a", 0, 9), tx(3, "b", 1, 9), tx(4, "c", 5, 9)] {
            assert!(m.insert(t));
        }
        assert!(!m.insert(tx(2, "a", 0, 9)));
        let ids: Vec<u64> = m.candidates(10).iter().map(|t| t.id).collect();
        assert_eq!(ids, vec![3, 2, 1, 4]);
        assert_eq!(m.candidates(2).len(), 2);
    }

    #[test]
    fn expired_transactions_are_taken_out_and_indices_stay_consistent() {
        let mut m = Mempool::default();
        m.insert(tx(1, "a", 0, 5));
        m.insert(tx(2, "a", 1, 8));
        let gone: Vec<u64> = m.take_expired(6).iter().map(|t| t.id).collect();
        assert_eq!(gone, vec![1]);
        assert_eq!(m.of_sender("a").len(), 1);
        assert!(m.remove(2).is_some());
        assert!(m.is_empty());
        assert!(m.of_sender("a").is_empty());
    }
}
