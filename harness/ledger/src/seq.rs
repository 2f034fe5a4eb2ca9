//! Test support: one node's ledger driven sequentially with harness operations (decode, then
//! execute on the committed state), as a block of one transaction at a time would.

use super::genesis;
use super::rules::execute;
use super::state::LedgerState;
use super::tx::{Op, TxData};
use std::sync::Arc;
use touchstone_core::adapter::Setup;
use touchstone_core::ledger::Genesis;
use touchstone_core::scenario::AssetSpec;
use touchstone_core::{Operation, Reason, Seed, TxId};

/// A ledger applying operations one by one.
#[derive(Debug, Clone)]
pub struct SeqLedger {
    pub l: LedgerState,
    next: u64,
}

impl SeqLedger {
    pub fn new(g: &Genesis) -> Self {
        let setup = Setup {
            seed: Seed(0),
            accounts: Vec::new(),
            assets: Vec::<AssetSpec>::new(),
            genesis: g.clone(),
        };
        SeqLedger { l: genesis::build(&setup), next: 0 }
    }

    /// Applies `op` under a fresh transaction id.
    pub fn apply(&mut self, op: &Operation, nonce: Option<u64>) -> Result<(), Reason> {
        self.next += 1;
        self.apply_as(TxId(self.next), op, nonce)
    }

    /// Applies `op` as transaction `id` (to test replays).
    pub fn apply_as(&mut self, id: TxId, op: &Operation, nonce: Option<u64>) -> Result<(), Reason> {
        let mut dir = (*self.l.dir).clone();
        if Op::register_names(op, &mut dir) {
            self.l.dir = Arc::new(dir);
        }
        let op = Op::decode(op, &self.l.dir)?;
        let h = self.l.height + 1;
        let r = execute(&mut self.l, id, &TxData { op, nonce, expires: h + 10, entry: 0 }, h);
        self.l.close_height(h, &[]);
        r
    }

    /// The next operation applies at `height` (above the last one).
    pub fn at_height(&mut self, height: u64) {
        assert!(height > self.l.height, "heights only grow");
        self.l.close_height(height - 1, &[]);
    }

    pub fn balance(&self, account: &str, asset: &str) -> u128 {
        use super::state::StateAccess;
        match (self.l.dir.account(account), self.l.dir.asset(asset)) {
            (Some(a), Some(k)) => self.l.balance(a, k),
            _ => 0,
        }
    }

    pub fn supply(&self, asset: &str) -> u128 {
        use super::state::StateAccess;
        self.l.dir.asset(asset).map_or(0, |k| self.l.supply(k))
    }
}
