//! Trace format 1.2: multi-chain traces, written by hand — a relay transfer out and back
//! between `cash` and `sec` and a DvP pair settled by hashlocks — checked per chain and across
//! chains; then each cross-chain property broken in turn, a fork on one chain, and the lines
//! that name no chain or an unknown one.

use serde_json::{json, Value};
use touchstone_check::{check_reader, CheckError, CheckOptions, CheckReport, LiveChecker, Verdict};

/// A two-chain trace under construction (`t_ns` steps 1 ms a line).
struct X {
    lines: Vec<Value>,
    t: u64,
    /// Per chain, the height decided last.
    top: [u64; 2],
}

const CHAINS: [&str; 2] = ["cash", "sec"];

fn chain_entry(id: &str) -> Value {
    let vals: Vec<Value> = (0..4).map(|i| json!({"id": format!("n{i}"), "power": 1})).collect();
    json!({"id": id, "protocol": "pbft", "family": "pbft", "quorum": {"num": 2, "den": 3},
        "timeout_ns": 1_000_000_000u64, "validators": vals})
}

fn proof(chain: &str, height: u64, signers: &[&str], xfer: &str) -> Value {
    json!({"chain": chain, "height": height, "block": format!("{chain}-B{height}"),
        "signers": signers, "xfer": xfer})
}

const Q: [&str; 3] = ["n0", "n1", "n2"];

impl X {
    fn new() -> X {
        let mut x = X { lines: Vec::new(), t: 0, top: [0, 0] };
        x.push(json!({"kind": "run.start", "seed": 3, "scenario": "xchain-unit", "adapter": "handwritten",
            "chains": [chain_entry("cash"), chain_entry("sec")]}));
        x.on(
            0,
            json!({"kind": "tx.submit", "tx": "g1", "client": "genesis", "op": "issue",
            "to": "alice", "asset": "USD", "amount": 100}),
        );
        x.on(0, json!({"kind": "tx.result", "tx": "g1", "status": "committed", "height": 0}));
        x.on(
            1,
            json!({"kind": "tx.submit", "tx": "g2", "client": "genesis", "op": "issue",
            "to": "dave", "asset": "SEC", "amount": 50}),
        );
        x.on(1, json!({"kind": "tx.result", "tx": "g2", "status": "committed", "height": 0}));
        x
    }

    fn push(&mut self, mut v: Value) -> &mut X {
        v["t_ns"] = json!(self.t);
        self.t += 1_000_000;
        self.lines.push(v);
        self
    }

    /// A line on chain `c`.
    fn on(&mut self, c: usize, mut v: Value) -> &mut X {
        v["chain"] = json!(CHAINS[c]);
        self.push(v)
    }

    /// A bridge `tx.submit` on chain `c`.
    fn op(&mut self, c: usize, tx: &str, op: &str, fields: Value) -> &mut X {
        let mut v = json!({"kind": "tx.submit", "tx": tx, "client": "relay", "op": op});
        for (k, f) in fields.as_object().unwrap() {
            v[k] = f.clone();
        }
        self.on(c, v)
    }

    /// The next height of chain `c`, holding `txs`, decided by all four nodes (a fork when
    /// `fork`: n3 decides another block), and the txs' committed results.
    fn block(&mut self, c: usize, txs: &[&str], fork: bool) -> &mut X {
        let h = self.top[c] + 1;
        self.top[c] = h;
        let id = CHAINS[c];
        let (b, parent) = (format!("{id}-B{h}"), format!("{id}-B{}", h - 1));
        self.on(
            c,
            json!({"kind": "cons.propose", "node": format!("n{}", h % 4), "height": h,
            "round": 0, "block": b, "parent": parent, "txs": txs}),
        );
        for n in 0..4 {
            let block = if fork && n == 3 { format!("{id}-X{h}") } else { b.clone() };
            self.on(
                c,
                json!({"kind": "cons.decide", "node": format!("n{n}"), "height": h, "round": 0,
                "block": block, "parent": parent, "txs": txs, "cert": {"signers": Q}}),
            );
        }
        for tx in txs {
            self.on(c, json!({"kind": "tx.result", "tx": tx, "status": "committed", "height": h, "node": "n0"}));
        }
        self
    }

    fn wait(&mut self, ns: u64) -> &mut X {
        self.t += ns;
        self
    }

