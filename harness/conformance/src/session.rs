//! A [`Session`]: one freshly built and prepared adapter, driven directly the way the engine
//! drives it (submit, then advance until outcomes arrive), with everything it reports kept.

use crate::watch::{SharedLog, Watched};
use crate::{ConformanceOptions, Factory};
use std::collections::{BTreeMap, BTreeSet};
use touchstone_core::adapter::{
    Adapter, Capabilities, EventSink, FaultError, Outcome, OutcomeStatus, Setup, StateSnapshot,
    SubmitAck, TxRequest,
};
use touchstone_core::ledger::{AssetPolicy, BridgeGenesis, Genesis, Operation};
use touchstone_core::scenario::{AssetSpec, FaultAction};
use touchstone_core::trace::{QuorumRule, TraceEvent};
use touchstone_core::{Nanos, Reason, TxId};

/// Advances without an outcome or a deadline reached before the kit gives up on a clock.
const MAX_ADVANCES: u64 = 200_000;

/// The asset with a policy that a session with privileged operations adds (issuer: `a0`).
pub(crate) const POLICY_ASSET: &str = "KIT";

/// What a session's chain starts with.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Start {
    /// Every account holds `initial_balance` of the asset; nothing else.
    Plain,
    /// Plain, plus [`POLICY_ASSET`] with a policy whose issuer agent is `a0` (for admin actions).
    WithPolicyAsset,
    /// Plain (with the policy asset if `policy_asset`), plus a bridge: the escrow account, no
    /// peer chains (for the single-chain bridge operations `lock` and `hashlock`).
    WithBridge { policy_asset: bool },
}

/// What the adapter reported, in order.
#[derive(Debug, Default)]
pub(crate) struct Observed {
    pub(crate) outcomes: Vec<Outcome>,
    /// Which validators decided a block holding each transaction (`cons.decide`).
    pub(crate) decided: BTreeMap<TxId, BTreeSet<String>>,
}

impl EventSink for Observed {
    fn outcome(&mut self, outcome: Outcome) {
        self.outcomes.push(outcome);
    }
    fn trace(&mut self, _t: Nanos, ev: &TraceEvent<'_>) {
        if let TraceEvent::ConsDecide { node, txs, .. } = ev {
            for tx in *txs {
                self.decided.entry(*tx).or_default().insert(node.to_string());
            }
        }
    }
}

/// One submission and what the adapter answered at once.
#[derive(Debug, Clone)]
pub(crate) struct Sent {
    pub(crate) op: Operation,
    pub(crate) ack: SubmitAck,
    /// The adapter's time when it was submitted.
    pub(crate) at: Nanos,
}

/// A prepared adapter under test.
#[derive(Debug)]
pub(crate) struct Session {
    pub(crate) adapter: Watched,
    pub(crate) caps: Capabilities,
    pub(crate) seen: Observed,
    pub(crate) accounts: Vec<String>,
    /// The validators' ids (`system_info` after `prepare`).
    pub(crate) nodes: Vec<String>,
    /// The quorum the adapter declares (`system_info`); `None`: the BFT default, 2/3.
    pub(crate) quorum: Option<QuorumRule>,
    pub(crate) sent: BTreeMap<u64, Sent>,
    pub(crate) opts: ConformanceOptions,
    nonces: BTreeMap<String, u64>,
    next_id: u64,
}

impl Session {
    /// Builds an adapter with `factory` and prepares it; the error says which step failed.
    pub(crate) fn open(
        factory: Factory<'_>,
        opts: &ConformanceOptions,
        log: &SharedLog,
        start: Start,
    ) -> Result<Session, String> {
        if opts.accounts < 4 {
            return Err(format!(
                "the kit needs at least 4 accounts, the options give {}",
                opts.accounts
            ));
        }
        let inner =
            factory().map_err(|e| format!("the factory could not build the adapter: {e}"))?;
        let caps = inner.capabilities();
        let slack = if caps.virtual_time { 0 } else { opts.wall_slack };
        let mut adapter = Watched::new(inner, log.clone(), slack);
        let accounts: Vec<String> =
            (0..opts.accounts).map(touchstone_core::ids::account_name).collect();
        let setup = setup(opts, &accounts, start);
        let mut seen = Observed::default();
        adapter.prepare(&setup, &mut seen).map_err(|e| format!("prepare failed: {e}"))?;
        let system = adapter.system_info();
        let quorum = system.quorum;
        let nodes = system.validators.into_iter().map(|v| v.id).collect();
        Ok(Session {
            adapter,
            caps,
            seen,
            accounts,
            nodes,
            quorum,
            sent: BTreeMap::new(),
            opts: opts.clone(),
            nonces: BTreeMap::new(),
            next_id: 0,
        })
    }

