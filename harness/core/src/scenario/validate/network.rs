//! `[network]`: validators, protocol, powers, consensus costs, link models, Byzantine nodes.

use super::validator::Validator;
use crate::scenario::diag::{suggest, FieldPath};
use crate::scenario::limits::*;
use crate::scenario::model::*;
use crate::scenario::raw::*;
use crate::time::{NS_PER_MS, NS_PER_S};
use std::collections::BTreeSet;

impl Validator {
    pub(super) fn network(&mut self, r: &RawNetwork, p: &FieldPath) -> NetworkSpec {
        let validators = self.positive_int(p.key("validators"), r.validators, 4, 1024) as usize;
        let protocol = r.protocol.clone().unwrap_or_else(|| "pbft".into());
        self.name_in(p.key("protocol"), &protocol, KNOWN_PROTOCOLS);
        let powers = self.powers(r, p, validators);
        let consensus = self.consensus(r, p);
        let link =
            self.link(&r.link.clone().unwrap_or_default(), &p.key("link"), &LinkSpec::default());
        let ids: BTreeSet<String> = (0..validators).map(crate::ids::node_name).collect();
        let links = self.link_overrides(r, p, &ids, &link);
        let byzantine = self.byzantine_nodes(r, p, &ids);
        if !byzantine.is_empty() && byzantine.len() >= validators {
            self.err(p.key("byzantine"), format!("{} Byzantine nodes among {validators} validators: at least one must be correct", byzantine.len()));
        }
        NetworkSpec {
            validators,
            protocol,
            variant: r.variant.clone(),
            powers,
            consensus,
            trace_messages: r.trace_messages.unwrap_or(false),
            snapshot_every: self.snapshot_every(r, p),
            link,
            links,
            byzantine,
        }
    }

    /// Voting powers, one per validator (all 1 when not given).
    fn powers(&mut self, r: &RawNetwork, p: &FieldPath, validators: usize) -> Vec<u64> {
        let Some(ps) = &r.powers else {
            return vec![1; validators];
        };
        if ps.len() != validators {
            self.err(
                p.key("powers"),
                format!("{} powers given for {validators} validators", ps.len()),
            );
        }
        ps.iter()
            .enumerate()
            .map(|(i, &w)| {
                if !(1..=MAX_POWER).contains(&w) {
                    self.err(
                        p.key("powers").index(i),
                        format!("voting power must be between 1 and {MAX_POWER}, got {w}"),
                    );
                }
                w.clamp(1, MAX_POWER) as u64
            })
            .collect()
    }

    /// Block production and processing costs.
    fn consensus(&mut self, r: &RawNetwork, p: &FieldPath) -> ConsensusParams {
        ConsensusParams {
            block_size: self.positive_int(p.key("block_size"), r.block_size, 2000, MAX_BLOCK_SIZE)
                as usize,
            block_interval: self.duration_in(
                p.key("block_interval"),
                &r.block_interval,
                20 * NS_PER_MS,
                BLOCK_INTERVAL_NS,
            ),
            timeout: self.duration_in(p.key("timeout"), &r.timeout, NS_PER_S, CONSENSUS_TIMEOUT_NS),
            msg_cost: self.duration_in(p.key("msg_cost"), &r.msg_cost, 20_000, (0, MAX_COST_NS)),
            tx_cost: self.duration_in(p.key("tx_cost"), &r.tx_cost, 2_000, (0, MAX_COST_NS)),
        }
    }

    /// `[[network.links]]`: link models between groups of nodes, on top of the default `link`.
    fn link_overrides(
        &mut self,
        r: &RawNetwork,
        p: &FieldPath,
        ids: &BTreeSet<String>,
        link: &LinkSpec,
    ) -> Vec<LinkOverride> {
        let mut links = Vec::new();
        for (i, l) in r.links.iter().enumerate() {
            let lp = p.key("links").index(i);
            if l.from.is_empty() {
                self.err(lp.key("from"), "a link override needs `from` nodes");
            }
            if l.to.is_empty() {
                self.err(lp.key("to"), "a link override needs `to` nodes");
            }
            self.node_list(lp.key("from"), &l.from, ids);
            self.node_list(lp.key("to"), &l.to, ids);
            let spec = self.link(&l.link.clone().unwrap_or_default(), &lp.key("link"), link);
            links.push(LinkOverride {
                from: l.from.clone(),
                to: l.to.clone(),
                symmetric: l.symmetric.unwrap_or(true),
                link: spec,
            });
        }
        links
    }

    /// `[[network.byzantine]]`: which nodes misbehave from the start, and how.
    fn byzantine_nodes(
        &mut self,
        r: &RawNetwork,
        p: &FieldPath,
        ids: &BTreeSet<String>,
    ) -> Vec<ByzantineSpec> {
        let mut byzantine = Vec::new();
        let mut seen = BTreeSet::new();
        for (i, b) in r.byzantine.iter().enumerate() {
            let bp = p.key("byzantine").index(i);
            let Some(node) = &b.node else {
                self.err(bp.key("node"), "missing: which validator is Byzantine");
                continue;
            };
            self.node_list(bp.clone(), std::slice::from_ref(node), ids);
            if !seen.insert(node.clone()) {
                self.err(bp.key("node"), format!("{node:?} is listed as Byzantine twice"));
            }
            if let Some(beh) = self.behaviour(&bp, &b.behaviour, &b.delay) {
                byzantine.push(ByzantineSpec { node: node.clone(), behaviour: beh });
            }
        }
        byzantine
    }

