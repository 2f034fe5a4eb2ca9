//! Raw script → validated [`Scenario`], collecting every problem instead of stopping at the first.

use super::diag::{line_col, locate, suggest, Diagnostic, FieldPath, ScenarioError, Seg};
use super::faults::*;
use super::model::*;
use super::raw::*;
use crate::time::{parse_duration, Nanos, NS_PER_MS, NS_PER_S};
use std::collections::{BTreeMap, BTreeSet};

/// Trace property ids of `shared/spec/trace-format.md`, valid in `criteria.gates`.
pub const PROPERTY_IDS: &[&str] = &[
    "agreement",
    "integrity",
    "chain",
    "validity",
    "quorum",
    "no_conflicting_quorums",
    "state_agreement",
    "liveness",
    "equivocation",
    "accountability",
    "no_double_spend",
    "conservation",
    "no_lost_tx",
    "no_phantom_tx",
];

/// Operations a workload mix may name.
pub const MIX_OPS: &[&str] = &["transfer", "issue", "redeem"];

/// Parses and validates a scenario script. `file` names it in diagnostics.
pub fn parse(text: &str, file: &str) -> Result<Scenario, ScenarioError> {
    let doc = toml_edit::ImDocument::parse(text);
    let diag_at =
        |path: &FieldPath, span: Option<std::ops::Range<usize>>, message: String, suggestion| {
            let (line, column) = match span {
                Some(r) => line_col(text, r.start),
                None => (1, 1),
            };
            Diagnostic {
                file: file.to_string(),
                line,
                column,
                field: path.to_string(),
                message,
                suggestion,
            }
        };
    let doc = match doc {
        Ok(d) => d,
        Err(e) => {
            let span = e.span();
            return Err(ScenarioError::Invalid {
                path: file.to_string(),
                diagnostics: vec![diag_at(
                    &FieldPath::root(),
                    span,
                    format!("not valid TOML: {}", e.message().trim()),
                    None,
                )],
            });
        }
    };

    // Types and unknown keys.
    let mut unknown: Vec<FieldPath> = Vec::new();
    let de = toml::Deserializer::new(text);
    let raw: Result<RawScenario, _> =
        serde_ignored::deserialize(de, |p| unknown.push(ignored_path(&p)));
    let raw = match raw {
        Ok(r) => r,
        Err(e) => {
            let msg = e.message().trim().to_string();
            return Err(ScenarioError::Invalid {
                path: file.to_string(),
                diagnostics: vec![diag_at(
                    &FieldPath::root(),
                    e.span(),
                    format!("wrong type: {msg}"),
                    None,
                )]
                .into_iter()
                .map(|mut d| {
                    d.field =
                        field_from_span(&doc, e.span()).unwrap_or_else(|| "(document)".into());
                    d
                })
                .collect(),
            });
        }
    };
    let mut diagnostics: Vec<Diagnostic> = unknown
        .iter()
        .map(|p| {
            let (parent, key) = split_last_key(p);
            let known = known_keys(&parent.schema_path());
            let sugg = suggest(&key, &known);
            diag_at(p, locate(&doc, p), format!("unknown key `{key}`"), sugg)
        })
        .collect();

    let mut v = Validator { errors: Vec::new() };
    let scenario = v.scenario(&raw);
    for (path, message, sugg) in v.errors {
        diagnostics.push(diag_at(&path, locate(&doc, &path), message, sugg));
    }
    diagnostics.sort_by_key(|d| (d.line, d.column));
    match scenario {
        Some(s) if diagnostics.is_empty() => Ok(s),
        _ => Err(ScenarioError::Invalid { path: file.to_string(), diagnostics }),
    }
}

/// Reads and validates a scenario file.
pub fn load(path: &std::path::Path) -> Result<(Scenario, String), ScenarioError> {
    let name = path.display().to_string();
    let text = std::fs::read_to_string(path)
        .map_err(|source| ScenarioError::Io { path: name.clone(), source })?;
    let s = parse(&text, &name)?;
    Ok((s, text))
}

