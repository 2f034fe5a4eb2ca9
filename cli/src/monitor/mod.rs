//! `touchstone monitor`: a live chain followed and checked as it runs, with no load of its own.
//!
//! A source ([`source`], or the Ethereum adapter's observe-only watch) hands trace lines to one
//! loop, which for each line
//! 1. appends it to the current segment of the run directory ([`segments`]: rotated, each with
//!    its manifest),
//! 2. pushes it into the checker ([`touchstone_check::LiveChecker`]), and
//! 3. updates the chain's vital signs ([`observe`]).
//!
//! Every 100 ms (a *tick*) the loop lets the checker judge what is certain, reports each new
//! finding at once (a line on the terminal, a record in `findings.jsonl`, and with
//! `--fail-fast` the exit code 1), and refreshes the metrics and the dashboard state that
//! [`http`] serves. A finding is therefore out within a tick of the line that proves it.
//!
//! SIGINT or SIGTERM (or the end of standard input) stops it cleanly: every line already read
//! is written and checked, the segment is closed with its manifest, the checker's final report
//! is written to `check.json`, and the exit code says whether anything was found (0 none,
//! 1 findings, 2 bad input, 3 the source failed).

pub mod http;
pub mod managed;
pub mod metrics;
pub mod observe;
pub mod segments;
pub mod source;
mod state;

use crate::exit::{Failure, FINDINGS, HARNESS, PASS};
use metrics::{Metrics, PropertyLabel};
use observe::Observed;
use segments::{Rotation, Segments};
use source::Msg;
use std::fs::File;
use std::io::Write;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{Receiver, RecvTimeoutError};
use std::sync::Arc;
use std::time::{Duration, Instant};
use touchstone_check::{CheckOptions, CheckReport, Finding, LiveChecker};

/// How often the loop judges, reports and refreshes.
pub const TICK: Duration = Duration::from_millis(100);

/// Where the trace comes from.
#[derive(Debug)]
pub enum SourceSpec {
    Stdin,
    File(PathBuf),
    Tcp(SocketAddr),
    Ethereum(Box<touchstone_ethereum::Config>),
    /// A network the monitor starts through an adapter and observes (no load).
    Managed(Box<managed::Managed>),
}

/// What to monitor and how.
#[derive(Debug)]
pub struct MonitorParams {
    pub source: SourceSpec,
    /// The run directory (created; must not hold anything yet).
    pub out: PathBuf,
    /// Where to serve `/metrics` and the dashboard (`None`: nowhere).
    pub listen: Option<SocketAddr>,
    pub fail_fast: bool,
    pub rotation: Rotation,
    /// Heights the checker keeps open below the highest decided one, for late events.
    pub window_heights: u64,
    /// The checker's tx horizon (`touchstone_check::Limits::tx_horizon_heights`).
    pub tx_horizon_heights: Option<u64>,
}

/// How the monitor ended.
#[derive(Debug)]
pub struct MonitorOutcome {
    pub exit: i32,
    pub why: String,
    pub lines: u64,
    pub findings: u64,
    pub segments: u64,
    pub report: Option<CheckReport>,
}

