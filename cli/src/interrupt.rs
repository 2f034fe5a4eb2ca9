//! Ctrl-C during a run: the first stops the run, which then writes its partial results; the
//! second aborts.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

/// Ctrl-C sets a flag the engine polls: the run stops and writes partial results.
pub fn interrupt_flag() -> Arc<AtomicBool> {
    let flag = Arc::new(AtomicBool::new(false));
    let f = flag.clone();
    // A second handler registration (several runs in one process) is harmless to ignore.
    let _ = ctrlc::set_handler(move || {
        if f.swap(true, Ordering::SeqCst) {
            std::process::exit(crate::exit::HARNESS);
        }
        eprintln!(
            "\ninterrupted: stopping the run and writing partial results (Ctrl-C again to abort)"
        );
    });
    flag
}
