//! The fault clauses: each fault the adapter declares must change the chain's behaviour the way
//! its name says, and each it does not declare must be refused with `NotSupported`.

use super::outcomes::summarise;
use super::{verdict_of, Kit, Verdicts};
use crate::report::Verdict;
use crate::session::{Session, Start};
use touchstone_core::adapter::FaultError;
use touchstone_core::scenario::{Behaviour, FaultAction, FaultKind, LatencyDist, LinkSpec};
use touchstone_core::time::{Human, NS_PER_MS};
use touchstone_core::{Nanos, TxId};

/// Transfers sent while a chain is held, and again after it is released.
const PROBES: usize = 4;
/// The latency `faults.link` gives every link.
const SLOW_LINK: Nanos = 250 * NS_PER_MS;

pub(super) fn judge(kit: &Kit<'_>, v: &mut Verdicts) {
    use FaultKind::*;
    let verdict = needs(kit, Pause, Resume).unwrap_or_else(|| {
        verdict_of(kit.open(Start::Plain).and_then(|mut s| {
            let all = s.nodes.clone();
            let r = stops_then_resumes(
                &mut s,
                &FaultAction::Pause { nodes: all.clone() },
                &FaultAction::Resume { nodes: all },
                None,
            );
            s.close();
            r
        }))
    });
    v.set("faults.pause", verdict);
    let verdict = needs(kit, Crash, Restart).unwrap_or_else(|| {
        verdict_of(kit.open(Start::Plain).and_then(|mut s| {
            let all = s.nodes.clone();
            let r = stops_then_resumes(
                &mut s,
                &FaultAction::Crash { nodes: all.clone() },
                &FaultAction::Restart { nodes: all },
                None,
            );
            s.close();
            r
        }))
    });
    v.set("faults.crash", verdict);
    v.set("faults.partition_minority", partition_minority(kit));
    v.set("faults.partition_all", partition_all(kit));
    v.set("faults.link", link(kit));
    v.set("faults.undeclared_refused", undeclared_refused(kit));
}

/// `Some(verdict)` when the clause cannot run: `fault` undeclared (not applicable), or declared
/// without the action that ends it (fail).
fn needs(kit: &Kit<'_>, fault: FaultKind, closing: FaultKind) -> Option<Verdict> {
    if !kit.declares(fault) {
        Some(Verdict::not_applicable(format!("the adapter declares no {fault:?} fault")))
    } else if !kit.declares(closing) {
        Some(Verdict::fail(format!(
            "the adapter declares {fault:?} but not {closing:?}: the fault could never end"
        )))
    } else {
        None
    }
}

/// Opens a session with at least `min` validators and runs `f` on it (not applicable below).
fn with_nodes(
    kit: &Kit<'_>,
    min: usize,
    why: &str,
    f: impl FnOnce(&mut Session) -> Result<Verdict, String>,
) -> Verdict {
    verdict_of(kit.open(Start::Plain).and_then(|mut s| {
        let r = if s.nodes.len() < min {
            Ok(Verdict::not_applicable(format!("{} validator(s): {why}", s.nodes.len())))
        } else {
            f(&mut s)
        };
        s.close();
        r
    }))
}

/// On a live chain: while `hold` is in force nothing commits (submissions may be refused or
/// kept); after `release`, fresh transfers commit and those kept get their outcome.
fn stops_then_resumes(
    s: &mut Session,
    hold: &FaultAction,
    release: &FaultAction,
    via: Option<&str>,
) -> Result<Verdict, String> {
    if s.nodes.is_empty() {
        return Ok(Verdict::fail("the adapter names no validator (system_info) to aim faults at"));
    }
    // A fault hits a live chain, not its genesis: a round of transfers, then a quiet while (a
    // node that persists its state periodically has then persisted the funding).
    let warm = probes(s, 4, via)?;
    s.settle(&warm, s.opts.settle)?;
    s.watch(s.opts.hold)?;
    if let Err(e) = s.fault(hold) {
        return Ok(Verdict::fail(format!("{} failed: {e}", hold.name())));
    }
    let mark = s.seen.outcomes.len();
    let held = probes(s, 0, via)?;
    s.watch(s.opts.hold)?;
    let commits = s.commits_since(mark);
    if let Some(c) = commits.first() {
        return Ok(Verdict::fail(format!(
            "{} transaction(s) committed during the {} of every validator, e.g. {} at {} ns",
            commits.len(),
            hold.name(),
            c.tx,
            c.at
        )));
    }
    if let Err(e) = s.fault(release) {
        return Ok(Verdict::fail(format!("{} failed: {e}", release.name())));
    }
    let fresh = probes(s, 2, via)?;
    let all: Vec<TxId> = held.iter().chain(&fresh).copied().collect();
    let settled = s.settle(&all, s.opts.settle)?;
    let mut problems = Vec::new();
    if !settled {
        let open: Vec<String> =
            all.iter().filter(|id| !s.resolved(**id)).map(|id| id.to_string()).collect();
        problems.push(format!(
            "after {}, no outcome within {} for {}",
            release.name(),
            Human(s.opts.settle),
            open.join(", ")
        ));
    }
    let stuck: Vec<String> =
        fresh.iter().filter(|id| !s.committed(**id)).map(|id| s.describe(*id)).collect();
    if !stuck.is_empty() {
        problems.push(format!(
            "after {}, fresh transfers did not commit: {}",
            release.name(),
            stuck.join(", ")
        ));
    }
    Ok(summarise(problems))
}

