//! Committed ledger state of one node, and a speculative overlay for building and checking
//! blocks on top of uncommitted ancestors.

use super::bridge::{BridgeBook, HashLock};
use super::controls::Controls;
use super::dir::Directory;
use super::fasthash::{FastMap, FastSet};
use super::tx::{AccountIdx, AssetIdx};
use sha2::{Digest, Sha256};
use std::sync::Arc;
use touchstone_core::TxId;

/// Read and write access to the ledger: implemented by the committed state and by the
/// speculative overlay, so the rules are written once.
pub trait StateAccess {
    fn dir(&self) -> &Directory;
    fn balance(&self, acct: AccountIdx, asset: AssetIdx) -> u128;
    fn set_balance(&mut self, acct: AccountIdx, asset: AssetIdx, v: u128);
    /// The lowest nonce `acct` may still use (its last applied nonce + 1; 0 if none).
    fn nonce(&self, acct: AccountIdx) -> u64;
    fn set_nonce(&mut self, acct: AccountIdx, v: u64);
    fn supply(&self, asset: AssetIdx) -> u128;
    fn set_supply(&mut self, asset: AssetIdx, v: u128);
    /// Accounts with a non-zero balance of `asset`.
    fn holders(&self, asset: AssetIdx) -> u64;
    fn set_holders(&mut self, asset: AssetIdx, v: u64);
    /// Whether `tx` was already applied on this chain.
    fn applied(&self, tx: TxId) -> bool;
    fn mark_applied(&mut self, tx: TxId);
    fn controls(&self) -> &Controls;
    fn controls_mut(&mut self) -> &mut Controls;
    /// Whether a lock, burn or hashlock of cross-chain transfer `xfer` was applied here.
    fn xfer_started(&self, xfer: &str) -> bool;
    fn mark_started(&mut self, xfer: Arc<str>);
    /// Whether a mint or release of `xfer` was applied here.
    fn xfer_settled(&self, xfer: &str) -> bool;
    fn mark_settled(&mut self, xfer: Arc<str>);
    /// The hashlock of `xfer` this chain holds, if any.
    fn hashlock(&self, xfer: &str) -> Option<HashLock>;
    fn set_hashlock(&mut self, xfer: Arc<str>, lock: HashLock);
}

/// One node's committed ledger.
#[derive(Debug, Clone, PartialEq)]
pub struct LedgerState {
    pub dir: Arc<Directory>,
    /// Account-major, `n_assets` per account; accounts registered after genesis read as zero
    /// until first credited.
    balances: Vec<u128>,
    nonces: Vec<u64>,
    supply: Vec<u128>,
    holders: Vec<u64>,
    controls: Controls,
    applied: FastSet<TxId>,
    bridge: BridgeBook,
    /// Last decided height and its app hash (a SHA-256 chained over every applied height).
    pub height: u64,
    pub app_hash: [u8; 32],
}

impl LedgerState {
    /// Genesis: `controls` (identity, reserves, whitelist) and the starting
    /// `(account, asset, amount)` balances (supply is their sum).
    pub fn genesis(
        dir: Arc<Directory>,
        start: &[(AccountIdx, AssetIdx, u128)],
        controls: Controls,
    ) -> Self {
        let na = dir.n_assets();
        let accounts = dir.n_accounts();
        let mut l = LedgerState {
            dir,
            balances: vec![0; accounts * na],
            nonces: vec![0; accounts],
            supply: vec![0; na],
            holders: vec![0; na],
            controls,
            applied: FastSet::default(),
            bridge: BridgeBook::default(),
            height: 0,
            app_hash: [0; 32],
        };
        let mut h = Sha256::new();
        h.update(b"touchstone/sim/genesis/v1");
        for &(a, k, amount) in start {
            let b = l.balance(a, k);
            if b == 0 && amount > 0 {
                l.holders[k as usize] += 1;
            }
            l.set_balance(a, k, b + amount);
            l.supply[k as usize] += amount;
            h.update(a.to_le_bytes());
            h.update(k.to_le_bytes());
            h.update(amount.to_le_bytes());
        }
        l.app_hash = h.finalize().into();
        l
    }

