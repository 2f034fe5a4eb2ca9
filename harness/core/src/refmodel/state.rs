//! The reference ledger's state and rules (see the module docs for the rule order).

use crate::ids::TxId;
use crate::ledger::{AdminAction, AssetPolicy, Claim, Leg, Operation};
use crate::reason::Reason;
use std::collections::{BTreeMap, BTreeSet};

mod bridge;

pub use bridge::HashLock;

/// The seed authority's account name.
pub const AUTHORITY: &str = "authority";

type Key = (String, String); // (account, asset)

/// A sequential model of the regulated ledger.
#[derive(Debug, Clone, Default)]
pub struct LedgerModel {
    assets: BTreeMap<String, AssetState>,
    balances: BTreeMap<Key, u128>,
    /// Partially frozen amounts.
    frozen_amount: BTreeMap<Key, u128>,
    /// Wholly frozen accounts (per asset).
    frozen: BTreeSet<Key>,
    institutions: BTreeSet<String>,
    /// investor → claim → institutions that issued it.
    claims: BTreeMap<String, BTreeMap<Claim, BTreeSet<String>>>,
    last_nonce: BTreeMap<String, u64>,
    seen: BTreeSet<TxId>,
    /// The bridge, when the chain runs one.
    bridge: Option<bridge::BridgeState>,
    /// The chain's height at which the next operations apply (see [`Self::set_height`]).
    height: u64,
}

#[derive(Debug, Clone, Default)]
struct AssetState {
    policy: Option<AssetPolicy>,
    supply: u128,
    holders: u64,
    paused: bool,
    admitted: bool,
    reserve: u128,
}

impl LedgerModel {
    pub fn new() -> Self {
        Self::default()
    }

    /// Declares an asset, with a policy or none (plain cash).
    pub fn add_asset(&mut self, id: &str, policy: Option<AssetPolicy>) {
        self.assets.insert(id.to_string(), AssetState { policy, ..Default::default() });
    }

    /// Genesis: licensed institutions and the claims they issued.
    pub fn load_identity(&mut self, institutions: &[String], claims: &[(String, String, Claim)]) {
        self.institutions.extend(institutions.iter().cloned());
        for (inst, investor, claim) in claims {
            self.claims
                .entry(investor.clone())
                .or_default()
                .entry(claim.clone())
                .or_default()
                .insert(inst.clone());
        }
    }

    /// Genesis: the attested reserve of an asset.
    pub fn set_reserve(&mut self, asset: &str, amount: u128) {
        self.assets.entry(asset.to_string()).or_default().reserve = amount;
    }

    /// Genesis: a product admitted to trading.
    pub fn admit(&mut self, asset: &str) {
        self.assets.entry(asset.to_string()).or_default().admitted = true;
    }

    /// Genesis: credits `amount` without any rule (the starting state).
    pub fn genesis(&mut self, account: &str, asset: &str, amount: u128) {
        if amount == 0 {
            return;
        }
        let a = self.assets.entry(asset.to_string()).or_default();
        a.supply += amount;
        let b = self.balances.entry((account.to_string(), asset.to_string())).or_default();
        if *b == 0 {
            a.holders += 1;
        }
        *b += amount;
    }

    pub fn balance(&self, account: &str, asset: &str) -> u128 {
        self.balances.get(&(account.to_string(), asset.to_string())).copied().unwrap_or(0)
    }

    pub fn supply(&self, asset: &str) -> u128 {
        self.assets.get(asset).map_or(0, |a| a.supply)
    }

    pub fn holders(&self, asset: &str) -> u64 {
        self.assets.get(asset).map_or(0, |a| a.holders)
    }

    /// Whether `investor` may hold `asset` (holds every required claim from a licensed institution).
    pub fn verified(&self, investor: &str, asset: &str) -> bool {
        let Some(policy) = self.assets.get(asset).and_then(|a| a.policy.as_ref()) else {
            return true;
        };
        policy.required_claims.iter().all(|c| {
            self.claims
                .get(investor)
                .and_then(|m| m.get(c))
                .is_some_and(|issuers| issuers.iter().any(|i| self.institutions.contains(i)))
        })
    }

