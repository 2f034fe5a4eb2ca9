//! The reference model's bridge rules (see the module docs of `refmodel` for their order).

use super::LedgerModel;
use crate::ledger::{
    is_hash, preimage_matches, proof_valid, BridgeGenesis, Certified, Operation, Proof, ESCROW,
};
use crate::reason::Reason;
use std::collections::BTreeMap;

/// A hashlock this chain holds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HashLock {
    pub sender: String,
    pub beneficiary: String,
    pub asset: String,
    pub amount: u128,
    pub hash: String,
    pub expires_height: u64,
    /// Claimed or refunded.
    pub settled: bool,
}

/// Bridge state: the peers (fixed at genesis), the transfer ids started here (lock, burn,
/// hashlock) and settled here (mint, release), and the hashlocks.
#[derive(Debug, Clone, Default)]
pub(super) struct BridgeState {
    genesis: BridgeGenesis,
    sent: std::collections::BTreeSet<String>,
    settled: std::collections::BTreeSet<String>,
    locks: BTreeMap<String, HashLock>,
}

impl LedgerModel {
    /// Genesis: this chain runs a bridge (its escrow account exists; proofs from `bridge`'s
    /// peers are accepted).
    pub fn set_bridge(&mut self, bridge: BridgeGenesis) {
        self.bridge = Some(BridgeState { genesis: bridge, ..Default::default() });
    }

    /// The chain's height at which the next operations apply (hashlock expiries are heights).
    pub fn set_height(&mut self, height: u64) {
        self.height = height;
    }

    /// The hashlock `xfer`, if this chain holds one (what a claim or refund must name).
    pub fn hashlock(&self, xfer: &str) -> Option<&HashLock> {
        self.bridge.as_ref()?.locks.get(xfer)
    }

    /// The hashlocks this chain holds, by transfer id, claimed and refunded ones included.
    pub fn hashlocks(&self) -> impl Iterator<Item = (&str, &HashLock)> {
        self.bridge.iter().flat_map(|b| b.locks.iter().map(|(x, l)| (x.as_str(), l)))
    }

    /// Whether `account` is the escrow of a declared bridge (it signs nothing itself).
    pub(super) fn is_escrow(&self, account: &str) -> bool {
        self.bridge.is_some() && account == ESCROW
    }

    /// The shape of a bridge operation (`MALFORMED`): a bridge declared, a known asset, a
    /// positive amount, a transfer id, the escrow exactly where the operation puts it, named
    /// parties, a hex hash or preimage.
    pub(super) fn bridge_shape(&self, op: &Operation) -> Result<(), Reason> {
        let bad = Err(Reason::Malformed);
        if self.bridge.is_none() {
            return bad;
        }
        let (Some(asset), Some(amount)) = (op.asset(), op.amount()) else { return bad };
        let named = |a: &str| !a.is_empty() && a != ESCROW;
        let ok = match op {
            Operation::Lock { from, to, peer_chain, beneficiary, .. } => {
                named(from) && to == ESCROW && !peer_chain.is_empty() && !beneficiary.is_empty()
            }
            Operation::Burn { from, peer_chain, beneficiary, .. } => {
                named(from) && !peer_chain.is_empty() && !beneficiary.is_empty()
            }
            Operation::Mint { to, .. } => named(to),
            Operation::Release { from, to, .. } | Operation::Refund { from, to, .. } => {
                from == ESCROW && named(to)
            }
            Operation::Hashlock { from, to, hash, beneficiary, .. } => {
                named(from) && to == ESCROW && is_hash(hash) && !beneficiary.is_empty()
            }
            Operation::Claim { from, to, preimage, .. } => {
                from == ESCROW && named(to) && hex::decode(preimage).is_ok()
            }
            _ => false,
        };
        if !ok || bridge_xfer(op).is_empty() || amount == 0 || !self.assets.contains_key(asset) {
            return bad;
        }
        Ok(())
    }

