//! The spec's property table and the findings collector.

use crate::report::Finding;

/// Every property of the trace spec: `(id, name, description)`, in the spec's order.
pub const PROPERTIES: &[(&str, &str, &str)] = &[
    ("agreement", "Agreement", "all correct nodes that decide a height decide the same block"),
    ("integrity", "Integrity", "no correct node decides two different blocks at one height, even after a restart"),
    ("chain", "Chain well-formed", "decided parents link to the previous decided block; each correct node's decided heights are contiguous"),
    ("validity", "Validity", "every block decided by a correct node was proposed, and every tx in it was submitted"),
    ("quorum", "Quorum justification", "every decision of a correct node is justified by a quorum of distinct validators of the set (cert or votes)"),
    ("no_conflicting_quorums", "No conflicting quorums", "at no (height, round, vtype) do votes for two different blocks each reach a quorum"),
    ("state_agreement", "State agreement", "correct nodes reporting an app_hash for a height report the same one"),
    ("liveness", "Bounded liveness", "after the last heal, every running correct node decides a new height within the bound"),
    ("equivocation", "Equivocation found and attributed", "validators casting two different votes or proposals in one slot are named; a correct one is a finding"),
    ("accountability", "Accountable safety", "when agreement fails, proven equivocators hold at least 1/3 of the power"),
    ("no_double_spend", "No double spend", "no (account, nonce) or balance is spent twice on the decided chain; no balance goes negative"),
    ("conservation", "Conservation", "in every snapshot, supply = issued - redeemed and balances sum to supply"),
    ("no_lost_tx", "Nothing lost", "every tx with a committed result appears exactly once in the decided chain"),
    ("no_phantom_tx", "No phantom or duplicate", "every decided tx was submitted, appears once, and was not rejected"),
];

/// Property indices into [`PROPERTIES`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) enum P {
    Agreement = 0,
    Integrity,
    Chain,
    Validity,
    Quorum,
    NoConflictingQuorums,
    StateAgreement,
    Liveness,
    Equivocation,
    Accountability,
    NoDoubleSpend,
    Conservation,
    NoLostTx,
    NoPhantomTx,
}

/// Number of properties.
pub(crate) const N_PROPS: usize = 14;

impl P {
    pub(crate) fn id(self) -> &'static str {
        PROPERTIES[self as usize].0
    }
    /// Safety properties: marked expected-to-fail when the run is over budget.
    pub(crate) fn is_safety(self) -> bool {
        !matches!(self, P::Liveness | P::Equivocation | P::Accountability)
    }
}

/// A finding before names and replay are filled in.
#[derive(Clone, Debug)]
pub(crate) struct RawFinding {
    pub(crate) prop: P,
    pub(crate) nodes: Vec<u32>,
    pub(crate) height: Option<u64>,
    pub(crate) round: Option<u64>,
    pub(crate) lines: Vec<u64>,
    pub(crate) message: String,
}

/// Findings per property, bounded.
#[derive(Debug)]
pub(crate) struct Findings {
    pub(crate) kept: Vec<RawFinding>,
    pub(crate) counts: [usize; N_PROPS],
    cap: usize,
}

impl Findings {
    pub(crate) fn new(cap: usize) -> Self {
        Findings { kept: Vec::new(), counts: [0; N_PROPS], cap }
    }

    pub(crate) fn add(&mut self, mut f: RawFinding) {
        let c = &mut self.counts[f.prop as usize];
        *c += 1;
        if *c <= self.cap {
            f.nodes.sort_unstable();
            f.nodes.dedup();
            f.lines.sort_unstable();
            f.lines.dedup();
            self.kept.push(f);
        }
    }

    /// Findings added so far, over all properties.
    pub(crate) fn total(&self) -> usize {
        self.counts.iter().sum()
    }

    pub(crate) fn count(&self, p: P) -> usize {
        self.counts[p as usize]
    }
}

/// Builds the public finding.
pub(crate) fn publish(
    f: &RawFinding,
    name: impl Fn(u32) -> String,
    replay: &Option<String>,
) -> Finding {
    Finding {
        property: f.prop.id().to_string(),
        nodes: f.nodes.iter().map(|&n| name(n)).collect(),
        height: f.height,
        round: f.round,
        lines: f.lines.clone(),
        message: f.message.clone(),
        replay: replay.clone(),
    }
}
