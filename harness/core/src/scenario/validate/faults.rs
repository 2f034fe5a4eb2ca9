//! `[[faults]]`: when each fault starts and ends, and what it does to which nodes.

use super::validator::Validator;
use crate::scenario::diag::FieldPath;
use crate::scenario::faults::*;
use crate::scenario::limits::CLOCK_RATE;
use crate::scenario::model::*;
use crate::scenario::raw::*;
use crate::time::Nanos;
use std::collections::BTreeSet;

/// What every fault is checked against: the network's nodes and default link, and when the
/// load (`run_end`) and the drain after it end.
pub(super) struct FaultBounds<'a> {
    pub(super) nodes: &'a BTreeSet<String>,
    pub(super) base_link: &'a LinkSpec,
    pub(super) run_end: Nanos,
    pub(super) drain: Nanos,
}

impl Validator {
    /// Fault number `index` (its default id is `f<index+1>`).
    pub(super) fn fault(
        &mut self,
        f: &RawFault,
        p: &FieldPath,
        index: usize,
        bounds: &FaultBounds<'_>,
    ) -> Option<FaultSpec> {
        let (at, duration) = self.fault_window(f, p, bounds)?;
        let Some(action) = &f.action else {
            self.err(p.key("action"), format!("missing: one of {}", FaultAction::NAMES.join(", ")));
            return None;
        };
        if !self.name_in(p.key("action"), action, FaultAction::NAMES) {
            return None;
        }
        self.fault_fields_apply(f, p, action);
        let act = self.fault_action(f, p, action, bounds)?;
        if duration.is_some() && act.undo(bounds.base_link).is_none() {
            self.err(
                p.key("duration"),
                format!("action {action:?} cannot be undone after a duration"),
            );
        }
        Some(FaultSpec {
            id: f.id.clone().unwrap_or_else(|| format!("f{}", index + 1)),
            at,
            duration,
            action: act,
        })
    }

    /// When the fault starts and how long it lasts: within the run, or it is never exercised.
    fn fault_window(
        &mut self,
        f: &RawFault,
        p: &FieldPath,
        bounds: &FaultBounds<'_>,
    ) -> Option<(Nanos, Option<Nanos>)> {
        let at = match &f.at {
            None => {
                self.err(p.key("at"), "missing: when the fault starts, e.g. at = \"10s\"");
                return None;
            }
            Some(_) => self.duration(p.key("at"), &f.at, 0),
        };
        let run_end = bounds.run_end;
        if at >= run_end && run_end != Nanos::MAX {
            self.err(
                p.key("at"),
                format!(
                    "starts after the load ends ({}): it would never be exercised",
                    crate::time::format_duration(run_end)
                ),
            );
        }
        let errors_before = self.errors.len();
        let duration =
            f.duration.as_ref().map(|_| self.duration(p.key("duration"), &f.duration, 0));
        let parsed = self.errors.len() == errors_before;
        if let Some(d) = duration.filter(|_| parsed) {
            if d == 0 {
                self.err(
                    p.key("duration"),
                    "must be above zero (leave it out for a fault that lasts)",
                );
            } else if at.saturating_add(d) > run_end.saturating_add(bounds.drain) {
                self.err(p.key("duration"), "the fault would end after the run does");
            }
        }
        Some((at, duration))
    }

    /// Every field given must be one that `action` uses.
    fn fault_fields_apply(&mut self, f: &RawFault, p: &FieldPath, action: &str) {
        let uses: &[&str] = match action {
            "crash" | "restart" | "pause" | "resume" => &["nodes"],
            "partition" => &["groups"],
            "heal" => &[],
            "link" => &["nodes", "to", "link"],
            "clock_skew" => &["nodes", "rate"],
            _ => &["nodes", "behaviour", "delay"],
        };
        for (k, here) in [
            ("nodes", f.nodes.is_some()),
            ("groups", f.groups.is_some()),
            ("to", f.to.is_some()),
            ("rate", f.rate.is_some()),
            ("behaviour", f.behaviour.is_some()),
            ("delay", f.delay.is_some()),
            ("link", f.link.is_some()),
        ] {
            if here && !uses.contains(&k) {
                self.err(p.key(k), format!("`{k}` does not apply to action {action:?}"));
            }
        }
    }

