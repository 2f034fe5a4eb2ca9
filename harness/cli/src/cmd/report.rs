//! `touchstone report RUN_DIR [--compare RUN_DIR] [--format html|json|text]`

use crate::exit::{CmdResult, Failure};
use clap::Args;
use std::path::PathBuf;

#[derive(Debug, Args)]
pub struct ReportArgs {
    /// A run directory.
    pub run_dir: PathBuf,
    /// A second run directory to compare against.
    #[arg(long)]
    pub compare: Option<PathBuf>,
    #[arg(long, default_value = "text", value_parser = ["html", "json", "text"])]
    pub format: String,
}

pub fn exec(_a: ReportArgs) -> CmdResult {
    Err(Failure::harness("`touchstone report` is not built yet (the scored-report issue builds it); run.json in the run directory holds the results"))
}
