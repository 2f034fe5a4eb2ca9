//! `touchstone monitor (--trace SRC | --adapter ethereum --adapter-config FILE | --adapter NAME
//! --scenario FILE)
//! [--listen 127.0.0.1:PORT] [--out DIR] [--fail-fast]`: a live chain followed and checked as it
//! runs, its metrics served to Prometheus and its dashboard to a browser. See
//! [`crate::monitor`] and `docs/monitoring.md`.

use crate::exit::{CmdResult, Failure};
use crate::interrupt::interrupt_flag_saying;
use crate::monitor::segments::Rotation;
use crate::monitor::{self, MonitorParams, SourceSpec};
use clap::Args;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::time::Duration;
use touchstone_core::time::parse_duration;

/// Where `/metrics` and the dashboard are served unless `--listen` says otherwise.
pub const DEFAULT_LISTEN: &str = "127.0.0.1:9477";

#[derive(Debug, Args)]
pub struct MonitorArgs {
    /// A live trace: `-` (standard input), a FILE followed as it grows (surviving rotation), or
    /// `tcp://127.0.0.1:PORT`, a socket nodes push trace lines to.
    #[arg(long, conflicts_with = "adapter", required_unless_present = "adapter")]
    pub trace: Option<String>,
    /// Observe a chain through an adapter, with no load of its own: `ethereum` follows the
    /// endpoints of --adapter-config (or a managed anvil); any other adapter (`sim`, `simplex`,
    /// `process`) starts the network of --scenario and observes it.
    #[arg(long)]
    pub adapter: Option<String>,
    /// The network to start and observe with a non-Ethereum --adapter (its `[network]` and
    /// genesis; its load and faults are left out).
    #[arg(long, requires = "adapter")]
    pub scenario: Option<PathBuf>,
    /// The seed of the observed network (printed; the same seed replays a simulated one).
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
    /// With --scenario: run its load and faults too (a run watched live, at the pace of the
    /// wall clock), instead of observing the network idle.
    #[arg(long, requires = "scenario")]
    pub with_load: bool,
    /// The adapter's configuration (e.g. adapters/ethereum/anvil.toml).
    #[arg(long, requires = "adapter")]
    pub adapter_config: Option<PathBuf>,
    /// Where to serve /metrics and the dashboard; a non-loopback address needs --allow-remote.
    #[arg(long, default_value = DEFAULT_LISTEN)]
    pub listen: SocketAddr,
    /// Accept a non-loopback --listen or tcp:// address (the metrics and trace are not
    /// authenticated).
    #[arg(long)]
    pub allow_remote: bool,
    /// The run directory (default: touchstone-out/monitor, or the next free touchstone-out/monitor.N).
    #[arg(long)]
    pub out: Option<PathBuf>,
    /// Stop at the first finding, with exit code 1.
    #[arg(long)]
    pub fail_fast: bool,
    /// Close a trace segment after this many lines.
    #[arg(long, default_value_t = 1_000_000)]
    pub segment_lines: u64,
    /// Close a trace segment after this long (e.g. 1h, 10m).
    #[arg(long, default_value = "1h")]
    pub segment_age: String,
    /// Heights the checker keeps open below the highest decided one, for late events.
    #[arg(long, default_value_t = 256)]
    pub window: u64,
    /// Heights below the last judged one after which a cleanly settled transaction is
    /// forgotten, so that memory stays flat on an endless stream (0: remember every one).
    #[arg(long, default_value_t = 1024)]
    pub tx_horizon: u64,
}

