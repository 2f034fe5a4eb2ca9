//! Reading on a thread of its own: the file (or standard input) is read, gunzipped when it
//! starts with gzip's magic bytes, split into lines and parsed where a fast layout allows
//! (`split.rs`), in batches that a bounded channel hands to the checking thread; checked
//! batches go back to be refilled. At most [`IN_FLIGHT`] batches of about [`CHUNK`] bytes
//! exist at once, whatever the trace's length, and the two cores share the work: reading (a
//! plain file is mapped instead: `mapped.rs`; other input is copied or inflated), splitting
//! and parsing on one, checking on the other.

use std::fs::File;
use std::io::{self, BufRead, BufReader, Read};
use std::sync::mpsc::{sync_channel, Receiver, SyncSender};

#[cfg(test)]
use crate::split::CHUNK;
use crate::split::{pump, Batch, Splitter};

/// Batches queued for the checking thread (one more is being filled, one being checked).
pub(crate) const IN_FLIGHT: usize = 4;

/// The checking thread's side: the batches, in order.
pub(crate) struct Batches {
    rx: Receiver<io::Result<Batch>>,
    back: SyncSender<Batch>,
}

impl Batches {
    /// The next batch; `None` at the end.
    pub(crate) fn next(&mut self) -> Option<io::Result<Batch>> {
        self.rx.recv().ok()
    }

    /// Hands a checked batch back, to be refilled.
    pub(crate) fn recycle(&mut self, b: Batch) {
        // The reader may have stopped (at the end or on an error): then it is dropped.
        let _ = self.back.try_send(b);
    }
}

/// Runs `check` on the batches of `input` (gunzipped when it is gzip), read and split by a
/// second thread.
pub(crate) fn with_reader<R, T>(input: R, sp: Splitter, check: impl FnOnce(Batches) -> T) -> T
where
    R: Read + Send,
{
    on_reading_thread(move |ends| produce(input, sp, ends), check)
}

/// [`with_reader`] for a file: mapped when it is a plain regular file (`mapped.rs`), read
/// otherwise.
pub(crate) fn with_file<T>(file: File, sp: Splitter, check: impl FnOnce(Batches) -> T) -> T {
    on_reading_thread(
        move |ends| {
            let mut sp = sp;
            let (tx, returned) = ends;
            let fresh = || returned.try_recv().unwrap_or_default();
            if !crate::mapped::pump(&file, &mut sp, fresh, |b| tx.send(b).is_ok()) {
                produce(file, sp, ends);
            }
        },
        check,
    )
}

/// The reading thread's ends of the two channels: batches to send, checked ones back.
type Ends<'a> = (&'a SyncSender<io::Result<Batch>>, &'a Receiver<Batch>);

/// Runs `read` on a second thread, and `check` here on the batches it sends.
fn on_reading_thread<T>(read: impl FnOnce(Ends<'_>) + Send, check: impl FnOnce(Batches) -> T) -> T {
    let (tx, rx) = sync_channel(IN_FLIGHT);
    let (back, returned) = sync_channel(IN_FLIGHT + 2);
    std::thread::scope(|s| {
        s.spawn(move || {
            read((&tx, &returned));
            drop(tx);
            // The batches still to come back are let go of here, not on the checking thread:
            // the last of a mapped window's batches unmaps it, which takes a while.
            for b in returned.iter() {
                drop(b);
            }
        });
        check(Batches { rx, back })
    })
}

/// Gunzips `r` when it starts with gzip's magic bytes.
pub(crate) fn plain<'r, R: BufRead + 'r>(mut r: R) -> io::Result<Box<dyn Read + 'r>> {
    if r.fill_buf()?.starts_with(&[0x1f, 0x8b]) {
        Ok(Box::new(flate2::bufread::MultiGzDecoder::new(r)))
    } else {
        Ok(Box::new(r))
    }
}

/// The reading thread: batches until the end, an error, or the checking thread is gone.
fn produce<R: Read>(input: R, mut sp: Splitter, (tx, returned): Ends<'_>) {
    let r = match plain(BufReader::with_capacity(1 << 16, input)) {
        Ok(r) => r,
        Err(e) => {
            let _ = tx.send(Err(e));
            return;
        }
    };
    pump(r, &mut sp, || returned.try_recv().unwrap_or_default(), |b| tx.send(b).is_ok());
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::split::Rec;

    /// The lines of `bytes` as the checking thread receives them.
    fn through(bytes: &[u8]) -> io::Result<Vec<Vec<u8>>> {
        with_reader(bytes, Splitter::new(1 << 20, 64), |mut c| {
            let mut out = Vec::new();
            while let Some(b) = c.next() {
                let b = b?;
                for r in &b.recs {
                    if let Rec::Line(s) = r {
                        out.push(s.get(b.text()).to_vec());
                    }
                }
                c.recycle(b);
            }
            Ok(out)
        })
    }

    fn text(lines: usize) -> (Vec<u8>, Vec<Vec<u8>>) {
        let lines: Vec<Vec<u8>> = (0..lines).map(|i| format!("line {i}").into_bytes()).collect();
        (lines.iter().flat_map(|l| l.iter().copied().chain([b'\n'])).collect(), lines)
    }

    #[test]
    fn hands_over_every_line_in_order() {
        for n in [0, 1, 1000, 400_000] {
            let (bytes, lines) = text(n);
            assert_eq!(through(&bytes).unwrap(), lines, "{n}");
        }
    }

    #[test]
    fn gunzips_and_reports_errors() {
        use std::io::Write;
        let (bytes, lines) = text(400_000);
        assert!(bytes.len() > 3 * CHUNK);
        let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
        gz.write_all(&bytes).unwrap();
        let gz = gz.finish().unwrap();
        assert_eq!(through(&gz).unwrap(), lines);
        assert!(through(&gz[..gz.len() / 2]).is_err());
    }

    #[test]
    fn a_checker_that_stops_early_lets_the_reader_go() {
        let data = vec![b'x'; 20 * CHUNK];
        let sp = Splitter::new(64, 64);
        let first = with_reader(&data[..], sp, |mut c| c.next().unwrap().unwrap().recs.len());
        assert_eq!(first, 1);
    }
}
