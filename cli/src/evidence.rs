//! A run directory as evidence: what `verify`, `report` and `sign` establish before they trust
//! it, and the one exit code of each class of problem.
//!
//! | exit | class | examples |
//! |---|---|---|
//! | 0 | intact | every digest matches, nothing unlisted, nothing contradicts, the signature (when asked for) verifies |
//! | 1 | tampered | an artefact changed or missing; a file the manifest does not list; a manifest field (fingerprint, seed, scenario hash, trace lines) or a checker verdict in `run.json` that the artefacts contradict; a signature missing or not verifying |
//! | 2 | not a verifiable run directory | no such directory; an incomplete run (no `manifest.json`: the harness was killed); a manifest that is empty, not JSON, of an unknown format, over 1 MiB, or naming files outside the directory |
//! | 3 | could not read | an I/O error other than "not found" (permissions, a failing disk) |

use crate::exit::{Failure, BAD_INPUT, FINDINGS};
use crate::signing::{self, SignatureCheck};
use minisign::PublicKey;
use std::path::Path;
use touchstone_check::CheckOptions;
use touchstone_core::rundir::{self, incomplete_siblings, Audit, RunDir};

/// What examining a run directory found.
#[derive(Debug)]
pub struct Evidence {
    pub dir: RunDir,
    pub audit: Audit,
    /// The checker's verdicts recomputed from the trace that differ from `run.json`'s.
    pub verdicts: Vec<String>,
    /// The signature's check, when a public key was given.
    pub signature: Option<SignatureCheck>,
}

impl Evidence {
    /// Nothing changed, missing, unlisted or contradicting, and the signature (if asked for)
    /// verifies.
    pub fn intact(&self) -> bool {
        self.audit.intact()
            && self.verdicts.is_empty()
            && matches!(self.signature, None | Some(SignatureCheck::Valid(_)))
    }

    /// One line per problem, each naming its artefact.
    pub fn problems(&self) -> Vec<String> {
        let f = &self.audit.files;
        let mut out = Vec::new();
        out.extend(f.changed.iter().map(|n| format!("CHANGED  {n}")));
        out.extend(f.missing.iter().map(|n| format!("MISSING  {n}")));
        out.extend(
            f.unlisted.iter().map(|n| format!("UNLISTED {n} (not covered by the manifest)")),
        );
        out.extend(f.notes.iter().map(|n| format!("NOTE     {n}")));
        out.extend(self.audit.contradictions.iter().map(|c| format!("CONTRADICTS {c}")));
        out.extend(self.verdicts.iter().map(|c| format!("CONTRADICTS {c}")));
        match &self.signature {
            Some(SignatureCheck::Missing) => {
                out.push(format!("MISSING  {} (the run is not signed)", rundir::SIGNATURE))
            }
            Some(SignatureCheck::Invalid(why)) => {
                out.push(format!("BAD SIGNATURE {}: {why}", rundir::SIGNATURE))
            }
            _ => {}
        }
        out
    }

    /// The failure `report` and `sign` refuse a tampered run with (exit 1), naming what.
    pub fn refusal(&self, what: &str) -> Failure {
        Failure {
            code: FINDINGS,
            message: format!(
                "{}: {what}: the run directory does not verify (run `touchstone verify {}`):\n  {}",
                self.dir.path.display(),
                self.dir.path.display(),
                self.problems().join("\n  ")
            ),
        }
    }
}

/// Opens `path` as a run directory, saying so plainly when the run there never finished.
pub fn open(path: &Path) -> Result<RunDir, Failure> {
    if path.is_dir() {
        return Ok(RunDir { path: path.to_path_buf() });
    }
    let mut msg = format!("{}: no such run directory", path.display());
    let left = incomplete_siblings(path);
    if let Some(p) = left.last() {
        msg.push_str(&format!(
            "; an incomplete run (the harness was stopped before it finished) is at {}",
            p.display()
        ));
    }
    Err(Failure { code: BAD_INPUT, message: msg })
}

/// Examines the run directory at `path`: digests, recorded fields, the checker's verdicts
/// recomputed from the trace, and the signature with `pubkey`.
pub fn examine(path: &Path, pubkey: Option<&PublicKey>) -> Result<Evidence, Failure> {
    let dir = open(path)?;
    let signature = match pubkey {
        Some(pk) => Some(signing::check(&dir, pk)?),
        None => None,
    };
    let audit = rundir::audit(&dir)?;
    let verdicts = if audit.intact() { recheck(&dir) } else { Vec::new() };
    Ok(Evidence { dir, audit, verdicts, signature })
}

/// Checks the trace again and compares each property's verdict and finding count with the
/// checker's report saved in `run.json`.
fn recheck(dir: &RunDir) -> Vec<String> {
    let Ok(record) = dir.read_json::<serde_json::Value>("run.json", "run record") else {
        return Vec::new();
    };
    let Some(saved) = record.pointer("/check/properties").and_then(|p| p.as_array()) else {
        return Vec::new();
    };
    if !dir.file("trace.jsonl").is_file() {
        return Vec::new();
    }
    let opts = CheckOptions {
        liveness_bound_ns: record
            .pointer("/scenario/criteria/liveness_bound")
            .and_then(|v| v.as_u64()),
        replay_command: record.get("replay").and_then(|v| v.as_str()).map(String::from),
        ..Default::default()
    };
    let now = match touchstone_check::check_path(&dir.file("trace.jsonl"), &opts) {
        Ok(r) => r,
        Err(e) => return vec![format!("trace.jsonl cannot be checked again: {e}")],
    };
    let mut out = Vec::new();
    for p in &now.properties {
        let old = saved.iter().find(|s| s.get("id").and_then(|i| i.as_str()) == Some(&p.id));
        let verdict = serde_json::to_value(p.verdict).unwrap_or_default();
        match old {
            // A property added to the format after the run was saved (the cross-chain ones of
            // 1.2) cannot be in its run.json; not evaluated now, it contradicts nothing.
            None if p.verdict == touchstone_check::Verdict::NotEvaluated => {}
            None => out.push(format!("run.json check lacks property {}", p.id)),
            Some(o) if o.get("verdict") != Some(&verdict) => out.push(format!(
                "run.json check says {} is {}, but the trace gives {}",
                p.id,
                o.get("verdict").unwrap_or(&serde_json::Value::Null),
                verdict
            )),
            Some(o) if o.get("findings").and_then(|f| f.as_u64()) != Some(p.findings as u64) => out
                .push(format!(
                    "run.json check counts {} findings of {}, but the trace gives {}",
                    o.get("findings").unwrap_or(&serde_json::Value::Null),
                    p.id,
                    p.findings
                )),
            Some(_) => {}
        }
    }
    out
}
