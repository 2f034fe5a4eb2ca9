//! Byzantine behaviours: where each one lives, and what the protocols share.
//!
//! | behaviour | implemented by |
//! |---|---|
//! | `silent`, `delay` | the simulator, on the node's outgoing messages ([`departure`]) |
//! | `invalid_proposal` | [`invalid_proposal`], where each protocol builds a block |
//! | `equivocate`, `double_vote`, `amnesia` | each protocol's `byzantine.rs`, beside its honest code |
//!
//! Honest code holds no Byzantine branches: at the few points where a Byzantine node acts
//! differently it calls a hook of its protocol's `byzantine.rs` — `byzantine_propose` and
//! `byzantine_vote` (which send the message the Byzantine way and say whether they did),
//! `byzantine_restart` (what an `amnesia` node forgets) — and carries on as a correct node.
//! Every message a Byzantine node casts is traced, conflicting ones too, so the checkers see what
//! it did.

use crate::protocol::{Env, NodeIdx, WireMessage};
use touchstone_core::scenario::Behaviour;
use touchstone_core::{Nanos, TxId};

/// Whether peer `j` is in the half that gets this Byzantine node's "honest" message at `round`.
/// The peers (all but `me`, in index order) are split in two, the first half the larger when
/// their number is odd; the split rotates with the round.
pub fn in_first_half(me: NodeIdx, n: usize, j: NodeIdx, round: u64) -> bool {
    let k = n.saturating_sub(1).max(1);
    let pos = if j < me { j } else { j - 1 };
    let rot = (round % k as u64) as usize;
    (pos + k - rot) % k < k.div_ceil(2)
}

/// Sends `first` to the peers [`in_first_half`] at `round` and `second` to the others.
pub fn send_split<M: WireMessage>(env: &mut dyn Env<M>, round: u64, first: M, second: M) {
    let (me, n) = (env.config().me, env.config().n());
    for j in (0..n).filter(|&j| j != me) {
        let m = if in_first_half(me, n, j, round) { first.clone() } else { second.clone() };
        env.send(j, m);
    }
}

/// `invalid_proposal`: an invalid transaction added to the transactions of a block this node
/// proposes. Nothing for any other behaviour.
pub fn invalid_proposal<M: WireMessage>(
    behaviour: Option<Behaviour>,
    txs: &mut Vec<TxId>,
    env: &mut dyn Env<M>,
) {
    if behaviour == Some(Behaviour::InvalidProposal) {
        txs.push(env.invalid_tx());
    }
}

/// `silent` and `delay`: when a message leaving at `depart` actually leaves, or `None` if the
/// node sends nothing. Any other behaviour sends on time.
pub fn departure(behaviour: Option<Behaviour>, depart: Nanos) -> Option<Nanos> {
    match behaviour {
        Some(Behaviour::Silent) => None,
        Some(Behaviour::Delay { delay }) => Some(depart + delay),
        _ => Some(depart),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_halves_split_the_peers_evenly_and_rotate_with_the_round() {
        let (me, n) = (2, 7);
        let first_half = |round| -> Vec<NodeIdx> {
            (0..n).filter(|&j| j != me && in_first_half(me, n, j, round)).collect()
        };
        for round in 0..6 {
            assert_eq!(first_half(round).len(), 3, "round {round}: {:?}", first_half(round));
        }
        assert_eq!(first_half(0), [0, 1, 3]);
        assert_eq!(first_half(1), [1, 3, 4]);
    }

    #[test]
    fn silent_sends_nothing_delay_sends_late_and_the_rest_on_time() {
        assert_eq!(departure(Some(Behaviour::Silent), 5), None);
        assert_eq!(departure(Some(Behaviour::Delay { delay: 10 }), 5), Some(15));
        assert_eq!(departure(Some(Behaviour::Equivocate), 5), Some(5));
        assert_eq!(departure(None, 5), Some(5));
    }
}
