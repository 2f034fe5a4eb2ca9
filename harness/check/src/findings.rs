//! The findings collector: findings per property, bounded, before names are resolved.

use crate::report::Finding;
use touchstone_spec::Property;

/// A finding before names and replay are filled in.
#[derive(Clone, Debug)]
pub(crate) struct RawFinding {
    pub(crate) prop: Property,
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
    pub(crate) counts: [usize; Property::COUNT],
    cap: usize,
}

impl Findings {
    pub(crate) fn new(cap: usize) -> Self {
        Findings { kept: Vec::new(), counts: [0; Property::COUNT], cap }
    }

    pub(crate) fn add(&mut self, mut f: RawFinding) {
        let c = &mut self.counts[f.prop.index()];
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

    pub(crate) fn count(&self, p: Property) -> usize {
        self.counts[p.index()]
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
        chain: None,
    }
}