    /// Closes a height: chains the app hash over the applied transaction ids.
    pub fn close_height(&mut self, height: u64, applied: &[TxId]) {
        let mut h = Sha256::new();
        h.update(self.app_hash);
        h.update(height.to_le_bytes());
        for t in applied {
            h.update(t.0.to_le_bytes());
        }
        self.app_hash = h.finalize().into();
        self.height = height;
    }

    pub fn app_hash_hex(&self) -> String {
        hex_of(&self.app_hash)
    }

    /// Supply per asset, by name.
    pub fn supply_by_name(&self) -> Vec<(String, u128)> {
        self.dir.asset_names.iter().cloned().zip(self.supply.iter().copied()).collect()
    }

    /// Balances of `accounts` (names unknown to the ledger are skipped).
    pub fn balances_of(&self, accounts: &[String]) -> Vec<(String, Vec<(String, u128)>)> {
        accounts
            .iter()
            .filter_map(|a| {
                let i = self.dir.account(a)?;
                let holdings = (0..self.dir.n_assets())
                    .map(|k| (self.dir.asset_names[k].clone(), self.balance(i, k as AssetIdx)))
                    .collect();
                Some((a.clone(), holdings))
            })
            .collect()
    }

    /// All balances.
    pub fn all_balances(&self) -> Vec<(String, Vec<(String, u128)>)> {
        let names = self.dir.account_names.clone();
        self.balances_of(&names)
    }
}

fn hex_of(b: &[u8]) -> String {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    let mut s = String::with_capacity(b.len() * 2);
    for &x in b {
        s.push(HEX[(x >> 4) as usize] as char);
        s.push(HEX[(x & 15) as usize] as char);
    }
    s
}

impl StateAccess for LedgerState {
    fn dir(&self) -> &Directory {
        &self.dir
    }
    #[inline]
    fn balance(&self, acct: AccountIdx, asset: AssetIdx) -> u128 {
        let i = acct as usize * self.dir.n_assets() + asset as usize;
        self.balances.get(i).copied().unwrap_or(0)
    }
    fn set_balance(&mut self, acct: AccountIdx, asset: AssetIdx, v: u128) {
        let na = self.dir.n_assets();
        let i = acct as usize * na + asset as usize;
        if i >= self.balances.len() {
            self.balances.resize((acct as usize + 1) * na, 0);
        }
        self.balances[i] = v;
    }
    #[inline]
    fn nonce(&self, acct: AccountIdx) -> u64 {
        self.nonces.get(acct as usize).copied().unwrap_or(0)
    }
    fn set_nonce(&mut self, acct: AccountIdx, v: u64) {
        if acct as usize >= self.nonces.len() {
            self.nonces.resize(acct as usize + 1, 0);
        }
        self.nonces[acct as usize] = v;
    }
    fn supply(&self, asset: AssetIdx) -> u128 {
        self.supply[asset as usize]
    }
    fn set_supply(&mut self, asset: AssetIdx, v: u128) {
        self.supply[asset as usize] = v;
    }
    fn holders(&self, asset: AssetIdx) -> u64 {
        self.holders[asset as usize]
    }
    fn set_holders(&mut self, asset: AssetIdx, v: u64) {
        self.holders[asset as usize] = v;
    }
    fn applied(&self, tx: TxId) -> bool {
        self.applied.contains(&tx)
    }
    fn mark_applied(&mut self, tx: TxId) {
        self.applied.insert(tx);
    }
    fn controls(&self) -> &Controls {
        &self.controls
    }
    fn controls_mut(&mut self) -> &mut Controls {
        &mut self.controls
    }
    fn xfer_started(&self, xfer: &str) -> bool {
        self.bridge.started.contains(xfer)
    }
    fn mark_started(&mut self, xfer: Arc<str>) {
        self.bridge.started.insert(xfer);
    }
    fn xfer_settled(&self, xfer: &str) -> bool {
        self.bridge.settled.contains(xfer)
    }
    fn mark_settled(&mut self, xfer: Arc<str>) {
        self.bridge.settled.insert(xfer);
    }
    fn hashlock(&self, xfer: &str) -> Option<HashLock> {
        self.bridge.locks.get(xfer).cloned()
    }
    fn set_hashlock(&mut self, xfer: Arc<str>, lock: HashLock) {
        self.bridge.locks.insert(xfer, lock);
    }
}