    fn text(&self) -> String {
        let mut s: String = self.lines.iter().map(|l| format!("{l}\n")).collect();
        s.push_str(&format!("{{\"kind\":\"run.end\",\"t_ns\":{}}}\n", self.t));
        s
    }

    fn check(&self) -> CheckReport {
        try_check(&self.text()).unwrap_or_else(|e| panic!("{e}\n{}", self.text()))
    }
}

fn opts() -> CheckOptions {
    CheckOptions { settlement_bound_ns: Some(50_000_000), ..CheckOptions::default() }
}

fn try_check(text: &str) -> Result<CheckReport, CheckError> {
    check_reader(text.as_bytes(), "xchain.jsonl", &opts())
}

fn lock(x: &mut X, tx: &str, xfer: &str, amount: u64) {
    x.op(
        0,
        tx,
        "lock",
        json!({"from": "alice", "to": "escrow", "asset": "USD", "amount": amount,
        "peer_chain": "sec", "beneficiary": "bob", "xfer": xfer}),
    );
}

fn mint(x: &mut X, tx: &str, xfer: &str, amount: u64, proof: Value) {
    x.op(
        1,
        tx,
        "mint",
        json!({"to": "bob", "asset": "USD", "amount": amount, "peer_chain": "cash",
        "proof": proof, "xfer": xfer}),
    );
}

/// The DvP pair `d1`: dave's SEC on `sec` against alice's USD on `cash`, both locked by hash.
fn hashlocks(x: &mut X) {
    // Claimable up to height 5 of each chain.
    let exp = 5;
    x.op(
        1,
        "h1",
        "hashlock",
        json!({"from": "dave", "to": "escrow", "asset": "SEC", "amount": 5,
        "hash": "ab12", "expires_height": exp, "beneficiary": "alice", "dvp": "d1", "xfer": "d1-sec"}),
    );
    x.op(
        0,
        "h2",
        "hashlock",
        json!({"from": "alice", "to": "escrow", "asset": "USD", "amount": 10,
        "hash": "ab12", "expires_height": exp, "beneficiary": "dave", "dvp": "d1", "xfer": "d1-cash"}),
    );
    x.block(1, &["h1"], false).block(0, &["h2"], false);
}

fn end_leg(x: &mut X, c: usize, tx: &str, how: &str, xfer: &str) {
    let to = match (c, how) {
        (1, "claim") | (0, "refund") => "alice",
        _ => "dave",
    };
    let asset = if c == 1 { "SEC" } else { "USD" };
    let amount = if c == 1 { 5 } else { 10 };
    x.op(
        c,
        tx,
        how,
        json!({"from": "escrow", "to": to, "asset": asset, "amount": amount,
        "preimage": "00ff", "dvp": "d1", "xfer": xfer}),
    );
    x.block(c, &[tx], false);
}

/// Out and back by relay (lock x1 on cash, mint on sec; burn x2 on sec, release on cash),
/// and DvP pair d1 claimed on both chains.
fn clean() -> X {
    let mut x = X::new();
    lock(&mut x, "L1", "x1", 40);
    x.block(0, &["L1"], false);
    mint(&mut x, "M1", "x1", 40, proof("cash", 1, &Q, "x1"));
    x.block(1, &["M1"], false);
    x.op(
        1,
        "B2",
        "burn",
        json!({"from": "bob", "asset": "USD", "amount": 15, "peer_chain": "cash",
        "beneficiary": "alice", "xfer": "x2"}),
    );
    x.block(1, &["B2"], false);
    x.op(
        0,
        "R2",
        "release",
        json!({"from": "escrow", "to": "alice", "asset": "USD", "amount": 15,
        "peer_chain": "sec", "proof": proof("sec", 2, &Q, "x2"), "xfer": "x2"}),
    );
    x.block(0, &["R2"], false);
    hashlocks(&mut x);
    end_leg(&mut x, 0, "c2", "claim", "d1-cash");
    end_leg(&mut x, 1, "c1", "claim", "d1-sec");
    x
}

fn prop<'a>(r: &'a CheckReport, id: &str) -> &'a touchstone_check::PropertyResult {
    r.properties.iter().find(|p| p.id == id).unwrap_or_else(|| panic!("no {id}"))
}

