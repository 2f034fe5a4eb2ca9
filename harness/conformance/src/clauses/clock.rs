//! `clock.monotonic` and `clock.advance_by_deadline`: judged from every clock reading of the
//! whole run (the [`crate::watch::ClockLog`]), plus an idle adapter asked to reach a deadline.

use super::outcomes::summarise;
use super::{Kit, Verdicts};
use crate::report::Verdict;
use crate::session::{Session, Start};

/// Calls of `advance` an idle adapter may take to reach a deadline ten steps away.
const IDLE_CALLS: usize = 1000;

pub(super) fn judge(kit: &Kit<'_>, v: &mut Verdicts) {
    let idle = kit.open(Start::Plain).and_then(|mut s| {
        let r = reach_deadline(&mut s);
        s.close();
        r
    });
    let log = kit.log.borrow();
    v.set("clock.monotonic", summarise(log.backwards.clone()));
    let mut problems = log.late.clone();
    if let Err(e) = idle {
        problems.insert(0, e);
    }
    let verdict = if log.advances == 0 && problems.is_empty() {
        Verdict::fail("the kit never got to call advance")
    } else {
        summarise(problems)
    };
    v.set("clock.advance_by_deadline", verdict);
}

/// With nothing to do, repeated `advance(until)` reaches `until`.
fn reach_deadline(s: &mut Session) -> Result<(), String> {
    let until = s.now() + 10 * s.opts.step;
    for _ in 0..IDLE_CALLS {
        if s.advance(until)? >= until {
            return Ok(());
        }
    }
    Err(format!(
        "with nothing to do, {IDLE_CALLS} calls of advance({until}) left the clock at {} ns",
        s.now()
    ))
}
