//! Every script under `scenarios/` validates.

#[test]
fn every_shipped_scenario_is_valid() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../scenarios");
    let mut n = 0;
    for entry in std::fs::read_dir(&dir).unwrap() {
        let p = entry.unwrap().path();
        if p.extension().is_some_and(|x| x == "toml") {
            if let Err(e) = touchstone_core::scenario::load(&p) {
                panic!("{e}");
            }
            n += 1;
        }
    }
    assert!(n >= 2, "expected shipped scenarios in {}", dir.display());
}

/// Each scenario for the simulated network says what it is for, so a suite scores each indicator
/// from the runs meant to measure it (`ethereum-*` are the Ethereum adapter's own).
#[test]
fn every_shipped_simulated_scenario_declares_its_purpose() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../scenarios");
    let mut silent = Vec::new();
    for entry in std::fs::read_dir(&dir).unwrap() {
        let p = entry.unwrap().path();
        let name = p.file_name().unwrap().to_string_lossy().to_string();
        if p.extension().is_some_and(|x| x == "toml") && !name.starts_with("ethereum-") {
            let (s, _) = touchstone_core::scenario::load(&p).unwrap();
            if s.purpose.is_empty() {
                silent.push(name);
            }
        }
    }
    assert!(silent.is_empty(), "scenarios without a purpose: {silent:?}");
}
