//! Reading lines: bounded length, no per-line allocation for lines inside the buffer,
//! transparent gzip.

use std::io::{BufRead, BufReader};

use crate::checker::Checker;
use crate::error::CheckError;
use crate::event::LineError;

/// Where lines go: one [`Checker`], or the per-chain checkers of a multi-chain trace
/// (`chains`).
pub(crate) trait Sink {
    /// The trace's name, for errors.
    fn source_name(&self) -> &str;
    /// The longest accepted line.
    fn max_line_bytes(&self) -> usize;
    /// Handles one raw line (without its newline).
    fn line(&mut self, raw: &[u8]) -> Result<(), CheckError>;
    /// Handles the line at the start of `buf` when a fast path takes it: see
    /// [`Checker::line_in_buffer`].
    fn line_in_buffer(&mut self, buf: &[u8]) -> Result<Option<usize>, CheckError>;
    /// Counts a line that is bad before it is read (blank, too long).
    fn skipped_line(&mut self, e: LineError) -> Result<(), CheckError>;
}

impl Sink for Checker<'_> {
    fn source_name(&self) -> &str {
        &self.source
    }

    fn max_line_bytes(&self) -> usize {
        self.opts.limits.max_line_bytes
    }

    #[inline]
    fn line(&mut self, raw: &[u8]) -> Result<(), CheckError> {
        Checker::line(self, raw)
    }

    #[inline]
    fn line_in_buffer(&mut self, buf: &[u8]) -> Result<Option<usize>, CheckError> {
        Checker::line_in_buffer(self, buf)
    }

    fn skipped_line(&mut self, e: LineError) -> Result<(), CheckError> {
        self.line += 1;
        self.bad_line(e)
    }
}

/// Finds the first `\n` in `b`.
#[inline]
fn newline(b: &[u8]) -> Option<usize> {
    memchr::memchr(b'\n', b)
}

fn io_err<S: Sink>(c: &S, e: std::io::Error) -> CheckError {
    CheckError::Io { path: c.source_name().to_string(), source: e }
}

fn strip_cr(l: &[u8]) -> &[u8] {
    l.strip_suffix(b"\r").unwrap_or(l)
}

/// Feeds every line of `r` to the checker; gzip input is detected by its magic bytes.
pub(crate) fn feed<R: BufRead, S: Sink>(mut r: R, c: &mut S) -> Result<(), CheckError> {
    let head = r.fill_buf().map_err(|e| io_err(c, e))?;
    if head.starts_with(&[0x1f, 0x8b]) {
        let gz = flate2::bufread::MultiGzDecoder::new(r);
        return feed_plain(BufReader::with_capacity(1 << 20, gz), c);
    }
    feed_plain(r, c)
}

pub(crate) fn feed_plain<R: BufRead, S: Sink>(mut r: R, c: &mut S) -> Result<(), CheckError> {
    let max = c.max_line_bytes();
    let mut carry: Vec<u8> = Vec::new();
    let mut skipping = false;
    loop {
        let buf = match r.fill_buf() {
            Ok(b) => b,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(io_err(c, e)),
        };
        if buf.is_empty() {
            // A line being skipped was counted bad when it passed the limit.
            if !skipping && !carry.is_empty() {
                // Last line without a final newline.
                let l = std::mem::take(&mut carry);
                c.line(strip_cr(&l))?;
            }
            return Ok(());
        }
        // Fast path: whole lines inside the buffer, no copy.
        let mut pos = 0;
        if carry.is_empty() && !skipping {
            loop {
                // Lines of a fast layout are parsed in place, without looking for their end.
                if let Some(n) = c.line_in_buffer(&buf[pos..])? {
                    pos += n;
                    continue;
                }
                let Some(i) = newline(&buf[pos..]) else { break };
                let l = &buf[pos..pos + i];
                if l.len() > max {
                    c.skipped_line(too_long(max))?;
                } else if l.is_empty() || l == b"\r" {
                    c.skipped_line(LineError::Bad {
                        field: "<line>".into(),
                        message: "blank line".into(),
                    })?;
                } else {
                    c.line(strip_cr(l))?;
                }
                pos += i + 1;
            }
        }
        // Slow path: a line spanning buffers.
        let rest = &buf[pos..];
        let n = rest.len();
        match newline(rest) {
            Some(i) => {
                if skipping {
                    skipping = false;
                } else {
                    carry.extend_from_slice(&rest[..i]);
                    let l = std::mem::take(&mut carry);
                    if l.len() > max {
                        c.skipped_line(too_long(max))?;
                    } else if strip_cr(&l).is_empty() {
                        c.skipped_line(LineError::Bad {
                            field: "<line>".into(),
                            message: "blank line".into(),
                        })?;
                    } else {
                        c.line(strip_cr(&l))?;
                    }
                }
                r.consume(pos + i + 1);
            }
            None => {
                if !skipping {
                    carry.extend_from_slice(rest);
                    if carry.len() > max {
                        carry = Vec::new();
                        skipping = true;
                        // The line fails as soon as it passes the limit, not at its end: an
                        // endless line (`/dev/zero`, a stream without newlines) must not keep
                        // the checker reading.
                        c.skipped_line(too_long(max))?;
                    }
                }
                r.consume(pos + n);
            }
        }
    }
}

fn too_long(max: usize) -> LineError {
    LineError::Limit { what: "line length in bytes".into(), limit: max as u64 }
}

#[cfg(test)]
mod tests {
    use super::newline;

    #[test]
    fn finds_newlines_at_every_offset() {
        for len in 0..40 {
            for at in 0..len {
                let mut v = vec![b'a'; len];
                v[at] = b'\n';
                assert_eq!(newline(&v), Some(at));
            }
            assert_eq!(newline(&vec![b'x'; len]), None);
        }
        assert_eq!(newline(&[0x8a, b'\n']), Some(1));
    }
}
