//! The trace format's properties: what a checker judges in a trace (docs/trace-format.md).

use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;

/// A property of the trace format, judged on a whole trace. Its [`id`](Property::id) is the
/// name used in traces' reports, scenario gates (`criteria.gates`) and rubrics.
///
/// The variants are in the trace format's order, which is also the order of a checker's
/// report and of its sorted findings (`Ord` follows it).
///
/// ```
/// use touchstone_spec::Property;
///
/// let p = Property::from_id("no_double_spend").unwrap();
/// assert_eq!(p, Property::NoDoubleSpend);
/// assert_eq!(p.to_string(), "no_double_spend");
/// assert!(p.is_safety() && p.is_gate(false) && !p.is_gate(true));
/// assert_eq!(Property::ALL.len(), 20);
/// assert!(Property::XchainAtomicity.is_cross_chain() && !Property::Agreement.is_cross_chain());
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Property {
    Agreement,
    Integrity,
    Chain,
    Validity,
    Quorum,
    VoteJustification,
    NoConflictingQuorums,
    StateAgreement,
    Liveness,
    Progress,
    Equivocation,
    Accountability,
    NoDoubleSpend,
    Conservation,
    NoLostTx,
    NoPhantomTx,
    /// Trace format 1.2: judged across the chains of a multi-chain trace.
    XchainConservation,
    XchainNoDoubleMint,
    XchainAtomicity,
    XchainSettlementTime,
}

impl Property {
    /// Number of properties.
    pub const COUNT: usize = 20;

    /// Every property, in the trace format's order.
    pub const ALL: [Property; Property::COUNT] = [
        Property::Agreement,
        Property::Integrity,
        Property::Chain,
        Property::Validity,
        Property::Quorum,
        Property::VoteJustification,
        Property::NoConflictingQuorums,
        Property::StateAgreement,
        Property::Liveness,
        Property::Progress,
        Property::Equivocation,
        Property::Accountability,
        Property::NoDoubleSpend,
        Property::Conservation,
        Property::NoLostTx,
        Property::NoPhantomTx,
        Property::XchainConservation,
        Property::XchainNoDoubleMint,
        Property::XchainAtomicity,
        Property::XchainSettlementTime,
    ];

    /// The cross-chain properties (trace format 1.2), judged across the chains of a trace
    /// whose `run.start` declares `chains`; a single-chain trace leaves them not evaluated.
    pub const CROSS_CHAIN: [Property; 4] = [
        Property::XchainConservation,
        Property::XchainNoDoubleMint,
        Property::XchainAtomicity,
        Property::XchainSettlementTime,
    ];

    /// Every property's id, in the trace format's order (for name lists and suggestions).
    pub const IDS: [&'static str; Property::COUNT] = {
        let mut ids = [""; Property::COUNT];
        let mut i = 0;
        while i < Property::COUNT {
            ids[i] = Property::ALL[i].id();
            i += 1;
        }
        ids
    };

