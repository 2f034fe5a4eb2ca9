//! The manifest reader: any bytes give a manifest or an error, never a panic.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let _ = touchstone_core::rundir::parse_manifest(data, std::path::Path::new("manifest.json"));
});
