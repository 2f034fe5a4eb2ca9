//! The push-based entry point for online monitoring: lines are pushed one at a time as they
//! arrive, findings are taken as soon as the checker has them, and heights are judged as early
//! as they can be.
//!
//! [`check_reader`](crate::check_reader) judges a height when it leaves the window
//! ([`Limits::window_heights`](crate::Limits) below the highest height decided by a correct
//! node). A monitor cannot wait that long for a finding, so [`LiveChecker::release`] also
//! judges, in height order, every open height that
//! - holds decisions of two correct nodes for different blocks (agreement is broken: certain
//!   now whatever comes later; the heights below it are judged with it), or
//! - has been decided by every correct validator of its set (nothing later can change its
//!   verdicts except late votes, which a live source does not send after the decision), or
//! - in a view-based protocol, was decided by no correct node while every correct validator
//!   has decided a later view (it was nullified).
//!
//! A height judged early is *pruned*: a decision read for it afterwards is compared with the
//! block the height was judged on (as any late decision is), so agreement stays checked.
//! Memory is what [`check_reader`](crate::check_reader)'s is, with fewer open heights.

use crate::checker::Checker;
use crate::error::CheckError;
use crate::event::LineError;
use crate::findings::publish;
use crate::options::CheckOptions;
use crate::report::{CheckReport, Finding, Verdict};
use crate::verdicts::Judgement;
use touchstone_spec::Property;

/// A checker fed one line at a time (see the module docs).
#[derive(Debug)]
pub struct LiveChecker<'o> {
    c: Checker<'o>,
    /// Findings already handed out by [`LiveChecker::take_findings`] (index into the kept ones).
    taken: usize,
    /// Heights judged early by [`LiveChecker::release`].
    released: u64,
}

/// A property's status while the trace is still arriving.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LiveStatus {
    /// Evaluated so far without a finding.
    Ok,
    /// At least one finding.
    Violated,
    /// Not evaluated (yet): the trace has not shown what the property needs, or the property is
    /// judged only at the end of the trace (liveness, progress, accountability).
    NotEvaluated,
}

impl LiveStatus {
    /// The Prometheus convention of the monitor: 1 ok, 0 violated, −1 not evaluated.
    pub fn gauge(self) -> i64 {
        match self {
            LiveStatus::Ok => 1,
            LiveStatus::Violated => 0,
            LiveStatus::NotEvaluated => -1,
        }
    }
}

impl<'o> LiveChecker<'o> {
    /// A checker for the trace named `source` (in errors and the report).
    pub fn new(source: &str, opts: &'o CheckOptions) -> Self {
        LiveChecker { c: Checker::new(source, opts), taken: 0, released: 0 }
    }

    /// Checks one line (its `\n` and `\r` are ignored). Blank and over-long lines are bad lines,
    /// as in a file.
    pub fn push_line(&mut self, raw: &[u8]) -> Result<(), CheckError> {
        let l = raw.strip_suffix(b"\n").unwrap_or(raw);
        let l = l.strip_suffix(b"\r").unwrap_or(l);
        let max = self.c.opts.limits.max_line_bytes;
        if l.is_empty() || l.len() > max {
            self.c.line += 1;
            let e = if l.is_empty() {
                LineError::Bad { field: "<line>".into(), message: "blank line".into() }
            } else {
                LineError::Limit { what: "line length in bytes".into(), limit: max as u64 }
            };
            return self.c.bad_line(e);
        }
        self.c.line(l)?;
        if self.c.chains_decl.is_some() {
            // One checker per chain is `check_reader`'s (`chains`); live checking stays
            // single-chain rather than mis-check a multi-chain trace as one chain.
            return Err(CheckError::MultiChainLive {
                source_name: self.c.source.clone(),
                line: self.c.line,
            });
        }
        Ok(())
    }

