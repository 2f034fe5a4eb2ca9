//! The digests of a manifest, recomputed: which artefacts changed, went missing, or sit in the
//! directory without being listed.

use super::manifest::{digest_limited, read_manifest, Manifest, MANIFEST, SIGNATURE};
use super::{RunDir, RunDirError};
use serde::Serialize;

/// What [`verify`] found.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct VerifyReport {
    pub ok: Vec<String>,
    pub changed: Vec<String>,
    pub missing: Vec<String>,
    /// Entries of the directory that the manifest does not list (any file, and in a run
    /// directory any subdirectory).
    pub unlisted: Vec<String>,
    /// Why an artefact counts as changed beyond its digest (e.g. it is no longer a regular file).
    pub notes: Vec<String>,
}

impl VerifyReport {
    pub fn intact(&self) -> bool {
        self.changed.is_empty() && self.missing.is_empty() && self.unlisted.is_empty()
    }
}

/// Recomputes the manifest's digests, and lists what the directory holds beyond them.
pub fn verify(dir: &RunDir) -> Result<VerifyReport, RunDirError> {
    let m = read_manifest(dir)?;
    Ok(verify_against(dir, &m)?.0)
}

/// [`verify`] against a manifest already read; also returns the trace's line count when the
/// trace was digested in full.
pub(super) fn verify_against(
    dir: &RunDir,
    m: &Manifest,
) -> Result<(VerifyReport, Option<u64>), RunDirError> {
    let mut r = VerifyReport::default();
    let mut trace_lines = None;
    for (name, want) in &m.files {
        let p = dir.file(name);
        let meta = match std::fs::symlink_metadata(&p) {
            Ok(meta) => meta,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                r.missing.push(name.clone());
                continue;
            }
            Err(e) => return Err(super::io_err(&p)(e)),
        };
        if !meta.file_type().is_file() {
            r.changed.push(name.clone());
            r.notes.push(format!("{name}: no longer a regular file (a link or a special file)"));
            continue;
        }
        // Read at most one byte more than recorded: a grown file is changed without reading
        // all of it.
        let (got, lines) = digest_limited(&p, want.bytes)?;
        if &got == want {
            r.ok.push(name.clone());
            if name == "trace.jsonl" {
                trace_lines = Some(lines);
            }
        } else {
            r.changed.push(name.clone());
        }
    }
    r.unlisted = unlisted(dir, m)?;
    Ok((r, trace_lines))
}

/// Entries the manifest does not cover. The manifest and its signature cover themselves; the
/// run directories inside a suite directory have manifests of their own.
fn unlisted(dir: &RunDir, m: &Manifest) -> Result<Vec<String>, RunDirError> {
    let suite = m.files.contains_key("suite.json");
    let mut out = Vec::new();
    let entries = std::fs::read_dir(&dir.path).map_err(super::io_err(&dir.path))?;
    for entry in entries {
        let entry = entry.map_err(super::io_err(&dir.path))?;
        let name = entry.file_name().to_string_lossy().into_owned();
        if name == MANIFEST || name == SIGNATURE || m.files.contains_key(&name) {
            continue;
        }
        let is_dir = entry.file_type().map(|t| t.is_dir()).unwrap_or(false);
        if is_dir && suite {
            continue;
        }
        out.push(if is_dir { format!("{name}/") } else { name });
    }
    out.sort();
    Ok(out)
}
