//! report.json and report.html are covered by the manifest: a one-byte change is detected.

use super::support::*;
use touchstone_core::rundir::{self, RunDir};
use touchstone_reports::synth::Synth;

#[test]
fn verify_detects_a_one_byte_change_in_report_html_and_json() {
    let (_t, dir) = synth_run(&Synth { seconds: 5, ..Synth::small() });
    let r = score_dir(&dir, "vendor");
    touchstone_reports::write_reports(&dir, &r).unwrap();
    let rd = RunDir::open(&dir).unwrap();
    let m = rd.write_manifest(7, "fp").unwrap();
    assert!(m.files.contains_key("report.json") && m.files.contains_key("report.html"));
    assert!(rundir::verify(&rd).unwrap().intact());
    for name in ["report.html", "report.json"] {
        let p = dir.join(name);
        let orig = std::fs::read(&p).unwrap();
        let mut bytes = orig.clone();
        let i = bytes.len() / 2;
        bytes[i] ^= 0x01;
        std::fs::write(&p, &bytes).unwrap();
        let v = rundir::verify(&rd).unwrap();
        assert_eq!(v.changed, vec![name.to_string()], "{name}");
        std::fs::write(&p, &orig).unwrap();
        assert!(rundir::verify(&rd).unwrap().intact());
    }
}