    /// Predicts a transfer's outcome without changing anything (`can_transfer`).
    pub fn can_transfer(
        &self,
        from: &str,
        to: &str,
        asset: &str,
        amount: u128,
    ) -> Result<(), Reason> {
        self.check_leg(from, to, asset, amount, &BTreeMap::new())
    }

    /// What [`Self::apply`] would answer, without changing anything: the pre-check of a whole
    /// signed transaction (its id and nonce too, so a replay is `BAD_NONCE`).
    pub fn check(&self, tx: TxId, op: &Operation, nonce: Option<u64>) -> Result<(), Reason> {
        if self.seen.contains(&tx) {
            return Err(Reason::DuplicateTx);
        }
        self.validate(op, nonce, op.signer())
    }

    /// Applies `op` (signed with `nonce`, as `tx`) if every rule allows it; otherwise changes
    /// nothing and returns the reason.
    pub fn apply(&mut self, tx: TxId, op: &Operation, nonce: Option<u64>) -> Result<(), Reason> {
        self.check(tx, op, nonce)?;
        let signer = op.signer().map(str::to_string);
        self.seen.insert(tx);
        if let (Some(n), Some(s)) = (nonce, &signer) {
            self.last_nonce.insert(s.clone(), n);
        }
        self.execute(op);
        Ok(())
    }

    fn nonce_ok(&self, signer: Option<&str>, nonce: Option<u64>) -> bool {
        match (signer, nonce) {
            (Some(s), Some(n)) => self.last_nonce.get(s).is_none_or(|&last| n > last),
            _ => true,
        }
    }

    fn validate(
        &self,
        op: &Operation,
        nonce: Option<u64>,
        signer: Option<&str>,
    ) -> Result<(), Reason> {
        match op {
            Operation::Transfer { from, to, asset, amount } => {
                self.malformed(from, to, asset, *amount)?;
                if !self.nonce_ok(signer, nonce) {
                    return Err(Reason::BadNonce);
                }
                self.check_leg(from, to, asset, *amount, &BTreeMap::new())
            }
            Operation::Batch { legs } => {
                if legs.is_empty() {
                    return Err(Reason::Malformed);
                }
                for l in legs {
                    self.malformed(&l.from, &l.to, &l.asset, l.amount)?;
                }
                if !self.nonce_ok(signer, nonce) {
                    return Err(Reason::BadNonce);
                }
                // Legs apply in order against the state left by the previous ones.
                let mut delta: BTreeMap<Key, i128> = BTreeMap::new();
                for l in legs {
                    self.check_leg(&l.from, &l.to, &l.asset, l.amount, &delta)?;
                    *delta.entry((l.from.clone(), l.asset.clone())).or_default() -=
                        l.amount as i128;
                    *delta.entry((l.to.clone(), l.asset.clone())).or_default() += l.amount as i128;
                }
                Ok(())
            }
            Operation::Issue { to, asset, amount } => {
                let a = self.assets.get(asset).ok_or(Reason::Malformed)?;
                if *amount == 0 || to.is_empty() {
                    return Err(Reason::Malformed);
                }
                if a.policy.is_some() {
                    return Err(Reason::Unauthorized);
                }
                Ok(())
            }
            Operation::Redeem { from, asset, amount } => {
                let a = self.assets.get(asset).ok_or(Reason::Malformed)?;
                if *amount == 0 {
                    return Err(Reason::Malformed);
                }
                if !self.nonce_ok(signer, nonce) {
                    return Err(Reason::BadNonce);
                }
                if self.is_escrow(from) || a.policy.as_ref().is_some_and(|p| !p.reserve_backed) {
                    return Err(Reason::Unauthorized);
                }
                if a.paused {
                    return Err(Reason::Paused);
                }
                if self.frozen.contains(&(from.clone(), asset.clone())) {
                    return Err(Reason::FrozenSender);
                }
                if self.free_balance(from, asset, &BTreeMap::new()) < *amount {
                    return Err(Reason::InsufficientBalance);
                }
                Ok(())
            }
            Operation::Admin { by, action } => self.check_admin(by, action),
            Operation::Tampered { how, .. } => Err(match how {
                crate::ledger::Tamper::BadSignature => Reason::BadSignature,
                crate::ledger::Tamper::Malformed => Reason::Malformed,
            }),
            Operation::Lock { .. }
            | Operation::Mint { .. }
            | Operation::Burn { .. }
            | Operation::Release { .. }
            | Operation::Hashlock { .. }
            | Operation::Claim { .. }
            | Operation::Refund { .. } => {
                self.bridge_shape(op)?;
                if !self.nonce_ok(signer, nonce) {
                    return Err(Reason::BadNonce);
                }
                self.check_bridge(op)
            }
        }
    }

