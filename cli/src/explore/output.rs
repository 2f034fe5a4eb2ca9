//! What a search leaves behind: the shrunk schedule as an ordinary scenario script, and the log
//! of every schedule tried.

use super::trial::Outcome;
use serde::Serialize;
use std::path::Path;
use touchstone_core::scenario::{self, Criteria, FaultSpec, Scenario};
use touchstone_core::Nanos;

/// One schedule tried: its index, run seed, faults and outcome (a line of `explore.jsonl`).
#[derive(Debug, Clone, Serialize)]
pub struct ScheduleLog {
    pub index: usize,
    pub seed: u64,
    pub faults: Vec<FaultSpec>,
    #[serde(flatten)]
    pub outcome: Outcome,
}

/// Where a shrunk failure came from, for the script's header and description.
#[derive(Debug, Clone)]
pub struct Provenance<'a> {
    /// The `touchstone explore …` command line that found it.
    pub command: &'a str,
    pub index: usize,
    pub seed: u64,
    pub signature: &'a str,
    pub from_faults: usize,
    pub steps: usize,
}

/// The script of a shrunk failure: `base` with `faults` as its timeline, its name suffixed
/// `-shrunk`, its criteria reduced to the gates and the liveness bound (so that a replay fails
/// for the reason found and no other), and a header saying where it came from and how to
/// replay it.
pub fn shrunk_script(
    base: &Scenario,
    faults: &[FaultSpec],
    p: &Provenance<'_>,
    file: &Path,
) -> String {
    let mut s = base.clone();
    s.name = format!("{}-shrunk", base.name);
    s.faults = faults.to_vec();
    s.explore = None;
    s.criteria = Criteria {
        liveness_bound: base.criteria.liveness_bound,
        gates: base.criteria.gates.clone(),
        ..Criteria::default()
    };
    s.description = format!(
        "{}\n\nFound by `{}`: schedule #{} (run seed {}) failed `{}`; shrunk from {} fault(s) to {} \
         in {} step(s). The text above describes the scenario explored; the faults below are the \
         shrunk schedule. Only the gates are criteria here, so a replay fails for that reason \
         alone.\n",
        base.description.trim_end(),
        p.command,
        p.index,
        p.seed,
        p.signature,
        p.from_faults,
        faults.len(),
        p.steps
    );
    let mut text = format!(
        "# Found by `{}` (schedule #{}, run seed {}), shrunk to {} fault(s).\n# Replay: {}   # fails: {}\n",
        p.command,
        p.index,
        p.seed,
        faults.len(),
        replay_command(file, p.seed),
        p.signature
    );
    text.push_str(&scenario::to_toml(&s));
    text
}

/// The command that replays a written script.
pub fn replay_command(file: &Path, seed: u64) -> String {
    format!("touchstone run {} --seed {seed}", file.display())
}

/// `faults` in the words of a script (`crash n1 at 5.5s for 1s`), one per item.
pub fn describe_faults(faults: &[FaultSpec]) -> Vec<String> {
    use touchstone_core::time::format_duration as d;
    faults
        .iter()
        .map(|f| {
            let what = match &f.action {
                scenario::FaultAction::Partition { groups } => {
                    let g: Vec<String> = groups.iter().map(|g| g.join(",")).collect();
                    format!("partition {}", g.join(" | "))
                }
                scenario::FaultAction::Link { nodes, to, link } => format!(
                    "link {} → {} latency {}{}",
                    nodes.join(","),
                    if to.is_empty() { "all".to_string() } else { to.join(",") },
                    d(link.latency.mean()),
                    if link.loss > 0.0 { format!(" loss {}", link.loss) } else { String::new() }
                ),
                scenario::FaultAction::Byzantine { nodes, behaviour } => {
                    format!("byzantine {} {}", nodes.join(","), behaviour.name())
                }
                scenario::FaultAction::ClockSkew { nodes, rate } => {
                    format!("clock_skew {} ×{rate}", nodes.join(","))
                }
                other => format!("{} {}", other.name(), other.nodes().join(",")),
            };
            let dur: Option<Nanos> = f.duration;
            match dur {
                Some(x) => format!("{what} at {} for {}", d(f.at), d(x)),
                None => format!("{what} at {}", d(f.at)),
            }
        })
        .collect()
}
