//! `[explore]`: the bounds of `touchstone explore` — nodes of the network, known actions and
//! behaviours, a time window within the run, ordered limits.

use super::faults::FaultBounds;
use super::validator::Validator;
use crate::scenario::diag::FieldPath;
use crate::scenario::explore::{ExploreSpec, EXPLORE_ACTIONS};
use crate::scenario::model::Behaviour;
use crate::scenario::raw::RawExplore;
use crate::time::Nanos;

/// Faults one explored schedule may hold, at most.
const MAX_FAULTS: i64 = 64;

impl Validator {
    pub(super) fn explore(
        &mut self,
        r: &RawExplore,
        p: &FieldPath,
        bounds: &FaultBounds<'_>,
    ) -> ExploreSpec {
        if let Some(nodes) = &r.nodes {
            if nodes.is_empty() {
                self.err(p.key("nodes"), "list at least one validator faults may target");
            }
            self.node_list(p.key("nodes"), nodes, bounds.nodes);
        }
        self.names_in(p, "actions", &r.actions, EXPLORE_ACTIONS);
        self.names_in(p, "behaviours", &r.behaviours, Behaviour::NAMES);
        let validators = bounds.nodes.len() as i64;
        let count = |this: &mut Self, key: &str, v: Option<i64>, min: i64, max: i64| {
            v.map(|n| {
                if n < min || n > max {
                    this.err(p.key(key), format!("must be between {min} and {max}, got {n}"));
                }
                n.clamp(min, max) as usize
            })
        };
        let opt = |this: &mut Self, key: &str, v: &Option<String>| {
            v.as_ref().map(|_| this.duration(p.key(key), v, 0))
        };
        let spec = ExploreSpec {
            nodes: r.nodes.clone(),
            actions: r.actions.clone(),
            max_faults: count(self, "max_faults", r.max_faults, 1, MAX_FAULTS),
            from: opt(self, "from", &r.from),
            until: opt(self, "until", &r.until),
            min_duration: opt(self, "min_duration", &r.min_duration),
            max_duration: opt(self, "max_duration", &r.max_duration),
            max_faulty: count(self, "max_faulty", r.max_faulty, 0, validators),
            max_byzantine: count(self, "max_byzantine", r.max_byzantine, 0, validators),
            behaviours: r.behaviours.clone(),
            max_delay: opt(self, "max_delay", &r.max_delay),
        };
        self.explore_window(&spec, p, bounds);
        spec
    }

    /// Every name of `key` is one of `names`, and there is at least one.
    fn names_in(&mut self, p: &FieldPath, key: &str, list: &Option<Vec<String>>, names: &[&str]) {
        let Some(list) = list else { return };
        if list.is_empty() {
            self.err(p.key(key), format!("list at least one of {}", names.join(", ")));
        }
        for (i, a) in list.iter().enumerate() {
            self.name_in(p.key(key).index(i), a, names);
        }
    }

    /// `from < until`, within the run; `min_duration ≤ max_duration`, both above zero.
    fn explore_window(&mut self, s: &ExploreSpec, p: &FieldPath, bounds: &FaultBounds<'_>) {
        let end = bounds.run_end.saturating_add(bounds.drain);
        if let (Some(from), Some(until)) = (s.from, s.until) {
            if from >= until {
                self.err(p.key("until"), "must be after `from`");
            }
        }
        if s.from.is_some_and(|f| f >= bounds.run_end && bounds.run_end != Nanos::MAX) {
            self.err(p.key("from"), "starts after the load ends: no fault would be exercised");
        }
        if s.until.is_some_and(|u| u > end) {
            self.err(p.key("until"), "after the run ends (load and drain)");
        }
        for key in ["min_duration", "max_duration", "max_delay"] {
            let v = match key {
                "min_duration" => s.min_duration,
                "max_duration" => s.max_duration,
                _ => s.max_delay,
            };
            if v == Some(0) {
                self.err(p.key(key), "must be above zero");
            }
        }
        if let (Some(lo), Some(hi)) = (s.min_duration, s.max_duration) {
            if lo > hi {
                self.err(p.key("max_duration"), "must be at least `min_duration`");
            }
        }
    }
}
