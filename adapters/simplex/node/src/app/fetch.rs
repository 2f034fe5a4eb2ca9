//! Which blocks this node is asking its peers for: one peer at a time, the next one after a
//! time-out or an empty answer.

use crate::identity::NodeName;
use crate::wire::Fetch;
use commonware_cryptography::sha256::Digest;
use std::collections::BTreeMap;
use std::time::{Duration, Instant};

/// How long to wait for a peer's answer before asking the next peer.
pub const FETCH_TIMEOUT: Duration = Duration::from_millis(500);
/// Most blocks asked for at once.
pub const FETCH_MAX: u32 = 256;

#[derive(Debug)]
struct Want {
    id: u64,
    above: u64,
    sent: Option<Instant>,
}

#[derive(Debug)]
pub struct Fetcher {
    wants: BTreeMap<Digest, Want>,
    peers: Vec<NodeName>,
    next_peer: usize,
    next_id: u64,
}

impl Fetcher {
    pub fn new(peers: Vec<NodeName>) -> Fetcher {
        Fetcher { wants: BTreeMap::new(), peers, next_peer: 0, next_id: 1 }
    }

    /// Asks for `d` and its ancestors above height `above` (idempotent).
    pub fn want(&mut self, d: Digest, above: u64) {
        let w = self.wants.entry(d).or_insert(Want { id: 0, above, sent: None });
        w.above = w.above.max(above);
    }

    /// The request that `id` answered, forgotten; `None` for a stale or unknown id.
    pub fn answered(&mut self, id: u64) -> Option<Digest> {
        let d = *self.wants.iter().find(|(_, w)| w.id == id && w.sent.is_some())?.0;
        self.wants.remove(&d);
        Some(d)
    }

    /// A peer had nothing for `id`: ask the next peer at once.
    pub fn retry(&mut self, id: u64) {
        if let Some(w) = self.wants.values_mut().find(|w| w.id == id) {
            w.sent = None;
        }
    }

    /// Drops wants that `known` now satisfies.
    pub fn forget_known(&mut self, known: impl Fn(&Digest) -> bool) {
        self.wants.retain(|d, _| !known(d));
    }

    /// Requests to send now (new wants, and those whose peer did not answer in time), with the
    /// peer each goes to.
    pub fn due(&mut self, now: Instant) -> Vec<(NodeName, Fetch)> {
        if self.peers.is_empty() {
            return Vec::new();
        }
        let mut out = Vec::new();
        let mut due: Vec<(&Digest, &mut Want)> = self
            .wants
            .iter_mut()
            .filter(|(_, w)| w.sent.is_none_or(|t| now.duration_since(t) >= FETCH_TIMEOUT))
            .collect();
        due.sort_by_key(|(_, w)| w.above);
        for (d, w) in due {
            w.id = self.next_id;
            self.next_id += 1;
            w.sent = Some(now);
            let peer = self.peers[self.next_peer % self.peers.len()];
            self.next_peer += 1;
            out.push((peer, Fetch::Request { id: w.id, want: *d, above: w.above, max: FETCH_MAX }));
        }
        out
    }

    pub fn len(&self) -> usize {
        self.wants.len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::block::digest_of;

    #[test]
    fn a_want_goes_to_one_peer_then_to_the_next_after_a_timeout() {
        let mut f = Fetcher::new(vec![NodeName::new(1), NodeName::new(2)]);
        let d = digest_of(b"d");
        f.want(d, 3);
        f.want(d, 5);
        let t0 = Instant::now();
        let first = f.due(t0);
        assert_eq!(first.len(), 1);
        assert_eq!(first[0].0, NodeName::new(1));
        let Fetch::Request { id, above, .. } = first[0].1 else { panic!() };
        assert_eq!(above, 5);
        assert!(f.due(t0).is_empty(), "not again before the timeout");
        let second = f.due(t0 + FETCH_TIMEOUT);
        assert_eq!(second[0].0, NodeName::new(2));
        assert_eq!(f.answered(id), None, "the first request is stale now");
        let Fetch::Request { id, .. } = second[0].1 else { panic!() };
        assert_eq!(f.answered(id), Some(d));
        assert_eq!(f.len(), 0);
    }
}
