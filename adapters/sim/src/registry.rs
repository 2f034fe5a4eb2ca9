//! Which protocols the simulator runs, by `[network] protocol`, and their broken variants.

use crate::sim::{SimDriver, Simulator};
use touchstone_core::scenario::NetworkSpec;
use touchstone_core::Seed;

/// A protocol the simulator knows.
#[derive(Debug, Clone, Copy)]
pub struct ProtocolInfo {
    pub name: &'static str,
    pub description: &'static str,
    /// Broken variants (`variant = "..."`), each documented as broken.
    pub variants: &'static [(&'static str, &'static str)],
    /// Whether the protocol tolerates Byzantine faults (quorum 2/3) or only crashes (1/2).
    pub bft: bool,
}

/// Every protocol of the simulator.
pub const PROTOCOLS: &[ProtocolInfo] = &[
    ProtocolInfo {
        name: "pbft",
        description: "PBFT: pre-prepare / prepare / commit, view change, catch-up",
        variants: &[(
            "small_quorum",
            "BROKEN: quorums of f+1 instead of 2f+1; loses agreement under an equivocating primary",
        )],
        bft: true,
    },
    ProtocolInfo {
        name: "tendermint",
        description:
            "Tendermint: propose / prevote / precommit with locking, growing round timeouts",
        variants: &[(
            "no_lock",
            "BROKEN: never locks, so a later round can decide a conflicting block",
        )],
        bft: true,
    },
    ProtocolInfo {
        name: "hotstuff",
        description: "chained HotStuff: three-chain commit rule, pacemaker",
        variants: &[("two_chain", "BROKEN: commits on a two-chain")],
        bft: true,
    },
    ProtocolInfo {
        name: "raft",
        description: "Raft: leader election and log replication (crash faults only)",
        variants: &[],
        bft: false,
    },
];

/// Looks a protocol up by name.
pub fn protocol_info(name: &str) -> Option<&'static ProtocolInfo> {
    PROTOCOLS.iter().find(|p| p.name == name)
}

/// Checks that the simulator can build `spec`. Errors name what is wrong.
pub fn check(spec: &NetworkSpec) -> Result<&'static ProtocolInfo, String> {
    if spec.protocol == "simplex" {
        return Err("protocol \"simplex\" is not simulated: it runs as real validator processes \
                    with --adapter simplex (scripts/build-simplex-node.sh builds them)"
            .into());
    }
    let Some(info) = protocol_info(&spec.protocol) else {
        let known: Vec<&str> = PROTOCOLS.iter().map(|p| p.name).collect();
        return Err(format!(
            "unknown protocol {:?} (the simulator runs {})",
            spec.protocol,
            known.join(", ")
        ));
    };
    if let Some(v) = &spec.variant {
        if !info.variants.iter().any(|(name, _)| name == v) {
            let known: Vec<&str> = info.variants.iter().map(|(n, _)| *n).collect();
            return Err(format!(
                "protocol {} has no variant {v:?} (known: {})",
                info.name,
                if known.is_empty() { "none".to_string() } else { known.join(", ") }
            ));
        }
    }
    if spec.validators == 0 {
        return Err("a network needs at least one validator".into());
    }
    Ok(info)
}

/// Builds the simulator for `spec`, seeded by the run's `seed`. Errors name what is wrong.
pub fn build(spec: &NetworkSpec, seed: Seed) -> Result<Box<dyn SimDriver>, String> {
    let info = check(spec)?;
    Ok(match info.name {
        "pbft" => Box::new(Simulator::new(spec, seed, crate::pbft::Pbft::new)),
        "raft" => Box::new(Simulator::new(spec, seed, crate::raft::Raft::new)),
        "tendermint" => Box::new(Simulator::new(spec, seed, crate::tendermint::Tendermint::new)),
        _ => Box::new(Simulator::new(spec, seed, crate::hotstuff::HotStuff::new)),
    })
}