/// Runs the monitor until `stop`, the end of the source, or (with `--fail-fast`) a finding.
/// `announce` is told the addresses served, once they are bound.
pub fn run(
    p: &MonitorParams,
    stop: &AtomicBool,
    announce: &mut dyn FnMut(&str),
) -> Result<MonitorOutcome, Failure> {
    prepare_out(&p.out)?;
    let (m, registry) = Metrics::registered();
    // Valid JSON before the first tick.
    let shared = Arc::new(http::Shared { registry, state: "{}".to_string().into() });
    let mut server = match p.listen {
        Some(a) => {
            let s = http::serve(a, shared.clone())
                .map_err(|e| Failure::bad_input(format!("--listen {a}: {e}")))?;
            announce(&format!(
                "monitor: metrics at http://{0}/metrics, dashboard at http://{0}/",
                s.addr
            ));
            Some(s)
        }
        None => None,
    };
    let (tx, rx) = std::sync::mpsc::sync_channel::<Msg>(8192);
    let src_stop = Arc::new(AtomicBool::new(false));
    #[allow(clippy::disallowed_methods)] // the monitor times a live source by the wall clock
    let epoch = Instant::now();
    let mut first = Vec::new();
    let mut watch = None;
    let mut managed_run = None;
    match &p.source {
        SourceSpec::Stdin => source::stdin(tx),
        SourceSpec::File(f) => source::follow(f.clone(), tx, src_stop.clone())
            .map_err(|e| Failure::bad_input(format!("--trace {}: {e}", f.display())))?,
        SourceSpec::Tcp(a) => {
            let bound = source::tcp(*a, tx, src_stop.clone())
                .map_err(|e| Failure::bad_input(format!("--trace tcp://{a}: {e}")))?;
            announce(&format!("monitor: trace lines accepted on tcp://{bound}"));
        }
        SourceSpec::Ethereum(cfg) => {
            let (ltx, lrx) = std::sync::mpsc::sync_channel::<Vec<u8>>(8192);
            let w = touchstone_ethereum::watch::ChainWatch::start(cfg, epoch, ltx)
                .map_err(|e| Failure::harness(format!("ethereum: {e}")))?;
            if let Some(url) = w.anvil_url() {
                announce(&format!("monitor: managed anvil at {url}"));
            }
            first.push(format!("{}\n", w.run_start).into_bytes());
            std::thread::spawn(move || {
                for l in lrx {
                    if tx.send(Msg::Line(l)).is_err() {
                        return;
                    }
                }
            });
            watch = Some(w);
        }
        SourceSpec::Managed(m) => {
            let h = managed::start(m, tx, src_stop.clone())?;
            announce(&format!(
                "monitor: observing a {} network started from {} (seed {}, {})",
                m.adapter,
                m.scenario.name,
                m.seed,
                if m.with_load { "with its load and faults" } else { "no load" }
            ));
            managed_run = Some(h);
        }
    }
    let opts = CheckOptions {
        skip_bad_lines: true,
        limits: touchstone_check::Limits {
            window_heights: p.window_heights,
            tx_horizon_heights: p.tx_horizon_heights,
            ..Default::default()
        },
        ..Default::default()
    };
    let mut lp = Loop::new(p, &opts, m, shared, epoch)?;
    for l in first {
        lp.line(&l)?;
    }
    let result = lp.run(&rx, stop);
    src_stop.store(true, Ordering::SeqCst);
    if let Some(w) = &mut watch {
        w.stop();
    }
    // A managed network ends its run (snapshots, `run.end`) once stopped: its lines are read
    // while it does, so that its channel never fills.
    if let Some(h) = managed_run {
        while !h.is_finished() {
            match rx.recv_timeout(Duration::from_millis(20)) {
                Ok(Msg::Line(l)) if !lp.stopped_by_finding => lp.line(&l)?,
                _ => {}
            }
        }
        let _ = h.join();
    }
    // Nothing lost: what the sources had already handed over is written and checked.
    while let Ok(Msg::Line(l)) = rx.try_recv() {
        if lp.stopped_by_finding {
            break;
        }
        lp.line(&l)?;
    }
    // The watch is this trace's producer: it ends it (a trace from elsewhere ends as its
    // producer says, or is reported truncated).
    if watch.is_some() {
        let t = epoch.elapsed().as_nanos() as u64;
        let reason =
            if lp.stopped_by_finding { "monitor stopped at a finding" } else { "monitor stopped" };
        let end = serde_json::json!({"kind": "run.end", "t_ns": t, "reason": reason});
        lp.line(format!("{end}\n").as_bytes())?;
    }
    let out = lp.finish(result);
    if let Some(s) = &mut server {
        s.stop();
    }
    out
}

/// The run directory must be new or empty: a monitor never mixes its segments with another's.
fn prepare_out(out: &std::path::Path) -> Result<(), Failure> {
    if out.exists() && std::fs::read_dir(out).map(|mut d| d.next().is_some()).unwrap_or(true) {
        return Err(Failure::bad_input(format!(
            "{}: already holds files; give another --out",
            out.display()
        )));
    }
    std::fs::create_dir_all(out).map_err(|e| Failure::harness(format!("{}: {e}", out.display())))
}

/// Why the loop ended.
#[derive(Debug)]
enum End {
    Stopped,
    SourceEnded(String),
    SourceFailed(String),
    Finding,
    Fatal(Failure),
}

/// The monitor's loop state.
struct Loop<'o> {
    checker: LiveChecker<'o>,
    segments: Segments,
    observed: Observed,
    m: Metrics,
    shared: Arc<http::Shared>,
    findings_file: File,
    state: state::DashState,
    fail_fast: bool,
    stopped_by_finding: bool,
    seen_run_start: bool,
    findings: u64,
    epoch: Instant,
    /// The highest `t_ns` passed on so far.
    last_t: u64,
    /// The source stamps lines with the monitor's own clock (the Ethereum watch), so the
    /// checker may be told the time while no line comes.
    shares_clock: bool,
    /// Progress findings reported before the end (by node and height), each once.
    overdue_seen: std::collections::BTreeSet<(Vec<String>, Option<u64>)>,
}

