//! # touchstone-ledger: the regulated ledger's rules, one rulebook for two engines
//!
//! The application every Touchstone validator runs — the simulated validators of
//! `touchstone-sim` and the real `touchstone-simplex-node` processes alike: a regulated ledger
//! with accounts, assets and their policies, an identity registry, controls, atomic batches,
//! per-account nonces, a mempool, and an app hash per height. Both engines call the same
//! [`check`] and [`execute`], so a reason code means the same on either, and the differential
//! test against the harness's reference model (`touchstone_core::refmodel`) covers both. It
//! depends on `touchstone-core` only (the harness's ledger vocabulary).
//!
//! ```
//! use touchstone_core::adapter::Setup;
//! use touchstone_core::scenario::AssetSpec;
//! use touchstone_core::{ledger::Genesis, Operation, Reason, Seed, TxId};
//! use touchstone_ledger::{execute, genesis, Directory, Op, TxData};
//!
//! let setup = Setup {
//!     seed: Seed(1),
//!     accounts: vec!["a0".into(), "a1".into()],
//!     assets: vec![AssetSpec { id: "USD".into(), initial_balance: 100 }],
//!     genesis: Genesis::default(),
//! };
//! let mut state = genesis::build(&setup);
//! let pay = |amount| Operation::Transfer {
//!     from: "a0".into(), to: "a1".into(), asset: "USD".into(), amount,
//! };
//! fn decoded(op: &Operation, dir: &Directory, nonce: u64) -> TxData {
//!     TxData { op: Op::decode(op, dir).unwrap(), nonce: Some(nonce), expires: 10, entry: 0 }
//! }
//! let first = decoded(&pay(60), &state.dir, 0);
//! assert_eq!(execute(&mut state, TxId(1), &first, 1), Ok(()));
//! let second = decoded(&pay(60), &state.dir, 1);
//! assert_eq!(execute(&mut state, TxId(2), &second, 1), Err(Reason::InsufficientBalance));
//! state.close_height(1, &[TxId(1)]);
//! assert_eq!(state.balances_of(&["a1".into()])[0].1, vec![("USD".into(), 160)]);
//! ```
//!
//! ## Layout
//! - [`dir`]: names ↔ indices and each asset's fixed [`dir::Policy`]; [`genesis`]: the starting
//!   state from the harness's setup (balances, policies, institutions, claims, reserves,
//!   admitted products);
//! - [`tx`]: the decoded transaction ([`Op`], [`TxData`]) and how a harness
//!   [`touchstone_core::Operation`] maps onto it;
//! - [`rules`]: the validity rules of transfers, batches, issue and redemption; [`admin`]: the
//!   privileged actions; [`bridge`]: the cross-chain operations, their proofs and hashlocks;
//!   [`moves`]: balance movements against a batch's running state;
//! - [`state`]: the committed state of one node and a speculative [`Overlay`] on top of it;
//!   [`controls`]: identity registry, freezes, pauses, whitelist, reserves;
//! - [`mempool`]: pending transactions in arrival order;
//! - [`wire`]: the JSON form of an operation between processes (the Simplex node and the
//!   harness's adapter for it).
//!
//! ## Rules, in the order they are checked (the first that fails gives the reason)
//! Every transaction: a transaction id already applied → `DUPLICATE_TX`; with a nonce, a nonce
//! at or below the signer's last applied one → `BAD_NONCE` (gaps are allowed: any nonce above
//! the last applied one is valid, so a rejected transaction consumes nothing and blocks none of
//! its sender's later ones; transactions without a nonce — dividend payments, batches, admin
//! actions — are protected from replay by their identity alone). The nonce signer is the
//! operation's sender: the first leg's sender of a batch, the holder a forced transfer or burn
//! takes from, the lost account of a recovery. Shapes are checked when the transaction is
//! decoded, before all of this: an unknown asset, a zero amount, a self-transfer or an empty
//! batch → `MALFORMED`; a tampered transaction → `BAD_SIGNATURE` / `MALFORMED`.
//!
//! A **transfer**, and each **batch** leg in order against the state the previous legs left
//! (balances and holder counts), all legs or none: the asset paused → `PAUSED`; a listed product
//! not admitted → `PRODUCT_NOT_ADMITTED`; sender wholly frozen → `FROZEN_SENDER`, receiver →
//! `FROZEN_RECEIVER`; on an asset requiring claims, sender not verified → `INVALID_SENDER`,
//! receiver → `INVALID_RECEIVER` (verified = holds every required claim from an institution
//! whose licence is in force, so dismissing an institution unverifies the investors it alone
//! certified); above the per-transfer cap → `LIMIT_EXCEEDED`; above the free balance (balance −
//! partially frozen amount) → `INSUFFICIENT_BALANCE`; the receiver above the per-investor cap, or
//! a new holder beyond the maximum number of holders → `LIMIT_EXCEEDED`.
//!
//! **Issue** (no signer role) only on assets without a policy, else `UNAUTHORIZED`.
//! **Redeem** by the holder: an asset with a policy that is not reserve-backed → `UNAUTHORIZED`;
//! paused → `PAUSED`; wholly frozen → `FROZEN_SENDER`; above the free balance →
//! `INSUFFICIENT_BALANCE`. **Privileged actions**: see [`admin`]. **Bridge operations** (lock,
//! mint, burn, release; hashlock, claim, refund) on a ledger whose genesis declares a bridge,
//! and the escrow account that signs nothing: see [`bridge`].
//!
//! ## Expiry and outcomes after admission
//! A transaction is stamped at admission with `expires` = the entry node's decided height +
//! [`TX_TTL_HEIGHTS`]. It is valid only in blocks at heights `<= expires`. This makes a
//! rejection *after* admission safe and final: once a correct node has decided a height above
//! `expires` without the transaction, no correct validator will ever accept a block holding it,
//! so the engine reports it `rejected` with the reason it failed (e.g. `INSUFFICIENT_BALANCE`
//! when an earlier transfer drained the account, `TIMEOUT` if it was valid but never proposed).
//! A transaction whose nonce a decided transaction used up can never apply either: it is
//! rejected (`BAD_NONCE`) as soon as the first correct node decides that block.

pub mod admin;
pub mod bridge;
pub mod controls;
#[cfg(test)]
mod differential;
pub mod dir;
pub mod fasthash;
pub mod genesis;
pub mod mempool;
pub mod moves;
pub mod rules;
#[cfg(test)]
pub(crate) mod seq;
pub mod state;
pub mod tx;
pub mod wire;

pub use controls::Controls;
pub use dir::Directory;
pub use mempool::Mempool;
pub use rules::{check, execute};
pub use state::{LedgerState, Overlay, StateAccess};
pub use tx::{Op, TxData};

/// How many heights after its admission a transaction stays valid.
pub const TX_TTL_HEIGHTS: u64 = 200;
