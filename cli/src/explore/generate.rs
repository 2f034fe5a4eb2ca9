//! Drawing fault schedules within [`Bounds`], as Jepsen's nemesis generators and ByzzFuzz do:
//! crashes (restarted after their duration), pauses, partitions (one node cut off — often the
//! leader of the moment —, a minority or majority split, halves, three ways), slow or lossy
//! links, clock skew, and Byzantine behaviours switched on at chosen times.
//!
//! A schedule is either fresh (1 to `max_faults` faults) or, when the scenario has faults of
//! its own, a mutation of them (each kept or dropped, shifted, stretched, retargeted) plus a
//! few fresh ones. Every draw comes from the schedule's own ChaCha8 stream, so a schedule is a
//! function of the exploration seed and its index alone.

use super::bounds::Bounds;
use rand::seq::SliceRandom;
use rand::Rng as _;
use std::collections::{BTreeMap, BTreeSet};
use touchstone_core::scenario::{Behaviour, FaultAction, FaultSpec, LatencyDist, LinkSpec};
use touchstone_core::seed::Rng;
use touchstone_core::time::NS_PER_MS;
use touchstone_core::Nanos;

/// Who proposed when in the scenario as written (its first run): a guess at the leader of any
/// moment, for leader-isolating faults.
#[derive(Debug, Clone, Default)]
pub struct LeaderHint {
    /// `(time, proposer)` in time order.
    pub proposals: Vec<(Nanos, String)>,
}

impl LeaderHint {
    /// The last proposer at or before `t`.
    pub fn at(&self, t: Nanos) -> Option<&str> {
        let i = self.proposals.partition_point(|(at, _)| *at <= t);
        i.checked_sub(1).map(|i| self.proposals[i].1.as_str())
    }
}

/// Draws schedules for one scenario.
#[derive(Debug)]
pub struct Generator<'a> {
    pub bounds: &'a Bounds,
    /// The scenario's own faults.
    pub original: &'a [FaultSpec],
    /// When the load ends and how long the drain after it lasts (a fault must end by then).
    pub run_end: Nanos,
    pub drain: Nanos,
    pub leaders: &'a LeaderHint,
}

