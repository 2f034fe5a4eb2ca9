//! Load against a managed anvil through the engine: offered, committed, latency, harness CPU.
//!
//! ```text
//! scripts/install-anvil.sh
//! cargo run --release -p touchstone-ethereum --example ethereum_load -- \
//!     --tps 2000 --secs 20 --block-time 1 [--accounts 2000] [--batch 256] [--send-workers 2]
//!     [--anvil-args "--prune-history 64"]
//! cargo run --release -p touchstone-ethereum --example ethereum_load -- --tps 500 --secs 20   # automine
//! ```
//! Harness CPU is this process's user + system time (from /proc/self/stat) divided by the
//! committed transactions; anvil runs in its own process and is not counted.

use touchstone_core::engine::{run, RunOptions};
use touchstone_core::scenario::{RateSpec, ScenarioBuilder, ScenarioKind};
use touchstone_core::time::{Human, NS_PER_S};
use touchstone_core::trace::DiscardTrace;
use touchstone_core::Seed;
use touchstone_ethereum::{expected_txs, Config, EthereumAdapter};

fn arg(name: &str, default: &str) -> String {
    let args: Vec<String> = std::env::args().collect();
    args.iter()
        .position(|a| a == name)
        .and_then(|i| args.get(i + 1).cloned())
        .unwrap_or_else(|| default.to_string())
}

/// User + system CPU of this process in ns (Linux, clock ticks of 10 ms).
fn cpu_ns() -> u64 {
    let stat = std::fs::read_to_string("/proc/self/stat").unwrap_or_default();
    let after = stat.rsplit_once(')').map(|(_, r)| r).unwrap_or("");
    let f: Vec<u64> = after.split_whitespace().map(|x| x.parse().unwrap_or(0)).collect();
    // Fields 14 and 15 (utime, stime) are at 11 and 12 after the ") state" split.
    (f.get(11).copied().unwrap_or(0) + f.get(12).copied().unwrap_or(0)) * 10_000_000
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let tps: f64 = arg("--tps", "500").parse()?;
    let secs: u64 = arg("--secs", "20").parse()?;
    let accounts: u32 = arg("--accounts", "2000").parse()?;
    let block_time = arg("--block-time", "auto");
    let batch = arg("--batch", "256");
    let senders = arg("--send-workers", "2");
    let mut cfg = format!("managed = true\nblock_gas_limit = 1000000000\npersist_state = false\nmax_batch = {batch}\nsend_workers = {senders}\n");
    let extra = arg("--anvil-args", "");
    if !extra.is_empty() {
        let list: Vec<String> = extra.split_whitespace().map(|a| format!("{a:?}")).collect();
        cfg.push_str(&format!("anvil_args = [{}]\n", list.join(", ")));
    }
    if block_time != "auto" {
        cfg.push_str(&format!("block_time = \"{block_time}s\"\n"));
    }
    let cfg = Config::parse(&cfg, "ethereum_load")?;
    let s = ScenarioBuilder::new("ethereum-load", ScenarioKind::Payment)
        .accounts(accounts)
        .with(|s| {
            s.workload.assets[0].id = "ETH".into();
            s.workload.assets[0].initial_balance = 1_000_000_000_000_000;
            s.workload.timeout = 30 * NS_PER_S;
            s.workload.drain = 30 * NS_PER_S;
        })
        .warmup(2 * NS_PER_S, RateSpec::Constant { tps })
        .phase("load", secs * NS_PER_S, RateSpec::Constant { tps })
        .build();
    let mut adapter = EthereumAdapter::connect(cfg, expected_txs(&s.workload), false)?;
    let cpu0 = cpu_ns();
    let mut trace = DiscardTrace::default();
    let r = run(&s, &mut adapter, Seed(1), &mut trace, RunOptions::default())?;
    let cpu = cpu_ns() - cpu0;
    let m = &r.metrics.measured;
    let span = secs as f64;
    let all_committed: u64 = r.metrics.phases.iter().map(|p| p.committed).sum();
    println!(
        "mining: {}   offered {tps}/s for {secs}s ({} accounts, batch {batch}, {senders} sender thread(s))",
        if block_time == "auto" { "automine".to_string() } else { format!("{block_time}s blocks") },
        accounts
    );
    println!("end: {:?}", r.end);
    println!(
        "measured: submitted {} ({:.0}/s), committed {} ({:.0}/s), rejected {}, unknown {}",
        m.submitted,
        m.submitted as f64 / span,
        m.committed,
        m.committed as f64 / span,
        m.rejected,
        m.unknown
    );
    if let Some(c) = m.completion_ns {
        println!(
            "sustained: {:.0} committed/s over first submit → last outcome ({}); offered {:.0}/s over the same span",
            m.committed as f64 / (c as f64 / 1e9),
            Human(c),
            m.submitted as f64 / (c as f64 / 1e9)
        );
    }
    println!(
        "latency: p50 {}  p99 {}  max {}",
        Human(m.latency.p50_ns),
        Human(m.latency.p99_ns),
        Human(m.latency.max_ns)
    );
    let g = r.metrics.generator;
    println!(
        "generator lag: p50 {}  p99 {}  fell behind: {}",
        Human(g.p50_ns),
        Human(g.p99_ns),
        g.fell_behind
    );
    println!(
        "harness CPU: {} total, {} per committed tx ({} committed incl. warm-up)",
        Human(cpu),
        Human(cpu / all_committed.max(1)),
        all_committed
    );
    println!("node: {}", r.system.details.get("stats").cloned().unwrap_or_default());
    Ok(())
}
