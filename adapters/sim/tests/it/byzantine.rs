//! Byzantine behaviours switched on at run time (a `byzantine` fault) act at once, in every
//! protocol that implements them — not only in those configured Byzantine from the start.

use crate::common::*;
use std::collections::{BTreeMap, BTreeSet};
use touchstone_core::scenario::{Behaviour, FaultAction};

const SWITCH: u64 = 3 * S;

/// `protocol` on 4 validators; `node` turns `behaviour` at 3 s.
fn switched(protocol: &str, node: &str, behaviour: Behaviour) -> Run {
    let s = payment(protocol, 4, 40.0, 8)
        .fault(SWITCH, None, FaultAction::Byzantine { nodes: nodes(&[node]), behaviour })
        .build();
    run(&s, 1)
}

/// The validator that proposes most often in the honest run (PBFT's primary, Raft's leader).
fn busiest_proposer(protocol: &str) -> String {
    let r = run(&payment(protocol, 4, 40.0, 8).build(), 1);
    let mut count: BTreeMap<String, usize> = BTreeMap::new();
    for l in r.lines.iter().filter(|l| l["kind"] == "cons.propose") {
        *count.entry(l["node"].as_str().unwrap().to_string()).or_default() += 1;
    }
    count.into_iter().max_by_key(|(n, c)| (*c, std::cmp::Reverse(n.clone()))).unwrap().0
}

/// Times at which `node` cast a second, different vote of one type at one (height, round), or
/// a second, different proposal at one (height, round). In HotStuff a view is the unit (a fork
/// sits at another height of the same view).
fn equivocations(r: &Run, protocol: &str, node: &str) -> Vec<u64> {
    let mut first: BTreeMap<(String, u64, u64), String> = BTreeMap::new();
    let mut at = Vec::new();
    for l in r.lines.iter().filter(|l| l["node"] == node) {
        let what = match l["kind"].as_str() {
            Some("cons.vote") => l["vtype"].as_str().unwrap().to_string(),
            Some("cons.propose") => "propose".to_string(),
            _ => continue,
        };
        let height = if protocol == "hotstuff" { 0 } else { l["height"].as_u64().unwrap() };
        let key = (what, height, l["round"].as_u64().unwrap());
        let block = l["block"].to_string();
        match first.get(&key) {
            Some(b) if *b != block => at.push(l["t_ns"].as_u64().unwrap()),
            Some(_) => {}
            None => {
                first.insert(key, block);
            }
        }
    }
    at
}

fn equivocates_only_after_the_switch(protocol: &str) {
    let r = switched(protocol, "n1", Behaviour::Equivocate);
    let at = equivocations(&r, protocol, "n1");
    assert!(!at.is_empty(), "{protocol}: n1 never equivocated after its switch at 3 s");
    assert!(at.iter().all(|&t| t >= SWITCH), "{protocol}: n1 equivocated before 3 s: {at:?}");
}

#[test]
fn an_equivocation_switched_on_at_run_time_acts_at_once_in_pbft() {
    equivocates_only_after_the_switch("pbft");
}

#[test]
fn an_equivocation_switched_on_at_run_time_acts_at_once_in_tendermint() {
    equivocates_only_after_the_switch("tendermint");
}

#[test]
fn an_equivocation_switched_on_at_run_time_acts_at_once_in_hotstuff() {
    equivocates_only_after_the_switch("hotstuff");
}

/// Proposals of `node` holding a transaction nobody submitted (an invalid one), by time.
fn invalid_proposals(r: &Run, node: &str) -> Vec<u64> {
    let submitted: BTreeSet<&str> = r
        .lines
        .iter()
        .filter(|l| l["kind"] == "tx.submit")
        .map(|l| l["tx"].as_str().unwrap())
        .collect();
    r.lines
        .iter()
        .filter(|l| l["kind"] == "cons.propose" && l["node"] == node)
        .filter(|l| {
            l["txs"].as_array().is_some_and(|txs| {
                txs.iter().any(|t| !submitted.contains(t.as_str().unwrap_or_default()))
            })
        })
        .map(|l| l["t_ns"].as_u64().unwrap())
        .collect()
}

fn proposes_invalid_blocks_only_after_the_switch(protocol: &str) {
    let node = busiest_proposer(protocol);
    let r = switched(protocol, &node, Behaviour::InvalidProposal);
    let at = invalid_proposals(&r, &node);
    assert!(!at.is_empty(), "{protocol}: {node} never proposed an invalid block after 3 s");
    assert!(at.iter().all(|&t| t >= SWITCH), "{protocol}: invalid proposal before 3 s: {at:?}");
    assert!(r.disagreement().is_none(), "{protocol}: {:?}", r.disagreement());
}

#[test]
fn invalid_proposals_switched_on_at_run_time_act_at_once_in_every_protocol() {
    for p in ["pbft", "tendermint", "hotstuff", "raft"] {
        proposes_invalid_blocks_only_after_the_switch(p);
    }
}
