//! `touchstone monitor` end to end on live trace sources: standard input, a socket nodes push
//! lines to, a followed file across rotation; findings the moment they are certain; segments
//! that verify; clean stops on a signal; metrics and the dashboard's state over HTTP.

use super::support::*;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::path::Path;
use std::process::{Child, Stdio};
use std::sync::mpsc::{Receiver, RecvTimeoutError};
use std::time::{Duration, Instant};

pub const START: &str = r#"{"kind":"run.start","t_ns":0,"protocol":"tendermint","validators":[{"id":"n0","power":1},{"id":"n1","power":1},{"id":"n2","power":1},{"id":"n3","power":1}],"seed":7,"scenario":"live"}"#;

/// Every node deciding `block` at height `h`.
pub fn height(h: u64, block: &str) -> String {
    (0..4).map(|n| decide(h * 10 + n, &format!("n{n}"), h, block)).collect()
}

pub fn decide(t: u64, node: &str, h: u64, block: &str) -> String {
    format!(
        "{{\"kind\":\"cons.decide\",\"t_ns\":{t},\"node\":\"{node}\",\"height\":{h},\"round\":0,\"block\":\"{block}\",\"cert\":{{\"signers\":[\"n0\",\"n1\",\"n2\"]}}}}\n"
    )
}

/// Lines of a child's stream, as they come, on a channel.
pub fn lines_of(r: impl Read + Send + 'static) -> Receiver<String> {
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        for l in BufReader::new(r).lines() {
            let Ok(l) = l else { return };
            if tx.send(l).is_err() {
                return;
            }
        }
    });
    rx
}

/// The first line of `rx` containing `what`, within `limit`.
pub fn expect_line(rx: &Receiver<String>, what: &str, limit: Duration) -> String {
    let deadline = now() + limit;
    loop {
        let left = deadline.saturating_duration_since(now());
        match rx.recv_timeout(left) {
            Ok(l) if l.contains(what) => return l,
            Ok(_) => {}
            Err(RecvTimeoutError::Timeout) => panic!("no line with {what:?} within {limit:?}"),
            Err(RecvTimeoutError::Disconnected) => {
                panic!("the stream closed before a line with {what:?}")
            }
        }
    }
}

#[allow(clippy::disallowed_methods)] // timing a live process, not simulation
pub fn now() -> Instant {
    Instant::now()
}

/// `host:port` from a line `… http://host:port/…` or `… tcp://host:port`.
pub fn addr_in(line: &str, scheme: &str) -> String {
    let rest = &line[line.find(scheme).expect("scheme") + scheme.len()..];
    rest.split(['/', ',', ' ']).next().unwrap().to_string()
}

/// A started monitor: the process, its stdout and stderr lines, its HTTP address.
pub struct Monitor {
    pub child: Child,
    pub out: Receiver<String>,
    pub err: Receiver<String>,
    pub http: String,
    /// Kills the process when the test ends, also when it fails before waiting for it.
    pub _guard: KillOnDrop,
}

/// Sends SIGKILL to a process when dropped (nothing if it already exited).
pub struct KillOnDrop(pub u32);

impl Drop for KillOnDrop {
    fn drop(&mut self) {
        let pid = self.0.to_string();
        let _ =
            std::process::Command::new("kill").args(["-KILL", &pid]).stderr(Stdio::null()).status();
    }
}

pub fn start_monitor(cwd: &Path, args: &[&str], stdin: Stdio) -> Monitor {
    let mut all = vec!["monitor", "--listen", "127.0.0.1:0"];
    all.extend_from_slice(args);
    let mut child = touchstone(cwd, &all)
        .stdin(stdin)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("monitor starts");
    let guard = KillOnDrop(child.id());
    let out = lines_of(child.stdout.take().unwrap());
    let err = lines_of(child.stderr.take().unwrap());
    let l = expect_line(&err, "metrics at http://", Duration::from_secs(30));
    let http = addr_in(&l, "http://");
    Monitor { child, out, err, http, _guard: guard }
}

/// `GET path` over HTTP/1.0: the body.
pub fn http_get(addr: &str, path: &str) -> String {
    let mut s = TcpStream::connect(addr).expect("monitor answers");
    s.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
    write!(s, "GET {path} HTTP/1.0\r\nHost: {addr}\r\n\r\n").unwrap();
    let mut r = String::new();
    s.read_to_string(&mut r).unwrap();
    r.split_once("\r\n\r\n").map(|x| x.1.to_string()).unwrap_or_default()
}