fn ignored_path(p: &serde_ignored::Path<'_>) -> FieldPath {
    fn walk(p: &serde_ignored::Path<'_>, out: &mut Vec<Seg>) {
        use serde_ignored::Path::*;
        match p {
            Root => {}
            Seq { parent, index } => {
                walk(parent, out);
                out.push(Seg::Index(*index));
            }
            Map { parent, key } => {
                walk(parent, out);
                out.push(Seg::Key(key.clone()));
            }
            Some { parent } | NewtypeStruct { parent } | NewtypeVariant { parent } => {
                walk(parent, out)
            }
        }
    }
    let mut v = Vec::new();
    walk(p, &mut v);
    FieldPath(v)
}

fn split_last_key(p: &FieldPath) -> (FieldPath, String) {
    let mut v = p.0.clone();
    match v.pop() {
        Some(Seg::Key(k)) => (FieldPath(v), k),
        Some(other) => {
            v.push(other);
            (FieldPath(v), String::new())
        }
        None => (FieldPath::root(), String::new()),
    }
}

/// Best-effort: the dotted key whose value contains `span` (for type errors).
fn field_from_span(
    doc: &toml_edit::ImDocument<&str>,
    span: Option<std::ops::Range<usize>>,
) -> Option<String> {
    let span = span?;
    fn search(t: &toml_edit::Table, prefix: &str, at: usize, best: &mut Option<String>) {
        for (k, item) in t.iter() {
            let name = if prefix.is_empty() { k.to_string() } else { format!("{prefix}.{k}") };
            if let Some(r) = item.span() {
                if r.start <= at && at <= r.end {
                    *best = Some(name.clone());
                }
            }
            if let Some((key, _)) = t.get_key_value(k) {
                if let Some(r) = key.span() {
                    if r.start <= at && at <= r.end {
                        *best = Some(name.clone());
                    }
                }
            }
            match item {
                toml_edit::Item::Table(sub) => search(sub, &name, at, best),
                toml_edit::Item::ArrayOfTables(a) => {
                    for (i, sub) in a.iter().enumerate() {
                        search(sub, &format!("{name}[{i}]"), at, best);
                    }
                }
                toml_edit::Item::Value(toml_edit::Value::InlineTable(it)) => {
                    for (ik, iv) in it.iter() {
                        if let Some(r) = iv.span() {
                            if r.start <= at && at <= r.end {
                                *best = Some(format!("{name}.{ik}"));
                            }
                        }
                    }
                }
                _ => {}
            }
        }
    }
    let mut best = None;
    search(doc.as_table(), "", span.start, &mut best);
    best
}

struct Validator {
    errors: Vec<(FieldPath, String, Option<String>)>,
}

impl Validator {
    fn err(&mut self, path: FieldPath, msg: impl Into<String>) {
        self.errors.push((path, msg.into(), None));
    }

    fn err_sugg(&mut self, path: FieldPath, msg: impl Into<String>, sugg: Option<String>) {
        self.errors.push((path, msg.into(), sugg));
    }

    fn duration(&mut self, path: FieldPath, v: &Option<String>, default: Nanos) -> Nanos {
        match v {
            None => default,
            Some(s) => match parse_duration(s) {
                Ok(d) => d,
                Err(e) => {
                    self.err(path, e.to_string());
                    default
                }
            },
        }
    }

    fn name_in(&mut self, path: FieldPath, v: &str, names: &[&str]) -> bool {
        if names.contains(&v) {
            true
        } else {
            let sugg = suggest(v, names);
            self.err_sugg(
                path,
                format!("unknown value {v:?}; expected one of: {}", names.join(", ")),
                sugg,
            );
            false
        }
    }

    fn positive_int(&mut self, path: FieldPath, v: Option<i64>, default: i64, max: i64) -> i64 {
        match v {
            None => default,
            Some(n) if n >= 1 && n <= max => n,
            Some(n) => {
                self.err(path, format!("must be between 1 and {max}, got {n}"));
                default
            }
        }
    }

    fn probability(&mut self, path: FieldPath, v: Option<f64>) -> f64 {
        match v {
            None => 0.0,
            Some(p) if (0.0..=1.0).contains(&p) => p,
            Some(p) => {
                self.err(path, format!("a probability must be between 0 and 1, got {p}"));
                0.0
            }
        }
    }

