//! Transactions in flight and the blocks that settle them.
//!
//! Every transaction the node accepted stays tracked until a block includes it: nothing is
//! dropped on a timeout (the engine declares it `unknown`, and a later commit is still reported
//! and recorded as late), nor on a node restart (the raw bytes are kept and sent again).
//! A transaction included at height `h` is reported when the head reaches `h + confirmations`,
//! at the time that head was first observed.

use crate::keys::Address;
use crate::tx::SignedTx;
use serde::Deserialize;
use std::collections::{BTreeMap, HashMap};
use touchstone_core::TxId;

/// A transaction sent (or maybe sent) to the node.
#[derive(Debug, Clone)]
pub struct InFlight {
    pub id: TxId,
    /// Harness account index of the sender.
    pub from: usize,
    pub nonce: u64,
    pub tx: SignedTx,
    /// Height of the block that included it.
    pub included: Option<u64>,
    /// Fee paid (gas used × effective gas price), from the receipt.
    pub fee: u128,
    /// The receipt said the execution failed (value not moved, fee paid, nonce used).
    pub reverted: bool,
    /// Its outcome was reported already (it was committed, then a restart lost its block).
    pub reported: bool,
}

/// The fields of a receipt the adapter uses (everything else is skipped while parsing).
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Receipt {
    pub transaction_hash: String,
    #[serde(default)]
    pub status: Option<String>,
    pub gas_used: String,
    #[serde(default)]
    pub effective_gas_price: Option<String>,
    #[serde(default)]
    pub from: Option<String>,
}

/// What one receipt did to a tracked transaction.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Settled {
    pub from: usize,
    pub fee: u128,
}

/// The in-flight set, indexed by id and by hash, and the included-but-unconfirmed queue.
#[derive(Debug, Default)]
pub struct Tracker {
    pub pending: BTreeMap<TxId, InFlight>,
    by_hash: HashMap<[u8; 32], TxId>,
    /// Included, waiting for confirmations: height → ids.
    awaiting: BTreeMap<u64, Vec<TxId>>,
    /// Reported committed, kept for a while in case a restart rolls the chain back.
    pub recent: BTreeMap<u64, Vec<InFlight>>,
    /// Last block whose receipts were read.
    pub scanned: u64,
    /// Tracked transactions no block has included yet.
    unincluded: usize,
}

/// How many heights of committed transactions are kept for a rollback.
const KEEP_RECENT: u64 = 256;

impl Tracker {
    pub fn insert(&mut self, f: InFlight) {
        self.unincluded += f.included.is_none() as usize;
        self.by_hash.insert(f.tx.hash, f.id);
        self.pending.insert(f.id, f);
    }

    /// Forgets a transaction registered before it was sent, which the node then refused.
    pub fn remove(&mut self, id: TxId) -> Option<InFlight> {
        let f = self.pending.remove(&id)?;
        self.by_hash.remove(&f.tx.hash);
        match f.included {
            None => self.unincluded -= 1,
            Some(h) => {
                if let Some(ids) = self.awaiting.get_mut(&h) {
                    ids.retain(|&i| i != id);
                }
            }
        }
        Some(f)
    }

    /// Tracked transactions (sent or maybe sent, outcome not reported yet).
    pub fn tracked(&self) -> usize {
        self.pending.len()
    }

    /// Whether some tracked transaction still waits for a block (else receipts need not be read).
    pub fn waiting_for_blocks(&self) -> bool {
        self.unincluded > 0
    }

    /// Applies one receipt of block `height`; returns the sender and fee if it is ours.
    pub fn on_receipt(
        &mut self,
        height: u64,
        r: &Receipt,
        addresses: &[Address],
    ) -> Option<Settled> {
        let hash: [u8; 32] =
            hex::decode(r.transaction_hash.trim_start_matches("0x")).ok()?.try_into().ok()?;
        let id = *self.by_hash.get(&hash)?;
        let f = self.pending.get_mut(&id)?;
        if f.included.is_some() {
            return None;
        }
        if let Some(from) = r.from.as_deref().and_then(Address::parse) {
            if addresses.get(f.from) != Some(&from) {
                return None; // same hash, other sender: impossible unless the node lies
            }
        }
        let q = |s: &str| u128::from_str_radix(s.trim_start_matches("0x"), 16).ok();
        let gas = q(&r.gas_used).unwrap_or(0);
        let price = r.effective_gas_price.as_deref().and_then(q).unwrap_or(0);
        f.fee = gas.saturating_mul(price);
        f.reverted = r.status.as_deref() == Some("0x0");
        f.included = Some(height);
        self.unincluded -= 1;
        self.awaiting.entry(height).or_default().push(id);
        Some(Settled { from: f.from, fee: f.fee })
    }

    /// Removes and returns the transactions confirmed once the head is at `head`.
    pub fn confirmed(&mut self, head: u64, confirmations: u64) -> Vec<InFlight> {
        let mut out = Vec::new();
        while let Some((&h, _)) = self.awaiting.first_key_value() {
            if h.saturating_add(confirmations) > head {
                break;
            }
            let ids = self.awaiting.pop_first().map(|e| e.1).unwrap_or_default();
            for id in ids {
                if let Some(f) = self.pending.remove(&id) {
                    self.by_hash.remove(&f.tx.hash);
                    self.recent.entry(h).or_default().push(f.clone());
                    out.push(f);
                }
            }
        }
        while self.recent.len() as u64 > KEEP_RECENT {
            self.recent.pop_first();
        }
        out
    }

