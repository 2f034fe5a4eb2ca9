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
