//! Blocks this node knows: the finalized chain (on disk, in an append-only log, so a restarted
//! node rebuilds its ledger from it) and the pending blocks above it (in memory, and on disk
//! once this node voted for them or proposed them).
//!
//! Why pending blocks this node voted for must survive a crash: Simplex builds on a
//! *notarized* parent, which need not be finalized. If every validator crashes after a block
//! was notarized and before it was finalized, their journals say "build on that block" when
//! they restart — and if no one kept the block, no leader can ever propose again. So a block is
//! written to `pending.log` before this node answers the engine that it verified it, or hands
//! it its own proposal; the log is compacted to the blocks still above the finalized tip.

use crate::block::Sealed;
use bytes::Bytes;
use commonware_cryptography::sha256::Digest;
use std::collections::{BTreeMap, HashMap};
use std::fs::{File, OpenOptions};
use std::io::{Read, Seek, SeekFrom, Write};
use std::path::Path;
use std::sync::Arc;

/// How many of the latest finalized blocks stay in memory (older ones are read from the log).
const RECENT: u64 = 256;
/// Size beyond which the pending-block log is rewritten with only the blocks still pending.
const PENDING_LOG_COMPACT: u64 = 64 << 20;

/// The path from the finalized tip to a block.
#[derive(Debug)]
pub enum Ancestry {
    /// The pending blocks from just above the tip up to and including the one asked for
    /// (empty when it is the tip itself).
    Ready(Vec<Arc<Sealed>>),
    /// This block is needed and unknown.
    Missing(Digest),
    /// The path leaves the finalized chain: it can never be built on.
    Conflict,
}

/// Append-only file of finalized blocks: `[u32 LE length][block bytes]` per height from 1.
#[derive(Debug)]
struct Log {
    file: File,
    /// (offset, length) of height `i + 1`
    index: Vec<(u64, u32)>,
    end: u64,
}

impl Log {
    /// Opens the log and returns the blocks it holds, dropping a torn last record.
    fn open(path: &Path) -> std::io::Result<(Log, Vec<Bytes>)> {
        if let Some(d) = path.parent() {
            std::fs::create_dir_all(d)?;
        }
        let mut file =
            OpenOptions::new().read(true).write(true).create(true).truncate(false).open(path)?;
        let mut all = Vec::new();
        file.read_to_end(&mut all)?;
        let (mut pos, mut index, mut blocks) = (0usize, Vec::new(), Vec::new());
        while pos + 4 <= all.len() {
            let len = u32::from_le_bytes(all[pos..pos + 4].try_into().expect("4 bytes")) as usize;
            if pos + 4 + len > all.len() {
                break;
            }
            index.push(((pos + 4) as u64, len as u32));
            blocks.push(Bytes::copy_from_slice(&all[pos + 4..pos + 4 + len]));
            pos += 4 + len;
        }
        if pos != all.len() {
            file.set_len(pos as u64)?;
        }
        file.seek(SeekFrom::Start(pos as u64))?;
        Ok((Log { file, index, end: pos as u64 }, blocks))
    }

    fn append(&mut self, bytes: &[u8]) -> std::io::Result<()> {
        let len = u32::try_from(bytes.len()).expect("blocks are far below 4 GiB");
        let mut rec = Vec::with_capacity(4 + bytes.len());
        rec.extend_from_slice(&len.to_le_bytes());
        rec.extend_from_slice(bytes);
        self.file.seek(SeekFrom::Start(self.end))?;
        self.file.write_all(&rec)?;
        self.index.push((self.end + 4, len));
        self.end += rec.len() as u64;
        Ok(())
    }

    fn read(&mut self, height: u64) -> Option<Bytes> {
        let &(off, len) = self.index.get(usize::try_from(height.checked_sub(1)?).ok()?)?;
        let mut buf = vec![0u8; len as usize];
        self.file.seek(SeekFrom::Start(off)).ok()?;
        self.file.read_exact(&mut buf).ok()?;
        Some(Bytes::from(buf))
    }
}

/// The node's blocks.
#[derive(Debug)]
pub struct Chain {
    /// Finalized digests by height (`[0]` = genesis).
    finalized: Vec<Digest>,
    heights: HashMap<Digest, u64>,
    recent: BTreeMap<u64, Arc<Sealed>>,
    pending: HashMap<Digest, Arc<Sealed>>,
    log: Log,
    /// Pending blocks written to disk (see the module docs).
    pending_log: Log,
    pending_path: std::path::PathBuf,
    persisted: std::collections::HashSet<Digest>,
}

