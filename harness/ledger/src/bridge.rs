//! The bridge's operations (trace format 1.2): their decoded form, their shapes, their rules
//! and their effects beyond balances.
//!
//! A ledger runs a bridge when its genesis declares one: the escrow account
//! ([`touchstone_core::ledger::ESCROW`], registered after every other account) exists and the
//! peer chains whose proofs it accepts are fixed ([`super::Directory::bridge`]). The escrow signs
//! nothing: a transfer, batch leg or redemption from it is `UNAUTHORIZED`; only the bridge's
//! rules move its funds.
//!
//! Rules, after the shape (`MALFORMED`, at decoding) and the sender's nonce (`lock`, `burn` and
//! `hashlock` are signed by their sender; `mint`, `release`, `claim` and `refund` are submitted
//! by whoever holds the proof or preimage and consume no nonce), the first that fails giving
//! the reason:
//! - **lock** `from → escrow`: `xfer` already started here (a lock, burn or hashlock) →
//!   `REPLAYED_XFER`; then a transfer's sender-side rules (paused, product not admitted, sender
//!   frozen or not verified, per-transfer cap, free balance), the escrow receiving without
//!   holding limits.
//! - **hashlock**: as a lock, with `height > expires_height` → `LOCK_EXPIRED` after the replay
//!   check. The lock records its sender, beneficiary, asset, amount, hash and expiry.
//! - **burn**: `REPLAYED_XFER` as a lock; paused → `PAUSED`; sender wholly frozen →
//!   `FROZEN_SENDER`; above the free balance → `INSUFFICIENT_BALANCE`. The supply decreases.
//! - **mint**: the proof is not a quorum certificate of the peer chain certifying a lock of
//!   exactly this `xfer`, asset, amount and beneficiary (= `to`) → `BAD_PROOF` (see
//!   [`touchstone_core::ledger::Proof`]); `xfer` already minted or released here →
//!   `REPLAYED_XFER`; paused → `PAUSED`; receiver frozen → `FROZEN_RECEIVER`; not verified →
//!   `INVALID_RECEIVER`; supply overflow or the receiver's holding limits → `LIMIT_EXCEEDED`.
//!   The supply increases.
//! - **release** `escrow → to`: as a mint with the proof of a burn; then the payout rules:
//!   paused, receiver frozen or not verified, the escrow's balance (`INSUFFICIENT_BALANCE`; its
//!   freezes do not stop the bridge), the receiver's holding limits.
//! - **claim** `escrow → beneficiary`: no hashlock `xfer` here → `UNKNOWN_XFER`; asset, amount or
//!   receiver not the lock's → `MALFORMED`; already claimed or refunded → `REPLAYED_XFER`;
//!   `height > expires_height` → `LOCK_EXPIRED`; the preimage's SHA-256 is not the hash →
//!   `BAD_PREIMAGE`; the payout rules.
//! - **refund** `escrow → sender`: as a claim (the receiver must be the lock's sender), with
//!   `height <= expires_height` → `LOCK_NOT_EXPIRED` instead of the expiry and preimage rules.
//!
//! The ledger knows the heights it decides, not the time: a hashlock expires at a height of its
//! chain. Locks, releases, hashlocks, claims and refunds move funds and conserve the supply;
//! mints add to it and burns remove from it.

use super::dir::Directory;
use super::moves::Moves;
use super::rules::holding_limits;
use super::state::StateAccess;
use super::tx::{AccountIdx, AssetIdx, Leg};
use std::sync::Arc;
use touchstone_core::ledger::{
    hash_of_preimage, is_hash, preimage_matches, proof_valid, Certified, Operation,
};
use touchstone_core::Reason;

/// A decoded bridge operation (its `Leg`s move to or from the escrow).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum BridgeOp {
    Lock {
        leg: Leg,
        xfer: Arc<str>,
    },
    Burn {
        from: AccountIdx,
        asset: AssetIdx,
        amount: u128,
        xfer: Arc<str>,
    },
    /// `proven`: whether the proof is valid (it depends on the operation and the genesis only).
    Mint {
        to: AccountIdx,
        asset: AssetIdx,
        amount: u128,
        xfer: Arc<str>,
        proven: bool,
    },
    Release {
        leg: Leg,
        xfer: Arc<str>,
        proven: bool,
    },
    Hashlock {
        leg: Leg,
        xfer: Arc<str>,
        lock: HashLock,
    },
    Claim {
        leg: Leg,
        xfer: Arc<str>,
        preimage: Arc<str>,
    },
    Refund {
        leg: Leg,
        xfer: Arc<str>,
    },
}

