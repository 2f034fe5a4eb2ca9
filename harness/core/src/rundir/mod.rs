//! The run directory: `scenario.toml`, `trace.jsonl`, `run.json`, reports, `manifest.json`.
//!
//! - **Nothing earlier is destroyed** ([`stage`]): a run is written into a fresh sibling
//!   directory (`<target>.incomplete-<pid>`) and renamed onto its target only when its manifest
//!   is written; a target that already holds a run is kept (the new run takes a numbered name,
//!   or is refused, or replaces it only once complete, by the caller's [`Existing`] policy).
//! - JSON files are written atomically (temporary file, then rename), so a reader never sees half
//!   a record.
//! - The manifest ([`manifest`]) holds the SHA-256 of every artefact, the seed, the run's
//!   fingerprint, the scenario's hash and whether the run is complete or partial; [`verify`]
//!   recomputes the digests and names whatever changed, and [`audit`] also recomputes the
//!   fingerprint and checks the record against the trace and the script.

mod audit;
mod manifest;
mod stage;
mod verify;

pub use audit::{audit, Audit};
pub use manifest::{digest_file, parse_manifest, read_manifest};
pub use manifest::{FileDigest, MANIFEST, MANIFEST_FORMAT, SIGNATURE};
pub use manifest::{Manifest, ManifestFields, ManifestStatus};
pub use stage::{incomplete_siblings, Existing, Staging, INCOMPLETE_MARK};
pub use verify::{verify, VerifyReport};

use crate::input::{read_capped, InputError, MAX_RECORD_BYTES};
use crate::trace::TraceWriter;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use std::fs::File;
use std::io::{self, Write};
use std::path::{Path, PathBuf};

/// Files a run directory may hold, in the order they are written.
pub const ARTEFACTS: &[&str] =
    &["scenario.toml", "trace.jsonl", "run.json", "report.json", "report.html", "suite.json"];

/// An open run directory.
#[derive(Debug, Clone)]
pub struct RunDir {
    pub path: PathBuf,
}

/// Errors of the run directory. [`RunDirError::exit_class`] sorts them for the CLI.
#[derive(Debug, thiserror::Error)]
pub enum RunDirError {
    #[error("{path}: {source}")]
    Io { path: String, source: io::Error },
    #[error("{path}: not a valid {what}: {message}")]
    Format { path: String, what: &'static str, message: String },
    /// The target of a new run already holds something, and the policy is to refuse.
    #[error("{path}: already holds a run (or other files); it is kept. Give another --out, or --overwrite to replace it once the new run is complete")]
    Exists { path: String },
    /// A run directory without a manifest: the run never finished (the harness was killed).
    #[error("{path}: incomplete run: no manifest.json{detail}")]
    Incomplete { path: String, detail: String },
    #[error(transparent)]
    Input(#[from] InputError),
}

fn io_err(path: &Path) -> impl FnOnce(io::Error) -> RunDirError + '_ {
    move |source| RunDirError::Io { path: path.display().to_string(), source }
}

impl RunDir {
    /// Creates the directory (and its parents) for a new run. Used on the fresh staging
    /// directory of [`Staging`]; it never removes anything.
    pub fn create(path: impl Into<PathBuf>) -> Result<RunDir, RunDirError> {
        let path = path.into();
        std::fs::create_dir_all(&path).map_err(io_err(&path))?;
        Ok(RunDir { path })
    }

    /// Opens an existing run directory.
    pub fn open(path: impl Into<PathBuf>) -> Result<RunDir, RunDirError> {
        let path = path.into();
        if !path.is_dir() {
            return Err(RunDirError::Io {
                path: path.display().to_string(),
                source: io::Error::new(io::ErrorKind::NotFound, "no such run directory"),
            });
        }
        Ok(RunDir { path })
    }

    pub fn file(&self, name: &str) -> PathBuf {
        self.path.join(name)
    }

