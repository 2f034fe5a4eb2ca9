//! Splitting the input into lines and parsing the fast layouts, ahead of the checker.
//!
//! The input is read in buffers of about [`CHUNK`] bytes. Each buffer starts with the
//! unfinished last line of the one before, so every line it holds is whole, and comes with
//! its [`Rec`]s: one per line, in order, telling what the line is (a fast-path event already
//! parsed, a line for the general scanner, or a line that is bad before it is read). Texts
//! are [`Span`]s of the buffer, so a [`Batch`] can cross to another thread: `check_path`
//! splits on the reading thread while the calling thread checks the batch before, and the
//! two cores share the work (`reader.rs`). A reader given to `check_reader` is split on the
//! calling thread, by the same code.
//!
//! The rules are those of a line-by-line reader, byte for byte:
//! - a line ends at `\n`; a `\r` before it is not part of it;
//! - a line longer than `max_line_bytes` is bad as soon as that many bytes are read without
//!   its end (an endless line must not keep the checker reading), and is skipped to its end;
//! - an empty line is bad;
//! - the last line needs no newline.
//!
//! A fast layout is tried on every line; the general scanner takes what it does not (both
//! accept the same lines with the same meaning: `fast.rs`).

use std::io::{self, Read};

use crate::fast::{parse_prefix, Fast, FastOf, Known};

/// Bytes read per buffer (after the unfinished line carried over).
pub(crate) const CHUNK: usize = 1 << 18;

/// A text inside a batch's buffer: `len` bytes from `start`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Span {
    start: u32,
    len: u32,
}

impl Span {
    /// The span of `s`, a part of `buf`.
    #[inline]
    fn of(buf: &[u8], s: &[u8]) -> Span {
        let start = (s.as_ptr() as usize).wrapping_sub(buf.as_ptr() as usize);
        assert!(start + s.len() <= buf.len(), "a span outside its buffer");
        // A buffer holds at most a line's limit plus a chunk, far below 4 GiB (`Splitter::new`).
        Span { start: start as u32, len: s.len() as u32 }
    }

    /// The text in `buf`.
    #[inline]
    pub(crate) fn get(self, buf: &[u8]) -> &[u8] {
        &buf[self.start as usize..][..self.len as usize]
    }
}

/// What one line is.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Rec {
    /// An event a fast layout took, and the line (without its end).
    Fast(FastOf<Span>, Span),
    /// A line for the general scanner (without `\n` and a `\r` before it).
    Line(Span),
    /// A line over the length limit.
    TooLong,
    /// An empty line.
    Blank,
}

impl Rec {
    /// The event of a [`Rec::Fast`], with its texts in `buf`.
    #[inline]
    pub(crate) fn fast(f: FastOf<Span>, buf: &[u8]) -> Fast<'_> {
        f.map(|s| s.get(buf))
    }
}

/// A text of whole lines and what each is.
#[derive(Debug, Default)]
pub(crate) struct Batch {
    /// The text, when it was read into memory.
    pub(crate) buf: Vec<u8>,
    /// The text, when it is a part of a mapped file (`mapped.rs`); `buf` is then unused.
    pub(crate) mapped: Option<crate::mapped::Part>,
    pub(crate) recs: Vec<Rec>,
}

impl Batch {
    /// The text the records' spans are in.
    #[inline]
    pub(crate) fn text(&self) -> &[u8] {
        match &self.mapped {
            Some(m) => m.text(),
            None => &self.buf,
        }
    }

    /// Emptied, keeping its memory (and letting go of a mapped part).
    pub(crate) fn reset(&mut self) {
        self.buf.clear();
        self.recs.clear();
        self.mapped = None;
    }
}