/// `PROBES` small transfers, from senders `first_sender` and `first_sender + 1`.
fn probes(s: &mut Session, first_sender: usize, via: Option<&str>) -> Result<Vec<TxId>, String> {
    let n = s.accounts.len();
    (0..PROBES)
        .map(|i| {
            let from = (first_sender + i % 2) % n;
            s.transfer(from, (from + 2 + i) % n, 1, via)
        })
        .collect()
}

/// With one validator cut off, the rest keep going: the probes commit — or, when the adapter's
/// finality waits for every validator (the cut-off one holds every commit back, legitimately),
/// the connected validators decide them and they commit after heal.
fn partition_minority(kit: &Kit<'_>) -> Verdict {
    if let Some(v) = needs(kit, FaultKind::Partition, FaultKind::Heal) {
        return v;
    }
    let waits_for_all = kit.caps.finality.required_share >= 1.0;
    if waits_for_all && !kit.caps.consensus_events {
        return Verdict::not_applicable(
            "finality waits for every validator and no consensus events are exported: a cut-off \
             validator holds back every commit, and the kit cannot see the others progress",
        );
    }
    verdict_of(kit.open(Start::Plain).and_then(|mut s| {
        let r = if s.quorum_without_one() {
            cut_one_off(&mut s, waits_for_all)
        } else {
            Ok(Verdict::not_applicable(format!(
                "{} validator(s): cutting one off leaves no quorum to expect progress from",
                s.nodes.len()
            )))
        };
        s.close();
        r
    }))
}

/// Cuts the last validator off, sends transfers to the first, heals.
fn cut_one_off(s: &mut Session, waits_for_all: bool) -> Result<Verdict, String> {
    let mut rest = s.nodes.clone();
    let last = rest.pop().expect("a quorum without one means at least 2 validators");
    let entry = rest[0].clone();
    let groups = vec![rest.clone(), vec![last.clone()]];
    if let Err(e) = s.fault(&FaultAction::Partition { groups }) {
        return Ok(Verdict::fail(format!("partition failed: {e}")));
    }
    let ids = probes(s, 0, Some(&entry))?;
    let progressed = if waits_for_all {
        let decided_by_rest = |s: &Session| {
            ids.iter().all(|id| {
                s.seen.decided.get(id).is_some_and(|d| rest.iter().all(|n| d.contains(n)))
            })
        };
        s.wait(s.opts.settle, decided_by_rest)?
    } else {
        s.settle(&ids, s.opts.settle)? && ids.iter().all(|id| s.committed(*id))
    };
    if !progressed {
        let what = if waits_for_all { "decided by every connected validator" } else { "committed" };
        return Ok(Verdict::fail(format!(
            "with {last} cut off, transfers entering at {entry} were not {what} within {}",
            Human(s.opts.settle)
        )));
    }
    if let Err(e) = s.fault(&FaultAction::Heal) {
        return Ok(Verdict::fail(format!("heal failed: {e}")));
    }
    // Fresh traffic after heal, as a live chain has: the cut-off validator catches up.
    let fresh = probes(s, 2, Some(&entry))?;
    let all: Vec<TxId> = ids.iter().chain(&fresh).copied().collect();
    s.settle(&all, s.opts.settle)?;
    let stuck: Vec<String> =
        all.iter().filter(|id| !s.committed(**id)).map(|id| s.describe(*id)).collect();
    Ok(if stuck.is_empty() {
        Verdict::Pass
    } else {
        Verdict::fail(format!(
            "after heal, transfers did not commit within {}: {}",
            Human(s.opts.settle),
            stuck.join(", ")
        ))
    })
}

fn partition_all(kit: &Kit<'_>) -> Verdict {
    if let Some(v) = needs(kit, FaultKind::Partition, FaultKind::Heal) {
        return v;
    }
    with_nodes(kit, 2, "a single validator cannot be partitioned", |s| {
        let groups = s.nodes.iter().map(|n| vec![n.clone()]).collect();
        let entry = s.nodes[0].clone();
        stops_then_resumes(s, &FaultAction::Partition { groups }, &FaultAction::Heal, Some(&entry))
    })
}