    fn scenario(&mut self, r: &RawScenario) -> Option<Scenario> {
        let root = FieldPath::root();
        let name = match &r.name {
            None => {
                self.err(root.key("name"), "missing: every scenario needs a `name`");
                String::new()
            }
            Some(n)
                if n.is_empty()
                    || !n.chars().all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_') =>
            {
                self.err(root.key("name"), format!("{n:?} must be non-empty and use only letters, digits, '-' and '_' (it names the output folder)"));
                n.clone()
            }
            Some(n) => n.clone(),
        };
        let kind = match &r.kind {
            None => {
                self.err(
                    root.key("kind"),
                    format!("missing: one of {}", ScenarioKind::NAMES.join(", ")),
                );
                None
            }
            Some(k) => {
                if self.name_in(root.key("kind"), k, ScenarioKind::NAMES) {
                    ScenarioKind::parse(k)
                } else {
                    None
                }
            }
        };
        let network = self.network(&r.network.clone().unwrap_or_default(), &root.key("network"));
        let workload = match &r.workload {
            None => {
                self.err(
                    root.key("workload"),
                    "missing: a scenario needs a [workload] with at least one [[workload.phases]]",
                );
                None
            }
            Some(w) => self.workload(w, &root.key("workload")),
        };
        let nodes: BTreeSet<String> = network.node_ids().into_iter().collect();
        let (run_end, drain) =
            workload.as_ref().map(|w| (w.duration(), w.drain)).unwrap_or((Nanos::MAX, 0));
        let mut faults = Vec::new();
        let mut ids = BTreeSet::new();
        for (i, f) in r.faults.iter().enumerate() {
            let p = root.key("faults").index(i);
            if let Some(fs) = self.fault(f, &p, i, &nodes, &network.link, run_end, drain) {
                if !ids.insert(fs.id.clone()) {
                    self.err(p.key("id"), format!("duplicate fault id {:?}", fs.id));
                }
                faults.push(fs);
            }
        }
        faults.sort_by_key(|f| f.at);
        let criteria =
            self.criteria(&r.criteria.clone().unwrap_or_default(), &root.key("criteria"));
        Some(Scenario {
            name,
            description: r.description.clone().unwrap_or_default(),
            kind: kind?,
            network,
            workload: workload?,
            faults,
            criteria,
        })
    }

