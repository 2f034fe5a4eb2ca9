//! `outcomes.exactly_once` and `snapshot.matches_outcomes`, judged on one session: a burst of
//! transfers, an overdraft and a reused nonce (to provoke rejections), then a quiet period in
//! which late duplicates would show, then the state read back.

use super::{Kit, Verdicts};
use crate::report::Verdict;
use crate::session::{Session, Start};
use std::collections::BTreeMap;
use touchstone_core::adapter::SubmitAck;
use touchstone_core::ledger::Operation;
use touchstone_core::time::Human;
use touchstone_core::TxId;

const EXACTLY_ONCE: &str = "outcomes.exactly_once";
const SNAPSHOT: &str = "snapshot.matches_outcomes";

/// An amount beyond any balance (a chain's fee reserves included), still exact in `i128`.
const OVERDRAFT: u128 = u128::MAX >> 8;

pub(super) fn judge(kit: &Kit<'_>, v: &mut Verdicts) {
    let mut s = match kit.open(Start::Plain) {
        Ok(s) => s,
        Err(e) => {
            v.set(EXACTLY_ONCE, Verdict::fail(e.clone()));
            v.set(SNAPSHOT, Verdict::fail(e));
            return;
        }
    };
    match exercise(&mut s) {
        Ok(()) => {
            v.set(EXACTLY_ONCE, exactly_once(&s));
            v.set(SNAPSHOT, snapshot(&mut s).unwrap_or_else(Verdict::fail));
        }
        Err(e) => {
            v.set(EXACTLY_ONCE, Verdict::fail(e.clone()));
            v.set(SNAPSHOT, Verdict::fail(e));
        }
    }
    s.close();
}

fn exercise(s: &mut Session) -> Result<(), String> {
    let n = s.accounts.len();
    let mut ids = Vec::new();
    for i in 0..s.opts.transfers {
        let from = i % n;
        let to = (from + 1 + (i / n) % (n - 1)) % n;
        ids.push(s.transfer(from, to, 1 + (i % 9) as u128, None)?);
    }
    // More than any account can hold: a ledger rejects it, at submit or later.
    ids.push(s.transfer(0, 1, OVERDRAFT, None)?);
    s.settle(&ids, s.opts.settle)?;
    // The first transfer again, same sender and harness nonce, once it is final: a chain that
    // enforces the harness's nonces refuses it.
    let first = s.sent[&0].op.clone();
    let rival = s.submit_with_nonce(first, Some(0), None)?;
    s.settle(&[rival], s.opts.settle)?;
    // Late duplicates would arrive now.
    s.watch(s.opts.hold)
}

fn exactly_once(s: &Session) -> Verdict {
    let mut problems = Vec::new();
    for (&id, sent) in &s.sent {
        let id = TxId(id);
        let finals = s.finals(id);
        let told: Vec<String> = finals.iter().map(|o| format!("{:?}", o.status)).collect();
        match (&sent.ack, finals.len()) {
            (SubmitAck::Rejected { .. }, 0) => {}
            (SubmitAck::Rejected { reason }, _) => problems.push(format!(
                "{id} was rejected at submit ({}) and later reported {}",
                reason.code(),
                told.join(", ")
            )),
            (SubmitAck::Accepted { .. }, 0) => problems.push(format!(
                "{id} was accepted but had no final outcome within {}",
                Human(s.opts.settle)
            )),
            (SubmitAck::Accepted { .. }, 1) => {}
            (SubmitAck::Accepted { .. }, k) => {
                problems.push(format!("{id} has {k} final outcomes: {}", told.join(", ")))
            }
        }
    }
    let foreign: Vec<String> = s
        .seen
        .outcomes
        .iter()
        .filter(|o| !s.sent.contains_key(&o.tx.0))
        .map(|o| o.tx.to_string())
        .collect();
    if !foreign.is_empty() {
        problems.push(format!("outcomes for ids never sent: {}", foreign.join(", ")));
    }
    summarise(problems)
}

fn snapshot(s: &mut Session) -> Result<Verdict, String> {
    if !s.caps.state_reads {
        return Ok(Verdict::not_applicable("the adapter declares no state reads"));
    }
    let snaps = s.snapshot()?;
    if snaps.is_empty() {
        return Ok(Verdict::fail("the adapter declares state reads but its snapshot is empty"));
    }
    let asset = s.opts.asset.clone();
    let expected = expected_balances(s);
    let want_total: i128 = expected.values().sum();
    let mut problems = Vec::new();
    for snap in &snaps {
        let mut total = 0i128;
        for (account, want) in &expected {
            let got = snap
                .balances
                .iter()
                .find(|(a, _)| a == account)
                .and_then(|(_, holdings)| holdings.iter().find(|(x, _)| *x == asset))
                .map_or(0, |(_, b)| *b as i128);
            total += got;
            if got != *want {
                problems.push(format!(
                    "node {}: {account} holds {got} {asset}, the committed transfers leave {want}",
                    snap.node
                ));
            }
        }
        if total != want_total {
            problems.push(format!(
                "node {}: the accounts hold {total} {asset} in all, they started with {want_total}",
                snap.node
            ));
        }
        if let Some((_, supply)) = snap.supply.iter().find(|(x, _)| *x == asset) {
            if *supply as i128 != want_total {
                problems.push(format!(
                    "node {}: supply of {asset} is {supply}, transfers keep it at {want_total}",
                    snap.node
                ));
            }
        }
    }
    Ok(summarise(problems))
}

/// Starting balances moved by every committed transfer of the session's asset.
fn expected_balances(s: &Session) -> BTreeMap<String, i128> {
    let mut want: BTreeMap<String, i128> =
        s.accounts.iter().map(|a| (a.clone(), s.opts.initial_balance as i128)).collect();
    for (&id, sent) in &s.sent {
        let Operation::Transfer { from, to, asset, amount } = &sent.op else { continue };
        if s.committed(TxId(id)) && *asset == s.opts.asset {
            *want.entry(from.clone()).or_default() -= *amount as i128;
            *want.entry(to.clone()).or_default() += *amount as i128;
        }
    }
    want
}

/// Pass, or a failure listing the first problems and how many there were.
pub(super) fn summarise(problems: Vec<String>) -> Verdict {
    const SHOWN: usize = 5;
    match problems.len() {
        0 => Verdict::Pass,
        n if n <= SHOWN => Verdict::fail(problems.join("; ")),
        n => Verdict::fail(format!("{}; … and {} more", problems[..SHOWN].join("; "), n - SHOWN)),
    }
}
