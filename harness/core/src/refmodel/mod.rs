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

mod genesis;
mod state;

pub use state::{LedgerModel, AUTHORITY};

#[cfg(test)]
mod tests;
