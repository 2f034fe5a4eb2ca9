//! Standard output that fails politely: a closed pipe (`touchstone run … | true`) or a full
//! disk (`> /dev/full`) ends the command with exit 3 and one line on stderr, never a panic.
//!
//! Every subcommand writes its stdout through [`stdout`] (the crate denies `print!` and
//! `println!`, whose failures panic).

use crate::exit::Failure;
use std::io::Write;

/// Writes `text` to standard output and flushes it.
pub fn stdout(text: impl AsRef<str>) -> Result<(), Failure> {
    let mut out = std::io::stdout().lock();
    out.write_all(text.as_ref().as_bytes())
        .and_then(|()| out.flush())
        .map_err(|e| Failure::harness(format!("cannot write to standard output: {e}")))
}

/// [`stdout`] with a newline.
pub fn stdoutln(text: impl AsRef<str>) -> Result<(), Failure> {
    let mut s = String::with_capacity(text.as_ref().len() + 1);
    s.push_str(text.as_ref());
    s.push('\n');
    stdout(s)
}
