//! `operations.declared_are_accepted`: every operation kind the adapter declares is accepted at
//! submit and commits.

use super::{verdict_of, Kit, Verdicts};
use crate::report::Verdict;
use crate::session::{Session, Start, POLICY_ASSET};
use touchstone_core::adapter::SubmitAck;
use touchstone_core::ledger::{AdminAction, Leg, OpKind, Operation};

pub(super) fn judge(kit: &Kit<'_>, v: &mut Verdicts) {
    let admin = kit.caps.operations.contains(&OpKind::Admin);
    let start = if admin { Start::WithPolicyAsset } else { Start::Plain };
    let verdict = verdict_of(kit.open(start).and_then(|mut s| {
        let r = check(&mut s, &kit.caps.operations);
        s.close();
        r
    }));
    v.set("operations.declared_are_accepted", verdict);
}

fn check(s: &mut Session, kinds: &[OpKind]) -> Result<Verdict, String> {
    if kinds.is_empty() {
        return Ok(Verdict::fail("the adapter declares no operation at all"));
    }
    let mut sent = Vec::new();
    for &kind in kinds {
        let (op, nonced) = sample(s, kind);
        sent.push((kind, s.submit(op, nonced, None)?));
    }
    let ids: Vec<_> = sent.iter().map(|(_, id)| *id).collect();
    s.settle(&ids, s.opts.settle)?;
    let mut problems = Vec::new();
    for (kind, id) in sent {
        if let SubmitAck::Rejected { reason } = &s.sent[&id.0].ack {
            problems.push(format!("{kind:?} ({id}) was rejected at submit: {}", reason.code()));
        } else if !s.committed(id) {
            let finals: Vec<String> =
                s.finals(id).iter().map(|o| format!("{:?}", o.status)).collect();
            problems.push(format!(
                "{kind:?} ({id}) did not commit: {}",
                if finals.is_empty() { "no outcome".to_string() } else { finals.join(", ") }
            ));
        }
    }
    Ok(if problems.is_empty() { Verdict::Pass } else { Verdict::fail(problems.join("; ")) })
}

/// A well-formed operation of `kind` that any honest ledger applies, and whether it carries the
/// sender's harness nonce.
fn sample(s: &Session, kind: OpKind) -> (Operation, bool) {
    let a = |i: usize| s.accounts[i].clone();
    let asset = s.opts.asset.clone();
    match kind {
        OpKind::Transfer => (Operation::Transfer { from: a(0), to: a(1), asset, amount: 1 }, true),
        OpKind::Issue => (Operation::Issue { to: a(2), asset, amount: 5 }, false),
        OpKind::Redeem => (Operation::Redeem { from: a(3), asset, amount: 1 }, true),
        OpKind::Batch => {
            let leg = |from: usize, to: usize, amount| Leg {
                from: a(from),
                to: a(to),
                asset: asset.clone(),
                amount,
            };
            (Operation::Batch { legs: vec![leg(1, 2, 1), leg(2, 1, 2)] }, false)
        }
        // The issuer agent of the policy asset pauses it.
        OpKind::Admin => (
            Operation::Admin {
                by: a(0),
                action: AdminAction::Pause { asset: POLICY_ASSET.into() },
            },
            false,
        ),
    }
}