    /// Judges the open heights whose verdicts are certain now (see the module docs); returns
    /// how many were judged.
    pub fn release(&mut self) -> u64 {
        let mut n = 0;
        if let Some(conflict) = self.highest_conflict() {
            while let Some(h) = self.c.heights.first_key() {
                if h > conflict {
                    break;
                }
                n += self.judge_first();
            }
        }
        while let Some(h) = self.c.heights.first_key() {
            if !self.decided_by_every_correct_validator(h) && !self.skipped_view(h) {
                break;
            }
            n += self.judge_first();
        }
        self.released += n;
        n
    }

    fn judge_first(&mut self) -> u64 {
        let Some((h, hs)) = self.c.heights.pop_first() else { return 0 };
        self.c.finalize(h, hs);
        self.c.pruned_below = self.c.pruned_below.max(h + 1);
        1
    }

    /// The highest open height where two correct nodes decided different blocks.
    fn highest_conflict(&self) -> Option<u64> {
        let first = self.c.heights.first_key()?;
        let top = self.c.watermark?;
        (first..=top).rev().find(|h| {
            let Some(hs) = self.c.heights.get(h) else { return false };
            let mut correct = hs.decisions.iter().filter(|d| self.c.model.is_correct(d.node));
            let Some(a) = correct.next() else { return false };
            correct.any(|d| d.block != a.block)
        })
    }

    fn decided_by_every_correct_validator(&self, h: u64) -> bool {
        let Some(hs) = self.c.heights.get(&h) else { return false };
        let vs = self.c.model.valset(h);
        let mut any = false;
        for &(n, _) in &vs.members {
            if !self.c.model.is_correct(n) {
                continue;
            }
            if hs.decision_of(n).is_none() {
                return false;
            }
            any = true;
        }
        any
    }

    /// View-based protocols: a view no correct node decided, while every correct validator has
    /// decided a later one, was nullified (skipped); it must not hold back the views after it.
    fn skipped_view(&self, h: u64) -> bool {
        if !self.c.model.view_based {
            return false;
        }
        let Some(hs) = self.c.heights.get(&h) else { return false };
        if hs.decisions.iter().any(|d| self.c.model.is_correct(d.node)) {
            return false;
        }
        let vs = self.c.model.valset(h);
        let mut any = false;
        for &(n, _) in &vs.members {
            if !self.c.model.is_correct(n) {
                continue;
            }
            let past = self.c.node_chain.get(n as usize).is_some_and(|nc| nc.max > h);
            if !past {
                return false;
            }
            any = true;
        }
        any
    }

    /// The findings added since the last call, in the order they were found (at most
    /// [`Limits::max_findings_per_property`](crate::Limits) per property are kept; the rest
    /// are only counted, see [`LiveChecker::finding_counts`]).
    pub fn take_findings(&mut self) -> Vec<Finding> {
        let kept = &self.c.findings.kept;
        let model = &self.c.model;
        let replay = self.c.opts.replay_command.clone();
        let out = kept[self.taken.min(kept.len())..]
            .iter()
            .map(|f| publish(f, |n| model.name(n), &replay))
            .collect();
        self.taken = kept.len();
        out
    }

    /// Progress findings already certain at trace time `now_ns` (default: the last line's
    /// time), before the end of the trace judges them: the chain without a new height, or a
    /// validator behind the others, for longer than the bound while a quorum was up (see
    /// `progress.rs`). The same gap is the end's finding too, so a caller reports each once:
    /// by its node and height. `now_ns` lets a monitor whose source shares its clock (the
    /// Ethereum watch) see a stall while no line comes.
    pub fn progress_overdue(&self, now_ns: Option<u64>) -> Vec<Finding> {
        let s = &self.c.stats;
        if s.votes + s.proposes + s.decides + s.steps == 0 {
            return Vec::new();
        }
        let t = now_ns.unwrap_or(0).max(self.c.t_now);
        let bound = self.c.progress.bound();
        self.c
            .progress
            .overdue(t)
            .into_iter()
            .map(|o| {
                let what = match (o.node, o.height) {
                    (Some(_), _) => "up and connected but behind the others".to_string(),
                    (None, Some(h)) => format!("no height above {h}"),
                    (None, None) => "nothing decided".to_string(),
                };
                Finding {
                    property: Property::Progress.id().to_string(),
                    nodes: o.node.map(|n| self.c.model.name(n)).into_iter().collect(),
                    height: o.height.map(|h| h + 1),
                    round: None,
                    lines: vec![self.c.line],
                    message: format!(
                        "{what} for {:.3} s so far, counted from {:.3} s, bound {:.3} s",
                        o.counted_ns as f64 / 1e9,
                        o.from_ns as f64 / 1e9,
                        bound as f64 / 1e9
                    ),
                    replay: None,
                    chain: None,
                }
            })
            .collect()
    }