    /// Whether all validators but one still hold a quorum (equal powers): strictly more than
    /// the declared fraction (default 2/3) of them.
    pub(crate) fn quorum_without_one(&self) -> bool {
        let q = self.quorum.unwrap_or(QuorumRule { num: 2, den: 3 });
        let n = self.nodes.len() as u64;
        n >= 2 && (n - 1) * q.den > n * q.num
    }

    pub(crate) fn now(&self) -> Nanos {
        self.adapter.now()
    }

    /// Submits `op` (with the sender's next harness nonce when `nonced`), entering at `via`.
    pub(crate) fn submit(
        &mut self,
        op: Operation,
        nonced: bool,
        via: Option<&str>,
    ) -> Result<TxId, String> {
        let nonce = match (nonced, op.signer()) {
            (true, Some(from)) => {
                let n = self.nonces.entry(from.to_string()).or_default();
                *n += 1;
                Some(*n - 1)
            }
            _ => None,
        };
        self.submit_with_nonce(op, nonce, via)
    }

    /// The request the next submission of `op` with `nonce` sends (the id it will get), e.g.
    /// to ask the adapter's pre-check about it first.
    pub(crate) fn next_request(&self, op: Operation, nonce: Option<u64>) -> TxRequest {
        TxRequest { id: TxId(self.next_id), client: 0, op, nonce, via: None, intended: self.now() }
    }

    /// Submits `op` with exactly this harness nonce.
    pub(crate) fn submit_with_nonce(
        &mut self,
        op: Operation,
        nonce: Option<u64>,
        via: Option<&str>,
    ) -> Result<TxId, String> {
        let req =
            TxRequest { via: via.map(str::to_string), ..self.next_request(op.clone(), nonce) };
        let (id, at) = (req.id, req.intended);
        self.next_id += 1;
        let ack = self
            .adapter
            .submit(&req, &mut self.seen)
            .map_err(|e| format!("submit of {id} failed: {e}"))?;
        self.sent.insert(id.0, Sent { op, ack, at });
        Ok(id)
    }

    /// A transfer of the session's asset, nonced.
    pub(crate) fn transfer(
        &mut self,
        from: usize,
        to: usize,
        amount: u128,
        via: Option<&str>,
    ) -> Result<TxId, String> {
        let op = Operation::Transfer {
            from: self.accounts[from].clone(),
            to: self.accounts[to].clone(),
            asset: self.opts.asset.clone(),
            amount,
        };
        self.submit(op, true, via)
    }

    /// Lets the chain run until `until` (at least one step past now).
    pub(crate) fn advance(&mut self, until: Nanos) -> Result<Nanos, String> {
        let until = until.max(self.now() + 1);
        self.adapter.advance(until, &mut self.seen).map_err(|e| format!("advance failed: {e}"))
    }

    /// Lets the chain run for `window` of its time.
    pub(crate) fn watch(&mut self, window: Nanos) -> Result<(), String> {
        let deadline = self.now().saturating_add(window);
        self.run_until(deadline, |_| false).map(|_| ())
    }

    /// Lets the chain run until every id in `ids` has a final outcome (or was rejected at
    /// submit), or `within` passes. Returns whether all did.
    pub(crate) fn settle(&mut self, ids: &[TxId], within: Nanos) -> Result<bool, String> {
        let deadline = self.now().saturating_add(within);
        let ids = ids.to_vec();
        self.run_until(deadline, |s| ids.iter().all(|&id| s.resolved(id)))
    }

    /// Lets the chain run until `done` holds or `within` passes; `Ok(done)`.
    pub(crate) fn wait(
        &mut self,
        within: Nanos,
        done: impl Fn(&Session) -> bool,
    ) -> Result<bool, String> {
        let deadline = self.now().saturating_add(within);
        self.run_until(deadline, done)
    }

    /// Advances in steps until `deadline` or until `done` holds; `Ok(done)`.
    fn run_until(
        &mut self,
        deadline: Nanos,
        done: impl Fn(&Session) -> bool,
    ) -> Result<bool, String> {
        for _ in 0..MAX_ADVANCES {
            if done(self) {
                return Ok(true);
            }
            let now = self.now();
            if now >= deadline {
                return Ok(false);
            }
            self.advance(now.saturating_add(self.opts.step).min(deadline))?;
        }
        Err(format!(
            "the clock did not reach {deadline} ns in {MAX_ADVANCES} calls of advance (it stands at {} ns)",
            self.now()
        ))
    }

