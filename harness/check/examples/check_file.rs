//! Checks a trace file and prints the summary; with `--generate N PATH`, first writes a
//! synthetic vote-heavy trace of N events to PATH. Used to measure throughput and peak memory:
//!
//! ```text
//! cargo run --release -p touchstone-check --example check_file -- --generate 10000000 /tmp/t.jsonl
//! /usr/bin/time -v target/release/examples/check_file /tmp/t.jsonl
//! ```

use std::io::BufWriter;
use std::path::Path;

use touchstone_check::{check_path, synth, CheckOptions};

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let path = match args.as_slice() {
        [flag, n, path] if flag == "--generate" => {
            let n: u64 = n.parse().expect("N events");
            let f = std::fs::File::create(path).expect("create");
            let mut w = BufWriter::with_capacity(1 << 20, f);
            let written = synth::write_vote_heavy(&mut w, n, 4).expect("write");
            drop(w);
            eprintln!("wrote {written} events to {path}");
            path.clone()
        }
        [path] => path.clone(),
        _ => {
            eprintln!("usage: check_file [--generate N] PATH");
            std::process::exit(2);
        }
    };
    match check_path(Path::new(&path), &CheckOptions::default()) {
        Ok(r) => {
            print!("{}", r.render_text());
            std::process::exit(r.exit_code());
        }
        Err(e) => {
            eprintln!("error: {e}");
            std::process::exit(e.exit_code());
        }
    }
}
