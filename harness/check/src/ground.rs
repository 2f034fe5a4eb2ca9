//! Run and ground-truth events: `run.start`, `node.role`, `valset.change`, `evidence.detect`.

use crate::checker::{Checker, EventResult};
use crate::event::{bad, members, opt_u64, req_u64, validators, Fields};
use crate::json::Val;
use crate::model::{Family, Valset};

impl Checker<'_> {
    fn valset_from(&mut self, v: Option<Val<'_>>) -> EventResult<Valset> {
        let list = validators(&self.ctx, v, self.opts.limits.max_power)?;
        let max = self.opts.limits.max_validators;
        if list.len() > max {
            return Err(self.limit("number of validators in a set", max));
        }
        let mut members = Vec::with_capacity(list.len());
        for (id, power) in list {
            members.push((self.node(&id)?, power));
        }
        self.model.valset_entries += members.len();
        if self.model.valset_entries > max.saturating_mul(16) {
            return Err(self.limit("total validator-set entries", max.saturating_mul(16)));
        }
        Ok(Valset::new(members))
    }

    pub(crate) fn on_run_start(&mut self, f: &Fields<'_>, t: u64) -> EventResult<()> {
        // 1.2: with `chains`, each chain brings its own protocol and validators (`chains`
        // checks them); the top-level ones may be absent.
        let chains = match f.chains {
            None | Some(Val::Null) => None,
            Some(Val::Arr(raw)) => Some(raw.to_string()),
            Some(v) => {
                return bad("chains", format!("expected an array, found {}", v.type_name()))?
            }
        };
        let protocol = match (&chains, f.protocol) {
            (Some(_), None) => "multi-chain".to_string(),
            (_, p) => self.ctx.req_str("protocol", p)?.into_owned(),
        };
        let family_name = self.ctx.opt_str("family", f.family)?.map(|s| s.into_owned());
        let family = family_name.as_deref().map_or(Family::Unknown, Family::parse);
        // A crash-fault protocol's quorum is a majority; a BFT protocol's, 2/3.
        let crash_fault = protocol == "raft" || family == Family::Raft;
        let (mut num, mut den) = if crash_fault { (1, 2) } else { (2, 3) };
        if let Some(q) = f.quorum.filter(|q| !matches!(q, Val::Null)) {
            let (mut n, mut d) = (None, None);
            for (k, v) in members(&self.ctx, "quorum", q)? {
                match &*k {
                    "num" => n = Some(v),
                    "den" => d = Some(v),
                    _ => {}
                }
            }
            num = req_u64("quorum.num", n)?;
            den = req_u64("quorum.den", d)?;
            if den == 0 || num >= den {
                return bad("quorum", format!("{num}/{den} is not a fraction in [0, 1)"))?;
            }
        }
        let seed = match f.seed {
            None | Some(Val::Null) => None,
            Some(Val::Num(n)) => Some(n.to_string()),
            Some(v @ Val::Str { .. }) => Some(self.ctx.req_str("seed", Some(v))?.into_owned()),
            Some(v) => {
                return bad(
                    "seed",
                    format!("expected an integer or string, found {}", v.type_name()),
                )?
            }
        };
        let scenario = self.ctx.opt_str("scenario", f.scenario)?.map(|s| s.into_owned());
        let adapter = self.ctx.opt_str("adapter", f.adapter)?.map(|s| s.into_owned());
        let view_based = match f.view_based {
            None | Some(Val::Null) => family.view_based(),
            Some(Val::Bool(b)) => b,
            Some(v) => {
                return bad("view_based", format!("expected a boolean, found {}", v.type_name()))?
            }
        };
        let timeout_ns = opt_u64("timeout_ns", f.timeout_ns)?.filter(|&t| t > 0);
        let vs = match (&chains, f.validators) {
            (Some(_), None | Some(Val::Null)) => Valset::new(Vec::new()),
            (_, v) => self.valset_from(v)?,
        };
        if let Some(c) = chains {
            crate::chains::declared(&c).map_err(crate::checker::EventError::Line)?;
            self.chains_decl = Some(c);
        }
        self.run_validators = vs.members.iter().map(|&(n, p)| (self.model.name(n), p)).collect();
        self.model.valsets.insert(0, vs);
        self.model.num = num;
        self.model.den = den;
        self.model.family = family;
        self.model.family_name = family_name;
        self.model.view_based = view_based;
        self.model.timeout_ns = timeout_ns;
        self.protocol = protocol;
        self.seed = seed;
        self.scenario = scenario;
        self.adapter = adapter;
        self.run_start_line = Some(self.line);
        self.live.start(t);
        self.needed_vt = match family {
            Family::Tendermint => Some(crate::height::PREVOTE),
            Family::Pbft => Some(crate::height::PREPARE),
            Family::Simplex => Some(crate::height::NOTARIZE),
            Family::Raft => Some(crate::height::VOTE),
            Family::Hotstuff | Family::Unknown => None,
        };
        let validators: Vec<u32> = self.model.valset(0).members.iter().map(|m| m.0).collect();
        let (bound, _) = self.progress_bound();
        self.progress.start(t, &validators, bound);
        self.t_now = t;
        self.connectivity();
        Ok(())
    }

    /// The bound on a gap between new heights, and where it comes from.
    pub(crate) fn progress_bound(&self) -> (u64, String) {
        use crate::options::{DEFAULT_PROGRESS_BOUND_NS, PROGRESS_TIMEOUTS};
        if let Some(b) = self.opts.progress_bound_ns {
            return (b, "the checker's options".into());
        }
        match self.model.timeout_ns {
            Some(t) => (
                t.saturating_mul(PROGRESS_TIMEOUTS),
                format!("{PROGRESS_TIMEOUTS} x run.start.timeout_ns ({t} ns)"),
            ),
            None => (DEFAULT_PROGRESS_BOUND_NS, "the default (no run.start.timeout_ns)".into()),
        }
    }

    pub(crate) fn on_role(&mut self, f: &Fields<'_>) -> EventResult<()> {
        let node = self.ctx.req_str("node", f.node)?;
        let role = self.ctx.req_str("role", f.role)?;
        let byz = match &*role {
            "byzantine" => true,
            "correct" => false,
            other => {
                return bad(
                    "role",
                    format!("expected \"byzantine\" or \"correct\", found {other:?}"),
                )?
            }
        };
        let n = self.node(&node)?;
        self.model.set_role(n, byz);
        Ok(())
    }

    pub(crate) fn on_valset(&mut self, f: &Fields<'_>) -> EventResult<()> {
        let h = req_u64("height", f.height)?;
        let vs = self.valset_from(f.validators)?;
        self.model.valsets.insert(h, vs);
        Ok(())
    }

    pub(crate) fn on_evidence(&mut self, f: &Fields<'_>) -> EventResult<()> {
        let node = self.ctx.req_str("node", f.node)?;
        self.ctx.req_str("etype", f.etype)?;
        let Some(acc) = f.accused else { return bad("accused", "missing required field")? };
        let accused = self.ctx.str_list("accused", acc)?;
        let h = req_u64("height", f.height)?;
        let r = req_u64("round", f.round)?;
        let reporter = self.node(&node)?;
        for a in accused {
            let a = self.node(&a)?;
            if self.evidence.len() < self.opts.limits.max_findings_per_property * 4 {
                self.evidence.push((reporter, a, h, r, self.line));
            }
        }
        Ok(())
    }
}
