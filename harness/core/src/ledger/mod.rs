//! The ledger vocabulary: what the harness asks a chain to do and the state it starts from.
//!
//! Operations ([`Operation`], with its [`Leg`]s, [`Tamper`]ing and [`OpKind`]), privileged
//! [`AdminAction`]s and the identity [`Claim`]s they issue, per-asset [`AssetPolicy`], the
//! bridge's operations and their [`Proof`]s (see `bridge`), and the [`Genesis`] a workload
//! program declares (with its bridge: the [`ESCROW`] account and the [`PeerChain`]s). The adapter contract (`adapter`), the
//! workload programs and the reference model (`refmodel`) all speak it; it depends on
//! nothing else in the crate.

mod admin;
mod bridge;
mod genesis;
mod operation;
mod policy;

pub use admin::{AdminAction, Claim};
pub use bridge::{
    hash_of_preimage, is_hash, preimage_matches, proof_valid, BridgeGenesis, Certified, PeerChain,
    Proof, ESCROW,
};
pub use genesis::Genesis;
pub use operation::{BridgeFields, Leg, OpKind, Operation, Tamper};
pub use policy::{AssetKind, AssetPolicy};