    fn malformed(&self, from: &str, to: &str, asset: &str, amount: u128) -> Result<(), Reason> {
        if !self.assets.contains_key(asset)
            || amount == 0
            || from == to
            || from.is_empty()
            || to.is_empty()
        {
            return Err(Reason::Malformed);
        }
        Ok(())
    }

    fn free_balance(&self, account: &str, asset: &str, delta: &BTreeMap<Key, i128>) -> u128 {
        let k = (account.to_string(), asset.to_string());
        let bal = (self.balances.get(&k).copied().unwrap_or(0) as i128
            + delta.get(&k).copied().unwrap_or(0))
        .max(0) as u128;
        bal.saturating_sub(self.frozen_amount.get(&k).copied().unwrap_or(0))
    }

    fn check_leg(
        &self,
        from: &str,
        to: &str,
        asset: &str,
        amount: u128,
        delta: &BTreeMap<Key, i128>,
    ) -> Result<(), Reason> {
        let a = self.assets.get(asset).ok_or(Reason::Malformed)?;
        if self.is_escrow(from) {
            return Err(Reason::Unauthorized);
        }
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
        if self.frozen.contains(&(to.to_string(), asset.to_string())) {
            return Err(Reason::FrozenReceiver);
        }
        if !self.verified(from, asset) {
            return Err(Reason::InvalidSender);
        }
        if !self.verified(to, asset) {
            return Err(Reason::InvalidReceiver);
        }
        if policy.and_then(|p| p.max_per_transfer).is_some_and(|cap| amount > cap) {
            return Err(Reason::LimitExceeded);
        }
        if self.free_balance(from, asset, delta) < amount {
            return Err(Reason::InsufficientBalance);
        }
        self.receiver_limits(to, asset, amount, Some((from, amount)), delta)
    }

    /// Per-investor cap and maximum holders for `to` receiving `amount`.
    fn receiver_limits(
        &self,
        to: &str,
        asset: &str,
        amount: u128,
        leaving: Option<(&str, u128)>,
        delta: &BTreeMap<Key, i128>,
    ) -> Result<(), Reason> {
        let Some(p) = self.assets.get(asset).and_then(|a| a.policy.as_ref()) else { return Ok(()) };
        let bal = |acct: &str| {
            let k = (acct.to_string(), asset.to_string());
            (self.balances.get(&k).copied().unwrap_or(0) as i128
                + delta.get(&k).copied().unwrap_or(0))
            .max(0) as u128
        };
        let to_bal = bal(to);
        if p.max_per_investor.is_some_and(|cap| to_bal + amount > cap) {
            return Err(Reason::LimitExceeded);
        }
        if let Some(max) = p.max_holders {
            if to_bal == 0 {
                let leaves = leaving.is_some_and(|(f, a)| bal(f) == a);
                // Holders as the batch's earlier legs left them (found by the simulated
                // ledger's differential test: the committed count let a batch exceed the cap).
                let holders = self.holders_after(asset, delta) + 1 - u64::from(leaves);
                if holders > max {
                    return Err(Reason::LimitExceeded);
                }
            }
        }
        Ok(())
    }

    /// Holders of `asset` once `delta` (a batch's earlier legs) is applied.
    fn holders_after(&self, asset: &str, delta: &BTreeMap<Key, i128>) -> u64 {
        let mut h = self.holders(asset) as i128;
        for (k, d) in delta.iter().filter(|(k, _)| k.1 == asset) {
            let before = self.balances.get(k).copied().unwrap_or(0) as i128;
            h += i128::from(before + d > 0) - i128::from(before > 0);
        }
        h.max(0) as u64
    }

