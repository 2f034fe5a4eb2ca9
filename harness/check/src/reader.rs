//! Reading on a thread of its own: the file (or standard input) is read, and gunzipped when
//! it starts with gzip's magic bytes, in chunks that a bounded channel hands to the checking
//! thread; emptied chunks go back to be refilled. At most [`IN_FLIGHT`] chunks of [`CHUNK`]
//! bytes exist at once, whatever the trace's length, and the two cores overlap the reading
//! (a copy from the page cache, or inflating) with the checking.

use std::io::{self, BufRead, BufReader, Read};
use std::sync::mpsc::{sync_channel, Receiver, SyncSender};

/// Bytes per chunk.
pub(crate) const CHUNK: usize = 1 << 20;
/// Chunks queued for the checking thread (one more is being filled, one being checked).
pub(crate) const IN_FLIGHT: usize = 4;

/// The checking thread's side: the chunks as one `BufRead`.
pub(crate) struct Chunks {
    rx: Receiver<io::Result<Vec<u8>>>,
    back: SyncSender<Vec<u8>>,
    cur: Vec<u8>,
    pos: usize,
    done: bool,
}

impl Read for Chunks {
    fn read(&mut self, out: &mut [u8]) -> io::Result<usize> {
        let b = self.fill_buf()?;
        let n = b.len().min(out.len());
        out[..n].copy_from_slice(&b[..n]);
        self.consume(n);
        Ok(n)
    }
}

impl BufRead for Chunks {
    fn fill_buf(&mut self) -> io::Result<&[u8]> {
        while self.pos >= self.cur.len() && !self.done {
            let used = std::mem::take(&mut self.cur);
            if used.capacity() > 0 {
                // The reader may have stopped (at the end or on an error): then it is dropped.
                let _ = self.back.try_send(used);
            }
            self.pos = 0;
            match self.rx.recv() {
                Ok(Ok(chunk)) => self.cur = chunk,
                Ok(Err(e)) => {
                    self.done = true;
                    return Err(e);
                }
                Err(_) => self.done = true,
            }
        }
        Ok(&self.cur[self.pos.min(self.cur.len())..])
    }

    fn consume(&mut self, n: usize) {
        self.pos += n;
    }
}

/// Runs `check` on the bytes of `input` (gunzipped when it is gzip), read by a second thread.
pub(crate) fn with_reader<R, T>(input: R, check: impl FnOnce(Chunks) -> T) -> T
where
    R: Read + Send,
{
    let (tx, rx) = sync_channel(IN_FLIGHT);
    let (back, returned) = sync_channel(IN_FLIGHT + 2);
    std::thread::scope(|s| {
        s.spawn(move || produce(input, &tx, &returned));
        check(Chunks { rx, back, cur: Vec::new(), pos: 0, done: false })
    })
}

/// The reading thread: chunks until the end, an error, or the checking thread is gone.
fn produce<R: Read>(input: R, tx: &SyncSender<io::Result<Vec<u8>>>, returned: &Receiver<Vec<u8>>) {
    let mut r = BufReader::with_capacity(1 << 16, input);
    let gzip = match r.fill_buf() {
        Ok(head) => head.starts_with(&[0x1f, 0x8b]),
        Err(e) => {
            let _ = tx.send(Err(e));
            return;
        }
    };
    if gzip {
        pump(flate2::bufread::MultiGzDecoder::new(r), tx, returned);
    } else {
        pump(r, tx, returned);
    }
}

fn pump<R: Read>(mut r: R, tx: &SyncSender<io::Result<Vec<u8>>>, returned: &Receiver<Vec<u8>>) {
    loop {
        let mut buf = returned.try_recv().unwrap_or_else(|_| Vec::with_capacity(CHUNK));
        buf.clear();
        match r.by_ref().take(CHUNK as u64).read_to_end(&mut buf) {
            Ok(0) => return,
            Ok(_) => {
                if tx.send(Ok(buf)).is_err() {
                    return;
                }
            }
            Err(e) => {
                let _ = tx.send(Err(e));
                return;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn through(bytes: &[u8]) -> Vec<u8> {
        with_reader(bytes, |mut c| {
            let mut out = Vec::new();
            c.read_to_end(&mut out).unwrap();
            out
        })
    }

    #[test]
    fn hands_over_every_byte_in_order() {
        for len in [0, 1, CHUNK - 1, CHUNK, CHUNK + 1, 3 * CHUNK + 17, 9 * CHUNK] {
            let data: Vec<u8> = (0..len).map(|i| (i * 7 % 251) as u8).collect();
            assert_eq!(through(&data), data, "{len}");
        }
    }

    #[test]
    fn gunzips_and_reports_errors() {
        use std::io::Write;
        let data: Vec<u8> = (0..3 * CHUNK).map(|i| (i % 13) as u8).collect();
        let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
        gz.write_all(&data).unwrap();
        let gz = gz.finish().unwrap();
        assert_eq!(through(&gz), data);
        let cut = &gz[..gz.len() / 2];
        let err = with_reader(cut, |mut c| c.read_to_end(&mut Vec::new()).map(|_| ()));
        assert!(err.is_err());
    }

    #[test]
    fn a_checker_that_stops_early_lets_the_reader_go() {
        let data = vec![b'x'; 20 * CHUNK];
        let first = with_reader(&data[..], |mut c| c.fill_buf().map(<[u8]>::len).unwrap());
        assert_eq!(first, CHUNK);
    }
}
