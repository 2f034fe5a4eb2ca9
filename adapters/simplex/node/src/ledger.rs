//! The ledger rules of `touchstone-ledger`, the crate Touchstone's simulator runs too (one
//! rulebook, two engines): the one module of this node that names it.
//!
//! The node applies exactly the simulator's rules in the simulator's order: [`Ledger::admit`] is
//! the simulator's admission check (against the committed state, at the next height), blocks
//! are built and checked on a speculative overlay over the committed state, and a finalized
//! block is applied transaction by transaction, skipping any that fails (none does on a chain
//! that correct validators verified), with the app hash chained over the applied ids.

use crate::block::{Block, Tx};
use serde::{Deserialize, Serialize};
use std::path::Path;
use std::sync::Arc;
use touchstone_core::adapter::Setup;
use touchstone_core::ledger::Genesis;
use touchstone_core::scenario::AssetSpec;
use touchstone_core::{Operation, Reason, Seed, TxId};
use touchstone_ledger::rules::{check, execute};
use touchstone_ledger::{genesis, LedgerState, Op, Overlay, StateAccess, TxData};

/// How many heights after its admission a transaction that leaves a nonce gap is held back
/// from blocks (see [`Ledger::select`]).
pub const GAP_HOLD_HEIGHTS: u64 = 50;

/// The genesis file every validator starts from (the harness writes it).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct GenesisFile {
    /// Harness account names.
    #[serde(default)]
    pub accounts: Vec<String>,
    /// Assets, and the balance every account in `accounts` starts with (used when
    /// `genesis.balances` is empty).
    #[serde(default)]
    pub assets: Vec<AssetSpec>,
    /// The complete starting state (balances, policies, identity), as the harness's programs
    /// describe it.
    #[serde(default)]
    pub genesis: Genesis,
}

/// Why the genesis file cannot be used.
#[derive(Debug, thiserror::Error)]
pub enum GenesisError {
    #[error("genesis file {path}: {message}")]
    Read { path: String, message: String },
}

impl GenesisFile {
    /// Reads the file; returns it with its canonical bytes (what the genesis digest hashes).
    pub fn load(path: &Path) -> Result<(GenesisFile, Vec<u8>), GenesisError> {
        let err =
            |message: String| GenesisError::Read { path: path.display().to_string(), message };
        let text = std::fs::read(path).map_err(|e| err(e.to_string()))?;
        let g: GenesisFile = serde_json::from_slice(&text).map_err(|e| err(e.to_string()))?;
        let canonical = serde_json::to_vec(&g).map_err(|e| err(e.to_string()))?;
        Ok((g, canonical))
    }
}

/// What reading the state returns.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Snapshot {
    pub height: u64,
    pub app_hash: String,
    pub supply: Vec<(String, u128)>,
    pub balances: Vec<(String, Vec<(String, u128)>)>,
}

/// One node's committed ledger and the app hash of every height.
#[derive(Debug, Clone)]
pub struct Ledger {
    state: LedgerState,
    /// App hash after each height, index = height.
    hashes: Vec<[u8; 32]>,
    node: usize,
}

impl Ledger {
    pub fn new(g: &GenesisFile, node: usize) -> Ledger {
        let setup = Setup {
            seed: Seed(0),
            accounts: g.accounts.clone(),
            assets: g.assets.clone(),
            genesis: g.genesis.clone(),
        };
        let state = genesis::build(&setup);
        let hashes = vec![state.app_hash];
        Ledger { state, hashes, node }
    }

    /// The last applied height.
    pub fn height(&self) -> u64 {
        self.state.height
    }

    pub fn app_hash(&self) -> String {
        self.state.app_hash_hex()
    }

    /// The app hash after `height`, if applied.
    pub fn app_hash_at(&self, height: u64) -> Option<String> {
        self.hashes.get(usize::try_from(height).ok()?).map(hex32)
    }

    pub fn applied(&self, id: TxId) -> bool {
        self.state.applied(id)
    }

    /// The admission check: the rules against the committed state at the next height.
    pub fn admit(&mut self, tx: &Tx) -> Result<(), Reason> {
        self.register(std::iter::once(&tx.op));
        let data = self.decode(tx)?;
        check(&self.state, tx.tx_id(), &data, self.state.height + 1)
    }

