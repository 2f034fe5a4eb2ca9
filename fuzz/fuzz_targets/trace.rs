//! The trace line reader, parser and checker: any bytes (plain or gzip) give a report or an
//! error, never a panic, in time linear in the input.
#![no_main]

use libfuzzer_sys::fuzz_target;
use touchstone_check::{CheckOptions, Limits};

fuzz_target!(|data: &[u8]| {
    for skip in [false, true] {
        let opts = CheckOptions {
            skip_bad_lines: skip,
            limits: Limits { max_line_bytes: 1 << 16, ..Limits::default() },
            ..CheckOptions::default()
        };
        let _ = touchstone_check::check_reader(data, "fuzz", &opts);
    }
});