/// Uncommitted changes on top of a committed state (never iterated: lookups only). The
/// identity registry and controls are copied on the overlay's first privileged write.
#[derive(Debug)]
pub struct Overlay<'a> {
    base: &'a LedgerState,
    balances: FastMap<(AccountIdx, AssetIdx), u128>,
    nonces: FastMap<AccountIdx, u64>,
    supply: FastMap<AssetIdx, u128>,
    holders: FastMap<AssetIdx, u64>,
    applied: FastSet<TxId>,
    controls: Option<Box<Controls>>,
    bridge: BridgeBook,
}

impl<'a> Overlay<'a> {
    pub fn new(base: &'a LedgerState) -> Self {
        Overlay {
            base,
            balances: FastMap::default(),
            nonces: FastMap::default(),
            supply: FastMap::default(),
            holders: FastMap::default(),
            applied: FastSet::default(),
            controls: None,
            bridge: BridgeBook::default(),
        }
    }
}

impl StateAccess for Overlay<'_> {
    fn dir(&self) -> &Directory {
        &self.base.dir
    }
    fn balance(&self, acct: AccountIdx, asset: AssetIdx) -> u128 {
        self.balances.get(&(acct, asset)).copied().unwrap_or_else(|| self.base.balance(acct, asset))
    }
    fn set_balance(&mut self, acct: AccountIdx, asset: AssetIdx, v: u128) {
        self.balances.insert((acct, asset), v);
    }
    fn nonce(&self, acct: AccountIdx) -> u64 {
        self.nonces.get(&acct).copied().unwrap_or_else(|| self.base.nonce(acct))
    }
    fn set_nonce(&mut self, acct: AccountIdx, v: u64) {
        self.nonces.insert(acct, v);
    }
    fn supply(&self, asset: AssetIdx) -> u128 {
        self.supply.get(&asset).copied().unwrap_or_else(|| self.base.supply(asset))
    }
    fn set_supply(&mut self, asset: AssetIdx, v: u128) {
        self.supply.insert(asset, v);
    }
    fn holders(&self, asset: AssetIdx) -> u64 {
        self.holders.get(&asset).copied().unwrap_or_else(|| self.base.holders(asset))
    }
    fn set_holders(&mut self, asset: AssetIdx, v: u64) {
        self.holders.insert(asset, v);
    }
    fn applied(&self, tx: TxId) -> bool {
        self.applied.contains(&tx) || self.base.applied(tx)
    }
    fn mark_applied(&mut self, tx: TxId) {
        self.applied.insert(tx);
    }
    fn controls(&self) -> &Controls {
        self.controls.as_deref().unwrap_or(&self.base.controls)
    }
    fn controls_mut(&mut self) -> &mut Controls {
        let base = &self.base.controls;
        self.controls.get_or_insert_with(|| Box::new(base.clone()))
    }
    fn xfer_started(&self, xfer: &str) -> bool {
        self.bridge.started.contains(xfer) || self.base.xfer_started(xfer)
    }
    fn mark_started(&mut self, xfer: Arc<str>) {
        self.bridge.started.insert(xfer);
    }
    fn xfer_settled(&self, xfer: &str) -> bool {
        self.bridge.settled.contains(xfer) || self.base.xfer_settled(xfer)
    }
    fn mark_settled(&mut self, xfer: Arc<str>) {
        self.bridge.settled.insert(xfer);
    }
    fn hashlock(&self, xfer: &str) -> Option<HashLock> {
        self.bridge.locks.get(xfer).cloned().or_else(|| self.base.hashlock(xfer))
    }
    fn set_hashlock(&mut self, xfer: Arc<str>, lock: HashLock) {
        self.bridge.locks.insert(xfer, lock);
    }
}
