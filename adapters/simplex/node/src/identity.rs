//! Validator names (`n<i>`), their ed25519 keys, and the mapping between a node index and
//! commonware's participant index (the participant set is ordered by public key, so the two
//! differ).
//!
//! Keys are derived from the node index with `PrivateKey::from_seed(i)`: test keys, known to
//! anyone, so that every process and the harness agree on the validator set without a key file.

use commonware_cryptography::{ed25519, Signer as _};
use commonware_utils::ordered::Set;
use commonware_utils::{Participant, TryCollect};
use std::fmt;

/// A validator's name, `n<i>`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct NodeName(usize);

impl NodeName {
    pub fn new(i: usize) -> NodeName {
        NodeName(i)
    }

    pub fn parse(s: &str) -> Option<NodeName> {
        parse_node_index(s).map(NodeName)
    }

    pub fn index(self) -> usize {
        self.0
    }
}

impl fmt::Display for NodeName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "n{}", self.0)
    }
}

/// `n17` → 17 (no sign, no leading `+`, no leading zeros but `n0`).
pub fn parse_node_index(s: &str) -> Option<usize> {
    let d = s.strip_prefix('n')?;
    if d.is_empty() || !d.bytes().all(|b| b.is_ascii_digit()) || (d.len() > 1 && d.starts_with('0'))
    {
        return None;
    }
    d.parse().ok()
}

/// The validator set: keys, the participant order and the names.
#[derive(Clone)]
pub struct Validators {
    keys: Vec<ed25519::PublicKey>,
    participants: Set<ed25519::PublicKey>,
    /// participant index → node index
    node_of: Vec<usize>,
}

impl fmt::Debug for Validators {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Validators").field("n", &self.keys.len()).finish()
    }
}

impl Validators {
    /// `n` validators `n0..n{n-1}`.
    pub fn new(n: usize) -> Validators {
        let keys: Vec<_> = (0..n).map(|i| private_key(NodeName(i)).public_key()).collect();
        let participants: Set<_> =
            keys.iter().cloned().try_collect().expect("seeds 0..n give distinct keys");
        let node_of = participants
            .iter()
            .map(|k| keys.iter().position(|x| x == k).expect("every participant is a node"))
            .collect();
        Validators { keys, participants, node_of }
    }

    pub fn len(&self) -> usize {
        self.keys.len()
    }

    pub fn is_empty(&self) -> bool {
        self.keys.is_empty()
    }

    pub fn participants(&self) -> &Set<ed25519::PublicKey> {
        &self.participants
    }

    pub fn key(&self, node: NodeName) -> &ed25519::PublicKey {
        &self.keys[node.0]
    }

    /// The node that signs as participant `p`.
    pub fn node_of_participant(&self, p: Participant) -> Option<NodeName> {
        self.node_of.get(p.get() as usize).copied().map(NodeName)
    }

    /// The node holding `key`.
    pub fn node_of_key(&self, key: &ed25519::PublicKey) -> Option<NodeName> {
        self.keys.iter().position(|k| k == key).map(NodeName)
    }

    /// Every node but `me`.
    pub fn others(&self, me: NodeName) -> impl Iterator<Item = NodeName> + '_ {
        (0..self.keys.len()).filter(move |&i| i != me.0).map(NodeName)
    }
}

/// The (test) private key of `node`.
pub fn private_key(node: NodeName) -> ed25519::PrivateKey {
    <ed25519::PrivateKey as commonware_cryptography::Signer>::from_seed(node.0 as u64)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_parse_only_in_canonical_form() {
        assert_eq!(parse_node_index("n0"), Some(0));
        assert_eq!(parse_node_index("n12"), Some(12));
        for bad in ["n", "x1", "n01", "n-1", "n+1", "n1a", "N1"] {
            assert_eq!(parse_node_index(bad), None, "{bad}");
        }
    }

    #[test]
    fn participant_indices_map_back_to_the_nodes_that_hold_the_keys() {
        let v = Validators::new(4);
        for (p, key) in v.participants().iter().enumerate() {
            let node = v.node_of_participant(Participant::from_usize(p)).unwrap();
            assert_eq!(v.key(node), key);
            assert_eq!(v.node_of_key(key), Some(node));
        }
        assert_eq!(v.others(NodeName::new(2)).map(|n| n.index()).collect::<Vec<_>>(), [0, 1, 3]);
    }
}
