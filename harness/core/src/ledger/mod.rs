//! The ledger vocabulary: what the harness asks a chain to do and the state it starts from.
//!
//! Operations ([`Operation`], with its [`Leg`]s, [`Tamper`]ing and [`OpKind`]), privileged
//! [`AdminAction`]s and the identity [`Claim`]s they issue, per-asset [`AssetPolicy`], and the
//! [`Genesis`] a workload program declares. The adapter contract (`adapter`), the
//! workload programs and the reference model (`refmodel`) all speak it; it depends on
//! nothing else in the crate.

mod admin;
mod genesis;
mod operation;
mod policy;

pub use admin::{AdminAction, Claim};
pub use genesis::Genesis;
pub use operation::{Leg, OpKind, Operation, Tamper};
pub use policy::{AssetKind, AssetPolicy};
