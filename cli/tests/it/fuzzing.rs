//! The trace fuzz target of `fuzz/` (line reader, parser and checker) as a property test that
//! every test run executes for a fixed number of cases: lines of every kind with hostile
//! values, bytes flipped, lines cut or glued, gzip or not — the checker ends quickly with a
//! report or an error, never a panic.

use proptest::prelude::*;
use std::time::{Duration, Instant};
use touchstone_check::{CheckOptions, Limits};

const LINES: &[&str] = &[
    r#"{"kind":"run.start","t_ns":0,"protocol":"pbft","validators":[{"id":"n0","power":1},{"id":"n1","power":1},{"id":"n2","power":1},{"id":"n3","power":1}],"seed":"1"}"#,
    r#"{"kind":"tx.submit","t_ns":5,"tx":"t1","client":"c0","op":"transfer","from":"a0","to":"a1","asset":"USD","amount":5}"#,
    r#"{"kind":"tx.submit","t_ns":5,"tx":"t0","client":"genesis","op":"issue","to":"a0","asset":"USD","amount":100}"#,
    r#"{"kind":"tx.result","t_ns":6,"tx":"t0","status":"committed","height":0}"#,
    r#"{"kind":"cons.propose","t_ns":10,"node":"n0","height":1,"round":0,"block":"b1","parent":"b0","txs":["t1"]}"#,
    r#"{"kind":"cons.vote","t_ns":11,"node":"n1","height":1,"round":0,"vtype":"prevote","block":"b1"}"#,
    r#"{"kind":"cons.decide","t_ns":12,"node":"n1","height":1,"round":0,"block":"b1","txs":["t1"],"cert":{"signers":["n0","n1","n2"]}}"#,
    r#"{"kind":"tx.result","t_ns":13,"tx":"t1","status":"committed","height":1}"#,
    r#"{"kind":"fault.start","t_ns":14,"fault":"f1","type":"partition","targets":[["n0"],["n1","n2","n3"]]}"#,
    r#"{"kind":"net.heal","t_ns":15}"#,
    r#"{"kind":"state.snapshot","t_ns":16,"node":"n0","height":1,"supply":{"USD":100},"balances":{"a0":{"USD":95},"a1":{"USD":5}}}"#,
    r#"{"kind":"run.end","t_ns":20,"reason":"completed"}"#,
];

const NASTY: &[&str] = &[
    "18446744073709551615",
    "-1",
    "1e308",
    "null",
    "\"\"",
    "[]",
    "{}",
    "\"n0\"",
    "0",
    "[[[[[[[[[[1]]]]]]]]]]",
];

/// One trace: lines picked from `LINES`, some with a value replaced, a byte flipped or cut.
fn trace() -> impl Strategy<Value = Vec<u8>> {
    let line =
        (0..LINES.len(), 0..NASTY.len(), any::<u16>(), 0u8..6).prop_map(|(i, n, at, how)| {
            let l = LINES[i];
            match how {
                0 => {
                    // A value replaced: after the `at`-th colon.
                    let colons: Vec<usize> = l.match_indices(':').map(|(k, _)| k + 1).collect();
                    let k = colons[at as usize % colons.len()];
                    let end = l[k..].find([',', '}']).map_or(l.len(), |e| k + e);
                    format!("{}{}{}", &l[..k], NASTY[n], &l[end..]).into_bytes()
                }
                1 => {
                    let mut b = l.as_bytes().to_vec();
                    let k = at as usize % b.len();
                    b[k] ^= 1 << (n % 8);
                    b
                }
                2 => l.as_bytes()[..at as usize % l.len()].to_vec(),
                _ => l.as_bytes().to_vec(),
            }
        });
    prop::collection::vec(line, 0..40).prop_map(|lines| {
        let mut out = Vec::new();
        for l in lines {
            out.extend_from_slice(&l);
            out.push(b'\n');
        }
        out
    })
}

#[allow(clippy::disallowed_methods)] // a time limit on the test itself, not simulation
fn check_bounded(bytes: &[u8], skip: bool) {
    let opts = CheckOptions {
        skip_bad_lines: skip,
        limits: Limits { max_line_bytes: 4096, ..Limits::default() },
        ..CheckOptions::default()
    };
    let start = Instant::now();
    let _ = touchstone_check::check_reader(bytes, "fuzz", &opts);
    assert!(start.elapsed() < Duration::from_secs(10), "checking took {:?}", start.elapsed());
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    #[test]
    fn hostile_traces_never_panic_or_hang_the_checker(bytes in trace(), skip in any::<bool>()) {
        check_bounded(&bytes, skip);
    }

    #[test]
    fn arbitrary_bytes_never_panic_or_hang_the_checker(bytes in prop::collection::vec(any::<u8>(), 0..2000)) {
        check_bounded(&bytes, true);
    }

    #[test]
    fn an_endless_line_fails_at_the_limit(len in 4097usize..20_000) {
        let bytes = vec![b'x'; len];
        let opts = CheckOptions {
            limits: Limits { max_line_bytes: 4096, ..Limits::default() },
            ..CheckOptions::default()
        };
        let e = touchstone_check::check_reader(&bytes[..], "fuzz", &opts).unwrap_err();
        prop_assert!(e.to_string().contains("exceeds the limit of 4096"), "{}", e);
    }
}