    /// The id, e.g. `no_double_spend`.
    pub const fn id(self) -> &'static str {
        match self {
            Property::Agreement => "agreement",
            Property::Integrity => "integrity",
            Property::Chain => "chain",
            Property::Validity => "validity",
            Property::Quorum => "quorum",
            Property::VoteJustification => "vote_justification",
            Property::NoConflictingQuorums => "no_conflicting_quorums",
            Property::StateAgreement => "state_agreement",
            Property::Liveness => "liveness",
            Property::Progress => "progress",
            Property::Equivocation => "equivocation",
            Property::Accountability => "accountability",
            Property::NoDoubleSpend => "no_double_spend",
            Property::Conservation => "conservation",
            Property::NoLostTx => "no_lost_tx",
            Property::NoPhantomTx => "no_phantom_tx",
            Property::XchainConservation => "xchain_conservation",
            Property::XchainNoDoubleMint => "xchain_no_double_mint",
            Property::XchainAtomicity => "xchain_atomicity",
            Property::XchainSettlementTime => "xchain_settlement_time",
        }
    }

    /// The name a reader sees, e.g. `No double spend`.
    pub const fn name(self) -> &'static str {
        match self {
            Property::Agreement => "Agreement",
            Property::Integrity => "Integrity",
            Property::Chain => "Chain well-formed",
            Property::Validity => "Validity",
            Property::Quorum => "Quorum justification",
            Property::VoteJustification => "Vote justification",
            Property::NoConflictingQuorums => "No conflicting quorums",
            Property::StateAgreement => "State agreement",
            Property::Liveness => "Bounded liveness",
            Property::Progress => "Progress",
            Property::Equivocation => "Equivocation found and attributed",
            Property::Accountability => "Accountable safety",
            Property::NoDoubleSpend => "No double spend",
            Property::Conservation => "Conservation",
            Property::NoLostTx => "Nothing lost",
            Property::NoPhantomTx => "No phantom or duplicate",
            Property::XchainConservation => "Cross-chain conservation",
            Property::XchainNoDoubleMint => "No double mint or release",
            Property::XchainAtomicity => "Cross-chain DvP atomicity",
            Property::XchainSettlementTime => "Bounded settlement time",
        }
    }

    /// What the property demands, in one line.
    pub const fn description(self) -> &'static str {
        match self {
            Property::Agreement => "all correct nodes that decide a height decide the same block",
            Property::Integrity => {
                "no correct node decides two different blocks at one height, even after a restart"
            }
            Property::Chain => {
                "decided parents link to the previous decided block; each correct node's decided heights are contiguous"
            }
            Property::Validity => {
                "every block decided by a correct node was proposed, and every tx in it was submitted"
            }
            Property::Quorum => {
                "every decision of a correct node is justified by its cert, or by a quorum of votes traced before it"
            }
            Property::VoteJustification => {
                "every vote of a correct node follows from what was traced before it, by its protocol family's rule"
            }
            Property::NoConflictingQuorums => {
                "at no (height, round, vtype) do votes for two different blocks each reach a quorum"
            }
            Property::StateAgreement => {
                "correct nodes reporting an app_hash for a height report the same one"
            }
            Property::Liveness => {
                "after the last heal, every running correct node decides a new height within the bound"
            }
            Property::Progress => {
                "while a quorum of correct validators is up and connected, new heights come within the bound"
            }
            Property::Equivocation => {
                "validators casting two different votes or proposals in one slot are named; a correct one is a finding"
            }
            Property::Accountability => {
                "when agreement fails, proven equivocators hold at least 1/3 of the power"
            }
            Property::NoDoubleSpend => {
                "no (account, nonce) or balance is spent twice on the decided chain; no balance goes negative"
            }
            Property::Conservation => {
                "in every snapshot, supply = issued - redeemed and balances sum to supply"
            }
            Property::NoLostTx => {
                "every tx with a committed result appears exactly once in the decided chain"
            }
            Property::NoPhantomTx => {
                "every decided tx was submitted, appears once, and was not rejected"
            }
            Property::XchainConservation => {
                "every committed mint or release is backed by a committed lock or burn of the same transfer on its peer chain, proven by a quorum of that chain's validators; minted never exceeds locked"
            }
            Property::XchainNoDoubleMint => {
                "at most one committed mint or release per cross-chain transfer, at most one claim or refund per hashlock"
            }
            Property::XchainAtomicity => {
                "the two legs of a DvP pair are both claimed or both refunded, never one of each"
            }
            Property::XchainSettlementTime => {
                "a lock or burn is matched by its mint or release on the peer chain within the bound"
            }
        }
    }

    /// The property with this id, if the trace format defines it.
    pub fn from_id(id: &str) -> Option<Property> {
        Property::ALL.into_iter().find(|p| p.id() == id)
    }

    /// A cross-chain property (trace format 1.2): judged across chains, not per chain.
    pub const fn is_cross_chain(self) -> bool {
        matches!(
            self,
            Property::XchainConservation
                | Property::XchainNoDoubleMint
                | Property::XchainAtomicity
                | Property::XchainSettlementTime
        )
    }

    /// The position in [`Property::ALL`] (for tables indexed by property).
    pub const fn index(self) -> usize {
        self as usize
    }

    /// A safety property: something bad never happens. When Byzantine power is over the
    /// protocol's budget, safety may legitimately be lost, so a failure is *expected*.
    /// `liveness` and `progress` are not safety; `equivocation` and `accountability` are what
    /// still hold over budget (the culprits are named and hold enough power). The cross-chain
    /// properties are safety: `xchain_settlement_time` is a bound a finite prefix violates,
    /// and a chain over budget may legitimately stall a settlement.
    pub const fn is_safety(self) -> bool {
        match self {
            Property::Liveness
            | Property::Progress
            | Property::Equivocation
            | Property::Accountability => false,
            Property::Agreement
            | Property::Integrity
            | Property::Chain
            | Property::Validity
            | Property::Quorum
            | Property::VoteJustification
            | Property::NoConflictingQuorums
            | Property::StateAgreement
            | Property::NoDoubleSpend
            | Property::Conservation
            | Property::NoLostTx
            | Property::NoPhantomTx
            | Property::XchainConservation
            | Property::XchainNoDoubleMint
            | Property::XchainAtomicity
            | Property::XchainSettlementTime => true,
        }
    }

    /// A gate: one failure fails the run whatever the scores. In budget every property but
    /// `liveness` is a gate (`progress` is the gating one of the two); over budget only
    /// `accountability` is.
    pub const fn is_gate(self, over_budget: bool) -> bool {
        if over_budget {
            matches!(self, Property::Accountability)
        } else {
            !matches!(self, Property::Liveness)
        }
    }
}

