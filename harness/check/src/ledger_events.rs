//! Ledger events: `tx.submit`, `tx.result`, `state.snapshot`.

use crate::checker::{Checker, EventResult};
use crate::event::{
    as_amount, bad, elements, members, members_into, opt_u64, req_u64, Amount, Fields,
};
use crate::json::Val;
use crate::ledger::{Op, Snap, TxDetails, OUT_OF_RANGE};
use std::borrow::Cow;

/// A leg as read, before its accounts are interned: (from, to, asset, amount).
type RawLeg<'v> = (Cow<'v, str>, Cow<'v, str>, Cow<'v, str>, Amount);

/// The fields of a `tx.submit` the ledger keeps, validated; `legs` is `Some` when the line
/// has a (non-null) `legs` member. Ids are the bytes of valid UTF-8 strings.
pub(crate) struct SubmitFields<'s, 'v> {
    pub(crate) tx: &'s [u8],
    pub(crate) op: Op,
    pub(crate) from: Option<&'s [u8]>,
    pub(crate) to: Option<&'s [u8]>,
    pub(crate) asset: Option<&'s [u8]>,
    pub(crate) amount: Option<Amount>,
    pub(crate) nonce: Option<u64>,
    pub(crate) legs: Option<Vec<RawLeg<'v>>>,
}

/// A non-negative amount, or the text of one beyond range.
fn amount(name: &str, v: Val<'_>) -> EventResult<Amount> {
    let a = as_amount(name, v)?;
    if a.as_ref().is_ok_and(|&a| a < 0) {
        return bad(name, "must not be negative")?;
    }
    Ok(a)
}

/// A snapshot value: [`OUT_OF_RANGE`] stands for a number beyond range.
fn snapshot_value(name: &str, v: Val<'_>) -> EventResult<i128> {
    Ok(as_amount(name, v)?.unwrap_or(OUT_OF_RANGE))
}

