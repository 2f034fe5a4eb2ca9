//! Signals during a run: SIGINT (Ctrl-C), SIGTERM (what CI systems and `timeout` send) and
//! SIGHUP all stop a run the same way.
//!
//! 1. The first stops the load: the run finishes as `interrupted`, checks its trace, writes its
//!    reports and a manifest labelled `partial`, and the command exits 3.
//! 2. A second skips what may be slow (checking the trace, scoring): the record and the
//!    manifest, still labelled `partial`, are written at once.
//! 3. A third exits at once (3); the run's directory stays where it was being written,
//!    `<target>.incomplete-<pid>`, which `verify` and `report` call incomplete — the target
//!    itself, and any earlier run there, are untouched.

use std::sync::atomic::{AtomicBool, AtomicU32, Ordering};
use std::sync::OnceLock;

/// Raised by the first signal; the engine polls it.
static STOP: AtomicBool = AtomicBool::new(false);
/// Signals received so far.
static SIGNALS: AtomicU32 = AtomicU32::new(0);

/// What the first signal says, for commands that stop otherwise than a run (`monitor`).
static FIRST: OnceLock<&'static str> = OnceLock::new();

/// [`interrupt_flag`] for a command whose first signal means something else than stopping a
/// run's load: `first` is what it says.
pub fn interrupt_flag_saying(first: &'static str) -> &'static AtomicBool {
    let _ = FIRST.set(first);
    interrupt_flag()
}

/// Installs the handler (once per process) and returns the flag the engine polls.
pub fn interrupt_flag() -> &'static AtomicBool {
    // A second registration (several commands in one process) keeps the first handler, which
    // sets the same flag.
    let _ = ctrlc::set_handler(on_signal);
    &STOP
}

fn on_signal() {
    match SIGNALS.fetch_add(1, Ordering::SeqCst) {
        0 => {
            STOP.store(true, Ordering::SeqCst);
            match FIRST.get() {
                Some(first) => eprintln!("\n{first}"),
                None => eprintln!(
                    "\ninterrupted: stopping the load and writing partial results, labelled \
                     partial (signal again to skip checking the trace and scoring)"
                ),
            }
        }
        1 => eprintln!(
            "\ninterrupted again: writing the record and a partial manifest now, without \
             checking the trace or scoring (a third signal abandons the run as incomplete)"
        ),
        _ => std::process::exit(crate::exit::HARNESS),
    }
}

/// Whether a second signal asked to finish without the slow steps.
pub fn hurried() -> bool {
    SIGNALS.load(Ordering::SeqCst) >= 2
}