    /// What the fault does, by action.
    fn fault_action(
        &mut self,
        f: &RawFault,
        p: &FieldPath,
        action: &str,
        bounds: &FaultBounds<'_>,
    ) -> Option<FaultAction> {
        let nodes = bounds.nodes;
        Some(match action {
            "crash" => FaultAction::Crash { nodes: self.fault_nodes(f, p, action, nodes) },
            "restart" => FaultAction::Restart { nodes: self.fault_nodes(f, p, action, nodes) },
            "pause" => FaultAction::Pause { nodes: self.fault_nodes(f, p, action, nodes) },
            "resume" => FaultAction::Resume { nodes: self.fault_nodes(f, p, action, nodes) },
            "heal" => FaultAction::Heal,
            "partition" => self.partition(f, p, nodes),
            "link" => {
                let from = self.fault_nodes(f, p, action, nodes);
                let to = f.to.clone().unwrap_or_default();
                self.node_list(p.key("to"), &to, nodes);
                let link = match &f.link {
                    None => {
                        self.err(
                            p.key("link"),
                            "missing: the new link model, e.g. link = { latency = \"200ms\" }",
                        );
                        bounds.base_link.clone()
                    }
                    Some(l) => self.link(l, &p.key("link"), bounds.base_link),
                };
                FaultAction::Link { nodes: from, to, link }
            }
            "clock_skew" => {
                let nodes = self.fault_nodes(f, p, action, nodes);
                FaultAction::ClockSkew { nodes, rate: self.clock_rate(f, p) }
            }
            _ => {
                let nodes = self.fault_nodes(f, p, action, nodes);
                let behaviour = self.behaviour(p, &f.behaviour, &f.delay)?;
                FaultAction::Byzantine { nodes, behaviour }
            }
        })
    }

    /// The fault's `nodes`: at least one, each a validator of the network.
    fn fault_nodes(
        &mut self,
        f: &RawFault,
        p: &FieldPath,
        action: &str,
        nodes: &BTreeSet<String>,
    ) -> Vec<String> {
        match &f.nodes {
            Some(list) if !list.is_empty() => {
                self.node_list(p.key("nodes"), list, nodes);
                list.clone()
            }
            _ => {
                self.err(
                    p.key("nodes"),
                    format!("action {action:?} needs at least one node in `nodes`"),
                );
                Vec::new()
            }
        }
    }

    /// At least two groups of validators, none in two groups.
    fn partition(&mut self, f: &RawFault, p: &FieldPath, nodes: &BTreeSet<String>) -> FaultAction {
        let groups = f.groups.clone().unwrap_or_default();
        if groups.len() < 2 {
            self.err(p.key("groups"), "a partition needs at least two groups, e.g. groups = [[\"n0\", \"n1\"], [\"n2\", \"n3\"]]");
        }
        let mut seen = BTreeSet::new();
        for (gi, g) in groups.iter().enumerate() {
            self.node_list(p.key("groups").index(gi), g, nodes);
            for n in g {
                if !seen.insert(n.clone()) {
                    self.err(p.key("groups").index(gi), format!("{n:?} is in two groups"));
                }
            }
        }
        FaultAction::Partition { groups }
    }

    /// A skewed clock's speed, in (0, 100].
    fn clock_rate(&mut self, f: &RawFault, p: &FieldPath) -> f64 {
        match f.rate {
            None => {
                self.err(
                    p.key("rate"),
                    "missing: the clock's speed, e.g. rate = 1.5 (timers 50% fast)",
                );
                1.0
            }
            Some(r) if (CLOCK_RATE.0..=CLOCK_RATE.1).contains(&r) => r,
            Some(r) => {
                self.err(
                    p.key("rate"),
                    format!(
                        "clock rate must be between {} and {} (a timer never fires more than 100 \
                         times early or late), got {r}",
                        CLOCK_RATE.0, CLOCK_RATE.1
                    ),
                );
                1.0
            }
        }
    }
}
