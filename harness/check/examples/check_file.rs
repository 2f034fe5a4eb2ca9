//! Checks a trace file and prints the summary; with `--generate N PATH`, first writes a
//! synthetic vote-heavy trace of N events to PATH. Used to measure throughput and peak memory:
//!
//! ```text
//! cargo run --release -p touchstone-check --example check_file -- --generate 10000000 /tmp/t.jsonl
//! /usr/bin/time -v target/release/examples/check_file /tmp/t.jsonl
//! ```
//!
//! With `--runs N`, checks the file N times in this process (as `touchstone check FILE` does,
//! once the file is in the page cache) and prints the best and the median time, in MB/s and
//! events/s, and the median CPU time of the checking thread (this one) and of the whole
//! process: a quick measure of a change, and a binary `perf record` can profile. On a shared
//! machine the wall clock wanders; the CPU times tell which thread sets the pace.

use std::io::BufWriter;
use std::path::Path;
use std::time::Instant;

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
        [flag, n, path] if flag == "--runs" => {
            return time(Path::new(path), n.parse().expect("N runs"));
        }
        _ => {
            eprintln!("usage: check_file [--generate N | --runs N] PATH");
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

/// Checks `path` `runs` times and prints the best and median times.
#[allow(clippy::disallowed_methods)] // a throughput measure reads the wall clock by design
fn time(path: &Path, runs: usize) {
    let bytes = std::fs::metadata(path).expect("trace file").len() as f64;
    let opts = CheckOptions::default();
    let mut times = Vec::new();
    let (mut thread_cpu, mut process_cpu) = (Vec::new(), Vec::new());
    let mut events = 0;
    for _ in 0..runs.max(1) {
        let (thread, process) = (cpu_time::ThreadTime::now(), cpu_time::ProcessTime::now());
        let start = Instant::now();
        let report = check_path(path, &opts).expect("check");
        times.push(start.elapsed().as_secs_f64());
        thread_cpu.push(thread.elapsed().as_secs_f64());
        process_cpu.push(process.elapsed().as_secs_f64());
        events = report.events;
    }
    for v in [&mut times, &mut thread_cpu, &mut process_cpu] {
        v.sort_by(f64::total_cmp);
    }
    let (best, median) = (times[0], times[times.len() / 2]);
    let ev = events as f64;
    println!(
        "{}: {events} events; best {:.1} ms ({:.0} MB/s, {:.2} M ev/s); median {:.1} ms ({:.2} M ev/s); \
         CPU: checking thread {:.1} ms (least {:.1}), process {:.1} ms (least {:.1})",
        path.display(),
        best * 1e3,
        bytes / best / 1e6,
        ev / best / 1e6,
        median * 1e3,
        ev / median / 1e6,
        thread_cpu[thread_cpu.len() / 2] * 1e3,
        thread_cpu[0] * 1e3,
        process_cpu[process_cpu.len() / 2] * 1e3,
        process_cpu[0] * 1e3,
    );
}
