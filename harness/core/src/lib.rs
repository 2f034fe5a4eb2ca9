//! # touchstone-core
//!
//! The spine of Touchstone, a black-box test harness for blockchains: the scenario model and its
//! validation, the [`adapter`] contract that every chain (simulated or real) implements, the
//! open-loop load [`engine`], latency and throughput [`metrics`], the [`trace`] writer of
//! `docs/trace-format.md`, and the [`rundir`] (run directory with its manifest).
//! It holds no CLI and no concrete adapter.
//!
//! ## Layers
//! Each module imports only modules listed before it, so the crate reads bottom-up and no change
//! ripples downwards (`tests/it/layering.rs` checks it):
//!
//! | layer | modules | holds |
//! |---|---|---|
//! | 0 | [`time`], [`ids`], [`seed`], [`reason`], [`input`] | nanoseconds and clocks, names, the seed and its streams, reason codes, capped reading of input files |
//! | 1 | [`ledger`] | the ledger vocabulary: operations, admin actions, claims, asset policies, genesis |
//! | 2 | [`trace`] | trace events (the public trace format) and their writer |
//! | 3 | [`scenario`] | scripts: model, validation, fault model, each program's parameters |
//! | 4 | [`adapter`] | the contract a chain implements: traits, capabilities, outcomes, errors |
//! | 5 | [`refmodel`] | the harness's own reference model of a regulated ledger |
//! | 6 | [`workload`] | rate controllers and the payments generator |
//! | 7 | [`program`] | workload programs: what each transaction does, with expected outcomes |
//! | 8 | [`metrics`] | latency histograms and per-second series |
//! | 9 | [`engine`] | the open-loop run: schedule, submit, advance, drain, finish |
//! | 10 | [`criteria`] | the scenario's criteria judged on a run's metrics |
//! | 11 | [`record`] | `run.json` |
//! | 12 | [`rundir`] | the run directory and its manifest |
//!
//! ## Limits
//! Every accepted script finishes in bounded time and memory: [`scenario::limits`] holds the
//! ranges of single fields and the run's totals, [`scenario::Budget`] estimates a run from its
//! script (validation refuses one beyond a limit), and the engine's watchdog enforces the same
//! limits on what a run writes. Input files are read through the caps of [`input`]. The table:
//! `docs/limits.md`.
//!
//! ## Determinism
//! Every random draw derives from one [`seed::Seed`] through named ChaCha8 streams; the core never
//! reads the wall clock (adapters own time: virtual in simulation, [`time::WallClock`] for real
//! chains). `clippy.toml` forbids the wall clock and OS entropy mechanically. Same scenario, seed
//! and deterministic adapter → byte-identical trace → same fingerprint.

pub mod adapter;
pub mod criteria;
pub mod engine;
pub mod ids;
pub mod input;
pub mod ledger;
pub mod metrics;
pub mod program;
pub mod reason;
pub mod record;
pub mod refmodel;
pub mod rundir;
pub mod scenario;
pub mod seed;
pub mod time;
pub mod trace;
pub mod workload;

pub use adapter::{
    Adapter, AdapterError, Capabilities, EventSink, FaultControl, Outcome, OutcomeStatus,
    SubmitAck, TxRequest,
};
pub use ids::TxId;
pub use ledger::Operation;
pub use reason::Reason;
pub use scenario::Scenario;
pub use seed::Seed;
pub use time::Nanos;