    /// Whether a pending transaction can never apply: its nonce was used up.
    pub fn nonce_used(&self, tx: &Tx) -> bool {
        let Some(n) = tx.nonce else { return false };
        match self.decode(tx) {
            Ok(d) => d.op.sender().is_some_and(|s| n < self.state.nonce(s)),
            Err(_) => false,
        }
    }

    /// Why `tx` fails once it has expired: the first rule it breaks now, else `TIMEOUT`.
    pub fn expiry_reason(&self, tx: &Tx) -> Reason {
        match self.decode(tx) {
            Ok(d) => {
                let d = TxData { expires: u64::MAX, ..d };
                check(&self.state, tx.tx_id(), &d, self.state.height + 1).err()
            }
            Err(r) => Some(r),
        }
        .unwrap_or(Reason::Timeout)
    }

    /// Checks `block` on top of its pending `ancestors` (ascending, after the committed tip):
    /// every transaction of `block` must apply. The first that does not, and why.
    pub fn validate(&mut self, ancestors: &[&Block], block: &Block) -> Result<(), (TxId, Reason)> {
        self.register(ancestors.iter().chain([&block]).flat_map(|b| b.txs.iter().map(|t| &t.op)));
        let mut ov = Overlay::new(&self.state);
        replay(&mut ov, ancestors, self.node);
        for tx in &block.txs {
            let data = decode_with(&ov, tx, self.node).map_err(|r| (tx.tx_id(), r))?;
            execute(&mut ov, tx.tx_id(), &data, block.height).map_err(|r| (tx.tx_id(), r))?;
        }
        Ok(())
    }

    /// Picks, in order, up to `max` of `candidates` that apply at `height` on top of
    /// `ancestors`. A transaction that leaves a gap in its sender's nonces (an earlier one may
    /// still be on its way from another validator: gossip is not ordered, and is lost to a peer
    /// not yet connected) is held back for [`GAP_HOLD_HEIGHTS`] heights after its admission
    /// (`expires − ttl`), as the simulator's proposers hold it for a second: included at once,
    /// it would use up the earlier nonce. A policy of the proposer, not a validity rule.
    pub fn select(
        &mut self,
        ancestors: &[&Block],
        candidates: &[Tx],
        height: u64,
        max: usize,
        ttl: u64,
    ) -> Vec<Tx> {
        self.register(candidates.iter().map(|t| &t.op));
        let mut ov = Overlay::new(&self.state);
        replay(&mut ov, ancestors, self.node);
        let mut out = Vec::new();
        for tx in candidates {
            if out.len() >= max {
                break;
            }
            let Ok(data) = decode_with(&ov, tx, self.node) else { continue };
            let gap = match (tx.nonce, data.op.sender()) {
                (Some(n), Some(s)) => n > ov.nonce(s),
                _ => false,
            };
            if gap && height < tx.expires.saturating_sub(ttl) + GAP_HOLD_HEIGHTS {
                continue;
            }
            if execute(&mut ov, tx.tx_id(), &data, height).is_ok() {
                out.push(tx.clone());
            }
        }
        out
    }

    /// Applies a finalized block (its height must be the next one): each transaction's result.
    pub fn apply(&mut self, block: &Block) -> Vec<(TxId, Result<(), Reason>)> {
        assert_eq!(block.height, self.state.height + 1, "blocks are applied in height order");
        self.register(block.txs.iter().map(|t| &t.op));
        let mut results = Vec::with_capacity(block.txs.len());
        let mut applied = Vec::with_capacity(block.txs.len());
        for tx in &block.txs {
            let r = self
                .decode(tx)
                .and_then(|d| execute(&mut self.state, tx.tx_id(), &d, block.height));
            if r.is_ok() {
                applied.push(tx.tx_id());
            }
            results.push((tx.tx_id(), r));
        }
        self.state.close_height(block.height, &applied);
        self.hashes.push(self.state.app_hash);
        results
    }

    /// Supply and balances (of `accounts`, or all) now.
    pub fn snapshot(&self, accounts: Option<&[String]>) -> Snapshot {
        let mut balances = match accounts {
            Some(a) => self.state.balances_of(a),
            None => self.state.all_balances(),
        };
        balances.sort();
        Snapshot {
            height: self.state.height,
            app_hash: self.app_hash(),
            supply: self.state.supply_by_name(),
            balances,
        }
    }

