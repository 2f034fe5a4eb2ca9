//! Balance movements planned against the running state: a batch's legs each see what the legs
//! before them left (balances and holder counts), and nothing is written until every leg passed.

use super::state::StateAccess;
use super::tx::{AccountIdx, AssetIdx};

/// Balances, holder counts and supplies as changed by the movements planned so far, on top of a
/// state that is not touched until [`Moves::write`].
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Moves {
    balances: Vec<(AccountIdx, AssetIdx, u128)>,
    holders: Vec<(AssetIdx, u64)>,
    supply: Vec<(AssetIdx, u128)>,
}

impl Moves {
    /// `acct`'s balance of `asset` after the planned movements.
    #[inline]
    pub fn balance(&self, s: &impl StateAccess, acct: AccountIdx, asset: AssetIdx) -> u128 {
        self.balances
            .iter()
            .find(|e| e.0 == acct && e.1 == asset)
            .map_or_else(|| s.balance(acct, asset), |e| e.2)
    }

    /// Holders of `asset` after the planned movements.
    pub fn holders(&self, s: &impl StateAccess, asset: AssetIdx) -> u64 {
        self.holders.iter().find(|e| e.0 == asset).map_or_else(|| s.holders(asset), |e| e.1)
    }

    pub fn supply(&self, s: &impl StateAccess, asset: AssetIdx) -> u128 {
        self.supply.iter().find(|e| e.0 == asset).map_or_else(|| s.supply(asset), |e| e.1)
    }

    fn set_balance(&mut self, acct: AccountIdx, asset: AssetIdx, v: u128) {
        match self.balances.iter_mut().find(|e| e.0 == acct && e.1 == asset) {
            Some(e) => e.2 = v,
            None => self.balances.push((acct, asset, v)),
        }
    }

    fn set_holders(&mut self, asset: AssetIdx, v: u64) {
        match self.holders.iter_mut().find(|e| e.0 == asset) {
            Some(e) => e.1 = v,
            None => self.holders.push((asset, v)),
        }
    }

    /// Adds `amount` to `acct` (a new holder when it held nothing).
    pub fn credit(
        &mut self,
        s: &impl StateAccess,
        acct: AccountIdx,
        asset: AssetIdx,
        amount: u128,
    ) {
        if amount == 0 {
            return;
        }
        let b = self.balance(s, acct, asset);
        if b == 0 {
            let h = self.holders(s, asset);
            self.set_holders(asset, h + 1);
        }
        self.set_balance(acct, asset, b + amount);
    }

    /// Takes `amount` from `acct` (no longer a holder when that was everything). The caller has
    /// checked the balance.
    pub fn debit(&mut self, s: &impl StateAccess, acct: AccountIdx, asset: AssetIdx, amount: u128) {
        if amount == 0 {
            return;
        }
        let b = self.balance(s, acct, asset);
        debug_assert!(b >= amount, "debit checked by the rules");
        if b == amount {
            let h = self.holders(s, asset);
            self.set_holders(asset, h - 1);
        }
        self.set_balance(acct, asset, b - amount);
    }

    pub fn transfer(
        &mut self,
        s: &impl StateAccess,
        from: AccountIdx,
        to: AccountIdx,
        asset: AssetIdx,
        amount: u128,
    ) {
        self.debit(s, from, asset, amount);
        self.credit(s, to, asset, amount);
    }

    /// Changes the supply of `asset` by `+amount` (`mint`) or `-amount`.
    pub fn change_supply(
        &mut self,
        s: &impl StateAccess,
        asset: AssetIdx,
        amount: u128,
        mint: bool,
    ) {
        let v = self.supply(s, asset);
        let v = if mint { v + amount } else { v - amount };
        match self.supply.iter_mut().find(|e| e.0 == asset) {
            Some(e) => e.1 = v,
            None => self.supply.push((asset, v)),
        }
    }

    /// Writes the planned movements into `s`.
    pub fn write(self, s: &mut impl StateAccess) {
        for (a, k, v) in self.balances {
            s.set_balance(a, k, v);
        }
        for (k, v) in self.holders {
            s.set_holders(k, v);
        }
        for (k, v) in self.supply {
            s.set_supply(k, v);
        }
    }
}
