//! `[explore]`: the bounds within which `touchstone explore` varies a scenario's fault timeline.
//!
//! Every field is optional: what the script leaves out, the explorer derives from the network
//! (e.g. at most f validators crashed, paused or Byzantine at once, `f` the largest number of
//! faulty validators the protocol tolerates). `touchstone run` ignores the section.
//!
//! ```toml
//! [explore]
//! nodes = ["n0", "n1", "n2", "n3"]      # validators faults may target
//! actions = ["crash", "partition"]       # fault actions to draw from
//! max_faults = 3                         # faults per schedule, at most
//! from = "2s"                            # earliest start of a fault (from the load's start)
//! until = "20s"                          # every fault is over by then
//! min_duration = "500ms"
//! max_duration = "5s"
//! max_faulty = 1                         # validators crashed, paused or Byzantine at once
//! max_byzantine = 1                      # Byzantine validators in all, declared ones included
//! behaviours = ["equivocate", "silent"]  # behaviours a Byzantine switch draws from
//! max_delay = "2s"                       # slowest link latency a link fault sets
//! ```

use crate::time::Nanos;
use serde::{Deserialize, Serialize};

/// Fault actions the explorer can draw (the undo actions — restart, resume, heal — come with
/// a fault's duration).
pub const EXPLORE_ACTIONS: &[&str] =
    &["crash", "pause", "partition", "link", "clock_skew", "byzantine"];

/// The `[explore]` section as written: `None` where the explorer derives a default.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ExploreSpec {
    pub nodes: Option<Vec<String>>,
    /// Names from [`EXPLORE_ACTIONS`].
    pub actions: Option<Vec<String>>,
    pub max_faults: Option<usize>,
    pub from: Option<Nanos>,
    pub until: Option<Nanos>,
    pub min_duration: Option<Nanos>,
    pub max_duration: Option<Nanos>,
    pub max_faulty: Option<usize>,
    pub max_byzantine: Option<usize>,
    /// Names from [`super::Behaviour::NAMES`] (a `delay` draws its delay up to `max_delay`).
    pub behaviours: Option<Vec<String>>,
    pub max_delay: Option<Nanos>,
}
