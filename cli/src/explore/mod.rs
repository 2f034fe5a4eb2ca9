//! `touchstone explore`: randomized fault schedules for a scenario, searched in memory on the
//! simulated network, and a failing one shrunk to a small script that replays it.
//!
//! 1. The scenario as written runs first, with the exploration seed (its trace also tells who
//!    led when, for leader-isolating faults).
//! 2. `budget − 1` schedules follow, each drawn within the [`Bounds`] (the script's
//!    `[explore]` section, defaults from the network: at most f validators crashed, paused or
//!    Byzantine at once — f < n/3, or n/2 for Raft —, faults between 10 % and 80 % of the load,
//!    up to four per schedule, every action the simulator injects) by [`generate`], from the
//!    stream `explore/schedule/<i>` of the exploration seed, and run with the seed
//!    `explore/run/<i>` derived from it (or with the exploration seed itself, `keep_seed`: only
//!    the faults vary). A run **fails** when a gate fails or the simulator panics ([`trial`]).
//! 3. The first failure (lowest index) is shrunk ([`shrink`]) and written as an ordinary
//!    scenario script, which is then run once more through the same pipeline as
//!    `touchstone run` to confirm that it fails the same way.
//!
//! ```no_run
//! use std::sync::atomic::AtomicBool;
//! use touchstone::explore::{explore, ExploreParams};
//! let params = ExploreParams::new("scenarios/partition-heal.toml".into(), 100);
//! let report = explore(&params, &AtomicBool::new(false)).unwrap();
//! println!("{} failures", report.failures.len());
//! ```
//!
//! ## Determinism
//! Schedules, run seeds, outcomes and the shrunk script depend only on the scenario, the
//! exploration seed and the budget — never on the thread count ([`pool`] keeps results in
//! index order, and shrinking keeps the first failing candidate in a fixed order). Only the
//! elapsed times differ from one run of the search to the next.

pub mod bounds;
pub mod generate;
pub mod output;
mod params;
pub mod pool;
mod search;
pub mod shrink;
pub mod trial;

pub use bounds::Bounds;
pub use output::ScheduleLog;
pub use params::{ExploreParams, DEFAULT_SHRINK_RUNS};
pub use search::{explore, ExploreReport, ShrunkFailure};
pub use trial::Outcome;
