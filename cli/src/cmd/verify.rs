//! `touchstone verify RUN_DIR [--pubkey FILE]`: is this run directory the evidence it claims to
//! be?
//!
//! Recomputes the manifest's SHA-256 digests and names any artefact that changed, went missing
//! or is not listed; recomputes the run fingerprint from the trace and checks the seed, the
//! scenario's hash, the trace's line count and the checker's verdicts against the record; says
//! when the run is partial or incomplete; with `--pubkey`, checks the minisign signature of the
//! manifest. Exit codes by class of problem: see [`crate::evidence`] (0 intact, 1 tampered,
//! 2 not a verifiable run directory, 3 could not read).

use crate::evidence::{self, Evidence};
use crate::exit::{CmdResult, FINDINGS, PASS};
use crate::signing::{self, SignatureCheck};
use clap::Args;
use std::path::PathBuf;
use touchstone_core::rundir::MANIFEST;

#[derive(Debug, Args)]
pub struct VerifyArgs {
    /// A run directory holding manifest.json.
    pub run_dir: PathBuf,
    /// A minisign public key: also check manifest.json.minisig (written by `touchstone sign`).
    #[arg(long)]
    pub pubkey: Option<PathBuf>,
}

pub fn exec(a: VerifyArgs) -> CmdResult {
    let pk = a.pubkey.as_deref().map(signing::public_key).transpose()?;
    let e = evidence::examine(&a.run_dir, pk.as_ref())?;
    let f = &e.audit.files;
    for name in &f.ok {
        outln!("ok       {name}");
    }
    for line in e.problems() {
        outln!("{line}");
    }
    if let (Some(SignatureCheck::Valid(comment)), Some(pk)) = (&e.signature, &pk) {
        outln!("signed   by key {} ({comment})", signing::key_id(pk));
    }
    if let Some(why) = &e.audit.partial {
        outln!("PARTIAL  the run did not complete: {why}");
    }
    summary(&e)
}

fn summary(e: &Evidence) -> CmdResult {
    let f = &e.audit.files;
    if e.intact() {
        outln!(
            "intact: {} artefacts match {}{}",
            f.ok.len(),
            e.dir.file(MANIFEST).display(),
            if e.audit.partial.is_some() { " (a partial run)" } else { "" }
        );
        Ok(PASS)
    } else {
        outln!(
            "TAMPERED: {} changed, {} missing, {} unlisted, {} contradictions{}",
            f.changed.len(),
            f.missing.len(),
            f.unlisted.len(),
            e.audit.contradictions.len() + e.verdicts.len(),
            match &e.signature {
                Some(SignatureCheck::Valid(_)) | None => "",
                Some(SignatureCheck::Missing) => ", not signed",
                Some(SignatureCheck::Invalid(_)) => ", bad signature",
            }
        );
        Ok(FINDINGS)
    }
}
