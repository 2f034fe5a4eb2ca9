//! Progress (a gate): while a quorum of correct validators is up and connected, new heights
//! keep coming, and no such validator stays behind the others for longer than the bound.
//!
//! Time is counted on two clocks that run only while a quorum is up and connected (see
//! [`crate::faults::Faults::connected_quorum`]):
//! - the *chain* clock, between two new heights (a height above every height a correct node
//!   had decided), and only while work is pending: a submitted transaction without a final
//!   result, or, in a trace without `tx.submit`, a proposal or vote for a height not decided
//!   yet. A gap of more than the bound on it is a finding;
//! - each validator's *catch-up* clock, while that validator is among the connected quorum
//!   and behind (a correct node has decided higher). A validator behind for more than the
//!   bound without deciding a new height of its own is a finding naming it.
//!
//! After a stretch without a connected quorum (or, for one validator, without being in it),
//! the clocks resume only after as long again: the protocol's backed-off timers need about that
//! long to bring it back (the recovery allowance).

use crate::findings::{Findings, RawFinding};
use crate::report::{ProgressGap, ProgressStall, ProgressStats, Verdict};
use touchstone_spec::Property;

/// Gaps and stalls kept for the report (the rest are counted as findings only).
const KEEP: usize = 100;

/// A clock that runs only while its condition holds, and not before `from` (the end of a
/// recovery allowance) when it starts.
#[derive(Debug, Default, Clone, Copy)]
struct Clock {
    acc: u64,
    since: Option<u64>,
}

impl Clock {
    fn read(&self, t: u64) -> u64 {
        self.acc + self.since.map_or(0, |s| t.saturating_sub(s))
    }

    fn set(&mut self, on: bool, t: u64, from: u64) {
        match (on, self.since) {
            (true, None) => self.since = Some(t.max(from)),
            (false, Some(s)) => {
                self.acc += t.saturating_sub(s);
                self.since = None;
            }
            _ => {}
        }
    }

    fn reset(&mut self, t: u64, from: u64) {
        self.acc = 0;
        if self.since.is_some() {
            self.since = Some(t.max(from));
        }
    }
}

/// When a condition (a connected quorum) comes back after a stretch without it, time counts
/// again only after as long as that stretch: protocols back their timers off while they cannot
/// make progress, and need about that long to resume.
#[derive(Debug, Default, Clone, Copy)]
struct Recovery {
    lost_at: Option<u64>,
    resume_at: u64,
}

impl Recovery {
    fn change(&mut self, on: bool, t: u64) {
        match (on, self.lost_at) {
            (true, Some(lost)) => {
                self.resume_at = t + (t - lost.min(t));
                self.lost_at = None;
            }
            (false, None) => self.lost_at = Some(t),
            _ => {}
        }
    }
}

/// A progress finding already certain while the trace goes on ([`Progress::overdue`]): the
/// chain (`node: None`) or one validator has made no progress above `height` for `counted_ns`
/// (counted as the end will count it) since `from_ns`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Overdue {
    pub(crate) node: Option<u32>,
    pub(crate) height: Option<u64>,
    pub(crate) from_ns: u64,
    pub(crate) counted_ns: u64,
}

/// A validator's progress.
#[derive(Debug, Default, Clone)]
struct Node {
    /// Counts while the node is among the connected quorum.
    connected: Clock,
    recovery: Recovery,
    /// Highest height it decided, and the line of that decision.
    max: Option<u64>,
    line: Option<u64>,
    /// `connected` read when it fell behind (or last decided while behind).
    behind_since: Option<(u64, u64)>,
}

