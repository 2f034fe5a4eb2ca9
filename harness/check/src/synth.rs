//! Synthetic, vote-heavy traces for benchmarks and memory measurements.

use std::io::{self, Write};

/// Writes a clean, vote-heavy Tendermint trace of at least `events` events with `validators`
/// equal-power validators: per height one proposal, a prevote and a precommit from every
/// validator, and a decision with a full cert from every validator, then `run.end`. The
/// family is declared, so that vote justification is judged too. Returns the events written.
pub fn write_vote_heavy<W: Write>(w: &mut W, events: u64, validators: usize) -> io::Result<u64> {
    let n = validators.max(1);
    let vals: Vec<String> = (0..n).map(|i| format!("{{\"id\":\"n{i}\",\"power\":1}}")).collect();
    let signers: Vec<String> = (0..n).map(|i| format!("\"n{i}\"")).collect();
    let signers = signers.join(",");
    writeln!(
        w,
        "{{\"kind\":\"run.start\",\"t_ns\":0,\"protocol\":\"tendermint\",\"family\":\"tendermint\",\"validators\":[{}],\"seed\":1,\"scenario\":\"bench\"}}",
        vals.join(",")
    )?;
    let mut written = 1u64;
    let mut t = 0u64;
    let mut h = 0u64;
    while written < events {
        h += 1;
        t += 1000;
        writeln!(
            w,
            "{{\"kind\":\"cons.propose\",\"t_ns\":{t},\"node\":\"n{}\",\"height\":{h},\"round\":0,\"block\":\"B{h}\",\"parent\":\"B{}\"}}",
            h as usize % n,
            h - 1
        )?;
        written += 1;
        for vt in ["prevote", "precommit"] {
            for i in 0..n {
                t += 1000;
                writeln!(
                    w,
                    "{{\"kind\":\"cons.vote\",\"t_ns\":{t},\"node\":\"n{i}\",\"height\":{h},\"round\":0,\"vtype\":\"{vt}\",\"block\":\"B{h}\"}}"
                )?;
                written += 1;
            }
        }
        for i in 0..n {
            t += 1000;
            writeln!(
                w,
                "{{\"kind\":\"cons.decide\",\"t_ns\":{t},\"node\":\"n{i}\",\"height\":{h},\"round\":0,\"block\":\"B{h}\",\"parent\":\"B{}\",\"app_hash\":\"A{h}\",\"txs\":[],\"cert\":{{\"signers\":[{signers}]}}}}",
                h - 1
            )?;
            written += 1;
        }
    }
    t += 1000;
    writeln!(w, "{{\"kind\":\"run.end\",\"t_ns\":{t}}}")?;
    Ok(written + 1)
}
