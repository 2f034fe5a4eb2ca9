//! Writes a synthetic run and its report: `cargo run -p touchstone-reports --example synth_report -- DIR [fork] [PROFILE]`.
//! Handy to look at report.html without running a chain.

use touchstone_reports::synth::{write_run_dir, Synth};
use touchstone_reports::{write_reports, Scorer};

fn main() {
    let mut args = std::env::args().skip(1);
    let dir = std::path::PathBuf::from(args.next().unwrap_or_else(|| "synth-run".into()));
    let fork = args.next().is_some_and(|a| a == "fork");
    let profile = args.next().unwrap_or_else(|| "vendor".into());
    let spec = Synth { fork_at: fork.then_some(8), ..Synth::small() };
    write_run_dir(&dir, &spec).expect("synthetic run written");
    let report =
        Scorer::new(None).expect("default rubric").score_run_dir(&dir, &profile).expect("scored");
    write_reports(&dir, &report).expect("reports written");
    print!("{}", touchstone_reports::text::summary(&report));
    println!("{}", dir.join("report.html").display());
}