/// Waits until `node`'s finalized height in `/metrics` reaches `at_least`, within `limit`.
pub fn wait_for_height(addr: &str, node: &str, at_least: u64, limit: Duration) {
    let deadline = now() + limit;
    let series = format!("touchstone_node_finalized_height{{node=\"{node}\"}}");
    loop {
        let metrics = http_get(addr, "/metrics");
        let h = metrics
            .lines()
            .find(|l| l.starts_with(&series))
            .and_then(|l| l.rsplit(' ').next()?.parse::<u64>().ok());
        if h.is_some_and(|h| h >= at_least) {
            return;
        }
        assert!(now() < deadline, "{node} never reached height {at_least}: {metrics}");
        std::thread::sleep(Duration::from_millis(200));
    }
}

/// The dashboard state's `lines` once it reaches `n` (within 20 s).
fn wait_for_lines(addr: &str, n: u64) -> serde_json::Value {
    let deadline = now() + Duration::from_secs(20);
    loop {
        let body = http_get(addr, "/api/state");
        let v: serde_json::Value = serde_json::from_str(&body).unwrap_or_default();
        if v["lines"].as_u64().unwrap_or(0) >= n {
            return v;
        }
        assert!(now() < deadline, "the monitor read {} of {n} lines", v["lines"]);
        std::thread::sleep(Duration::from_millis(50));
    }
}

