//! Disclosure of the machine the harness runs on, and the harness's own CPU cost.

use touchstone_core::record::{Environment, HarnessCost};

/// What this machine is.
pub fn current() -> Environment {
    Environment {
        os: std::env::consts::OS.to_string(),
        arch: std::env::consts::ARCH.to_string(),
        cpus: std::thread::available_parallelism().map(|n| n.get()).unwrap_or(1),
        cpu_model: std::fs::read_to_string("/proc/cpuinfo").ok().and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("model name"))
                .and_then(|l| l.split(':').nth(1))
                .map(|m| m.trim().to_string())
        }),
        memory_bytes: std::fs::read_to_string("/proc/meminfo").ok().and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("MemTotal:"))
                .and_then(|l| l.split_whitespace().nth(1))
                .and_then(|kb| kb.parse::<u64>().ok())
                .map(|kb| kb * 1024)
        }),
        started_at: Some(rfc3339_now()),
    }
}

/// Now, as RFC 3339 UTC (informational only; never part of a fingerprint).
#[allow(clippy::disallowed_methods)] // disclosure of the wall-clock start time, outside the simulation
pub fn rfc3339_now() -> String {
    let secs = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0);
    let days = (secs / 86_400) as i64;
    let rem = secs % 86_400;
    // Civil date from days since 1970-01-01 (Howard Hinnant's algorithm).
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + if m <= 2 { 1 } else { 0 };
    format!("{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}Z", rem / 3600, rem % 3600 / 60, rem % 60)
}

/// Wall time of one step of a run.
#[derive(Debug)]
pub struct Stopwatch(std::time::Instant);

impl Stopwatch {
    #[allow(clippy::disallowed_methods)] // the harness measures its own cost on the wall clock
    pub fn start() -> Self {
        Stopwatch(std::time::Instant::now())
    }

    pub fn elapsed_ns(&self) -> u64 {
        self.0.elapsed().as_nanos() as u64
    }
}

/// Measures wall and CPU time of the process between `start` and `finish`.
#[derive(Debug)]
pub struct CostMeter {
    wall: std::time::Instant,
    cpu: Option<cpu_time::ProcessTime>,
}

impl CostMeter {
    #[allow(clippy::disallowed_methods)] // the harness measures its own cost on the wall clock
    pub fn start() -> Self {
        CostMeter { wall: std::time::Instant::now(), cpu: cpu_time::ProcessTime::try_now().ok() }
    }

    pub fn finish(&self, committed: u64) -> HarnessCost {
        let cpu = self.cpu.and_then(|c| c.try_elapsed().ok()).unwrap_or_default().as_nanos() as u64;
        HarnessCost {
            wall_ns: self.wall.elapsed().as_nanos() as u64,
            // cpu-time reports user + system together.
            cpu_user_ns: cpu,
            cpu_system_ns: 0,
            cpu_per_committed_tx_ns: (committed > 0).then(|| cpu / committed),
        }
    }
}
