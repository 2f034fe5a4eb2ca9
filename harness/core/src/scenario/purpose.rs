//! The purpose vocabulary of scenario scripts (`purpose = [...]`): what a scenario is meant to
//! measure, so that a scored evaluation takes each indicator only from the runs meant for it.

use serde::{Deserialize, Serialize};

/// What a scenario is for (`purpose = ["nominal", ...]`; several may apply). The scored
/// evaluation lets an indicator draw only from the runs meant to measure it, so a run that stalls
/// on purpose (a partition) never sets a latency score, and one that provokes rejections on purpose
/// (a double-spend race) never lowers a success score.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Purpose {
    /// Honest load within capacity, no fault: the performance baseline.
    Nominal,
    /// Bursts above the nominal rate, within capacity: nothing dropped, the backlog drains.
    Peak,
    /// Load raised to (or past) capacity: how much the chain commits at most.
    Saturation,
    /// A clearing batch judged against its declared completion bound.
    Batch,
    /// Nominal load at another number of validators, compared with the same network at 4.
    Scale,
    /// A wide-area link between groups of validators, compared with the same network without.
    Wan,
    /// Crashes, pauses, partitions or slow links within the fault bound.
    Fault,
    /// More than the fault bound of the power lost (a "site"), then restored.
    Recovery,
    /// Byzantine validators.
    Byzantine,
    /// A long run (at least ten measured minutes) for availability.
    Soak,
    /// Transactions with expected outcomes, rejections provoked on purpose (conformance cases).
    Conformance,
    /// A flood of invalid transactions beside honest load.
    Spam,
    /// A deliberately broken protocol variant: a negative control the checker must catch.
    Broken,
}

impl Purpose {
    pub const ALL: [Purpose; 13] = [
        Purpose::Nominal,
        Purpose::Peak,
        Purpose::Saturation,
        Purpose::Batch,
        Purpose::Scale,
        Purpose::Wan,
        Purpose::Fault,
        Purpose::Recovery,
        Purpose::Byzantine,
        Purpose::Soak,
        Purpose::Conformance,
        Purpose::Spam,
        Purpose::Broken,
    ];

    pub const NAMES: &'static [&'static str] = &[
        "nominal",
        "peak",
        "saturation",
        "batch",
        "scale",
        "wan",
        "fault",
        "recovery",
        "byzantine",
        "soak",
        "conformance",
        "spam",
        "broken",
    ];

    pub fn as_str(self) -> &'static str {
        Self::NAMES[self as usize]
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|p| p.as_str() == s)
    }

    /// Whether runs of this purpose send transactions that must be rejected: their rejections
    /// are the test, not failures of the chain.
    pub fn provokes_rejections(self) -> bool {
        matches!(self, Purpose::Conformance | Purpose::Spam)
    }
}