    /// The rules of a well-formed bridge operation whose nonce was checked.
    pub(super) fn check_bridge(&self, op: &Operation) -> Result<(), Reason> {
        let b = self.bridge.as_ref().expect("shape checked");
        let none = BTreeMap::new();
        match op {
            Operation::Lock { from, asset, amount, xfer, .. } => {
                self.fresh_sent(b, xfer)?;
                self.sender_rules(from, asset, *amount)
            }
            Operation::Hashlock { from, asset, amount, xfer, expires_height, .. } => {
                self.fresh_sent(b, xfer)?;
                if self.height > *expires_height {
                    return Err(Reason::LockExpired);
                }
                self.sender_rules(from, asset, *amount)
            }
            Operation::Burn { from, asset, amount, xfer, .. } => {
                self.fresh_sent(b, xfer)?;
                let a = &self.assets[asset];
                if a.paused {
                    return Err(Reason::Paused);
                }
                if self.frozen.contains(&(from.clone(), asset.clone())) {
                    return Err(Reason::FrozenSender);
                }
                if self.free_balance(from, asset, &none) < *amount {
                    return Err(Reason::InsufficientBalance);
                }
                Ok(())
            }
            Operation::Mint { to, asset, amount, xfer, peer_chain, proof } => {
                self.proven(b, proof, Certified::Lock, xfer, peer_chain, asset, *amount, to)?;
                self.receiver_rules(to, asset)?;
                if self.assets[asset].supply.checked_add(*amount).is_none() {
                    return Err(Reason::LimitExceeded);
                }
                self.receiver_limits(to, asset, *amount, None, &none)
            }
            Operation::Release { to, asset, amount, xfer, peer_chain, proof, .. } => {
                self.proven(b, proof, Certified::Burn, xfer, peer_chain, asset, *amount, to)?;
                self.payout(to, asset, *amount)
            }
            Operation::Claim { to, asset, amount, xfer, preimage, .. } => {
                let l = self.open_lock(b, xfer, asset, *amount, to, false)?;
                if self.height > l.expires_height {
                    return Err(Reason::LockExpired);
                }
                if !preimage_matches(preimage, &l.hash) {
                    return Err(Reason::BadPreimage);
                }
                self.payout(to, asset, *amount)
            }
            Operation::Refund { to, asset, amount, xfer, .. } => {
                let l = self.open_lock(b, xfer, asset, *amount, to, true)?;
                if self.height <= l.expires_height {
                    return Err(Reason::LockNotExpired);
                }
                self.payout(to, asset, *amount)
            }
            _ => unreachable!("not a bridge operation"),
        }
    }

    fn fresh_sent(&self, b: &BridgeState, xfer: &str) -> Result<(), Reason> {
        if b.sent.contains(xfer) {
            return Err(Reason::ReplayedXfer);
        }
        Ok(())
    }

    /// `BAD_PROOF`, then `REPLAYED_XFER` for a second mint or release of `xfer`.
    #[allow(clippy::too_many_arguments)]
    fn proven(
        &self,
        b: &BridgeState,
        proof: &Proof,
        of: Certified,
        xfer: &str,
        peer_chain: &str,
        asset: &str,
        amount: u128,
        to: &str,
    ) -> Result<(), Reason> {
        if !proof_valid(&b.genesis, proof, of, xfer, peer_chain, asset, amount, to) {
            return Err(Reason::BadProof);
        }
        if b.settled.contains(xfer) {
            return Err(Reason::ReplayedXfer);
        }
        Ok(())
    }

