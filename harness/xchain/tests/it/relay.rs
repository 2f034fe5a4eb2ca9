//! The relay: honest, crashed, lying.

use crate::support::*;

#[test]
fn honest_relay_mints_every_lock_once() {
    let s = scenario(&relay_script(10, ""));
    let (r, lines, _) = run(&s, 1, Default::default());
    eprintln!("{}", serde_json::to_string_pretty(&r.report).unwrap());
    eprintln!("lines {}", lines.len());
    assert_eq!(r.report.states.get("settled"), Some(&20));
}
