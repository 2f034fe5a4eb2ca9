//! `touchstone monitor` with the real consumers: Debian's Prometheus scraping `/metrics`, and
//! headless Chromium loading the dashboard. Both run on 127.0.0.1 and are started and stopped
//! by the tests (scripts/install-prometheus.sh installs Prometheus; CI installs chromium).

use super::monitor::*;
use super::support::*;
use std::io::Write;
use std::net::TcpStream;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

/// A child process killed when the test ends, passing or not.
struct Owned(Child);

impl Drop for Owned {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

fn percent_encode(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'_' | b'-' | b'.' => (b as char).to_string(),
            _ => format!("%{b:02X}"),
        })
        .collect()
}

/// The value of an instant query's single series, if there is one.
fn query(prom: &str, q: &str) -> Option<f64> {
    let body = http_get(prom, &format!("/api/v1/query?query={}", percent_encode(q)));
    let v: serde_json::Value = serde_json::from_str(&body).ok()?;
    let r = v["data"]["result"].as_array()?.first()?.clone();
    r["value"][1].as_str()?.parse().ok()
}

/// A monitor fed by the socket, and the connection of a "node" pushing lines to it.
fn monitor_with_node(cwd: &std::path::Path) -> (Monitor, TcpStream) {
    let m = start_monitor(cwd, &["--trace", "tcp://127.0.0.1:0", "--out", "mon"], Stdio::null());
    let l = expect_line(&m.err, "tcp://", Duration::from_secs(10));
    let mut node = TcpStream::connect(addr_in(&l, "tcp://")).unwrap();
    writeln!(node, "{START}").unwrap();
    (m, node)
}

fn start_prometheus(dir: &std::path::Path, target: &str) -> (Owned, String) {
    if !Command::new("prometheus").arg("--version").output().is_ok_and(|o| o.status.success()) {
        panic!("Prometheus is required for this test: run scripts/install-prometheus.sh (apt-get install prometheus)");
    }
    let cfg = dir.join("prometheus.yml");
    std::fs::write(
        &cfg,
        format!(
            "global:\n  scrape_interval: 1s\n  evaluation_interval: 1s\nscrape_configs:\n  - job_name: touchstone\n    static_configs:\n      - targets: ['{target}']\n"
        ),
    )
    .unwrap();
    let addr = format!("127.0.0.1:{}", free_port());
    let log = std::fs::File::create(dir.join("prometheus.log")).unwrap();
    let child = Command::new("prometheus")
        .arg(format!("--config.file={}", cfg.display()))
        .arg(format!("--storage.tsdb.path={}", dir.join("tsdb").display()))
        .arg(format!("--web.listen-address={addr}"))
        .stdin(Stdio::null())
        .stdout(log.try_clone().unwrap())
        .stderr(log)
        .spawn()
        .expect("prometheus starts");
    (Owned(child), addr)
}

