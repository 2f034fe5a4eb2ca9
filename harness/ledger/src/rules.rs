//! The validity rules of the ledger, in one place; privileged actions in [`super::admin`].
//!
//! [`check`] answers whether a transaction may be applied at `height` on a state (committed or
//! speculative); [`execute`] checks and applies it atomically. The first rule that fails gives
//! the reason (the order of the module docs of [`super`]).

use super::admin;
use super::bridge;
use super::moves::Moves;
use super::state::StateAccess;
use super::tx::{AccountIdx, AssetIdx, Leg, Op, TxData};
use touchstone_core::{Reason, TxId};

#[cfg(any(test, feature = "test-hooks"))]
thread_local! {
    /// Test builds only (this crate's, or with the `test-hooks` feature that the simulator's
    /// tests turn on), per thread: deliberately breaks one rule (partial freezes are ignored by
    /// the free-balance rule), to prove the conformance checks catch a wrong rule.
    pub static BREAK_PARTIAL_FREEZE: std::cell::Cell<bool> = const { std::cell::Cell::new(false) };
}

/// Whether `tx` may be applied at `height` on `s`, and if not, why.
pub fn check<S: StateAccess>(s: &S, id: TxId, tx: &TxData, height: u64) -> Result<(), Reason> {
    plan(s, id, tx, height).map(|_| ())
}

/// Checks and applies `tx` at `height`; on error the state is unchanged.
pub fn execute<S: StateAccess>(
    s: &mut S,
    id: TxId,
    tx: &TxData,
    height: u64,
) -> Result<(), Reason> {
    let moves = plan(s, id, tx, height)?;
    if let (Some(from), Some(n)) = (tx.op.sender(), tx.nonce) {
        s.set_nonce(from, n + 1);
    }
    moves.write(s);
    match &tx.op {
        Op::Admin { by, action } => admin::apply(s, *by, action),
        Op::Bridge(op) => bridge::apply(s, op),
        _ => {}
    }
    s.mark_applied(id);
    Ok(())
}

/// Whether a failure can never turn into success later on this chain (the transaction can be
/// dropped from a mempool): a replay, a used nonce, a spoilt transaction, or expiry; a proof
/// that does not prove (the peers are fixed at genesis), a wrong preimage, an expired hashlock.
pub fn is_permanent(r: Reason) -> bool {
    matches!(
        r,
        Reason::DuplicateTx
            | Reason::Timeout
            | Reason::Malformed
            | Reason::BadSignature
            | Reason::BadNonce
            | Reason::BadProof
            | Reason::BadPreimage
            | Reason::LockExpired
    )
}

/// The movements `tx` would make, or why it may not.
fn plan<S: StateAccess>(s: &S, id: TxId, tx: &TxData, height: u64) -> Result<Moves, Reason> {
    if s.applied(id) {
        return Err(Reason::DuplicateTx);
    }
    if matches!(tx.op, Op::Invalid) {
        return Err(Reason::Malformed);
    }
    // A nonce must exceed the sender's last applied one (gaps allowed).
    if let (Some(from), Some(n)) = (tx.op.sender(), tx.nonce) {
        if n < s.nonce(from) {
            return Err(Reason::BadNonce);
        }
    }
    let moves = match &tx.op {
        Op::Transfer(leg) => legs(s, std::slice::from_ref(leg))?,
        Op::Batch(l) => legs(s, l)?,
        Op::Issue { to, asset, amount } => {
            if s.dir().policy(*asset).is_some() {
                return Err(Reason::Unauthorized);
            }
            if s.supply(*asset).checked_add(*amount).is_none() {
                return Err(Reason::LimitExceeded);
            }
            let mut m = Moves::default();
            m.credit(s, *to, *asset, *amount);
            m.change_supply(s, *asset, *amount, true);
            m
        }
        Op::Redeem { from, asset, amount } => redeem(s, *from, *asset, *amount)?,
        Op::Admin { by, action } => admin::check(s, *by, action)?,
        Op::Bridge(op) => bridge::check(s, op, height)?,
        Op::Invalid => unreachable!("handled above"),
    };
    if height > tx.expires {
        return Err(Reason::Timeout);
    }
    Ok(moves)
}

