//! The monitored trace, rotated into segments so that a month of monitoring is still
//! verifiable: `segments/000001/`, `segments/000002/`, … each holding a `trace.jsonl` and, once
//! closed, its `manifest.json` (the run directory's manifest format, so `touchstone verify
//! OUT/segments/000001` checks it). Every segment after the first opens with the stream's
//! `run.start` line again, so each is a trace the checker reads on its own. A segment is closed
//! when it reaches its line or age limit, and when the monitor stops (also on SIGINT/SIGTERM).

use sha2::{Digest, Sha256};
use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};
use touchstone_core::rundir::{ManifestFields, ManifestStatus, RunDir, RunDirError};

/// When a segment is closed.
#[derive(Debug, Clone, Copy)]
pub struct Rotation {
    pub max_lines: u64,
    pub max_age: Duration,
}

/// The segment being written and the count of those closed.
#[derive(Debug)]
pub struct Segments {
    root: PathBuf,
    rotation: Rotation,
    run_start: Option<Vec<u8>>,
    seed: u64,
    current: Option<Open>,
    closed: u64,
}

#[derive(Debug)]
struct Open {
    dir: RunDir,
    w: BufWriter<File>,
    hash: Sha256,
    lines: u64,
    opened: Instant,
}

impl Segments {
    /// Segments under `root/segments/`.
    pub fn new(root: &Path, rotation: Rotation) -> Segments {
        Segments {
            root: root.join("segments"),
            rotation,
            run_start: None,
            seed: 0,
            current: None,
            closed: 0,
        }
    }

    /// Remembers the stream's `run.start` (repeated at the top of every later segment) and
    /// its seed (recorded in each manifest, as `verify` expects).
    pub fn set_run_start(&mut self, line: &[u8]) {
        self.seed = serde_json::from_slice::<serde_json::Value>(line)
            .ok()
            .and_then(|v| v.get("seed").and_then(serde_json::Value::as_u64))
            .unwrap_or(0);
        self.run_start = Some(line.to_vec());
    }

    /// Appends one line (with its newline), opening a segment first when none is open.
    pub fn write(&mut self, line: &[u8]) -> Result<(), RunDirError> {
        if self.current.is_none() {
            self.open()?;
        }
        let o = self.current.as_mut().expect("opened above");
        o.write(line)
    }

    /// Closes the open segment when it is due; flushes it otherwise (a reader of the live
    /// segment sees whole lines up to the last batch).
    pub fn tick(&mut self, now: Instant) -> Result<(), RunDirError> {
        let due = self.current.as_ref().is_some_and(|o| {
            o.lines >= self.rotation.max_lines
                || now.duration_since(o.opened) >= self.rotation.max_age
        });
        if due {
            return self.close();
        }
        if let Some(o) = &mut self.current {
            let p = o.dir.file("trace.jsonl");
            o.w.flush()
                .map_err(|source| RunDirError::Io { path: p.display().to_string(), source })?;
        }
        Ok(())
    }

    /// Closes the open segment: flushed, synced, and its manifest written.
    pub fn close(&mut self) -> Result<(), RunDirError> {
        let Some(mut o) = self.current.take() else { return Ok(()) };
        let p = o.dir.file("trace.jsonl");
        let io = |source| RunDirError::Io { path: p.display().to_string(), source };
        o.w.flush().map_err(io)?;
        o.w.get_ref().sync_data().map_err(io)?;
        o.dir.write_run_manifest(&ManifestFields {
            seed: self.seed,
            fingerprint: hex::encode(o.hash.finalize()),
            status: Some(ManifestStatus::Complete),
            partial_reason: None,
            scenario_sha256: None,
            trace_lines: Some(o.lines),
        })?;
        self.closed += 1;
        Ok(())
    }

    /// Segments closed so far.
    pub fn closed(&self) -> u64 {
        self.closed
    }

    /// The directory of segment `n` (1-based).
    pub fn dir_of(&self, n: u64) -> PathBuf {
        self.root.join(format!("{n:06}"))
    }

    #[allow(clippy::disallowed_methods)] // a segment's age is wall-clock time on a live source
    fn open(&mut self) -> Result<(), RunDirError> {
        let dir = RunDir::create(self.dir_of(self.closed + 1))?;
        let p = dir.file("trace.jsonl");
        let f = File::create(&p)
            .map_err(|source| RunDirError::Io { path: p.display().to_string(), source })?;
        let mut o = Open {
            dir,
            w: BufWriter::with_capacity(1 << 16, f),
            hash: Sha256::new(),
            lines: 0,
            opened: Instant::now(),
        };
        if self.closed > 0 {
            if let Some(start) = &self.run_start {
                o.write(start)?;
            }
        }
        self.current = Some(o);
        Ok(())
    }
}

impl Open {
    fn write(&mut self, line: &[u8]) -> Result<(), RunDirError> {
        let p = self.dir.file("trace.jsonl");
        let io = |source| RunDirError::Io { path: p.display().to_string(), source };
        self.w.write_all(line).map_err(io)?;
        self.hash.update(line);
        if line.last() != Some(&b'\n') {
            self.w.write_all(b"\n").map_err(io)?;
            self.hash.update(b"\n");
        }
        self.lines += 1;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[allow(clippy::disallowed_methods)] // segment ages are wall-clock time
    fn now() -> Instant {
        Instant::now()
    }

    #[test]
    fn a_segment_older_than_its_age_is_closed_at_the_tick_and_the_next_repeats_run_start() {
        let t = tempfile::tempdir().unwrap();
        let rotation = Rotation { max_lines: 1_000, max_age: Duration::from_secs(60) };
        let mut s = Segments::new(t.path(), rotation);
        let start = b"{\"kind\":\"run.start\",\"t_ns\":0,\"seed\":9}\n";
        s.set_run_start(start);
        s.write(start).unwrap();
        s.write(b"{\"kind\":\"x\",\"t_ns\":1}").unwrap();
        s.tick(now()).unwrap();
        assert_eq!(s.closed(), 0, "young: kept open");
        s.tick(now() + Duration::from_secs(61)).unwrap();
        assert_eq!(s.closed(), 1);
        let m =
            touchstone_core::rundir::read_manifest(&RunDir::open(s.dir_of(1)).unwrap()).unwrap();
        assert_eq!((m.seed, m.trace_lines), (9, Some(2)));
        let body = std::fs::read(s.dir_of(1).join("trace.jsonl")).unwrap();
        assert!(body.ends_with(b"\"t_ns\":1}\n"), "a line without its newline gets one");
        assert_eq!(m.fingerprint, hex::encode(Sha256::digest(&body)));
        s.write(b"{\"kind\":\"x\",\"t_ns\":2}\n").unwrap();
        s.close().unwrap();
        let second = std::fs::read(s.dir_of(2).join("trace.jsonl")).unwrap();
        assert!(second.starts_with(start));
        assert_eq!(s.closed(), 2);
    }
}