impl fmt::Display for Property {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.id())
    }
}

/// An id that names no property of the trace format.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnknownProperty(pub String);

impl fmt::Display for UnknownProperty {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "unknown property {:?}", self.0)
    }
}

impl std::error::Error for UnknownProperty {}

impl FromStr for Property {
    type Err = UnknownProperty;

    fn from_str(s: &str) -> Result<Property, UnknownProperty> {
        Property::from_id(s).ok_or_else(|| UnknownProperty(s.to_string()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_round_trip_and_match_serde() {
        for p in Property::ALL {
            assert_eq!(Property::from_id(p.id()), Some(p));
            assert_eq!(p.id().parse::<Property>(), Ok(p));
            assert_eq!(serde_json::to_string(&p).unwrap(), format!("\"{}\"", p.id()));
            assert_eq!(serde_json::from_str::<Property>(&format!("\"{p}\"")).unwrap(), p);
        }
        assert_eq!(Property::from_id("Agreement"), None);
        assert!("nothing".parse::<Property>().is_err());
    }

    #[test]
    fn all_lists_each_property_once_in_index_order() {
        for (i, p) in Property::ALL.into_iter().enumerate() {
            assert_eq!(p.index(), i);
        }
        assert!(Property::ALL.windows(2).all(|w| w[0] < w[1]));
    }

    #[test]
    fn over_budget_only_accountability_is_a_gate_and_in_budget_all_but_liveness() {
        let gates =
            |over| Property::ALL.into_iter().filter(|p| p.is_gate(over)).collect::<Vec<_>>();
        assert_eq!(gates(true), [Property::Accountability]);
        assert_eq!(gates(false).len(), Property::COUNT - 1);
        assert!(!gates(false).contains(&Property::Liveness));
    }

    #[test]
    fn cross_chain_lists_the_last_four_and_only_them() {
        let xs: Vec<Property> = Property::ALL.into_iter().filter(|p| p.is_cross_chain()).collect();
        assert_eq!(xs, Property::CROSS_CHAIN);
        assert_eq!(&Property::ALL[Property::COUNT - 4..], &Property::CROSS_CHAIN);
        assert!(Property::CROSS_CHAIN.iter().all(|p| p.id().starts_with("xchain_")));
    }

    #[test]
    fn safety_excludes_liveness_and_what_still_holds_over_budget() {
        let not_safety: Vec<Property> =
            Property::ALL.into_iter().filter(|p| !p.is_safety()).collect();
        assert_eq!(
            not_safety,
            [
                Property::Liveness,
                Property::Progress,
                Property::Equivocation,
                Property::Accountability
            ]
        );
    }
}