/// A hashlock the chain holds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HashLock {
    pub sender: AccountIdx,
    pub beneficiary: AccountIdx,
    pub asset: AssetIdx,
    pub amount: u128,
    /// Hex SHA-256, as the operation gave it.
    pub hash: Arc<str>,
    pub expires_height: u64,
    /// Claimed or refunded.
    pub settled: bool,
}

/// The bridge's state: transfer ids started here, settled here, and the hashlocks. Looked up,
/// never iterated.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct BridgeBook {
    pub started: super::fasthash::FastSet<Arc<str>>,
    pub settled: super::fasthash::FastSet<Arc<str>>,
    pub locks: super::fasthash::FastMap<Arc<str>, HashLock>,
}

impl BridgeOp {
    /// The account whose nonce it consumes: the sender of a lock, burn or hashlock.
    pub fn sender(&self) -> Option<AccountIdx> {
        match self {
            BridgeOp::Lock { leg, .. } | BridgeOp::Hashlock { leg, .. } => Some(leg.from),
            BridgeOp::Burn { from, .. } => Some(*from),
            _ => None,
        }
    }

    /// The accounts of `op` this ledger must know (the beneficiary of a lock or burn lives on
    /// the peer chain).
    pub fn accounts(op: &Operation) -> Vec<&str> {
        match op {
            Operation::Lock { from, to, .. } => vec![from, to],
            Operation::Burn { from, .. } => vec![from],
            Operation::Mint { to, .. } => vec![to],
            Operation::Hashlock { from, to, beneficiary, .. } => vec![from, to, beneficiary],
            Operation::Release { from, to, .. }
            | Operation::Claim { from, to, .. }
            | Operation::Refund { from, to, .. } => vec![from, to],
            _ => Vec::new(),
        }
    }

    /// Decodes a bridge operation; `MALFORMED` for a bad shape (see the module docs of
    /// `touchstone_core::refmodel`: the same list).
    pub fn decode(op: &Operation, dir: &Directory) -> Result<BridgeOp, Reason> {
        let bad = Reason::Malformed;
        let (Some(escrow), Some(bridge)) = (dir.escrow, dir.bridge.as_ref()) else {
            return Err(bad);
        };
        let acct = |name: &str| dir.account(name).ok_or(bad);
        // A named party that is not the escrow.
        let party =
            |name: &str| acct(name).and_then(|a| if a == escrow { Err(bad) } else { Ok(a) });
        let is_escrow = |name: &str| if acct(name)? == escrow { Ok(escrow) } else { Err(bad) };
        let (Some(a), Some(amount)) = (op.asset(), op.amount()) else { return Err(bad) };
        let asset = dir.asset(a).ok_or(bad)?;
        let xfer: Arc<str> = op.bridge().map_or("", |f| f.xfer).into();
        if amount == 0 || xfer.is_empty() {
            return Err(bad);
        }
        let leg = |from, to| Leg { from, to, asset, amount };
        let named = |s: &str| if s.is_empty() { Err(bad) } else { Ok(()) };
        Ok(match op {
            Operation::Lock { from, to, peer_chain, beneficiary, .. } => {
                named(peer_chain)?;
                named(beneficiary)?;
                BridgeOp::Lock { leg: leg(party(from)?, is_escrow(to)?), xfer }
            }
            Operation::Burn { from, peer_chain, beneficiary, .. } => {
                named(peer_chain)?;
                named(beneficiary)?;
                BridgeOp::Burn { from: party(from)?, asset, amount, xfer }
            }
            Operation::Mint { to, peer_chain, proof, .. } => {
                let proven =
                    proof_valid(bridge, proof, Certified::Lock, &xfer, peer_chain, a, amount, to);
                BridgeOp::Mint { to: party(to)?, asset, amount, xfer, proven }
            }
            Operation::Release { from, to, peer_chain, proof, .. } => {
                let proven =
                    proof_valid(bridge, proof, Certified::Burn, &xfer, peer_chain, a, amount, to);
                BridgeOp::Release { leg: leg(is_escrow(from)?, party(to)?), xfer, proven }
            }
            Operation::Hashlock { from, to, hash, expires_height, beneficiary, .. } => {
                if !is_hash(hash) {
                    return Err(bad);
                }
                let leg = leg(party(from)?, is_escrow(to)?);
                let lock = HashLock {
                    sender: leg.from,
                    beneficiary: acct(beneficiary)?,
                    asset,
                    amount,
                    hash: hash.as_str().into(),
                    expires_height: *expires_height,
                    settled: false,
                };
                BridgeOp::Hashlock { leg, xfer, lock }
            }
            Operation::Claim { from, to, preimage, .. } => {
                if hash_of_preimage(preimage).is_none() {
                    return Err(bad);
                }
                let leg = leg(is_escrow(from)?, party(to)?);
                BridgeOp::Claim { leg, xfer, preimage: preimage.as_str().into() }
            }
            Operation::Refund { from, to, .. } => {
                BridgeOp::Refund { leg: leg(is_escrow(from)?, party(to)?), xfer }
            }
            _ => return Err(bad),
        })
    }
}