impl Chain {
    /// Opens the finalized-block log at `path` and the pending-block log beside it; returns
    /// the chain (at genesis), the logged finalized blocks to replay through
    /// [`Chain::replayed`] in order, and the pending blocks to give back with
    /// [`Chain::restore_pending`] after them.
    pub fn open(path: &Path, genesis: Digest) -> std::io::Result<(Chain, Vec<Bytes>, Vec<Bytes>)> {
        let (log, blocks) = Log::open(path)?;
        let pending_path = path.with_file_name("pending.log");
        let (pending_log, pending) = Log::open(&pending_path)?;
        let mut heights = HashMap::new();
        heights.insert(genesis, 0);
        let chain = Chain {
            finalized: vec![genesis],
            heights,
            recent: BTreeMap::new(),
            pending: HashMap::new(),
            log,
            pending_log,
            pending_path,
            persisted: std::collections::HashSet::new(),
        };
        Ok((chain, blocks, pending))
    }

    /// Takes back a block of the pending-block log at startup (after the finalized ones).
    pub fn restore_pending(&mut self, b: Arc<Sealed>) {
        self.persisted.insert(b.digest);
        self.insert_pending(b);
    }

    /// Writes a pending block to disk, once (before this node votes for it or proposes it).
    pub fn persist(&mut self, b: &Sealed) -> std::io::Result<()> {
        if self.heights.contains_key(&b.digest) || !self.persisted.insert(b.digest) {
            return Ok(());
        }
        self.pending_log.append(&b.bytes)
    }

    /// Rewrites the pending-block log with only the blocks still pending, once it grew large.
    fn compact_pending_log(&mut self) -> std::io::Result<()> {
        if self.pending_log.end < PENDING_LOG_COMPACT {
            return Ok(());
        }
        let tmp = self.pending_path.with_extension("log.tmp");
        let _ = std::fs::remove_file(&tmp);
        let (mut fresh, _) = Log::open(&tmp)?;
        let mut keep: Vec<&Arc<Sealed>> =
            self.pending.values().filter(|b| self.persisted.contains(&b.digest)).collect();
        keep.sort_by_key(|b| b.height());
        for b in &keep {
            fresh.append(&b.bytes)?;
        }
        std::fs::rename(&tmp, &self.pending_path)?;
        self.persisted = keep.iter().map(|b| b.digest).collect();
        self.pending_log = fresh;
        Ok(())
    }

    /// Takes back a logged block at startup (in log order; it is already on disk).
    pub fn replayed(&mut self, block: Arc<Sealed>) {
        debug_assert_eq!(block.parent, self.tip().1);
        self.push_finalized(block);
    }

    pub fn tip(&self) -> (u64, Digest) {
        let h = self.finalized.len() as u64 - 1;
        (h, self.finalized[h as usize])
    }

    pub fn genesis(&self) -> Digest {
        self.finalized[0]
    }

    /// Height of a known block (finalized or pending).
    pub fn height_of(&self, d: &Digest) -> Option<u64> {
        self.heights.get(d).copied().or_else(|| self.pending.get(d).map(|b| b.height()))
    }

    pub fn finalized_at(&self, height: u64) -> Option<Digest> {
        self.finalized.get(usize::try_from(height).ok()?).copied()
    }

    pub fn is_known(&self, d: &Digest) -> bool {
        self.heights.contains_key(d) || self.pending.contains_key(d)
    }

    /// A known block (pending, recent, or read from the log). Genesis has no block.
    pub fn get(&mut self, d: &Digest) -> Option<Arc<Sealed>> {
        if let Some(b) = self.pending.get(d) {
            return Some(b.clone());
        }
        let h = *self.heights.get(d)?;
        if let Some(b) = self.recent.get(&h) {
            return Some(b.clone());
        }
        let bytes = self.log.read(h)?;
        Sealed::decode(bytes).ok().map(Arc::new)
    }

    /// Remembers a block above the finalized tip; `false` if known or not above the tip.
    pub fn insert_pending(&mut self, b: Arc<Sealed>) -> bool {
        if self.is_known(&b.digest) || b.height() <= self.tip().0 {
            return false;
        }
        self.pending.insert(b.digest, b);
        true
    }

    /// The pending path from the tip to `d` (see [`Ancestry`]).
    pub fn ancestry(&self, d: Digest) -> Ancestry {
        let (tip_h, tip) = self.tip();
        let mut path = Vec::new();
        let mut cur = d;
        loop {
            if cur == tip {
                path.reverse();
                return Ancestry::Ready(path);
            }
            if self.heights.contains_key(&cur) {
                return Ancestry::Conflict;
            }
            match self.pending.get(&cur) {
                Some(b) if b.height() <= tip_h => return Ancestry::Conflict,
                Some(b) => {
                    path.push(b.clone());
                    cur = b.parent;
                }
                None => return Ancestry::Missing(cur),
            }
        }
    }

    /// Records `b` (the child of the tip) as finalized: logs it and drops pending blocks at or
    /// below its height.
    pub fn finalize(&mut self, b: Arc<Sealed>) -> std::io::Result<()> {
        debug_assert_eq!(b.parent, self.tip().1);
        self.log.append(&b.bytes)?;
        self.push_finalized(b);
        Ok(())
    }

