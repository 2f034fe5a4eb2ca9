//! The ledger application every simulated validator runs: accounts, assets, per-account nonces,
//! transfers, issuance and redemption, a mempool, and an app hash per height.
//!
//! - [`tx`]: the decoded transaction ([`Op`], [`TxData`]) and how a harness
//!   [`touchstone_core::Operation`] maps onto it;
//! - [`rules`]: the validity rules, in one place (`execute`): the later compliance issue adds
//!   identity, freezes, pauses and batches there;
//! - [`state`]: the committed state of one node and a speculative [`Overlay`] on top of it;
//! - [`mempool`]: pending transactions in arrival order.
//!
//! **Expiry.** A transaction is stamped at admission with `expires` = the entry node's decided
//! height + [`TX_TTL_HEIGHTS`]. It is valid only in blocks at heights `<= expires`. This makes a
//! rejection *after* admission safe and final: once a correct node has decided a height above
//! `expires` without the transaction, no correct validator will ever accept a block holding it,
//! so the simulator reports it `rejected` with the reason it failed (e.g. `INSUFFICIENT_BALANCE`
//! when an earlier transfer drained the account, `BAD_NONCE` for a gap or a replay, `TIMEOUT` if
//! it was valid but never proposed).

pub mod fasthash;
pub mod mempool;
pub mod rules;
pub mod state;
pub mod tx;

pub use mempool::Mempool;
pub use rules::{check, execute};
pub use state::{Directory, LedgerState, Overlay, StateAccess};
pub use tx::{Op, TxData};

/// How many heights after its admission a transaction stays valid.
pub const TX_TTL_HEIGHTS: u64 = 200;
