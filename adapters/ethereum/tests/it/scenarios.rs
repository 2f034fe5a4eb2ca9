//! The shipped Ethereum scenarios parse, and fit this adapter (native coin, transfers, n0 only).

use std::path::Path;

#[test]
fn shipped_ethereum_scenarios_are_valid_and_use_the_native_coin() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../scenarios");
    for name in ["ethereum-payment.toml", "ethereum-clearing.toml"] {
        let (s, _) = touchstone_core::scenario::load(&root.join(name))
            .unwrap_or_else(|e| panic!("{name}: {e}"));
        assert_eq!(s.workload.assets.len(), 1, "{name}");
        assert_eq!(s.workload.assets[0].id, "ETH", "{name}");
        assert!(s.workload.mix.keys().all(|op| op == "transfer"), "{name}");
        assert!(s.faults.iter().all(|f| f.action.nodes().iter().all(|n| n == "n0")), "{name}");
    }
}