    fn decode(&self, tx: &Tx) -> Result<TxData, Reason> {
        decode_with(&self.state, tx, self.node)
    }

    /// Registers account and claim names the directory has not seen (fresh, empty accounts),
    /// as the simulator does at admission. Only an operation that fails to decode can name one.
    fn register<'a>(&mut self, ops: impl Iterator<Item = &'a Operation>) {
        let mut probe = None;
        for op in ops {
            if matches!(op, Operation::Tampered { .. }) {
                continue;
            }
            if Op::decode(op, &self.state.dir) == Err(Reason::Malformed) {
                let dir = probe.get_or_insert_with(|| (*self.state.dir).clone());
                Op::register_names(op, dir);
            }
        }
        if let Some(dir) = probe {
            self.state.dir = Arc::new(dir);
        }
    }
}

fn decode_with<S: StateAccess>(s: &S, tx: &Tx, node: usize) -> Result<TxData, Reason> {
    let op = Op::decode(&tx.op, s.dir())?;
    Ok(TxData { op, nonce: tx.nonce, expires: tx.expires, entry: node })
}

/// Applies pending ancestors to an overlay as [`Ledger::apply`] would (failures skipped).
fn replay(ov: &mut Overlay<'_>, ancestors: &[&Block], node: usize) {
    for b in ancestors {
        for tx in &b.txs {
            if let Ok(d) = decode_with(ov, tx, node) {
                let _ = execute(ov, tx.tx_id(), &d, b.height);
            }
        }
    }
}

