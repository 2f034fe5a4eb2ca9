//! The bridge vocabulary (trace format 1.2): proofs a destination chain checks, the peer chains
//! it knows, and the escrow account a chain's bridge holds locked funds in.
//!
//! A cross-chain transfer has an id, `xfer`, the same string on both chains. With the **relay**,
//! a `lock` (or `burn`) on the source chain is certified by the source's finality certificate,
//! and the destination's `mint` (or `release`) carries that certificate as its [`Proof`]. With the
//! **hashed time-lock**, each leg is a `hashlock` into the escrow, paid out by a `claim` with the
//! preimage or returned by a `refund` after the lock's expiry.

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

/// The account of a chain's bridge that holds locked and hash-locked funds. Account names are
/// per chain, so every chain's escrow has this one name. It exists on a ledger whose genesis
/// declares a bridge ([`super::Genesis::bridge`]).
pub const ESCROW: &str = "bridge.escrow";

/// What a proof certifies the source chain's block holds for the transfer.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Certified {
    /// A `lock` into the source's escrow: the proof of a `mint`.
    Lock,
    /// A `burn` of the wrapped asset: the proof of a `release`.
    Burn,
}

/// The source chain's finality certificate of the block holding a `lock` or `burn`.
///
/// The destination ledger cannot read the source's blocks, so what the certificate covers is
/// carried as its signed content: the transfer id, what kind of operation it certifies
/// (`of`), its asset, amount and beneficiary. A proof is valid iff its `chain` is the
/// operation's peer chain and a peer the ledger knows, its `signers` are distinct members of
/// that chain's validator set whose power is a quorum, and its signed content is exactly the
/// operation's (`xfer`, asset, amount, and the beneficiary is the operation's `to`). Signatures
/// are validator names, as in the trace's `cert.signers`: whoever relays a proof cannot change
/// the signed content or add signers without the ledger seeing it, which is what the relay's
/// faults (forging, replaying) exercise. The trace writes the certificate's fields (`chain`,
/// `height`, `block`, `signers`, `xfer`); the signed content repeats the operation's own.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Proof {
    pub chain: String,
    pub height: u64,
    pub block: String,
    pub signers: Vec<String>,
    pub xfer: String,
    /// Signed content: the operation the block holds.
    pub of: Certified,
    /// Signed content: the locked (or burnt) asset and amount.
    pub asset: String,
    pub amount: u128,
    /// Signed content: the recipient on the destination chain.
    pub beneficiary: String,
}

/// A chain this ledger accepts proofs from: its validators with their power, and its quorum
/// (power strictly greater than `num/den` of the total, as the trace's `quorum`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PeerChain {
    pub id: String,
    pub validators: Vec<(String, u64)>,
    pub num: u64,
    pub den: u64,
}

impl PeerChain {
    /// A peer with a BFT quorum (more than two thirds of the power).
    pub fn bft(id: &str, validators: &[(&str, u64)]) -> Self {
        PeerChain {
            id: id.into(),
            validators: validators.iter().map(|(v, p)| (v.to_string(), *p)).collect(),
            num: 2,
            den: 3,
        }
    }

    /// Whether `signers` are distinct members whose power is a quorum.
    pub fn is_quorum(&self, signers: &[String]) -> bool {
        let total: u128 = self.validators.iter().map(|v| u128::from(v.1)).sum();
        let mut seen: Vec<&str> = Vec::with_capacity(signers.len());
        let mut power: u128 = 0;
        for s in signers {
            if seen.contains(&s.as_str()) {
                return false;
            }
            let Some(v) = self.validators.iter().find(|v| v.0 == *s) else { return false };
            seen.push(s);
            power += u128::from(v.1);
        }
        self.den > 0 && power * u128::from(self.den) > total * u128::from(self.num)
    }
}

/// A chain's bridge, declared at genesis: the [`ESCROW`] account exists, and mints and releases
/// are accepted with proofs from `peers`.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct BridgeGenesis {
    pub peers: Vec<PeerChain>,
}

impl BridgeGenesis {
    pub fn peer(&self, id: &str) -> Option<&PeerChain> {
        self.peers.iter().find(|p| p.id == id)
    }
}

