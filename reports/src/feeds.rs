//! Which runs may feed an indicator: the scenario kinds and purposes it draws from (rubric
//! `kinds`, `purposes`), and — for success and backlog — no run that provokes rejections on
//! purpose (`honest_traffic_only`). A run whose scenario declares no purpose may feed any
//! indicator its kind allows, as before purposes existed.

use crate::input::RunInput;
use crate::rubric::Indicator;
use touchstone_core::program::Expected;
use touchstone_core::scenario::Purpose;

/// Why `run` sends transactions that must be rejected, if it does: its scenario's purpose says
/// so (`conformance`, `spam`), or its compliance cases expect rejections.
pub fn provoked_rejections(run: &RunInput) -> Option<String> {
    let s = &run.record.scenario;
    if let Some(p) =
        s.purpose.iter().find(|p| Purpose::parse(p).is_some_and(Purpose::provokes_rejections))
    {
        return Some(format!("scenario {} provokes rejections on purpose (purpose {p})", s.name));
    }
    let m = run.record.metrics.as_ref()?;
    m.conformance.iter().any(|c| matches!(c.expected, Expected::Reject { .. })).then(|| {
        format!(
            "program {:?} of scenario {} sends transactions that must be rejected",
            m.program, s.name
        )
    })
}

/// `Ok` when `run` may feed `ind`, else why not.
pub fn feeds(ind: &Indicator, run: &RunInput) -> Result<(), String> {
    let s = &run.record.scenario;
    if !ind.kinds.is_empty() && !ind.kinds.contains(&s.kind) {
        return Err(format!("{} is of kind {}", run.label, s.kind));
    }
    if !ind.purposes.is_empty()
        && !s.purpose.is_empty()
        && !s.purpose.iter().any(|p| ind.purposes.contains(p))
    {
        return Err(format!("{} is meant for {}", run.label, s.purpose.join(", ")));
    }
    if ind.honest_traffic_only {
        if let Some(why) = provoked_rejections(run) {
            return Err(format!("{}: {why}", run.label));
        }
    }
    Ok(())
}

/// What `ind` draws from, in words (`runs of kind payment or mixed, purpose nominal or peak,
/// without provoked rejections`).
pub fn draws_from(ind: &Indicator) -> String {
    let mut parts = Vec::new();
    if !ind.kinds.is_empty() {
        parts.push(format!("kind {}", ind.kinds.join(" or ")));
    }
    if !ind.purposes.is_empty() {
        parts.push(format!("purpose {}", ind.purposes.join(" or ")));
    }
    if ind.honest_traffic_only {
        parts.push("without provoked rejections".into());
    }
    if parts.is_empty() {
        "any run".into()
    } else {
        format!("runs of {}", parts.join(", "))
    }
}

/// The runs of `runs` that may feed `ind` (with their index), or — when none may — why not:
/// what it draws from, and why each run given was left out (counted past three).
pub fn candidates<'a>(
    ind: &Indicator,
    runs: &'a [RunInput],
) -> Result<Vec<(usize, &'a RunInput)>, String> {
    let mut out = Vec::new();
    let mut left_out = Vec::new();
    for (i, r) in runs.iter().enumerate() {
        match feeds(ind, r) {
            Ok(()) => out.push((i, r)),
            Err(why) => left_out.push(why),
        }
    }
    if !out.is_empty() {
        return Ok(out);
    }
    let why = match left_out.len() {
        0 => "no run given".to_string(),
        n @ 1..=3 => left_out[..n].join("; "),
        n => format!("none of the {n} runs given qualifies"),
    };
    Err(format!("no run meant to measure it: {} draws from {} ({why})", ind.id, draws_from(ind)))
}
