//! `precheck.agrees_with_admission`: an adapter that offers a pre-check (`can_transfer`) predicts
//! what the chain then does with the request — a fresh transfer goes through, and its replay (the
//! same operation and nonce under a new id) is refused, for the reason the chain gives.

use super::{verdict_of, Kit, Verdicts};
use crate::report::Verdict;
use crate::session::{Session, Start};
use touchstone_core::adapter::{Adapter, TxRequest};
use touchstone_core::ledger::Operation;
use touchstone_core::Reason;

pub(super) fn judge(kit: &Kit<'_>, v: &mut Verdicts) {
    let verdict = verdict_of(kit.open(Start::Plain).and_then(|mut s| {
        let r = check(&mut s);
        s.close();
        r
    }));
    v.set("precheck.agrees_with_admission", verdict);
}

fn check(s: &mut Session) -> Result<Verdict, String> {
    let op = Operation::Transfer {
        from: s.accounts[0].clone(),
        to: s.accounts[1].clone(),
        asset: s.opts.asset.clone(),
        amount: 1,
    };
    let mut problems = Vec::new();
    for (what, nonce) in [("a fresh transfer", 0), ("its replay (same nonce, new id)", 0)] {
        let req = s.next_request(op.clone(), Some(nonce));
        let Some(predicted) = precheck(s, &req)? else {
            return Ok(Verdict::not_applicable("the adapter offers no pre-check of transfers"));
        };
        let id = s.submit_with_nonce(op.clone(), Some(nonce), None)?;
        s.settle(&[id], s.opts.settle)?;
        let Some(actual) = s.outcome_of(id) else {
            return Ok(Verdict::fail(format!(
                "{what} ({}) had no final outcome within settle",
                s.describe(id)
            )));
        };
        if predicted != actual {
            problems.push(format!(
                "{what}: predicted {}, the chain answered {} ({})",
                show(predicted),
                show(actual),
                s.describe(id)
            ));
        }
    }
    Ok(if problems.is_empty() { Verdict::Pass } else { Verdict::fail(problems.join("; ")) })
}

fn precheck(s: &mut Session, req: &TxRequest) -> Result<Option<Result<(), Reason>>, String> {
    s.adapter.precheck(req).map_err(|e| format!("precheck of {} failed: {e}", req.id))
}

fn show(r: Result<(), Reason>) -> String {
    match r {
        Ok(()) => "committed".into(),
        Err(reason) => format!("rejected {}", reason.code()),
    }
}
