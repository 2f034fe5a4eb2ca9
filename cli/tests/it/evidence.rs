//! A run directory proves itself: verify recomputes what the manifest claims, report refuses a
//! run that does not verify, one exit code per class of manifest problem, and minisign
//! signatures that the `minisign` tool itself accepts.

use super::support::*;
use std::path::{Path, PathBuf};
use touchstone_core::rundir::{self, RunDir};

/// A complete small run at `<tmp>/out`.
fn small_run() -> (tempfile::TempDir, PathBuf) {
    let tmp = tempfile::tempdir().unwrap();
    write(tmp.path(), "small.toml", SMALL);
    let o = ts(tmp.path(), &["run", "small.toml", "--adapter", "null", "-q", "--out", "out"]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    let out = tmp.path().join("out");
    (tmp, out)
}

/// The same script on the simulated network, whose trace the checker can judge (on `null`,
/// with no consensus events, every property is not evaluated).
fn small_sim_run() -> (tempfile::TempDir, PathBuf) {
    let tmp = tempfile::tempdir().unwrap();
    write(tmp.path(), "small.toml", SMALL);
    let o = ts(tmp.path(), &["run", "small.toml", "--adapter", "sim", "-q", "--out", "out"]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    let out = tmp.path().join("out");
    (tmp, out)
}

fn verify(dir: &Path) -> (Option<i32>, String) {
    let o = ts(dir.parent().unwrap(), &["verify", dir.to_str().unwrap()]);
    (o.status.code(), text(&o))
}

/// Rewrites manifest.json with `edit` applied to it.
fn edit_manifest(dir: &Path, edit: impl FnOnce(&mut serde_json::Value)) {
    let p = dir.join("manifest.json");
    let mut m: serde_json::Value = serde_json::from_slice(&std::fs::read(&p).unwrap()).unwrap();
    edit(&mut m);
    std::fs::write(&p, serde_json::to_vec_pretty(&m).unwrap()).unwrap();
}

#[test]
fn an_extra_file_is_unlisted_and_tampered() {
    let (_t, out) = small_run();
    std::fs::write(out.join("notes.txt"), "hello").unwrap();
    let (code, t) = verify(&out);
    assert_eq!(code, Some(1), "{t}");
    assert!(t.contains("UNLISTED notes.txt"), "{t}");
}

#[test]
fn a_forged_fingerprint_or_seed_in_the_manifest_contradicts_the_trace() {
    let (_t, out) = small_run();
    edit_manifest(&out, |m| m["fingerprint"] = "00".repeat(32).into());
    let (code, t) = verify(&out);
    assert_eq!(code, Some(1), "{t}");
    assert!(t.contains("not the one recomputed from trace.jsonl"), "{t}");
    let (_t, out) = small_run();
    edit_manifest(&out, |m| m["seed"] = 99.into());
    let (code, t) = verify(&out);
    assert_eq!(code, Some(1), "{t}");
    assert!(t.contains("manifest.json seed 99, but run.json says seed 1"), "{t}");
    assert!(t.contains("run.start seed 1"), "{t}");
}

#[test]
fn forged_checker_verdicts_with_a_recomputed_manifest_are_caught_by_checking_again() {
    let (_t, out) = small_sim_run();
    let p = out.join("run.json");
    let mut r: serde_json::Value = serde_json::from_slice(&std::fs::read(&p).unwrap()).unwrap();
    let props = r["check"]["properties"].as_array_mut().unwrap();
    let i = props.iter().position(|x| x["verdict"] == "pass").unwrap();
    props[i]["verdict"] = "fail".into();
    std::fs::write(&p, serde_json::to_vec_pretty(&r).unwrap()).unwrap();
    let dir = RunDir::open(&out).unwrap();
    let m = rundir::read_manifest(&dir).unwrap();
    dir.write_run_manifest(&rundir::ManifestFields {
        seed: m.seed,
        fingerprint: m.fingerprint,
        status: m.status,
        partial_reason: m.partial_reason,
        scenario_sha256: m.scenario_sha256,
        trace_lines: m.trace_lines,
    })
    .unwrap();
    let (code, t) = verify(&out);
    assert_eq!(code, Some(1), "{t}");
    assert!(t.contains("but the trace gives \"pass\""), "{t}");
}

#[test]
fn report_refuses_a_run_whose_trace_was_altered_or_deleted_naming_it() {
    let (tmp, out) = small_run();
    let trace = out.join("trace.jsonl");
    let mut bytes = std::fs::read(&trace).unwrap();
    let i = bytes.len() / 2;
    bytes[i] ^= 0x01;
    std::fs::write(&trace, &bytes).unwrap();
    let o = ts(tmp.path(), &["report", "out"]);
    assert_eq!(o.status.code(), Some(1), "{}", text(&o));
    assert!(text(&o).contains("CHANGED  trace.jsonl"), "{}", text(&o));
    assert!(!text(&o).contains("PASS"), "{}", text(&o));
    std::fs::remove_file(&trace).unwrap();
    let o = ts(tmp.path(), &["report", "out"]);
    assert_eq!(o.status.code(), Some(1), "{}", text(&o));
    assert!(text(&o).contains("MISSING  trace.jsonl"), "{}", text(&o));
}

#[test]
fn every_manifest_problem_of_one_class_has_one_exit_code() {
    // Not a verifiable run directory: 2, whatever the reason.
    let (_t, out) = small_run();
    for (what, body) in [("garbage", Some("\u{1}garbage{")), ("empty", Some("")), ("missing", None)]
    {
        match body {
            Some(b) => std::fs::write(out.join("manifest.json"), b).unwrap(),
            None => {
                let _ = std::fs::remove_file(out.join("manifest.json"));
            }
        }
        let (code, t) = verify(&out);
        assert_eq!(code, Some(2), "{what}: {t}");
        assert_eq!(t.lines().count(), 1, "{what}: one line: {t}");
    }
    let (code, t) = verify(&out.join("nope"));
    assert_eq!(code, Some(2), "{t}");
    let (_t, out) = small_run();
    edit_manifest(&out, |m| m["format"] = "other/9".into());
    assert_eq!(verify(&out).0, Some(2));
    edit_manifest(&out, |m| m["files"]["../x"] = serde_json::json!({"sha256": "", "bytes": 0}));
    assert_eq!(verify(&out).0, Some(2));
}

/// An unencrypted minisign key pair in `dir`: (secret key file, public key file).
fn keypair(dir: &Path) -> (PathBuf, PathBuf) {
    let kp = minisign::KeyPair::generate_unencrypted_keypair().unwrap();
    let sk = dir.join("key.sec");
    let pk = dir.join("key.pub");
    std::fs::write(&sk, kp.sk.to_box(None).unwrap().into_string()).unwrap();
    std::fs::write(&pk, kp.pk.to_box().unwrap().into_string()).unwrap();
    (sk, pk)
}

#[test]
fn a_signed_run_verifies_with_its_key_and_not_once_changed_or_with_another_key() {
    let (tmp, out) = small_run();
    let (sk, pk) = keypair(tmp.path());
    let o = ts(tmp.path(), &["sign", "out", "--key", sk.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    assert!(out.join("manifest.json.minisig").is_file());
    let o = ts(tmp.path(), &["verify", "out", "--pubkey", pk.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    assert!(text(&o).contains("signed   by key"), "{}", text(&o));
    let other = tempfile::tempdir().unwrap();
    let (_, pk2) = keypair(other.path());
    let o = ts(tmp.path(), &["verify", "out", "--pubkey", pk2.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(1), "{}", text(&o));
    assert!(text(&o).contains("BAD SIGNATURE"), "{}", text(&o));
    // A manifest rewritten to match changed artefacts no longer matches its signature.
    edit_manifest(&out, |m| m["harness_version"] = "9.9.9".into());
    let o = ts(tmp.path(), &["verify", "out", "--pubkey", pk.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(1), "{}", text(&o));
    // Unsigned, with a key asked for: not proven.
    let (tmp, _out) = small_run();
    let o = ts(tmp.path(), &["verify", "out", "--pubkey", pk.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(1), "{}", text(&o));
    assert!(text(&o).contains("not signed"), "{}", text(&o));
}

/// The `minisign` binary: on PATH, or installed from Debian's packages (as scripts/test.sh
/// does). `None` only when there is no apt to install it with.
fn minisign_tool() -> Option<PathBuf> {
    let found = || {
        std::env::var_os("PATH").and_then(|paths| {
            std::env::split_paths(&paths).map(|p| p.join("minisign")).find(|p| p.is_file())
        })
    };
    if let Some(p) = found() {
        return Some(p);
    }
    let apt = std::process::Command::new("apt-get").arg("--version").output();
    if apt.is_err() {
        eprintln!("SKIPPED: no `minisign` and no apt-get to install it (apt-get install minisign)");
        return None;
    }
    let ok = std::process::Command::new("apt-get")
        .args(["install", "-y", "-qq", "minisign"])
        .env("DEBIAN_FRONTEND", "noninteractive")
        .status();
    assert!(ok.is_ok_and(|s| s.success()), "apt-get install minisign failed: install it by hand");
    Some(found().expect("minisign installed"))
}

#[test]
fn slow_minisign_interop_the_minisign_tool_verifies_touchstone_signatures_and_back() {
    let Some(tool) = minisign_tool() else { return };
    let (tmp, out) = small_run();
    // A key made by minisign itself (-W: no password) signs with touchstone …
    let sk = tmp.path().join("m.key");
    let pk = tmp.path().join("m.pub");
    let o = std::process::Command::new(&tool)
        .args(["-G", "-W", "-s", sk.to_str().unwrap(), "-p", pk.to_str().unwrap()])
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", text(&o));
    let o = ts(tmp.path(), &["sign", "out", "--key", sk.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    // … and minisign verifies it.
    let m = out.join("manifest.json");
    let o = std::process::Command::new(&tool)
        .args(["-V", "-m", m.to_str().unwrap(), "-p", pk.to_str().unwrap()])
        .output()
        .unwrap();
    assert!(o.status.success(), "minisign rejects touchstone's signature: {}", text(&o));
    assert!(text(&o).contains("fingerprint:"), "the trusted comment: {}", text(&o));
    // A signature made by minisign verifies with touchstone.
    std::fs::remove_file(out.join("manifest.json.minisig")).unwrap();
    let o = std::process::Command::new(&tool)
        .args(["-S", "-s", sk.to_str().unwrap(), "-m", m.to_str().unwrap()])
        .stdin(std::process::Stdio::null())
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", text(&o));
    let o = ts(tmp.path(), &["verify", "out", "--pubkey", pk.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
}

#[test]
fn an_encrypted_key_signs_with_its_password_file_and_is_refused_without_one() {
    let (tmp, out) = small_run();
    let kp = minisign::KeyPair::generate_encrypted_keypair(Some("s3cret".into())).unwrap();
    let sk = write(tmp.path(), "enc.key", &kp.sk.to_box(None).unwrap().into_string());
    let pk = write(tmp.path(), "enc.pub", &kp.pk.to_box().unwrap().into_string());
    let o = ts(tmp.path(), &["sign", "out", "--key", sk.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(2), "{}", text(&o));
    assert!(text(&o).contains("--password-file"), "{}", text(&o));
    let wrong = write(tmp.path(), "wrong.txt", "nope\n");
    let o = ts(
        tmp.path(),
        &["sign", "out", "--key", sk.to_str().unwrap(), "--password-file", wrong.to_str().unwrap()],
    );
    assert_eq!(o.status.code(), Some(2), "{}", text(&o));
    let pw = write(tmp.path(), "pw.txt", "s3cret\n");
    let o = ts(
        tmp.path(),
        &["sign", "out", "--key", sk.to_str().unwrap(), "--password-file", pw.to_str().unwrap()],
    );
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    let o = ts(tmp.path(), &["verify", "out", "--pubkey", pk.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    // A tampered run is not signed.
    std::fs::write(out.join("extra"), "x").unwrap();
    let o = ts(
        tmp.path(),
        &["sign", "out", "--key", sk.to_str().unwrap(), "--password-file", pw.to_str().unwrap()],
    );
    assert_eq!(o.status.code(), Some(1), "{}", text(&o));
    assert!(
        text(&o).contains("refusing to sign") && text(&o).contains("UNLISTED extra"),
        "{}",
        text(&o)
    );
}
