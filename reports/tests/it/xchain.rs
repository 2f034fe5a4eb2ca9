//! The cross-chain section: a run whose trace moved cash between two chains shows its
//! settlement times, what is left unsettled, scores B5.1 and gates A3 from the checker.

use super::html::check_well_formed;
use super::support::*;
use touchstone_reports::synth::Synth;
use touchstone_reports::{RunInput, Scorer};

/// Two PBFT chains: x1 locked on `cash` at height 1 and minted on `sec` 1.5 s after that
/// commit, x2 locked at height 2 and never minted.
fn trace() -> String {
    let chain = |id: &str| {
        format!(
            r#"{{"id":"{id}","protocol":"pbft","family":"pbft","validators":[{{"id":"n0"}},{{"id":"n1"}},{{"id":"n2"}},{{"id":"n3"}}]}}"#
        )
    };
    let mut l = vec![format!(
        r#"{{"kind":"run.start","t_ns":0,"seed":1,"scenario":"xchain","chains":[{},{}]}}"#,
        chain("cash"),
        chain("sec")
    )];
    let mut t = 0u64;
    let mut at = |ns: u64| {
        t += ns;
        t
    };
    let block = |l: &mut Vec<String>, t: u64, c: &str, h: u64, tx: &str| {
        for n in 0..4 {
            l.push(format!(
                r#"{{"kind":"cons.decide","t_ns":{t},"chain":"{c}","node":"n{n}","height":{h},"round":0,"block":"{c}-B{h}","parent":"{c}-B{}","txs":["{tx}"],"cert":{{"signers":["n0","n1","n2"]}}}}"#,
                h - 1
            ));
        }
        l.push(format!(r#"{{"kind":"tx.result","t_ns":{t},"chain":"{c}","tx":"{tx}","status":"committed","height":{h},"node":"n0"}}"#));
    };
    l.push(format!(r#"{{"kind":"tx.submit","t_ns":{},"chain":"cash","tx":"g","client":"genesis","op":"issue","to":"alice","asset":"USD","amount":100}}"#, at(1)));
    l.push(format!(r#"{{"kind":"tx.result","t_ns":{},"chain":"cash","tx":"g","status":"committed","height":0}}"#, at(1)));
    for (i, h) in [(1u64, 1u64), (2, 2)] {
        l.push(format!(r#"{{"kind":"tx.submit","t_ns":{},"chain":"cash","tx":"L{i}","client":"c","op":"lock","from":"alice","to":"bridge.escrow","asset":"USD","amount":10,"peer_chain":"sec","beneficiary":"bob","xfer":"x{i}"}}"#, at(1_000)));
        block(&mut l, at(100_000_000), "cash", h, &format!("L{i}"));
    }
    l.push(format!(r#"{{"kind":"tx.submit","t_ns":{},"chain":"sec","tx":"M1","client":"relay","op":"mint","to":"bob","asset":"USD","amount":10,"peer_chain":"cash","xfer":"x1","proof":{{"chain":"cash","height":1,"block":"cash-B1","signers":["n0","n1","n2"],"xfer":"x1"}}}}"#, at(1_000)));
    let t_mint = at(1_400_000_000 - 2_000);
    block(&mut l, t_mint, "sec", 1, "M1");
    l.push(format!(r#"{{"kind":"run.end","t_ns":{}}}"#, at(1)));
    l.join("\n") + "\n"
}

#[test]
fn a_cross_chain_run_shows_its_settlement_and_feeds_b51_and_the_a3_gates() {
    let (_tmp, dir) = synth_run(&Synth::small());
    let mut run = RunInput::load_labelled(&dir, "run").unwrap();
    let check = touchstone_check::check_reader(
        trace().as_bytes(),
        "xchain.jsonl",
        &touchstone_check::CheckOptions::default(),
    )
    .unwrap();
    run.check = Some(check);
    let r = Scorer::new(None).unwrap().score("regulator", "run", "xchain", &[run]).unwrap();
    let x = &r.xchain[0];
    assert_eq!((x.transfers, x.settled), (2, 1), "{x:?}");
    // L1 committed at t = 100,001,002 ns, M1 at 1,600,001,002 ns.
    assert_eq!(x.latencies_ns, vec![1_500_000_000], "{x:?}");
    assert!(x.pending[0].starts_with("x2 lock 10 USD from cash to sec"), "{:?}", x.pending);
    let b51 = r
        .areas
        .iter()
        .flat_map(|a| &a.groups)
        .flat_map(|g| &g.indicators)
        .find(|i| i.id == "B5.1")
        .unwrap();
    assert!(b51.score.is_some(), "B5.1 is scored: {b51:?}");
    for g in ["A3.1", "A3.2"] {
        let gate = r.gates.iter().find(|x| x.id == g).unwrap();
        assert_eq!(format!("{:?}", gate.status), "Pass", "{gate:?}");
    }
    let html = touchstone_reports::html::render(&r);
    check_well_formed(&html).unwrap();
    assert!(html.contains("Cross-chain settlement — run"), "section present");
    assert!(html.contains("aria-label=\"Cross-chain settlement time CDF"), "chart present");
    assert!(html.contains("1.500 s"), "the p50 in the table");
    assert!(html.contains("Transfers not settled"));
}

#[test]
fn a_single_chain_run_has_no_cross_chain_section() {
    let (_tmp, dir) = synth_run(&Synth::small());
    let r = score_dir(&dir, "regulator");
    assert!(r.xchain.is_empty());
    assert!(!touchstone_reports::html::render(&r).contains("<section id=\"xchain-"));
    let json = touchstone_reports::render_json(&r);
    assert!(!json.contains("\"xchain\""), "the JSON of a single-chain report is unchanged");
}
