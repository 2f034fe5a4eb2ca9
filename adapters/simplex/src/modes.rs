//! Byzantine validators: the node's modes (`touchstone-simplex-node --byzantine MODE`) and how
//! the scenario's behaviours map onto them. A behaviour with no faithful mode is refused before
//! anything starts, never run as something else.

use std::collections::BTreeMap;
use touchstone_core::scenario::{Behaviour, NetworkSpec};

/// A Byzantine mode of the node (see the node's README).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum NodeMode {
    /// commonware's `Conflicter`: notarizes and finalizes a random digest beside every proposal.
    Conflicter,
    /// commonware's `Nuller`: nullify and finalize for the same view.
    Nuller,
    /// commonware's `Outdated`: re-signs proposals from a few views back.
    Outdated,
    /// commonware's `Impersonator`: votes under another validator's index.
    Impersonator,
    /// commonware's `NullifyOnly`: nullifies every proposal.
    NullifyOnly,
    /// No consensus messages at all.
    Silent,
    /// When it leads, two different blocks to two halves of its peers.
    EquivocatingLeader,
}

impl NodeMode {
    pub const NAMES: &'static [&'static str] = &[
        "conflicter",
        "nuller",
        "outdated",
        "impersonator",
        "nullify-only",
        "silent",
        "equivocating-leader",
    ];

    /// The name on the node's command line (and in the trace's `node.role` behaviour).
    pub fn name(self) -> &'static str {
        use NodeMode::*;
        let i = match self {
            Conflicter => 0,
            Nuller => 1,
            Outdated => 2,
            Impersonator => 3,
            NullifyOnly => 4,
            Silent => 5,
            EquivocatingLeader => 6,
        };
        Self::NAMES[i]
    }

    pub fn parse(s: &str) -> Option<NodeMode> {
        use NodeMode::*;
        [Conflicter, Nuller, Outdated, Impersonator, NullifyOnly, Silent, EquivocatingLeader]
            .into_iter()
            .find(|m| m.name() == s)
    }

    /// The mode that does what the scenario's behaviour says, if the node has one.
    pub fn for_behaviour(b: &Behaviour) -> Option<NodeMode> {
        match b {
            Behaviour::Silent => Some(NodeMode::Silent),
            // Two different votes at one (view, vote type): the conflicter votes for a random
            // digest beside every real proposal, notarize and finalize alike.
            Behaviour::DoubleVote => Some(NodeMode::Conflicter),
            // Conflicting proposals to different peers.
            Behaviour::Equivocate => Some(NodeMode::EquivocatingLeader),
            Behaviour::InvalidProposal | Behaviour::Amnesia | Behaviour::Delay { .. } => None,
        }
    }
}

/// The mapping, for messages and the report's disclosure.
pub const MAPPING: &str = "silent → silent, double_vote → conflicter, equivocate → \
equivocating-leader; invalid_proposal, amnesia and delay have no Simplex mode";

/// Every Byzantine validator of the run and its mode: the scenario's `[[network.byzantine]]`
/// mapped, then the adapter configuration's `[byzantine]` (which wins for a node both name).
/// An error names what cannot run.
pub fn byzantine_nodes(
    net: &NetworkSpec,
    extra: &BTreeMap<String, NodeMode>,
) -> Result<BTreeMap<String, NodeMode>, String> {
    let ids = net.node_ids();
    let mut out = BTreeMap::new();
    for b in &net.byzantine {
        let mode = NodeMode::for_behaviour(&b.behaviour).ok_or_else(|| {
            format!(
                "[[network.byzantine]] {} behaviour {:?}: no Simplex validator mode does that \
                 ({MAPPING})",
                b.node,
                b.behaviour.name()
            )
        })?;
        out.insert(b.node.clone(), mode);
    }
    for (node, mode) in extra {
        if !ids.contains(node) {
            return Err(format!(
                "adapter configuration [byzantine] names {node:?}, which is not one of the \
                 scenario's {} validators (n0..n{})",
                ids.len(),
                ids.len().saturating_sub(1)
            ));
        }
        out.insert(node.clone(), *mode);
    }
    if !out.is_empty() && out.len() >= ids.len() {
        return Err(format!(
            "{} Byzantine validators among {}: at least one must be correct",
            out.len(),
            ids.len()
        ));
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use touchstone_core::scenario::{ByzantineSpec, RateSpec, ScenarioBuilder, ScenarioKind};

    fn net(byz: &[(&str, Behaviour)]) -> NetworkSpec {
        let mut s = ScenarioBuilder::new("t", ScenarioKind::Byzantine)
            .validators(4)
            .phase("p", 1_000_000_000, RateSpec::Constant { tps: 1.0 })
            .build();
        s.network.byzantine =
            byz.iter().map(|(n, b)| ByzantineSpec { node: n.to_string(), behaviour: *b }).collect();
        s.network
    }

    #[test]
    fn names_round_trip() {
        for n in NodeMode::NAMES {
            assert_eq!(NodeMode::parse(n).map(NodeMode::name), Some(*n));
        }
        assert_eq!(NodeMode::parse("evil"), None);
    }

    #[test]
    fn scenario_behaviours_map_onto_node_modes_and_the_rest_is_refused() {
        let got = byzantine_nodes(
            &net(&[("n3", Behaviour::DoubleVote), ("n2", Behaviour::Equivocate)]),
            &BTreeMap::new(),
        )
        .unwrap();
        assert_eq!(got["n3"], NodeMode::Conflicter);
        assert_eq!(got["n2"], NodeMode::EquivocatingLeader);
        let e = byzantine_nodes(&net(&[("n1", Behaviour::Amnesia)]), &BTreeMap::new());
        assert!(e.unwrap_err().contains("amnesia"));
    }

    #[test]
    fn the_configuration_adds_modes_but_not_unknown_nodes_nor_a_wholly_byzantine_network() {
        let extra = BTreeMap::from([("n1".to_string(), NodeMode::Nuller)]);
        let got = byzantine_nodes(&net(&[("n3", Behaviour::Silent)]), &extra).unwrap();
        assert_eq!(got.len(), 2);
        let extra = BTreeMap::from([("n9".to_string(), NodeMode::Nuller)]);
        assert!(byzantine_nodes(&net(&[]), &extra).unwrap_err().contains("n9"));
        let all: BTreeMap<String, NodeMode> =
            (0..4).map(|i| (format!("n{i}"), NodeMode::Silent)).collect();
        assert!(byzantine_nodes(&net(&[]), &all).is_err());
    }
}
