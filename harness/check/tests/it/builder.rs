//! A small builder for hand-written traces.

use serde_json::{json, Value};
use touchstone_check::{check_reader, CheckOptions, CheckReport, Finding, Verdict};

/// A trace under construction: one JSON object per line, `t_ns` added automatically. Its
/// text ends with a `run.end` unless it has one or is marked [`truncated`](T::truncated).
pub struct T {
    pub lines: Vec<Value>,
    pub t: u64,
    pub n: usize,
    pub truncated: bool,
}

pub fn node(i: usize) -> String {
    format!("n{i}")
}

impl T {
    /// `run.start` with `n` validators of power 1 (no protocol family declared: see
    /// [`T::family`]).
    pub fn new(protocol: &str, n: usize) -> T {
        let vals: Vec<Value> = (0..n).map(|i| json!({"id": node(i), "power": 1})).collect();
        let mut t = T { lines: Vec::new(), t: 0, n, truncated: false };
        t.push(json!({"kind":"run.start","protocol":protocol,"validators":vals,"seed":42,
            "scenario":"unit","adapter":"sim"}));
        t
    }

    /// Declares the protocol family in `run.start` (its votes are then judged by its rule).
    pub fn family(&mut self, family: &str) -> &mut T {
        self.lines[0]["family"] = json!(family);
        self
    }

    /// Appends an event (sets `t_ns` to a strictly increasing 1 ms step).
    pub fn push(&mut self, mut v: Value) -> &mut T {
        v["t_ns"] = json!(self.t);
        self.t += 1_000_000;
        self.lines.push(v);
        self
    }

    /// Advances time by `ns`.
    pub fn wait(&mut self, ns: u64) -> &mut T {
        self.t += ns;
        self
    }

    pub fn byz(&mut self, i: usize) -> &mut T {
        self.push(
            json!({"kind":"node.role","node":node(i),"role":"byzantine","behaviour":"equivocate"}),
        )
    }

    pub fn propose(&mut self, i: usize, h: u64, r: u64, block: &str) -> &mut T {
        self.push(json!({"kind":"cons.propose","node":node(i),"height":h,"round":r,"block":block}))
    }

    pub fn vote(&mut self, i: usize, h: u64, r: u64, vtype: &str, block: Option<&str>) -> &mut T {
        self.push(json!({"kind":"cons.vote","node":node(i),"height":h,"round":r,"vtype":vtype,"block":block}))
    }

    /// A decision with a cert of `signers`, the parent `B{h-1}` and app hash `A{h}`.
    pub fn decide(
        &mut self,
        i: usize,
        h: u64,
        block: &str,
        signers: &[usize],
        txs: &[&str],
    ) -> &mut T {
        let s: Vec<String> = signers.iter().map(|&j| node(j)).collect();
        self.push(json!({"kind":"cons.decide","node":node(i),"height":h,"round":0,"block":block,
            "parent": format!("B{}", h - 1), "app_hash": format!("A{h}"), "txs": txs, "cert":{"signers":s}}))
    }

    /// A full clean height: proposal by `h % n`, prevotes and precommits by all `nodes`,
    /// decisions by all `nodes` with a cert of all `nodes`.
    pub fn height(&mut self, h: u64, nodes: &[usize], txs: &[&str]) -> &mut T {
        let b = format!("B{h}");
        self.propose(h as usize % self.n, h, 0, &b);
        for vt in ["prevote", "precommit"] {
            for &i in nodes {
                self.vote(i, h, 0, vt, Some(&b));
            }
        }
        for &i in nodes {
            self.decide(i, h, &b, nodes, txs);
        }
        self
    }

    pub fn submit(
        &mut self,
        tx: &str,
        op: &str,
        from: Option<&str>,
        to: Option<&str>,
        amount: u64,
        nonce: u64,
    ) -> &mut T {
        self.push(json!({"kind":"tx.submit","tx":tx,"client":"c0","op":op,"from":from,"to":to,
            "asset":"EUR","amount":amount,"nonce":nonce}))
    }

