//! `touchstone explore SCENARIO --budget N [--seed S] [--jobs J] [--quick] [--protocol P] [--variant V|none] [--out DIR] [--shrink-runs K] [--keep-seed] [--gate ID]`

use crate::exit::{CmdResult, Failure, FINDINGS, HARNESS, PASS};
use crate::explore::{explore, output::describe_faults, ExploreParams, ExploreReport};
use crate::interrupt::interrupt_flag;
use clap::Args;
use std::path::PathBuf;
use touchstone_core::Seed;

#[derive(Debug, Args)]
pub struct ExploreArgs {
    /// Scenario script (TOML); its `[explore]` section bounds the search.
    pub scenario: PathBuf,
    /// Fault schedules to run, the scenario as written included.
    #[arg(long)]
    pub budget: usize,
    /// Seed of the exploration: schedules and run seeds derive from it, so it replays exactly.
    #[arg(long, default_value = "1")]
    pub seed: Seed,
    /// Threads (default: every core); results do not depend on it.
    #[arg(long)]
    pub jobs: Option<usize>,
    /// Scale the scenario's load down first (see `touchstone run --quick`).
    #[arg(long)]
    pub quick: bool,
    /// Run this protocol instead of the script's (pbft, tendermint, hotstuff, raft).
    #[arg(long)]
    pub protocol: Option<String>,
    /// Run this (deliberately broken) protocol variant; `none` runs the correct protocol.
    #[arg(long)]
    pub variant: Option<String>,
    /// Directory for the log and the shrunk script (default
    /// touchstone-out/<scenario>/explore-s<seed>/).
    #[arg(long)]
    pub out: Option<PathBuf>,
    /// Candidate runs the shrinking of a failure may use.
    #[arg(long, default_value_t = crate::explore::DEFAULT_SHRINK_RUNS)]
    pub shrink_runs: usize,
    /// Run every schedule with --seed itself (only the faults vary) instead of a seed derived
    /// per schedule: finds a fault timeline that fails with that one seed.
    #[arg(long)]
    pub keep_seed: bool,
    /// Hunt for this gate only (a property id, e.g. agreement): other failures do not count.
    #[arg(long)]
    pub gate: Option<String>,
}

pub fn exec(a: ExploreArgs) -> CmdResult {
    let mut p = ExploreParams::new(a.scenario, a.budget);
    p.seed = a.seed;
    if let Some(j) = a.jobs {
        if j == 0 {
            return Err(Failure::bad_input("--jobs must be at least 1"));
        }
        p.jobs = j;
    }
    p.quick = a.quick;
    p.protocol = a.protocol;
    p.variant = a.variant.map(|v| (v != "none").then_some(v));
    p.out = a.out;
    p.shrink_runs = a.shrink_runs;
    p.keep_seed = a.keep_seed;
    p.gate = a.gate;
    let stop = interrupt_flag();
    // A panicking simulation is a finding the search reports, not a message per candidate.
    let hook = std::panic::take_hook();
    std::panic::set_hook(Box::new(|_| {}));
    let report = explore(&p, stop);
    std::panic::set_hook(hook);
    let report = report?;
    out!("{}", summary(&p, &report));
    Ok(match &report.shrunk {
        Some(s) if !s.confirmed() => HARNESS,
        Some(_) => FINDINGS,
        None if !report.errors.is_empty() => HARNESS,
        None => PASS,
    })
}

/// The terminal summary: what was searched, how fast, what failed, what was written.
pub fn summary(p: &ExploreParams, r: &ExploreReport) -> String {
    let n = &r.scenario.network;
    let mut s = format!(
        "explore {} — {} n={}{} · seed {} · {} thread(s)\n  bounds: {}\n",
        r.scenario.name,
        n.protocol,
        n.validators,
        n.variant.as_deref().map(|v| format!(" variant {v}")).unwrap_or_default(),
        p.seed,
        p.jobs,
        r.bounds.describe()
    );
    s.push_str(&format!(
        "  schedules tried {} in {:.1} s ({:.0}/min{}); failures {}{}\n",
        r.schedules.len(),
        r.seconds,
        r.per_minute(),
        r.per_cpu_minute().map(|m| format!(", {m:.0}/CPU-min")).unwrap_or_default(),
        r.failures.len(),
        if r.errors.is_empty() {
            String::new()
        } else {
            format!("; harness errors {}", r.errors.len())
        }
    ));
    if let Some(&i) = r.errors.first() {
        s.push_str(&format!(
            "  first harness error: #{i}: {}\n",
            r.schedules[i].outcome.describe()
        ));
    }
    let Some(f) = &r.shrunk else {
        s.push_str(&format!("  no failure; log {}\n", r.out_dir.join("explore.jsonl").display()));
        return s;
    };
    s.push_str(&format!(
        "  first failure: schedule #{} (run seed {}): {}\n",
        f.index,
        f.seed,
        r.schedules[f.index].outcome.describe()
    ));
    s.push_str(&format!(
        "  shrunk {} fault(s) → {} in {} step(s), {} run(s), {:.1} s{}\n",
        f.from_faults,
        f.shrunk.faults.len(),
        f.shrunk.steps,
        f.shrunk.tried,
        f.seconds,
        if f.shrunk.exhausted { " (run budget spent)" } else { "" }
    ));
    for line in describe_faults(&f.shrunk.faults) {
        s.push_str(&format!("    {line}\n"));
    }
    s.push_str(&format!("  wrote {}\n", f.file.display()));
    s.push_str(&format!(
        "  replay: {} → exit {} ({}){}\n",
        f.replay,
        f.replayed.0,
        f.replayed.1.join(", "),
        if f.confirmed() { "" } else { " — NOT the failure the search saw" }
    ));
    s.push_str(&format!("  log {}\n", r.out_dir.join("explore.jsonl").display()));
    s
}
