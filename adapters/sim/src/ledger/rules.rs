//! The validity rules of the ledger, in one place.
//!
//! [`check`] answers whether a transaction may be applied at `height` on a state; [`execute`]
//! checks and applies it atomically. Extending the ledger (identity, freezes, pauses, forced
//! transfers, batches) means a new [`Op`] arm here and in [`Op::decode`].

use super::state::StateAccess;
use super::tx::{Op, TxData};
use touchstone_core::{Reason, TxId};

/// Whether `tx` may be applied at `height` on `s`, and if not, why.
pub fn check<S: StateAccess>(s: &S, id: TxId, tx: &TxData, height: u64) -> Result<(), Reason> {
    if s.applied(id) {
        return Err(Reason::DuplicateTx);
    }
    if let (Some(from), Some(n)) = (tx.op.sender(), tx.nonce) {
        if n != s.nonce(from) {
            return Err(Reason::BadNonce);
        }
    }
    match tx.op {
        Op::Transfer { from, asset, amount, .. } | Op::Redeem { from, asset, amount } => {
            if s.balance(from, asset) < amount {
                return Err(Reason::InsufficientBalance);
            }
        }
        Op::Issue { asset, amount, .. } => {
            if s.supply(asset).checked_add(amount).is_none() {
                return Err(Reason::LimitExceeded);
            }
        }
        Op::Invalid => return Err(Reason::Malformed),
    }
    if height > tx.expires {
        return Err(Reason::Timeout);
    }
    Ok(())
}

/// Checks and applies `tx` at `height`; on error the state is unchanged.
pub fn execute<S: StateAccess>(
    s: &mut S,
    id: TxId,
    tx: &TxData,
    height: u64,
) -> Result<(), Reason> {
    check(s, id, tx, height)?;
    if let (Some(from), Some(_)) = (tx.op.sender(), tx.nonce) {
        let n = s.nonce(from);
        s.set_nonce(from, n + 1);
    }
    match tx.op {
        Op::Transfer { from, to, asset, amount } => {
            let b = s.balance(from, asset);
            s.set_balance(from, asset, b - amount);
            let b = s.balance(to, asset);
            s.set_balance(to, asset, b + amount);
        }
        Op::Issue { to, asset, amount } => {
            let b = s.balance(to, asset);
            s.set_balance(to, asset, b + amount);
            let sup = s.supply(asset);
            s.set_supply(asset, sup + amount);
        }
        Op::Redeem { from, asset, amount } => {
            let b = s.balance(from, asset);
            s.set_balance(from, asset, b - amount);
            let sup = s.supply(asset);
            s.set_supply(asset, sup - amount);
        }
        Op::Invalid => unreachable!("check rejects it"),
    }
    s.mark_applied(id);
    Ok(())
}

/// Whether a failure can never turn into success later on this chain (the transaction can be
/// dropped from a mempool): a replay, a used nonce, or expiry.
pub fn is_permanent(s: &impl StateAccess, tx: &TxData, r: Reason) -> bool {
    match r {
        Reason::DuplicateTx | Reason::Timeout | Reason::Malformed => true,
        Reason::BadNonce => {
            matches!((tx.op.sender(), tx.nonce), (Some(f), Some(n)) if n < s.nonce(f))
        }
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ledger::state::{Directory, LedgerState, Overlay};
    use std::sync::Arc;

    fn ledger() -> LedgerState {
        let dir = Directory::new(&["a0".into(), "a1".into()], &["USD".into()]);
        LedgerState::genesis(Arc::new(dir), &[(0, 0, 100), (1, 0, 100)])
    }

    fn transfer(amount: u128, nonce: u64) -> TxData {
        TxData {
            op: Op::Transfer { from: 0, to: 1, asset: 0, amount },
            nonce: Some(nonce),
            expires: 10,
            entry: 0,
        }
    }

    #[test]
    fn transfer_moves_balance_and_consumes_nonce() {
        let mut l = ledger();
        execute(&mut l, TxId(1), &transfer(30, 0), 1).unwrap();
        assert_eq!((l.balance(0, 0), l.balance(1, 0), l.nonce(0)), (70, 130, 1));
        assert_eq!(execute(&mut l, TxId(1), &transfer(30, 1), 1), Err(Reason::DuplicateTx));
        assert_eq!(execute(&mut l, TxId(2), &transfer(30, 0), 1), Err(Reason::BadNonce));
        assert_eq!(
            execute(&mut l, TxId(3), &transfer(300, 1), 1),
            Err(Reason::InsufficientBalance)
        );
        assert_eq!(execute(&mut l, TxId(4), &transfer(1, 1), 11), Err(Reason::Timeout));
        assert_eq!(l.supply(0), 200);
    }

    #[test]
    fn issue_and_redeem_change_supply() {
        let mut l = ledger();
        let issue = TxData {
            op: Op::Issue { to: 1, asset: 0, amount: 50 },
            nonce: None,
            expires: 10,
            entry: 0,
        };
        let redeem = TxData {
            op: Op::Redeem { from: 1, asset: 0, amount: 20 },
            nonce: Some(0),
            expires: 10,
            entry: 0,
        };
        execute(&mut l, TxId(1), &issue, 1).unwrap();
        execute(&mut l, TxId(2), &redeem, 1).unwrap();
        assert_eq!((l.supply(0), l.balance(1, 0)), (230, 130));
    }

    #[test]
    fn overlay_leaves_the_base_alone() {
        let l = ledger();
        let mut o = Overlay::new(&l);
        execute(&mut o, TxId(1), &transfer(100, 0), 1).unwrap();
        assert_eq!(execute(&mut o, TxId(2), &transfer(1, 1), 1), Err(Reason::InsufficientBalance));
        assert_eq!(l.balance(0, 0), 100);
        assert!(o.applied(TxId(1)) && !l.applied(TxId(1)));
    }
}
