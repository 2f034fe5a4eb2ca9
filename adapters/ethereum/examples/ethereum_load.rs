//! Load against one anvil through the engine: offered, committed as reported, counted on chain,
//! latency, and the harness's CPU per committed transaction.
//!
//! ```text
//! scripts/install-anvil.sh
//! cargo run --release -p touchstone-ethereum --example ethereum_load -- \
//!     --tps 2000 --secs 20 [--block-time 1] [--accounts 2000] [--batch 256] [--send-workers 2]
//!     [--receipts verify|every] [--ws auto|off] [--presign true|false] [--flush 10ms]
//!     [--anvil-args "…"]
//! ```
//! The example starts anvil itself (`--block-time 1 --gas-limit 1000000000`, no state file) and
//! gives the adapter its URL as an external endpoint, so the chain outlives the run: afterwards
//! it counts on chain, independently of the adapter, how many of the run's transfers were
//! included (the sum of the accounts' mined nonces; they start at 0).
//!
//! CPU: the adapter's own figures (`harness_cpu_*` in the disclosure: preparation apart from the
//! measured phases, per committed transaction of those phases) and, for comparison, this
//! process's whole CPU divided by every commit. anvil is another process and is not counted.

use std::time::Duration;
use touchstone_core::engine::{run, RunOptions};
use touchstone_core::scenario::{RateSpec, ScenarioBuilder, ScenarioKind};
use touchstone_core::time::{Human, NS_PER_S};
use touchstone_core::trace::DiscardTrace;
use touchstone_core::Seed;
use touchstone_ethereum::anvil::AnvilProcess;
use touchstone_ethereum::config::{ManagedNode, ANVIL_DEV_KEY};
use touchstone_ethereum::rpc::{quantity, RpcClient};
use touchstone_ethereum::{expected_txs, Config, EthereumAdapter};

fn arg(name: &str, default: &str) -> String {
    let args: Vec<String> = std::env::args().collect();
    args.iter()
        .position(|a| a == name)
        .and_then(|i| args.get(i + 1).cloned())
        .unwrap_or_else(|| default.to_string())
}

/// This process's CPU (user + system, all threads).
fn cpu() -> Duration {
    cpu_time::ProcessTime::try_now().map(|t| t.as_duration()).unwrap_or_default()
}

/// The anvil of the run, started here so that it outlives the adapter.
fn start_anvil(block_time: &str, extra: &str) -> Result<AnvilProcess, Box<dyn std::error::Error>> {
    let mut args: Vec<String> = vec!["--gas-limit".into(), "1000000000".into()];
    args.extend(extra.split_whitespace().map(String::from));
    let node = ManagedNode {
        anvil: None,
        block_time: (block_time != "auto")
            .then(|| block_time.parse().map(Duration::from_secs))
            .transpose()?,
        block_gas_limit: None,
        persist_state: false,
        extra_args: args,
    };
    Ok(AnvilProcess::start(&node, None, Duration::from_secs(20))?)
}

/// How many transactions `adapter`'s accounts have in blocks (their mined nonces, from 0).
fn on_chain(url: &str, adapter: &EthereumAdapter, accounts: u32) -> u64 {
    let rpc = RpcClient::new(url, Duration::from_secs(2), Duration::from_secs(60));
    let calls: Vec<(&str, serde_json::Value)> = (0..accounts)
        .filter_map(|i| adapter.address_of(&format!("a{i}")))
        .map(|a| ("eth_getTransactionCount", serde_json::json!([a.to_string(), "latest"])))
        .collect();
    calls
        .chunks(500)
        .flat_map(|c| rpc.batch(c).expect("nonces read"))
        .map(|r| r.ok().as_ref().and_then(quantity).unwrap_or(0) as u64)
        .sum()
}

/// The transaction counts of the chain's blocks, in order.
fn block_sizes(url: &str) -> Vec<usize> {
    let rpc = RpcClient::new(url, Duration::from_secs(2), Duration::from_secs(60));
    let head = rpc.call("eth_blockNumber", serde_json::json!([])).ok().as_ref().and_then(quantity);
    (1..=head.unwrap_or(0) as u64)
        .filter_map(|h| {
            let b = rpc.call("eth_getBlockByNumber", serde_json::json!([format!("{h:#x}"), false]));
            b.ok()?.get("transactions")?.as_array().map(Vec::len)
        })
        .collect()
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let tps: f64 = arg("--tps", "500").parse()?;
    let secs: u64 = arg("--secs", "20").parse()?;
    let accounts: u32 = arg("--accounts", "2000").parse()?;
    let block_time = arg("--block-time", "1");
    let anvil = start_anvil(&block_time, &arg("--anvil-args", ""))?;
    let cfg = format!(
        "endpoint = {:?}\nfunding_key = {ANVIL_DEV_KEY:?}\nmax_batch = {}\nsend_workers = {}\nreceipts = {:?}\nws = {:?}\npresign = {}\nflush_interval = {:?}\n",
        anvil.url(),
        arg("--batch", "256"),
        arg("--send-workers", "2"),
        arg("--receipts", "verify"),
        arg("--ws", "auto"),
        arg("--presign", "true"),
        arg("--flush", "10ms"),
    );
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
    let mut adapter = EthereumAdapter::connect(cfg, expected_txs(&s.workload), false)?
        .with_workload(&s.workload, 1);
    let cpu0 = cpu();
    let r = run(&s, &mut adapter, Seed(1), &mut DiscardTrace::default(), RunOptions::default())?;
    let cpu_all = cpu() - cpu0;
    let m = &r.metrics.measured;
    let all: u64 = r.metrics.phases.iter().map(|p| p.committed).sum();
    let submitted: u64 = r.metrics.phases.iter().map(|p| p.submitted).sum();
    let counted = on_chain(&anvil.url(), &adapter, accounts);
    let mut sizes = block_sizes(&anvil.url());
    let d = &r.system.details;
    let get = |k: &str| d.get(k).cloned().unwrap_or_else(|| "-".into());
    println!("mining: {block_time}s blocks   offered {tps}/s for {secs}s (+2 s warm-up), {accounts} accounts");
    println!("end: {:?}", r.end);
    println!(
        "measured: submitted {} ({:.0}/s), committed {} ({:.0}/s), rejected {}, unknown {}",
        m.submitted,
        m.submitted as f64 / secs as f64,
        m.committed,
        m.committed as f64 / secs as f64,
        m.rejected,
        m.unknown
    );
    println!("whole run: submitted {submitted}, committed as reported {all}, on chain {counted} (independent count){}", if all == counted { "" } else { "  <-- MISMATCH" });
    if let Some(c) = m.completion_ns {
        println!(
            "sustained: {:.0} committed/s over first submit → last outcome ({})",
            m.committed as f64 / (c as f64 / 1e9),
            Human(c)
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
        "harness CPU: preparation {} ms; measured phases {} ms = {} µs per committed tx ({} committed); whole process {:.0} µs per committed tx",
        get("harness_cpu_prepare_ms"),
        get("harness_cpu_measured_ms"),
        get("harness_cpu_per_committed_tx_us"),
        get("harness_cpu_measured_committed"),
        cpu_all.as_nanos() as f64 / all.max(1) as f64 / 1e3
    );
    println!("node: {}", get("stats"));
    sizes.sort_unstable();
    let top: Vec<usize> = sizes.iter().rev().take(5).copied().collect();
    println!("blocks: {} ({}s each), largest five {:?} transactions", sizes.len(), block_time, top);
    Ok(())
}
