//! Every shipped scenario runs on the simulated network, scaled down with `--quick`: the honest
//! ones meet their criteria (exit 0); the deliberately broken protocol variants lose agreement
//! and Touchstone says so (exit 1 with an `agreement` finding).

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

/// Shipped scripts for the simulated network (the `ethereum-*`, `etcd-*` and `simplex-*` ones
/// need a real system: their criteria hold a real chain's behaviour, e.g. payments retried across a crash).
fn shipped() -> Vec<PathBuf> {
    let real = |n: &str| ["ethereum-", "etcd-", "simplex-"].iter().any(|p| n.starts_with(p));
    let mut v: Vec<PathBuf> = std::fs::read_dir(root().join("scenarios"))
        .expect("scenarios/")
        .map(|e| e.expect("entry").path())
        .filter(|p| p.extension().is_some_and(|x| x == "toml"))
        .filter(|p| !p.file_name().is_some_and(|n| real(&n.to_string_lossy())))
        .collect();
    v.sort();
    v
}

fn is_broken_variant(p: &Path) -> bool {
    let name = p.file_stem().unwrap().to_string_lossy().to_string();
    ["byzantine-pbft-small-quorum", "byzantine-tendermint-nolock", "byzantine-hotstuff-twochain"]
        .contains(&name.as_str())
}

#[test]
fn every_shipped_scenario_meets_its_criteria_quick_and_broken_variants_lose_agreement() {
    let out = tempfile::tempdir().unwrap();
    let scripts = shipped();
    assert!(scripts.len() >= 15, "the shipped scenarios: {scripts:?}");
    // Two at a time (CI machines have two cores).
    let mut failures = Vec::new();
    for pair in scripts.chunks(2) {
        let children: Vec<_> = pair
            .iter()
            .map(|s| {
                let dir = out.path().join(s.file_stem().unwrap());
                let child = Command::new(env!("CARGO_BIN_EXE_touchstone"))
                    .current_dir(root())
                    .arg("run")
                    .arg(s)
                    .args(["--quick", "--quiet", "--out"])
                    .arg(&dir)
                    .stdout(Stdio::piped())
                    .stderr(Stdio::piped())
                    .spawn();
                (s, child)
            })
            .collect();
        for (s, o) in children {
            let o = o.and_then(|c| c.wait_with_output()).expect("binary runs");
            let text = format!(
                "{}{}",
                String::from_utf8_lossy(&o.stdout),
                String::from_utf8_lossy(&o.stderr)
            );
            let code = o.status.code();
            let ok = if is_broken_variant(s) {
                code == Some(1) && text.contains("finding agreement")
            } else {
                code == Some(0)
            };
            if !ok {
                failures.push(format!("{} → exit {code:?}\n{text}", s.display()));
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}