    fn push_finalized(&mut self, b: Arc<Sealed>) {
        let h = b.height();
        self.finalized.push(b.digest);
        self.heights.insert(b.digest, h);
        self.recent.insert(h, b);
        while self.recent.len() as u64 > RECENT {
            self.recent.pop_first();
        }
        self.pending.retain(|_, p| p.height() > h);
        if let Err(e) = self.compact_pending_log() {
            tracing::error!(error = %e, "cannot compact the pending-block log");
        }
    }

    pub fn pending_len(&self) -> usize {
        self.pending.len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::block::{genesis_digest, hex, Block};

    fn child(parent: Digest, height: u64, tag: &str) -> Arc<Sealed> {
        Arc::new(Sealed::seal(Block {
            height,
            view: height,
            parent: hex(&parent),
            proposer: tag.into(),
            txs: vec![],
            salt: 0,
        }))
    }

    #[test]
    fn ancestry_walks_pending_blocks_to_the_tip_and_reports_gaps_and_forks() {
        let dir = tempfile::tempdir().unwrap();
        let g = genesis_digest(b"g");
        let (mut c, logged, _) = Chain::open(&dir.path().join("f.log"), g).unwrap();
        assert!(logged.is_empty());
        let b1 = child(g, 1, "a");
        let b2 = child(b1.digest, 2, "a");
        let x1 = child(g, 1, "x");
        assert!(c.insert_pending(b2.clone()));
        assert!(matches!(c.ancestry(b2.digest), Ancestry::Missing(d) if d == b1.digest));
        assert!(c.insert_pending(b1.clone()));
        assert!(c.insert_pending(x1.clone()));
        match c.ancestry(b2.digest) {
            Ancestry::Ready(p) => assert_eq!(p.len(), 2),
            other => panic!("{other:?}"),
        }
        c.finalize(b1.clone()).unwrap();
        assert!(matches!(c.ancestry(x1.digest), Ancestry::Missing(_)), "pruned at its height");
        assert!(matches!(c.ancestry(g), Ancestry::Conflict));
        assert!(matches!(c.ancestry(b1.digest), Ancestry::Ready(p) if p.is_empty()));
        assert_eq!(c.get(&b1.digest).unwrap().digest, b1.digest);
    }

    #[test]
    fn the_log_survives_a_reopen_and_loses_only_a_torn_record() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("f.log");
        let g = genesis_digest(b"g");
        let (mut c, _, _) = Chain::open(&path, g).unwrap();
        let b1 = child(g, 1, "a");
        let b2 = child(b1.digest, 2, "a");
        c.finalize(b1.clone()).unwrap();
        c.finalize(b2.clone()).unwrap();
        drop(c);
        OpenOptions::new().append(true).open(&path).unwrap().write_all(&[9, 0, 0, 0, 1]).unwrap();
        let (mut c, logged, _) = Chain::open(&path, g).unwrap();
        assert_eq!(logged.len(), 2);
        for bytes in logged {
            c.replayed(Arc::new(Sealed::decode(bytes).unwrap()));
        }
        assert_eq!(c.tip(), (2, b2.digest));
        for _ in 0..RECENT + 1 {
            c.recent.pop_first();
        }
        assert_eq!(c.get(&b1.digest).unwrap().digest, b1.digest, "read back from the log");
    }

    #[test]
    fn blocks_voted_for_survive_a_restart_and_the_pending_log_keeps_only_what_is_pending() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("finalized.log");
        let g = genesis_digest(b"g");
        let (mut c, _, _) = Chain::open(&path, g).unwrap();
        let b1 = child(g, 1, "a");
        let b2 = child(b1.digest, 2, "a");
        let x2 = child(b1.digest, 2, "x");
        for b in [&b1, &b2] {
            c.insert_pending(b.clone());
            c.persist(b).unwrap();
        }
        c.insert_pending(x2.clone()); // seen, never voted for: not persisted
        c.persist(&b1).unwrap(); // once only
        drop(c);
        let (mut c, finalized, pending) = Chain::open(&path, g).unwrap();
        assert!(finalized.is_empty());
        assert_eq!(pending.len(), 2);
        for bytes in pending {
            c.restore_pending(Arc::new(Sealed::decode(bytes).unwrap()));
        }
        assert!(matches!(c.ancestry(b2.digest), Ancestry::Ready(p) if p.len() == 2));
        assert!(!c.is_known(&x2.digest));
        c.finalize(b1.clone()).unwrap();
        c.pending_log.end = PENDING_LOG_COMPACT; // as if it had grown large
        c.finalize(b2.clone()).unwrap();
        assert_eq!(c.pending_log.end, 0, "nothing pending above the tip any more");
    }
}
