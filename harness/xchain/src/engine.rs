//! The multi-chain engine: one simulated network per chain, advanced in lockstep virtual time
//! (every chain to the same next instant), with the bridge's actors in between.
//!
//! A turn: apply the chains' faults due now, send the background payments due, let the actors
//! look at every chain's finalized blocks and submit what they must, then advance every chain
//! to the next instant anyone must act (an actor's due time, a fault, a background payment,
//! one poll interval at most). What the chains emit during a turn is written in time order.

use crate::actor::{Actor, ChainView, Sent, Submission, View};
use crate::chain::{Book, Chain, ChainSink};
use crate::genesis::{genesis, LOCAL};
use crate::spec::{Mechanism, XScenario};
use crate::trace::XTrace;
use std::io::Write;
use touchstone_core::adapter::{Adapter, AdapterError, Outcome, OutcomeStatus, Setup, SubmitAck};
use touchstone_core::engine::{FaultRecord, FaultTimeline};
use touchstone_core::ledger::{Operation, ESCROW};
use touchstone_core::trace::TraceEvent;
use touchstone_core::{Nanos, Seed, TxId, TxRequest};
use touchstone_sim::SimAdapter;

/// Options of a run beyond the scenario.
#[derive(Debug, Clone, Copy, Default)]
pub struct XOptions {
    /// A deliberately BROKEN bridge rule, for proving the checker: every chain accepts a
    /// certificate of any one validator of its peer as a quorum, so a relay can mint what was
    /// never locked.
    pub broken_quorum: bool,
}

/// Errors of the harness: a chain could not be built or driven.
#[derive(Debug, thiserror::Error)]
pub enum XError {
    #[error("chain {chain}: {source}")]
    Adapter {
        chain: String,
        #[source]
        source: AdapterError,
    },
}

/// What a run leaves besides its trace.
#[derive(Debug, Clone)]
pub struct XRunResult {
    pub report: crate::measure::XReport,
    /// Each chain's faults, as the single-chain engine records them.
    pub faults: Vec<(String, Vec<FaultRecord>)>,
    /// Virtual time from the load's start to the end.
    pub duration_ns: Nanos,
}

struct Engine<'a, W: Write> {
    s: &'a XScenario,
    chains: Vec<Chain>,
    views: Vec<ChainView>,
    trace: &'a mut XTrace<W>,
    book: Book,
    next_id: u64,
    now: Nanos,
}

/// Runs `s` with `seed`, writing the trace to `trace` (committed, not finished).
pub fn run<W: Write>(
    s: &XScenario,
    seed: Seed,
    trace: &mut XTrace<W>,
    opts: XOptions,
) -> Result<XRunResult, XError> {
    let mut e = Engine::start(s, seed, trace, opts)?;
    let t0 = e.now;
    let mut actor: Box<dyn Actor> = match s.bridge.mechanism {
        Mechanism::Relay => Box::new(crate::relay::RelayBridge::new(s, &e.views, t0)),
        Mechanism::Htlc => Box::new(crate::htlc::HtlcBridge::new(s, seed, &e.views, t0)),
    };
    let load_end = t0 + s.load_duration();
    let end = load_end + s.bridge.workload.drain;
    let bg = s.bridge.workload.background_tps;
    let bg_every = if bg > 0.0 { (1e9 / bg) as Nanos } else { Nanos::MAX };
    let mut next_bg = if bg > 0.0 { t0 } else { Nanos::MAX };
    let mut bg_count: u64 = 0;
    let mut out = Vec::new();
    loop {
        let now = e.now;
        if std::env::var("XDEBUG").is_ok() {
            eprintln!(
                "turn {now} sent {} heights {:?}",
                e.book.sent.len(),
                e.views.iter().map(|v| v.height()).collect::<Vec<_>>()
            );
        }
        e.apply_faults()?;
        // The background load runs through the drain: the chains keep making blocks, so
        // hashlock expiries (heights) are reached.
        while next_bg <= now && now < end {
            e.background(bg_count)?;
            bg_count += 1;
            next_bg += bg_every;
        }
        let view = e.view(t0);
        actor.tick(&view, &mut out);
        let finished = now >= load_end && actor.done(&view);
        for sub in out.drain(..) {
            e.submit(sub)?;
        }
        e.trace.commit();
        if now >= end || finished {
            break;
        }
        let mut next = (now + s.bridge.poll).min(end);
        for t in [actor.next_due(), Some(next_bg)].into_iter().flatten() {
            next = next.min(t.max(now + 1));
        }
        for c in &e.chains {
            if let Some(t) = c.timeline.next_time() {
                next = next.min(t.max(now + 1));
            }
        }
        e.advance(next)?;
    }
    e.finish(t0)
}

