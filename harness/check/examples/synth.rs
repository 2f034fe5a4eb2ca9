//! Writes a synthetic trace to standard output, for measurements on traces of any length
//! without storing them:
//!
//! ```text
//! cargo build --release -p touchstone -p touchstone-check --example synth
//! target/release/examples/synth tx-heavy 30000000 | /usr/bin/time -v target/release/touchstone check -
//! target/release/examples/synth vote-heavy 3000000 31 > /tmp/vote-heavy-n31.jsonl
//! ```
//!
//! `tx-heavy TXS [ACCOUNTS] [PER_HEIGHT]` (defaults 5,000 and 150: about 340 bytes per
//! transfer, so 30 M transfers make 10.8 GB); `vote-heavy EVENTS [VALIDATORS]`.

use std::io::{BufWriter, Write};

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let num = |i: usize, default: u64| -> u64 {
        args.get(i).map_or(default, |a| {
            a.replace('_', "").parse().unwrap_or_else(|_| usage(&format!("not a number: {a}")))
        })
    };
    let stdout = std::io::stdout();
    let mut w = BufWriter::with_capacity(1 << 20, stdout.lock());
    let written = match args.first().map(String::as_str) {
        Some("tx-heavy") => touchstone_check::synth::write_tx_heavy(
            &mut w,
            num(1, 1_000_000),
            num(2, 5000),
            num(3, 150),
        ),
        Some("vote-heavy") => {
            touchstone_check::synth::write_vote_heavy(&mut w, num(1, 1_000_000), num(2, 4) as usize)
        }
        _ => usage("which trace?"),
    };
    // A closed pipe (the reader stopped) ends the writer quietly.
    match written.and_then(|n| w.flush().map(|()| n)) {
        Ok(n) => eprintln!("synth: {n} events"),
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => {}
        Err(e) => {
            eprintln!("synth: {e}");
            std::process::exit(1);
        }
    }
}

fn usage(why: &str) -> ! {
    eprintln!("synth: {why}\nusage: synth tx-heavy TXS [ACCOUNTS] [PER_HEIGHT] | synth vote-heavy EVENTS [VALIDATORS]");
    std::process::exit(2);
}
