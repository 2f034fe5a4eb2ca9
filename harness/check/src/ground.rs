//! Run and ground-truth events: `run.start`, `node.role`, `valset.change`, `evidence.detect`.

use crate::checker::{Checker, EventResult};
use crate::event::{bad, members, req_u64, validators, Fields};
use crate::json::Val;
use crate::model::Valset;

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

    pub(crate) fn on_run_start(&mut self, f: &Fields<'_>) -> EventResult<()> {
        let protocol = self.ctx.req_str("protocol", f.protocol)?.into_owned();
        let raft = protocol == "raft";
        let (mut num, mut den) = if raft { (1, 2) } else { (2, 3) };
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
        let vs = self.valset_from(f.validators)?;
        self.run_validators = vs.members.iter().map(|&(n, p)| (self.model.name(n), p)).collect();
        self.model.valsets.insert(0, vs);
        self.model.num = num;
        self.model.den = den;
        self.model.raft = raft;
        self.protocol = protocol;
        self.seed = seed;
        self.scenario = scenario;
        self.run_start_line = Some(self.line);
        Ok(())
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