/// The findings of property `id`: (chain, height, message).
fn found(r: &CheckReport, id: &str) -> Vec<(Option<String>, Option<u64>, String)> {
    r.findings
        .iter()
        .filter(|f| f.property == id)
        .map(|f| (f.chain.clone(), f.height, f.message.clone()))
        .collect()
}

#[test]
fn a_clean_relay_and_dvp_pass_every_cross_chain_property() {
    let trace = clean();
    let r = trace.check();
    assert!(r.passed(), "{}", r.render_text());
    for id in [
        "xchain_conservation",
        "xchain_no_double_mint",
        "xchain_atomicity",
        "xchain_settlement_time",
    ] {
        assert_eq!(prop(&r, id).verdict, Verdict::Pass, "{id}: {}", r.render_text());
    }
    assert_eq!(r.spec_version, "1.2");
    let ids: Vec<&str> = r.chains.iter().map(|c| c.id.as_str()).collect();
    assert_eq!(ids, ["cash", "sec"]);
    assert!(r.chains.iter().all(|c| c.status == "passed" && c.heights_decided == 4));
    let agreement = prop(&r, "agreement").chains.clone().expect("per-chain verdicts");
    assert!(agreement.iter().all(|c| c.verdict == Verdict::Pass));
    let x = r.xchain.clone().expect("cross-chain summary");
    let states: Vec<(&str, &str)> =
        x.transfers.iter().map(|t| (t.xfer.as_str(), t.state.as_str())).collect();
    assert_eq!(states, [("x1", "settled"), ("x2", "settled")]);
    assert!(x.transfers.iter().all(|t| t.latency_ns.is_some_and(|l| l > 0 && l < 50_000_000)));
    assert_eq!(x.dvp.len(), 1);
    assert_eq!(x.dvp[0].state, "settled");
    // The pair settled from its first leg's lock (h1 on sec) to its last claim (c1 on sec).
    let committed = |tx: &str| {
        let l = trace.lines.iter().find(|l| l["kind"] == "tx.result" && l["tx"] == tx);
        l.and_then(|l| l["t_ns"].as_u64()).unwrap()
    };
    assert!(committed("h1") < committed("h2") && committed("c2") < committed("c1"));
    assert_eq!(x.dvp[0].latency_ns, Some(committed("c1") - committed("h1")));
}

#[test]
fn a_mint_without_a_lock_is_an_unbacked_mint_on_the_destination() {
    let mut x = X::new();
    x.block(0, &[], false);
    mint(&mut x, "M1", "x1", 40, proof("cash", 1, &Q, "x1"));
    x.block(1, &["M1"], false);
    let r = x.check();
    assert_eq!(prop(&r, "xchain_conservation").verdict, Verdict::Fail, "{}", r.render_text());
    let f = found(&r, "xchain_conservation");
    assert_eq!(f.len(), 1, "{f:?}");
    assert_eq!((f[0].0.as_deref(), f[0].1), (Some("sec"), Some(1)));
    assert!(f[0].2.contains("xfer x1") && f[0].2.contains("no committed lock"), "{}", f[0].2);
    assert!(r.render_text().contains("chain=sec"), "{}", r.render_text());
    // Every per-chain property still holds on both chains.
    assert!(r
        .properties
        .iter()
        .filter(|p| !p.id.starts_with("xchain_"))
        .all(|p| p.verdict != Verdict::Fail));
}

#[test]
fn a_mint_whose_proof_lacks_a_quorum_or_names_an_undecided_block_is_caught() {
    for (signers, block, want) in
        [(&["n0", "n1"][..], None, "no quorum"), (&Q[..], Some("cash-B9"), "never decided")]
    {
        let mut x = X::new();
        lock(&mut x, "L1", "x1", 40);
        x.block(0, &["L1"], false);
        let mut p = proof("cash", 1, signers, "x1");
        if let Some(b) = block {
            p["block"] = json!(b);
        }
        mint(&mut x, "M1", "x1", 40, p);
        x.block(1, &["M1"], false);
        let r = x.check();
        let f = found(&r, "xchain_conservation");
        assert_eq!(f.len(), 1, "{want}: {}", r.render_text());
        assert_eq!((f[0].0.as_deref(), f[0].1), (Some("sec"), Some(1)));
        assert!(f[0].2.contains(want) && f[0].2.contains("xfer x1"), "{}", f[0].2);
    }
}

