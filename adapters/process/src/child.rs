//! The child process and its pipes: requests written to stdin, stdout read by a thread of its
//! own into a bounded queue (so the child never blocks on a harness busy elsewhere, and a full
//! queue pushes back), stderr forwarded to the log with its last lines kept for messages.
//!
//! Once anything goes wrong — a line that is not a message, a reply out of turn, a timeout, the
//! child gone — the child is killed and every later call fails at once with the same story.

use crate::config::ProcessConfig;
use crate::wire::{Envelope, WireError};
use serde::Serialize;
use std::collections::VecDeque;
use std::io::{BufRead, BufReader, BufWriter, Write};
use std::os::unix::process::CommandExt;
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::mpsc::{sync_channel, Receiver, RecvTimeoutError, SyncSender};
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// Lines of stdout queued before the reader stops reading (the child's writes then block).
const QUEUE: usize = 4096;
/// Lines of stderr kept for error messages.
const TAIL: usize = 12;
/// Characters of a bad line quoted in a message.
const QUOTE: usize = 160;

/// A line of the child's stdout, as the reader thread found it.
#[derive(Debug)]
pub(crate) enum Incoming {
    /// A JSON object: line number (from 1) and its envelope.
    Message(u64, Envelope),
    /// A line that is not one: line number, why, and the start of the line.
    Garbage(u64, String, String),
    /// Stdout ended (the child closed it or exited).
    End,
}

/// Why a call did not return a result.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum CallError {
    /// The child answered with an error object (a normal answer, the protocol holds).
    Child(WireError),
    /// The protocol is broken; the message says how. The child has been killed.
    Broken(String),
}

/// What the request is waiting for, for messages: `advance (request 41)`.
pub(crate) fn what(method: &str, id: u64) -> String {
    format!("{method} (request {id})")
}

/// The running child.
pub(crate) struct ChildIo {
    child: Child,
    stdin: Option<BufWriter<ChildStdin>>,
    rx: Receiver<Incoming>,
    tail: Arc<Mutex<VecDeque<String>>>,
    next_id: u64,
    broken: Option<String>,
}

impl std::fmt::Debug for ChildIo {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ChildIo")
            .field("pid", &self.child.id())
            .field("broken", &self.broken)
            .finish()
    }
}

impl ChildIo {
    /// Starts the child in its own process group (a terminal's Ctrl-C reaches only the harness,
    /// which then shuts the child down in order).
    pub(crate) fn spawn(cfg: &ProcessConfig) -> std::io::Result<ChildIo> {
        let mut child = Command::new(&cfg.command)
            .args(&cfg.args)
            .current_dir(&cfg.cwd)
            .envs(&cfg.env)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .process_group(0)
            .spawn()?;
        let stdout = child.stdout.take().expect("piped stdout");
        let stderr = child.stderr.take().expect("piped stderr");
        let stdin = child.stdin.take().map(|s| BufWriter::with_capacity(1 << 16, s));
        let (tx, rx) = sync_channel(QUEUE);
        std::thread::Builder::new()
            .name("child-stdout".into())
            .spawn(move || read_stdout(stdout, tx))?;
        let tail = Arc::new(Mutex::new(VecDeque::new()));
        let t = tail.clone();
        std::thread::Builder::new()
            .name("child-stderr".into())
            .spawn(move || read_stderr(stderr, t))?;
        Ok(ChildIo { child, stdin, rx, tail, next_id: 1, broken: None })
    }

    pub(crate) fn pid(&self) -> u32 {
        self.child.id()
    }

    /// The protocol broke earlier: the story.
    pub(crate) fn broken(&self) -> Option<&str> {
        self.broken.as_deref()
    }

    /// Writes a notification (no id, no reply), buffered.
    pub(crate) fn notify(
        &mut self,
        method: &str,
        params: &impl Serialize,
    ) -> Result<(), CallError> {
        if let Some(b) = &self.broken {
            return Err(CallError::Broken(b.clone()));
        }
        let line = Request { id: None, method, params };
        self.write_line(&line, method)
    }

