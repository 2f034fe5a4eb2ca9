//! Writes the trace of `scenarios/xchain/xchain-relay-forge.toml` run against destinations
//! with a deliberately BROKEN bridge rule (any one validator of the source is a quorum), so a
//! forged mint commits with no lock behind it: the trace a cross-chain checker must flag.
//!
//! ```sh
//! cargo run -p touchstone-xchain --example broken_bridge -- /tmp/broken.jsonl
//! touchstone check /tmp/broken.jsonl   # expect an xchain_conservation finding
//! ```

use touchstone_core::Seed;
use touchstone_xchain::{XOptions, XTrace};

fn main() {
    let out = std::env::args().nth(1).unwrap_or_else(|| "broken-bridge.jsonl".into());
    let text = include_str!("../../../scenarios/xchain/xchain-relay-forge.toml");
    let s = match touchstone_xchain::parse(text, "xchain-relay-forge.toml") {
        Ok(s) => s,
        Err(e) => {
            eprintln!("{e}");
            std::process::exit(2);
        }
    };
    let file = match std::fs::File::create(&out) {
        Ok(f) => std::io::BufWriter::new(f),
        Err(e) => {
            eprintln!("{out}: {e}");
            std::process::exit(3);
        }
    };
    let mut trace = XTrace::new(file);
    let r = touchstone_xchain::run(&s, Seed(1), &mut trace, XOptions { broken_quorum: true });
    let finished = trace.finish();
    match (r, finished) {
        (Ok(r), Ok(_)) => {
            println!(
                "{out}: {} unbacked mint(s), e.g. {:?}",
                r.report.unbacked.len(),
                r.report.unbacked.first()
            );
        }
        (Err(e), _) => {
            eprintln!("{e}");
            std::process::exit(3);
        }
        (_, Err(e)) => {
            eprintln!("{out}: {e}");
            std::process::exit(3);
        }
    }
}