impl Checker<'_> {
    fn tx_index(&mut self, id: &[u8]) -> EventResult<u32> {
        let limit = self.opts.limits.max_txs;
        match self.ledger.tx(id, limit) {
            Some(t) => Ok(t),
            None => Err(self.limit("number of distinct tx ids", limit)),
        }
    }

    #[inline]
    fn account(&mut self, id: &[u8], asset: bool) -> EventResult<u32> {
        if asset {
            if let Some(a) = self.asset_cache.get(id) {
                return Ok(a);
            }
        }
        let limit = self.opts.limits.max_accounts;
        let table = if asset { &mut self.ledger.assets } else { &mut self.ledger.accounts };
        match table.intern_bytes(id, limit) {
            Some(a) => {
                if asset {
                    self.asset_cache.put(id, a);
                }
                Ok(a)
            }
            None => Err(self.limit("number of distinct accounts or assets", limit)),
        }
    }

    pub(crate) fn on_submit(&mut self, f: &Fields<'_>) -> EventResult<()> {
        let tx = self.ctx.req_str("tx", f.tx)?;
        self.ctx.req_str("client", f.client)?;
        let op = Op::parse(self.ctx.req_str("op", f.op)?.as_bytes());
        let from = self.ctx.opt_str("from", f.from)?;
        let to = self.ctx.opt_str("to", f.to)?;
        let asset = self.ctx.opt_str("asset", f.asset)?;
        let amount = match f.amount {
            None | Some(Val::Null) => None,
            Some(v) => Some(amount("amount", v)?),
        };
        let nonce = self.nonce(f.nonce)?;
        let legs = match f.legs.filter(|v| !matches!(v, Val::Null)) {
            Some(v) => Some(self.legs(v)?),
            None => None,
        };
        let s = SubmitFields {
            tx: tx.as_bytes(),
            op,
            from: from.as_deref().map(str::as_bytes),
            to: to.as_deref().map(str::as_bytes),
            asset: asset.as_deref().map(str::as_bytes),
            amount,
            nonce,
            legs,
        };
        self.submit(s)
    }

    /// A `tx.submit` whose fields were read and validated (by the general scanner or a fast
    /// path).
    pub(crate) fn submit(&mut self, s: SubmitFields<'_, '_>) -> EventResult<()> {
        let t = self.tx_index(s.tx)?;
        let from = s.from.map(|a| self.account(a, false)).transpose()?;
        let to = s.to.map(|a| self.account(a, false)).transpose()?;
        let asset = s.asset.map(|a| self.account(a, true)).transpose()?;
        let mut out_of_range = s.amount.clone().and_then(Result::err);
        let legs = match s.legs {
            Some(legs_raw) => {
                let mut legs = Vec::with_capacity(legs_raw.len());
                for (from, to, asset, amount) in legs_raw {
                    let from = self.account(from.as_bytes(), false)?;
                    let to = self.account(to.as_bytes(), false)?;
                    let a = match amount {
                        Ok(a) => a,
                        Err(text) => {
                            out_of_range.get_or_insert(text);
                            0
                        }
                    };
                    legs.push((from, to, self.account(asset.as_bytes(), true)?, a));
                }
                Some(legs.into_boxed_slice())
            }
            None => None,
        };
        self.ledger.submits += 1;
        let info = &mut self.ledger.info[t as usize];
        if info.submitted().is_none() {
            info.set_submitted(self.line);
            let details = TxDetails {
                op: s.op,
                from,
                to,
                asset,
                amount: s.amount.and_then(Result::ok),
                out_of_range: out_of_range.map(String::into_boxed_str),
                nonce: s.nonce,
                legs,
            };
            self.ledger.keep_details(t, details);
            self.ledger.forget_details(t);
            let info = &self.ledger.info[t as usize];
            if !info.resolved {
                self.progress.work(true, self.t_now);
            }
        }
        Ok(())
    }

    /// A `nonce`: an integer, or a string (fingerprinted, with the top bit set so that it never
    /// equals an integer nonce).
    fn nonce(&self, v: Option<Val<'_>>) -> EventResult<Option<u64>> {
        match v {
            None | Some(Val::Null) => Ok(None),
            Some(Val::Num(_)) => Ok(opt_u64("nonce", v)?),
            Some(v @ Val::Str { .. }) => {
                let s = self.ctx.req_str("nonce", Some(v))?;
                Ok(Some(crate::height::fingerprint(&s) | 1 << 63))
            }
            Some(v) => {
                bad("nonce", format!("expected an integer or string, found {}", v.type_name()))?
            }
        }
    }

    /// A batch's `legs`: (from, to, asset, amount) each, every member required.
    fn legs<'v>(&self, v: Val<'v>) -> EventResult<Vec<RawLeg<'v>>> {
        let mut legs = Vec::new();
        for (i, e) in elements(&self.ctx, "legs", v)?.into_iter().enumerate() {
            let (mut lf, mut lt, mut la, mut lm) = (None, None, None, None);
            for (k, v) in members(&self.ctx, "legs", e)? {
                match &*k {
                    "from" => lf = Some(v),
                    "to" => lt = Some(v),
                    "asset" => la = Some(v),
                    "amount" => lm = Some(v),
                    _ => {}
                }
            }
            let from = self.ctx.req_str(&format!("legs[{i}].from"), lf)?;
            let to = self.ctx.req_str(&format!("legs[{i}].to"), lt)?;
            let asset = self.ctx.req_str(&format!("legs[{i}].asset"), la)?;
            let name = format!("legs[{i}].amount");
            let Some(lm) = lm else { return bad(&name, "missing required field")? };
            legs.push((from, to, asset, amount(&name, lm)?));
        }
        Ok(legs)
    }

    pub(crate) fn on_result(&mut self, f: &Fields<'_>) -> EventResult<()> {
        let tx = self.ctx.req_str("tx", f.tx)?;
        let status = self.ctx.req_str("status", f.status)?;
        let height = opt_u64("height", f.height)?;
        self.ctx.opt_str("reason", f.reason)?;
        let node = self.ctx.opt_str("node", f.node)?;
        let node = node.as_deref().map(str::as_bytes);
        self.result(tx.as_bytes(), status.as_bytes(), height, node)
    }

    /// A `tx.result` whose fields were read and validated (by the general scanner or a fast
    /// path); the status is checked here.
    pub(crate) fn result(
        &mut self,
        tx: &[u8],
        status: &[u8],
        height: Option<u64>,
        node: Option<&[u8]>,
    ) -> EventResult<()> {
        let committed = match status {
            b"committed" => Some(true),
            b"rejected" => Some(false),
            b"unknown" => None,
            other => {
                let other = String::from_utf8_lossy(other);
                return bad(
                    "status",
                    format!("expected committed, rejected or unknown, found {other:?}"),
                )?;
            }
        };
        let t = self.tx_index(tx)?;
        let node = node.map(|n| self.node_bytes(n)).transpose()?;
        let line = self.line;
        let info = &mut self.ledger.info[t as usize];
        if !info.resolved {
            info.resolved = true;
            if info.submitted().is_some() {
                self.progress.work(false, self.t_now);
            }
        }
        let Some(committed) = committed else { return Ok(()) };
        self.ledger.results += 1;
        let info = &mut self.ledger.info[t as usize];
        if !committed {
            info.rejected.get_or_insert(line);
            return Ok(());
        }
        if info.has_committed() {
            return Ok(());
        }
        info.set_committed(line, height, node);
        if height == Some(0) {
            self.ledger.apply_genesis(t);
        }
        self.ledger.forget_details(t);
        Ok(())
    }

    pub(crate) fn on_snapshot(&mut self, f: &Fields<'_>) -> EventResult<()> {
        let node = self.ctx.req_str("node", f.node)?;
        let h = req_u64("height", f.height)?;
        let app_hash = self.ctx.opt_str("app_hash", f.app_hash)?;
        let mut supply_raw = Vec::new();
        if let Some(v) = f.supply.filter(|v| !matches!(v, Val::Null)) {
            for (asset, amount) in members(&self.ctx, "supply", v)? {
                supply_raw.push((asset, snapshot_value("supply", amount)?));
            }
        }
        let mut bal_raw = Vec::new();
        if let Some(v) = f.balances.filter(|v| !matches!(v, Val::Null)) {
            let accounts = members(&self.ctx, "balances", v)?;
            bal_raw.reserve(accounts.len());
            // One vector for every account's assets: a snapshot lists thousands of accounts.
            let mut per_account = Vec::new();
            for (acct, per) in accounts {
                members_into(&self.ctx, "balances", per, &mut per_account)?;
                for (asset, amount) in per_account.drain(..) {
                    bal_raw.push((acct.clone(), asset, snapshot_value("balances", amount)?));
                }
            }
        }
        let supply: Vec<(&[u8], i128)> =
            supply_raw.iter().map(|(a, v)| (a.as_bytes(), *v)).collect();
        let balances: Vec<(&[u8], &[u8], i128)> =
            bal_raw.iter().map(|(acct, a, v)| (acct.as_bytes(), a.as_bytes(), *v)).collect();
        self.snapshot(node.as_bytes(), h, app_hash.as_deref(), &supply, &balances)
    }

    /// A `state.snapshot` whose fields were read and validated (by the general scanner or a
    /// fast path): (asset, amount) of the supply, (account, asset, amount) of the balances.
    pub(crate) fn snapshot(
        &mut self,
        node: &[u8],
        h: u64,
        app_hash: Option<&str>,
        supply_raw: &[(&[u8], i128)],
        bal_raw: &[(&[u8], &[u8], i128)],
    ) -> EventResult<()> {
        let n = self.node_bytes(node)?;
        let line = self.line;
        if h < self.pruned_below {
            self.stats.late_events += 1;
            self.ledger.snapshots_unchecked += 1;
            return Ok(());
        }
        if let Some(a) = app_hash {
            if let Some(hs) = self.open(h) {
                hs.snapshot_hashes.push((n, a.into(), line));
            }
        }
        if supply_raw.is_empty() && bal_raw.is_empty() {
            return Ok(());
        }
        let entries = supply_raw.len() + bal_raw.len();
        if self.ledger.snapshot_entries + entries > self.opts.limits.max_snapshot_entries {
            self.ledger.snapshots_unchecked += 1;
            return Ok(());
        }
        let mut supply = Vec::with_capacity(supply_raw.len());
        for &(a, v) in supply_raw {
            supply.push((self.account(a, true)?, v));
        }
        let mut balances = Vec::with_capacity(bal_raw.len());
        for &(acct, a, v) in bal_raw {
            balances.push((self.account(acct, false)?, self.account(a, true)?, v));
        }
        self.ledger.snapshot_entries += entries;
        self.ledger.snapshots.entry(h).or_default().push(Snap { node: n, line, supply, balances });
        Ok(())
    }
}
