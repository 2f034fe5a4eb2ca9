//! Shrinking a failing schedule to a small one that still fails the same way.
//!
//! 1. **Nothing at all**: if the scenario fails without any fault, the empty timeline is the
//!    answer (the bug needs no fault).
//! 2. **Delta debugging** over the fault list (Zeller's ddmin): try each chunk alone, then
//!    each chunk removed, refining the chunks until no single fault can go.
//! 3. **Simplifying each fault** until nothing changes: fewer targets (a partition cutting off
//!    fewer nodes, fewer groups), half the duration, a faster or lossless link, a shorter delay,
//!    then start and duration rounded down to 1 s or 100 ms. Every accepted change makes the
//!    schedule strictly smaller, so this ends.
//!
//! "Still fails the same way": the run fails the failure's first failed gate (or panics, for a
//! panic), with the same run seed. Candidates of one step run in parallel; the one kept is the
//! first in the order above that fails, so the result does not depend on the thread count.

use super::pool;
use super::trial::{self, Outcome};
use std::sync::atomic::AtomicBool;
use touchstone_core::scenario::{self, FaultAction, FaultSpec, LatencyDist, Scenario};
use touchstone_core::time::{NS_PER_MS, NS_PER_S};
use touchstone_core::Seed;

/// What shrinking found.
#[derive(Debug, Clone)]
pub struct Shrunk {
    pub faults: Vec<FaultSpec>,
    /// Changes kept (each made the schedule smaller and still failed).
    pub steps: usize,
    /// Candidate schedules run.
    pub tried: usize,
    /// Whether the run budget ran out before a fixpoint.
    pub exhausted: bool,
}

/// Runs a candidate schedule (in the search: [`evaluate`] on the scenario and run seed).
pub type Eval<'a> = &'a (dyn Fn(&[FaultSpec]) -> Outcome + Sync);

/// Shrinks failing schedules of one scenario with one run seed.
pub struct Shrinker<'a> {
    eval: Eval<'a>,
    /// What the failure is known by ([`Outcome::signature`]).
    signature: String,
    jobs: usize,
    /// Candidate runs allowed in all.
    budget: usize,
    stop: &'a AtomicBool,
    steps: usize,
    tried: usize,
}

impl std::fmt::Debug for Shrinker<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Shrinker")
            .field("signature", &self.signature)
            .field("steps", &self.steps)
            .field("tried", &self.tried)
            .finish_non_exhaustive()
    }
}

impl<'a> Shrinker<'a> {
    pub fn new(
        eval: Eval<'a>,
        signature: String,
        jobs: usize,
        budget: usize,
        stop: &'a AtomicBool,
    ) -> Self {
        Shrinker { eval, signature, jobs, budget, stop, steps: 0, tried: 0 }
    }

    /// The smallest schedule found that still fails like `faults` does.
    pub fn shrink(mut self, faults: Vec<FaultSpec>) -> Shrunk {
        let mut cur = faults;
        if !cur.is_empty() {
            if let Some((_, c)) = self.first_failing(vec![Vec::new()]) {
                cur = c;
            }
        }
        cur = self.ddmin(cur);
        loop {
            let mut changed = false;
            for i in 0..cur.len() {
                let candidates: Vec<Vec<FaultSpec>> = simplifications(&cur[i])
                    .into_iter()
                    .map(|g| {
                        let mut c = cur.clone();
                        c[i] = g;
                        c
                    })
                    .collect();
                if let Some((_, c)) = self.first_failing(candidates) {
                    cur = c;
                    changed = true;
                }
            }
            if !changed || self.tried >= self.budget {
                break;
            }
        }
        cur.sort_by_key(|f| f.at);
        Shrunk {
            faults: cur,
            steps: self.steps,
            tried: self.tried,
            exhausted: self.tried >= self.budget,
        }
    }