fn hex32(b: &[u8; 32]) -> String {
    b.iter().map(|x| format!("{x:02x}")).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    pub(crate) fn genesis() -> GenesisFile {
        GenesisFile {
            accounts: vec!["a0".into(), "a1".into(), "a2".into()],
            assets: vec![AssetSpec { id: "USD".into(), initial_balance: 100 }],
            genesis: Genesis::default(),
        }
    }

    fn pay(id: u64, from: &str, to: &str, amount: u128, nonce: u64) -> Tx {
        Tx {
            id,
            op: Operation::Transfer {
                from: from.into(),
                to: to.into(),
                asset: "USD".into(),
                amount,
            },
            nonce: Some(nonce),
            expires: 50,
        }
    }

    fn block(height: u64, txs: Vec<Tx>) -> Block {
        Block { height, view: height, parent: "0".repeat(64), proposer: "n0".into(), txs, salt: 0 }
    }

    #[test]
    fn admission_gives_the_simulators_reason_codes() {
        let mut l = Ledger::new(&genesis(), 0);
        assert_eq!(l.admit(&pay(1, "a0", "a1", 10, 0)), Ok(()));
        assert_eq!(l.admit(&pay(2, "a0", "a1", 1000, 0)), Err(Reason::InsufficientBalance));
        assert_eq!(l.admit(&pay(3, "a0", "a0", 1, 0)), Err(Reason::Malformed));
        // A fresh account is an empty one, not a malformed name.
        assert_eq!(l.admit(&pay(4, "zed", "a1", 1, 0)), Err(Reason::InsufficientBalance));
    }

    #[test]
    fn a_block_applies_in_order_and_a_second_spend_of_a_nonce_fails_validation() {
        let mut l = Ledger::new(&genesis(), 0);
        let b1 = block(1, vec![pay(1, "a0", "a1", 60, 0)]);
        assert_eq!(l.validate(&[], &b1), Ok(()));
        let b2 = block(2, vec![pay(2, "a0", "a2", 10, 0)]);
        assert_eq!(l.validate(&[&b1], &b2), Err((TxId(2), Reason::BadNonce)));
        let b2 = block(2, vec![pay(2, "a0", "a2", 50, 1)]);
        assert_eq!(l.validate(&[&b1], &b2), Err((TxId(2), Reason::InsufficientBalance)));
        let r = l.apply(&b1);
        assert_eq!(r, vec![(TxId(1), Ok(()))]);
        assert_eq!(l.height(), 1);
        assert_ne!(l.app_hash_at(0), l.app_hash_at(1));
        let s = l.snapshot(Some(&["a0".into(), "a1".into()]));
        assert_eq!(s.balances[0], ("a0".into(), vec![("USD".into(), 40)]));
        assert_eq!(s.supply, vec![("USD".into(), 300)]);
    }

    #[test]
    fn selection_skips_what_does_not_apply_and_respects_the_limit() {
        let mut l = Ledger::new(&genesis(), 0);
        let c = vec![
            pay(1, "a0", "a1", 90, 0),
            pay(2, "a0", "a2", 90, 1), // overdraws after the first
            pay(3, "a1", "a2", 5, 0),
            pay(4, "a2", "a0", 5, 0),
        ];
        let got: Vec<u64> = l.select(&[], &c, 1, 2, 1000).iter().map(|t| t.id).collect();
        assert_eq!(got, vec![1, 3]);
    }

    #[test]
    fn a_transaction_leaving_a_nonce_gap_waits_before_it_is_proposed() {
        let mut l = Ledger::new(&genesis(), 0);
        // a0's nonce 0 has not arrived; its nonce 1 was admitted at height 1 (ttl 100).
        let admitted = |t: Tx| Tx { expires: 101, ..t };
        let c = vec![admitted(pay(2, "a0", "a1", 5, 1)), admitted(pay(3, "a1", "a2", 5, 0))];
        let got: Vec<u64> = l.select(&[], &c, 2, 10, 100).iter().map(|t| t.id).collect();
        assert_eq!(got, vec![3], "held back while its predecessor may still come");
        let late = 1 + GAP_HOLD_HEIGHTS;
        let got: Vec<u64> = l.select(&[], &c, late, 10, 100).iter().map(|t| t.id).collect();
        assert_eq!(got, vec![2, 3], "proposed once it waited long enough");
        // With its predecessor, it goes at once.
        let c = vec![admitted(pay(1, "a0", "a1", 5, 0)), admitted(pay(2, "a0", "a1", 5, 1))];
        let got: Vec<u64> = l.select(&[], &c, 2, 10, 100).iter().map(|t| t.id).collect();
        assert_eq!(got, vec![1, 2]);
    }

    #[test]
    fn compliance_rules_come_through_the_same_rulebook() {
        use touchstone_core::ledger::AssetPolicy;
        use touchstone_core::ledger::{AdminAction, Claim};
        let g = GenesisFile {
            accounts: vec![],
            assets: vec![],
            genesis: Genesis {
                assets: vec![("SEC".into(), Some(AssetPolicy::security("issuer")))],
                balances: vec![("a0".into(), "SEC".into(), 10)],
                institutions: vec!["bank".into()],
                claims: vec![
                    ("bank".into(), "a0".into(), Claim::Kyc),
                    ("bank".into(), "a1".into(), Claim::Kyc),
                ],
                ..Genesis::default()
            },
        };
        let mut l = Ledger::new(&g, 0);
        let sec = |id, from: &str, to: &str, nonce| Tx {
            id,
            op: Operation::Transfer {
                from: from.into(),
                to: to.into(),
                asset: "SEC".into(),
                amount: 1,
            },
            nonce: Some(nonce),
            expires: 50,
        };
        assert_eq!(l.admit(&sec(1, "a0", "a2", 0)), Err(Reason::InvalidReceiver));
        assert_eq!(l.admit(&sec(2, "a0", "a1", 0)), Ok(()));
        let freeze = Tx {
            id: 3,
            op: Operation::Admin {
                by: "issuer".into(),
                action: AdminAction::Freeze {
                    account: "a0".into(),
                    asset: "SEC".into(),
                    amount: None,
                },
            },
            nonce: None,
            expires: 50,
        };
        let b1 = block(1, vec![freeze]);
        assert_eq!(l.apply(&b1), vec![(TxId(3), Ok(()))]);
        assert_eq!(l.admit(&sec(4, "a0", "a1", 0)), Err(Reason::FrozenSender));
    }

    #[test]
    fn an_expired_transaction_reports_the_rule_it_breaks_or_timeout() {
        let mut l = Ledger::new(&genesis(), 0);
        l.apply(&block(1, vec![pay(1, "a0", "a1", 100, 0)]));
        assert_eq!(l.expiry_reason(&pay(2, "a0", "a1", 1, 1)), Reason::InsufficientBalance);
        assert_eq!(l.expiry_reason(&pay(3, "a1", "a0", 1, 0)), Reason::Timeout);
        assert!(l.nonce_used(&pay(4, "a0", "a2", 1, 0)));
        assert!(!l.nonce_used(&pay(5, "a0", "a2", 1, 1)));
    }
}
