//! The fault timeline: applies each `[[faults]]` entry at its time through the adapter's
//! fault-control handle, undoes it after its duration, and writes `fault.*` / `net.heal` lines.
//! A fault the adapter cannot inject is recorded as *not exercised* and leaves no trace line, so
//! no checker can mistake it for a fault that happened. Which faults those are is known before the
//! run starts, from the adapter's declared [`Capabilities`]: they are recorded at once and their
//! action is never handed to the adapter's fault control. A fault the adapter declares but still
//! refuses ([`FaultError::NotSupported`] at its time) is recorded the same way.

use crate::adapter::{Adapter, Capabilities, EventSink, FaultError};
use crate::scenario::{FaultAction, FaultSpec, LinkSpec};
use crate::time::Nanos;
use crate::trace::{Targets, TraceEvent};
use serde::{Deserialize, Serialize};

/// What happened to one fault of the scenario.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FaultRecord {
    pub id: String,
    pub action: String,
    pub nodes: Vec<String>,
    pub at_ns: Nanos,
    pub duration_ns: Option<Nanos>,
    /// `applied`, `not_exercised` or `failed`.
    pub status: FaultStatus,
    pub message: Option<String>,
    /// When it was actually applied and undone (adapter time).
    pub applied_ns: Option<Nanos>,
    pub undone_ns: Option<Nanos>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FaultStatus {
    Pending,
    Applied,
    NotExercised,
    Failed,
}

#[derive(Debug, Clone, Copy)]
enum Step {
    Start(usize),
    Undo(usize),
}

/// Ordered fault steps and their records.
#[derive(Debug)]
pub struct FaultTimeline {
    specs: Vec<FaultSpec>,
    steps: Vec<(Nanos, Step)>,
    next: usize,
    pub records: Vec<FaultRecord>,
    default_link: LinkSpec,
    /// Faults applied and not yet stopped (index into specs).
    open: Vec<usize>,
}

impl FaultTimeline {
    /// The scenario's faults, every one `Pending`, none scheduled yet (see
    /// [`FaultTimeline::refuse_undeclared`] and [`FaultTimeline::schedule_from`]).
    pub fn new(specs: &[FaultSpec], default_link: &LinkSpec) -> Self {
        let records = specs
            .iter()
            .map(|f| FaultRecord {
                id: f.id.clone(),
                action: f.action.name().to_string(),
                nodes: f.action.nodes(),
                at_ns: f.at,
                duration_ns: f.duration,
                status: FaultStatus::Pending,
                message: None,
                applied_ns: None,
                undone_ns: None,
            })
            .collect();
        FaultTimeline {
            specs: specs.to_vec(),
            steps: Vec::new(),
            next: 0,
            records,
            default_link: default_link.clone(),
            open: Vec::new(),
        }
    }

    /// Records as *not exercised*, before the run starts, every fault whose kind `adapter`
    /// (named `adapter`) does not declare in `caps`, or every fault when it offers no fault
    /// control at all; returns how many. Their steps stay on the timeline (the engine still
    /// wakes at their times, as for any fault) but never reach the adapter.
    pub fn refuse_undeclared(
        &mut self,
        caps: &Capabilities,
        has_control: bool,
        adapter: &str,
    ) -> usize {
        let mut refused = 0;
        for (spec, rec) in self.specs.iter().zip(&mut self.records) {
            if has_control && caps.can_inject(spec.action.kind()) {
                continue;
            }
            rec.status = FaultStatus::NotExercised;
            rec.message = Some(not_exercised_message(adapter, &spec.action));
            refused += 1;
        }
        refused
    }

    /// Schedules every fault's start and undo; `t0` is the adapter time at which the load
    /// starts (fault times are relative to it).
    pub fn schedule_from(&mut self, t0: Nanos) {
        let mut steps = Vec::new();
        for (i, f) in self.specs.iter().enumerate() {
            steps.push((t0 + f.at, Step::Start(i)));
            if let Some(d) = f.duration {
                steps.push((t0 + f.at + d, Step::Undo(i)));
            }
        }
        steps.sort_by_key(|(t, s)| (*t, matches!(s, Step::Start(_))));
        self.steps = steps;
        self.next = 0;
    }

    /// Adapter time of the next step, if any.
    pub fn next_time(&self) -> Option<Nanos> {
        self.steps.get(self.next).map(|(t, _)| *t)
    }

    /// Applies every step due at or before `now`.
    pub fn apply_due(&mut self, now: Nanos, adapter: &mut dyn Adapter, sink: &mut dyn EventSink) {
        while let Some(&(t, step)) = self.steps.get(self.next) {
            if t > now {
                break;
            }
            self.next += 1;
            match step {
                Step::Start(i) => self.start(i, now, adapter, sink),
                Step::Undo(i) => self.undo(i, now, adapter, sink),
            }
        }
    }