    fn snapshot_every(&mut self, r: &RawNetwork, p: &FieldPath) -> u64 {
        match r.snapshot_every {
            None => 0,
            Some(n) if n >= 0 => n as u64,
            Some(n) => {
                self.err(
                    p.key("snapshot_every"),
                    format!("must be 0 (only at the end) or a positive number of heights, got {n}"),
                );
                0
            }
        }
    }

    pub(super) fn link(&mut self, r: &RawLink, p: &FieldPath, base: &LinkSpec) -> LinkSpec {
        let link_range = (0, MAX_LINK_NS);
        let latency =
            self.duration_in(p.key("latency"), &r.latency, base.latency.mean(), link_range);
        let spread =
            self.duration_in(p.key("spread"), &r.spread, base.latency.spread(), link_range);
        let dist_name = r.distribution.clone().unwrap_or_else(|| {
            if r.latency.is_some() && r.spread.is_none() {
                "fixed".into()
            } else {
                base.latency.name().into()
            }
        });
        let dist = if self.name_in(p.key("distribution"), &dist_name, LatencyDist::NAMES) {
            match dist_name.as_str() {
                "fixed" => {
                    if r.spread.is_some() {
                        self.err(
                            p.key("spread"),
                            "`spread` needs a distribution other than \"fixed\"",
                        );
                    }
                    LatencyDist::Fixed { latency }
                }
                "uniform" => {
                    if spread > latency {
                        self.err(
                            p.key("spread"),
                            "uniform spread larger than the latency would make negative delays",
                        );
                    }
                    LatencyDist::Uniform { latency, spread }
                }
                "normal" => LatencyDist::Normal { latency, spread },
                _ => {
                    if latency == 0 {
                        self.err(p.key("latency"), "a lognormal latency needs a mean above zero");
                    }
                    LatencyDist::LogNormal { latency, spread }
                }
            }
        } else {
            base.latency
        };
        let bandwidth_mbps = match r.bandwidth_mbps {
            Some(b) if !(b > 0.0 && b.is_finite()) => {
                self.err(
                    p.key("bandwidth_mbps"),
                    format!("must be a positive number of megabits per second, got {b}"),
                );
                None
            }
            Some(b) => Some(b),
            None => base.bandwidth_mbps,
        };
        LinkSpec {
            latency: dist,
            jitter: self.duration_in(p.key("jitter"), &r.jitter, base.jitter, link_range),
            loss: if r.loss.is_some() {
                self.probability(p.key("loss"), r.loss)
            } else {
                base.loss
            },
            duplicate: if r.duplicate.is_some() {
                self.probability(p.key("duplicate"), r.duplicate)
            } else {
                base.duplicate
            },
            reorder: if r.reorder.is_some() {
                self.probability(p.key("reorder"), r.reorder)
            } else {
                base.reorder
            },
            bandwidth_mbps,
        }
    }

    pub(super) fn node_list(&mut self, p: FieldPath, list: &[String], nodes: &BTreeSet<String>) {
        let known: Vec<&str> = nodes.iter().map(String::as_str).collect();
        for (i, n) in list.iter().enumerate() {
            if !nodes.contains(n) {
                let sugg = suggest(n, &known);
                self.err_sugg(
                    p.index(i),
                    format!("no validator {n:?} (this network has {})", describe_nodes(&known)),
                    sugg,
                );
            }
        }
    }

    pub(super) fn behaviour(
        &mut self,
        p: &FieldPath,
        name: &Option<String>,
        delay: &Option<String>,
    ) -> Option<Behaviour> {
        let Some(name) = name else {
            self.err(
                p.key("behaviour"),
                format!("missing: one of {}", Behaviour::NAMES.join(", ")),
            );
            return None;
        };
        if !self.name_in(p.key("behaviour"), name, Behaviour::NAMES) {
            return None;
        }
        if name != "delay" && delay.is_some() {
            self.err(p.key("delay"), "`delay` only applies to behaviour \"delay\"");
        }
        Some(match name.as_str() {
            "silent" => Behaviour::Silent,
            "equivocate" => Behaviour::Equivocate,
            "double_vote" => Behaviour::DoubleVote,
            "invalid_proposal" => Behaviour::InvalidProposal,
            "amnesia" => Behaviour::Amnesia,
            _ => Behaviour::Delay {
                delay: self.duration_in(p.key("delay"), delay, NS_PER_S, (0, MAX_DELAY_NS)),
            },
        })
    }
}

fn describe_nodes(known: &[&str]) -> String {
    match known.len() {
        0 => "no validators".into(),
        1 => known[0].to_string(),
        n => format!("n0..n{}", n - 1),
    }
}