pub fn exec(a: MonitorArgs) -> CmdResult {
    let source = source_of(&a)?;
    check_address("--listen", a.listen, a.allow_remote)?;
    let age = parse_duration(&a.segment_age)
        .map_err(|e| Failure::bad_input(format!("--segment-age: {e}")))?;
    if a.segment_lines == 0 || age == 0 {
        return Err(Failure::bad_input("--segment-lines and --segment-age must be positive"));
    }
    let out = match a.out {
        Some(o) => o,
        None => free_default(Path::new("touchstone-out/monitor")),
    };
    let p = MonitorParams {
        source,
        out,
        listen: Some(a.listen),
        fail_fast: a.fail_fast,
        rotation: Rotation { max_lines: a.segment_lines, max_age: Duration::from_nanos(age) },
        window_heights: a.window,
        tx_horizon_heights: (a.tx_horizon > 0).then_some(a.tx_horizon),
    };
    let stop = interrupt_flag_saying(
        "stopping: checking what was read, closing the segment with its manifest (a third \
         signal exits at once)",
    );
    let mut announce = |s: &str| {
        use std::io::Write;
        let _ = writeln!(std::io::stderr(), "{s}");
    };
    let o = monitor::run(&p, stop, &mut announce)?;
    outln!(
        "monitor: {}; {} trace lines, {} findings, {} segments in {} (each verifiable with touchstone verify {}/segments/NNNNNN)",
        o.why,
        o.lines,
        o.findings,
        o.segments,
        p.out.display(),
        p.out.display()
    );
    if let Some(r) = &o.report {
        let failed: Vec<&str> = r
            .properties
            .iter()
            .filter(|p| p.verdict == touchstone_check::Verdict::Fail)
            .map(|p| p.id.as_str())
            .collect();
        if !failed.is_empty() {
            outln!("monitor: violated: {}", failed.join(", "));
        }
    }
    Ok(o.exit)
}

fn source_of(a: &MonitorArgs) -> Result<SourceSpec, Failure> {
    if let Some(name) = &a.adapter {
        if name != "ethereum" {
            crate::adapters::find(name)?;
            let Some(file) = &a.scenario else {
                return Err(Failure::bad_input(format!(
                    "--adapter {name}: give the network to start and observe with --scenario FILE \
                     (only `ethereum` follows an existing chain)"
                )));
            };
            let (scenario, _) = crate::pipeline::load_scenario(file)?;
            return Ok(SourceSpec::Managed(Box::new(monitor::managed::Managed {
                adapter: name.clone(),
                config: a.adapter_config.clone(),
                scenario: Box::new(scenario),
                seed: a.seed,
                with_load: a.with_load,
            })));
        }
        let cfg = match &a.adapter_config {
            Some(p) => touchstone_ethereum::watch::load_observe_only(p)
                .map_err(|e| Failure::bad_input(e.to_string()))?,
            None => touchstone_ethereum::Config::managed_default(),
        };
        return Ok(SourceSpec::Ethereum(Box::new(cfg)));
    }
    let t = a.trace.as_deref().unwrap_or("-");
    if t == "-" {
        return Ok(SourceSpec::Stdin);
    }
    if let Some(addr) = t.strip_prefix("tcp://") {
        let addr: SocketAddr = addr
            .parse()
            .map_err(|e| Failure::bad_input(format!("--trace {t}: not an IP:PORT ({e})")))?;
        check_address("--trace", addr, a.allow_remote)?;
        return Ok(SourceSpec::Tcp(addr));
    }
    Ok(SourceSpec::File(PathBuf::from(t)))
}

/// A non-loopback address is refused unless the user said `--allow-remote`.
pub fn check_address(what: &str, addr: SocketAddr, allow_remote: bool) -> Result<(), Failure> {
    if addr.ip().is_loopback() || allow_remote {
        return Ok(());
    }
    Err(Failure::bad_input(format!(
        "{what} {addr}: not a loopback address; the monitor serves unauthenticated data, so \
         give --allow-remote to expose it beyond this machine"
    )))
}

/// `base`, or the first of `base.2`, `base.3`, … that does not exist yet.
fn free_default(base: &Path) -> PathBuf {
    if !base.exists() {
        return base.to_path_buf();
    }
    (2..)
        .map(|n| PathBuf::from(format!("{}.{n}", base.display())))
        .find(|p| !p.exists())
        .expect("some number is free")
}