fn link(kit: &Kit<'_>) -> Verdict {
    if !kit.declares(FaultKind::Link) {
        return Verdict::not_applicable("the adapter declares no Link fault");
    }
    with_nodes(kit, 2, "no link between validators to slow", |s| {
        // A first round warms the chain up (e.g. a leader election), the second is the baseline.
        median_latency(s, 0)?;
        let before = median_latency(s, 2)?;
        let slow =
            LinkSpec { latency: LatencyDist::Fixed { latency: SLOW_LINK }, ..LinkSpec::default() };
        let all = s.nodes.clone();
        if let Err(e) = s.fault(&FaultAction::Link { nodes: all.clone(), to: all, link: slow }) {
            return Ok(Verdict::fail(format!("link failed: {e}")));
        }
        let after = median_latency(s, 4)?;
        Ok(match (before, after) {
            (Some(b), Some(a)) if a >= b + SLOW_LINK => Verdict::Pass,
            (Some(b), Some(a)) => Verdict::fail(format!(
                "with every link at {}, the median commit latency went from {} to {} (expected at least {} more)",
                Human(SLOW_LINK), Human(b), Human(a), Human(SLOW_LINK)
            )),
            (None, _) => Verdict::fail("no probe committed before the links were slowed"),
            (_, None) => Verdict::fail(format!(
                "no probe committed within {} once the links were slowed",
                Human(s.opts.settle)
            )),
        })
    })
}

/// The median submit → commit time of a round of probes (`None` if none committed).
fn median_latency(s: &mut Session, first_sender: usize) -> Result<Option<Nanos>, String> {
    let ids = probes(s, first_sender, None)?;
    s.settle(&ids, s.opts.settle)?;
    let mut lat: Vec<Nanos> = ids
        .iter()
        .filter(|id| s.committed(**id))
        .filter_map(|id| {
            let sent = s.sent[&id.0].at;
            s.finals(*id).first().map(|o| o.at.saturating_sub(sent))
        })
        .collect();
    lat.sort_unstable();
    Ok(lat.get(lat.len() / 2).copied())
}

fn undeclared_refused(kit: &Kit<'_>) -> Verdict {
    use FaultKind::*;
    let undeclared: Vec<FaultKind> =
        [Crash, Restart, Pause, Resume, Partition, Heal, Link, ClockSkew, Byzantine]
            .into_iter()
            .filter(|k| !kit.declares(*k))
            .collect();
    if undeclared.is_empty() {
        return Verdict::not_applicable("the adapter declares every kind of fault");
    }
    verdict_of(kit.open(Start::Plain).and_then(|mut s| {
        let r = refuses(&mut s, &undeclared);
        s.close();
        r
    }))
}

fn refuses(s: &mut Session, undeclared: &[FaultKind]) -> Result<Verdict, String> {
    if s.adapter_has_no_fault_control() {
        return Ok(if s.caps.faults.is_empty() {
            Verdict::Pass
        } else {
            Verdict::fail(format!(
                "the adapter declares {:?} but offers no fault control",
                s.caps.faults
            ))
        });
    }
    let mut problems = Vec::new();
    for &kind in undeclared {
        let action = sample(kind, &s.nodes);
        match s.fault(&action) {
            Err(FaultError::NotSupported(_)) => {}
            Ok(()) => problems.push(format!("{kind:?} is not declared but was applied")),
            Err(FaultError::Failed(m)) => problems.push(format!(
                "{kind:?} is not declared but answered Failed({m}), not NotSupported"
            )),
        }
    }
    Ok(summarise(problems))
}

/// A well-aimed action of `kind` (only nodes the adapter names).
fn sample(kind: FaultKind, nodes: &[String]) -> FaultAction {
    let first = vec![nodes.first().cloned().unwrap_or_else(|| "n0".into())];
    match kind {
        FaultKind::Crash => FaultAction::Crash { nodes: first },
        FaultKind::Restart => FaultAction::Restart { nodes: first },
        FaultKind::Pause => FaultAction::Pause { nodes: first },
        FaultKind::Resume => FaultAction::Resume { nodes: first },
        FaultKind::Partition if nodes.len() >= 2 => {
            FaultAction::Partition { groups: nodes.iter().map(|n| vec![n.clone()]).collect() }
        }
        FaultKind::Partition => FaultAction::Partition { groups: vec![first] },
        FaultKind::Heal => FaultAction::Heal,
        FaultKind::Link => {
            FaultAction::Link { nodes: first.clone(), to: first, link: LinkSpec::default() }
        }
        FaultKind::ClockSkew => FaultAction::ClockSkew { nodes: first, rate: 2.0 },
        FaultKind::Byzantine => {
            FaultAction::Byzantine { nodes: first, behaviour: Behaviour::Silent }
        }
    }
}

impl Session {
    fn adapter_has_no_fault_control(&mut self) -> bool {
        use touchstone_core::Adapter;
        self.adapter.faults().is_none()
    }
}
