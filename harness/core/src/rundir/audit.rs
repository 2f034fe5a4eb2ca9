//! Evidence that proves itself: beyond the digests ([`super::verify`]), the manifest's own fields
//! are recomputed from the artefacts and checked against the record and the trace.
//!
//! - the fingerprint is the SHA-256 chained over every byte of `trace.jsonl` (see
//!   [`crate::trace::TraceWriter`]), so it is recomputed from the trace itself;
//! - the trace's line count, the seed, the scenario's hash and name agree across `manifest.json`,
//!   `run.json`, `scenario.toml` and the trace's `run.start`;
//! - a manifest that says `complete` belongs to a record that says `completed`.
//!
//! Anything else the report relies on (metrics, criteria, the checker's verdicts) lives in
//! `run.json`, covered by its digest (and by a signature, when the manifest is signed).

use super::manifest::{read_manifest, Manifest, ManifestStatus};
use super::verify::{verify_against, VerifyReport};
use super::{sha256_hex, RunDir, RunDirError};
use crate::input::{read_capped, MAX_RECORD_BYTES};
use serde_json::Value;
use std::io::BufRead;

/// What [`audit`] found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Audit {
    pub manifest: Manifest,
    pub files: VerifyReport,
    /// Fields of the manifest, the record, the script and the trace that contradict each other.
    pub contradictions: Vec<String>,
    /// Why the run is partial, when it is (interrupted, adapter failed, stopped by a limit).
    pub partial: Option<String>,
}

impl Audit {
    /// Every digest matches, nothing is unlisted and nothing contradicts.
    pub fn intact(&self) -> bool {
        self.files.intact() && self.contradictions.is_empty()
    }
}

/// Verifies `dir` as evidence: its digests ([`super::verify`]) and its recorded fields.
pub fn audit(dir: &RunDir) -> Result<Audit, RunDirError> {
    let m = read_manifest(dir)?;
    let (files, trace_lines) = verify_against(dir, &m)?;
    let ok = |name: &str| files.ok.iter().any(|f| f == name);
    let mut c = Vec::new();
    if let Some(t) = m.files.get("trace.jsonl") {
        if m.fingerprint != t.sha256 {
            c.push(format!(
                "manifest.json fingerprint {} is not the one recomputed from trace.jsonl ({})",
                m.fingerprint, t.sha256
            ));
        }
        if let (Some(want), Some(got)) = (m.trace_lines, trace_lines) {
            if want != got {
                c.push(format!(
                    "manifest.json trace_lines {want}, but trace.jsonl has {got} lines"
                ));
            }
        }
    }
    let scenario_hash = ok("scenario.toml")
        .then(|| read_capped(&dir.file("scenario.toml"), MAX_RECORD_BYTES, "scenario script"))
        .and_then(Result::ok)
        .map(|b| sha256_hex(&b));
    if let (Some(want), Some(got)) = (&m.scenario_sha256, &scenario_hash) {
        if want != got {
            c.push(format!(
                "manifest.json scenario_sha256 {want} is not the SHA-256 of scenario.toml ({got})"
            ));
        }
    }
    let record: Option<Value> =
        ok("run.json").then(|| dir.read_json("run.json", "run record").ok()).flatten();
    if let Some(r) = &record {
        check_record(r, &m, scenario_hash.as_deref(), trace_lines, &mut c);
    }
    if ok("trace.jsonl") {
        check_run_start(dir, &m, record.as_ref(), &mut c);
    }
    let partial = partial_reason(&m, record.as_ref());
    Ok(Audit { manifest: m, files, contradictions: c, partial })
}

/// `run.json` against the manifest, the script and the trace.
fn check_record(
    r: &Value,
    m: &Manifest,
    scenario_hash: Option<&str>,
    trace_lines: Option<u64>,
    c: &mut Vec<String>,
) {
    match r.get("seed").and_then(Value::as_u64) {
        Some(seed) if seed != m.seed => {
            c.push(format!("manifest.json seed {}, but run.json says seed {seed}", m.seed))
        }
        None => c.push("run.json has no seed".into()),
        _ => {}
    }
    let fp = r.pointer("/trace/fingerprint").and_then(Value::as_str);
    if m.files.contains_key("trace.jsonl") && fp != Some(m.fingerprint.as_str()) {
        c.push(format!(
            "run.json trace.fingerprint {} is not the manifest's {}",
            fp.unwrap_or("(none)"),
            m.fingerprint
        ));
    }
    let lines = r.pointer("/trace/lines").and_then(Value::as_u64);
    if let (Some(want), Some(got)) = (lines, trace_lines) {
        if want != got {
            c.push(format!("run.json trace.lines {want}, but trace.jsonl has {got} lines"));
        }
    }
    let sha = r.pointer("/scenario/sha256").and_then(Value::as_str);
    if let (Some(want), Some(got)) = (sha, scenario_hash) {
        if want != got {
            c.push(format!(
                "run.json scenario.sha256 {want} is not the SHA-256 of scenario.toml ({got})"
            ));
        }
    }
    let status = r.get("status").and_then(Value::as_str).unwrap_or("");
    if m.status == Some(ManifestStatus::Complete) && status != "completed" {
        c.push(format!("manifest.json says complete, but run.json status is {status:?}"));
    }
}

/// The trace's `run.start` names the same seed and scenario.
fn check_run_start(dir: &RunDir, m: &Manifest, record: Option<&Value>, c: &mut Vec<String>) {
    let Ok(f) = std::fs::File::open(dir.file("trace.jsonl")) else { return };
    let mut first = Vec::new();
    let mut r = std::io::BufReader::new(std::io::Read::take(f, 1 << 20));
    if r.read_until(b'\n', &mut first).is_err() {
        return;
    }
    let Ok(start) = serde_json::from_slice::<Value>(&first) else {
        c.push("trace.jsonl: the first line is not a run.start event".into());
        return;
    };
    if start.get("kind").and_then(Value::as_str) != Some("run.start") {
        c.push("trace.jsonl: the first line is not a run.start event".into());
        return;
    }
    if let Some(seed) = start.get("seed").and_then(Value::as_u64) {
        if seed != m.seed {
            c.push(format!("trace.jsonl run.start seed {seed}, but manifest.json says {}", m.seed));
        }
    }
    let name = record.and_then(|r| r.pointer("/scenario/name")).and_then(Value::as_str);
    if let (Some(traced), Some(name)) = (start.get("scenario").and_then(Value::as_str), name) {
        if traced != name {
            c.push(format!(
                "trace.jsonl run.start scenario {traced:?}, but run.json says {name:?}"
            ));
        }
    }
}

/// Why the run is partial, from the manifest's label or the record's status.
fn partial_reason(m: &Manifest, record: Option<&Value>) -> Option<String> {
    if m.status == Some(ManifestStatus::Partial) {
        return Some(m.partial_reason.clone().unwrap_or_else(|| "the run did not finish".into()));
    }
    let r = record?;
    let status = r.get("status").and_then(Value::as_str)?;
    if status == "completed" {
        return None;
    }
    let msg = r.get("message").and_then(Value::as_str).unwrap_or("the run did not finish");
    Some(format!("{status}: {msg}"))
}