/// The progress judge's state.
#[derive(Debug, Default)]
pub(crate) struct Progress {
    start: u64,
    /// A quorum of correct validators is up and connected.
    quorum_up: bool,
    recovery: Recovery,
    /// Submitted transactions without a final result; whether any was submitted.
    pending: u64,
    submitted: bool,
    /// The highest height proposed or voted for.
    attempted: Option<u64>,
    /// The chain clocks since the last new height: counting while transactions are pending,
    /// and while a height above the top is being proposed or voted; the same two never reset
    /// (the time counted in the whole trace); and the time a quorum was up at all.
    busy: Clock,
    trying: Clock,
    totals: [Clock; 2],
    up: Clock,
    /// The highest height decided by a correct node, when (t, line) it was first decided.
    top: Option<(u64, u64, u64)>,
    nodes: Vec<Node>,
    /// Nodes that have decided the top height (or, before any decision, every validator).
    at_top: Vec<u32>,
    /// Gaps (busy clock, trying clock) and stalls over the bound, and the longest gaps.
    gaps: [Vec<ProgressGap>; 2],
    gap_count: [u64; 2],
    longest: [Option<ProgressGap>; 2],
    stalls: Vec<(u32, ProgressStall)>,
    stall_count: u64,
    pub(crate) consensus_events: u64,
    bound: u64,
}

impl Progress {
    /// `run.start` at `t`, with its validators and the bound in force.
    pub(crate) fn start(&mut self, t: u64, validators: &[u32], bound: u64) {
        self.start = t;
        self.bound = bound;
        self.at_top = validators.to_vec();
        self.recovery.resume_at = t;
    }

    fn node(&mut self, n: u32) -> &mut Node {
        let i = n as usize;
        if self.nodes.len() <= i {
            self.nodes.resize(i + 1, Node::default());
        }
        &mut self.nodes[i]
    }

    fn running(&self) -> (bool, bool) {
        let top = self.top.map(|x| x.0);
        let trying = self.attempted.is_some_and(|a| top.is_none_or(|top| a > top));
        (self.quorum_up && self.pending > 0, self.quorum_up && trying)
    }

    fn tick(&mut self, t: u64) {
        let (busy, trying) = self.running();
        let from = self.recovery.resume_at;
        self.busy.set(busy, t, from);
        self.trying.set(trying, t, from);
        self.totals[0].set(busy, t, from);
        self.totals[1].set(trying, t, from);
        self.up.set(self.quorum_up, t, t);
    }

    /// A proposal or vote for `height` at `t`.
    #[inline]
    pub(crate) fn attempt(&mut self, height: u64, t: u64) {
        if self.attempted.is_none_or(|a| height > a) {
            self.attempted = Some(height);
            self.tick(t);
        }
    }

    /// The validators up and connected in a quorum changed (after a fault event, a role or a
    /// validator-set change): `nodes` is the new set, empty when no quorum is connected.
    pub(crate) fn connectivity(&mut self, nodes: &[u32], t: u64) {
        self.quorum_up = !nodes.is_empty();
        self.recovery.change(self.quorum_up, t);
        self.tick(t);
        let known = self.nodes.len().max(nodes.iter().map(|&n| n as usize + 1).max().unwrap_or(0));
        for i in 0..known as u32 {
            let on = nodes.binary_search(&i).is_ok();
            let node = self.node(i);
            node.recovery.change(on, t);
            let from = node.recovery.resume_at;
            node.connected.set(on, t, from);
        }
    }

    /// A transaction was submitted (first time) or got its first final result.
    pub(crate) fn work(&mut self, submitted: bool, t: u64) {
        if submitted {
            self.submitted = true;
            self.pending += 1;
        } else {
            self.pending = self.pending.saturating_sub(1);
        }
        self.tick(t);
    }

    /// A decision by a correct node `n` of `height` at `t` on `line`.
    pub(crate) fn decide(&mut self, n: u32, height: u64, t: u64, line: u64) {
        let bound = self.bound;
        let node = self.node(n);
        if node.max.is_some_and(|m| height <= m) {
            return;
        }
        let from = node.max;
        node.max = Some(height);
        let prev_line = node.line.replace(line);
        if let Some((mark, since)) = node.behind_since.take() {
            let stalled = node.connected.read(t) - mark;
            if stalled > bound {
                self.stall(n, from, since, t, stalled, prev_line.into_iter().chain([line]));
            }
        }
        let top = self.top.map(|x| x.0);
        if top.is_none_or(|top| height > top) {
            self.new_height(height, t, line);
            // Those at the old top fall behind (the list's buffer is kept: no allocation).
            let mut at_top = std::mem::take(&mut self.at_top);
            for &q in at_top.iter().filter(|&&q| q != n) {
                let node = self.node(q);
                node.behind_since = Some((node.connected.read(t), t));
            }
            at_top.clear();
            at_top.push(n);
            self.at_top = at_top;
        } else if Some(height) == top {
            self.at_top.push(n);
        } else {
            let c = self.node(n).connected.read(t);
            self.node(n).behind_since = Some((c, t));
        }
    }

