//! `manifest.json`: the SHA-256 of every artefact, the seed, the run fingerprint, the scenario's
//! hash, the trace's line count, and whether the run is complete or partial.
//!
//! The format (`touchstone-manifest/1`) is documented in `docs/run-directory.md`; fields added
//! since the first version (`status`, `partial_reason`, `scenario_sha256`, `trace_lines`) are
//! optional, so older manifests still read.

use super::{io_err, parse_json, RunDir, RunDirError, ARTEFACTS};
use crate::input::{read_capped, MAX_MANIFEST_BYTES};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use std::collections::BTreeMap;
use std::fs::File;
use std::io::Read;
use std::path::Path;

pub const MANIFEST: &str = "manifest.json";
pub const MANIFEST_FORMAT: &str = "touchstone-manifest/1";
/// The detached minisign signature of `manifest.json` (`touchstone sign`).
pub const SIGNATURE: &str = "manifest.json.minisig";

/// `manifest.json`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Manifest {
    pub format: String,
    pub harness_version: String,
    /// `complete`, or `partial` when the run was interrupted, its adapter failed or a limit
    /// stopped it (absent in manifests written before this field existed).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<ManifestStatus>,
    /// Why a partial run is partial.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub partial_reason: Option<String>,
    pub seed: u64,
    /// The run fingerprint: the SHA-256 chained over every byte of `trace.jsonl`.
    pub fingerprint: String,
    /// SHA-256 of the exact script run (`scenario.toml`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub scenario_sha256: Option<String>,
    /// Lines of `trace.jsonl`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub trace_lines: Option<u64>,
    pub files: BTreeMap<String, FileDigest>,
}

/// Whether the run behind a manifest finished.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ManifestStatus {
    Complete,
    Partial,
}

/// What a manifest records besides the digests.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ManifestFields {
    pub seed: u64,
    pub fingerprint: String,
    pub status: Option<ManifestStatus>,
    pub partial_reason: Option<String>,
    pub scenario_sha256: Option<String>,
    pub trace_lines: Option<u64>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FileDigest {
    pub sha256: String,
    pub bytes: u64,
}

/// The manifest of `dir` now: every artefact present, digested.
pub(super) fn build(dir: &RunDir, f: &ManifestFields) -> Result<Manifest, RunDirError> {
    let mut files = BTreeMap::new();
    for name in ARTEFACTS {
        let p = dir.file(name);
        if p.exists() {
            files.insert(name.to_string(), digest_file(&p)?);
        }
    }
    Ok(Manifest {
        format: MANIFEST_FORMAT.into(),
        harness_version: env!("CARGO_PKG_VERSION").into(),
        status: f.status,
        partial_reason: f.partial_reason.clone(),
        seed: f.seed,
        fingerprint: f.fingerprint.clone(),
        scenario_sha256: f.scenario_sha256.clone(),
        trace_lines: f.trace_lines,
        files,
    })
}

/// SHA-256 and size of a file, streamed.
pub fn digest_file(p: &Path) -> Result<FileDigest, RunDirError> {
    digest_limited(p, u64::MAX).map(|(d, _)| d)
}

/// SHA-256, size and line count of at most `limit + 1` bytes of `p` (so a file longer than
/// expected, or endless, is read only that far; its digest then differs).
pub(super) fn digest_limited(p: &Path, limit: u64) -> Result<(FileDigest, u64), RunDirError> {
    let f = File::open(p).map_err(io_err(p))?;
    let mut r = f.take(limit.saturating_add(1));
    let mut h = Sha256::new();
    let mut buf = vec![0u8; 1 << 20];
    let (mut bytes, mut lines) = (0u64, 0u64);
    loop {
        let n = match r.read(&mut buf) {
            Ok(n) => n,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(io_err(p)(e)),
        };
        if n == 0 {
            break;
        }
        bytes += n as u64;
        lines += memchr_count(&buf[..n]);
        h.update(&buf[..n]);
    }
    Ok((FileDigest { sha256: hex::encode(h.finalize()), bytes }, lines))
}

fn memchr_count(b: &[u8]) -> u64 {
    b.iter().filter(|&&c| c == b'\n').count() as u64
}

/// Reads and checks `manifest.json` of `dir`: at most 1 MiB, JSON, of a known format, naming
/// only files inside the directory. A missing manifest is [`RunDirError::Incomplete`], and so
/// is a staging directory's, whatever it holds (see [`super::stage::staged`]).
pub fn read_manifest(dir: &RunDir) -> Result<Manifest, RunDirError> {
    if super::stage::staged(&dir.path) {
        return Err(RunDirError::Incomplete {
            path: dir.path.display().to_string(),
            detail: super::stage::why_incomplete(dir),
        });
    }
    let p = dir.file(MANIFEST);
    let bytes = match read_capped(&p, MAX_MANIFEST_BYTES, "manifest") {
        Ok(b) => b,
        Err(e) if e.is_not_found() => {
            return Err(RunDirError::Incomplete {
                path: dir.path.display().to_string(),
                detail: super::stage::why_incomplete(dir),
            })
        }
        Err(e) => return Err(e.into()),
    };
    parse_manifest(&bytes, &p)
}

/// Checks the bytes of a manifest read from `p` (named in errors): JSON, of a known format,
/// naming only files inside the run directory. Never panics, whatever the bytes.
pub fn parse_manifest(bytes: &[u8], p: &Path) -> Result<Manifest, RunDirError> {
    let bad = |message: String| RunDirError::Format {
        path: p.display().to_string(),
        what: "manifest",
        message,
    };
    if bytes.iter().all(u8::is_ascii_whitespace) {
        return Err(bad("the file is empty".into()));
    }
    let m: Manifest = parse_json(p, bytes, "manifest")?;
    if m.format != MANIFEST_FORMAT {
        return Err(bad(format!("format {:?}, expected {MANIFEST_FORMAT:?}", m.format)));
    }
    for name in m.files.keys() {
        if name.is_empty() || name.contains(['/', '\\']) || name == "." || name == ".." {
            return Err(bad(format!("file name {name:?} escapes the run directory")));
        }
    }
    Ok(m)
}