/// The splitter's state between buffers.
#[derive(Debug)]
pub(crate) struct Splitter {
    pub(crate) max_line: usize,
    max_id: usize,
    /// The raw tx and signer lists of the last decision a fast layout took: a list with the
    /// same text is known valid and not scanned again (see [`Known`]).
    known: Known,
    /// Inside a line over the limit, already reported: skipped to its end.
    skipping: bool,
    /// Whether the fast layouts are tried (see [`crate::fast::DEPTH`]).
    fast: bool,
}

impl Splitter {
    pub(crate) fn new(max_line: usize, max_id: usize) -> Splitter {
        // Spans are 32-bit: a buffer holds one unfinished line (at most the limit) and a chunk.
        let max_line = max_line.min(u32::MAX as usize / 2 - CHUNK);
        Splitter { max_line, max_id, known: Known::default(), skipping: false, fast: true }
    }

    /// The splitter for a trace checked with `max_depth` as its nesting limit: without the
    /// fast layouts below their depth.
    pub(crate) fn for_depth(mut self, max_depth: usize) -> Splitter {
        self.fast = max_depth >= crate::fast::DEPTH;
        self
    }

    /// Adds the records of the whole lines of `buf`; returns where its unfinished last line
    /// starts (the buffer's length when there is none or it is being skipped).
    pub(crate) fn split(&mut self, buf: &[u8], out: &mut Vec<Rec>) -> usize {
        let mut pos = 0;
        if self.skipping {
            match memchr::memchr(b'\n', buf) {
                Some(i) => {
                    self.skipping = false;
                    pos = i + 1;
                }
                None => return buf.len(),
            }
        }
        loop {
            let rest = &buf[pos..];
            let parsed =
                if self.fast { parse_prefix(rest, self.max_id, &self.known) } else { None };
            if let Some((f, end)) = parsed {
                let consumed = match rest.get(end) {
                    Some(b'\n') => Some(end + 1),
                    Some(b'\r') if rest.get(end + 1) == Some(&b'\n') => Some(end + 2),
                    _ => None,
                };
                if let Some(n) = consumed.filter(|_| end <= self.max_line) {
                    if let Fast::Decide(d) = &f {
                        for (raw, known) in [
                            (d.txs.raw(), &mut self.known.txs),
                            (d.signers.raw(), &mut self.known.signers),
                        ] {
                            if raw != &known[..] {
                                known.clear();
                                known.extend_from_slice(raw);
                            }
                        }
                    }
                    out.push(Rec::Fast(f.map(|s| Span::of(buf, s)), Span::of(buf, &rest[..end])));
                    pos += n;
                    continue;
                }
            }
            let Some(i) = memchr::memchr(b'\n', rest) else { break };
            let line = &rest[..i];
            out.push(if line.len() > self.max_line {
                Rec::TooLong
            } else if line.is_empty() || line == b"\r" {
                Rec::Blank
            } else {
                Rec::Line(Span::of(buf, strip_cr(line)))
            });
            pos += i + 1;
        }
        if buf.len() - pos > self.max_line {
            // Bad as soon as it passes the limit, not at its end.
            self.skipping = true;
            out.push(Rec::TooLong);
            return buf.len();
        }
        pos
    }

    /// At the end of the input: the record of `tail`, the unfinished line left over.
    pub(crate) fn finish(&mut self, buf: &[u8], tail: usize, out: &mut Vec<Rec>) {
        if !self.skipping && tail < buf.len() {
            out.push(Rec::Line(Span::of(buf, strip_cr(&buf[tail..]))));
        }
    }
}

fn strip_cr(l: &[u8]) -> &[u8] {
    l.strip_suffix(b"\r").unwrap_or(l)
}

