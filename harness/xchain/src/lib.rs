//! # touchstone-xchain: several chains in one run, and the bridges between them
//!
//! A multi-chain scenario declares its chains as `[chains.<id>]` tables (each what a
//! single-chain script's `[network]` holds, with its own `[[chains.<id>.faults]]`) and a
//! `[bridge]`: the mechanism (`relay` or `htlc`), the actors' settings and faults, and the
//! cross-chain workload (`xchain-transfer`, `xchain-dvp`). Every chain is an independent
//! simulated validator network ([`touchstone_sim::SimAdapter`]) in one deterministic
//! simulation; the engine advances them in lockstep virtual time with the bridge's actors in
//! between, and writes one trace (format 1.2: `run.start.chains`, a `chain` on every line).
//!
//! The actors are the harness's, so a chain needs only its ordinary operations:
//! - the **relay** (`relay/`) watches each chain's finalized blocks and carries a lock's (or
//!   burn's) finality certificate to the other chain as a mint (or release); it may crash and
//!   restart, lag, or lie (`forge`, `replay`);
//! - the **hashed time-lock** parties (`htlc.rs`) lock both legs under one hash and claim
//!   with the preimage, or refund after the expiry.
//!
//! ```
//! let text = r#"
//! name = "demo"
//! kind = "payment"
//! [chains.cash]
//! validators = 4
//! [chains.wrapped]
//! validators = 4
//! [bridge]
//! mechanism = "relay"
//! [bridge.workload]
//! type = "xchain-transfer"
//! count = 4
//! rate = 4
//! drain = "10s"
//! "#;
//! let s = touchstone_xchain::parse(text, "demo.toml").unwrap();
//! let mut trace = touchstone_xchain::XTrace::new(Vec::new());
//! let r = touchstone_xchain::run(&s, touchstone_core::Seed(1), &mut trace, Default::default()).unwrap();
//! assert_eq!(r.report.states.get("settled"), Some(&8), "4 transfers, out and back");
//! assert!(r.report.unbacked.is_empty());
//! ```
//!
//! ## Determinism
//! One seed: each chain's simulation gets `seed.derive("chain/<id>")`, the HTLC secrets the
//! stream `xchain/htlc/secrets`; the actors iterate only ordered maps. Same scenario and seed →
//! byte-identical trace.
//!
//! ## Measurements
//! [`measure::XReport`]: per settlement the source and destination commit times and the final
//! state, the latency distribution, transactions per settled one, rejections by reason, and
//! each chain's supply and escrow — computed from what the engine booked, not from the checker.

pub mod actor;
mod chain;
pub mod engine;
pub mod genesis;
pub mod htlc;
pub mod measure;
mod parse;
pub mod relay;
pub mod spec;
pub mod trace;

pub use engine::{run, XError, XOptions, XRunResult};
pub use parse::{is_multi_chain, load, parse};
pub use relay::users::xfer_ids;
pub use spec::XScenario;
pub use trace::XTrace;