    /// The hashlock `xfer`, open, paying `amount` of `asset` to `to` (its beneficiary for a
    /// claim, its sender for a refund).
    fn open_lock<'b>(
        &self,
        b: &'b BridgeState,
        xfer: &str,
        asset: &str,
        amount: u128,
        to: &str,
        refund: bool,
    ) -> Result<&'b HashLock, Reason> {
        let l = b.locks.get(xfer).ok_or(Reason::UnknownXfer)?;
        let payee = if refund { &l.sender } else { &l.beneficiary };
        if l.asset != asset || l.amount != amount || payee != to {
            return Err(Reason::Malformed);
        }
        if l.settled {
            return Err(Reason::ReplayedXfer);
        }
        Ok(l)
    }

    /// What a lock's sender must pass (a transfer's sender-side rules; the escrow receives).
    fn sender_rules(&self, from: &str, asset: &str, amount: u128) -> Result<(), Reason> {
        let a = &self.assets[asset];
        if a.paused {
            return Err(Reason::Paused);
        }
        let policy = a.policy.as_ref();
        if policy.is_some_and(|p| p.listed_product) && !a.admitted {
            return Err(Reason::ProductNotAdmitted);
        }
        if self.frozen.contains(&(from.to_string(), asset.to_string())) {
            return Err(Reason::FrozenSender);
        }
        if !self.verified(from, asset) {
            return Err(Reason::InvalidSender);
        }
        if policy.and_then(|p| p.max_per_transfer).is_some_and(|cap| amount > cap) {
            return Err(Reason::LimitExceeded);
        }
        if self.free_balance(from, asset, &BTreeMap::new()) < amount {
            return Err(Reason::InsufficientBalance);
        }
        Ok(())
    }

    /// The receiver of bridged funds: the asset not paused, the receiver not frozen and allowed
    /// to hold it.
    fn receiver_rules(&self, to: &str, asset: &str) -> Result<(), Reason> {
        if self.assets[asset].paused {
            return Err(Reason::Paused);
        }
        if self.frozen.contains(&(to.to_string(), asset.to_string())) {
            return Err(Reason::FrozenReceiver);
        }
        if !self.verified(to, asset) {
            return Err(Reason::InvalidReceiver);
        }
        Ok(())
    }

    /// A payment out of the escrow (release, claim, refund): the receiver's rules, the escrow's
    /// balance (its freezes do not stop the bridge), the receiver's holding limits.
    fn payout(&self, to: &str, asset: &str, amount: u128) -> Result<(), Reason> {
        self.receiver_rules(to, asset)?;
        if self.balance(ESCROW, asset) < amount {
            return Err(Reason::InsufficientBalance);
        }
        self.receiver_limits(to, asset, amount, Some((ESCROW, amount)), &BTreeMap::new())
    }

    /// Applies a checked bridge operation.
    pub(super) fn execute_bridge(&mut self, op: &Operation) {
        match op {
            Operation::Lock { from, to, asset, amount, xfer, .. } => {
                self.bridge_mut().sent.insert(xfer.clone());
                self.debit(from, asset, *amount);
                self.credit(to, asset, *amount);
            }
            Operation::Hashlock {
                from,
                to,
                asset,
                amount,
                xfer,
                hash,
                expires_height,
                beneficiary,
                ..
            } => {
                let lock = HashLock {
                    sender: from.clone(),
                    beneficiary: beneficiary.clone(),
                    asset: asset.clone(),
                    amount: *amount,
                    hash: hash.clone(),
                    expires_height: *expires_height,
                    settled: false,
                };
                let b = self.bridge_mut();
                b.sent.insert(xfer.clone());
                b.locks.insert(xfer.clone(), lock);
                self.debit(from, asset, *amount);
                self.credit(to, asset, *amount);
            }
            Operation::Burn { from, asset, amount, xfer, .. } => {
                self.bridge_mut().sent.insert(xfer.clone());
                self.debit(from, asset, *amount);
                self.assets.get_mut(asset).expect("validated").supply -= amount;
            }
            Operation::Mint { to, asset, amount, xfer, .. } => {
                self.bridge_mut().settled.insert(xfer.clone());
                self.credit(to, asset, *amount);
                self.assets.get_mut(asset).expect("validated").supply += amount;
            }
            Operation::Release { from, to, asset, amount, xfer, .. } => {
                self.bridge_mut().settled.insert(xfer.clone());
                self.debit(from, asset, *amount);
                self.credit(to, asset, *amount);
            }
            Operation::Claim { from, to, asset, amount, xfer, .. }
            | Operation::Refund { from, to, asset, amount, xfer, .. } => {
                self.bridge_mut().locks.get_mut(xfer).expect("validated").settled = true;
                self.debit(from, asset, *amount);
                self.credit(to, asset, *amount);
            }
            _ => unreachable!("not a bridge operation"),
        }
    }

    fn bridge_mut(&mut self) -> &mut BridgeState {
        self.bridge.as_mut().expect("validated")
    }
}

/// The transfer id of a bridge operation.
fn bridge_xfer(op: &Operation) -> &str {
    op.bridge().map_or("", |f| f.xfer)
}
