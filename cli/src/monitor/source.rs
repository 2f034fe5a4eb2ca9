//! Where a monitored trace comes from: standard input, a file that keeps growing (followed
//! across rotation and truncation), or a loopback socket that nodes push lines to. Each source
//! runs on threads of its own and hands whole lines (newline included) to the monitor through a
//! bounded channel, so a slow monitor slows the reader down rather than growing a queue.

use std::io::{BufRead, BufReader, Read};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::SyncSender;
use std::sync::Arc;
use std::time::Duration;

/// What a source hands the monitor.
#[derive(Debug)]
pub enum Msg {
    /// One line, with its newline.
    Line(Vec<u8>),
    /// The source ended (standard input closed), with why.
    End(String),
    /// The source failed.
    Failed(String),
}

/// Longest line a source passes on whole; a longer one is passed cut (the checker counts it bad).
pub const MAX_LINE: usize = 16 << 20;
/// How often an idle followed file or listener looks again.
const IDLE: Duration = Duration::from_millis(50);

/// Reads one line of at most [`MAX_LINE`] bytes into `buf` (cleared first); the rest of a
/// longer line is skipped. `Ok(false)` at the end of the input.
fn read_line_capped<R: BufRead>(r: &mut R, buf: &mut Vec<u8>) -> std::io::Result<bool> {
    buf.clear();
    let n = r.by_ref().take(MAX_LINE as u64 + 1).read_until(b'\n', buf)?;
    if n == 0 {
        return Ok(false);
    }
    if buf.last() != Some(&b'\n') && buf.len() > MAX_LINE {
        let mut skip = Vec::new();
        while r.by_ref().take(1 << 16).read_until(b'\n', &mut skip)? > 0 {
            if skip.last() == Some(&b'\n') {
                break;
            }
            skip.clear();
        }
        buf.push(b'\n');
    }
    Ok(true)
}

/// Standard input until it closes.
pub fn stdin(out: SyncSender<Msg>) {
    std::thread::spawn(move || {
        let stdin = std::io::stdin();
        let mut r = BufReader::with_capacity(1 << 16, stdin.lock());
        pump(&mut r, &out, "standard input");
    });
}

/// Lines of `r` until its end; then [`Msg::End`].
fn pump<R: BufRead>(r: &mut R, out: &SyncSender<Msg>, what: &str) {
    let mut buf = Vec::new();
    loop {
        match read_line_capped(r, &mut buf) {
            Ok(true) => {
                if out.send(Msg::Line(std::mem::take(&mut buf))).is_err() {
                    return;
                }
            }
            Ok(false) => {
                let _ = out.send(Msg::End(format!("{what} closed")));
                return;
            }
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Err(e) => {
                let _ = out.send(Msg::Failed(format!("{what}: {e}")));
                return;
            }
        }
    }
}

/// A file followed like `tail -F`: from its start, then whatever is appended; when the path
/// names a new file (rotated: renamed away and created again) or the file shrinks
/// (truncated), the rest of the old one is read and the new one from its start.
pub fn follow(path: PathBuf, out: SyncSender<Msg>, stop: Arc<AtomicBool>) -> std::io::Result<()> {
    let file = std::fs::File::open(&path)?;
    std::thread::spawn(move || {
        if let Err(e) = follow_loop(&path, file, &out, &stop) {
            let _ = out.send(Msg::Failed(format!("{}: {e}", path.display())));
        }
    });
    Ok(())
}

#[cfg(unix)]
fn identity(m: &std::fs::Metadata) -> (u64, u64) {
    use std::os::unix::fs::MetadataExt;
    (m.dev(), m.ino())
}

#[cfg(not(unix))]
fn identity(_: &std::fs::Metadata) -> (u64, u64) {
    (0, 0)
}

fn follow_loop(
    path: &Path,
    file: std::fs::File,
    out: &SyncSender<Msg>,
    stop: &AtomicBool,
) -> std::io::Result<()> {
    let mut id = identity(&file.metadata()?);
    let mut r = BufReader::with_capacity(1 << 16, file);
    let mut pos: u64 = 0;
    let mut carry: Vec<u8> = Vec::new();
    let mut buf = Vec::new();
    while !stop.load(Ordering::SeqCst) {
        // Whatever is there now, line by line; a last line without its newline waits in `carry`.
        let n = read_line_capped(&mut r, &mut buf)?;
        if n {
            pos += buf.len() as u64;
            if buf.last() == Some(&b'\n') {
                carry.extend_from_slice(&buf);
                if out.send(Msg::Line(std::mem::take(&mut carry))).is_err() {
                    return Ok(());
                }
            } else {
                carry.extend_from_slice(&buf);
            }
            continue;
        }
        // At the end: has the path moved on to another file, or was this one truncated?
        match std::fs::metadata(path) {
            Ok(m) if identity(&m) != id || m.len() < pos => {
                let file = std::fs::File::open(path)?;
                id = identity(&file.metadata()?);
                r = BufReader::with_capacity(1 << 16, file);
                pos = 0;
                // A half line cut by the rotation is dropped: it can never be completed.
                carry.clear();
                continue;
            }
            _ => std::thread::sleep(IDLE),
        }
    }
    Ok(())
}

/// A listener on `addr` (loopback unless the caller allowed otherwise): every connection's
/// lines, interleaved line by line. Returns the address bound (for port 0).
pub fn tcp(
    addr: SocketAddr,
    out: SyncSender<Msg>,
    stop: Arc<AtomicBool>,
) -> std::io::Result<SocketAddr> {
    let l = TcpListener::bind(addr)?;
    let bound = l.local_addr()?;
    l.set_nonblocking(true)?;
    std::thread::spawn(move || {
        while !stop.load(Ordering::SeqCst) {
            match l.accept() {
                Ok((s, peer)) => {
                    let out = out.clone();
                    std::thread::spawn(move || connection(s, peer, &out));
                }
                Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => std::thread::sleep(IDLE),
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
                Err(e) => {
                    let _ = out.send(Msg::Failed(format!("trace listener: {e}")));
                    return;
                }
            }
        }
    });
    Ok(bound)
}

fn connection(s: TcpStream, peer: SocketAddr, out: &SyncSender<Msg>) {
    if s.set_nonblocking(false).is_err() {
        return;
    }
    let mut r = BufReader::with_capacity(1 << 16, s);
    let mut buf = Vec::new();
    loop {
        match read_line_capped(&mut r, &mut buf) {
            Ok(true) => {
                // A connection closed mid-line loses that half line only.
                if buf.last() == Some(&b'\n')
                    && out.send(Msg::Line(std::mem::take(&mut buf))).is_err()
                {
                    return;
                }
            }
            Ok(false) => return,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Err(e) => {
                use std::io::Write;
                let _ = writeln!(std::io::stderr(), "warning: trace connection {peer}: {e}");
                return;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_endless_line_is_cut_at_the_cap_and_the_next_line_read_whole() {
        let mut text = vec![b'x'; MAX_LINE + 10];
        text.extend_from_slice(b"\nnext\n");
        let mut r = BufReader::new(&text[..]);
        let mut buf = Vec::new();
        assert!(read_line_capped(&mut r, &mut buf).unwrap());
        assert_eq!(buf.len(), MAX_LINE + 2);
        assert!(read_line_capped(&mut r, &mut buf).unwrap());
        assert_eq!(buf, b"next\n");
        assert!(!read_line_capped(&mut r, &mut buf).unwrap());
    }
}
