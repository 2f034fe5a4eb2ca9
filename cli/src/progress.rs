//! Live progress on a terminal (rate, committed, p99 so far); silent when stderr is piped.

use indicatif::{ProgressBar, ProgressStyle};
use std::io::IsTerminal;
use touchstone_core::engine::{Progress, ProgressObserver};
use touchstone_core::time::Human;

/// A progress bar over the scenario's scheduled time.
#[derive(Debug)]
pub struct Bar {
    bar: ProgressBar,
}

impl Bar {
    /// A bar when stderr is a terminal and `quiet` is off; `None` otherwise.
    pub fn new(label: &str, total_ns: u64, quiet: bool) -> Option<Bar> {
        if quiet || !std::io::stderr().is_terminal() {
            return None;
        }
        let bar = ProgressBar::new(total_ns / 1_000_000);
        bar.set_style(
            ProgressStyle::with_template("{prefix} [{bar:30}] {percent:>3}% {msg}")
                .unwrap_or_else(|_| ProgressStyle::default_bar())
                .progress_chars("=> "),
        );
        bar.set_prefix(label.to_string());
        Some(Bar { bar })
    }

    pub fn finish(&self) {
        self.bar.finish_and_clear();
    }
}

impl ProgressObserver for Bar {
    fn update(&mut self, p: &Progress) {
        self.bar.set_position((p.now / 1_000_000).min(p.total / 1_000_000));
        self.bar.set_message(format!(
            "offered {:.0}/s  committed {:.0}/s  total {}  rejected {}  in flight {}  p99 {}",
            p.offered_rate,
            p.committed_rate,
            p.committed,
            p.rejected,
            p.outstanding,
            Human(p.p99_so_far)
        ));
    }
}
