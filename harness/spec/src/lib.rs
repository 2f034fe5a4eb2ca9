//! # touchstone-spec
//!
//! The vocabulary of Touchstone's public trace format (docs/trace-format.md), declared once
//! for everything that writes, checks or scores a trace:
//!
//! - [`Property`]: the 20 properties a checker judges on a trace (16 per chain, 4 across
//!   chains) — ids, names, descriptions,
//!   and which are safety properties and gates;
//! - [`Reason`]: the reason codes of a rejected transaction.
//!
//! The crate is deliberately small (it depends on `serde` only), so that a checker that knows
//! nothing of Touchstone's engine can share it.
//!
//! ```
//! use touchstone_spec::{Property, Reason};
//!
//! for p in Property::ALL {
//!     println!("{:<24} {}", p.id(), p.description());
//! }
//! assert_eq!(Reason::from_code("BAD_NONCE"), Some(Reason::BadNonce));
//! ```

pub mod property;
pub mod reason;

pub use property::{Property, UnknownProperty};
pub use reason::Reason;
