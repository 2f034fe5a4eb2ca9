//! # touchstone-sim: the embedded simulated validator network
//!
//! The adapter `touchstone run` uses when none is named. It simulates, in virtual time, a
//! network of validators running real consensus protocols — **PBFT**, **Tendermint**, chained
//! **HotStuff**, and **Raft** as the crash-fault baseline — over a modelled network, with a
//! ledger application on top: a regulated ledger with accounts, assets and their policies
//! (KYC-gated securities with holding limits, reserve-backed stablecoins, listed products), an
//! identity registry with an issuer hierarchy, controls (freezes, pauses, forced transfers, key
//! recovery, mint/burn, reserve attestation, the product whitelist), roles, atomic batches (DvP,
//! netting) and per-account nonces — see [`ledger`] for every rule in its order. Everything else
//! is configured by the scenario's `[network]` section.
//!
//! ```
//! use touchstone_core::scenario::{RateSpec, ScenarioBuilder, ScenarioKind};
//! use touchstone_core::{engine, trace::MemoryTrace, Seed};
//! let s = ScenarioBuilder::new("demo", ScenarioKind::Payment)
//!     .protocol("pbft")
//!     .validators(4)
//!     .phase("load", 1_000_000_000, RateSpec::Constant { tps: 100.0 })
//!     .build();
//! let mut adapter = touchstone_sim::SimAdapter::new(&s).unwrap();
//! let mut trace = MemoryTrace::default();
//! let r = engine::run(&s, &mut adapter, Seed(7), &mut trace, Default::default()).unwrap();
//! assert_eq!(r.metrics.measured.committed, 100);
//! assert!(trace.lines.iter().any(|l| l.contains("\"cons.decide\"")));
//! ```
//!
//! ## Layout
//! - [`protocol`]: the sans-IO contract (`on_message`, `on_timer`, `on_client_tx` → [`protocol::Env`]);
//! - [`sim`]: the discrete-event loop, node runtime (virtual CPU, mempool, timers, clock skew,
//!   crash / pause), finality; [`net`]: links, partitions, bandwidth; [`ledger`]: the
//!   application (the `touchstone-ledger` crate, shared with the Simplex validator node);
//! - [`pbft`], [`raft`], [`tendermint`], [`hotstuff`]: the protocols, each with its Byzantine
//!   behaviours in a file of their own; [`byzantine`]: what those share; [`registry`]: selection
//!   by name;
//! - [`SimAdapter`] / [`SimFactory`]: the [`touchstone_core::Adapter`] contract.
//!
//! ## Determinism
//! Same scenario and seed → byte-identical trace and the same fingerprint, on any machine. All
//! randomness comes from named ChaCha8 streams of the run's seed (`sim/net` for the network,
//! `sim/node/<i>` for each node's protocol draws); events at one instant run in insertion order;
//! nothing reads the wall clock or iterates a hash map into output. Different seeds give
//! different schedules (latency draws, election timeouts).
//!
//! ## Finality and outcomes
//! A transaction is `committed` when every correct validator that is up and not paused has
//! decided it (see [`adapter::FINALITY`]). It is `rejected` at submission by the admission check
//! against the entry node's committed state, with the reason of the first ledger rule that fails
//! (`OTHER` if the named entry node — or every node — is down); after admission, either as soon
//! as a correct node decides a block that used up its nonce (`BAD_NONCE`: the loser of a double
//! spend hears within one block), or once it expired unapplied (see [`ledger`]). Rejected
//! transactions never appear in a decided block. [`SimAdapter`] answers the `can_transfer`
//! pre-check ([`touchstone_core::Adapter::precheck`]) of a transfer request with the admission
//! rules, against the committed state of the node the request would enter — its nonce and id
//! included, so a replay of a committed payment is predicted `BAD_NONCE`.
//!
//! ## Nonces and entry nodes
//! A nonce is valid when it is above the sender's last applied one (gaps allowed: a rejected
//! transaction consumes nothing); transactions without a nonce (dividend payments, batches,
//! admin actions) are protected from replay by their identity. `via` names the entry node; with
//! none, a sender's nonced transactions all enter one node (`sender mod n`, the first up from
//! there), others go round-robin. Proposers order each sender's transactions by nonce and hold a
//! transaction that leaves a nonce gap back for up to a second (an earlier one may still be in
//! flight) — policies, not validity rules.
//!
//! ## Supported faults
//! crash, restart (durable state survives through `Protocol::on_restart`), pause / resume
//! (work queues up), partition into groups / heal, link changes (latency, loss, bandwidth...),
//! clock skew (timers run fast or slow), and Byzantine behaviour switched on at run time.
//! Byzantine behaviours: `silent` and `delay` act on the node's outgoing messages in the
//! simulator; `equivocate`, `double_vote`, `invalid_proposal` and `amnesia` are implemented by
//! each protocol, in a `byzantine.rs` beside its honest code (see [`byzantine`]). Every Byzantine
//! node is written to the trace as `node.role`.
//!
//! ## Broken variants (deliberately BROKEN, to prove the checkers can fail)
//! - `pbft` `variant = "small_quorum"`: quorums of f + 1 instead of 2f + 1
//!   (`scenarios/byzantine-pbft-small-quorum.toml` loses agreement);
//! - `tendermint` `variant = "no_lock"`: validators never lock;
//! - `hotstuff` `variant = "two_chain"`: commits on a two-chain.

pub mod adapter;
#[cfg(test)]
mod broken_rule;
pub mod byzantine;
pub mod hotstuff;
/// The ledger application: the rules live in their own crate, `touchstone-ledger`, which the
/// Simplex validator node runs too (one rulebook, two engines); re-exported here so that
/// `touchstone_sim::ledger::…` keeps naming them.
pub use touchstone_ledger as ledger;
pub mod net;
pub mod pbft;
pub mod protocol;
pub mod raft;
pub mod registry;
pub mod sim;
pub mod tendermint;

pub use adapter::{SimAdapter, SimFactory};
pub use hotstuff::HotStuff;
pub use pbft::Pbft;
pub use raft::Raft;
pub use sim::{SimDriver, SimStats, Simulator};
pub use tendermint::Tendermint;