impl Generator<'_> {
    /// A schedule: a mutation of the scenario's faults (half the time, when it has some) or a
    /// fresh one; ordered by start time.
    pub fn schedule(&self, rng: &mut Rng) -> Vec<FaultSpec> {
        let mut faults = if !self.original.is_empty() && rng.gen_bool(0.5) {
            let mut kept = self.mutate(rng);
            let extra = rng.gen_range(0..=2usize);
            self.add_fresh(&mut kept, extra, rng);
            kept
        } else {
            let mut fresh = Vec::new();
            let k = rng.gen_range(1..=self.bounds.max_faults.max(1));
            self.add_fresh(&mut fresh, k, rng);
            fresh
        };
        faults.sort_by_key(|f| f.at);
        faults
    }

    /// Adds up to `k` fresh faults that keep the schedule within the bounds.
    fn add_fresh(&self, faults: &mut Vec<FaultSpec>, k: usize, rng: &mut Rng) {
        let mut next_id = 1;
        for _ in 0..k {
            for _attempt in 0..16 {
                while faults.iter().any(|f| f.id == format!("x{next_id}")) {
                    next_id += 1;
                }
                let Some(f) = self.draw(format!("x{next_id}"), rng) else { continue };
                if self.admits(faults, &f) {
                    faults.push(f);
                    break;
                }
            }
        }
    }

    /// Whether adding `f` keeps the schedule within the faulty bounds (a schedule that already
    /// exceeds them — the scenario's own faults may — only takes faults that hurt no node).
    fn admits(&self, faults: &[FaultSpec], f: &FaultSpec) -> bool {
        let mut with = faults.to_vec();
        with.push(f.clone());
        within_faulty_bounds(&with, self.bounds)
            || (!within_faulty_bounds(faults, self.bounds) && !hurts_nodes(&f.action))
    }

    /// One fresh fault, or `None` when its action has nothing to act on within the bounds.
    fn draw(&self, id: String, rng: &mut Rng) -> Option<FaultSpec> {
        let b = self.bounds;
        let action = b.actions.choose(rng)?.clone();
        let latest = b.until.saturating_sub(b.min_duration).max(b.from);
        let at = ms(rng.gen_range(b.from..=latest));
        let longest = b.max_duration.min(b.until.saturating_sub(at)).max(b.min_duration);
        let duration = Some(ms(rng.gen_range(b.min_duration..=longest)).max(NS_PER_MS));
        let (duration, action) = match action.as_str() {
            "crash" | "pause" => {
                if b.max_faulty == 0 {
                    return None;
                }
                let k = rng.gen_range(1..=b.max_faulty.min(b.nodes.len()));
                let mut nodes = vec![self.target(at, rng)];
                for n in sample(&b.nodes, k, rng) {
                    if nodes.len() < k && !nodes.contains(&n) {
                        nodes.push(n);
                    }
                }
                nodes.sort();
                if action == "crash" {
                    (duration, FaultAction::Crash { nodes })
                } else {
                    (duration, FaultAction::Pause { nodes })
                }
            }
            "partition" => (duration, FaultAction::Partition { groups: self.split(at, rng)? }),
            "link" => (duration, self.link(at, rng)),
            "clock_skew" => {
                let rate = *[0.5, 0.75, 1.5, 2.0].choose(rng).expect("rates");
                (duration, FaultAction::ClockSkew { nodes: vec![self.target(at, rng)], rate })
            }
            _ => (None, self.byzantine(rng)?),
        };
        Some(FaultSpec { id, at, duration, action })
    }

    /// A node to aim at: a third of the time the leader of the moment, else any target.
    fn target(&self, at: Nanos, rng: &mut Rng) -> String {
        let b = self.bounds;
        if rng.gen_bool(1.0 / 3.0) {
            if let Some(l) = self.leaders.at(at).filter(|l| b.nodes.iter().any(|n| n == l)) {
                return l.to_string();
            }
        }
        b.nodes.choose(rng).expect("bounds name at least one node").clone()
    }

    /// Partition groups: one node (often the leader) cut off, a random split of 1 to n/2
    /// targets from the rest, or (five validators and more) three groups.
    fn split(&self, at: Nanos, rng: &mut Rng) -> Option<Vec<Vec<String>>> {
        let all = &self.bounds.validators;
        if all.len() < 2 {
            return None;
        }
        let cut: Vec<String> = match rng.gen_range(0..3u8) {
            0 => vec![self.target(at, rng)],
            1 if all.len() >= 5 => {
                let mut shuffled = all.clone();
                shuffled.shuffle(rng);
                let third = all.len() / 3;
                let mut groups = vec![
                    shuffled[..third].to_vec(),
                    shuffled[third..2 * third].to_vec(),
                    shuffled[2 * third..].to_vec(),
                ];
                groups.iter_mut().for_each(|g| g.sort());
                return Some(groups);
            }
            _ => {
                let k = rng.gen_range(1..=(all.len() / 2).max(1));
                sample(&self.bounds.nodes, k, rng)
            }
        };
        let rest: Vec<String> = all.iter().filter(|n| !cut.contains(n)).cloned().collect();
        if rest.is_empty() {
            return None;
        }
        let mut cut = cut;
        cut.sort();
        Some(vec![cut, rest])
    }

    /// Slow (and sometimes lossy) links from one node, to everyone or to some.
    fn link(&self, at: Nanos, rng: &mut Rng) -> FaultAction {
        let b = self.bounds;
        let from = self.target(at, rng);
        let others: Vec<String> = b.validators.iter().filter(|n| **n != from).cloned().collect();
        let to = if rng.gen_bool(0.5) || others.is_empty() {
            Vec::new()
        } else {
            let k = rng.gen_range(1..=others.len());
            let mut to = sample(&others, k, rng);
            to.sort();
            to
        };
        let low = (4 * b.base_latency).max(b.timeout / 4).min(b.max_delay);
        let latency = ms(rng.gen_range(low..=b.max_delay)).max(NS_PER_MS);
        let loss = if rng.gen_bool(0.3) { (rng.gen_range(5..=30u32) as f64) / 100.0 } else { 0.0 };
        let link =
            LinkSpec { latency: LatencyDist::Fixed { latency }, loss, ..LinkSpec::default() };
        FaultAction::Link { nodes: vec![from], to, link }
    }

    /// A Byzantine switch: a declared Byzantine validator changes behaviour, or (within the
    /// budget) a new one turns Byzantine.
    fn byzantine(&self, rng: &mut Rng) -> Option<FaultAction> {
        let b = self.bounds;
        let name = b.behaviours.choose(rng)?;
        let behaviour =
            behaviour(name, rng.gen_range(b.timeout / 4..=b.max_delay.max(b.timeout / 4)));
        let declared = &b.declared_byzantine;
        let node =
            if !declared.is_empty() && (rng.gen_bool(0.5) || b.max_byzantine <= declared.len()) {
                declared.choose(rng)?.clone()
            } else {
                b.nodes.choose(rng)?.clone()
            };
        Some(FaultAction::Byzantine { nodes: vec![node], behaviour })
    }

    /// The scenario's faults, each kept three times in four, shifted by up to a fifth of the
    /// load, stretched or shrunk up to twice, and sometimes aimed at another node.
    fn mutate(&self, rng: &mut Rng) -> Vec<FaultSpec> {
        let jitter = (self.run_end / 5).max(NS_PER_MS) as i64;
        let mut out = Vec::new();
        for f in self.original {
            if !rng.gen_bool(0.75) {
                continue;
            }
            let mut g = f.clone();
            let shift = rng.gen_range(-jitter..=jitter);
            g.at = ms((f.at as i64 + shift).clamp(0, self.run_end as i64 - 1) as Nanos);
            if let Some(d) = f.duration {
                let room = (self.run_end + self.drain).saturating_sub(g.at);
                let scaled = (d as f64 * rng.gen_range(0.5..2.0)) as Nanos;
                g.duration = Some(ms(scaled.min(room)).max(NS_PER_MS).min(room.max(1)));
            }
            if rng.gen_bool(0.25) {
                retarget(&mut g.action, &self.bounds.nodes, rng);
            }
            if self.admits(&out, &g) {
                out.push(g);
            }
        }
        out
    }
}