/// Reads `input` to its end in batches: `fresh` gives an emptied batch to fill (a recycled
/// one keeps its memory), `send` takes each filled one and says whether to go on. A read
/// error is sent in place of a batch, and ends the reading.
pub(crate) fn pump<R: Read>(
    mut input: R,
    sp: &mut Splitter,
    mut fresh: impl FnMut() -> Batch,
    mut send: impl FnMut(io::Result<Batch>) -> bool,
) {
    let mut carry: Vec<u8> = Vec::new();
    loop {
        let mut b = fresh();
        b.reset();
        b.buf.extend_from_slice(&carry);
        // A long unfinished line makes the next read as long, so a line spanning many
        // buffers is copied a bounded number of times, not once per chunk.
        let want = CHUNK.max(carry.len()) as u64;
        let n = match input.by_ref().take(want).read_to_end(&mut b.buf) {
            Ok(n) => n,
            Err(e) => {
                send(Err(e));
                return;
            }
        };
        if n == 0 {
            sp.finish(&b.buf, 0, &mut b.recs);
            if !b.recs.is_empty() {
                send(Ok(b));
            }
            return;
        }
        let tail = sp.split(&b.buf, &mut b.recs);
        carry.clear();
        carry.extend_from_slice(&b.buf[tail..]);
        if !send(Ok(b)) {
            return;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// What a line-by-line reader sees: (kind, text) per line.
    fn lines_of(input: &[u8], max_line: usize) -> Vec<(char, Vec<u8>)> {
        let mut sp = Splitter::new(max_line, 64);
        let mut got = Vec::new();
        pump(input, &mut sp, Batch::default, |b| {
            let b = b.unwrap();
            for r in &b.recs {
                got.push(match *r {
                    Rec::Fast(_, l) => ('f', l.get(&b.buf).to_vec()),
                    Rec::Line(l) => ('l', l.get(&b.buf).to_vec()),
                    Rec::TooLong => ('L', Vec::new()),
                    Rec::Blank => ('b', Vec::new()),
                });
            }
            true
        });
        got
    }

    const VOTE: &str = r#"{"kind":"cons.vote","t_ns":1,"node":"n0","height":1,"round":0,"vtype":"prevote","block":"B"}"#;

    #[test]
    fn splits_like_a_line_reader_across_buffers() {
        let mut text = Vec::new();
        let mut want = Vec::new();
        for i in 0..100_000 {
            match i % 5 {
                0 => {
                    text.extend_from_slice(VOTE.as_bytes());
                    want.push(('f', VOTE.as_bytes().to_vec()));
                }
                1 => {
                    let l = format!(r#"{{"kind":"x","t_ns":{i}}}"#);
                    text.extend_from_slice(l.as_bytes());
                    text.push(b'\r');
                    want.push(('l', l.into_bytes()));
                }
                2 => want.push(('b', Vec::new())),
                3 => {
                    text.extend_from_slice(&[b'y'; 120]);
                    want.push(('L', Vec::new()));
                }
                _ => {
                    text.extend_from_slice(b"z");
                    want.push(('l', b"z".to_vec()));
                }
            }
            text.push(b'\n');
        }
        text.extend_from_slice(b"last\r");
        want.push(('l', b"last".to_vec()));
        assert!(text.len() > 2 * CHUNK);
        assert_eq!(lines_of(&text, 100), want);
    }

    #[test]
    fn an_endless_line_is_bad_once_and_skipped_to_its_end() {
        let mut text = vec![b'x'; 3 * CHUNK + 5];
        text.extend_from_slice(b"\nok\n");
        assert_eq!(lines_of(&text, 1000), vec![('L', Vec::new()), ('l', b"ok".to_vec())]);
        let endless = vec![b'x'; 3 * CHUNK];
        assert_eq!(lines_of(&endless, 1000), vec![('L', Vec::new())]);
    }

    #[test]
    fn a_fast_line_over_the_limit_is_too_long() {
        let text = format!("{VOTE}\n");
        assert_eq!(lines_of(text.as_bytes(), VOTE.len() - 1), vec![('L', Vec::new())]);
        assert_eq!(lines_of(text.as_bytes(), VOTE.len()), vec![('f', VOTE.as_bytes().to_vec())]);
    }
}