#[test]
fn a_second_mint_of_one_transfer_is_a_double_mint() {
    let mut x = clean();
    mint(&mut x, "M1b", "x1", 40, proof("cash", 1, &Q, "x1"));
    x.block(1, &["M1b"], false);
    let r = x.check();
    assert_eq!(prop(&r, "xchain_no_double_mint").verdict, Verdict::Fail);
    let f = found(&r, "xchain_no_double_mint");
    assert_eq!(f.len(), 1, "{f:?}");
    assert_eq!((f[0].0.as_deref(), f[0].1), (Some("sec"), Some(5)));
    assert!(f[0].2.contains("xfer x1"), "{}", f[0].2);
    // The extra supply is unbacked too.
    assert_eq!(prop(&r, "xchain_conservation").verdict, Verdict::Fail);
}

#[test]
fn a_dvp_pair_claimed_on_one_chain_and_refunded_on_the_other_is_not_atomic() {
    let mut x = X::new();
    hashlocks(&mut x);
    end_leg(&mut x, 1, "c1", "claim", "d1-sec");
    end_leg(&mut x, 0, "r2", "refund", "d1-cash");
    let r = x.check();
    assert_eq!(prop(&r, "xchain_atomicity").verdict, Verdict::Fail, "{}", r.render_text());
    let f = found(&r, "xchain_atomicity");
    assert_eq!(f.len(), 1);
    assert_eq!((f[0].0.as_deref(), f[0].1), (Some("cash"), Some(2)));
    assert!(f[0].2.contains("d1") && f[0].2.contains("half settled"), "{}", f[0].2);
    assert_eq!(r.xchain.as_ref().unwrap().dvp[0].state, "broken");
    // No relay transfer in this trace: conservation and settlement time are not evaluated.
    assert_eq!(prop(&r, "xchain_conservation").verdict, Verdict::NotEvaluated);
    assert_eq!(prop(&r, "xchain_settlement_time").verdict, Verdict::NotEvaluated);
}

#[test]
fn a_pair_left_locked_is_stuck_and_a_finding_once_its_lock_expired() {
    let mut x = X::new();
    hashlocks(&mut x);
    end_leg(&mut x, 1, "c1", "claim", "d1-sec");
    let r = x.check();
    assert_eq!(prop(&r, "xchain_atomicity").verdict, Verdict::Pass, "{}", r.render_text());
    assert_eq!(r.xchain.as_ref().unwrap().dvp[0].state, "stuck");
    // The cash chain decides past the expiry: the locked leg can only be refunded now.
    for _ in 0..5 {
        x.block(0, &[], false);
    }
    let r = x.check();
    let f = found(&r, "xchain_atomicity");
    assert_eq!(f.len(), 1, "{}", r.render_text());
    assert!(f[0].2.contains("stuck") && f[0].2.contains("d1-cash"), "{}", f[0].2);
}

#[test]
fn a_mint_later_than_the_bound_breaks_settlement_time() {
    let mut x = X::new();
    lock(&mut x, "L1", "x1", 40);
    x.block(0, &["L1"], false);
    x.wait(200_000_000);
    mint(&mut x, "M1", "x1", 40, proof("cash", 1, &Q, "x1"));
    x.block(1, &["M1"], false);
    let r = x.check();
    assert_eq!(prop(&r, "xchain_settlement_time").verdict, Verdict::Fail, "{}", r.render_text());
    let f = found(&r, "xchain_settlement_time");
    assert_eq!((f[0].0.as_deref(), f[0].1), (Some("sec"), Some(1)));
    assert!(f[0].2.contains("xfer x1"), "{}", f[0].2);
    assert_eq!(prop(&r, "xchain_conservation").verdict, Verdict::Pass);
}

#[test]
fn a_lock_never_minted_is_unsettled_once_the_bound_passed() {
    let mut x = X::new();
    lock(&mut x, "L1", "x1", 40);
    x.block(0, &["L1"], false);
    x.wait(200_000_000);
    let r = x.check();
    let f = found(&r, "xchain_settlement_time");
    assert_eq!(f.len(), 1, "{}", r.render_text());
    assert_eq!((f[0].0.as_deref(), f[0].1), (Some("cash"), Some(1)));
    assert!(f[0].2.contains("not settled"), "{}", f[0].2);
}