/// The behaviour named `name` (`delay` holds messages for `delay`).
pub fn behaviour(name: &str, delay: Nanos) -> Behaviour {
    match name {
        "silent" => Behaviour::Silent,
        "equivocate" => Behaviour::Equivocate,
        "double_vote" => Behaviour::DoubleVote,
        "invalid_proposal" => Behaviour::InvalidProposal,
        "amnesia" => Behaviour::Amnesia,
        _ => Behaviour::Delay { delay: ms(delay).max(NS_PER_MS) },
    }
}

/// Aims a one-node fault at another target.
fn retarget(a: &mut FaultAction, nodes: &[String], rng: &mut Rng) {
    match a {
        FaultAction::Crash { nodes: n }
        | FaultAction::Pause { nodes: n }
        | FaultAction::ClockSkew { nodes: n, .. }
        | FaultAction::Link { nodes: n, .. }
            if n.len() == 1 =>
        {
            n[0] = nodes.choose(rng).expect("nodes").clone();
        }
        _ => {}
    }
}

/// `k` distinct elements of `from`, in random order.
fn sample(from: &[String], k: usize, rng: &mut Rng) -> Vec<String> {
    from.choose_multiple(rng, k.min(from.len())).cloned().collect()
}

/// `t` rounded down to a millisecond.
fn ms(t: Nanos) -> Nanos {
    t / NS_PER_MS * NS_PER_MS
}

/// Whether an action makes a validator faulty (crashed, paused or Byzantine).
pub fn hurts_nodes(a: &FaultAction) -> bool {
    matches!(
        a,
        FaultAction::Crash { .. } | FaultAction::Pause { .. } | FaultAction::Byzantine { .. }
    )
}

/// Whether a schedule keeps, at every instant, at most `max_faulty` validators crashed, paused
/// or Byzantine, and turns at most `max_byzantine` Byzantine in all (the declared ones count
/// towards both; declared ones beyond a bound are the scenario's, not the schedule's).
pub fn within_faulty_bounds(faults: &[FaultSpec], b: &Bounds) -> bool {
    let declared: BTreeSet<&str> = b.declared_byzantine.iter().map(String::as_str).collect();
    let mut byzantine_from: BTreeMap<&str, Nanos> = declared.iter().map(|n| (*n, 0)).collect();
    let mut down: Vec<(Nanos, Nanos, &str)> = Vec::new();
    for f in faults {
        match &f.action {
            FaultAction::Byzantine { nodes, .. } => {
                for n in nodes {
                    let t = byzantine_from.entry(n).or_insert(f.at);
                    *t = (*t).min(f.at);
                }
            }
            FaultAction::Crash { nodes } | FaultAction::Pause { nodes } => {
                let end = f.duration.map_or(Nanos::MAX, |d| f.at.saturating_add(d));
                down.extend(nodes.iter().map(|n| (f.at, end, n.as_str())));
            }
            _ => {}
        }
    }
    if byzantine_from.len() > b.max_byzantine.max(declared.len()) {
        return false;
    }
    let limit = b.max_faulty.max(declared.len());
    let mut instants: Vec<Nanos> = down.iter().map(|d| d.0).collect();
    instants.extend(byzantine_from.values());
    instants.iter().all(|&t| {
        let mut faulty: BTreeSet<&str> =
            byzantine_from.iter().filter(|(_, &from)| from <= t).map(|(n, _)| *n).collect();
        faulty.extend(down.iter().filter(|(s, e, _)| *s <= t && t < *e).map(|d| d.2));
        faulty.len() <= limit
    })
}

#[cfg(test)]
mod tests;
