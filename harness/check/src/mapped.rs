//! Reading a plain trace file by mapping it into memory, a window at a time, instead of
//! copying it out of the page cache with `read` (`reader.rs` takes what cannot be mapped:
//! standard input, pipes, gzip).
//!
//! The copy was about a third of the reading thread's time on Touchstone's own traces, and
//! the reading thread sets the pace (it splits and parses too). Batches then hold a part of a
//! window instead of a buffer of their own, so a line is never copied, not even one that
//! crosses a batch: the next batch starts where the unfinished line does. A window is
//! [`WINDOW`] bytes (more for a line that does not fit in one), and is unmapped once the
//! last batch in it is back, so the memory it takes is bounded by the few windows in flight,
//! whatever the trace's length. Windows are not pre-faulted: mapping a whole one at once
//! stalled the reading thread long enough to starve the checking one.
//!
//! The file is the file as it grows: when the last window is done, the length is read again,
//! as `read` would find more at its end. A file that *shrinks* under the checker is an error
//! if it is seen before a window is mapped; a truncation while a window is being read ends
//! the process with `SIGBUS` (as it would for any program reading a mapped file, `ripgrep`
//! among them). Rewriting a trace in place while it is checked gives no meaningful verdict
//! either way; Touchstone's own writers publish a run by renaming, which a mapping survives.

use std::fs::File;
use std::io;
use std::sync::Arc;

use memmap2::{Advice, Mmap, MmapOptions};

use crate::split::{Batch, Splitter, CHUNK};

/// Bytes mapped at once (more for a line that does not fit).
pub(crate) const WINDOW: usize = 8 << 20;

/// Window offsets are multiples of this: the largest page size among Linux's platforms.
const ALIGN: u64 = 1 << 16;

/// A part of a mapped window: the text of one batch.
#[derive(Debug)]
pub(crate) struct Part {
    window: Arc<Mmap>,
    start: usize,
    end: usize,
}

impl Part {
    #[inline]
    pub(crate) fn text(&self) -> &[u8] {
        &self.window[self.start..self.end]
    }
}

/// Maps `len` bytes of `file` from `offset`.
fn map(file: &File, offset: u64, len: usize) -> io::Result<Mmap> {
    // SAFETY: `Mmap::map` is unsafe because the file's bytes may change under the mapping.
    // The checker only reads them and never assumes one read sees what another did: every
    // text a batch hands over was validated by the same reading thread that hands it, and
    // whatever is turned into a `str` later is checked again (no `from_utf8_unchecked` in
    // this crate, which denies unsafe code elsewhere). A concurrent rewrite can thus give a
    // wrong verdict, as it would with `read`, but no undefined behaviour of ours; the length
    // is checked against the file's before each window (`pump`).
    #[allow(unsafe_code)]
    let m = unsafe { MmapOptions::new().offset(offset).len(len).map(file)? };
    // Only a hint for the page cache's read-ahead: a failure changes nothing.
    let _ = m.advise(Advice::Sequential);
    Ok(m)
}

fn shrank(was: u64, now: u64) -> io::Error {
    io::Error::other(format!("the file shrank from {was} to {now} bytes while it was read"))
}

/// Reads `file` to its end in batches of mapped text, as `split::pump` does with `read`:
/// `fresh` gives an emptied batch, `send` takes each filled one and says whether to go on.
/// Returns `false`, having sent nothing, when the file is not to be mapped (not a regular
/// file, empty, or gzip), so that the caller reads it.
pub(crate) fn pump(
    file: &File,
    sp: &mut Splitter,
    fresh: impl FnMut() -> Batch,
    send: impl FnMut(io::Result<Batch>) -> bool,
) -> bool {
    pump_windows(file, WINDOW, sp, fresh, send)
}

