//! The harness's own reference model of a regulated ledger.
//!
//! For every compliance case the harness computes the expected outcome (applied, or rejected with
//! which reason code) from this model, independently of the chain under test, and compares it
//! with what the chain did. It is sequential and deterministic: feed it the transactions in the
//! order the chain applied them.
//!
//! ## Rules, in the order they are checked (the first that fails gives the reason)
//! A **transfer** `from → to` of `amount` of `asset` (and each leg of a batch, in order):
//! 1. unknown asset, zero amount or `from == to` → `MALFORMED`;
//! 2. a nonce at or below the sender's last applied nonce → `BAD_NONCE` (gaps are allowed, so a
//!    rejected transaction does not block its sender's later ones); a transaction id seen
//!    before → `DUPLICATE_TX`;
//! 3. the asset is paused → `PAUSED`;
//! 4. the asset is a listed product that is not (or no longer) admitted → `PRODUCT_NOT_ADMITTED`;
//! 5. sender wholly frozen → `FROZEN_SENDER`; receiver wholly frozen → `FROZEN_RECEIVER`;
//! 6. KYC-gated asset: sender not verified → `INVALID_SENDER`; receiver → `INVALID_RECEIVER`
//!    (verified = holds every required claim from an institution whose licence is in force, so
//!    revoking an institution unverifies the investors it alone certified);
//! 7. above the per-transfer cap → `LIMIT_EXCEEDED`;
//! 8. above the sender's free balance (balance − partially frozen amount) → `INSUFFICIENT_BALANCE`;
//! 9. the receiver would exceed the per-investor cap, or would be a new holder beyond the
//!    maximum number of holders → `LIMIT_EXCEEDED`.
//!
//! **Privileged actions** are refused with `UNAUTHORIZED` unless signed by the right role: the
//! seed authority appoints and revokes institutions and admits or delists products; a licensed
//! institution issues and revokes claims; the asset's issuer agent freezes, unfreezes, pauses,
//! forces transfers, recovers keys, mints, burns and attests reserves. Then: forced transfers,
//! recoveries and mints to an unverified receiver of a KYC-gated asset → `INVALID_RECEIVER`;
//! forced transfers and burns above the balance → `INSUFFICIENT_BALANCE` (forced transfers
//! ignore freezes); a recovery whose stated amount is not the whole holding → `MALFORMED`; a mint taking a reserve-backed asset's supply above the attested reserve →
//! `RESERVE_EXCEEDED`; a mint above the per-investor cap → `LIMIT_EXCEEDED`.
//! A **batch** applies all its legs or none; it is rejected with the reason of its first failing
//! leg. Plain `issue`/`redeem` (no signer role) are allowed only on assets without a policy.
//!
//! ## Bridge operations (trace format 1.2)
//! They exist on a chain whose genesis declares a bridge (its escrow account
//! `ledger::ESCROW` and its peer chains). The escrow signs nothing: a transfer, batch leg or
//! redemption from it → `UNAUTHORIZED`. Shape first (→ `MALFORMED`): no bridge, an unknown
//! asset, a zero amount, an empty `xfer`; `lock`/`hashlock` not *into* the escrow, or from it;
//! `release`/`claim`/`refund` not *out of* the escrow, or to it; a `mint` to it; a hash that is
//! not 64 hex digits, a preimage that is not hex. Then the sender's nonce (`lock`, `burn` and
//! `hashlock` are signed by their sender; `mint`, `release`, `claim`, `refund` by nobody).
//! Then, with `height` the chain's height the operation applies at ([`LedgerModel::set_height`]):
//! - **lock**: `xfer` already started here (a lock, burn or hashlock) → `REPLAYED_XFER`; the
//!   sender's side of a transfer (rules 3–8 above, the escrow receiving).
//! - **hashlock**: as a lock, after `REPLAYED_XFER`: `height > expires_height` → `LOCK_EXPIRED`.
//! - **burn**: `REPLAYED_XFER` as a lock; paused → `PAUSED`; sender wholly frozen →
//!   `FROZEN_SENDER`; above the free balance → `INSUFFICIENT_BALANCE`. Removes supply.
//! - **mint**: the proof (`ledger::Proof`: a quorum of the peer's validators certifying a
//!   lock of this `xfer`, asset, amount and beneficiary = `to`) → else `BAD_PROOF`; `xfer`
//!   already minted or released here → `REPLAYED_XFER`; paused → `PAUSED`; receiver frozen →
//!   `FROZEN_RECEIVER`, not verified → `INVALID_RECEIVER`; supply overflow or the receiver's
//!   holding limits → `LIMIT_EXCEEDED`. Adds supply.
//! - **release**: as a mint with a proof of a burn; then paid out of the escrow: the receiver's
//!   rules, the escrow's balance (`INSUFFICIENT_BALANCE`; its freezes do not apply), the
//!   receiver's holding limits.
//! - **claim**: no hashlock `xfer` here → `UNKNOWN_XFER`; asset, amount or `to` not the lock's
//!   (its beneficiary) → `MALFORMED`; already claimed or refunded → `REPLAYED_XFER`;
//!   `height > expires_height` → `LOCK_EXPIRED`; the preimage's SHA-256 not the hash →
//!   `BAD_PREIMAGE`; paid out of the escrow as a release.
//! - **refund**: as a claim with `to` the lock's sender, and `height <= expires_height` →
//!   `LOCK_NOT_EXPIRED` instead of the expiry and preimage rules.

mod genesis;
mod state;

pub use state::{HashLock, LedgerModel, AUTHORITY};

#[cfg(test)]
mod bridge_tests;
#[cfg(test)]
mod tests;