    /// Zeller's ddmin over the fault list.
    fn ddmin(&mut self, mut cur: Vec<FaultSpec>) -> Vec<FaultSpec> {
        let mut n = 2;
        while cur.len() >= 2 && self.tried < self.budget {
            let chunks = split(&cur, n);
            let mut candidates: Vec<Vec<FaultSpec>> = chunks.clone();
            if n > 2 {
                for k in 0..chunks.len() {
                    candidates.push(
                        chunks
                            .iter()
                            .enumerate()
                            .filter(|(j, _)| *j != k)
                            .flat_map(|(_, c)| c.clone())
                            .collect(),
                    );
                }
            }
            match self.first_failing(candidates) {
                Some((i, c)) => {
                    n = if i < chunks.len() { 2 } else { (n - 1).max(2) };
                    cur = c;
                }
                None if n >= cur.len() => break,
                None => n = (2 * n).min(cur.len()),
            }
        }
        cur
    }

    /// The first candidate (in order) that still fails, with its index.
    fn first_failing(
        &mut self,
        mut candidates: Vec<Vec<FaultSpec>>,
    ) -> Option<(usize, Vec<FaultSpec>)> {
        candidates.truncate(self.budget.saturating_sub(self.tried));
        if candidates.is_empty() {
            return None;
        }
        let (eval, sig) = (self.eval, self.signature.as_str());
        let (hit, tried) = pool::first(
            &candidates,
            self.jobs,
            self.stop,
            |c| eval(c),
            |o: &Outcome| o.fails_like(sig),
        );
        self.tried += tried;
        let (i, _) = hit?;
        self.steps += 1;
        Some((i, candidates.swap_remove(i)))
    }
}

/// Runs `base` with `faults` as its timeline — through TOML and back, exactly as the file
/// written for it will run.
pub fn evaluate(base: &Scenario, faults: &[FaultSpec], seed: Seed) -> Outcome {
    match with_faults(base, faults) {
        Ok(s) => trial::run(&s, seed, false).0,
        Err(message) => Outcome::Harness { message },
    }
}

/// `base` with `faults` as its timeline, validated as a script would be.
pub fn with_faults(base: &Scenario, faults: &[FaultSpec]) -> Result<Scenario, String> {
    let mut s = base.clone();
    s.faults = faults.to_vec();
    s.faults.sort_by_key(|f| f.at);
    scenario::parse(&scenario::to_toml(&s), &format!("{}.toml", s.name)).map_err(|e| e.to_string())
}

/// `items` in `n` contiguous chunks of nearly equal size.
fn split<T: Clone>(items: &[T], n: usize) -> Vec<Vec<T>> {
    let n = n.clamp(1, items.len().max(1));
    let (q, r) = (items.len() / n, items.len() % n);
    let mut out = Vec::new();
    let mut start = 0;
    for k in 0..n {
        let len = q + usize::from(k < r);
        out.push(items[start..start + len].to_vec());
        start += len;
    }
    out
}

/// Smaller versions of one fault, the most wanted first.
pub fn simplifications(f: &FaultSpec) -> Vec<FaultSpec> {
    let mut out = fewer_targets(f);
    let with = |g: &mut dyn FnMut(&mut FaultSpec)| {
        let mut x = f.clone();
        g(&mut x);
        x
    };
    let mut push = |x: FaultSpec| {
        if x != *f && !out.contains(&x) {
            out.push(x);
        }
    };
    if let Some(d) = f.duration {
        if d >= 2 * NS_PER_MS {
            push(with(&mut |x| x.duration = Some((d / 2) / NS_PER_MS * NS_PER_MS)));
        }
    }
    match &f.action {
        FaultAction::Link { link, .. } => {
            let latency = link.latency.mean();
            if latency >= 2 * NS_PER_MS {
                push(with(&mut |x| {
                    if let FaultAction::Link { link, .. } = &mut x.action {
                        link.latency =
                            LatencyDist::Fixed { latency: latency / 2 / NS_PER_MS * NS_PER_MS };
                    }
                }));
            }
            if link.loss > 0.0 {
                push(with(&mut |x| {
                    if let FaultAction::Link { link, .. } = &mut x.action {
                        link.loss = 0.0;
                    }
                }));
            }
        }
        FaultAction::Byzantine {
            behaviour: touchstone_core::scenario::Behaviour::Delay { delay },
            ..
        } if *delay >= 2 * NS_PER_MS => {
            let half = delay / 2 / NS_PER_MS * NS_PER_MS;
            push(with(&mut |x| {
                if let FaultAction::Byzantine { behaviour, .. } = &mut x.action {
                    *behaviour = touchstone_core::scenario::Behaviour::Delay { delay: half };
                }
            }));
        }
        _ => {}
    }
    for unit in [NS_PER_S, 100 * NS_PER_MS] {
        push(with(&mut |x| x.at = x.at / unit * unit));
        if let Some(d) = f.duration {
            if d / unit * unit > 0 {
                push(with(&mut |x| x.duration = Some(d / unit * unit)));
            }
        }
    }
    out
}