impl<'a, W: Write> Engine<'a, W> {
    fn start(
        s: &'a XScenario,
        seed: Seed,
        trace: &'a mut XTrace<W>,
        opts: XOptions,
    ) -> Result<Self, XError> {
        let mut chains = Vec::new();
        let mut systems = Vec::new();
        for c in &s.chains {
            let adapter = SimAdapter::new(&c.scenario).map_err(|e| err(&c.id, e))?;
            systems.push((c.id.clone(), adapter.system_info()));
            let mut timeline = FaultTimeline::new(&c.scenario.faults, &c.scenario.network.link);
            timeline.refuse_undeclared(&adapter.capabilities(), true, "sim");
            chains.push(Chain { adapter: Box::new(adapter), timeline });
        }
        trace.run_start(seed.0, &s.name, &systems);
        let views = s
            .chains
            .iter()
            .zip(&systems)
            .map(|(c, (_, sys))| ChainView {
                id: c.id.clone(),
                validators: sys.validators.iter().map(|v| (v.id.clone(), v.power)).collect(),
                block_interval: c.scenario.network.consensus.block_interval,
                ..Default::default()
            })
            .collect();
        let mut e = Engine { s, chains, views, trace, book: Book::default(), next_id: 0, now: 0 };
        let accounts: Vec<String> =
            (0..s.bridge.workload.accounts).map(touchstone_core::ids::account_name).collect();
        for i in 0..s.chains.len() {
            let g = genesis(s, i, &systems, opts.broken_quorum);
            e.write_genesis(i, &g.balances);
            let setup = Setup {
                seed: seed.derive(&format!("chain/{}", s.chains[i].id)),
                accounts: accounts.clone(),
                assets: Vec::new(),
                genesis: g,
            };
            let (chain, mut sink) = e.sink(i);
            chain.adapter.prepare(&setup, &mut sink).map_err(|er| err(&s.chains[i].id, er))?;
        }
        e.now = e.chains.iter().map(|c| c.adapter.now()).max().unwrap_or(0);
        let now = e.now;
        e.advance(now)?;
        for c in &mut e.chains {
            c.timeline.schedule_from(now);
        }
        e.trace.commit();
        Ok(e)
    }

    /// Chain `i` and the sink of its events.
    fn sink(&mut self, i: usize) -> (&mut Chain, ChainSink<'_, W>) {
        let sink =
            ChainSink { view: &mut self.views[i], trace: &mut *self.trace, book: &mut self.book };
        (&mut self.chains[i], sink)
    }

    /// The starting balances of chain `i`, as issues committed at height 0.
    fn write_genesis(&mut self, i: usize, balances: &[(String, String, u128)]) {
        let id = &self.s.chains[i].id;
        for (acct, asset, amount) in balances {
            for ev in TraceEvent::genesis_issue(TxId(self.next_id), acct, asset, *amount) {
                self.trace.emit(id, 0, &ev);
            }
            self.next_id += 1;
        }
    }