    /// Rejected at submit, or a final outcome (committed or rejected) reported.
    pub(crate) fn resolved(&self, id: TxId) -> bool {
        matches!(self.sent.get(&id.0), Some(Sent { ack: SubmitAck::Rejected { .. }, .. }))
            || !self.finals(id).is_empty()
    }

    /// The final outcomes (committed or rejected) reported for `id`, in order.
    pub(crate) fn finals(&self, id: TxId) -> Vec<&Outcome> {
        self.seen
            .outcomes
            .iter()
            .filter(|o| o.tx == id && !matches!(o.status, OutcomeStatus::Unknown))
            .collect()
    }

    /// The final answer for `id`: rejected at submit or finally (with the reason), or
    /// committed; `None` while it has none.
    pub(crate) fn outcome_of(&self, id: TxId) -> Option<Result<(), Reason>> {
        if let Some(Sent { ack: SubmitAck::Rejected { reason }, .. }) = self.sent.get(&id.0) {
            return Some(Err(*reason));
        }
        self.finals(id).first().map(|o| match o.status {
            OutcomeStatus::Rejected { reason } => Err(reason),
            _ => Ok(()),
        })
    }

    /// What became of `id`, for evidence: `t3 (rejected at submit: OTHER)`, `t4 (Rejected {..})`,
    /// `t5 (no outcome)`.
    pub(crate) fn describe(&self, id: TxId) -> String {
        if let Some(Sent { ack: SubmitAck::Rejected { reason }, .. }) = self.sent.get(&id.0) {
            return format!("{id} (rejected at submit: {})", reason.code());
        }
        let finals: Vec<String> =
            self.finals(id).iter().map(|o| format!("{:?}", o.status)).collect();
        if finals.is_empty() {
            format!("{id} (no outcome)")
        } else {
            format!("{id} ({})", finals.join(", "))
        }
    }

    pub(crate) fn committed(&self, id: TxId) -> bool {
        self.finals(id).iter().any(|o| matches!(o.status, OutcomeStatus::Committed { .. }))
    }

    /// Outcomes reported after index `from` of the outcome list that are commits.
    pub(crate) fn commits_since(&self, from: usize) -> Vec<&Outcome> {
        self.seen.outcomes[from..]
            .iter()
            .filter(|o| matches!(o.status, OutcomeStatus::Committed { .. }))
            .collect()
    }

    /// Applies `action` through the adapter's fault control.
    pub(crate) fn fault(&mut self, action: &FaultAction) -> Result<(), FaultError> {
        let now = self.now();
        match self.adapter.faults() {
            None => Err(FaultError::NotSupported(action.kind())),
            Some(fc) => fc.apply(now, action, &mut self.seen),
        }
    }

    pub(crate) fn snapshot(&mut self) -> Result<Vec<StateSnapshot>, String> {
        let accounts = self.accounts.clone();
        self.adapter.snapshot(&accounts).map_err(|e| format!("snapshot failed: {e}"))
    }

    /// Ends the session (the adapter releases what it holds, e.g. stops a node).
    pub(crate) fn close(mut self) {
        let _ = self.adapter.shutdown(&mut self.seen);
    }
}

/// The starting state: every account holds `initial_balance` of the asset.
fn setup(opts: &ConformanceOptions, accounts: &[String], start: Start) -> Setup {
    let mut genesis = Genesis {
        assets: vec![(opts.asset.clone(), None)],
        balances: accounts
            .iter()
            .map(|a| (a.clone(), opts.asset.clone(), opts.initial_balance))
            .collect(),
        ..Default::default()
    };
    if matches!(start, Start::WithBridge { .. }) {
        genesis.bridge = Some(BridgeGenesis::default());
    }
    if matches!(start, Start::WithPolicyAsset | Start::WithBridge { policy_asset: true }) {
        let policy = AssetPolicy { issuer: accounts[0].clone(), ..Default::default() };
        genesis.assets.push((POLICY_ASSET.into(), Some(policy)));
    }
    Setup {
        seed: opts.seed,
        accounts: accounts.to_vec(),
        assets: vec![AssetSpec { id: opts.asset.clone(), initial_balance: opts.initial_balance }],
        genesis,
    }
}
