//! Reason codes for rejections: the `reason` of a rejected `tx.result` in the trace format
//! (docs/trace-format.md).
//!
//! The codes belong to the trace format's vocabulary, so they are declared once in
//! `touchstone-spec` and re-exported here for the engine, the programs and the adapters.

pub use touchstone_spec::Reason;
