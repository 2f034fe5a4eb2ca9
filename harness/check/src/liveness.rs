//! Bounded liveness: the window after the last heal, and each running correct validator's
//! first new decision in it (trace format 1.1, resolution 6).

use crate::faults::Faults;
use crate::findings::{Findings, RawFinding};
use crate::model::Model;
use crate::report::{LivenessStats, Verdict};
use touchstone_spec::Property;

/// The liveness window and per-node progress since it opened.
#[derive(Debug, Default)]
pub(crate) struct Liveness {
    /// (t_ns, line) of the last `net.heal` / `fault.stop`; `None` = run start.
    pub(crate) window: Option<(u64, u64)>,
    /// `t_ns` of `run.start`.
    start: u64,
    /// The highest height any correct node had decided when the window opened: a *new*
    /// height is one above it.
    base: Option<u64>,
    first_new: Vec<Option<u64>>,
    max_decided: Vec<Option<u64>>,
    /// The highest height decided by a correct node so far.
    top: Option<u64>,
    pub(crate) decides: u64,
}

fn at<T: Default + Clone>(v: &mut Vec<T>, n: u32) -> &mut T {
    let i = n as usize;
    if v.len() <= i {
        v.resize(i + 1, T::default());
    }
    &mut v[i]
}

impl Liveness {
    /// `run.start` at `t`: the window opens here unless a heal or fault stop comes later.
    pub(crate) fn start(&mut self, t: u64) {
        self.start = t;
    }

    /// A `net.heal` or `fault.stop` opens a new window.
    pub(crate) fn open_window(&mut self, t: u64, line: u64) {
        self.window = Some((t, line));
        self.base = self.top;
        self.first_new.iter_mut().for_each(|x| *x = None);
    }

    /// A decision of `height` by `node` at `t` (`correct` as known now).
    #[inline]
    pub(crate) fn decide(&mut self, node: u32, height: u64, t: u64, correct: bool) {
        self.decides += 1;
        let m = at(&mut self.max_decided, node);
        if m.is_none_or(|m| height > m) {
            *m = Some(height);
        }
        if correct && self.top.is_none_or(|top| height > top) {
            self.top = Some(height);
        }
        if self.base.is_none_or(|b| height > b) {
            let f = at(&mut self.first_new, node);
            if f.is_none() {
                *f = Some(t);
            }
        }
    }

    /// Verdict at the end of the trace.
    #[allow(clippy::too_many_arguments)] // the end of the trace, as the judge needs it
    pub(crate) fn evaluate(
        &self,
        model: &Model,
        faults: &Faults,
        last_t: u64,
        run_start_line: u64,
        bound: u64,
        over_budget: bool,
        findings: &mut Findings,
    ) -> (Verdict, Option<String>, Option<LivenessStats>) {
        let ne = |r: &str| (Verdict::NotEvaluated, Some(r.to_string()), None);
        if over_budget {
            return ne("Byzantine power is over budget");
        }
        if self.decides == 0 {
            return ne("no cons.decide in the trace");
        }
        if faults.network_active() {
            return ne("a network fault is still active at the end of the trace");
        }
        let (start, start_line) = self.window.map_or((self.start, None), |(t, l)| (t, Some(l)));
        let nodes = self.expected_to_decide(model, faults);
        if nodes.is_empty() {
            return ne("no running correct validator at the end of the trace");
        }
        let window =
            Window { start, bound, last_t, evidence: start_line.unwrap_or(run_start_line) };
        let judged = self.judge_nodes(&nodes, &window, findings);
        let stats = LivenessStats {
            window_start_ns: start,
            window_start_line: start_line,
            bound_ns: bound,
            nodes_expected: nodes.len(),
            nodes_decided_in_bound: judged.in_bound,
            time_to_first_decision_ns: judged.first,
            time_to_all_decided_ns: judged.all,
        };
        if findings.count(Property::Liveness) > 0 {
            return (Verdict::Fail, None, Some(stats));
        }
        if !judged.pending.is_empty() {
            let names: Vec<String> = judged.pending.iter().map(|&n| model.name(n)).collect();
            let r = format!(
                "trace ends {:.3} s after the window start, before the {:.3} s bound, and {} have not decided yet",
                secs(last_t.saturating_sub(start)),
                secs(bound),
                names.join(",")
            );
            return (Verdict::NotEvaluated, Some(r), Some(stats));
        }
        let from =
            if start_line.is_some() { "the last heal" } else { "run start (no heal in trace)" };
        (Verdict::Pass, Some(format!("window from {from}")), Some(stats))
    }

    /// The running correct validators of the set in force at the highest decided height.
    fn expected_to_decide(&self, model: &Model, faults: &Faults) -> Vec<u32> {
        let top = self.max_decided.iter().flatten().max().copied().unwrap_or(0);
        model
            .valset(top)
            .members
            .iter()
            .map(|m| m.0)
            .filter(|&n| model.is_correct(n) && !faults.is_down(n))
            .collect()
    }

    /// Whether each of `nodes` decided a new height within the bound: a finding for each that
    /// did so late, or not at all once the bound has passed; pending when the trace ended first.
    fn judge_nodes(&self, nodes: &[u32], w: &Window, findings: &mut Findings) -> JudgedNodes {
        let mut judged =
            JudgedNodes { in_bound: 0, pending: Vec::new(), first: None, all: Some(0) };
        for &n in nodes {
            let got = self.first_new.get(n as usize).copied().flatten();
            let next = self.base.map_or(0, |h| h + 1);
            match got {
                Some(t) => {
                    let d = t - w.start.min(t);
                    judged.first = Some(judged.first.map_or(d, |f| f.min(d)));
                    judged.all = judged.all.map(|a| a.max(d));
                    if d <= w.bound {
                        judged.in_bound += 1;
                    } else {
                        findings.add(RawFinding {
                            prop: Property::Liveness,
                            nodes: vec![n],
                            height: None,
                            round: None,
                            lines: vec![w.evidence],
                            message: format!(
                                "first new decision {:.3} s after the window start at {:.3} s, bound {:.3} s",
                                secs(d),
                                secs(w.start),
                                secs(w.bound)
                            ),
                        });
                    }
                }
                None => {
                    judged.all = None;
                    if w.last_t.saturating_sub(w.start) >= w.bound {
                        findings.add(RawFinding {
                            prop: Property::Liveness,
                            nodes: vec![n],
                            height: Some(next),
                            round: None,
                            lines: vec![w.evidence],
                            message: format!(
                                "decided no new height within {:.3} s of the window start at {:.3} s",
                                secs(w.bound),
                                secs(w.start)
                            ),
                        });
                    } else {
                        judged.pending.push(n);
                    }
                }
            }
        }
        judged
    }
}

/// The liveness window: its start, the bound, the end of the trace, and the line cited as
/// evidence (the last heal, or `run.start`).
struct Window {
    start: u64,
    bound: u64,
    last_t: u64,
    evidence: u64,
}

/// The nodes judged: how many decided in the bound, which may still decide, and the times to
/// the first and to every node's new decision (`None` when one has not decided).
struct JudgedNodes {
    in_bound: usize,
    pending: Vec<u32>,
    first: Option<u64>,
    all: Option<u64>,
}

fn secs(ns: u64) -> f64 {
    ns as f64 / 1e9
}