fn verify_segment(cwd: &Path, dir: &Path) {
    let o = ts(cwd, &["verify", dir.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
}

#[test]
fn stdin_is_checked_to_its_end_into_a_segment_that_verifies() {
    let t = tempfile::tempdir().unwrap();
    let out = t.path().join("mon");
    let mut trace = format!("{START}\n");
    for h in 1..=5 {
        trace.push_str(&height(h, &format!("B{h}")));
    }
    trace.push_str("{\"kind\":\"run.end\",\"t_ns\":100}\n");
    let mut m = start_monitor(t.path(), &["--trace", "-", "--out", "mon"], Stdio::piped());
    m.child.stdin.take().unwrap().write_all(trace.as_bytes()).unwrap();
    let o = wait_limited(m.child, Duration::from_secs(30), "monitor --trace -");
    assert_eq!(o.status.code(), Some(0), "{}", String::from_utf8_lossy(&o.stdout));
    let seg = out.join("segments/000001");
    assert_eq!(std::fs::read_to_string(seg.join("trace.jsonl")).unwrap(), trace);
    verify_segment(t.path(), &seg);
    let report: serde_json::Value =
        serde_json::from_slice(&std::fs::read(out.join("check.json")).unwrap()).unwrap();
    assert_eq!(report["status"], "passed");
    assert_eq!(std::fs::read_to_string(out.join("findings.jsonl")).unwrap(), "");
}

#[test]
fn a_stall_past_the_progress_bound_is_reported_before_the_stream_ends_and_once() {
    let t = tempfile::tempdir().unwrap();
    // A 100 ms timeout: the progress bound is 1 s.
    let start = START.replace("\"seed\":7", "\"timeout_ns\":100000000,\"seed\":7");
    let mut trace = format!("{start}\n{}", height(1, "B1"));
    // Height 2 proposed for 2 s of trace time and never decided.
    for k in 0..=20u64 {
        trace.push_str(&format!(
            "{{\"kind\":\"cons.propose\",\"t_ns\":{},\"node\":\"n1\",\"height\":2,\"round\":0,\"block\":\"B2\"}}\n",
            100 + k * 100_000_000
        ));
    }
    let mut m = start_monitor(t.path(), &["--trace", "-", "--out", "mon"], Stdio::piped());
    let mut stdin = m.child.stdin.take().unwrap();
    stdin.write_all(trace.as_bytes()).unwrap();
    // The stream is still open: the finding cannot come from its end.
    let f = expect_line(&m.out, "FINDING progress", Duration::from_secs(10));
    assert!(f.contains("height 2") && f.contains("no height above 1"), "{f}");
    drop(stdin);
    let o = wait_limited(m.child, Duration::from_secs(30), "monitor --trace -");
    assert_eq!(o.status.code(), Some(1), "{}", text(&o));
    let rec = std::fs::read_to_string(t.path().join("mon/findings.jsonl")).unwrap();
    assert_eq!(rec.lines().filter(|l| l.contains("\"progress\"")).count(), 1, "{rec}");
    let report: serde_json::Value =
        serde_json::from_slice(&std::fs::read(t.path().join("mon/check.json")).unwrap()).unwrap();
    let p = report["properties"].as_array().unwrap().iter().find(|p| p["id"] == "progress");
    assert_eq!(p.unwrap()["verdict"], "fail", "{report}");
}

#[test]
fn a_fork_pushed_to_the_socket_is_reported_within_a_second_and_fail_fast_exits_1() {
    let t = tempfile::tempdir().unwrap();
    let args = ["--trace", "tcp://127.0.0.1:0", "--out", "mon", "--fail-fast"];
    let m = start_monitor(t.path(), &args, Stdio::null());
    let l = expect_line(&m.err, "tcp://", Duration::from_secs(10));
    let mut node = TcpStream::connect(addr_in(&l, "tcp://")).unwrap();
    let mut clean = format!("{START}\n");
    for h in 1..=3 {
        clean.push_str(&height(h, &format!("B{h}")));
    }
    node.write_all(clean.as_bytes()).unwrap();
    wait_for_lines(&m.http, 13);
    node.write_all(decide(40, "n0", 4, "B4").as_bytes()).unwrap();
    let sent = now();
    node.write_all(decide(41, "n1", 4, "X4").as_bytes()).unwrap();
    let f = expect_line(&m.out, "FINDING agreement", Duration::from_secs(5));
    let took = now().duration_since(sent);
    assert!(took < Duration::from_secs(1), "the fork was reported after {took:?}");
    assert!(f.contains("height 4") && f.contains("n0,n1"), "{f}");
    let o = wait_limited(m.child, Duration::from_secs(20), "monitor --fail-fast");
    assert_eq!(o.status.code(), Some(1));
    let rec = std::fs::read_to_string(t.path().join("mon/findings.jsonl")).unwrap();
    let rec: serde_json::Value = serde_json::from_str(rec.lines().next().unwrap()).unwrap();
    assert_eq!((rec["property"].as_str(), rec["height"].as_u64()), (Some("agreement"), Some(4)));
    verify_segment(t.path(), &t.path().join("mon/segments/000001"));
}

#[test]
fn lines_of_two_connections_whose_clocks_disagree_are_kept_in_place_with_time_that_never_goes_back()
{
    let t = tempfile::tempdir().unwrap();
    let m =
        start_monitor(t.path(), &["--trace", "tcp://127.0.0.1:0", "--out", "mon"], Stdio::null());
    let l = expect_line(&m.err, "tcp://", Duration::from_secs(10));
    let (mut a, mut b) = (
        TcpStream::connect(addr_in(&l, "tcp://")).unwrap(),
        TcpStream::connect(addr_in(&l, "tcp://")).unwrap(),
    );
    // Node a's clock is ahead of node b's; each connection's own lines are in order.
    a.write_all(format!("{START}\n").as_bytes()).unwrap();
    wait_for_lines(&m.http, 1);
    for h in 1..=3 {
        a.write_all(
            (decide(5000 + h * 10, "n0", h, &format!("B{h}"))
                + &decide(5001 + h * 10, "n1", h, &format!("B{h}")))
                .as_bytes(),
        )
        .unwrap();
        wait_for_lines(&m.http, 1 + 4 * h - 2);
        b.write_all(
            (decide(h * 10, "n2", h, &format!("B{h}"))
                + &decide(h * 10 + 1, "n3", h, &format!("B{h}")))
                .as_bytes(),
        )
        .unwrap();
        wait_for_lines(&m.http, 1 + 4 * h);
    }
    let metrics = http_get(&m.http, "/metrics");
    assert!(metrics.contains("touchstone_trace_lines_restamped_total 6"), "{metrics}");
    signal(m.child.id(), "TERM");
    let o = wait_limited(m.child, Duration::from_secs(20), "monitor on SIGTERM");
    assert_eq!(o.status.code(), Some(0), "clocks that disagree are no finding: {}", text(&o));
    let seg = t.path().join("mon/segments/000001");
    let written = std::fs::read_to_string(seg.join("trace.jsonl")).unwrap();
    let lines: Vec<serde_json::Value> =
        written.lines().map(|l| serde_json::from_str(l).unwrap()).collect();
    assert_eq!(lines.len(), 13, "no line dropped: {written}");
    let times: Vec<u64> = lines.iter().map(|v| v["t_ns"].as_u64().unwrap()).collect();
    assert!(times.windows(2).all(|w| w[0] <= w[1]), "{times:?}");
    let n2 = lines.iter().find(|v| v["node"] == "n2" && v["height"] == 1).unwrap();
    assert_eq!((n2["t_ns"].as_u64(), n2["t_ns_source"].as_u64()), (Some(5011), Some(10)), "{n2}");
    verify_segment(t.path(), &seg);
}

#[test]
fn a_simulated_run_watched_live_with_its_load_is_checked_and_ends_with_its_run() {
    let t = tempfile::tempdir().unwrap();
    std::fs::write(t.path().join("small.toml"), SMALL).unwrap();
    let args = ["--adapter", "sim", "--scenario", "small.toml", "--with-load", "--out", "mon"];
    let m = start_monitor(t.path(), &args, Stdio::null());
    let started = now();
    let l = expect_line(&m.err, "observing a sim network", Duration::from_secs(10));
    assert!(l.contains("seed 1") && l.contains("with its load"), "{l}");
    let o = wait_limited(m.child, Duration::from_secs(60), "monitor --adapter sim");
    // Paced by the wall clock: the 2 s of load take 2 s.
    assert!(now().duration_since(started) >= Duration::from_secs(2));
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    let seg = t.path().join("mon/segments/000001");
    let trace = std::fs::read_to_string(seg.join("trace.jsonl")).unwrap();
    assert!(trace.lines().filter(|l| l.contains("\"tx.submit\"")).count() > 50, "the load");
    assert!(trace.lines().last().unwrap().contains("\"run.end\""));
    verify_segment(t.path(), &seg);
    let report: serde_json::Value =
        serde_json::from_slice(&std::fs::read(t.path().join("mon/check.json")).unwrap()).unwrap();
    assert_eq!(report["status"], "passed", "{report}");
    let p = report["properties"].as_array().unwrap().iter().find(|p| p["id"] == "no_double_spend");
    assert_eq!(p.unwrap()["verdict"], "pass");
}

#[test]
fn an_adapter_other_than_ethereum_needs_the_network_to_start() {
    let t = tempfile::tempdir().unwrap();
    let o = ts(t.path(), &["monitor", "--adapter", "sim", "--listen", "127.0.0.1:0"]);
    assert_eq!(o.status.code(), Some(2), "{}", text(&o));
    assert!(text(&o).contains("--scenario FILE"), "{}", text(&o));
}

#[test]
fn a_followed_file_is_read_across_rotation_and_sigterm_loses_no_line() {
    let t = tempfile::tempdir().unwrap();
    let f = t.path().join("node.jsonl");
    std::fs::write(&f, format!("{START}\n{}", height(1, "B1"))).unwrap();
    let m = start_monitor(t.path(), &["--trace", "node.jsonl", "--out", "mon"], Stdio::null());
    wait_for_lines(&m.http, 5);
    // Appended in two writes, the second completing a half-written line.
    let h2 = height(2, "B2");
    let (a, b) = h2.split_at(30);
    let mut w = std::fs::OpenOptions::new().append(true).open(&f).unwrap();
    w.write_all(a.as_bytes()).unwrap();
    w.flush().unwrap();
    std::thread::sleep(Duration::from_millis(200));
    w.write_all(b.as_bytes()).unwrap();
    drop(w);
    wait_for_lines(&m.http, 9);
    // Rotated: renamed away, a new file at the path.
    std::fs::rename(&f, t.path().join("node.jsonl.1")).unwrap();
    std::fs::write(&f, height(3, "B3")).unwrap();
    let state = wait_for_lines(&m.http, 13);
    assert_eq!(state["nodes"][0]["height"], 3, "{state}");
    let metrics = http_get(&m.http, "/metrics");
    assert!(metrics.contains("touchstone_node_finalized_height{node=\"n2\"} 3"), "{metrics}");
    assert!(metrics.contains("touchstone_property_status{property=\"agreement\"} 1"));
    assert!(metrics.contains("touchstone_findings_total{property=\"agreement\"} 0"));
    signal(m.child.id(), "TERM");
    let o = wait_limited(m.child, Duration::from_secs(20), "monitor on SIGTERM");
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    let seg = t.path().join("mon/segments/000001");
    let written = std::fs::read_to_string(seg.join("trace.jsonl")).unwrap();
    assert_eq!(written.lines().count(), 13);
    verify_segment(t.path(), &seg);
}

#[test]
fn segments_rotate_by_lines_each_opening_with_run_start_and_each_verifying() {
    let t = tempfile::tempdir().unwrap();
    let mut trace = format!("{START}\n");
    for h in 1..=6 {
        trace.push_str(&height(h, &format!("B{h}")));
    }
    let args = ["--trace", "-", "--out", "mon", "--segment-lines", "10"];
    let mut m = start_monitor(t.path(), &args, Stdio::piped());
    let mut stdin = m.child.stdin.take().unwrap();
    // Line by line, slower than a tick now and then, so rotation happens mid-stream.
    for (i, l) in trace.lines().enumerate() {
        writeln!(stdin, "{l}").unwrap();
        if i % 8 == 0 {
            std::thread::sleep(Duration::from_millis(150));
        }
    }
    drop(stdin);
    let o = wait_limited(m.child, Duration::from_secs(30), "monitor rotating");
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    let segs: Vec<_> = (1..)
        .map(|n| t.path().join(format!("mon/segments/{n:06}")))
        .take_while(|p| p.is_dir())
        .collect();
    assert!(segs.len() >= 2, "{} segments", segs.len());
    let mut decides = 0;
    for s in &segs {
        verify_segment(t.path(), s);
        let body = std::fs::read_to_string(s.join("trace.jsonl")).unwrap();
        assert_eq!(body.lines().next(), Some(START), "{}", s.display());
        decides += body.lines().filter(|l| l.contains("cons.decide")).count();
    }
    assert_eq!(decides, 24, "every decision is in exactly one segment");
}

#[test]
fn a_non_loopback_address_is_refused_without_allow_remote() {
    let t = tempfile::tempdir().unwrap();
    let o = ts(t.path(), &["monitor", "--trace", "-", "--listen", "0.0.0.0:0"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(text(&o).contains("--allow-remote"), "{}", text(&o));
    let o = ts(t.path(), &["monitor", "--trace", "tcp://0.0.0.0:0", "--listen", "127.0.0.1:0"]);
    assert_eq!(o.status.code(), Some(2));
}

/// Every `touchstone_…` name in a text.
fn metric_names(text: &str) -> std::collections::BTreeSet<String> {
    let mut out = std::collections::BTreeSet::new();
    let mut rest = text;
    while let Some(i) = rest.find("touchstone_") {
        let tail = &rest[i..];
        let end =
            tail.find(|c: char| !(c.is_ascii_alphanumeric() || c == '_')).unwrap_or(tail.len());
        out.insert(tail[..end].to_string());
        rest = &tail[end..];
    }
    out
}

#[test]
fn the_shipped_alert_rules_and_grafana_dashboard_name_only_metrics_the_monitor_serves() {
    let t = tempfile::tempdir().unwrap();
    let mut m = start_monitor(t.path(), &["--trace", "-", "--out", "mon"], Stdio::piped());
    let mut stdin = m.child.stdin.take().unwrap();
    writeln!(stdin, "{START}").unwrap();
    stdin.write_all(height(1, "B1").as_bytes()).unwrap();
    wait_for_lines(&m.http, 5);
    let served = http_get(&m.http, "/metrics");
    let served: std::collections::BTreeSet<String> = served
        .lines()
        .filter(|l| !l.starts_with('#'))
        .filter_map(|l| l.split(['{', ' ']).next())
        .map(str::to_string)
        .collect();
    let docs = Path::new(env!("CARGO_MANIFEST_DIR")).join("../docs/monitoring");
    for f in ["alerts.yml", "grafana-dashboard.json"] {
        let text = std::fs::read_to_string(docs.join(f)).unwrap();
        let names = metric_names(&text);
        assert!(names.len() >= 4, "{f} uses the monitor's metrics");
        for n in names {
            assert!(served.contains(&n), "{f} names {n}, which the monitor does not serve");
        }
    }
    let dash: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(docs.join("grafana-dashboard.json")).unwrap(),
    )
    .unwrap();
    assert!(dash["panels"].as_array().is_some_and(|p| p.len() >= 6));
    drop(stdin);
    let o = wait_limited(m.child, Duration::from_secs(30), "monitor");
    assert_eq!(o.status.code(), Some(0));
}