/// [`pump`] with windows of at least `window` bytes.
fn pump_windows(
    file: &File,
    window: usize,
    sp: &mut Splitter,
    mut fresh: impl FnMut() -> Batch,
    mut send: impl FnMut(io::Result<Batch>) -> bool,
) -> bool {
    let mut len = match file.metadata() {
        Ok(m) if m.is_file() && m.len() > 0 => m.len(),
        _ => return false,
    };
    let least = (window.max(2 * CHUNK) as u64).div_ceil(ALIGN) * ALIGN;
    // Bytes to map next: a window, or twice as many as the last time when a line did not end
    // in it. A line then either ends in a window or is found too long (`Splitter::split`)
    // once one is longer than the limit, so every few windows make progress.
    let mut span = least;
    let mut pos = 0u64; // the first byte not split yet
    let mut first = true;
    loop {
        let base = pos - pos % ALIGN;
        let end = len.min(base + span);
        if !first {
            match file.metadata() {
                Ok(m) if m.len() < end => {
                    send(Err(shrank(len, m.len())));
                    return true;
                }
                Ok(_) => {}
                Err(e) => {
                    send(Err(e));
                    return true;
                }
            }
        }
        let window = match map(file, base, (end - base) as usize) {
            Ok(w) => Arc::new(w),
            // Mapping is an optimisation: a file that cannot be mapped is read.
            Err(_) if first => return false,
            Err(e) => {
                send(Err(e));
                return true;
            }
        };
        if first {
            if window.starts_with(&[0x1f, 0x8b]) {
                return false;
            }
            first = false;
        }
        let mut at = (pos - base) as usize;
        let mut want = CHUNK;
        while at < window.len() {
            let stop = window.len().min(at + want);
            let mut b = fresh();
            b.reset();
            let used = sp.split(&window[at..stop], &mut b.recs);
            if !b.recs.is_empty() {
                b.mapped = Some(Part { window: Arc::clone(&window), start: at, end: stop });
                if !send(Ok(b)) {
                    return true;
                }
            }
            if used == 0 {
                if stop == window.len() {
                    break;
                }
                // A line longer than the chunk: a longer one next time.
                want *= 2;
                continue;
            }
            at += used;
            want = CHUNK;
        }
        let start = pos;
        pos = base + at as u64;
        span = if pos == start { 2 * span } else { least };
        if end == len {
            // The end of the file as last seen: it may have grown since.
            match file.metadata() {
                Ok(m) if m.len() > len => {
                    len = m.len();
                    continue;
                }
                Ok(_) => {}
                Err(e) => {
                    send(Err(e));
                    return true;
                }
            }
            let mut b = fresh();
            b.reset();
            sp.finish(&window[at..], 0, &mut b.recs);
            if !b.recs.is_empty() {
                let end = window.len();
                b.mapped = Some(Part { window, start: at, end });
                send(Ok(b));
            }
            return true;
        }
    }
}

#[cfg(test)]
mod tests {
    use std::io::Write;

    use super::*;
    use crate::split::{pump as read_pump, Rec};

    /// What the checking thread receives: (kind, text) per line.
    fn collect(b: &Batch, got: &mut Vec<(char, Vec<u8>)>) {
        for r in &b.recs {
            got.push(match *r {
                Rec::Fast(_, l) => ('f', l.get(b.text()).to_vec()),
                Rec::Line(l) => ('l', l.get(b.text()).to_vec()),
                Rec::TooLong => ('L', Vec::new()),
                Rec::Blank => ('b', Vec::new()),
            });
        }
    }

    fn by_reading(bytes: &[u8], max_line: usize) -> Vec<(char, Vec<u8>)> {
        let mut got = Vec::new();
        read_pump(bytes, &mut Splitter::new(max_line, 64), Batch::default, |b| {
            collect(&b.unwrap(), &mut got);
            true
        });
        got
    }

    fn by_mapping(file: &File, max_line: usize) -> Option<Vec<(char, Vec<u8>)>> {
        let mut got = Vec::new();
        let mut sp = Splitter::new(max_line, 64);
        pump_windows(file, 0, &mut sp, Batch::default, |b| {
            collect(&b.unwrap(), &mut got);
            true
        })
        .then_some(got)
    }

