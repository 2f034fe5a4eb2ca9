//! `touchstone-simplex-node`: parses the command line and runs the node (see the crate docs and
//! the README beside this crate for the CLI, the client protocol and the trace lines).

use clap::Parser;
use std::process::ExitCode;
use touchstone_simplex_node::config::{Cli, NodeConfig};

fn main() -> ExitCode {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| "warn,touchstone_simplex_node=info".into()),
        )
        .with_writer(std::io::stderr)
        .init();
    let cfg = match NodeConfig::from_cli(Cli::parse()) {
        Ok(c) => c,
        Err(e) => {
            eprintln!("touchstone-simplex-node: {e}");
            return ExitCode::from(2);
        }
    };
    match touchstone_simplex_node::run::run(cfg) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("touchstone-simplex-node: {e:#}");
            ExitCode::FAILURE
        }
    }
}