    fn view(&self, t0: Nanos) -> View<'_> {
        View {
            now: self.now,
            t0,
            chains: &self.views,
            sent: &self.book.sent,
            settled: &self.book.settled,
        }
    }

    fn apply_faults(&mut self) -> Result<(), XError> {
        let now = self.now;
        for i in 0..self.chains.len() {
            let (chain, mut sink) = self.sink(i);
            chain.timeline.apply_due(now, chain.adapter.as_mut(), &mut sink);
        }
        Ok(())
    }

    /// Every chain to `t`.
    fn advance(&mut self, t: Nanos) -> Result<(), XError> {
        for i in 0..self.chains.len() {
            let id = self.s.chains[i].id.clone();
            let (chain, mut sink) = self.sink(i);
            while chain.adapter.now() < t {
                chain.adapter.advance(t, &mut sink).map_err(|e| err(&id, e))?;
            }
        }
        self.now = t;
        self.trace.commit();
        Ok(())
    }

    /// Payment number `k` of the background load: on every chain, one account pays the next.
    fn background(&mut self, k: u64) -> Result<(), XError> {
        let n = u64::from(self.s.bridge.workload.accounts.max(2));
        let from = touchstone_core::ids::account_name((k % n) as u32);
        let to = touchstone_core::ids::account_name(((k + 1) % n) as u32);
        for chain in 0..self.chains.len() {
            let op = Operation::Transfer {
                from: from.clone(),
                to: to.clone(),
                asset: LOCAL.into(),
                amount: 1,
            };
            self.submit(Submission { chain, op, client: "background" })?;
        }
        Ok(())
    }

    /// Numbers, writes and submits one operation now.
    fn submit(&mut self, sub: Submission) -> Result<(), XError> {
        let now = self.now;
        let tx = TxId(self.next_id);
        self.next_id += 1;
        let Submission { chain: i, op, client } = sub;
        let ev = TraceEvent::TxSubmit {
            tx,
            client,
            op: op.name(),
            from: op.from(),
            to: op.to(),
            asset: op.asset(),
            amount: op.amount(),
            nonce: None,
            via: None,
            intended_ns: Some(now),
            legs: op.legs(),
            bridge: op.bridge(),
        };
        self.trace.emit(&self.s.chains[i].id, now, &ev);
        let req =
            TxRequest { id: tx, client: 0, op: op.clone(), nonce: None, via: None, intended: now };
        self.book.sent.insert(tx, Sent { chain: i, op, client, at: now, outcome: None });
        let id = self.s.chains[i].id.clone();
        let (chain, mut sink) = self.sink(i);
        match chain.adapter.submit(&req, &mut sink).map_err(|e| err(&id, e))? {
            SubmitAck::Accepted { .. } => {}
            SubmitAck::Rejected { reason } => {
                let status = OutcomeStatus::Rejected { reason };
                use touchstone_core::adapter::EventSink;
                sink.outcome(Outcome { tx, status, at: now, node: None });
            }
        }
        Ok(())
    }

    /// Reads every chain's state (snapshots into the trace), ends the trace, measures.
    fn finish(mut self, t0: Nanos) -> Result<XRunResult, XError> {
        let mut accounts: Vec<String> =
            (0..self.s.bridge.workload.accounts).map(touchstone_core::ids::account_name).collect();
        accounts.push(ESCROW.into());
        let mut snapshots = Vec::new();
        for i in 0..self.chains.len() {
            let id = self.s.chains[i].id.clone();
            let snaps = self.chains[i].adapter.snapshot(&accounts).map_err(|e| err(&id, e))?;
            for sn in &snaps {
                let ev = TraceEvent::StateSnapshot {
                    node: &sn.node,
                    height: sn.height,
                    app_hash: sn.app_hash.as_deref(),
                    supply: &sn.supply,
                    balances: &sn.balances,
                };
                self.trace.emit(&id, self.now, &ev);
            }
            snapshots.push(snaps.into_iter().next().unwrap_or_default());
            let (chain, mut sink) = self.sink(i);
            chain.adapter.shutdown(&mut sink).map_err(|e| err(&id, e))?;
        }
        self.trace.emit_run(self.now, &TraceEvent::RunEnd { reason: Some("completed") });
        let report = crate::measure::measure(self.s, &self.views, &self.book, &snapshots);
        let faults = self
            .s
            .chains
            .iter()
            .zip(&self.chains)
            .map(|(c, rt)| (c.id.clone(), rt.timeline.records.clone()))
            .collect();
        Ok(XRunResult { report, faults, duration_ns: self.now - t0 })
    }
}

fn err(chain: &str, source: AdapterError) -> XError {
    XError::Adapter { chain: chain.to_string(), source }
}
