//! Blocks and the transactions they carry.
//!
//! A block commits to its parent's digest and its height (parent height + 1), so the height is
//! the block's position in the finalized sequence and is known as soon as the block is. Its
//! digest is the SHA-256 of its bytes as the proposer encoded them (JSON); receivers keep those
//! bytes and never re-encode, so the encoding need not be canonical.

use bytes::Bytes;
use commonware_cryptography::sha256::Digest;
use commonware_cryptography::{Hasher as _, Sha256};
use serde::{Deserialize, Serialize};
use touchstone_core::{Operation, TxId};

/// Largest block accepted from the network.
pub const MAX_BLOCK_BYTES: usize = 4 << 20;

/// A transaction as it travels between validators and sits in blocks.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Tx {
    /// The harness's transaction id (`t<n>` in the trace).
    pub id: u64,
    #[serde(with = "crate::op")]
    pub op: Operation,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub nonce: Option<u64>,
    /// Last height at which it may be included (stamped by the node that admitted it).
    pub expires: u64,
}

impl Tx {
    pub fn tx_id(&self) -> TxId {
        TxId(self.id)
    }
}

/// A proposal's content.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Block {
    pub height: u64,
    /// The view it was proposed in.
    pub view: u64,
    /// Hex digest of the parent block.
    pub parent: String,
    /// Name of the proposer.
    pub proposer: String,
    pub txs: Vec<Tx>,
    /// Free for the proposer to set (0 when unused): two blocks that differ only here are two
    /// different proposals (the equivocating leader uses it when it has no transactions).
    #[serde(default, skip_serializing_if = "is_zero")]
    pub salt: u64,
}

fn is_zero(x: &u64) -> bool {
    *x == 0
}

/// Why bytes are not a block.
#[derive(Debug, thiserror::Error)]
pub enum BlockError {
    #[error("block of {0} bytes is above the {MAX_BLOCK_BYTES}-byte limit")]
    TooLarge(usize),
    #[error("block does not decode: {0}")]
    Decode(#[from] serde_json::Error),
    #[error("block parent `{0}` is not a hex digest")]
    Parent(String),
}

/// A block with its bytes and digest.
#[derive(Debug, Clone)]
pub struct Sealed {
    pub digest: Digest,
    pub parent: Digest,
    pub bytes: Bytes,
    pub block: Block,
}

impl Sealed {
    /// Encodes `block` and computes its digest.
    pub fn seal(block: Block) -> Sealed {
        let bytes = Bytes::from(serde_json::to_vec(&block).expect("a block always encodes"));
        let parent = parse_digest(&block.parent).expect("a block we build names a hex parent");
        Sealed { digest: digest_of(&bytes), parent, bytes, block }
    }

    /// Decodes bytes received from a peer or read from disk.
    pub fn decode(bytes: Bytes) -> Result<Sealed, BlockError> {
        if bytes.len() > MAX_BLOCK_BYTES {
            return Err(BlockError::TooLarge(bytes.len()));
        }
        let block: Block = serde_json::from_slice(&bytes)?;
        let parent =
            parse_digest(&block.parent).ok_or_else(|| BlockError::Parent(block.parent.clone()))?;
        Ok(Sealed { digest: digest_of(&bytes), parent, bytes, block })
    }

    pub fn height(&self) -> u64 {
        self.block.height
    }

    pub fn tx_ids(&self) -> Vec<TxId> {
        self.block.txs.iter().map(Tx::tx_id).collect()
    }
}

/// SHA-256 of `bytes`.
pub fn digest_of(bytes: &[u8]) -> Digest {
    Sha256::hash(&[bytes])
}

/// The digest that stands for genesis (view 0, height 0): a hash of the genesis file's content.
pub fn genesis_digest(genesis_json: &[u8]) -> Digest {
    Sha256::hash(&[b"touchstone-simplex/genesis/v1", genesis_json])
}

/// Lower-case hex of a digest (the trace's block ids).
pub fn hex(d: &Digest) -> String {
    let mut s = String::with_capacity(64);
    for b in d.as_ref() {
        s.push(char::from_digit(u32::from(b >> 4), 16).expect("nibble"));
        s.push(char::from_digit(u32::from(b & 15), 16).expect("nibble"));
    }
    s
}

/// Parses 64 hex digits.
pub fn parse_digest(s: &str) -> Option<Digest> {
    if s.len() != 64 {
        return None;
    }
    let mut out = [0u8; 32];
    for (i, pair) in s.as_bytes().chunks(2).enumerate() {
        let hi = (pair[0] as char).to_digit(16)?;
        let lo = (pair[1] as char).to_digit(16)?;
        out[i] = (hi * 16 + lo) as u8;
    }
    Some(Digest(out))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn block() -> Block {
        Block {
            height: 3,
            view: 7,
            parent: hex(&genesis_digest(b"{}")),
            proposer: "n1".into(),
            txs: vec![Tx {
                id: 9,
                op: Operation::Transfer {
                    from: "a0".into(),
                    to: "a1".into(),
                    asset: "USD".into(),
                    amount: 5,
                },
                nonce: Some(0),
                expires: 100,
            }],
            salt: 0,
        }
    }

    #[test]
    fn a_sealed_block_decodes_to_the_same_block_and_digest() {
        let s = Sealed::seal(block());
        let d = Sealed::decode(s.bytes.clone()).unwrap();
        assert_eq!(d.block, s.block);
        assert_eq!(d.digest, s.digest);
        assert_eq!(d.parent, genesis_digest(b"{}"));
        assert_eq!(d.tx_ids(), vec![TxId(9)]);
    }

    #[test]
    fn hex_round_trips_and_rejects_junk() {
        let d = digest_of(b"x");
        assert_eq!(parse_digest(&hex(&d)), Some(d));
        assert_eq!(parse_digest("zz"), None);
        assert_eq!(parse_digest(&"g".repeat(64)), None);
    }

    #[test]
    fn a_block_with_a_bad_parent_or_too_many_bytes_is_refused() {
        let mut b = block();
        b.parent = "nope".into();
        let bytes = Bytes::from(serde_json::to_vec(&b).unwrap());
        assert!(matches!(Sealed::decode(bytes), Err(BlockError::Parent(_))));
        let big = Bytes::from(vec![b' '; MAX_BLOCK_BYTES + 1]);
        assert!(matches!(Sealed::decode(big), Err(BlockError::TooLarge(_))));
    }
}