/// Plain redemption by the holder: open assets and reserve-backed ones only (never by the
/// bridge's escrow, which signs nothing).
fn redeem<S: StateAccess>(
    s: &S,
    from: AccountIdx,
    asset: AssetIdx,
    amount: u128,
) -> Result<Moves, Reason> {
    if s.dir().is_escrow(from) || s.dir().policy(asset).is_some_and(|p| !p.reserve_backed) {
        return Err(Reason::Unauthorized);
    }
    let c = s.controls();
    if c.asset(asset).paused {
        return Err(Reason::Paused);
    }
    if c.is_frozen(from, asset) {
        return Err(Reason::FrozenSender);
    }
    let mut m = Moves::default();
    if free_balance(s, &m, from, asset) < amount {
        return Err(Reason::InsufficientBalance);
    }
    m.debit(s, from, asset, amount);
    m.change_supply(s, asset, amount, false);
    Ok(m)
}

/// A transfer's or batch's legs, in order, each against the state the previous ones left.
fn legs<S: StateAccess>(s: &S, legs: &[Leg]) -> Result<Moves, Reason> {
    let mut m = Moves::default();
    for leg in legs {
        transfer_rules(s, &m, leg)?;
        m.transfer(s, leg.from, leg.to, leg.asset, leg.amount);
    }
    Ok(m)
}

/// What the owner's signature may move: the balance less any partially frozen amount.
fn free_balance<S: StateAccess>(s: &S, m: &Moves, acct: AccountIdx, asset: AssetIdx) -> u128 {
    let held = s.controls().held(acct, asset);
    #[cfg(any(test, feature = "test-hooks"))]
    let held = if BREAK_PARTIAL_FREEZE.get() { 0 } else { held };
    m.balance(s, acct, asset).saturating_sub(held)
}

/// The rules of one transfer leg (`can_transfer`), on the running state `m` over `s`. The
/// bridge's escrow signs nothing: a leg from it is `UNAUTHORIZED`.
pub fn transfer_rules<S: StateAccess>(s: &S, m: &Moves, leg: &Leg) -> Result<(), Reason> {
    let &Leg { from, to, asset, amount } = leg;
    let dir = s.dir();
    if dir.is_escrow(from) {
        return Err(Reason::Unauthorized);
    }
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
    if c.is_frozen(to, asset) {
        return Err(Reason::FrozenReceiver);
    }
    if !c.verified(dir, from, asset) {
        return Err(Reason::InvalidSender);
    }
    if !c.verified(dir, to, asset) {
        return Err(Reason::InvalidReceiver);
    }
    if policy.and_then(|p| p.max_per_transfer).is_some_and(|cap| amount > cap) {
        return Err(Reason::LimitExceeded);
    }
    if free_balance(s, m, from, asset) < amount {
        return Err(Reason::InsufficientBalance);
    }
    holding_limits(s, m, to, asset, amount, Some(from))
}

/// The receiver's holding limits: the per-investor cap, and the maximum number of holders when
/// it would become a new one (`from` stops being one if it sends everything it holds).
pub fn holding_limits<S: StateAccess>(
    s: &S,
    m: &Moves,
    to: AccountIdx,
    asset: AssetIdx,
    amount: u128,
    from: Option<AccountIdx>,
) -> Result<(), Reason> {
    let Some(p) = s.dir().policy(asset) else { return Ok(()) };
    let held = m.balance(s, to, asset);
    if p.max_per_investor.is_some_and(|cap| held.saturating_add(amount) > cap) {
        return Err(Reason::LimitExceeded);
    }
    if let Some(max) = p.max_holders {
        if held == 0 && amount > 0 {
            let leaves = from.is_some_and(|f| m.balance(s, f, asset) == amount);
            if m.holders(s, asset) + 1 - u64::from(leaves) > max {
                return Err(Reason::LimitExceeded);
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod bridge_tests;
#[cfg(test)]
mod tests;
