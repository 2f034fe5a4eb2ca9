//! Raft's Byzantine behaviours, beside the honest code whose hooks call them. Raft does not
//! tolerate Byzantine nodes; these exist so a scenario can show what happens when it meets one:
//! - `amnesia`: on a restart, forgets the vote of the current term (so it may vote twice);
//! - `invalid_proposal` is [`crate::byzantine::invalid_proposal`], where a leader appends a
//!   block; `silent` and `delay` are the simulator's. `equivocate` and `double_vote` do nothing.

use super::{Raft, RaftMsg};
use crate::protocol::Env;
use touchstone_core::scenario::Behaviour;

impl Raft {
    /// `amnesia`: on a restart, forgets whom it voted for in the current term.
    pub(super) fn byzantine_restart(&mut self, env: &mut dyn Env<RaftMsg>) {
        if env.config().behaviour == Some(Behaviour::Amnesia) {
            self.voted_for = None;
        }
    }
}