/// The fault with one target fewer (or a partition cutting off fewer nodes).
fn fewer_targets(f: &FaultSpec) -> Vec<FaultSpec> {
    let mut out = Vec::new();
    let drop_each = |list: &Vec<String>| -> Vec<Vec<String>> {
        if list.len() < 2 {
            return Vec::new();
        }
        (0..list.len())
            .map(|k| {
                list.iter().enumerate().filter(|(j, _)| *j != k).map(|(_, n)| n.clone()).collect()
            })
            .collect()
    };
    let mut variant = |a: FaultAction| out.push(FaultSpec { action: a, ..f.clone() });
    match &f.action {
        FaultAction::Crash { nodes } => {
            drop_each(nodes).into_iter().for_each(|nodes| variant(FaultAction::Crash { nodes }))
        }
        FaultAction::Pause { nodes } => {
            drop_each(nodes).into_iter().for_each(|nodes| variant(FaultAction::Pause { nodes }))
        }
        FaultAction::ClockSkew { nodes, rate } => drop_each(nodes)
            .into_iter()
            .for_each(|nodes| variant(FaultAction::ClockSkew { nodes, rate: *rate })),
        FaultAction::Byzantine { nodes, behaviour } => drop_each(nodes)
            .into_iter()
            .for_each(|nodes| variant(FaultAction::Byzantine { nodes, behaviour: *behaviour })),
        FaultAction::Link { nodes, to, link } => {
            for n in drop_each(nodes) {
                variant(FaultAction::Link { nodes: n, to: to.clone(), link: link.clone() });
            }
            for t in drop_each(to) {
                variant(FaultAction::Link { nodes: nodes.clone(), to: t, link: link.clone() });
            }
        }
        FaultAction::Partition { groups } => {
            for groups in smaller_partitions(groups) {
                variant(FaultAction::Partition { groups });
            }
        }
        _ => {}
    }
    out
}

/// Partitions with one group fewer (two merged), or with one node of the smallest group moved
/// to the largest.
fn smaller_partitions(groups: &[Vec<String>]) -> Vec<Vec<Vec<String>>> {
    let mut out = Vec::new();
    if groups.len() > 2 {
        for i in 0..groups.len() {
            for j in i + 1..groups.len() {
                let mut g: Vec<Vec<String>> = groups.to_vec();
                let moved = g.remove(j);
                g[i].extend(moved);
                g[i].sort();
                out.push(g);
            }
        }
    }
    let Some(small) = (0..groups.len()).min_by_key(|&i| (groups[i].len(), i)) else {
        return out;
    };
    let large = (0..groups.len())
        .filter(|&i| i != small)
        .max_by_key(|&i| (groups[i].len(), std::cmp::Reverse(i)));
    if let Some(large) = large.filter(|_| groups[small].len() > 1) {
        for k in 0..groups[small].len() {
            let mut g = groups.to_vec();
            let n = g[small].remove(k);
            g[large].push(n);
            g[large].sort();
            out.push(g);
        }
    }
    out
}

#[cfg(test)]
mod tests;
