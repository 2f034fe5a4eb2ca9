//! Each observed node's finalized chain, as read through its JSON-RPC: the blocks
//! (`eth_getBlockByNumber` with transaction hashes only, batched), the link of each block to the
//! one before it, and the decisions waiting for their confirmations before they are written to
//! the trace as that node's `cons.decide` (trace format 1.1, resolution 11).

use crate::rpc::{hash32, hex_quantity, NodeError, RpcClient, RpcError};
use serde::Deserialize;
use std::collections::BTreeMap;
use touchstone_core::TxId;

/// Blocks asked for in one JSON-RPC batch.
pub(crate) const BLOCKS_PER_BATCH: u64 = 32;
/// Block hashes kept per node to link new blocks to (a rollback deeper than this is not seen
/// as one).
const KEEP_HASHES: usize = 1024;

/// The fields of a block the adapter uses (everything else is skipped while parsing).
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct RawBlock {
    pub number: String,
    pub hash: String,
    pub parent_hash: String,
    pub state_root: String,
    #[serde(default)]
    pub base_fee_per_gas: Option<String>,
    #[serde(default)]
    pub transactions: Vec<String>,
}

/// A block as the observer keeps it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Block {
    pub height: u64,
    pub hash: String,
    pub parent: String,
    pub state_root: String,
    pub base_fee: Option<u128>,
    pub txs: Vec<[u8; 32]>,
}

impl Block {
    /// Checks and converts what the node answered.
    pub fn from_raw(r: RawBlock) -> Result<Block, String> {
        let q = |s: &str| s.strip_prefix("0x").and_then(|h| u128::from_str_radix(h, 16).ok());
        let height = q(&r.number).ok_or_else(|| format!("block number {:?}", r.number))? as u64;
        let mut txs = Vec::with_capacity(r.transactions.len());
        for t in &r.transactions {
            txs.push(parse_hash(t).ok_or_else(|| format!("block {height}: tx hash {t:?}"))?);
        }
        let base_fee = match &r.base_fee_per_gas {
            None => None,
            Some(b) => Some(q(b).ok_or_else(|| format!("block {height}: base fee {b:?}"))?),
        };
        Ok(Block {
            height,
            hash: r.hash,
            parent: r.parent_hash,
            state_root: r.state_root,
            base_fee,
            txs,
        })
    }
}

/// 32 bytes of `0x` hex.
pub(crate) fn parse_hash(s: &str) -> Option<[u8; 32]> {
    let mut out = [0u8; 32];
    hex::decode_to_slice(s.strip_prefix("0x")?, &mut out).ok()?;
    Some(out)
}

/// Blocks `from..=to` in one batch; `None` for a block the node does not serve (yet).
pub(crate) fn fetch_blocks(
    rpc: &RpcClient,
    from: u64,
    to: u64,
) -> Result<Vec<Result<Option<RawBlock>, NodeError>>, RpcError> {
    let calls: Vec<(&str, serde_json::Value)> = (from..=to)
        .map(|h| ("eth_getBlockByNumber", serde_json::json!([hex_quantity(h as u128), false])))
        .collect();
    rpc.batch_typed::<RawBlock>(&calls)
}

/// A decision waiting for its confirmations, or ready to be written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Decision {
    pub node: usize,
    pub height: u64,
    pub block: String,
    pub parent: String,
    pub app_hash: String,
    /// The harness's transactions in the block, in block order (others are not ours to name).
    pub txs: Vec<TxId>,
}

/// One node's chain as observed.
#[derive(Debug, Default)]
pub(crate) struct ChainView {
    /// Last block read.
    pub scanned: u64,
    /// The last head read.
    pub head: u64,
    /// Hashes of the blocks read, by height (the most recent [`KEEP_HASHES`]).
    hashes: BTreeMap<u64, String>,
    /// Read, not yet `confirmations` deep.
    waiting: BTreeMap<u64, Decision>,
    /// Blocks dropped because a new block did not link to them (the node rolled back).
    pub rolled_back: u64,
}

/// Whether a block read continues the chain read so far.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Link {
    Continues,
    /// Its parent is not the block read at the height below: the node's chain changed there.
    Broken,
}

impl ChainView {
    /// Starts observing above `height`, whose block is `hash` (known or not).
    pub fn start_at(&mut self, height: u64, hash: Option<String>) {
        self.scanned = height;
        self.head = self.head.max(height);
        self.hashes.clear();
        self.waiting.clear();
        if let Some(h) = hash {
            self.hashes.insert(height, h);
        }
    }

    pub fn link(&self, b: &Block) -> Link {
        match b.height.checked_sub(1).and_then(|p| self.hashes.get(&p)) {
            Some(p) if *p != b.parent => Link::Broken,
            _ => Link::Continues,
        }
    }