/// Whether `proof` is valid for a `mint`/`release` (`of`) of `xfer` from `peer_chain`, moving
/// `amount` of `asset` to `to`, on a ledger knowing `bridge`'s peers (see [`Proof`]).
#[allow(clippy::too_many_arguments)]
pub fn proof_valid(
    bridge: &BridgeGenesis,
    proof: &Proof,
    of: Certified,
    xfer: &str,
    peer_chain: &str,
    asset: &str,
    amount: u128,
    to: &str,
) -> bool {
    proof.chain == peer_chain
        && proof.xfer == xfer
        && proof.of == of
        && proof.asset == asset
        && proof.amount == amount
        && proof.beneficiary == to
        && bridge.peer(peer_chain).is_some_and(|p| p.is_quorum(&proof.signers))
}

/// The lowercase hex SHA-256 of the bytes `preimage_hex` encodes, or `None` if it is not hex.
pub fn hash_of_preimage(preimage_hex: &str) -> Option<String> {
    let bytes = hex::decode(preimage_hex).ok()?;
    Some(hex::encode(Sha256::digest(bytes)))
}

/// Whether `hash` is a SHA-256 in lowercase or uppercase hex (64 digits).
pub fn is_hash(hash: &str) -> bool {
    hash.len() == 64 && hash.bytes().all(|b| b.is_ascii_hexdigit())
}

/// Whether `preimage_hex` hashes to `hash` (case-insensitive hex).
pub fn preimage_matches(preimage_hex: &str, hash: &str) -> bool {
    hash_of_preimage(preimage_hex).is_some_and(|h| h.eq_ignore_ascii_case(hash))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn peer() -> PeerChain {
        PeerChain::bft("sec", &[("n0", 1), ("n1", 1), ("n2", 1), ("n3", 1)])
    }

    fn names(v: &[&str]) -> Vec<String> {
        v.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn a_quorum_is_more_than_two_thirds_of_distinct_members() {
        let p = peer();
        assert!(p.is_quorum(&names(&["n0", "n1", "n2"])));
        assert!(!p.is_quorum(&names(&["n0", "n1"])), "2 of 4 is not > 2/3");
        assert!(!p.is_quorum(&names(&["n0", "n1", "n1"])), "a repeated signer");
        assert!(!p.is_quorum(&names(&["n0", "n1", "x9"])), "a stranger");
        let weighted = PeerChain::bft("w", &[("big", 5), ("a", 1), ("b", 1)]);
        assert!(weighted.is_quorum(&names(&["big"])), "5 of 7 > 2/3");
        assert!(!weighted.is_quorum(&names(&["a", "b"])));
    }

    #[test]
    fn the_proof_must_certify_exactly_the_operation() {
        let bridge = BridgeGenesis { peers: vec![peer()] };
        let proof = Proof {
            chain: "sec".into(),
            height: 4,
            block: "b4".into(),
            signers: names(&["n0", "n1", "n2"]),
            xfer: "x1".into(),
            of: Certified::Lock,
            asset: "USD".into(),
            amount: 5,
            beneficiary: "a1".into(),
        };
        let ok =
            |p: &Proof, of, amount, to| proof_valid(&bridge, p, of, "x1", "sec", "USD", amount, to);
        assert!(ok(&proof, Certified::Lock, 5, "a1"));
        assert!(!ok(&proof, Certified::Burn, 5, "a1"));
        assert!(!ok(&proof, Certified::Lock, 6, "a1"));
        assert!(!ok(&proof, Certified::Lock, 5, "a2"));
        assert!(!proof_valid(&bridge, &proof, Certified::Lock, "x2", "sec", "USD", 5, "a1"));
        assert!(!proof_valid(&bridge, &proof, Certified::Lock, "x1", "cash", "USD", 5, "a1"));
        let few = Proof { signers: names(&["n0"]), ..proof.clone() };
        assert!(!ok(&few, Certified::Lock, 5, "a1"));
    }

    #[test]
    fn preimages_hash_with_sha256() {
        // sha256("") and sha256(0x00).
        let empty = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";
        assert_eq!(hash_of_preimage("").as_deref(), Some(empty));
        assert!(preimage_matches("", &empty.to_uppercase()));
        assert!(!preimage_matches("00", empty));
        assert!(hash_of_preimage("zz").is_none());
        assert!(is_hash(empty) && !is_hash("abc"));
    }
}