/// Whether `op` may apply at `height` on `s`, and the balance movements it makes.
pub fn check<S: StateAccess>(s: &S, op: &BridgeOp, height: u64) -> Result<Moves, Reason> {
    let mut m = Moves::default();
    match op {
        BridgeOp::Lock { leg, xfer } => {
            fresh(s, xfer)?;
            sender_rules(s, leg)?;
            m.transfer(s, leg.from, leg.to, leg.asset, leg.amount);
        }
        BridgeOp::Hashlock { leg, xfer, lock } => {
            fresh(s, xfer)?;
            if height > lock.expires_height {
                return Err(Reason::LockExpired);
            }
            sender_rules(s, leg)?;
            m.transfer(s, leg.from, leg.to, leg.asset, leg.amount);
        }
        &BridgeOp::Burn { from, asset, amount, ref xfer } => {
            fresh(s, xfer)?;
            let c = s.controls();
            if c.asset(asset).paused {
                return Err(Reason::Paused);
            }
            if c.is_frozen(from, asset) {
                return Err(Reason::FrozenSender);
            }
            if free_balance(s, from, asset) < amount {
                return Err(Reason::InsufficientBalance);
            }
            m.debit(s, from, asset, amount);
            m.change_supply(s, asset, amount, false);
        }
        &BridgeOp::Mint { to, asset, amount, ref xfer, proven } => {
            proved(s, proven, xfer)?;
            receiver_rules(s, to, asset)?;
            if s.supply(asset).checked_add(amount).is_none() {
                return Err(Reason::LimitExceeded);
            }
            holding_limits(s, &m, to, asset, amount, None)?;
            m.credit(s, to, asset, amount);
            m.change_supply(s, asset, amount, true);
        }
        BridgeOp::Release { leg, xfer, proven } => {
            proved(s, *proven, xfer)?;
            m = payout(s, leg)?;
        }
        BridgeOp::Claim { leg, xfer, preimage } => {
            let lock = open_lock(s, xfer, leg, false)?;
            if height > lock.expires_height {
                return Err(Reason::LockExpired);
            }
            if !preimage_matches(preimage, &lock.hash) {
                return Err(Reason::BadPreimage);
            }
            m = payout(s, leg)?;
        }
        BridgeOp::Refund { leg, xfer } => {
            let lock = open_lock(s, xfer, leg, true)?;
            if height <= lock.expires_height {
                return Err(Reason::LockNotExpired);
            }
            m = payout(s, leg)?;
        }
    }
    Ok(m)
}

