//! Lines into the checker: the records of a [`Batch`] (`split.rs`) handed to a [`Sink`] one
//! by one, and a reader split on the calling thread.

use std::cell::Cell;
use std::io::BufRead;

use crate::checker::Checker;
use crate::error::CheckError;
use crate::event::LineError;
use crate::fast::Fast;
use crate::reader::Batches;
use crate::split::{pump, Batch, Rec, Splitter};

/// Where lines go: one [`Checker`], or the per-chain checkers of a multi-chain trace
/// (`chains`).
pub(crate) trait Sink {
    /// The trace's name, for errors.
    fn source_name(&self) -> &str;
    /// The longest accepted line.
    fn max_line_bytes(&self) -> usize;
    /// The longest id a fast layout takes.
    fn max_id_bytes(&self) -> usize;
    /// The deepest nesting a line may have.
    fn max_depth(&self) -> usize;
    /// Handles one raw line (without its newline) through the general scanner.
    fn line(&mut self, raw: &[u8]) -> Result<(), CheckError>;
    /// Handles one line a fast layout parsed into `f` (`raw`: the line, for a sink that
    /// routes it as it is).
    fn fast_line(&mut self, f: Fast<'_>, raw: &[u8]) -> Result<(), CheckError>;
    /// Counts a line that is bad before it is read (blank, too long).
    fn skipped_line(&mut self, e: LineError) -> Result<(), CheckError>;

    /// A splitter with this sink's limits.
    fn splitter(&self) -> Splitter {
        Splitter::new(self.max_line_bytes(), self.max_id_bytes()).for_depth(self.max_depth())
    }
}

impl Sink for Checker<'_> {
    fn source_name(&self) -> &str {
        &self.source
    }

    fn max_line_bytes(&self) -> usize {
        self.opts.limits.max_line_bytes
    }

    fn max_id_bytes(&self) -> usize {
        self.ctx.max_id
    }

    fn max_depth(&self) -> usize {
        self.ctx.max_depth
    }

    #[inline]
    fn line(&mut self, raw: &[u8]) -> Result<(), CheckError> {
        Checker::line(self, raw)
    }

    #[inline]
    fn fast_line(&mut self, f: Fast<'_>, _raw: &[u8]) -> Result<(), CheckError> {
        Checker::fast_line(self, f)
    }

    fn skipped_line(&mut self, e: LineError) -> Result<(), CheckError> {
        self.line += 1;
        self.bad_line(e)
    }
}

fn io_err<S: Sink>(c: &S, e: std::io::Error) -> CheckError {
    CheckError::Io { path: c.source_name().to_string(), source: e }
}

/// Hands every line of a batch to the sink, in order.
#[inline]
pub(crate) fn feed_batch<S: Sink>(b: &Batch, c: &mut S) -> Result<(), CheckError> {
    let buf = b.text();
    for r in &b.recs {
        match *r {
            Rec::Fast(f, line) => c.fast_line(Rec::fast(f, buf), line.get(buf))?,
            Rec::Line(l) => c.line(l.get(buf))?,
            Rec::TooLong => c.skipped_line(LineError::Limit {
                what: "line length in bytes".into(),
                limit: c.max_line_bytes() as u64,
            })?,
            Rec::Blank => c.skipped_line(LineError::Bad {
                field: "<line>".into(),
                message: "blank line".into(),
            })?,
        }
    }
    Ok(())
}

/// Hands every batch a reading thread sends to the sink, and the batches back.
pub(crate) fn feed_batches<S: Sink>(mut batches: Batches, c: &mut S) -> Result<(), CheckError> {
    while let Some(b) = batches.next() {
        let b = b.map_err(|e| io_err(c, e))?;
        feed_batch(&b, c)?;
        batches.recycle(b);
    }
    Ok(())
}

/// Feeds every line of `r` to the sink, split on this thread; gzip input is recognised by
/// its magic bytes.
pub(crate) fn feed<R: BufRead, S: Sink>(r: R, c: &mut S) -> Result<(), CheckError> {
    let input = crate::reader::plain(r).map_err(|e| io_err(c, e))?;
    let mut sp = c.splitter();
    let spare = Cell::new(Batch::default());
    let mut res = Ok(());
    pump(
        input,
        &mut sp,
        || spare.take(),
        |b| {
            res = match b {
                Ok(b) => {
                    let r = feed_batch(&b, c);
                    spare.set(b);
                    r
                }
                Err(e) => Err(io_err(c, e)),
            };
            res.is_ok()
        },
    );
    res
}