    fn file_of(bytes: &[u8]) -> tempfile::NamedTempFile {
        let mut f = tempfile::NamedTempFile::new().unwrap();
        f.write_all(bytes).unwrap();
        f.flush().unwrap();
        f
    }

    const VOTE: &str = r#"{"kind":"cons.vote","t_ns":1,"node":"n0","height":1,"round":0,"vtype":"prevote","block":"B"}"#;

    /// Lines of every kind, some longer than a chunk and than the limit, across many windows.
    fn mixed(lines: usize, max_line: usize) -> Vec<u8> {
        let mut text = Vec::new();
        for i in 0..lines {
            match i % 7 {
                0 | 1 => text.extend_from_slice(VOTE.as_bytes()),
                2 => text.extend_from_slice(format!(r#"{{"kind":"x","t_ns":{i}}}"#).as_bytes()),
                3 => text.extend_from_slice(b"\r"),
                4 if (i / 7) % 500 == 0 => text.resize(text.len() + max_line + 3 * CHUNK, b'y'),
                4 if (i / 7) % 300 == 0 => text.resize(text.len() + max_line - 1, b'z'),
                _ => text.extend_from_slice(b"plain"),
            }
            text.push(b'\n');
        }
        text
    }

    #[test]
    fn maps_to_the_same_lines_as_reading_across_windows() {
        let max_line = CHUNK;
        for (lines, tail) in [(40_000, &b""[..]), (30_000, b"last\r"), (1, b""), (0, b"only")] {
            let mut text = mixed(lines, max_line);
            text.extend_from_slice(tail);
            let f = file_of(&text);
            let want = by_reading(&text, max_line);
            assert!(lines < 30_000 || text.len() > 10 * (max_line + 2 * CHUNK), "many windows");
            assert_eq!(by_mapping(f.as_file(), max_line).unwrap(), want, "{lines} lines");
        }
    }

    #[test]
    fn leaves_gzip_empty_and_special_files_to_reading() {
        let gz = file_of(&[0x1f, 0x8b, 8, 0, 0, 0]);
        assert!(by_mapping(gz.as_file(), 1024).is_none());
        let empty = file_of(b"");
        assert!(by_mapping(empty.as_file(), 1024).is_none());
        let dir = tempfile::tempdir().unwrap();
        assert!(by_mapping(&File::open(dir.path()).unwrap(), 1024).is_none());
    }

    #[test]
    fn reads_on_when_the_file_grows_and_stops_when_it_shrinks() {
        let text = mixed(20_000, 1024);
        let f = file_of(&text);
        // Appended while the first batch is being checked: read as `read` would.
        let mut got = Vec::new();
        let mut appender = std::fs::OpenOptions::new().append(true).open(f.path()).unwrap();
        let mut sp = Splitter::new(1024, 64);
        pump_windows(f.as_file(), 0, &mut sp, Batch::default, |b| {
            if got.is_empty() {
                appender.write_all(b"more\n").unwrap();
            }
            collect(&b.unwrap(), &mut got);
            true
        });
        let mut longer = text.clone();
        longer.extend_from_slice(b"more\n");
        assert_eq!(got, by_reading(&longer, 1024));

        // Cut short past the first window: an error before the next one is mapped.
        let f = file_of(&text);
        let mut sp = Splitter::new(1024, 64);
        let (mut ok, mut err) = (0, None);
        pump_windows(f.as_file(), 0, &mut sp, Batch::default, |b| {
            match b {
                Ok(_) => {
                    if ok == 0 {
                        f.as_file().set_len(text.len() as u64 - 10).unwrap();
                    }
                    ok += 1;
                }
                Err(e) => err = Some(e.to_string()),
            }
            true
        });
        let err = err.expect("the shrinking is reported");
        assert!(err.contains("shrank"), "{err}");
    }
}