    fn check_admin(&self, by: &str, action: &AdminAction) -> Result<(), Reason> {
        let issuer_of = |asset: &str| -> Result<&AssetPolicy, Reason> {
            let a = self.assets.get(asset).ok_or(Reason::Malformed)?;
            let p = a.policy.as_ref().ok_or(Reason::Unauthorized)?;
            if p.issuer != by {
                return Err(Reason::Unauthorized);
            }
            Ok(p)
        };
        match action {
            AdminAction::AppointInstitution { institution }
            | AdminAction::RevokeInstitution { institution } => {
                if by != AUTHORITY {
                    return Err(Reason::Unauthorized);
                }
                if institution.is_empty() {
                    return Err(Reason::Malformed);
                }
                Ok(())
            }
            AdminAction::AdmitProduct { asset } | AdminAction::DelistProduct { asset } => {
                if by != AUTHORITY {
                    return Err(Reason::Unauthorized);
                }
                self.assets.get(asset).map(|_| ()).ok_or(Reason::Malformed)
            }
            AdminAction::IssueClaim { investor, .. }
            | AdminAction::RevokeClaim { investor, .. } => {
                if !self.institutions.contains(by) {
                    return Err(Reason::Unauthorized);
                }
                if investor.is_empty() {
                    return Err(Reason::Malformed);
                }
                Ok(())
            }
            AdminAction::Freeze { asset, amount, .. } => {
                issuer_of(asset)?;
                if *amount == Some(0) {
                    return Err(Reason::Malformed);
                }
                Ok(())
            }
            AdminAction::Unfreeze { asset, .. }
            | AdminAction::Pause { asset }
            | AdminAction::Unpause { asset }
            | AdminAction::AttestReserve { asset, .. } => issuer_of(asset).map(|_| ()),
            AdminAction::ForcedTransfer { from, to, asset, amount } => {
                issuer_of(asset)?;
                self.malformed(from, to, asset, *amount)?;
                if !self.verified(to, asset) {
                    return Err(Reason::InvalidReceiver);
                }
                if self.balance(from, asset) < *amount {
                    return Err(Reason::InsufficientBalance);
                }
                self.receiver_limits(to, asset, *amount, Some((from, *amount)), &BTreeMap::new())
            }
            AdminAction::Recover { lost, replacement, asset, amount } => {
                issuer_of(asset)?;
                if lost == replacement
                    || lost.is_empty()
                    || replacement.is_empty()
                    || *amount != self.balance(lost, asset)
                {
                    return Err(Reason::Malformed);
                }
                if !self.verified(replacement, asset) {
                    return Err(Reason::InvalidReceiver);
                }
                Ok(())
            }
            AdminAction::Mint { to, asset, amount } => {
                let p = issuer_of(asset)?;
                if *amount == 0 {
                    return Err(Reason::Malformed);
                }
                if !self.verified(to, asset) {
                    return Err(Reason::InvalidReceiver);
                }
                let a = &self.assets[asset];
                if p.reserve_backed && a.supply + amount > a.reserve {
                    return Err(Reason::ReserveExceeded);
                }
                self.receiver_limits(to, asset, *amount, None, &BTreeMap::new())
            }
            AdminAction::Burn { from, asset, amount } => {
                issuer_of(asset)?;
                if *amount == 0 {
                    return Err(Reason::Malformed);
                }
                if self.balance(from, asset) < *amount {
                    return Err(Reason::InsufficientBalance);
                }
                Ok(())
            }
        }
    }

    fn credit(&mut self, account: &str, asset: &str, amount: u128) {
        if amount == 0 {
            return;
        }
        let b = self.balances.entry((account.to_string(), asset.to_string())).or_default();
        if *b == 0 {
            self.assets.get_mut(asset).expect("validated asset").holders += 1;
        }
        *b += amount;
    }