    fn start(&mut self, i: usize, now: Nanos, adapter: &mut dyn Adapter, sink: &mut dyn EventSink) {
        if self.records[i].status == FaultStatus::NotExercised {
            return;
        }
        let spec = self.specs[i].clone();
        let result = match adapter.faults() {
            None => Err(FaultError::NotSupported(spec.action.kind())),
            Some(fc) => fc.apply(now, &spec.action, sink),
        };
        let rec = &mut self.records[i];
        match result {
            Ok(()) => {
                rec.status = FaultStatus::Applied;
                rec.applied_ns = Some(now);
                self.emit_start(i, now, sink);
            }
            Err(FaultError::NotSupported(_)) => {
                rec.status = FaultStatus::NotExercised;
                rec.message = Some(not_exercised_message(adapter.name(), &spec.action));
            }
            Err(FaultError::Failed(m)) => {
                rec.status = FaultStatus::Failed;
                rec.message = Some(m);
            }
        }
    }

    fn emit_start(&mut self, i: usize, now: Nanos, sink: &mut dyn EventSink) {
        let spec = self.specs[i].clone();
        match &spec.action {
            // Closing actions stop the open faults they end instead of starting a new one.
            FaultAction::Restart { nodes } | FaultAction::Resume { nodes } => {
                let closes = |a: &FaultAction| match (a, &spec.action) {
                    (FaultAction::Crash { nodes: n }, FaultAction::Restart { .. }) => {
                        n.iter().any(|x| nodes.contains(x))
                    }
                    (FaultAction::Pause { nodes: n }, FaultAction::Resume { .. }) => {
                        n.iter().any(|x| nodes.contains(x))
                    }
                    _ => false,
                };
                self.close_open(now, sink, closes);
            }
            FaultAction::Heal => {
                self.close_open(now, sink, |a| {
                    matches!(a, FaultAction::Partition { .. } | FaultAction::Link { .. })
                });
                sink.trace(now, &TraceEvent::NetHeal);
            }
            action => {
                let params = params_of(action);
                let ev = match action {
                    FaultAction::Partition { groups } => TraceEvent::FaultStart {
                        fault: &spec.id,
                        ftype: "partition",
                        targets: Targets::Groups(groups),
                        params: params.as_ref(),
                    },
                    _ => {
                        let nodes = action.nodes();
                        let ftype = trace_type(action);
                        sink.trace(
                            now,
                            &TraceEvent::FaultStart {
                                fault: &spec.id,
                                ftype,
                                targets: Targets::Nodes(&nodes),
                                params: params.as_ref(),
                            },
                        );
                        self.open.push(i);
                        return;
                    }
                };
                sink.trace(now, &ev);
                self.open.push(i);
            }
        }
    }

    fn close_open(
        &mut self,
        now: Nanos,
        sink: &mut dyn EventSink,
        pred: impl Fn(&FaultAction) -> bool,
    ) {
        let specs = &self.specs;
        let mut still = Vec::new();
        for &j in &self.open {
            if pred(&specs[j].action) {
                sink.trace(now, &TraceEvent::FaultStop { fault: &specs[j].id });
                self.records[j].undone_ns = Some(now);
            } else {
                still.push(j);
            }
        }
        self.open = still;
    }

    fn undo(&mut self, i: usize, now: Nanos, adapter: &mut dyn Adapter, sink: &mut dyn EventSink) {
        if self.records[i].status != FaultStatus::Applied || !self.open.contains(&i) {
            return;
        }
        let Some(undo) = self.specs[i].action.undo(&self.default_link) else { return };
        let result = match adapter.faults() {
            None => Err(FaultError::NotSupported(undo.kind())),
            Some(fc) => fc.apply(now, &undo, sink),
        };
        match result {
            Ok(()) => {
                self.open.retain(|&j| j != i);
                self.records[i].undone_ns = Some(now);
                sink.trace(now, &TraceEvent::FaultStop { fault: &self.specs[i].id });
                if matches!(self.specs[i].action, FaultAction::Partition { .. }) {
                    sink.trace(now, &TraceEvent::NetHeal);
                }
            }
            Err(e) => {
                self.records[i].message = Some(format!("could not undo: {e}"));
            }
        }
    }
}

fn not_exercised_message(adapter: &str, action: &FaultAction) -> String {
    format!("adapter {adapter} cannot inject {}", action.name())
}

fn trace_type(a: &FaultAction) -> &'static str {
    match a {
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

fn params_of(a: &FaultAction) -> Option<serde_json::Value> {
    match a {
        FaultAction::Link { to, link, .. } => Some(serde_json::json!({ "to": to, "link": link })),
        FaultAction::ClockSkew { rate, .. } => Some(serde_json::json!({ "rate": rate })),
        FaultAction::Byzantine { behaviour, .. } => {
            Some(serde_json::to_value(behaviour).unwrap_or_default())
        }
        _ => None,
    }
}
