//! What a search is asked to do.

use super::trial::Outcome;
use std::path::PathBuf;
use touchstone_core::Seed;

/// Candidate runs a shrink may use when not told otherwise.
pub const DEFAULT_SHRINK_RUNS: usize = 400;

/// What to explore.
#[derive(Debug, Clone)]
pub struct ExploreParams {
    pub scenario: PathBuf,
    /// Schedules to run, the scenario as written included.
    pub budget: usize,
    pub seed: Seed,
    /// Threads (results do not depend on it).
    pub jobs: usize,
    /// Scale the scenario down first (`--quick`); the written script is then the scaled one.
    pub quick: bool,
    /// Run another protocol than the script's.
    pub protocol: Option<String>,
    /// Run a (broken) variant: `Some(None)` runs the correct protocol.
    pub variant: Option<Option<String>>,
    /// Directory for the log and the shrunk script (default
    /// `touchstone-out/<scenario>/explore-s<seed>/`).
    pub out: Option<PathBuf>,
    /// Candidate runs shrinking may use.
    pub shrink_runs: usize,
    /// Run every schedule with `seed` itself (only the faults vary), instead of a run seed
    /// derived per schedule: finds a fault timeline that fails with one given seed.
    pub keep_seed: bool,
    /// Count as failures only runs where this gate fails (a property id, e.g. `agreement`),
    /// and shrink for it; `None`: any failed gate.
    pub gate: Option<String>,
}

impl ExploreParams {
    /// `budget` schedules of `scenario` with seed 1, on every available core.
    pub fn new(scenario: PathBuf, budget: usize) -> Self {
        ExploreParams {
            scenario,
            budget,
            seed: Seed(1),
            jobs: std::thread::available_parallelism().map_or(1, |n| n.get()),
            quick: false,
            protocol: None,
            variant: None,
            out: None,
            shrink_runs: DEFAULT_SHRINK_RUNS,
            keep_seed: false,
            gate: None,
        }
    }

    /// The command line that repeats this search.
    pub fn command(&self) -> String {
        let mut c = format!(
            "touchstone explore {} --budget {} --seed {}",
            self.scenario.display(),
            self.budget,
            self.seed
        );
        if let Some(p) = &self.protocol {
            c.push_str(&format!(" --protocol {p}"));
        }
        match &self.variant {
            Some(Some(v)) => c.push_str(&format!(" --variant {v}")),
            Some(None) => c.push_str(" --variant none"),
            None => {}
        }
        if self.quick {
            c.push_str(" --quick");
        }
        if self.keep_seed {
            c.push_str(" --keep-seed");
        }
        if let Some(g) = &self.gate {
            c.push_str(&format!(" --gate {g}"));
        }
        c
    }

    /// What a failing run is known by: the gate asked for, else the run's first failure.
    pub(super) fn signature_of(&self, o: &Outcome) -> Option<String> {
        match &self.gate {
            Some(g) => {
                let sig = format!("gate {g}");
                o.fails_like(&sig).then_some(sig)
            }
            None => o.signature(),
        }
    }
}
