//! # touchstone-process: any adapter, in any language, over a pipe
//!
//! `--adapter process --adapter-config FILE` starts the child process the file names and
//! carries the adapter contract of `touchstone-core` to it as JSON Lines over its stdin and
//! stdout ([docs/adapter-protocol.md](../../docs/adapter-protocol.md), version
//! [`PROTOCOL_VERSION`]). The run is then an ordinary run: same engine, trace, checks, report.
//!
//! ```
//! use std::path::Path;
//! use touchstone_core::scenario::{RateSpec, ScenarioBuilder, ScenarioKind};
//! use touchstone_core::{engine, trace::MemoryTrace, Seed};
//! use touchstone_process::{ProcessAdapter, ProcessConfig};
//!
//! // The Python template adapter shipped for vendors, on its virtual clock.
//! let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples/process-adapter");
//! let cfg = ProcessConfig::new("python3", &["template_adapter.py", "--virtual"], &dir);
//! let scenario = ScenarioBuilder::new("demo", ScenarioKind::Payment)
//!     .phase("load", 2_000_000_000, RateSpec::Constant { tps: 50.0 })
//!     .build();
//! let mut adapter = ProcessAdapter::start(cfg, &scenario).unwrap();
//! assert_eq!(adapter.identity().name, "template-adapter");
//! let mut trace = MemoryTrace::default();
//! let r = engine::run(&scenario, &mut adapter, Seed(1), &mut trace, Default::default()).unwrap();
//! assert_eq!(r.metrics.measured.committed, 100);
//! assert_eq!(r.system.details["adapter_protocol_version"], "1");
//! ```
//!
//! ## What the harness guarantees the child
//! One request at a time, ids strictly increasing, a reply awaited for each (but deferred
//! submits, which are notifications); stdout read continuously by a thread of its own into a
//! bounded queue (a child that floods it is slowed down, never lost); stderr forwarded to the
//! log; the child started in its own process group and killed when the adapter is dropped.
//!
//! ## What the child must guarantee
//! Well-formed lines, replies in order and in time. Anything else — garbage, a reply to the
//! wrong request, a missing field, a timeout, an exit — ends the run with an
//! [`AdapterError`](touchstone_core::AdapterError) naming the request, the line of stdout and
//! what was expected (exit code 3; the run directory keeps the partial results). Breaches of
//! the contract's meaning (a doubled or lost outcome, a clock going back) are passed through
//! for the engine and the conformance kit to judge, as for any adapter.
//!
//! ## Supported faults
//! Whatever the child declares in its `hello`; the rest is recorded as not exercised.

mod adapter;
mod child;
mod config;
mod factory;
mod trace_in;
mod wire;

pub use adapter::{ProcessAdapter, NAME};
pub use config::{ProcessConfig, Timeouts};
pub use factory::ProcessFactory;
pub use trace_in::CHILD_KINDS;
pub use wire::{AckMode, Identity, PROTOCOL_VERSION};
