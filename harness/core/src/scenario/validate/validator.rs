//! The validator: collects every problem with its field path; the script's top level.

use super::faults::FaultBounds;
use crate::scenario::diag::{suggest, FieldPath};
use crate::scenario::faults::FaultSpec;
use crate::scenario::limits::{MAX_ID_BYTES, MAX_NAME_BYTES};
use crate::scenario::model::*;
use crate::scenario::raw::*;
use crate::time::{format_duration, parse_duration, Nanos};
use std::collections::BTreeSet;

pub(super) struct Validator {
    pub(super) errors: Vec<(FieldPath, String, Option<String>)>,
}

impl Validator {
    pub(super) fn err(&mut self, path: FieldPath, msg: impl Into<String>) {
        self.errors.push((path, msg.into(), None));
    }

    pub(super) fn err_sugg(
        &mut self,
        path: FieldPath,
        msg: impl Into<String>,
        sugg: Option<String>,
    ) {
        self.errors.push((path, msg.into(), sugg));
    }

    pub(super) fn duration(
        &mut self,
        path: FieldPath,
        v: &Option<String>,
        default: Nanos,
    ) -> Nanos {
        match v {
            None => default,
            Some(s) => match parse_duration(s) {
                Ok(d) => d,
                Err(e) => {
                    self.err(path, e.to_string());
                    default
                }
            },
        }
    }

    /// A duration within `range` (inclusive; the limits of `scenario::limits`), or `default`
    /// when it is absent. A value that does not parse gets one error, not a second about its
    /// range.
    pub(super) fn duration_in(
        &mut self,
        path: FieldPath,
        v: &Option<String>,
        default: Nanos,
        (min, max): (Nanos, Nanos),
    ) -> Nanos {
        let Some(s) = v else { return default };
        match parse_duration(s) {
            Ok(d) if (min..=max).contains(&d) => d,
            Ok(d) => {
                self.err(
                    path,
                    format!(
                        "must be between {} and {}, got {} (see docs/limits.md)",
                        format_duration(min),
                        format_duration(max),
                        format_duration(d)
                    ),
                );
                default
            }
            Err(e) => {
                self.err(path, e.to_string());
                default
            }
        }
    }

    /// An id that reaches the trace or the output: at most `MAX_ID_BYTES`.
    pub(super) fn id_len(&mut self, path: FieldPath, id: &str) {
        if id.len() > MAX_ID_BYTES {
            self.err(path, format!("{} bytes long, over the limit of {MAX_ID_BYTES}", id.len()));
        }
    }

    pub(super) fn name_in(&mut self, path: FieldPath, v: &str, names: &[&str]) -> bool {
        if names.contains(&v) {
            true
        } else {
            let sugg = suggest(v, names);
            self.err_sugg(
                path,
                format!("unknown value {v:?}; expected one of: {}", names.join(", ")),
                sugg,
            );
            false
        }
    }

    pub(super) fn positive_int(
        &mut self,
        path: FieldPath,
        v: Option<i64>,
        default: i64,
        max: i64,
    ) -> i64 {
        match v {
            None => default,
            Some(n) if n >= 1 && n <= max => n,
            Some(n) => {
                self.err(path, format!("must be between 1 and {max}, got {n}"));
                default
            }
        }
    }

    pub(super) fn probability(&mut self, path: FieldPath, v: Option<f64>) -> f64 {
        match v {
            None => 0.0,
            Some(p) if (0.0..=1.0).contains(&p) => p,
            Some(p) => {
                self.err(path, format!("a probability must be between 0 and 1, got {p}"));
                0.0
            }
        }
    }

    pub(super) fn scenario(&mut self, r: &RawScenario) -> Option<Scenario> {
        let root = FieldPath::root();
        let name = match &r.name {
            None => {
                self.err(root.key("name"), "missing: every scenario needs a `name`");
                String::new()
            }
            Some(n)
                if n.is_empty()
                    || !n.chars().all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_') =>
            {
                self.err(root.key("name"), format!("{n:?} must be non-empty and use only letters, digits, '-' and '_' (it names the output folder)"));
                n.clone()
            }
            Some(n) if n.len() > MAX_NAME_BYTES => {
                self.err(
                    root.key("name"),
                    format!("{} bytes long, over the limit of {MAX_NAME_BYTES} (it names the output folder)", n.len()),
                );
                n.clone()
            }
            Some(n) => n.clone(),
        };
        let kind = match &r.kind {
            None => {
                self.err(
                    root.key("kind"),
                    format!("missing: one of {}", ScenarioKind::NAMES.join(", ")),
                );
                None
            }
            Some(k) => {
                if self.name_in(root.key("kind"), k, ScenarioKind::NAMES) {
                    ScenarioKind::parse(k)
                } else {
                    None
                }
            }
        };
        let purpose = self.purpose(r.purpose.as_deref(), &root.key("purpose"));
        let network = self.network(&r.network.clone().unwrap_or_default(), &root.key("network"));
        let workload = match &r.workload {
            None => {
                self.err(
                    root.key("workload"),
                    "missing: a scenario needs a [workload] with at least one [[workload.phases]]",
                );
                None
            }
            Some(w) => self.workload(w, &root.key("workload")),
        };
        let nodes: BTreeSet<String> = network.node_ids().into_iter().collect();
        let (run_end, drain) =
            workload.as_ref().map(|w| (w.duration(), w.drain)).unwrap_or((Nanos::MAX, 0));
        let bounds = FaultBounds { nodes: &nodes, base_link: &network.link, run_end, drain };
        let faults = self.faults(&r.faults, &root.key("faults"), &bounds);
        let criteria =
            self.criteria(&r.criteria.clone().unwrap_or_default(), &root.key("criteria"));
        let explore = r.explore.as_ref().map(|e| self.explore(e, &root.key("explore"), &bounds));
        Some(Scenario {
            name,
            description: r.description.clone().unwrap_or_default(),
            kind: kind?,
            purpose,
            network,
            workload: workload?,
            faults,
            criteria,
            explore,
        })
    }

    /// Every `[[faults]]` entry, ordered by start time; ids must be unique.
    fn faults(
        &mut self,
        raw: &[RawFault],
        p: &FieldPath,
        bounds: &FaultBounds<'_>,
    ) -> Vec<FaultSpec> {
        let mut faults = Vec::new();
        let mut ids = BTreeSet::new();
        for (i, f) in raw.iter().enumerate() {
            let p = p.index(i);
            if let Some(fs) = self.fault(f, &p, i, bounds) {
                self.id_len(p.key("id"), &fs.id);
                if !ids.insert(fs.id.clone()) {
                    self.err(p.key("id"), format!("duplicate fault id {:?}", fs.id));
                }
                faults.push(fs);
            }
        }
        faults.sort_by_key(|f| f.at);
        faults
    }
}
