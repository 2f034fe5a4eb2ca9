//! Random correct traces (validators with power, Byzantine nodes within budget, a crash and a
//! partition), with at most one injected violation and the findings it must produce.

#![allow(clippy::needless_range_loop)] // the generator indexes several per-node tables together

use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use serde_json::{json, Value};

use crate::builder::node;

/// Violations the generator can inject.
pub const VIOLATIONS: &[&str] = &[
    "none",
    "agreement",
    "integrity",
    "chain",
    "quorum",
    "validity",
    "state_agreement",
    "equivocation",
    "no_double_spend",
    "conservation",
    "no_lost_tx",
    "no_phantom_tx",
    "liveness",
];

/// A generated trace and the findings expected: (property, nodes, height).
pub struct Generated {
    pub lines: Vec<Value>,
    pub expected: Vec<(String, Vec<String>, Option<u64>)>,
    pub byzantine: Vec<String>,
}

struct G {
    rng: ChaCha8Rng,
    lines: Vec<Value>,
    t: u64,
}

impl G {
    fn push(&mut self, mut v: Value) {
        v["t_ns"] = json!(self.t);
        self.t += 1_000_000;
        self.lines.push(v);
    }
}

fn names(v: &[usize]) -> Vec<String> {
    let mut v: Vec<String> = v.iter().map(|&i| node(i)).collect();
    v.sort();
    v
}