    /// Writes bytes atomically.
    pub fn write_bytes(&self, name: &str, bytes: &[u8]) -> Result<(), RunDirError> {
        let target = self.file(name);
        let tmp = self.file(&format!(".{name}.tmp"));
        let mut f = File::create(&tmp).map_err(io_err(&tmp))?;
        f.write_all(bytes).and_then(|_| f.sync_data()).map_err(io_err(&tmp))?;
        std::fs::rename(&tmp, &target).map_err(io_err(&target))
    }

    /// Writes a value as pretty JSON, atomically.
    pub fn write_json<T: Serialize>(&self, name: &str, v: &T) -> Result<(), RunDirError> {
        let mut bytes = serde_json::to_vec_pretty(v).map_err(|e| RunDirError::Format {
            path: name.into(),
            what: "JSON value",
            message: e.to_string(),
        })?;
        bytes.push(b'\n');
        self.write_bytes(name, &bytes)
    }

    /// Reads a JSON file of the directory (at most [`MAX_RECORD_BYTES`]).
    pub fn read_json<T: for<'de> Deserialize<'de>>(
        &self,
        name: &str,
        what: &'static str,
    ) -> Result<T, RunDirError> {
        let p = self.file(name);
        let bytes = read_capped(&p, MAX_RECORD_BYTES, what)?;
        parse_json(&p, &bytes, what)
    }

    /// A trace writer on `trace.jsonl`.
    pub fn trace_writer(&self) -> Result<TraceWriter<File>, RunDirError> {
        let p = self.file("trace.jsonl");
        Ok(TraceWriter::new(File::create(&p).map_err(io_err(&p))?))
    }

    /// Writes `manifest.json` over every artefact present, for a complete run with `seed` and
    /// `fingerprint` (suites, tests). Runs use [`RunDir::write_run_manifest`].
    pub fn write_manifest(&self, seed: u64, fingerprint: &str) -> Result<Manifest, RunDirError> {
        self.write_run_manifest(&ManifestFields {
            seed,
            fingerprint: fingerprint.to_string(),
            ..Default::default()
        })
    }

    /// Writes `manifest.json` over every artefact present, with `fields`.
    pub fn write_run_manifest(&self, fields: &ManifestFields) -> Result<Manifest, RunDirError> {
        let m = manifest::build(self, fields)?;
        self.write_json(MANIFEST, &m)?;
        Ok(m)
    }
}

/// Parses JSON read from `p`, naming the line and column of a syntax error.
fn parse_json<T: for<'de> Deserialize<'de>>(
    p: &Path,
    bytes: &[u8],
    what: &'static str,
) -> Result<T, RunDirError> {
    serde_json::from_slice(bytes).map_err(|e| RunDirError::Format {
        path: p.display().to_string(),
        what,
        message: format!("line {} column {}: {e}", e.line(), e.column()),
    })
}

/// SHA-256 of bytes, hex.
pub fn sha256_hex(bytes: &[u8]) -> String {
    hex::encode(Sha256::digest(bytes))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn verify_detects_one_byte_change() {
        let tmp = tempfile::tempdir().unwrap();
        let d = RunDir::create(tmp.path().join("r")).unwrap();
        d.write_bytes("scenario.toml", b"name = \"x\"\n").unwrap();
        d.write_json("run.json", &serde_json::json!({"a": 1})).unwrap();
        d.write_manifest(1, "fp").unwrap();
        assert!(verify(&d).unwrap().intact());
        let p = d.file("run.json");
        let mut bytes = std::fs::read(&p).unwrap();
        bytes[5] ^= 1;
        std::fs::write(&p, bytes).unwrap();
        let r = verify(&d).unwrap();
        assert_eq!(r.changed, vec!["run.json".to_string()]);
        std::fs::remove_file(d.file("scenario.toml")).unwrap();
        assert_eq!(verify(&d).unwrap().missing, vec!["scenario.toml".to_string()]);
    }
}