    fn link(&mut self, r: &RawLink, p: &FieldPath, base: &LinkSpec) -> LinkSpec {
        let latency = self.duration(p.key("latency"), &r.latency, base.latency.mean());
        let spread = self.duration(p.key("spread"), &r.spread, base.latency.spread());
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
            jitter: self.duration(p.key("jitter"), &r.jitter, base.jitter),
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

    fn node_list(&mut self, p: FieldPath, list: &[String], nodes: &BTreeSet<String>) {
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

    fn network(&mut self, r: &RawNetwork, p: &FieldPath) -> NetworkSpec {
        let validators = self.positive_int(p.key("validators"), r.validators, 4, 1024) as usize;
        let protocol = r.protocol.clone().unwrap_or_else(|| "pbft".into());
        self.name_in(p.key("protocol"), &protocol, KNOWN_PROTOCOLS);
        let powers = match &r.powers {
            None => vec![1; validators],
            Some(ps) => {
                if ps.len() != validators {
                    self.err(
                        p.key("powers"),
                        format!("{} powers given for {validators} validators", ps.len()),
                    );
                }
                ps.iter()
                    .enumerate()
                    .map(|(i, &w)| {
                        if w < 1 {
                            self.err(
                                p.key("powers").index(i),
                                format!("voting power must be at least 1, got {w}"),
                            );
                        }
                        w.max(1) as u64
                    })
                    .collect()
            }
        };
        let consensus = ConsensusParams {
            block_size: self.positive_int(p.key("block_size"), r.block_size, 2000, 1_000_000)
                as usize,
            block_interval: self.duration(
                p.key("block_interval"),
                &r.block_interval,
                20 * NS_PER_MS,
            ),
            timeout: self.duration(p.key("timeout"), &r.timeout, NS_PER_S),
            msg_cost: self.duration(p.key("msg_cost"), &r.msg_cost, 20_000),
            tx_cost: self.duration(p.key("tx_cost"), &r.tx_cost, 2_000),
        };
        if consensus.timeout == 0 {
            self.err(p.key("timeout"), "must be above zero");
        }
        let link =
            self.link(&r.link.clone().unwrap_or_default(), &p.key("link"), &LinkSpec::default());
        let ids: BTreeSet<String> = (0..validators).map(crate::ids::node_name).collect();
        let mut links = Vec::new();
        for (i, l) in r.links.iter().enumerate() {
            let lp = p.key("links").index(i);
            if l.from.is_empty() {
                self.err(lp.key("from"), "a link override needs `from` nodes");
            }
            if l.to.is_empty() {
                self.err(lp.key("to"), "a link override needs `to` nodes");
            }
            self.node_list(lp.key("from"), &l.from, &ids);
            self.node_list(lp.key("to"), &l.to, &ids);
            let spec = self.link(&l.link.clone().unwrap_or_default(), &lp.key("link"), &link);
            links.push(LinkOverride {
                from: l.from.clone(),
                to: l.to.clone(),
                symmetric: l.symmetric.unwrap_or(true),
                link: spec,
            });
        }
        let mut byzantine = Vec::new();
        let mut seen = BTreeSet::new();
        for (i, b) in r.byzantine.iter().enumerate() {
            let bp = p.key("byzantine").index(i);
            let Some(node) = &b.node else {
                self.err(bp.key("node"), "missing: which validator is Byzantine");
                continue;
            };
            self.node_list(bp.clone(), std::slice::from_ref(node), &ids);
            if !seen.insert(node.clone()) {
                self.err(bp.key("node"), format!("{node:?} is listed as Byzantine twice"));
            }
            if let Some(beh) = self.behaviour(&bp, &b.behaviour, &b.delay) {
                byzantine.push(ByzantineSpec { node: node.clone(), behaviour: beh });
            }
        }
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
            snapshot_every: match r.snapshot_every {
                None => 0,
                Some(n) if n >= 0 => n as u64,
                Some(n) => {
                    self.err(
                        p.key("snapshot_every"),
                        format!(
                            "must be 0 (only at the end) or a positive number of heights, got {n}"
                        ),
                    );
                    0
                }
            },
            link,
            links,
            byzantine,
        }
    }

    fn behaviour(
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
            _ => Behaviour::Delay { delay: self.duration(p.key("delay"), delay, NS_PER_S) },
        })
    }

    fn workload(&mut self, r: &RawWorkload, p: &FieldPath) -> Option<WorkloadSpec> {
        let accounts = self.positive_int(p.key("accounts"), r.accounts, 1000, 10_000_000) as u32;
        let initial = match r.initial_balance {
            None => 1_000_000,
            Some(b) if b >= 0 => b as u128,
            Some(b) => {
                self.err(p.key("initial_balance"), format!("must not be negative, got {b}"));
                0
            }
        };
        let asset_ids = r.assets.clone().unwrap_or_else(|| vec!["USD".into()]);
        if asset_ids.is_empty() {
            self.err(p.key("assets"), "at least one asset");
        }
        let mut seen = BTreeSet::new();
        for (i, a) in asset_ids.iter().enumerate() {
            if a.is_empty() || !a.chars().all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
            {
                self.err(
                    p.key("assets").index(i),
                    format!("asset id {a:?} must be letters, digits, '-' or '_'"),
                );
            }
            if !seen.insert(a) {
                self.err(p.key("assets").index(i), format!("duplicate asset {a:?}"));
            }
        }
        let amount_min = self.positive_int(p.key("amount_min"), r.amount_min, 1, i64::MAX) as u128;
        let amount_max = self.positive_int(
            p.key("amount_max"),
            r.amount_max,
            100.max(amount_min as i64),
            i64::MAX,
        ) as u128;
        if amount_min > amount_max {
            self.err(
                p.key("amount_max"),
                format!("amount_max {amount_max} is below amount_min {amount_min}"),
            );
        }
        let mix = r.mix.clone().unwrap_or_else(|| BTreeMap::from([("transfer".to_string(), 1.0)]));
        for (op, w) in &mix {
            if self.name_in(p.key("mix").key(op), op, MIX_OPS) && !(*w >= 0.0 && w.is_finite()) {
                self.err(p.key("mix").key(op), format!("weight must be zero or positive, got {w}"));
            }
        }
        if mix.values().sum::<f64>() <= 0.0 {
            self.err(p.key("mix"), "the weights add up to zero: nothing to send");
        }
        let skew = match r.skew {
            None => 0.0,
            Some(s) if (0.0..=10.0).contains(&s) => s,
            Some(s) => {
                self.err(p.key("skew"), format!("Zipf exponent must be between 0 and 10, got {s}"));
                0.0
            }
        };
        let clients = self.positive_int(p.key("clients"), r.clients, 16, 1_000_000) as u32;
        let timeout = self.duration(p.key("timeout"), &r.timeout, 10 * NS_PER_S);
        if timeout == 0 {
            self.err(p.key("timeout"), "must be above zero");
        }
        let drain = self.duration(p.key("drain"), &r.drain, timeout);
        if r.phases.is_empty() {
            self.err(p.key("phases"), "at least one [[workload.phases]] is needed");
        }
        let mut phases = Vec::new();
        let mut names = BTreeSet::new();
        for (i, ph) in r.phases.iter().enumerate() {
            let pp = p.key("phases").index(i);
            let name = ph.name.clone().unwrap_or_else(|| format!("phase{}", i + 1));
            if !names.insert(name.clone()) {
                self.err(pp.key("name"), format!("duplicate phase name {name:?}"));
            }
            let duration = match &ph.duration {
                None => {
                    self.err(pp.key("duration"), "missing: how long the phase lasts, e.g. \"30s\"");
                    0
                }
                Some(_) => self.duration(pp.key("duration"), &ph.duration, 0),
            };
            if ph.duration.is_some() && duration == 0 {
                self.err(pp.key("duration"), "must be above zero");
            }
            let rate = match &ph.rate {
                None => {
                    self.err(
                        pp.key("rate"),
                        "missing: e.g. rate = { type = \"constant\", tps = 100 }",
                    );
                    None
                }
                Some(rr) => self.rate(rr, &pp.key("rate"), duration),
            };
            if let Some(rate) = rate {
                phases.push(Phase { name, duration, warmup: ph.warmup.unwrap_or(false), rate });
            }
        }
        let program = r.program.clone().unwrap_or_else(|| "payments".into());
        let params = r.params.clone().unwrap_or_default();
        if self.name_in(p.key("program"), &program, super::programs::PROGRAMS) {
            for (path, msg) in super::programs::check_params(&program, &params) {
                self.err(path, msg);
            }
        }
        if !phases.is_empty() && phases.iter().all(|p| p.warmup) {
            self.err(p.key("phases"), "every phase is a warm-up: nothing would be measured");
        }
        Some(WorkloadSpec {
            program,
            params,
            accounts,
            assets: asset_ids
                .into_iter()
                .map(|id| AssetSpec { id, initial_balance: initial })
                .collect(),
            amount_min,
            amount_max,
            mix,
            skew,
            clients,
            timeout,
            drain,
            phases,
        })
    }

    fn rate(&mut self, r: &RawRate, p: &FieldPath, phase_len: Nanos) -> Option<RateSpec> {
        let Some(kind) = &r.kind else {
            self.err(p.key("type"), format!("missing: one of {}", RateSpec::NAMES.join(", ")));
            return None;
        };
        if !self.name_in(p.key("type"), kind, RateSpec::NAMES) {
            return None;
        }
        let allowed: &[&str] = match kind.as_str() {
            "constant" | "poisson" => &["tps"],
            "ramp" => &["from", "to"],
            "burst" => &["count", "at", "within"],
            _ => &["concurrency"],
        };
        let present = [
            ("tps", r.tps.is_some()),
            ("from", r.from.is_some()),
            ("to", r.to.is_some()),
            ("count", r.count.is_some()),
            ("at", r.at.is_some()),
            ("within", r.within.is_some()),
            ("concurrency", r.concurrency.is_some()),
        ];
        for (k, here) in present {
            if here && !allowed.contains(&k) {
                self.err(
                    p.key(k),
                    format!(
                        "`{k}` does not apply to rate type {kind:?} (it takes: {})",
                        allowed.join(", ")
                    ),
                );
            }
        }
        let rate = |this: &mut Self, key: &str, v: Option<f64>, zero_ok: bool| -> f64 {
            match v {
                None => {
                    this.err(
                        p.key(key),
                        format!(
                            "missing: rate type {kind:?} needs `{key}` (transactions per second)"
                        ),
                    );
                    0.0
                }
                Some(x)
                    if x.is_finite() && (x > 0.0 || (zero_ok && x == 0.0)) && x <= 10_000_000.0 =>
                {
                    x
                }
                Some(x) => {
                    this.err(
                        p.key(key),
                        format!("must be a positive rate up to 10,000,000 tx/s, got {x}"),
                    );
                    0.0
                }
            }
        };
        Some(match kind.as_str() {
            "constant" => RateSpec::Constant { tps: rate(self, "tps", r.tps, false) },
            "poisson" => RateSpec::Poisson { tps: rate(self, "tps", r.tps, false) },
            "ramp" => {
                let from = rate(self, "from", r.from, true);
                let to = rate(self, "to", r.to, true);
                if from == 0.0 && to == 0.0 && r.from.is_some() && r.to.is_some() {
                    self.err(p.key("to"), "a ramp from 0 to 0 sends nothing");
                }
                RateSpec::Ramp { from, to }
            }
            "burst" => {
                let count = match r.count {
                    None => {
                        self.err(p.key("count"), "missing: how many transactions the burst sends");
                        0
                    }
                    Some(c) if c >= 1 => c as u64,
                    Some(c) => {
                        self.err(p.key("count"), format!("must be at least 1, got {c}"));
                        0
                    }
                };
                let at = self.duration(p.key("at"), &r.at, 0);
                let within = self.duration(p.key("within"), &r.within, 0);
                if phase_len > 0 && at.saturating_add(within) > phase_len {
                    self.err(p.key("within"), "the burst window ends after the phase does");
                }
                RateSpec::Burst { count, at, within }
            }
            _ => RateSpec::Closed {
                concurrency: self.positive_int(
                    p.key("concurrency"),
                    r.concurrency.or(Some(0)),
                    1,
                    1_000_000,
                ) as u32,
            },
        })
    }

    #[allow(clippy::too_many_arguments)]
    fn fault(
        &mut self,
        f: &RawFault,
        p: &FieldPath,
        index: usize,
        nodes: &BTreeSet<String>,
        base_link: &LinkSpec,
        run_end: Nanos,
        drain: Nanos,
    ) -> Option<FaultSpec> {
        let at = match &f.at {
            None => {
                self.err(p.key("at"), "missing: when the fault starts, e.g. at = \"10s\"");
                return None;
            }
            Some(_) => self.duration(p.key("at"), &f.at, 0),
        };
        if at >= run_end && run_end != Nanos::MAX {
            self.err(
                p.key("at"),
                format!(
                    "starts after the load ends ({}): it would never be exercised",
                    crate::time::format_duration(run_end)
                ),
            );
        }
        let duration =
            f.duration.as_ref().map(|_| self.duration(p.key("duration"), &f.duration, 0));
        if let Some(d) = duration {
            if d == 0 {
                self.err(
                    p.key("duration"),
                    "must be above zero (leave it out for a fault that lasts)",
                );
            } else if at.saturating_add(d) > run_end.saturating_add(drain) {
                self.err(p.key("duration"), "the fault would end after the run does");
            }
        }
        let Some(action) = &f.action else {
            self.err(p.key("action"), format!("missing: one of {}", FaultAction::NAMES.join(", ")));
            return None;
        };
        if !self.name_in(p.key("action"), action, FaultAction::NAMES) {
            return None;
        }
        let uses: &[&str] = match action.as_str() {
            "crash" | "restart" | "pause" | "resume" => &["nodes"],
            "partition" => &["groups"],
            "heal" => &[],
            "link" => &["nodes", "to", "link"],
            "clock_skew" => &["nodes", "rate"],
            _ => &["nodes", "behaviour", "delay"],
        };
        for (k, here) in [
            ("nodes", f.nodes.is_some()),
            ("groups", f.groups.is_some()),
            ("to", f.to.is_some()),
            ("rate", f.rate.is_some()),
            ("behaviour", f.behaviour.is_some()),
            ("delay", f.delay.is_some()),
            ("link", f.link.is_some()),
        ] {
            if here && !uses.contains(&k) {
                self.err(p.key(k), format!("`{k}` does not apply to action {action:?}"));
            }
        }
        let need_nodes = |this: &mut Self| -> Vec<String> {
            match &f.nodes {
                Some(list) if !list.is_empty() => {
                    this.node_list(p.key("nodes"), list, nodes);
                    list.clone()
                }
                _ => {
                    this.err(
                        p.key("nodes"),
                        format!("action {action:?} needs at least one node in `nodes`"),
                    );
                    Vec::new()
                }
            }
        };
        let act = match action.as_str() {
            "crash" => FaultAction::Crash { nodes: need_nodes(self) },
            "restart" => FaultAction::Restart { nodes: need_nodes(self) },
            "pause" => FaultAction::Pause { nodes: need_nodes(self) },
            "resume" => FaultAction::Resume { nodes: need_nodes(self) },
            "heal" => FaultAction::Heal,
            "partition" => {
                let groups = f.groups.clone().unwrap_or_default();
                if groups.len() < 2 {
                    self.err(p.key("groups"), "a partition needs at least two groups, e.g. groups = [[\"n0\", \"n1\"], [\"n2\", \"n3\"]]");
                }
                let mut seen = BTreeSet::new();
                for (gi, g) in groups.iter().enumerate() {
                    self.node_list(p.key("groups").index(gi), g, nodes);
                    for n in g {
                        if !seen.insert(n.clone()) {
                            self.err(p.key("groups").index(gi), format!("{n:?} is in two groups"));
                        }
                    }
                }
                FaultAction::Partition { groups }
            }
            "link" => {
                let from = need_nodes(self);
                let to = f.to.clone().unwrap_or_default();
                self.node_list(p.key("to"), &to, nodes);
                let link = match &f.link {
                    None => {
                        self.err(
                            p.key("link"),
                            "missing: the new link model, e.g. link = { latency = \"200ms\" }",
                        );
                        base_link.clone()
                    }
                    Some(l) => self.link(l, &p.key("link"), base_link),
                };
                FaultAction::Link { nodes: from, to, link }
            }
            "clock_skew" => {
                let nodes = need_nodes(self);
                let rate = match f.rate {
                    None => {
                        self.err(
                            p.key("rate"),
                            "missing: the clock's speed, e.g. rate = 1.5 (timers 50% fast)",
                        );
                        1.0
                    }
                    Some(r) if r > 0.0 && r.is_finite() && r <= 100.0 => r,
                    Some(r) => {
                        self.err(p.key("rate"), format!("clock rate must be in (0, 100], got {r}"));
                        1.0
                    }
                };
                FaultAction::ClockSkew { nodes, rate }
            }
            _ => {
                let nodes = need_nodes(self);
                let behaviour = self.behaviour(p, &f.behaviour, &f.delay)?;
                FaultAction::Byzantine { nodes, behaviour }
            }
        };
        if duration.is_some() && act.undo(base_link).is_none() {
            self.err(
                p.key("duration"),
                format!("action {action:?} cannot be undone after a duration"),
            );
        }
        Some(FaultSpec {
            id: f.id.clone().unwrap_or_else(|| format!("f{}", index + 1)),
            at,
            duration,
            action: act,
        })
    }

    fn criteria(&mut self, r: &RawCriteria, p: &FieldPath) -> Criteria {
        let opt = |this: &mut Self, key: &str, v: &Option<String>| {
            v.as_ref().map(|_| this.duration(p.key(key), v, 0))
        };
        let c = Criteria {
            latency_p50: opt(self, "latency_p50", &r.latency_p50),
            latency_p90: opt(self, "latency_p90", &r.latency_p90),
            latency_p99: opt(self, "latency_p99", &r.latency_p99),
            latency_p999: opt(self, "latency_p999", &r.latency_p999),
            latency_max: opt(self, "latency_max", &r.latency_max),
            completion_max: opt(self, "completion_max", &r.completion_max),
            liveness_bound: opt(self, "liveness_bound", &r.liveness_bound),
            throughput_min: r.throughput_min,
            success_rate_min: r.success_rate_min,
            gates: r.gates.clone(),
        };
        if let Some(t) = c.throughput_min {
            if !(t > 0.0 && t.is_finite()) {
                self.err(
                    p.key("throughput_min"),
                    format!("must be a positive number of tx/s, got {t}"),
                );
            }
        }
        if let Some(s) = c.success_rate_min {
            if !(s > 0.0 && s <= 1.0) {
                self.err(
                    p.key("success_rate_min"),
                    format!("a share between 0 and 1 (e.g. 0.999), got {s}"),
                );
            }
        }
        if let Some(gates) = &c.gates {
            for (i, g) in gates.iter().enumerate() {
                self.name_in(p.key("gates").index(i), g, PROPERTY_IDS);
            }
        }
        c
    }
}

fn describe_nodes(known: &[&str]) -> String {
    match known.len() {
        0 => "no validators".into(),
        1 => known[0].to_string(),
        n => format!("n0..n{}", n - 1),
    }
}
