//! The application's own p2p channels beside the engine's three: blocks (a proposer's block
//! bytes), transactions (gossip) and fetch (a node asks a peer for a block and its ancestors).

use crate::block::{hex, parse_digest, Tx};
use bytes::{BufMut, Bytes, BytesMut};
use commonware_cryptography::sha256::Digest;
use serde::{Deserialize, Serialize};

/// Channel numbers on the authenticated network.
pub mod channel {
    pub const VOTES: u64 = 0;
    pub const CERTIFICATES: u64 = 1;
    pub const RESOLVER: u64 = 2;
    pub const BLOCKS: u64 = 3;
    pub const FETCH: u64 = 4;
    pub const TXS: u64 = 5;
}

/// Largest message on any channel.
pub const MAX_MESSAGE: u32 = 8 << 20;
/// Most block bytes in one fetch response.
pub const MAX_FETCH_BYTES: usize = 4 << 20;

/// A batch of gossiped transactions.
pub fn encode_txs(txs: &[Tx]) -> Bytes {
    Bytes::from(serde_json::to_vec(txs).expect("transactions always encode"))
}

pub fn decode_txs(b: &[u8]) -> Option<Vec<Tx>> {
    serde_json::from_slice(b).ok()
}

/// Fetch-channel messages.
#[derive(Debug, Clone, PartialEq)]
pub enum Fetch {
    /// "Send me `want` and its ancestors above `above` (at most `max` blocks)."
    Request { id: u64, want: Digest, above: u64, max: u32 },
    /// Blocks, `want` first then each one's parent.
    Response { id: u64, blocks: Vec<Bytes> },
}

#[derive(Serialize, Deserialize)]
struct RequestJson {
    id: u64,
    want: String,
    above: u64,
    max: u32,
}

const REQUEST: u8 = 0;
const RESPONSE: u8 = 1;

impl Fetch {
    pub fn encode(&self) -> Bytes {
        let mut out = BytesMut::new();
        match self {
            Fetch::Request { id, want, above, max } => {
                out.put_u8(REQUEST);
                let j = RequestJson { id: *id, want: hex(want), above: *above, max: *max };
                out.extend_from_slice(&serde_json::to_vec(&j).expect("encodes"));
            }
            Fetch::Response { id, blocks } => {
                out.put_u8(RESPONSE);
                out.put_u64_le(*id);
                for b in blocks {
                    out.put_u32_le(u32::try_from(b.len()).expect("blocks are small"));
                    out.extend_from_slice(b);
                }
            }
        }
        out.freeze()
    }

    pub fn decode(b: &Bytes) -> Option<Fetch> {
        let (&tag, rest) = b.split_first()?;
        match tag {
            REQUEST => {
                let j: RequestJson = serde_json::from_slice(rest).ok()?;
                Some(Fetch::Request {
                    id: j.id,
                    want: parse_digest(&j.want)?,
                    above: j.above,
                    max: j.max,
                })
            }
            RESPONSE => {
                let id = u64::from_le_bytes(rest.get(..8)?.try_into().ok()?);
                let mut pos = 9usize;
                let mut blocks = Vec::new();
                while pos < b.len() {
                    let len = u32::from_le_bytes(b.get(pos..pos + 4)?.try_into().ok()?) as usize;
                    blocks.push(
                        b.slice(pos + 4..pos.checked_add(4 + len).filter(|&e| e <= b.len())?),
                    );
                    pos += 4 + len;
                }
                Some(Fetch::Response { id, blocks })
            }
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::block::digest_of;

    #[test]
    fn fetch_messages_round_trip_and_truncation_is_refused() {
        let req = Fetch::Request { id: 7, want: digest_of(b"w"), above: 3, max: 64 };
        assert_eq!(Fetch::decode(&req.encode()), Some(req));
        let resp = Fetch::Response {
            id: 9,
            blocks: vec![
                Bytes::from_static(b"abc"),
                Bytes::from_static(b""),
                Bytes::from_static(b"z"),
            ],
        };
        let enc = resp.encode();
        assert_eq!(Fetch::decode(&enc), Some(resp));
        assert_eq!(Fetch::decode(&enc.slice(..enc.len() - 1)), None);
        assert_eq!(Fetch::decode(&Bytes::from_static(&[7])), None);
    }
}