    /// The chain came back shorter (a restart lost the blocks after `head`): inclusions above it
    /// are undone, and transactions already reported committed there are tracked again (marked
    /// `reported`, so they are not reported twice). Returns the fees to give back to their
    /// senders (charged again when re-included) and how many reported commits were lost.
    pub fn roll_back_to(&mut self, head: u64) -> (Vec<(usize, u128)>, u64) {
        let mut refunds = Vec::new();
        for (_, ids) in self.awaiting.split_off(&(head + 1)) {
            for id in ids {
                if let Some(f) = self.pending.get_mut(&id) {
                    refunds.push((f.from, std::mem::take(&mut f.fee)));
                    f.included = None;
                    f.reverted = false;
                    self.unincluded += 1;
                }
            }
        }
        let mut lost = 0;
        for mut f in self.recent.split_off(&(head + 1)).into_values().flatten() {
            refunds.push((f.from, std::mem::take(&mut f.fee)));
            f.included = None;
            f.reverted = false;
            f.reported = true;
            lost += 1;
            self.insert(f);
        }
        self.scanned = self.scanned.min(head);
        (refunds, lost)
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

    fn flight(id: u64, from: usize, nonce: u64) -> InFlight {
        let mut hash = [0u8; 32];
        hash[..8].copy_from_slice(&id.to_be_bytes());
        InFlight {
            id: TxId(id),
            from,
            nonce,
            tx: SignedTx { raw: vec![1], hash },
            included: None,
            fee: 0,
            reverted: false,
            reported: false,
        }
    }

    fn receipt(id: u64, status: &str) -> Receipt {
        let mut hash = [0u8; 32];
        hash[..8].copy_from_slice(&id.to_be_bytes());
        Receipt {
            transaction_hash: format!("0x{}", hex::encode(hash)),
            status: Some(status.into()),
            gas_used: "0x5208".into(),
            effective_gas_price: Some("0x2".into()),
            from: None,
        }
    }

    #[test]
    fn inclusion_is_reported_after_the_confirmation_depth() {
        let mut t = Tracker::default();
        t.insert(flight(1, 0, 0));
        t.insert(flight(2, 1, 0));
        assert_eq!(
            t.on_receipt(10, &receipt(1, "0x1"), &[]),
            Some(Settled { from: 0, fee: 42_000 })
        );
        assert_eq!(t.on_receipt(10, &receipt(1, "0x1"), &[]), None, "a receipt counts once");
        assert_eq!(t.on_receipt(11, &receipt(9, "0x1"), &[]), None, "not ours");
        assert!(t.confirmed(11, 2).is_empty());
        let done = t.confirmed(12, 2);
        assert_eq!(done.len(), 1);
        assert_eq!(done[0].included, Some(10));
        assert_eq!(t.pending.len(), 1);
        assert!(t.waiting_for_blocks(), "tx 2 waits");
        t.on_receipt(13, &receipt(2, "0x1"), &[]);
        assert!(!t.waiting_for_blocks());
    }

    #[test]
    fn a_refused_transaction_is_forgotten() {
        let mut t = Tracker::default();
        t.insert(flight(1, 0, 0));
        t.insert(flight(2, 0, 1));
        assert_eq!(t.remove(TxId(1)).map(|f| f.nonce), Some(0));
        assert!(t.remove(TxId(1)).is_none());
        assert_eq!(t.tracked(), 1);
        assert_eq!(t.on_receipt(3, &receipt(1, "0x1"), &[]), None, "its hash is no longer ours");
        t.remove(TxId(2));
        assert!(!t.waiting_for_blocks());
    }

    #[test]
    fn reverted_receipts_are_marked() {
        let mut t = Tracker::default();
        t.insert(flight(1, 0, 0));
        t.on_receipt(5, &receipt(1, "0x0"), &[]);
        assert!(t.confirmed(5, 0)[0].reverted);
    }

    #[test]
    fn a_rollback_undoes_inclusions_and_returns_lost_commits() {
        let mut t = Tracker::default();
        for i in 0..3 {
            t.insert(flight(i, i as usize, 0));
        }
        t.on_receipt(5, &receipt(0, "0x1"), &[]);
        t.on_receipt(7, &receipt(1, "0x1"), &[]);
        t.scanned = 7;
        assert_eq!(t.confirmed(7, 1).len(), 1, "height 5 confirmed, 7 waits");
        t.on_receipt(6, &receipt(2, "0x1"), &[]);
        let (refunds, lost) = t.roll_back_to(5);
        assert_eq!(refunds, vec![(2, 42_000), (1, 42_000)]);
        assert_eq!(lost, 0);
        assert_eq!(t.scanned, 5);
        assert_eq!(t.unincluded().len(), 2);
        assert!(t.waiting_for_blocks());
        let (refunds, lost) = t.roll_back_to(4);
        assert_eq!((refunds.len(), lost), (1, 1), "the committed tx at height 5 was lost");
        let again: Vec<_> = t.unincluded().iter().map(|f| (f.id.0, f.reported)).collect();
        assert_eq!(again, vec![(0, true), (1, false), (2, false)]);
    }
}
