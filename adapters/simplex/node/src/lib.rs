//! # touchstone-simplex-node: a Touchstone validator on commonware's Simplex consensus
//!
//! One process is one validator: commonware's Simplex engine (ed25519 signing scheme, whose
//! certificates name their signers) over commonware's authenticated `lookup` p2p network, with
//! Touchstone's regulated ledger as the application. The harness starts N of these on
//! loopback, talks to each through its [client endpoint](client), and merges the trace file
//! each writes ([`trace`]).
//!
//! - [`config`]: the command line; [`identity`]: validator names and (test) keys;
//! - [`app`]: the application (proposing, verifying, applying finalized blocks, fetching
//!   missing ones); [`block`], [`wire`]: what travels between validators;
//! - [`ledger`]: the ledger rules, shared with the simulator; [`op`]: operations in JSON;
//! - [`trace`]: engine activity → trace lines; [`client`]: the harness's endpoint;
//! - [`byzantine`]: behaviours run in place of the honest engine; [`run`]: the wiring.
//!
//! ## Durability
//! The engine journals its votes and certificates under `<storage>/consensus`; the application
//! logs each finalized block to `<storage>/app/finalized.log` before it traces the decision. A
//! node killed with SIGKILL and started again on the same storage directory replays both and
//! catches up by fetching what it missed from its peers.

pub mod app;
pub mod block;
pub mod byzantine;
pub mod client;
pub mod config;
pub mod identity;
pub mod ledger;
/// The JSON form of operations, shared with the harness's adapter.
pub use touchstone_ledger::wire as op;
pub mod run;
pub mod trace;
pub mod wire;