    fn new_height(&mut self, height: u64, t: u64, line: u64) {
        self.tick(t);
        let from = self.top.map_or((self.start, None, None), |(h, ft, fl)| (ft, Some(h), Some(fl)));
        for (i, clock) in [self.busy, self.trying].into_iter().enumerate() {
            let counted = clock.read(t);
            // Most gaps are short and not the longest: nothing is built for them.
            let longest = self.longest[i].as_ref().is_none_or(|l| counted > l.counted_ns);
            if !longest && counted <= self.bound {
                continue;
            }
            let gap = ProgressGap {
                from_ns: from.0,
                to_ns: Some(t),
                counted_ns: counted,
                height: from.1,
                lines: from.2.into_iter().chain([line]).collect(),
            };
            self.gap(i, gap);
        }
        let from = self.recovery.resume_at;
        self.busy.reset(t, from);
        self.trying.reset(t, from);
        self.top = Some((height, t, line));
        self.tick(t);
    }

    fn gap(&mut self, clock: usize, gap: ProgressGap) {
        if self.longest[clock].as_ref().is_none_or(|l| gap.counted_ns > l.counted_ns) {
            self.longest[clock] = Some(gap.clone());
        }
        if gap.counted_ns > self.bound {
            self.gap_count[clock] += 1;
            if self.gaps[clock].len() < KEEP {
                self.gaps[clock].push(gap);
            }
        }
    }

    fn stall(
        &mut self,
        n: u32,
        from: Option<u64>,
        since: u64,
        t: u64,
        stalled: u64,
        lines: impl Iterator<Item = u64>,
    ) {
        self.stall_count += 1;
        if self.stalls.len() < KEEP {
            let stall = ProgressStall {
                node: String::new(),
                height: from,
                from_ns: since,
                to_ns: Some(t),
                counted_ns: stalled,
                lines: lines.collect(),
            };
            self.stalls.push((n, stall));
        }
    }

    /// What is already over the bound at `t` and so certain to be a progress finding at the
    /// end, whatever comes later: the open gap since the last new height (on the clock the
    /// end will judge by), and each validator still behind for longer than the bound. Not
    /// judged before any consensus event (the caller's to tell); roles read later are not
    /// foreseen.
    pub(crate) fn overdue(&self, t: u64) -> Vec<Overdue> {
        let mut out = Vec::new();
        if self.bound == 0 {
            return out;
        }
        let clock = if self.submitted { self.busy } else { self.trying };
        let counted = clock.read(t);
        let (from_ns, height) = self.top.map_or((self.start, None), |(h, ft, _)| (ft, Some(h)));
        if counted > self.bound {
            out.push(Overdue { node: None, height, from_ns, counted_ns: counted });
        }
        for (n, node) in self.nodes.iter().enumerate() {
            let Some((mark, since)) = node.behind_since else { continue };
            let stalled = node.connected.read(t) - mark;
            if stalled > self.bound {
                let o = Overdue {
                    node: Some(n as u32),
                    height: node.max,
                    from_ns: since,
                    counted_ns: stalled,
                };
                out.push(o);
            }
        }
        out
    }

    /// The bound in force.
    pub(crate) fn bound(&self) -> u64 {
        self.bound
    }