#[test]
fn slow_prometheus_scrapes_a_growing_height_and_sees_a_streamed_fork_flip_agreement() {
    let t = tempfile::tempdir().unwrap();
    let (m, mut node) = monitor_with_node(t.path());
    let mut m = Owned(m.child).with(m.out, m.err, m.http);
    let (_prom, prom) = start_prometheus(t.path(), &m.http);
    let series = r#"touchstone_node_finalized_height{job="touchstone",node="n0"}"#;
    let agreement = r#"touchstone_property_status{property="agreement"}"#;
    let deadline = now() + Duration::from_secs(90);
    let (mut h, mut first) = (0u64, None);
    let grown = loop {
        assert!(
            now() < deadline,
            "Prometheus never saw the height grow (first {first:?}): {}",
            std::fs::read_to_string(t.path().join("prometheus.log")).unwrap_or_default()
        );
        h += 1;
        node.write_all(height(h, &format!("B{h}")).as_bytes()).unwrap();
        std::thread::sleep(Duration::from_millis(250));
        let Some(v) = query(&prom, series) else { continue };
        match first {
            None => first = Some(v),
            Some(f) if v > f => break v,
            _ => {}
        }
    };
    assert!(grown > first.unwrap());
    // Wait until Prometheus has scraped agreement holding, then fork.
    while query(&prom, agreement) != Some(1.0) {
        assert!(now() < deadline, "agreement never scraped as ok");
        std::thread::sleep(Duration::from_millis(200));
    }
    h += 1;
    node.write_all(decide(h * 10, "n0", h, "B").as_bytes()).unwrap();
    node.write_all(decide(h * 10 + 1, "n1", h, "X").as_bytes()).unwrap();
    while query(&prom, agreement) != Some(0.0) {
        assert!(now() < deadline, "the fork never flipped the agreement gauge in Prometheus");
        std::thread::sleep(Duration::from_millis(200));
    }
    let findings = query(&prom, r#"touchstone_findings_total{property="agreement"}"#);
    assert!(findings >= Some(1.0), "{findings:?}");
    signal(m.child.0.id(), "TERM");
    let code = m.wait_code();
    assert_eq!(code, Some(1), "a monitor that saw a finding exits 1");
}

#[test]
fn slow_chromium_loads_the_dashboard_and_sees_it_update_by_itself() {
    let bin = ["chromium", "chromium-browser", "google-chrome"]
        .into_iter()
        .find(|c| Command::new(c).arg("--version").output().is_ok_and(|o| o.status.success()))
        .expect(
            "headless Chromium is required: install Debian's `chromium` (scripts/test.sh does)",
        );
    let t = tempfile::tempdir().unwrap();
    let (m, mut node) = monitor_with_node(t.path());
    let mut m = Owned(m.child).with(m.out, m.err, m.http);
    node.write_all(height(1, "B1").as_bytes()).unwrap();
    // A node keeps deciding for as long as the page is open, however long Chromium takes to
    // start (a fixed number of heights could all be written before the page's first poll).
    let open = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(true));
    let still_open = open.clone();
    let writer = std::thread::spawn(move || {
        let mut h = 2u64;
        while still_open.load(std::sync::atomic::Ordering::SeqCst) {
            if node.write_all(height(h, &format!("B{h}")).as_bytes()).is_err() {
                return;
            }
            h += 1;
            std::thread::sleep(Duration::from_millis(20));
        }
    });
    std::thread::sleep(Duration::from_millis(300));
    let profile = tempfile::tempdir().unwrap();
    let out = Command::new(bin)
        .args(["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run"])
        .args(["--disable-background-networking", "--disable-component-update", "--disable-sync"])
        .arg(format!("--user-data-dir={}", profile.path().display()))
        // Virtual time: the page polls once a virtual second; each poll is a real request.
        .arg("--virtual-time-budget=300000")
        .arg("--dump-dom")
        .arg(format!("http://{}/", m.http))
        .output()
        .expect("chromium runs");
    open.store(false, std::sync::atomic::Ordering::SeqCst);
    let dom = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "chromium failed: {}", String::from_utf8_lossy(&out.stderr));
    assert!(dom.contains("Touchstone monitor") && dom.contains(">agreement<"), "{dom}");
    let heights: Vec<u64> = dom
        .split("data-heights=\"")
        .nth(1)
        .and_then(|r| r.split('"').next())
        .unwrap_or("")
        .split(',')
        .filter_map(|x| x.parse().ok())
        .collect();
    let (lo, hi) = (heights.iter().min(), heights.iter().max());
    assert!(heights.len() >= 2 && hi > lo, "the page updated by itself: heights {heights:?}");
    assert!(dom.contains(">ok<"), "property status shown: {dom}");
    let _ = writer.join();
    signal(m.child.0.id(), "TERM");
    assert_eq!(m.wait_code(), Some(0));
}

/// An owned monitor process with its streams.
struct OwnedMonitor {
    child: Owned,
    #[allow(dead_code)]
    out: std::sync::mpsc::Receiver<String>,
    #[allow(dead_code)]
    err: std::sync::mpsc::Receiver<String>,
    http: String,
}

impl Owned {
    fn with(
        self,
        out: std::sync::mpsc::Receiver<String>,
        err: std::sync::mpsc::Receiver<String>,
        http: String,
    ) -> OwnedMonitor {
        OwnedMonitor { child: self, out, err, http }
    }
}

impl OwnedMonitor {
    /// Waits (30 s at most) for the exit code.
    fn wait_code(&mut self) -> Option<i32> {
        let deadline = now() + Duration::from_secs(30);
        loop {
            if let Some(s) = self.child.0.try_wait().unwrap() {
                return s.code();
            }
            assert!(now() < deadline, "the monitor did not stop on SIGTERM");
            std::thread::sleep(Duration::from_millis(50));
        }
    }
}

