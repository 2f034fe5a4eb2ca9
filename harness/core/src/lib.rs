//! # touchstone-core
//!
//! The spine of Touchstone, a black-box test harness for blockchains: the scenario model and its
//! validation, the [`adapter`] contract that every chain (simulated or real) implements, the
//! open-loop load [`engine`], latency and throughput [`metrics`], the [`trace`] writer of
//! `shared/spec/trace-format.md`, and the [`rundir`] (run directory with its manifest).
//! It holds no CLI and no concrete adapter.
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
    Adapter, AdapterError, Capabilities, EventSink, FaultControl, Operation, Outcome,
    OutcomeStatus, SubmitAck, TxRequest,
};
pub use ids::TxId;
pub use reason::Reason;
pub use scenario::Scenario;
pub use seed::Seed;
pub use time::Nanos;
