//! Running the binary with a time limit (a hang fails the test instead of stalling it), in a
//! chosen working directory, with chosen standard streams.

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

/// The binary, run in `cwd`.
pub fn touchstone(cwd: &Path, args: &[&str]) -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_touchstone"));
    c.current_dir(cwd).args(args).stdin(Stdio::null());
    c
}

/// Waits for `child` at most `limit`; kills it and fails the test if it is still running.
#[allow(clippy::disallowed_methods)] // a time limit on the test itself, not simulation
pub fn wait_limited(mut child: Child, limit: Duration, what: &str) -> Output {
    let start = Instant::now();
    loop {
        if child.try_wait().expect("wait").is_some() {
            return child.wait_with_output().expect("output");
        }
        if start.elapsed() > limit {
            let _ = child.kill();
            let _ = child.wait();
            panic!("`{what}` still running after {limit:?}: it hangs");
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// Runs `cmd` (stdout and stderr captured unless set) within `secs` seconds.
pub fn run_limited(mut cmd: Command, secs: u64) -> Output {
    let what = format!("{cmd:?}");
    let child = cmd.stdout(Stdio::piped()).stderr(Stdio::piped()).spawn().expect("spawns");
    wait_limited(child, Duration::from_secs(secs), &what)
}

/// `touchstone ARGS` in `cwd`, within 120 s.
pub fn ts(cwd: &Path, args: &[&str]) -> Output {
    run_limited(touchstone(cwd, args), 120)
}

pub fn text(o: &Output) -> String {
    format!("{}{}", String::from_utf8_lossy(&o.stdout), String::from_utf8_lossy(&o.stderr))
}

pub fn write(dir: &Path, name: &str, body: &str) -> PathBuf {
    let p = dir.join(name);
    std::fs::write(&p, body).unwrap();
    p
}

/// Sends `signal` (`TERM`, `INT`, `KILL`) to `pid` with the `kill` command.
pub fn signal(pid: u32, sig: &str) {
    let ok = Command::new("kill").arg(format!("-{sig}")).arg(pid.to_string()).status();
    assert!(ok.is_ok_and(|s| s.success()), "kill -{sig} {pid}");
}

/// A small payment run on the null adapter: well under a second.
pub const SMALL: &str = r#"name = "small"
kind = "payment"
[workload]
accounts = 20
[[workload.phases]]
duration = "2s"
rate = { type = "constant", tps = 50 }
[criteria]
latency_p99 = "1s"
"#;

/// A simulated run that lasts many seconds of wall time (an hour of simulated load).
pub const LONG: &str = r#"name = "long"
kind = "payment"
[network]
validators = 4
protocol = "pbft"
[workload]
accounts = 100
[[workload.phases]]
duration = "1h"
rate = { type = "constant", tps = 200 }
"#;

/// Every file of `dir` with its bytes, for "nothing changed" comparisons.
pub fn snapshot(dir: &Path) -> Vec<(String, Vec<u8>)> {
    let mut v: Vec<(String, Vec<u8>)> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| {
            let e = e.unwrap();
            (e.file_name().to_string_lossy().into_owned(), std::fs::read(e.path()).unwrap())
        })
        .collect();
    v.sort();
    v
}

/// Waits until `pred` holds (at most `secs`).
#[allow(clippy::disallowed_methods)] // a time limit on the test itself, not simulation
pub fn wait_until(secs: u64, what: &str, pred: impl Fn() -> bool) {
    let start = Instant::now();
    while !pred() {
        assert!(start.elapsed() < Duration::from_secs(secs), "timed out waiting for {what}");
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// Staging directories beside `target` (`<target>.incomplete-*`).
pub fn staging_dirs(target: &Path) -> Vec<PathBuf> {
    let name = target.file_name().unwrap().to_string_lossy().into_owned();
    let mut v: Vec<PathBuf> = std::fs::read_dir(target.parent().unwrap())
        .unwrap()
        .flatten()
        .filter(|e| e.file_name().to_string_lossy().starts_with(&format!("{name}.incomplete-")))
        .map(|e| e.path())
        .collect();
    v.sort();
    v
}
