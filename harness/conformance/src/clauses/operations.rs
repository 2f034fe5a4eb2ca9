//! `operations.declared_are_accepted`: every operation kind the adapter declares is accepted at
//! submit and commits.

use super::{verdict_of, Kit, Verdicts};
use crate::report::Verdict;
use crate::session::{Session, Start, POLICY_ASSET};
use touchstone_core::adapter::SubmitAck;
use touchstone_core::ledger::{hash_of_preimage, AdminAction, Leg, OpKind, Operation, ESCROW};

pub(super) fn judge(kit: &Kit<'_>, v: &mut Verdicts) {
    let has = |k| kit.caps.operations.contains(&k);
    let admin = has(OpKind::Admin);
    let start = match (admin, has(OpKind::Bridge) || has(OpKind::HashLock)) {
        (policy_asset, true) => Start::WithBridge { policy_asset },
        (true, false) => Start::WithPolicyAsset,
        (false, false) => Start::Plain,
    };
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
        // The bridge operations that need no other chain: a lock into the escrow, and a
        // hashlock that does not expire during the session.
        OpKind::Bridge => (
            Operation::Lock {
                from: a(1),
                to: ESCROW.into(),
                asset,
                amount: 1,
                xfer: "conformance-lock".into(),
                peer_chain: "peer".into(),
                beneficiary: "b0".into(),
            },
            true,
        ),
        OpKind::HashLock => (
            Operation::Hashlock {
                from: a(2),
                to: ESCROW.into(),
                asset,
                amount: 1,
                xfer: "conformance-hashlock".into(),
                hash: hash_of_preimage("00").expect("hex"),
                expires_height: u64::MAX,
                beneficiary: a(3),
                dvp: None,
            },
            true,
        ),
    }
}