    fn write_line(
        &mut self,
        req: &Request<'_, impl Serialize>,
        method: &str,
    ) -> Result<(), CallError> {
        let Some(stdin) = self.stdin.as_mut() else {
            return Err(self.break_with(format!("{method}: the child's stdin is already closed")));
        };
        let written = serde_json::to_writer(&mut *stdin, req)
            .map_err(std::io::Error::from)
            .and_then(|()| stdin.write_all(b"\n"));
        written.map_err(|e| {
            let why = self.gone(&format!("the harness wrote {method} ({e})"));
            self.break_with(why)
        })
    }

    /// Sends a request and waits up to `timeout` for its reply (its line number and result);
    /// `on_event` gets every event that comes before it (line number and envelope) and may
    /// refuse it (a protocol break).
    pub(crate) fn call(
        &mut self,
        method: &str,
        params: &impl Serialize,
        timeout: Duration,
        on_event: &mut dyn FnMut(u64, Envelope) -> Result<(), String>,
    ) -> Result<(u64, Box<serde_json::value::RawValue>), CallError> {
        if let Some(b) = &self.broken {
            return Err(CallError::Broken(b.clone()));
        }
        let id = self.next_id;
        self.next_id += 1;
        self.write_line(&Request { id: Some(id), method, params }, method)?;
        if let Err(e) = self.stdin.as_mut().expect("checked by write_line").flush() {
            let why = self.gone(&format!("the harness sent {} ({e})", what(method, id)));
            return Err(self.break_with(why));
        }
        #[allow(clippy::disallowed_methods)] // a real deadline for a real process
        let deadline = std::time::Instant::now() + timeout;
        loop {
            #[allow(clippy::disallowed_methods)]
            let left = deadline.saturating_duration_since(std::time::Instant::now());
            let incoming = match self.rx.recv_timeout(left) {
                Ok(m) => m,
                Err(RecvTimeoutError::Timeout) => {
                    let why = format!(
                        "no reply to {} within {}; the child was killed{}",
                        what(method, id),
                        human(timeout),
                        self.stderr_tail()
                    );
                    return Err(self.break_with(why));
                }
                Err(RecvTimeoutError::Disconnected) => Incoming::End,
            };
            match incoming {
                Incoming::End => {
                    let why = self
                        .gone(&format!("the harness waited for the reply to {}", what(method, id)));
                    return Err(self.break_with(why));
                }
                Incoming::Garbage(n, why, start) => {
                    let msg = format!(
                        "line {n} of the child's stdout is {why} (expected the reply to {} or an event): {start:?}",
                        what(method, id)
                    );
                    return Err(self.break_with(msg));
                }
                Incoming::Message(n, env) => match (env.id, env.event.is_some()) {
                    (None, true) => {
                        if let Err(e) = on_event(n, env) {
                            return Err(self.break_with(format!("line {n}: {e}")));
                        }
                    }
                    (Some(got), _) if got != id => {
                        let msg = format!(
                            "line {n}: expected the reply to {}, found a reply to request {got}",
                            what(method, id)
                        );
                        return Err(self.break_with(msg));
                    }
                    (Some(_), _) => return self.reply(n, method, id, env),
                    (None, false) => {
                        let msg = format!(
                            "line {n}: expected the reply to {} (with \"id\": {id}) or an event (with \"event\"), found neither",
                            what(method, id)
                        );
                        return Err(self.break_with(msg));
                    }
                },
            }
        }
    }

    fn reply(
        &mut self,
        n: u64,
        method: &str,
        id: u64,
        env: Envelope,
    ) -> Result<(u64, Box<serde_json::value::RawValue>), CallError> {
        match (env.result, env.error) {
            (Some(r), None) => Ok((n, r)),
            (None, Some(e)) => Err(CallError::Child(e)),
            _ => Err(self.break_with(format!(
                "line {n}: the reply to {} must hold exactly one of \"result\" and \"error\"",
                what(method, id)
            ))),
        }
    }