    pub fn result(&mut self, tx: &str, status: &str, h: Option<u64>) -> &mut T {
        self.push(json!({"kind":"tx.result","tx":tx,"status":status,"height":h,"node":"n0"}))
    }

    pub fn snapshot(&mut self, i: usize, h: u64, supply: i64, balances: Value) -> &mut T {
        self.push(
            json!({"kind":"state.snapshot","node":node(i),"height":h,"app_hash":format!("A{h}"),
            "supply":{"EUR":supply},"balances":balances}),
        )
    }

    pub fn text(&self) -> String {
        let mut s = String::new();
        for l in &self.lines {
            s.push_str(&l.to_string());
            s.push('\n');
        }
        let ended = self.lines.last().is_some_and(|l| l["kind"] == "run.end");
        if !ended && !self.truncated {
            s.push_str(&json!({"kind":"run.end","t_ns":self.t}).to_string());
            s.push('\n');
        }
        s
    }

    pub fn check(&self) -> CheckReport {
        check_reader(self.text().as_bytes(), "test.jsonl", &CheckOptions::default())
            .expect("checks")
    }
}

/// The verdict of property `id`.
pub fn verdict(r: &CheckReport, id: &str) -> Verdict {
    r.properties.iter().find(|p| p.id == id).expect("property").verdict
}

/// Findings of property `id`.
pub fn findings<'a>(r: &'a CheckReport, id: &str) -> Vec<&'a Finding> {
    r.findings.iter().filter(|f| f.property == id).collect()
}

/// Asserts exactly one finding in total, of `id`, naming `nodes` at `height`.
#[track_caller]
pub fn only_finding(r: &CheckReport, id: &str, nodes: &[&str], height: Option<u64>) -> Finding {
    assert_eq!(r.findings.len(), 1, "expected one finding, got:\n{}", r.render_text());
    let f = r.findings[0].clone();
    assert_eq!(f.property, id, "{}", r.render_text());
    assert_eq!(f.nodes, nodes, "{}", r.render_text());
    assert_eq!(f.height, height, "{}", r.render_text());
    assert!(!f.lines.is_empty());
    assert_eq!(verdict(r, id), Verdict::Fail);
    assert!(!r.passed());
    f
}

/// A clean 4-node Tendermint trace that evaluates all 16 per-chain properties and passes them
/// (the four cross-chain ones are not evaluated on one chain).
pub fn clean() -> T {
    let mut t = T::new("tendermint", 4);
    t.family("tendermint");
    t.submit("g1", "issue", None, Some("alice"), 100, 0).result("g1", "committed", Some(0));
    t.submit("t1", "transfer", Some("alice"), Some("bob"), 30, 1);
    t.height(1, &[0, 1, 2, 3], &["t1"]);
    t.result("t1", "committed", Some(1));
    t.snapshot(0, 1, 100, json!({"alice":{"EUR":70},"bob":{"EUR":30}}));
    t.snapshot(1, 1, 100, json!({"alice":{"EUR":70},"bob":{"EUR":30}}));
    t.push(json!({"kind":"fault.start","fault":"f1","type":"partition","targets":[["n0","n1"],["n2","n3"]]}));
    t.wait(2_000_000_000);
    t.push(json!({"kind":"net.heal"}));
    t.submit("t2", "redeem", Some("bob"), None, 10, 1);
    t.height(2, &[0, 1, 2, 3], &["t2"]);
    t.result("t2", "committed", Some(2));
    t.snapshot(2, 2, 90, json!({"alice":{"EUR":70},"bob":{"EUR":20}}));
    t.height(3, &[0, 1, 2, 3], &[]);
    t.wait(11_000_000_000);
    t.push(json!({"kind":"run.end"}));
    t
}
