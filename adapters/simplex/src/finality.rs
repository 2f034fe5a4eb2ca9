//! When a transaction counts as committed: BFT finality observed at every correct validator that
//! is running.
//!
//! Each node reports every transaction of every block it applies (its outcome stream). A
//! transaction is **committed** once every correct (non-Byzantine) validator that is neither
//! crashed nor paused has reported it, at the latest of those reports; a validator that
//! restarts counts again (it replays its finalized blocks and catches up, reporting what it
//! applied). A crash or a pause can complete a transaction that waited only for that node: it is
//! committed then, not earlier. A **rejection** is final as soon as one correct validator
//! reports it (its nonce was used by a finalized transaction, or it expired unapplied: both
//! certain from the finalized chain). Byzantine validators' reports are not counted.

use std::collections::BTreeMap;
use touchstone_core::adapter::{Outcome, OutcomeStatus};
use touchstone_core::{Nanos, Reason, TxId};

/// The finality rule, as shown in reports.
pub const RULE: &str = "finalized (Simplex finalization certificate) and applied at every \
correct validator that is running (100%): crashed or paused validators are not waited for, a \
restarted one counts again once it has caught up; Byzantine validators never count";

#[derive(Debug, Clone, Default)]
struct Pending {
    /// Per node: the height and time it reported the transaction committed.
    seen: Vec<Option<(u64, Nanos)>>,
}

/// Transactions in flight and what each node reported.
#[derive(Debug)]
pub struct Finality {
    names: Vec<String>,
    /// Counted: correct validators.
    correct: Vec<bool>,
    /// Running: neither crashed nor paused.
    up: Vec<bool>,
    pending: BTreeMap<TxId, Pending>,
}

impl Finality {
    /// Validators `names`; `correct[i]` false for a Byzantine one. All start running.
    pub fn new(names: Vec<String>, correct: Vec<bool>) -> Finality {
        let up = vec![true; names.len()];
        Finality { names, correct, up, pending: BTreeMap::new() }
    }

    /// A transaction was handed to a node: its outcome is now awaited.
    pub fn submitted(&mut self, tx: TxId) {
        self.pending.insert(tx, Pending { seen: vec![None; self.names.len()] });
    }

    /// Transactions awaiting an outcome.
    pub fn in_flight(&self) -> usize {
        self.pending.len()
    }

    /// Node `node` applied `tx` at `height` (observed at `at`): the outcome, if it is complete.
    pub fn committed(&mut self, node: usize, tx: TxId, height: u64, at: Nanos) -> Option<Outcome> {
        if !self.correct[node] {
            return None;
        }
        let p = self.pending.get_mut(&tx)?;
        if p.seen[node].is_none() {
            p.seen[node] = Some((height, at));
        }
        self.complete(tx, 0)
    }

    /// Node `node` says `tx` can never apply: final if the node is correct.
    pub fn rejected(
        &mut self,
        node: usize,
        tx: TxId,
        reason: Reason,
        at: Nanos,
    ) -> Option<Outcome> {
        if !self.correct[node] {
            return None;
        }
        self.pending.remove(&tx)?;
        Some(Outcome {
            tx,
            status: OutcomeStatus::Rejected { reason },
            at,
            node: Some(self.names[node].clone()),
        })
    }

    /// `tx` is settled some other way (refused at its entry node): no outcome will be awaited.
    pub fn forget(&mut self, tx: TxId) -> bool {
        self.pending.remove(&tx).is_some()
    }

    /// Node `node` stopped (crash, pause) or runs again (restart, resume) at `now`: the
    /// transactions this completes, committed at `now` at the earliest.
    pub fn set_up(&mut self, node: usize, up: bool, now: Nanos) -> Vec<Outcome> {
        self.up[node] = up;
        if up {
            return Vec::new();
        }
        let txs: Vec<TxId> = self.pending.keys().copied().collect();
        txs.into_iter().filter_map(|tx| self.complete(tx, now)).collect()
    }

