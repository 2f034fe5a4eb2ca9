//! Privileged actions: who may do what, and what it does.
//!
//! Roles: the **seed authority** ([`super::dir::SEED_AUTHORITY`]) licenses and dismisses
//! institutions and admits or delists products; a **licensed institution** issues and revokes
//! claims; the asset's **issuer agent** (its policy's issuer) freezes, unfreezes, pauses,
//! unpauses, forces transfers, recovers keys, mints, burns and attests reserves. Anyone else →
//! `UNAUTHORIZED`, checked before anything else about the action.

use super::moves::Moves;
use super::rules::holding_limits;
use super::state::StateAccess;
use super::tx::{AccountIdx, AdminOp, AssetIdx, Leg, NO_ASSET};
use touchstone_core::Reason;

/// Whether `by` may do `action` now, and the balance movements it makes.
pub fn check<S: StateAccess>(s: &S, by: AccountIdx, action: &AdminOp) -> Result<Moves, Reason> {
    let dir = s.dir();
    let c = s.controls();
    let authority = || {
        if dir.authority == Some(by) {
            Ok(())
        } else {
            Err(Reason::Unauthorized)
        }
    };
    let issuer = |asset: AssetIdx| match dir.policy(asset) {
        Some(p) if p.issuer == by => Ok(p),
        _ => Err(Reason::Unauthorized),
    };
    let mut m = Moves::default();
    match *action {
        AdminOp::Appoint(_) | AdminOp::Dismiss(_) => authority()?,
        AdminOp::Admit(k) | AdminOp::Delist(k) => {
            authority()?;
            if k == NO_ASSET {
                return Err(Reason::Malformed);
            }
        }
        AdminOp::IssueClaim { .. } | AdminOp::RevokeClaim { .. } => {
            if !c.licensed.contains(&by) {
                return Err(Reason::Unauthorized);
            }
        }
        AdminOp::Freeze { asset, amount, .. } => {
            issuer(asset)?;
            if amount == Some(0) {
                return Err(Reason::Malformed);
            }
        }
        AdminOp::Unfreeze { asset, .. }
        | AdminOp::Pause(asset)
        | AdminOp::Unpause(asset)
        | AdminOp::Attest { asset, .. } => {
            issuer(asset)?;
        }
        AdminOp::Forced(Leg { from, to, asset, amount }) => {
            // A court-ordered move: freezes do not stop it, the receiver must still qualify.
            issuer(asset)?;
            if amount == 0 || from == to {
                return Err(Reason::Malformed);
            }
            if !c.verified(dir, to, asset) {
                return Err(Reason::InvalidReceiver);
            }
            if s.balance(from, asset) < amount {
                return Err(Reason::InsufficientBalance);
            }
            holding_limits(s, &m, to, asset, amount, Some(from))?;
            m.transfer(s, from, to, asset, amount);
        }
        AdminOp::Recover { lost, replacement, asset, amount } => {
            // The whole holding, stated exactly, moves to a qualified replacement key.
            issuer(asset)?;
            let whole = s.balance(lost, asset);
            if lost == replacement || amount != whole {
                return Err(Reason::Malformed);
            }
            if !c.verified(dir, replacement, asset) {
                return Err(Reason::InvalidReceiver);
            }
            m.transfer(s, lost, replacement, asset, whole);
        }
        AdminOp::Mint { to, asset, amount } => {
            let p = issuer(asset)?;
            if amount == 0 {
                return Err(Reason::Malformed);
            }
            if !c.verified(dir, to, asset) {
                return Err(Reason::InvalidReceiver);
            }
            let supply = s.supply(asset);
            if p.reserve_backed && supply.saturating_add(amount) > c.asset(asset).reserve {
                return Err(Reason::ReserveExceeded);
            }
            if supply.checked_add(amount).is_none() {
                return Err(Reason::LimitExceeded);
            }
            holding_limits(s, &m, to, asset, amount, None)?;
            m.credit(s, to, asset, amount);
            m.change_supply(s, asset, amount, true);
        }
        AdminOp::Burn { from, asset, amount } => {
            issuer(asset)?;
            if amount == 0 {
                return Err(Reason::Malformed);
            }
            if s.balance(from, asset) < amount {
                return Err(Reason::InsufficientBalance);
            }
            m.debit(s, from, asset, amount);
            m.change_supply(s, asset, amount, false);
        }
    }
    Ok(m)
}

/// The effects of a checked action beyond balances (which [`check`]'s moves carry).
pub fn apply<S: StateAccess>(s: &mut S, by: AccountIdx, action: &AdminOp) {
    match *action {
        AdminOp::Forced(_) | AdminOp::Mint { .. } | AdminOp::Burn { .. } => {}
        AdminOp::Appoint(i) => {
            s.controls_mut().licensed.insert(i);
        }
        AdminOp::Dismiss(i) => {
            s.controls_mut().licensed.remove(&i);
        }
        AdminOp::IssueClaim { investor, claim } => {
            s.controls_mut().claims.entry((investor, claim)).or_default().insert(by);
        }
        AdminOp::RevokeClaim { investor, claim } => {
            let c = s.controls_mut();
            if let Some(set) = c.claims.get_mut(&(investor, claim)) {
                set.remove(&by);
                if set.is_empty() {
                    c.claims.remove(&(investor, claim));
                }
            }
        }
        AdminOp::Freeze { account, asset, amount: None } => {
            s.controls_mut().frozen.insert((account, asset));
        }
        AdminOp::Freeze { account, asset, amount: Some(a) } => {
            *s.controls_mut().held.entry((account, asset)).or_default() += a;
        }
        AdminOp::Unfreeze { account, asset } => {
            let c = s.controls_mut();
            c.frozen.remove(&(account, asset));
            c.held.remove(&(account, asset));
        }
        AdminOp::Pause(k) => s.controls_mut().asset_mut(k).paused = true,
        AdminOp::Unpause(k) => s.controls_mut().asset_mut(k).paused = false,
        AdminOp::Admit(k) => s.controls_mut().asset_mut(k).admitted = true,
        AdminOp::Delist(k) => s.controls_mut().asset_mut(k).admitted = false,
        AdminOp::Attest { asset, amount } => s.controls_mut().asset_mut(asset).reserve = amount,
        AdminOp::Recover { lost, replacement, asset, .. } => {
            s.controls_mut().move_freezes(lost, replacement, asset)
        }
    }
}