    /// The verdict at the end of the trace (at `last_t`, line `last_line`): findings for the
    /// gaps and stalls over the bound, with the statistics. `name` resolves node ids.
    pub(crate) fn evaluate(
        mut self,
        last_t: u64,
        last_line: u64,
        over_budget: bool,
        bound_from: String,
        name: impl Fn(u32) -> String,
        findings: &mut Findings,
    ) -> (Verdict, Option<String>, Option<ProgressStats>) {
        let ne = |r: &str| (Verdict::NotEvaluated, Some(r.to_string()), None);
        if over_budget {
            return ne("Byzantine power is over budget");
        }
        if self.consensus_events == 0 {
            return ne("no consensus event (cons.*) in the trace");
        }
        self.tick(last_t);
        // The open gap at the end of the trace, and the nodes still behind.
        let from = self.top.map_or((self.start, None, None), |(h, ft, fl)| (ft, Some(h), Some(fl)));
        for (i, clock) in [self.busy, self.trying].into_iter().enumerate() {
            let gap = ProgressGap {
                from_ns: from.0,
                to_ns: None,
                counted_ns: clock.read(last_t),
                height: from.1,
                lines: from.2.into_iter().chain([last_line]).collect(),
            };
            self.gap(i, gap);
        }
        for n in 0..self.nodes.len() as u32 {
            let node = &self.nodes[n as usize];
            let Some((mark, since)) = node.behind_since else { continue };
            let stalled = node.connected.read(last_t) - mark;
            if stalled > self.bound {
                let (from, line) = (node.max, node.line);
                self.stall(n, from, since, last_t, stalled, line.into_iter().chain([last_line]));
                if let Some(s) = self.stalls.last_mut().filter(|s| s.0 == n) {
                    s.1.to_ns = None;
                }
            }
        }
        let clock = usize::from(!self.submitted);
        let counted = if self.submitted {
            "while a quorum of correct validators was up and connected and transactions were pending"
        } else {
            "while a quorum of correct validators was up and connected and a height above the last decided one was proposed or voted (the trace has no tx.submit)"
        };
        let eligible = self.up.read(last_t);
        for g in &self.gaps[clock] {
            let what = match g.height {
                Some(h) => format!("no height above {h}"),
                None => "nothing decided".to_string(),
            };
            let until = if g.to_ns.is_some() { "" } else { " (until the end of the trace)" };
            findings.add(RawFinding {
                prop: Property::Progress,
                nodes: vec![],
                height: g.height.map(|h| h + 1),
                round: None,
                lines: g.lines.clone(),
                message: format!(
                    "{what} for {:.3} s counted from {:.3} s{until}, bound {:.3} s",
                    secs(g.counted_ns),
                    secs(g.from_ns),
                    secs(self.bound)
                ),
            });
        }
        for (n, s) in &mut self.stalls {
            let n = *n;
            s.node = name(n);
            findings.add(RawFinding {
                prop: Property::Progress,
                nodes: vec![n],
                height: s.height.map(|h| h + 1),
                round: None,
                lines: s.lines.clone(),
                message: format!(
                    "up and connected but behind the others for {:.3} s from {:.3} s{} without deciding a new height, bound {:.3} s",
                    secs(s.counted_ns),
                    secs(s.from_ns),
                    if s.to_ns.is_none() { " (until the end of the trace)" } else { "" },
                    secs(self.bound)
                ),
            });
        }
        let stats = ProgressStats {
            bound_ns: self.bound,
            bound_from,
            counted: counted.to_string(),
            counted_ns: self.totals[clock].read(last_t),
            longest_gap: self.longest[clock].clone(),
            gaps_over_bound: std::mem::take(&mut self.gaps[clock]),
            gaps_over_bound_count: self.gap_count[clock],
            stalls: std::mem::take(&mut self.stalls).into_iter().map(|s| s.1).collect(),
            stalls_count: self.stall_count,
        };
        if eligible == 0 && self.top.is_none() {
            let r = "no quorum of correct validators was ever up and connected";
            return (Verdict::NotEvaluated, Some(r.into()), Some(stats));
        }
        if self.gap_count[clock] + self.stall_count > 0 {
            return (Verdict::Fail, None, Some(stats));
        }
        if self.top.is_none() {
            let r = format!(
                "nothing decided, but the trace counts only {:.3} s, less than the {:.3} s bound",
                secs(stats.counted_ns),
                secs(self.bound)
            );
            return (Verdict::NotEvaluated, Some(r), Some(stats));
        }
        let longest = stats.longest_gap.as_ref().map_or(0, |g| g.counted_ns);
        let r = format!("longest gap {:.3} s, bound {:.3} s", secs(longest), secs(self.bound));
        (Verdict::Pass, Some(r), Some(stats))
    }
}

fn secs(ns: u64) -> f64 {
    ns as f64 / 1e9
}
