//! The scenario parser and validator: any text parses or fails, never panics, and a script it
//! accepts stays within the limits and parses again once written back.
#![no_main]

use libfuzzer_sys::fuzz_target;
use touchstone_core::scenario::{self, limits};

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    if let Ok(s) = scenario::parse(text, "fuzz.toml") {
        let b = s.budget();
        assert!(b.run_ns <= limits::MAX_RUN_NS);
        assert!(b.transactions <= limits::MAX_TXS);
        assert!(b.trace_bytes <= limits::MAX_TRACE_BYTES);
        assert!(b.memory_bytes <= limits::MAX_MEMORY_BYTES);
        assert!(scenario::parse(&scenario::to_toml(&s), "again.toml").is_ok());
    }
});
