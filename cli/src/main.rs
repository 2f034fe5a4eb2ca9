//! `touchstone`: the command-line front of the harness. Thin: it parses the command line,
//! dispatches to the subcommand of the `touchstone` library, and exits with its code
//! (0 pass, 1 findings, 2 bad input or usage, 3 harness or adapter failure).

use clap::{Parser, Subcommand};
use std::process::ExitCode;
use touchstone::cmd;

/// A regulatory sandbox test harness for blockchains.
#[derive(Debug, Parser)]
#[command(name = "touchstone", version, about, long_about = None)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Run scenario scripts against an adapter (default: the embedded simulated network).
    Run(cmd::run::RunArgs),
    /// Parse and check scenario scripts without running them.
    Validate(cmd::validate::ValidateArgs),
    /// Check consensus and ledger properties of any trace file.
    Check(cmd::check::CheckArgs),
    /// Re-render the report of a saved run.
    Report(cmd::report::ReportArgs),
    /// Verify a run directory: digests, fingerprint, recorded fields, signature (--pubkey).
    Verify(cmd::verify::VerifyArgs),
    /// Sign a run directory's manifest with a minisign key (manifest.json.minisig).
    Sign(cmd::sign::SignArgs),
    /// List scenarios, adapters, properties or indicators.
    List(cmd::list::ListArgs),
    /// Run a suite of scenarios and score them as one evaluation.
    Suite(cmd::suite::SuiteArgs),
    /// Run the adapter conformance kit against an adapter (built in or a child process).
    AdapterTest(cmd::adapter_test::AdapterTestArgs),
    /// Run the network fault proxy, controlled by JSON lines (for adapters in other languages).
    Netproxy(cmd::netproxy::NetproxyArgs),
    /// Run a base scenario over a grid of field values and seeds; results, curves, plans.
    Sweep(cmd::sweep::SweepArgs),
    /// Compare two sweeps (or runs): improved / regressed / no change per metric and cell.
    Compare(cmd::compare::CompareArgs),
    /// Search randomized fault schedules of a scenario; shrink a failure to a replayable script.
    Explore(cmd::explore::ExploreArgs),
    /// Follow a live chain with no load of its own: check it as it runs, serve Prometheus
    /// metrics and a dashboard.
    Monitor(cmd::monitor::MonitorArgs),
}

fn main() -> ExitCode {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("warn")),
        )
        .with_writer(std::io::stderr)
        .with_target(false)
        .init();
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Run(a) => cmd::run::exec(a),
        Command::Validate(a) => cmd::validate::exec(a),
        Command::Check(a) => cmd::check::exec(a),
        Command::Report(a) => cmd::report::exec(a),
        Command::Verify(a) => cmd::verify::exec(a),
        Command::Sign(a) => cmd::sign::exec(a),
        Command::List(a) => cmd::list::exec(a),
        Command::Suite(a) => cmd::suite::exec(a),
        Command::AdapterTest(a) => cmd::adapter_test::exec(a),
        Command::Netproxy(a) => cmd::netproxy::exec(a),
        Command::Explore(a) => cmd::explore::exec(a),
        Command::Sweep(a) => cmd::sweep::exec(a),
        Command::Compare(a) => cmd::compare::exec(a),
        Command::Monitor(a) => cmd::monitor::exec(a),
    };
    match result {
        Ok(code) => ExitCode::from(code as u8),
        Err(e) => {
            // Not eprintln!: a closed stderr must not turn a clean exit code into a panic.
            use std::io::Write;
            let _ = writeln!(std::io::stderr(), "error: {}", e.message);
            ExitCode::from(e.code as u8)
        }
    }
}