/// The effects of a checked operation beyond balances: the transfer id is used up, a hashlock
/// is recorded or settled.
pub fn apply<S: StateAccess>(s: &mut S, op: &BridgeOp) {
    match op {
        BridgeOp::Lock { xfer, .. } | BridgeOp::Burn { xfer, .. } => s.mark_started(xfer.clone()),
        BridgeOp::Hashlock { xfer, lock, .. } => {
            s.mark_started(xfer.clone());
            s.set_hashlock(xfer.clone(), lock.clone());
        }
        BridgeOp::Mint { xfer, .. } | BridgeOp::Release { xfer, .. } => {
            s.mark_settled(xfer.clone())
        }
        BridgeOp::Claim { xfer, .. } | BridgeOp::Refund { xfer, .. } => {
            if let Some(mut lock) = s.hashlock(xfer) {
                lock.settled = true;
                s.set_hashlock(xfer.clone(), lock);
            }
        }
    }
}

fn fresh<S: StateAccess>(s: &S, xfer: &str) -> Result<(), Reason> {
    if s.xfer_started(xfer) {
        return Err(Reason::ReplayedXfer);
    }
    Ok(())
}

fn proved<S: StateAccess>(s: &S, proven: bool, xfer: &str) -> Result<(), Reason> {
    if !proven {
        return Err(Reason::BadProof);
    }
    if s.xfer_settled(xfer) {
        return Err(Reason::ReplayedXfer);
    }
    Ok(())
}

/// The open hashlock `xfer`, paying `leg` (to its beneficiary, or its sender for a refund).
fn open_lock<S: StateAccess>(
    s: &S,
    xfer: &str,
    leg: &Leg,
    refund: bool,
) -> Result<HashLock, Reason> {
    let lock = s.hashlock(xfer).ok_or(Reason::UnknownXfer)?;
    let payee = if refund { lock.sender } else { lock.beneficiary };
    if lock.asset != leg.asset || lock.amount != leg.amount || payee != leg.to {
        return Err(Reason::Malformed);
    }
    if lock.settled {
        return Err(Reason::ReplayedXfer);
    }
    Ok(lock)
}

fn free_balance<S: StateAccess>(s: &S, acct: AccountIdx, asset: AssetIdx) -> u128 {
    s.balance(acct, asset).saturating_sub(s.controls().held(acct, asset))
}

/// A lock's sender: a transfer's sender-side rules (the escrow receives).
fn sender_rules<S: StateAccess>(s: &S, leg: &Leg) -> Result<(), Reason> {
    let &Leg { from, asset, amount, .. } = leg;
    let dir = s.dir();
    let c = s.controls();
    let policy = dir.policy(asset);
    let ac = c.asset(asset);
    if ac.paused {
        return Err(Reason::Paused);
    }
    if policy.is_some_and(|p| p.listed) && !ac.admitted {
        return Err(Reason::ProductNotAdmitted);
    }
    if c.is_frozen(from, asset) {
        return Err(Reason::FrozenSender);
    }
    if !c.verified(dir, from, asset) {
        return Err(Reason::InvalidSender);
    }
    if policy.and_then(|p| p.max_per_transfer).is_some_and(|cap| amount > cap) {
        return Err(Reason::LimitExceeded);
    }
    if free_balance(s, from, asset) < amount {
        return Err(Reason::InsufficientBalance);
    }
    Ok(())
}

/// The receiver of bridged funds: not paused, not frozen, allowed to hold the asset.
fn receiver_rules<S: StateAccess>(s: &S, to: AccountIdx, asset: AssetIdx) -> Result<(), Reason> {
    let c = s.controls();
    if c.asset(asset).paused {
        return Err(Reason::Paused);
    }
    if c.is_frozen(to, asset) {
        return Err(Reason::FrozenReceiver);
    }
    if !c.verified(s.dir(), to, asset) {
        return Err(Reason::InvalidReceiver);
    }
    Ok(())
}

/// A payment out of the escrow: the receiver's rules, the escrow's balance, the receiver's
/// holding limits.
fn payout<S: StateAccess>(s: &S, leg: &Leg) -> Result<Moves, Reason> {
    let &Leg { from, to, asset, amount } = leg;
    receiver_rules(s, to, asset)?;
    if s.balance(from, asset) < amount {
        return Err(Reason::InsufficientBalance);
    }
    let mut m = Moves::default();
    holding_limits(s, &m, to, asset, amount, Some(from))?;
    m.transfer(s, from, to, asset, amount);
    Ok(m)
}
