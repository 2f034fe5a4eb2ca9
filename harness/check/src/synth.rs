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

/// Writes a clean, tx-heavy PBFT trace of `txs` transfers on 4 validators, laid out as
/// Touchstone's writer lays out its own (the fast paths apply): genesis funds `accounts`
/// accounts, then per height `per_height` transfers are submitted, proposed, prepared and
/// committed by every validator, decided by each with a 3-signer cert listing every tx id, and
/// answered. Each account pays with consecutive nonces. Returns the events written. This is
/// the shape of `scenarios/payment-latency.toml` at high rate, for traces of any length
/// (piped into `touchstone check -` without touching the disk).
pub fn write_tx_heavy<W: Write>(
    w: &mut W,
    txs: u64,
    accounts: u64,
    per_height: u64,
) -> io::Result<u64> {
    let accounts = accounts.max(2);
    let per_height = per_height.max(1);
    // Each line: its kind, then `t_ns` and `seq` (1 µs and 1 apart), then its members.
    let mut at = (0u64, 0u64);
    let mut line = |w: &mut W, kind: &str, rest: std::fmt::Arguments<'_>| -> io::Result<()> {
        let (t, seq) = at;
        at = (t + 1000, seq + 1);
        writeln!(w, "{{\"kind\":\"{kind}\",\"t_ns\":{t},\"seq\":{},{rest}}}", seq + 1)
    };
    line(w, "run.start", format_args!("\"protocol\":\"pbft\",\"validators\":[{{\"id\":\"n0\",\"power\":1}},{{\"id\":\"n1\",\"power\":1}},{{\"id\":\"n2\",\"power\":1}},{{\"id\":\"n3\",\"power\":1}}],\"quorum\":{{\"num\":2,\"den\":3}},\"seed\":1,\"scenario\":\"synth-tx-heavy\",\"adapter\":\"sim\",\"family\":\"pbft\",\"timeout_ns\":1000000000"))?;
    let mut events = 1u64;
    for a in 0..accounts {
        line(w, "tx.submit", format_args!("\"tx\":\"g{a}\",\"client\":\"genesis\",\"op\":\"issue\",\"to\":\"a{a}\",\"asset\":\"EUR\",\"amount\":1000000000"))?;
        line(
            w,
            "tx.result",
            format_args!("\"tx\":\"g{a}\",\"status\":\"committed\",\"height\":0"),
        )?;
        events += 2;
    }
    let mut nonces = vec![0u64; accounts as usize];
    let (mut k, mut h) = (0u64, 0u64);
    let mut ids = String::new();
    while k < txs {
        h += 1;
        let n = per_height.min(txs - k);
        ids.clear();
        for i in k..k + n {
            let from = i % accounts;
            let to = (i + 1) % accounts;
            let nonce = &mut nonces[from as usize];
            line(w, "tx.submit", format_args!("\"tx\":\"t{i}\",\"client\":\"c{}\",\"op\":\"transfer\",\"from\":\"a{from}\",\"to\":\"a{to}\",\"asset\":\"EUR\",\"amount\":1,\"nonce\":{nonce}", i % 16))?;
            *nonce += 1;
            if !ids.is_empty() {
                ids.push(',');
            }
            ids.push_str(&format!("\"t{i}\""));
        }
        let block = format!("b{h:016x}");
        let parent = format!("b{:016x}", h - 1);
        line(w, "cons.propose", format_args!("\"node\":\"n{}\",\"height\":{h},\"round\":0,\"block\":\"{block}\",\"parent\":\"{parent}\",\"txs\":[{ids}]", h % 4))?;
        for vt in ["prepare", "commit"] {
            for v in 0..4 {
                line(w, "cons.vote", format_args!("\"node\":\"n{v}\",\"height\":{h},\"round\":0,\"vtype\":\"{vt}\",\"block\":\"{block}\""))?;
            }
        }
        for v in 0..4 {
            line(w, "cons.decide", format_args!("\"node\":\"n{v}\",\"height\":{h},\"round\":0,\"block\":\"{block}\",\"parent\":\"{parent}\",\"app_hash\":\"{h:064x}\",\"txs\":[{ids}],\"cert\":{{\"signers\":[\"n1\",\"n2\",\"n3\"]}}"))?;
        }
        for i in k..k + n {
            line(
                w,
                "tx.result",
                format_args!(
                    "\"tx\":\"t{i}\",\"status\":\"committed\",\"height\":{h},\"node\":\"n0\""
                ),
            )?;
        }
        events += 2 * n + 13;
        k += n;
    }
    line(w, "run.end", format_args!("\"reason\":\"completed\""))?;
    Ok(events + 1)
}
