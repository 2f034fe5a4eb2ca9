//! `touchstone verify RUN_DIR`: recompute the manifest's SHA-256 digests and name any artefact
//! that changed (exit 1), so a stored report can be shown to be the one the run produced.

use crate::exit::{CmdResult, FINDINGS, PASS};
use clap::Args;
use std::path::PathBuf;
use touchstone_core::rundir::{self, RunDir};

#[derive(Debug, Args)]
pub struct VerifyArgs {
    /// A run directory holding manifest.json.
    pub run_dir: PathBuf,
}

pub fn exec(a: VerifyArgs) -> CmdResult {
    let dir = RunDir::open(&a.run_dir)?;
    let r = rundir::verify(&dir)?;
    for f in &r.ok {
        println!("ok       {f}");
    }
    for f in &r.changed {
        println!("CHANGED  {f}");
    }
    for f in &r.missing {
        println!("MISSING  {f}");
    }
    for f in &r.unlisted {
        println!("UNLISTED {f} (not covered by the manifest)");
    }
    if r.intact() {
        println!("intact: {} artefacts match {}", r.ok.len(), dir.file(rundir::MANIFEST).display());
        Ok(PASS)
    } else {
        println!(
            "TAMPERED: {} changed, {} missing, {} unlisted",
            r.changed.len(),
            r.missing.len(),
            r.unlisted.len()
        );
        Ok(FINDINGS)
    }
}