    /// Marks the protocol broken (first story wins), kills the child, returns the error.
    pub(crate) fn break_with(&mut self, why: String) -> CallError {
        if self.broken.is_none() {
            self.broken = Some(why);
        }
        self.kill();
        CallError::Broken(self.broken.clone().expect("just set"))
    }

    /// The child is gone or going: how it ended, while `doing`.
    fn gone(&mut self, doing: &str) -> String {
        let mut status = None;
        for _ in 0..100 {
            if let Ok(Some(s)) = self.child.try_wait() {
                status = Some(s);
                break;
            }
            std::thread::sleep(Duration::from_millis(10));
        }
        let how = match status {
            Some(s) => format!("the child exited ({s})"),
            None => "the child closed its stdout".to_string(),
        };
        format!("{how} while {doing}{}", self.stderr_tail())
    }

    fn stderr_tail(&self) -> String {
        let tail = self.tail.lock().expect("stderr tail poisoned");
        if tail.is_empty() {
            String::new()
        } else {
            format!(
                "; its last stderr lines: {}",
                tail.iter().cloned().collect::<Vec<_>>().join(" | ")
            )
        }
    }

    /// Closes stdin (the child must then exit), waits up to `grace`, then kills it.
    pub(crate) fn close(&mut self, grace: Duration) {
        if let Some(mut s) = self.stdin.take() {
            let _ = s.flush();
        }
        let step = Duration::from_millis(10);
        let mut waited = Duration::ZERO;
        while waited < grace {
            if let Ok(Some(_)) = self.child.try_wait() {
                return;
            }
            std::thread::sleep(step);
            waited += step;
        }
        self.kill();
    }

    fn kill(&mut self) {
        self.stdin.take();
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Drop for ChildIo {
    fn drop(&mut self) {
        if let Ok(None) = self.child.try_wait() {
            self.kill();
        }
    }
}

#[derive(Serialize)]
struct Request<'a, P: Serialize> {
    #[serde(skip_serializing_if = "Option::is_none")]
    id: Option<u64>,
    method: &'a str,
    params: &'a P,
}

fn read_stdout(stdout: impl std::io::Read, tx: SyncSender<Incoming>) {
    let mut reader = BufReader::with_capacity(1 << 16, stdout);
    let mut buf = Vec::new();
    let mut n = 0u64;
    loop {
        buf.clear();
        match reader.read_until(b'\n', &mut buf) {
            Ok(0) | Err(_) => break,
            Ok(_) => {}
        }
        n += 1;
        let line = buf.strip_suffix(b"\n").unwrap_or(&buf);
        let line = line.strip_suffix(b"\r").unwrap_or(line);
        let msg = match std::str::from_utf8(line) {
            Err(_) => {
                Incoming::Garbage(n, "not UTF-8".into(), quote(&String::from_utf8_lossy(line)))
            }
            Ok(text) => match serde_json::from_str::<Envelope>(text) {
                Ok(env) => Incoming::Message(n, env),
                Err(e) if text.trim_start().starts_with('{') => {
                    Incoming::Garbage(n, format!("not a valid message ({e})"), quote(text))
                }
                Err(_) => Incoming::Garbage(n, "not a JSON object".into(), quote(text)),
            },
        };
        if tx.send(msg).is_err() {
            return;
        }
    }
    let _ = tx.send(Incoming::End);
}

fn read_stderr(stderr: impl std::io::Read, tail: Arc<Mutex<VecDeque<String>>>) {
    for line in BufReader::new(stderr).lines() {
        let Ok(line) = line else { break };
        tracing::info!(target: "child", "child: {line}");
        let mut t = tail.lock().expect("stderr tail poisoned");
        if t.len() == TAIL {
            t.pop_front();
        }
        t.push_back(quote(&line));
    }
}

fn quote(s: &str) -> String {
    if s.chars().count() <= QUOTE {
        s.to_string()
    } else {
        format!("{}…", s.chars().take(QUOTE).collect::<String>())
    }
}

fn human(d: Duration) -> String {
    touchstone_core::time::format_duration(d.as_nanos() as u64)
}