    /// Records block `b` as read, its decision waiting for confirmations.
    pub fn read(&mut self, b: &Block, d: Decision) {
        self.hashes.insert(b.height, b.hash.clone());
        while self.hashes.len() > KEEP_HASHES {
            self.hashes.pop_first();
        }
        self.waiting.insert(b.height, d);
        self.scanned = b.height;
    }

    /// Forgets the hash read at `height`: the block there changed too (a restarted node
    /// with a fresh chain has another genesis, so the block read at 0 no longer links).
    pub fn forget(&mut self, height: u64) {
        self.hashes.remove(&height);
    }

    /// Forgets what was read above `height` (the node's chain changed there).
    pub fn roll_back_to(&mut self, height: u64) {
        let dropped = self.hashes.split_off(&(height + 1)).len() as u64;
        self.waiting.split_off(&(height + 1));
        self.rolled_back += dropped.max(self.scanned.saturating_sub(height));
        self.scanned = self.scanned.min(height);
    }

    /// Decisions `confirmations` deep under the head.
    pub fn decided(&mut self, confirmations: u64) -> Vec<Decision> {
        let Some(last) = self.head.checked_sub(confirmations) else { return Vec::new() };
        let rest = self.waiting.split_off(&(last + 1));
        std::mem::replace(&mut self.waiting, rest).into_values().collect()
    }

    /// The height of the last block `confirmations` deep that was read.
    pub fn last_decided(&self, confirmations: u64) -> u64 {
        self.scanned.min(self.head.saturating_sub(confirmations))
    }
}

/// `stateRoot` of a raw JSON block, checked.
pub(crate) fn state_root(v: &serde_json::Value) -> Option<String> {
    v.get("stateRoot").and_then(hash32).map(|r| format!("0x{}", hex::encode(r)))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn block(height: u64, hash: &str, parent: &str) -> Block {
        Block {
            height,
            hash: hash.into(),
            parent: parent.into(),
            state_root: "0xr".into(),
            base_fee: None,
            txs: vec![],
        }
    }

    fn decision(height: u64) -> Decision {
        Decision {
            node: 0,
            height,
            block: format!("b{height}"),
            parent: String::new(),
            app_hash: String::new(),
            txs: vec![],
        }
    }

    #[test]
    fn a_block_must_link_to_the_one_read_below_it() {
        let mut v = ChainView::default();
        v.start_at(4, Some("b4".into()));
        assert_eq!(v.link(&block(5, "b5", "b4")), Link::Continues);
        v.read(&block(5, "b5", "b4"), decision(5));
        assert_eq!(v.link(&block(6, "x6", "x5")), Link::Broken);
        v.roll_back_to(4);
        assert_eq!((v.scanned, v.rolled_back), (4, 1));
        assert_eq!(v.link(&block(5, "x5", "b4")), Link::Continues);
    }

    #[test]
    fn a_fresh_chain_after_a_restart_links_once_the_old_genesis_is_forgotten() {
        // Observed from genesis; the node restarts with a fresh chain (another genesis).
        let mut v = ChainView::default();
        v.start_at(0, Some("g-old".into()));
        v.read(&block(1, "b1", "g-old"), decision(1));
        v.roll_back_to(0);
        let first = block(1, "n1", "g-new");
        assert_eq!(v.link(&first), Link::Broken, "the kept genesis is the old one");
        v.forget(0);
        assert_eq!(v.link(&first), Link::Continues);
    }

    #[test]
    fn decisions_wait_for_their_confirmations() {
        let mut v = ChainView::default();
        v.start_at(0, None);
        for h in 1..=3 {
            v.read(&block(h, &format!("b{h}"), &format!("b{}", h - 1)), decision(h));
        }
        v.head = 3;
        assert_eq!(v.decided(1).iter().map(|d| d.height).collect::<Vec<_>>(), vec![1, 2]);
        assert_eq!(v.last_decided(1), 2);
        v.head = 4;
        assert_eq!(v.decided(1).len(), 1);
        assert!(v.decided(1).is_empty(), "each decision once");
        v.head = 0;
        assert!(v.decided(2).is_empty(), "a head below the depth decides nothing");
    }

    #[test]
    fn blocks_parse_from_the_node_answer() {
        let raw: RawBlock = serde_json::from_str(&format!(
            r#"{{"number":"0x1a","hash":"0xAB","parentHash":"0xaa","stateRoot":"0x01","baseFeePerGas":"0x7","transactions":["0x{}"],"logsBloom":"0x00"}}"#,
            "11".repeat(32)
        ))
        .unwrap();
        let b = Block::from_raw(raw).unwrap();
        assert_eq!((b.height, b.base_fee, b.txs[0][0]), (26, Some(7), 0x11));
        let bad: RawBlock = serde_json::from_str(
            r#"{"number":"0x1","hash":"0x","parentHash":"0x","stateRoot":"0x","transactions":["0x12"]}"#,
        )
        .unwrap();
        assert!(Block::from_raw(bad).unwrap_err().contains("tx hash"));
    }
}
