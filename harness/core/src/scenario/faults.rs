//! The scenario's fault model: `[[faults]]` entries, what each does, and the kinds of fault an
//! adapter may declare it can inject ([`FaultKind`]).

use super::model::{Behaviour, LinkSpec};
use crate::time::Nanos;
use serde::{Deserialize, Serialize};

/// Kinds of fault; an adapter declares which it can inject.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FaultKind {
    Crash,
    Restart,
    Pause,
    Resume,
    Partition,
    Heal,
    Link,
    ClockSkew,
    Byzantine,
}

/// A fault on the timeline.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FaultSpec {
    pub id: String,
    pub at: Nanos,
    /// If set, the fault is undone after this long (crash → restart, pause → resume,
    /// partition → heal, link → default link, clock skew → rate 1, byzantine → honest).
    pub duration: Option<Nanos>,
    pub action: FaultAction,
}

/// What a fault does.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "action", rename_all = "snake_case")]
pub enum FaultAction {
    Crash {
        nodes: Vec<String>,
    },
    Restart {
        nodes: Vec<String>,
    },
    Pause {
        nodes: Vec<String>,
    },
    Resume {
        nodes: Vec<String>,
    },
    Partition {
        groups: Vec<Vec<String>>,
    },
    Heal,
    /// Changes the link model from `nodes` to `to` (both directions unless given `to`).
    Link {
        nodes: Vec<String>,
        to: Vec<String>,
        link: LinkSpec,
    },
    /// The node's timers run at `rate` × real speed.
    ClockSkew {
        nodes: Vec<String>,
        rate: f64,
    },
    Byzantine {
        nodes: Vec<String>,
        behaviour: Behaviour,
    },
}

impl FaultAction {
    pub const NAMES: &'static [&'static str] = &[
        "crash",
        "restart",
        "pause",
        "resume",
        "partition",
        "heal",
        "link",
        "clock_skew",
        "byzantine",
    ];

    pub fn name(&self) -> &'static str {
        match self {
            FaultAction::Crash { .. } => "crash",
            FaultAction::Restart { .. } => "restart",
            FaultAction::Pause { .. } => "pause",
            FaultAction::Resume { .. } => "resume",
            FaultAction::Partition { .. } => "partition",
            FaultAction::Heal => "heal",
            FaultAction::Link { .. } => "link",
            FaultAction::ClockSkew { .. } => "clock_skew",
            FaultAction::Byzantine { .. } => "byzantine",
        }
    }

    pub fn kind(&self) -> FaultKind {
        use FaultKind as K;
        match self {
            FaultAction::Crash { .. } => K::Crash,
            FaultAction::Restart { .. } => K::Restart,
            FaultAction::Pause { .. } => K::Pause,
            FaultAction::Resume { .. } => K::Resume,
            FaultAction::Partition { .. } => K::Partition,
            FaultAction::Heal => K::Heal,
            FaultAction::Link { .. } => K::Link,
            FaultAction::ClockSkew { .. } => K::ClockSkew,
            FaultAction::Byzantine { .. } => K::Byzantine,
        }
    }

    /// The action that undoes this one after `duration`, if any.
    pub fn undo(&self, default_link: &LinkSpec) -> Option<FaultAction> {
        Some(match self {
            FaultAction::Crash { nodes } => FaultAction::Restart { nodes: nodes.clone() },
            FaultAction::Pause { nodes } => FaultAction::Resume { nodes: nodes.clone() },
            FaultAction::Partition { .. } => FaultAction::Heal,
            FaultAction::Link { nodes, to, .. } => FaultAction::Link {
                nodes: nodes.clone(),
                to: to.clone(),
                link: default_link.clone(),
            },
            FaultAction::ClockSkew { nodes, .. } => {
                FaultAction::ClockSkew { nodes: nodes.clone(), rate: 1.0 }
            }
            FaultAction::Restart { .. } | FaultAction::Resume { .. } | FaultAction::Heal => {
                return None
            }
            FaultAction::Byzantine { .. } => return None,
        })
    }

    /// Nodes the action names (all groups flattened for a partition).
    pub fn nodes(&self) -> Vec<String> {
        match self {
            FaultAction::Crash { nodes }
            | FaultAction::Restart { nodes }
            | FaultAction::Pause { nodes }
            | FaultAction::Resume { nodes }
            | FaultAction::ClockSkew { nodes, .. }
            | FaultAction::Byzantine { nodes, .. } => nodes.clone(),
            FaultAction::Link { nodes, to, .. } => nodes.iter().chain(to).cloned().collect(),
            FaultAction::Partition { groups } => groups.iter().flatten().cloned().collect(),
            FaultAction::Heal => Vec::new(),
        }
    }
}