impl<'o> Loop<'o> {
    fn new(
        p: &MonitorParams,
        opts: &'o CheckOptions,
        m: Metrics,
        shared: Arc<http::Shared>,
        epoch: Instant,
    ) -> Result<Loop<'o>, Failure> {
        let fpath = p.out.join("findings.jsonl");
        let findings_file = File::create(&fpath)
            .map_err(|e| Failure::harness(format!("{}: {e}", fpath.display())))?;
        Ok(Loop {
            checker: LiveChecker::new("monitor", opts),
            segments: Segments::new(&p.out, p.rotation),
            observed: Observed::new(epoch),
            m,
            shared,
            findings_file,
            state: state::DashState::new(&p.source),
            fail_fast: p.fail_fast,
            stopped_by_finding: false,
            seen_run_start: false,
            findings: 0,
            epoch,
            last_t: 0,
            shares_clock: matches!(p.source, SourceSpec::Ethereum(_)),
            overdue_seen: Default::default(),
        })
    }

    #[allow(clippy::disallowed_methods)] // a live source is timed by the wall clock
    fn now() -> Instant {
        Instant::now()
    }

    fn run(&mut self, rx: &Receiver<Msg>, stop: &AtomicBool) -> End {
        let mut next_tick = Self::now() + TICK;
        loop {
            if stop.load(Ordering::SeqCst) {
                return End::Stopped;
            }
            let wait = next_tick.saturating_duration_since(Self::now());
            match rx.recv_timeout(wait) {
                Ok(Msg::Line(l)) => {
                    if let Err(f) = self.line(&l) {
                        return End::Fatal(f);
                    }
                }
                Ok(Msg::End(why)) => return End::SourceEnded(why),
                Ok(Msg::Failed(why)) => return End::SourceFailed(why),
                Err(RecvTimeoutError::Timeout) => {}
                Err(RecvTimeoutError::Disconnected) => {
                    return End::SourceEnded("the source closed".into())
                }
            }
            let now = Self::now();
            if now >= next_tick {
                next_tick = now + TICK;
                if let Err(f) = self.tick(now) {
                    return End::Fatal(f);
                }
                if self.stopped_by_finding {
                    return End::Finding;
                }
            }
        }
    }

    /// One line: written, checked, observed. A second `run.start` (another node connecting to
    /// the socket) is dropped: the stream has one.
    fn line(&mut self, l: &[u8]) -> Result<(), Failure> {
        if memchr::memmem::find(l, b"\"run.start\"").is_some() && is_run_start(l) {
            if self.seen_run_start {
                return Ok(());
            }
            self.seen_run_start = true;
            self.segments.set_run_start(l);
        }
        let restamped = self.in_order(l);
        let l = restamped.as_deref().unwrap_or(l);
        self.segments.write(l)?;
        self.checker
            .push_line(l)
            .map_err(|e| Failure { code: e.exit_code(), message: e.to_string() })?;
        self.observed.line(l, Self::now(), &self.m);
        self.m.lines.inc();
        Ok(())
    }

    /// The monitor is the stream's collector, and a collector's `t_ns` never goes backwards
    /// (trace format: lines in the order appended). Lines interleaved from several connections
    /// or watch threads can arrive behind the last time: such a line keeps its place, takes the
    /// last time, and keeps its own as `t_ns_source` (the restamped line, else `None`).
    fn in_order(&mut self, l: &[u8]) -> Option<Vec<u8>> {
        let t = t_ns_of(l)?;
        if t >= self.last_t {
            self.last_t = t;
            return None;
        }
        let mut v: serde_json::Value = serde_json::from_slice(l).ok()?;
        let o = v.as_object_mut()?;
        // The scan took the first `"t_ns"`; the parsed line has the top-level one.
        let t = o.get("t_ns")?.as_u64()?;
        if t >= self.last_t {
            self.last_t = t;
            return None;
        }
        o.insert("t_ns".into(), self.last_t.into());
        o.insert("t_ns_source".into(), t.into());
        self.m.restamped.inc();
        let mut out = serde_json::to_vec(&v).ok()?;
        if l.last() == Some(&b'\n') {
            out.push(b'\n');
        }
        Some(out)
    }

    fn tick(&mut self, now: Instant) -> Result<(), Failure> {
        self.checker.release();
        let mut new = self.checker.take_findings();
        // Progress is judged at the end, but a gap over the bound is certain before.
        let now_ns = self.shares_clock.then(|| self.epoch.elapsed().as_nanos() as u64);
        for f in self.checker.progress_overdue(now_ns) {
            if self.overdue_seen.insert((f.nodes.clone(), f.height)) {
                new.push(f);
            }
        }
        for f in &new {
            self.report(f)?;
        }
        if self.fail_fast && !new.is_empty() {
            self.stopped_by_finding = true;
        }
        self.refresh(now);
        self.segments.tick(now)?;
        Ok(())
    }

    /// A finding, the moment it is certain: terminal, `findings.jsonl`, metrics, dashboard.
    fn report(&mut self, f: &Finding) -> Result<(), Failure> {
        self.findings += 1;
        let at = self.epoch.elapsed().as_secs_f64();
        let mut rec = serde_json::to_value(f).unwrap_or_default();
        if let Some(o) = rec.as_object_mut() {
            o.insert("monitor_s".into(), serde_json::json!(at));
            o.insert("trace_line".into(), serde_json::json!(self.checker.lines()));
        }
        let line = format!("{rec}\n");
        self.findings_file
            .write_all(line.as_bytes())
            .and_then(|()| self.findings_file.flush())
            .map_err(|e| Failure::harness(format!("findings.jsonl: {e}")))?;
        let nodes = if f.nodes.is_empty() { "-".to_string() } else { f.nodes.join(",") };
        let h = f.height.map_or("-".to_string(), |h| h.to_string());
        outln!("FINDING {} height {h} nodes {nodes}: {}", f.property, f.message);
        self.state.finding(rec);
        Ok(())
    }

    fn refresh(&mut self, now: Instant) {
        self.observed.tick(now, &self.m);
        for (p, mut n) in self.checker.finding_counts() {
            if p == touchstone_check::Property::Progress {
                n = n.max(self.overdue_seen.len() as u64);
            }
            let c = self.m.findings.get_or_create(&PropertyLabel { property: p.id().into() });
            let have = c.get();
            if n > have {
                c.inc_by(n - have);
            }
        }
        let status = self.checker.status();
        for (p, s) in &status {
            self.m
                .property_status
                .get_or_create(&PropertyLabel { property: p.id().into() })
                .set(s.gauge());
        }
        self.m.open_heights.set(self.checker.open_heights() as i64);
        self.m.tx_ids.set(self.checker.tx_ids_held() as i64);
        let rss = metrics::resident_bytes();
        self.m.resident_memory.set(rss as i64);
        let json =
            self.state.render(&self.observed, &status, self.checker.lines(), rss, self.epoch);
        *self.shared.state.lock().unwrap_or_else(|e| e.into_inner()) = json;
    }

    fn finish(mut self, end: End) -> Result<MonitorOutcome, Failure> {
        let now = Self::now();
        let mut failure = None;
        let (mut exit, why) = match end {
            End::Stopped => (PASS, "stopped by a signal".to_string()),
            End::SourceEnded(w) => (PASS, w),
            End::Finding => (FINDINGS, "stopped at the first finding (--fail-fast)".into()),
            End::SourceFailed(w) => (HARNESS, format!("the source failed: {w}")),
            End::Fatal(f) => {
                let w = f.message.clone();
                failure = Some(f);
                (HARNESS, w)
            }
        };
        if !self.stopped_by_finding {
            self.tick(now)?;
        }
        self.segments.close()?;
        let lines = self.checker.lines();
        let report = match self.checker.finish() {
            Ok(r) => Some(r),
            Err(e) if lines == 0 => {
                let _ = e;
                None
            }
            Err(e) => return Err(Failure { code: e.exit_code(), message: e.to_string() }),
        };
        let root = self.segments.dir_of(1);
        if let (Some(r), Some(root)) = (&report, root.parent().and_then(|p| p.parent())) {
            let json = serde_json::to_vec_pretty(r).unwrap_or_default();
            std::fs::write(root.join("check.json"), json)
                .map_err(|e| Failure::harness(format!("check.json: {e}")))?;
        }
        if let Some(f) = failure {
            return Err(f);
        }
        if exit == PASS && self.findings > 0 {
            exit = FINDINGS;
        }
        Ok(MonitorOutcome {
            exit,
            why,
            lines,
            findings: self.findings,
            segments: self.segments.closed(),
            report,
        })
    }
}

/// The line's top-level `t_ns`, read without parsing the line (`None` when there is none
/// the checker would accept: the checker then reports the line).
fn t_ns_of(l: &[u8]) -> Option<u64> {
    let at = memchr::memmem::find(l, b"\"t_ns\"")? + 6;
    let rest = &l[at..];
    let rest = &rest[rest.iter().position(|b| !b.is_ascii_whitespace())?..];
    let rest = rest.strip_prefix(b":")?;
    let rest = &rest[rest.iter().position(|b| !b.is_ascii_whitespace())?..];
    let end = rest.iter().position(|b| !b.is_ascii_digit()).unwrap_or(rest.len());
    std::str::from_utf8(&rest[..end]).ok()?.parse().ok()
}

fn is_run_start(l: &[u8]) -> bool {
    serde_json::from_slice::<serde_json::Value>(l)
        .ok()
        .is_some_and(|v| v.get("kind").and_then(serde_json::Value::as_str) == Some("run.start"))
}