/// Generates a trace from `seed` with violation `VIOLATIONS[violation]`.
pub fn generate(seed: u64, violation: usize) -> Generated {
    let v = VIOLATIONS[violation];
    let mut g = G { rng: ChaCha8Rng::seed_from_u64(seed), lines: Vec::new(), t: 0 };
    let n: usize = g.rng.gen_range(4..=7);
    let power: Vec<u64> = (0..n).map(|_| g.rng.gen_range(1..=3)).collect();
    let total: u64 = power.iter().sum();
    // Byzantine nodes within budget (power * 3 < total).
    let mut byz = vec![false; n];
    let mut bp = 0;
    for i in 0..n {
        if g.rng.gen_bool(0.3) && (bp + power[i]) * 3 < total {
            byz[i] = true;
            bp += power[i];
        }
    }
    let correct: Vec<usize> = (0..n).filter(|&i| !byz[i]).collect();
    let correct_power: u64 = correct.iter().map(|&i| power[i]).sum();
    let heights: u64 = g.rng.gen_range(3..=7);
    // A correct node may crash at `hc` and restart at `hr` (or never), if a quorum remains.
    let mut crash: Option<(usize, u64, Option<u64>)> = None;
    let c = correct[g.rng.gen_range(0..correct.len())];
    if g.rng.gen_bool(0.5) && (correct_power - power[c]) * 3 > total * 2 && correct.len() > 2 {
        let hc = g.rng.gen_range(2..=heights);
        let hr = g.rng.gen_range(hc..=heights + 1);
        crash = Some((c, hc, (hr <= heights).then_some(hr)));
    }
    let down = |i: usize, h: u64| match crash {
        Some((c, hc, hr)) => i == c && h >= hc && hr.is_none_or(|hr| h < hr),
        None => false,
    };
    let partition: Option<(u64, u64)> = g.rng.gen_bool(0.5).then(|| {
        let a = g.rng.gen_range(1..heights);
        (a, g.rng.gen_range(a + 1..=heights))
    });
    let vals: Vec<Value> = (0..n).map(|i| json!({"id": node(i), "power": power[i]})).collect();
    g.push(json!({"kind":"run.start","protocol":"tendermint","validators":vals,"seed":seed,"scenario":"gen"}));
    for i in 0..n {
        let role = if byz[i] { "byzantine" } else { "correct" };
        g.push(json!({"kind":"node.role","node":node(i),"role":role}));
    }
    // Genesis.
    let accounts = 4;
    let mut bal = vec![100i64; accounts];
    let mut nonce = vec![0u64; accounts];
    for (a, _) in bal.iter().enumerate() {
        let tx = format!("g{a}");
        g.push(json!({"kind":"tx.submit","tx":tx,"client":"genesis","op":"issue","to":format!("a{a}"),"asset":"EUR","amount":100}));
        g.push(json!({"kind":"tx.result","tx":tx,"status":"committed","height":0}));
    }
    let mut supply = 100 * accounts as i64;
    let mut expected: Vec<(String, Vec<String>, Option<u64>)> = Vec::new();
    let mut equivocators: Vec<usize> = Vec::new();
    // Pick targets for the violation.
    let target_h = g.rng.gen_range(1..=heights);
    let mut snapshots = Vec::new();
    let mut decided_at: Vec<Vec<usize>> = vec![Vec::new(); heights as usize + 1];
    // The cert of each height: the validators that precommitted it.
    let mut cert_at: Vec<Vec<usize>> = vec![Vec::new(); heights as usize + 1];
    let mut txs_at: Vec<Vec<String>> = vec![Vec::new(); heights as usize + 1];
    let mut ntx = 0;
    for h in 1..=heights {
        if let Some((c, hc, _)) = crash {
            if h == hc {
                g.push(json!({"kind":"fault.start","fault":"crash","type":"crash","targets":[node(c)]}));
            }
        }
        if partition.is_some_and(|p| p.0 == h) {
            g.push(json!({"kind":"fault.start","fault":"part","type":"partition","targets":[[node(0)],[node(1)]]}));
        }
        if partition.is_some_and(|p| p.1 == h) {
            g.push(json!({"kind":"net.heal"}));
        }
        if let Some((c, hc, Some(hr))) = crash {
            if h == hr {
                g.push(json!({"kind":"fault.stop","fault":"crash"}));
                // Catch-up: the restarted node decides the heights it missed.
                for m in hc..hr {
                    if v == "validity" && m == target_h {
                        expected.push(("validity".into(), names(&[c]), Some(m)));
                    }
                    let signers: Vec<String> = decided_signers(&cert_at[m as usize]);
                    g.push(json!({"kind":"cons.decide","node":node(c),"height":m,"round":0,"block":format!("B{m}"),
                        "parent":format!("B{}", m - 1),"app_hash":format!("A{m}"),"txs":txs_at[m as usize],"cert":{"signers":signers}}));
                }
            }
        }
        // Transactions of this height.
        let mut txs = Vec::new();
        for _ in 0..g.rng.gen_range(0..=3) {
            let from = g.rng.gen_range(0..accounts);
            let to = (from + 1 + g.rng.gen_range(0..accounts - 1)) % accounts;
            if bal[from] == 0 {
                continue;
            }
            let amount = g.rng.gen_range(1..=bal[from]);
            bal[from] -= amount;
            bal[to] += amount;
            nonce[from] += 1;
            let tx = format!("t{ntx}");
            ntx += 1;
            g.push(json!({"kind":"tx.submit","tx":tx,"client":"c0","op":"transfer","from":format!("a{from}"),
                "to":format!("a{to}"),"asset":"EUR","amount":amount,"nonce":nonce[from]}));
            txs.push(tx);
        }
        if g.rng.gen_bool(0.3) && bal[0] > 0 {
            let amount = g.rng.gen_range(1..=bal[0]);
            bal[0] -= amount;
            supply -= amount;
            nonce[0] += 1;
            let tx = format!("t{ntx}");
            ntx += 1;
            g.push(json!({"kind":"tx.submit","tx":tx,"client":"c0","op":"redeem","from":"a0","asset":"EUR","amount":amount,"nonce":nonce[0]}));
            txs.push(tx);
        }
        if v == "no_double_spend" && h == heights {
            let tx = "overspend".to_string();
            g.push(json!({"kind":"tx.submit","tx":tx,"client":"c0","op":"transfer","from":"a1","to":"a2","asset":"EUR","amount":bal[1] + 1,"nonce":1000}));
            txs.push(tx);
        }
        txs_at[h as usize] = txs.clone();
        let b = format!("B{h}");
        let running: Vec<usize> = (0..n).filter(|&i| !down(i, h)).collect();
        let proposer = running[h as usize % running.len()];
        if !(v == "validity" && h == target_h) {
            g.push(json!({"kind":"cons.propose","node":node(proposer),"height":h,"round":0,"block":b,"txs":txs}));
        }
        for vt in ["prevote", "precommit"] {
            for &i in &running {
                g.push(json!({"kind":"cons.vote","node":node(i),"height":h,"round":0,"vtype":vt,"block":b}));
                if byz[i] && vt == "prevote" && g.rng.gen_bool(0.5) {
                    g.push(json!({"kind":"cons.vote","node":node(i),"height":h,"round":0,"vtype":vt,"block":format!("Z{h}")}));
                    equivocators.push(i);
                }
                if v == "equivocation"
                    && h == target_h
                    && vt == "prevote"
                    && i == running_correct(&running, &byz)[0]
                {
                    g.push(json!({"kind":"cons.vote","node":node(i),"height":h,"round":0,"vtype":vt,"block":null}));
                    expected.push(("equivocation".into(), names(&[i]), Some(h)));
                }
            }
        }
        let signers = decided_signers(&running);
        cert_at[h as usize] = running.clone();
        let rc = running_correct(&running, &byz);
        let last = *rc.last().expect("a correct node runs");
        for &i in &running {
            if v == "chain"
                && h == target_h
                && h > 1
                && h < heights
                && i == last
                && crash.is_none_or(|c| c.0 != i)
            {
                expected.push(("chain".into(), names(&[i]), Some(h)));
                continue;
            }
            let mut d = json!({"kind":"cons.decide","node":node(i),"height":h,"round":0,"block":b,
                "parent":format!("B{}", h - 1),"app_hash":format!("A{h}"),"txs":txs,"cert":{"signers":signers}});
            if h == heights && i == last && v == "agreement" && rc.len() >= 2 {
                g.push(
                    json!({"kind":"cons.propose","node":node(i),"height":h,"round":1,"block":"F"}),
                );
                d["block"] = json!("F");
                expected.push(("agreement".into(), names(&[rc[0], i]), Some(h)));
                let mut eq = equivocators.clone();
                eq.sort();
                eq.dedup();
                expected.push(("accountability".into(), names(&eq), Some(h)));
            }
            if h == target_h && i == last && v == "quorum" {
                d["cert"]["signers"].as_array_mut().unwrap().push(json!("outsider"));
                expected.push(("quorum".into(), names(&[i]), Some(h)));
            }
            if h == target_h && i == last && v == "state_agreement" && rc.len() >= 2 {
                d["app_hash"] = json!("WRONG");
                expected.push(("state_agreement".into(), names(&[rc[0], i]), Some(h)));
            }
            if v == "validity" && h == target_h && !byz[i] {
                expected.push(("validity".into(), names(&[i]), Some(h)));
            }
            g.push(d);
            decided_at[h as usize].push(i);
        }
        if v == "no_double_spend" && h == heights {
            expected.push(("no_double_spend".into(), names(&[rc[0]]), Some(h)));
        }
        for tx in &txs {
            if tx != "overspend" {
                g.push(json!({"kind":"tx.result","tx":tx,"status":"committed","height":h,"node":node(rc[0])}));
            }
        }
        if h < heights && g.rng.gen_bool(0.6) {
            let who = rc[g.rng.gen_range(0..rc.len())];
            let balances: serde_json::Map<String, Value> =
                (0..accounts).map(|a| (format!("a{a}"), json!({"EUR": bal[a]}))).collect();
            snapshots.push((who, h));
            g.push(json!({"kind":"state.snapshot","node":node(who),"height":h,"app_hash":format!("A{h}"),
                "supply":{"EUR":supply},"balances":balances}));
        }
    }
    // Violations applied after the run.
    match v {
        "integrity" => {
            let h = target_h;
            let who = decided_at[h as usize]
                .iter()
                .copied()
                .find(|&i| !byz[i])
                .expect("a correct decider");
            g.push(
                json!({"kind":"cons.propose","node":node(who),"height":h,"round":1,"block":"I"}),
            );
            g.push(json!({"kind":"cons.decide","node":node(who),"height":h,"round":1,"block":"I","cert":{"signers":decided_signers(&cert_at[h as usize])}}));
            expected.push(("integrity".into(), names(&[who]), Some(h)));
        }
        "conservation" => {
            if let Some(&(who, h)) = snapshots.first() {
                let line = g
                    .lines
                    .iter_mut()
                    .find(|l| l["kind"] == "state.snapshot" && l["height"] == h)
                    .unwrap();
                line["supply"]["EUR"] = json!(supply + 1_000_000);
                expected.push(("conservation".into(), names(&[who]), Some(h)));
            }
        }
        "no_lost_tx" => {
            g.push(json!({"kind":"tx.submit","tx":"lost","client":"c0","op":"transfer","from":"a0","to":"a1","asset":"EUR","amount":1}));
            let who = decided_at[1].iter().copied().find(|&i| !byz[i]).unwrap();
            g.push(json!({"kind":"tx.result","tx":"lost","status":"committed","height":1,"node":node(who)}));
            expected.push(("no_lost_tx".into(), names(&[who]), Some(1)));
        }
        "no_phantom_tx" => {
            if let Some(h) = (1..=heights).find(|&h| !txs_at[h as usize].is_empty()) {
                g.push(json!({"kind":"tx.result","tx":txs_at[h as usize][0],"status":"rejected","reason":"OTHER"}));
                expected.push(("no_phantom_tx".into(), vec![], Some(h)));
            }
        }
        "liveness" => {
            g.push(json!({"kind":"net.heal"}));
            g.t += 11_000_000_000;
            g.push(json!({"kind":"run.end"}));
            let top = heights;
            for i in 0..n {
                if !byz[i] && !down(i, top) {
                    expected.push(("liveness".into(), names(&[i]), Some(top + 1)));
                }
            }
        }
        _ => {}
    }
    if g.lines.last().is_none_or(|l| l["kind"] != "run.end") {
        g.push(json!({"kind":"run.end"}));
    }
    expected.sort_by_key(|e| {
        let id: &str = &e.0;
        let idx = touchstone_check::Property::from_id(id).unwrap().index();
        (idx, e.2, e.1.clone())
    });
    Generated {
        lines: g.lines,
        expected,
        byzantine: names(&(0..n).filter(|&i| byz[i]).collect::<Vec<_>>()),
    }
}

fn decided_signers(nodes: &[usize]) -> Vec<String> {
    nodes.iter().map(|&i| node(i)).collect()
}

fn running_correct(running: &[usize], byz: &[bool]) -> Vec<usize> {
    running.iter().copied().filter(|&i| !byz[i]).collect()
}
