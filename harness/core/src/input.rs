//! Reading input files with a size cap, so no input — a 10 GB file, `/dev/zero`, a FIFO that
//! never ends — can make the harness read without bound or hold it all in memory.
//!
//! Every whole-file input of the harness goes through [`read_capped`] with the cap of its kind
//! (the constants below, documented in `docs/limits.md`): the file is read through
//! `Read::take(cap + 1)`, so at most one byte past the cap is ever read, and a larger input is
//! refused with [`InputError::TooLarge`] naming the file and the cap. Directories are refused;
//! other special files (character devices, FIFOs, `-` is not accepted here) are read, bounded
//! by the same cap.

use std::io::{self, Read};
use std::path::Path;

/// Largest scenario script: 1 MiB (the largest shipped script is a few KiB).
pub const MAX_SCRIPT_BYTES: u64 = 1 << 20;
/// Largest rubric file: 1 MiB.
pub const MAX_RUBRIC_BYTES: u64 = 1 << 20;
/// Largest suite file: 1 MiB.
pub const MAX_SUITE_BYTES: u64 = 1 << 20;
/// Largest `manifest.json`: 1 MiB (a run's manifest lists a handful of files).
pub const MAX_MANIFEST_BYTES: u64 = 1 << 20;
/// Largest `run.json` or `suite.json` read back: 256 MiB.
pub const MAX_RECORD_BYTES: u64 = 256 << 20;
/// Largest signature file (`manifest.json.minisig`): 64 KiB.
pub const MAX_SIGNATURE_BYTES: u64 = 64 << 10;
/// Largest key file (`--key`, `--pubkey`): 64 KiB.
pub const MAX_KEY_BYTES: u64 = 64 << 10;

/// Why an input file could not be read.
#[derive(Debug, thiserror::Error)]
pub enum InputError {
    #[error("{path}: cannot read: {source}")]
    Io { path: String, source: io::Error },
    #[error("{path}: is a directory, not a {what}")]
    Directory { path: String, what: &'static str },
    #[error("{path}: too large for a {what}: more than {cap} bytes (the limit)")]
    TooLarge { path: String, what: &'static str, cap: u64 },
    #[error("{path}: not UTF-8 text: a {what} must be UTF-8")]
    NotText { path: String, what: &'static str },
}

impl InputError {
    /// Whether the file is simply not there (rather than unreadable or refused).
    pub fn is_not_found(&self) -> bool {
        matches!(self, InputError::Io { source, .. } if source.kind() == io::ErrorKind::NotFound)
    }
}

/// Reads at most `cap` bytes of `path` (a `what`, named in errors); more is an error.
pub fn read_capped(path: &Path, cap: u64, what: &'static str) -> Result<Vec<u8>, InputError> {
    let name = || path.display().to_string();
    let file =
        std::fs::File::open(path).map_err(|source| InputError::Io { path: name(), source })?;
    let meta = file.metadata().map_err(|source| InputError::Io { path: name(), source })?;
    if meta.is_dir() {
        return Err(InputError::Directory { path: name(), what });
    }
    read_capped_from(file, cap, what, &name())
}

/// [`read_capped`] from any reader (standard input, tests); `name` names it in errors.
pub fn read_capped_from(
    r: impl Read,
    cap: u64,
    what: &'static str,
    name: &str,
) -> Result<Vec<u8>, InputError> {
    let mut buf = Vec::new();
    r.take(cap.saturating_add(1))
        .read_to_end(&mut buf)
        .map_err(|source| InputError::Io { path: name.to_string(), source })?;
    if buf.len() as u64 > cap {
        return Err(InputError::TooLarge { path: name.to_string(), what, cap });
    }
    Ok(buf)
}

/// [`read_capped`] as UTF-8 text.
pub fn read_text_capped(path: &Path, cap: u64, what: &'static str) -> Result<String, InputError> {
    let bytes = read_capped(path, cap, what)?;
    String::from_utf8(bytes)
        .map_err(|_| InputError::NotText { path: path.display().to_string(), what })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_endless_source_is_cut_at_the_cap_plus_one_byte() {
        let endless = std::io::repeat(0);
        let e = read_capped_from(endless, 1000, "script", "zeros").unwrap_err();
        assert!(matches!(e, InputError::TooLarge { cap: 1000, .. }), "{e}");
        assert!(e.to_string().contains("more than 1000 bytes"), "{e}");
    }

    #[test]
    fn a_file_at_the_cap_is_read_whole() {
        let tmp = tempfile::tempdir().unwrap();
        let p = tmp.path().join("f");
        std::fs::write(&p, vec![b'a'; 100]).unwrap();
        assert_eq!(read_text_capped(&p, 100, "script").unwrap().len(), 100);
        assert!(matches!(read_capped(&p, 99, "script"), Err(InputError::TooLarge { .. })));
        assert!(matches!(read_capped(tmp.path(), 99, "script"), Err(InputError::Directory { .. })));
        assert!(read_capped(&tmp.path().join("nope"), 9, "script").unwrap_err().is_not_found());
    }

    #[cfg(unix)]
    #[test]
    fn dev_zero_is_refused_quickly() {
        let e = read_capped(Path::new("/dev/zero"), MAX_SCRIPT_BYTES, "scenario script");
        assert!(matches!(e, Err(InputError::TooLarge { .. })));
    }
}
