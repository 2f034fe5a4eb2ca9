//! The run directory: `scenario.toml`, `trace.jsonl`, `run.json`, reports, `manifest.json`.
//!
//! JSON files are written atomically (temporary file, then rename), so a reader never sees half
//! a record. The manifest holds the SHA-256 of every artefact; [`verify`] recomputes them and
//! names whatever changed.

use crate::trace::TraceWriter;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use std::collections::BTreeMap;
use std::fs::File;
use std::io::{self, BufReader, Read, Write};
use std::path::{Path, PathBuf};

pub const MANIFEST: &str = "manifest.json";
pub const MANIFEST_FORMAT: &str = "touchstone-manifest/1";

/// Files a run directory may hold, in the order they are written.
pub const ARTEFACTS: &[&str] =
    &["scenario.toml", "trace.jsonl", "run.json", "report.json", "report.html", "suite.json"];

/// An open run directory.
#[derive(Debug, Clone)]
pub struct RunDir {
    pub path: PathBuf,
}

/// Errors of the run directory.
#[derive(Debug, thiserror::Error)]
pub enum RunDirError {
    #[error("{path}: {source}")]
    Io { path: String, source: io::Error },
    #[error("{path}: not a valid {what}: {message}")]
    Format { path: String, what: &'static str, message: String },
}

fn io_err(path: &Path) -> impl FnOnce(io::Error) -> RunDirError + '_ {
    move |source| RunDirError::Io { path: path.display().to_string(), source }
}

impl RunDir {
    /// Creates (or empties the artefacts of) the directory.
    pub fn create(path: impl Into<PathBuf>) -> Result<RunDir, RunDirError> {
        let path = path.into();
        std::fs::create_dir_all(&path).map_err(io_err(&path))?;
        for f in ARTEFACTS.iter().chain([&MANIFEST]) {
            let p = path.join(f);
            if p.exists() {
                std::fs::remove_file(&p).map_err(io_err(&p))?;
            }
        }
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

    /// Reads a JSON file of the directory.
    pub fn read_json<T: for<'de> Deserialize<'de>>(
        &self,
        name: &str,
        what: &'static str,
    ) -> Result<T, RunDirError> {
        let p = self.file(name);
        let text = std::fs::read_to_string(&p).map_err(io_err(&p))?;
        serde_json::from_str(&text).map_err(|e| RunDirError::Format {
            path: p.display().to_string(),
            what,
            message: format!("line {} column {}: {e}", e.line(), e.column()),
        })
    }

    /// A trace writer on `trace.jsonl`.
    pub fn trace_writer(&self) -> Result<TraceWriter<File>, RunDirError> {
        let p = self.file("trace.jsonl");
        Ok(TraceWriter::new(File::create(&p).map_err(io_err(&p))?))
    }

    /// Writes `manifest.json` over every artefact present.
    pub fn write_manifest(&self, seed: u64, fingerprint: &str) -> Result<Manifest, RunDirError> {
        let mut files = BTreeMap::new();
        for name in ARTEFACTS {
            let p = self.file(name);
            if p.exists() {
                files.insert(name.to_string(), digest_file(&p)?);
            }
        }
        let m = Manifest {
            format: MANIFEST_FORMAT.into(),
            harness_version: env!("CARGO_PKG_VERSION").into(),
            seed,
            fingerprint: fingerprint.to_string(),
            files,
        };
        self.write_json(MANIFEST, &m)?;
        Ok(m)
    }
}

/// `manifest.json`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Manifest {
    pub format: String,
    pub harness_version: String,
    pub seed: u64,
    pub fingerprint: String,
    pub files: BTreeMap<String, FileDigest>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FileDigest {
    pub sha256: String,
    pub bytes: u64,
}

/// SHA-256 and size of a file, streamed.
pub fn digest_file(p: &Path) -> Result<FileDigest, RunDirError> {
    let f = File::open(p).map_err(io_err(p))?;
    let mut r = BufReader::with_capacity(1 << 20, f);
    let mut h = Sha256::new();
    let mut buf = vec![0u8; 1 << 20];
    let mut bytes = 0u64;
    loop {
        let n = r.read(&mut buf).map_err(io_err(p))?;
        if n == 0 {
            break;
        }
        bytes += n as u64;
        h.update(&buf[..n]);
    }
    Ok(FileDigest { sha256: hex::encode(h.finalize()), bytes })
}

/// SHA-256 of bytes, hex.
pub fn sha256_hex(bytes: &[u8]) -> String {
    hex::encode(Sha256::digest(bytes))
}

/// What [`verify`] found.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct VerifyReport {
    pub ok: Vec<String>,
    pub changed: Vec<String>,
    pub missing: Vec<String>,
    /// Artefacts present but not in the manifest.
    pub unlisted: Vec<String>,
}

impl VerifyReport {
    pub fn intact(&self) -> bool {
        self.changed.is_empty() && self.missing.is_empty() && self.unlisted.is_empty()
    }
}

/// Recomputes the manifest's digests.
pub fn verify(dir: &RunDir) -> Result<VerifyReport, RunDirError> {
    let m: Manifest = dir.read_json(MANIFEST, "manifest")?;
    if m.format != MANIFEST_FORMAT {
        return Err(RunDirError::Format {
            path: dir.file(MANIFEST).display().to_string(),
            what: "manifest",
            message: format!("format {:?}, expected {MANIFEST_FORMAT:?}", m.format),
        });
    }
    let mut r = VerifyReport::default();
    for (name, want) in &m.files {
        if name.contains('/') || name.contains("..") {
            return Err(RunDirError::Format {
                path: dir.file(MANIFEST).display().to_string(),
                what: "manifest",
                message: format!("file name {name:?} escapes the run directory"),
            });
        }
        let p = dir.file(name);
        if !p.exists() {
            r.missing.push(name.clone());
            continue;
        }
        let got = digest_file(&p)?;
        if &got == want {
            r.ok.push(name.clone());
        } else {
            r.changed.push(name.clone());
        }
    }
    for name in ARTEFACTS {
        if dir.file(name).exists() && !m.files.contains_key(*name) {
            r.unlisted.push(name.to_string());
        }
    }
    Ok(r)
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
