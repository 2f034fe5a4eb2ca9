//! `touchstone sign RUN_DIR --key FILE [--password-file FILE]`: sign a run directory's manifest
//! with a minisign secret key, into `manifest.json.minisig` (see [`crate::signing`] for the
//! format). The run directory must verify first: a tampered run is refused (exit 1), an
//! incomplete one is not a run to sign (exit 2).

use crate::evidence;
use crate::exit::{CmdResult, PASS};
use crate::signing;
use clap::Args;
use std::path::PathBuf;
use touchstone_core::rundir::SIGNATURE;

#[derive(Debug, Args)]
pub struct SignArgs {
    /// The run directory to sign.
    pub run_dir: PathBuf,
    /// A minisign secret key (`minisign -G`; `-W` for one without a password).
    #[arg(long)]
    pub key: PathBuf,
    /// A file whose first line is the secret key's password (else asked for on a terminal).
    #[arg(long)]
    pub password_file: Option<PathBuf>,
}

pub fn exec(a: SignArgs) -> CmdResult {
    let e = evidence::examine(&a.run_dir, None)?;
    if !e.intact() {
        return Err(e.refusal("refusing to sign"));
    }
    let sk = signing::secret_key(&a.key, a.password_file.as_deref())?;
    let trusted = signing::sign(&e.dir, &sk, &e.audit.manifest.fingerprint)?;
    outln!("signed {} ({trusted})", e.dir.file(SIGNATURE).display());
    Ok(PASS)
}