    /// Whether node `node` counts for commits now.
    pub fn counts(&self, node: usize) -> bool {
        self.correct[node] && self.up[node]
    }

    /// Committed if every counted node reported it (and at least one did).
    fn complete(&mut self, tx: TxId, not_before: Nanos) -> Option<Outcome> {
        let p = self.pending.get(&tx)?;
        let mut last: Option<(usize, u64, Nanos)> = None;
        for (i, seen) in p.seen.iter().enumerate() {
            if !(self.correct[i] && self.up[i]) {
                continue;
            }
            let (h, at) = (*seen)?;
            if last.is_none_or(|(_, _, t)| at >= t) {
                last = Some((i, h, at));
            }
        }
        let (i, height, at) = last?;
        self.pending.remove(&tx);
        Some(Outcome {
            tx,
            status: OutcomeStatus::Committed { height },
            at: at.max(not_before),
            node: Some(self.names[i].clone()),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn four(byzantine: Option<usize>) -> Finality {
        let names: Vec<String> = (0..4).map(|i| format!("n{i}")).collect();
        let correct = (0..4).map(|i| Some(i) != byzantine).collect();
        Finality::new(names, correct)
    }

    #[test]
    fn committed_when_every_running_correct_node_applied_it_at_the_last_report() {
        let mut f = four(None);
        f.submitted(TxId(1));
        assert_eq!(f.committed(0, TxId(1), 5, 100), None);
        assert_eq!(f.committed(2, TxId(1), 5, 300), None);
        assert_eq!(f.committed(1, TxId(1), 5, 200), None);
        let o = f.committed(3, TxId(1), 5, 250).unwrap();
        assert_eq!(o.status, OutcomeStatus::Committed { height: 5 });
        assert_eq!((o.at, o.node.as_deref()), (300, Some("n2")));
        assert_eq!(f.committed(3, TxId(1), 5, 260), None, "only once");
        assert_eq!(f.in_flight(), 0);
    }

    #[test]
    fn a_byzantine_node_never_counts_and_a_crash_completes_what_waited_for_it_only() {
        let mut f = four(Some(3));
        f.submitted(TxId(1));
        f.submitted(TxId(2));
        for n in 0..2 {
            f.committed(n, TxId(1), 4, 10);
            f.committed(n, TxId(2), 4, 10);
        }
        assert_eq!(f.committed(3, TxId(1), 4, 11), None, "the Byzantine node's word is not enough");
        let o = f.committed(2, TxId(1), 4, 20).unwrap();
        assert_eq!(o.at, 20);
        // n2 crashes before it applies t2: t2 is complete at the crash, not before.
        let done = f.set_up(2, false, 50);
        assert_eq!(done.len(), 1);
        assert_eq!((done[0].tx, done[0].at), (TxId(2), 50));
    }

    #[test]
    fn nothing_commits_with_every_node_stopped_and_a_restarted_node_counts_again() {
        let mut f = four(None);
        f.submitted(TxId(1));
        for n in 0..4 {
            assert!(f.set_up(n, false, 5).is_empty());
        }
        f.set_up(0, true, 6);
        assert_eq!(f.committed(1, TxId(1), 2, 7), None, "n1 is down: its report waits");
        let o = f.committed(0, TxId(1), 2, 8).unwrap();
        assert_eq!(o.node.as_deref(), Some("n0"));
    }

    #[test]
    fn one_correct_rejection_is_final_and_a_byzantine_one_is_ignored() {
        let mut f = four(Some(1));
        f.submitted(TxId(9));
        assert_eq!(f.rejected(1, TxId(9), Reason::BadNonce, 3), None);
        let o = f.rejected(2, TxId(9), Reason::BadNonce, 4).unwrap();
        assert_eq!(o.status, OutcomeStatus::Rejected { reason: Reason::BadNonce });
        assert_eq!(f.committed(0, TxId(9), 1, 5), None);
    }
}