    /// Findings so far per property, in the spec's order (counted past the cap too).
    pub fn finding_counts(&self) -> Vec<(Property, u64)> {
        Property::ALL.iter().map(|&p| (p, self.c.findings.count(p) as u64)).collect()
    }

    /// Each property's status now, in the spec's order.
    pub fn status(&self) -> Vec<(Property, LiveStatus)> {
        let mut v: Vec<Judgement> = (0..Property::COUNT).map(|_| (Verdict::Pass, None)).collect();
        if self.c.run_start_line.is_some() {
            self.c.fill_verdicts(&mut v);
        }
        Property::ALL
            .iter()
            .map(|&p| {
                let s = if self.c.findings.count(p) > 0
                    || (p == Property::Progress && !self.progress_overdue(None).is_empty())
                {
                    LiveStatus::Violated
                } else if self.c.run_start_line.is_none()
                    || matches!(
                        p,
                        Property::Liveness | Property::Progress | Property::Accountability
                    )
                    || v[p.index()].0 != Verdict::Pass
                    || !self.judged_any(p)
                {
                    LiveStatus::NotEvaluated
                } else {
                    LiveStatus::Ok
                };
                (p, s)
            })
            .collect()
    }

    /// Whether anything was judged yet for a property decided per height (a trace that has
    /// only started has passed nothing).
    fn judged_any(&self, p: Property) -> bool {
        let s = &self.c.stats;
        match p {
            Property::Agreement | Property::Integrity | Property::Chain => s.correct_decisions > 0,
            Property::Quorum => s.quorum_judged > 0,
            _ => s.heights_decided > 0 || s.correct_decisions > 0,
        }
    }

    /// Each node's highest decided height, by node id (nodes that decided nothing are left out).
    pub fn decided_heights(&self) -> Vec<(String, u64)> {
        let c = &self.c;
        c.node_chain
            .iter()
            .enumerate()
            .filter(|(_, nc)| nc.min.is_some())
            .map(|(n, nc)| (c.model.name(n as u32), nc.max))
            .collect()
    }

    /// Lines read so far.
    pub fn lines(&self) -> u64 {
        self.c.line
    }

    /// Heights held open now (the bounded part of the checker's memory).
    pub fn open_heights(&self) -> u64 {
        let (Some(first), Some(top)) = (self.c.heights.first_key(), self.c.watermark) else {
            return 0;
        };
        (first..=top.max(first)).filter(|h| self.c.heights.get(h).is_some()).count() as u64
    }

    /// Distinct tx ids held now: all the trace named so far, or with a
    /// [tx horizon](crate::Limits::tx_horizon_heights) those still in flight or recent.
    pub fn tx_ids_held(&self) -> usize {
        self.c.ledger.info.len()
    }

    /// Heights judged early by [`LiveChecker::release`] so far.
    pub fn released(&self) -> u64 {
        self.released
    }

    /// Ends the trace: judges what is left and builds the report, as
    /// [`check_reader`](crate::check_reader) does at the end of its input.
    pub fn finish(self) -> Result<CheckReport, CheckError> {
        self.c.finish()
    }
}