    fn debit(&mut self, account: &str, asset: &str, amount: u128) {
        if amount == 0 {
            return;
        }
        let k = (account.to_string(), asset.to_string());
        let b = self.balances.get_mut(&k).expect("validated balance");
        *b -= amount;
        if *b == 0 {
            self.balances.remove(&k);
            self.assets.get_mut(asset).expect("validated asset").holders -= 1;
        }
    }

    fn execute(&mut self, op: &Operation) {
        match op {
            Operation::Transfer { from, to, asset, amount } => {
                self.debit(from, asset, *amount);
                self.credit(to, asset, *amount);
            }
            Operation::Batch { legs } => {
                for Leg { from, to, asset, amount } in legs {
                    self.debit(from, asset, *amount);
                    self.credit(to, asset, *amount);
                }
            }
            Operation::Issue { to, asset, amount } => {
                self.credit(to, asset, *amount);
                self.assets.get_mut(asset).expect("validated").supply += amount;
            }
            Operation::Redeem { from, asset, amount } => {
                self.debit(from, asset, *amount);
                self.assets.get_mut(asset).expect("validated").supply -= amount;
            }
            Operation::Admin { by, action } => self.execute_admin(by, action),
            Operation::Tampered { .. } => {}
            _ => self.execute_bridge(op),
        }
    }

    fn execute_admin(&mut self, by: &str, action: &AdminAction) {
        match action {
            AdminAction::AppointInstitution { institution } => {
                self.institutions.insert(institution.clone());
            }
            AdminAction::RevokeInstitution { institution } => {
                self.institutions.remove(institution);
            }
            AdminAction::IssueClaim { investor, claim } => {
                self.claims
                    .entry(investor.clone())
                    .or_default()
                    .entry(claim.clone())
                    .or_default()
                    .insert(by.to_string());
            }
            AdminAction::RevokeClaim { investor, claim } => {
                if let Some(set) = self.claims.get_mut(investor).and_then(|m| m.get_mut(claim)) {
                    set.remove(by);
                }
            }
            AdminAction::Freeze { account, asset, amount } => {
                let k = (account.clone(), asset.clone());
                match amount {
                    None => {
                        self.frozen.insert(k);
                    }
                    Some(a) => {
                        *self.frozen_amount.entry(k).or_default() += a;
                    }
                }
            }
            AdminAction::Unfreeze { account, asset } => {
                let k = (account.clone(), asset.clone());
                self.frozen.remove(&k);
                self.frozen_amount.remove(&k);
            }
            AdminAction::Pause { asset } => {
                self.assets.get_mut(asset).expect("validated").paused = true
            }
            AdminAction::Unpause { asset } => {
                self.assets.get_mut(asset).expect("validated").paused = false
            }
            AdminAction::AdmitProduct { asset } => {
                self.assets.get_mut(asset).expect("validated").admitted = true
            }
            AdminAction::DelistProduct { asset } => {
                self.assets.get_mut(asset).expect("validated").admitted = false
            }
            AdminAction::AttestReserve { asset, amount } => {
                self.assets.get_mut(asset).expect("validated").reserve = *amount
            }
            AdminAction::ForcedTransfer { from, to, asset, amount } => {
                self.debit(from, asset, *amount);
                self.credit(to, asset, *amount);
            }
            AdminAction::Recover { lost, replacement, asset, .. } => {
                let amount = self.balance(lost, asset);
                self.debit(lost, asset, amount);
                self.credit(replacement, asset, amount);
                let k = (lost.clone(), asset.clone());
                let k2 = (replacement.clone(), asset.clone());
                if self.frozen.remove(&k) {
                    self.frozen.insert(k2.clone());
                }
                if let Some(f) = self.frozen_amount.remove(&k) {
                    *self.frozen_amount.entry(k2).or_default() += f;
                }
            }
            AdminAction::Mint { to, asset, amount } => {
                self.credit(to, asset, *amount);
                self.assets.get_mut(asset).expect("validated").supply += amount;
            }
            AdminAction::Burn { from, asset, amount } => {
                self.debit(from, asset, *amount);
                self.assets.get_mut(asset).expect("validated").supply -= amount;
            }
        }
    }
}
