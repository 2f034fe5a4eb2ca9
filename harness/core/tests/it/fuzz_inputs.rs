//! The fuzz targets of `fuzz/` (scenario parser and validator, manifest reader) as property
//! tests that every test run executes for a fixed number of cases: whatever the bytes, parsing
//! ends quickly with a value or an error, never a panic, and an accepted script stays within
//! the limits. `PROPTEST_CASES=N` runs more; failures are kept in `proptest-regressions/`.

use proptest::prelude::*;
use std::path::Path;
use std::time::{Duration, Instant};
use touchstone_core::scenario::{self, limits};

/// Shipped scripts, the seeds of the structured mutations.
fn seeds() -> Vec<String> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../scenarios");
    let mut v: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .flatten()
        .filter(|e| e.path().extension().is_some_and(|x| x == "toml"))
        .map(|e| std::fs::read_to_string(e.path()).unwrap())
        .collect();
    v.sort();
    v
}

/// Values that stress ranges and arithmetic.
const NASTY: &[&str] = &[
    "\"18446744073709551615ns\"",
    "\"1000000h\"",
    "\"0s\"",
    "\"1ns\"",
    "\"999999999999999999999s\"",
    "1e300",
    "-1",
    "0",
    "1e-300",
    "nan",
    "inf",
    "18446744073709551615",
    "9223372036854775807",
    "\"\"",
    "[]",
    "{}",
    "\"yolo\"",
    "1_000_000_000",
];

/// A shipped script with one value replaced by a nasty one.
fn mutated() -> impl Strategy<Value = String> {
    let seeds = seeds();
    (0..seeds.len(), any::<prop::sample::Index>(), 0..NASTY.len()).prop_map(move |(s, at, n)| {
        let text = &seeds[s];
        let values: Vec<(usize, usize)> = text
            .match_indices(" = ")
            .map(|(i, _)| {
                let start = i + 3;
                let end = text[start..].find('\n').map_or(text.len(), |e| start + e);
                (start, end)
            })
            .filter(|(a, b)| a < b)
            .collect();
        if values.is_empty() {
            return text.clone();
        }
        let (a, b) = values[at.index(values.len())];
        format!("{}{}{}", &text[..a], NASTY[n], &text[b..])
    })
}

#[allow(clippy::disallowed_methods)] // a time limit on the test itself, not simulation
fn accepted_is_within_limits(text: &str) {
    let start = Instant::now();
    if let Ok(s) = scenario::parse(text, "fuzz.toml") {
        let b = s.budget();
        assert!(b.run_ns <= limits::MAX_RUN_NS, "{b:?}");
        assert!(b.transactions <= limits::MAX_TXS, "{b:?}");
        assert!(b.trace_bytes <= limits::MAX_TRACE_BYTES, "{b:?}");
        assert!(b.memory_bytes <= limits::MAX_MEMORY_BYTES, "{b:?}");
        let again = scenario::parse(&scenario::to_toml(&s), "again.toml");
        assert!(again.is_ok(), "an accepted script written back must parse: {again:?}");
    }
    assert!(start.elapsed() < Duration::from_secs(10), "parsing took {:?}", start.elapsed());
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    #[test]
    fn mutated_scripts_parse_or_fail_never_panic_and_accepted_ones_are_bounded(text in mutated()) {
        accepted_is_within_limits(&text);
    }

    #[test]
    fn arbitrary_text_never_panics_the_scenario_parser(text in ".{0,400}") {
        accepted_is_within_limits(&text);
    }

    #[test]
    fn arbitrary_bytes_never_panic_the_manifest_reader(bytes in prop::collection::vec(any::<u8>(), 0..600)) {
        let _ = touchstone_core::rundir::parse_manifest(&bytes, Path::new("manifest.json"));
    }

    #[test]
    fn manifest_like_json_never_panics_the_manifest_reader(
        format in prop::sample::select(vec!["touchstone-manifest/1", "x", ""]),
        name in "[./a-z]{0,8}",
        seed in any::<u64>(),
        status in prop::sample::select(vec!["\"complete\"", "\"partial\"", "3", "null"]),
    ) {
        let text = format!(
            r#"{{"format":"{format}","harness_version":"0","status":{status},"seed":{seed},"fingerprint":"f","files":{{"{name}":{{"sha256":"x","bytes":1}}}}}}"#
        );
        let _ = touchstone_core::rundir::parse_manifest(text.as_bytes(), Path::new("manifest.json"));
    }
}