/// An anvil mining a block a second; `balance` sets its dev accounts' genesis balance, so two
/// anvils given different ones are different chains (two started alike in the same second mine
/// the very same empty blocks: one chain, rightly no fork).
fn anvil_1s(balance: u32) -> touchstone_ethereum::anvil::AnvilProcess {
    let node = touchstone_ethereum::config::ManagedNode {
        anvil: None,
        block_time: Some(Duration::from_secs(1)),
        block_gas_limit: None,
        persist_state: false,
        extra_args: vec!["--balance".into(), balance.to_string()],
    };
    touchstone_ethereum::anvil::AnvilProcess::start(&node, None, Duration::from_secs(20))
        .unwrap_or_else(|e| panic!("anvil is required (scripts/install-anvil.sh): {e}"))
}

#[test]
fn slow_anvil_monitor_records_the_managed_chain_observe_only_until_sigterm() {
    let t = tempfile::tempdir().unwrap();
    let cfg =
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../adapters/ethereum/anvil.toml");
    let args = ["--adapter", "ethereum", "--adapter-config", cfg.to_str().unwrap(), "--out", "mon"];
    let m = start_monitor(t.path(), &args, Stdio::null());
    let mut m = Owned(m.child).with(m.out, m.err, m.http);
    wait_for_height(&m.http, "n0", 3, Duration::from_secs(60));
    signal(m.child.0.id(), "TERM");
    assert_eq!(m.wait_code(), Some(0));
    let seg = t.path().join("mon/segments/000001");
    let trace = std::fs::read_to_string(seg.join("trace.jsonl")).unwrap();
    let heights: Vec<u64> = trace
        .lines()
        .skip(1)
        .filter(|l| l.contains("cons.decide"))
        .map(|l| serde_json::from_str::<serde_json::Value>(l).unwrap()["height"].as_u64().unwrap())
        .collect();
    assert!(heights.len() >= 3, "{trace}");
    assert!(heights.windows(2).all(|w| w[1] == w[0] + 1), "contiguous: {heights:?}");
    let o = ts(t.path(), &["verify", seg.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    let report: serde_json::Value =
        serde_json::from_slice(&std::fs::read(t.path().join("mon/check.json")).unwrap()).unwrap();
    let chain = report["properties"].as_array().unwrap().iter().find(|p| p["id"] == "chain");
    assert_eq!(chain.unwrap()["verdict"], "pass", "{report}");
    assert_eq!(report["status"], "passed", "the watch ends the trace it wrote: {report}");
    assert!(trace.lines().last().unwrap().contains("\"run.end\""));
}

#[test]
fn slow_anvil_monitor_of_two_unrelated_chains_reports_the_fork_and_fails_fast() {
    let (a, b) = (anvil_1s(1000), anvil_1s(2000));
    let t = tempfile::tempdir().unwrap();
    let cfg = t.path().join("two.toml");
    std::fs::write(&cfg, format!("endpoints = [{:?}, {:?}]\n", a.url(), b.url())).unwrap();
    let args = [
        "--adapter",
        "ethereum",
        "--adapter-config",
        cfg.to_str().unwrap(),
        "--out",
        "mon",
        "--fail-fast",
    ];
    let m = start_monitor(t.path(), &args, Stdio::null());
    let mut m = Owned(m.child).with(m.out, m.err, m.http);
    let f = expect_line(&m.out, "FINDING", Duration::from_secs(30));
    assert!(f.contains("agreement") || f.contains("state_agreement"), "{f}");
    assert_eq!(m.wait_code(), Some(1));
    let findings = std::fs::read_to_string(t.path().join("mon/findings.jsonl")).unwrap();
    assert!(!findings.is_empty());
}

#[test]
fn slow_prometheus_promtool_accepts_the_shipped_rules_and_configuration() {
    let docs = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../docs/monitoring");
    let o = Command::new("promtool")
        .current_dir(&docs)
        .args(["check", "config", "prometheus.yml"])
        .output()
        .expect("promtool comes with Prometheus: run scripts/install-prometheus.sh");
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let out = String::from_utf8_lossy(&o.stdout);
    assert!(out.contains("6 rules found"), "{out}");
}