#[test]
fn a_fork_on_one_chain_fails_agreement_there_only() {
    let mut x = clean();
    x.block(1, &[], true);
    x.block(0, &[], false);
    let r = x.check();
    let a = prop(&r, "agreement");
    assert_eq!(a.verdict, Verdict::Fail, "{}", r.render_text());
    let per: Vec<(String, Verdict)> =
        a.chains.as_ref().unwrap().iter().map(|c| (c.chain.clone(), c.verdict)).collect();
    assert_eq!(per, [("cash".to_string(), Verdict::Pass), ("sec".to_string(), Verdict::Fail)]);
    let f = found(&r, "agreement");
    assert!(
        !f.is_empty() && f.iter().all(|f| f.0.as_deref() == Some("sec") && f.1 == Some(5)),
        "{f:?}"
    );
    let status: Vec<&str> = r.chains.iter().map(|c| c.status.as_str()).collect();
    assert_eq!(status, ["passed", "failed"]);
    assert!(r.render_text().contains("cash pass, sec FAIL"), "{}", r.render_text());
    // The cross-chain properties are unaffected.
    assert_eq!(prop(&r, "xchain_conservation").verdict, Verdict::Pass);
}

#[test]
fn a_line_naming_an_unknown_chain_or_none_is_a_bad_line() {
    let mut x = clean();
    let n = x.lines.len();
    x.push(json!({"kind": "cons.vote", "chain": "bogus", "node": "n0", "height": 9, "round": 0,
        "vtype": "prepare", "block": "B9"}));
    match try_check(&x.text()) {
        Err(CheckError::BadLine { line, field, message, .. }) => {
            assert_eq!((line, field.as_str()), (n as u64 + 1, "chain"));
            assert!(message.contains("unknown chain \"bogus\""), "{message}");
        }
        other => panic!("{other:?}"),
    }
    x.lines.pop();
    x.push(
        json!({"kind": "tx.submit", "tx": "t9", "client": "c", "op": "transfer", "from": "alice",
        "to": "bob", "asset": "USD", "amount": 1}),
    );
    match try_check(&x.text()) {
        Err(CheckError::BadLine { line, field, .. }) => {
            assert_eq!((line, field.as_str()), (n as u64 + 1, "chain"))
        }
        other => panic!("{other:?}"),
    }
    // Skipped, it is counted and named; the rest is checked.
    let o = CheckOptions { skip_bad_lines: true, ..opts() };
    let r = check_reader(x.text().as_bytes(), "x", &o).unwrap();
    assert_eq!(r.bad_lines.count, 1);
    assert_eq!(
        (r.bad_lines.first[0].line, r.bad_lines.first[0].field.as_str()),
        (n as u64 + 1, "chain")
    );
    assert!(r.passed(), "{}", r.render_text());
}

#[test]
fn the_live_checker_refuses_a_multi_chain_trace() {
    let text = clean().text();
    let o = opts();
    let mut live = LiveChecker::new("x", &o);
    let first = text.lines().next().unwrap();
    match live.push_line(first.as_bytes()) {
        Err(e @ CheckError::MultiChainLive { .. }) => assert!(e.to_string().contains("chains")),
        other => panic!("{other:?}"),
    }
}

#[test]
fn a_single_chain_trace_leaves_the_cross_chain_properties_not_evaluated() {
    let r = crate::builder::clean().check();
    for id in [
        "xchain_conservation",
        "xchain_no_double_mint",
        "xchain_atomicity",
        "xchain_settlement_time",
    ] {
        let p = prop(&r, id);
        assert_eq!(p.verdict, Verdict::NotEvaluated, "{id}");
        assert!(p.reason.as_deref().unwrap().contains("single-chain"), "{id}");
        assert_eq!(p.chains, None);
    }
    assert!(
        r.chains.is_empty() && r.xchain.is_none() && r.findings.iter().all(|f| f.chain.is_none())
    );
    let j = serde_json::to_string(&r).unwrap();
    for field in ["\"chain\":", "\"chains\":", "\"xchain\":"] {
        assert!(!j.contains(field), "single-chain JSON gains no {field} field: {j}");
    }
}
