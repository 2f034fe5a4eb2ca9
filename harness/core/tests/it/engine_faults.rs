//! The engine checks the scenario's faults against the adapter's declared capabilities before
//! the run: an undeclared fault is recorded as not exercised and never reaches fault control.

use std::sync::atomic::AtomicBool;
use touchstone_core::adapter::*;
use touchstone_core::engine::{self, FaultStatus, RunOptions};
use touchstone_core::ledger::OpKind;
use touchstone_core::scenario::{FaultAction, FaultKind, RateSpec, ScenarioBuilder, ScenarioKind};
use touchstone_core::time::NS_PER_S;
use touchstone_core::trace::MemoryTrace;
use touchstone_core::{Nanos, Scenario, Seed};

/// Commits every transaction at the next `advance`; can crash and restart (and nothing else),
/// and remembers every action handed to its fault control.
#[derive(Debug, Default)]
struct CrashOnlyChain {
    now: Nanos,
    pending: Vec<touchstone_core::TxId>,
    height: u64,
    applied: Vec<String>,
}

impl Adapter for CrashOnlyChain {
    fn name(&self) -> &str {
        "crash-only"
    }
    fn capabilities(&self) -> Capabilities {
        Capabilities {
            operations: vec![OpKind::Transfer, OpKind::Issue, OpKind::Redeem],
            faults: vec![FaultKind::Crash, FaultKind::Restart],
            consensus_events: false,
            state_reads: false,
            finality: FinalityRule {
                description: "instant".into(),
                required_share: 1.0,
                confirmation_depth: 0,
            },
            virtual_time: true,
        }
    }
    fn system_info(&self) -> SystemInfo {
        SystemInfo { adapter: "crash-only".into(), protocol: "none".into(), ..Default::default() }
    }
    fn prepare(&mut self, _: &Setup, _: &mut dyn EventSink) -> Result<(), AdapterError> {
        Ok(())
    }
    fn now(&self) -> Nanos {
        self.now
    }
    fn submit(&mut self, tx: &TxRequest, _: &mut dyn EventSink) -> Result<SubmitAck, AdapterError> {
        self.pending.push(tx.id);
        Ok(SubmitAck::Accepted { via: None })
    }
    fn advance(&mut self, until: Nanos, sink: &mut dyn EventSink) -> Result<Nanos, AdapterError> {
        self.now = self.now.max(until);
        for tx in self.pending.drain(..) {
            self.height += 1;
            let status = OutcomeStatus::Committed { height: self.height };
            sink.outcome(Outcome { tx, status, at: self.now, node: None });
        }
        Ok(self.now)
    }
    fn faults(&mut self) -> Option<&mut dyn FaultControl> {
        Some(self)
    }
    fn snapshot(&mut self, _: &[String]) -> Result<Vec<StateSnapshot>, AdapterError> {
        Ok(Vec::new())
    }
    fn shutdown(&mut self, _: &mut dyn EventSink) -> Result<(), AdapterError> {
        Ok(())
    }
}

impl FaultControl for CrashOnlyChain {
    fn apply(
        &mut self,
        _: Nanos,
        action: &FaultAction,
        _: &mut dyn EventSink,
    ) -> Result<(), FaultError> {
        self.applied.push(action.name().to_string());
        Ok(())
    }
}

fn scenario() -> Scenario {
    let n0 = || vec!["n0".to_string()];
    ScenarioBuilder::new("faults", ScenarioKind::Payment)
        .validators(4)
        .phase("load", 4 * NS_PER_S, RateSpec::Constant { tps: 10.0 })
        .fault(NS_PER_S, Some(NS_PER_S), FaultAction::Crash { nodes: n0() })
        .fault(NS_PER_S, Some(NS_PER_S), FaultAction::Pause { nodes: n0() })
        .fault(
            2 * NS_PER_S,
            None,
            FaultAction::Partition {
                groups: vec![n0(), vec!["n1".into(), "n2".into(), "n3".into()]],
            },
        )
        .build()
}

#[test]
fn undeclared_faults_are_not_exercised_and_never_reach_fault_control() {
    let s = scenario();
    let mut chain = CrashOnlyChain::default();
    let mut trace = MemoryTrace::default();
    let r = engine::run(&s, &mut chain, Seed(1), &mut trace, RunOptions::default()).unwrap();
    assert_eq!(chain.applied, ["crash", "restart"], "only declared kinds reach fault control");
    let status: Vec<FaultStatus> = r.faults.iter().map(|f| f.status).collect();
    assert_eq!(
        status,
        [FaultStatus::Applied, FaultStatus::NotExercised, FaultStatus::NotExercised]
    );
    assert_eq!(r.faults[1].message.as_deref(), Some("adapter crash-only cannot inject pause"));
    assert_eq!(r.faults[2].message.as_deref(), Some("adapter crash-only cannot inject partition"));
    let started: Vec<String> = trace
        .values()
        .iter()
        .filter(|l| l["kind"] == "fault.start")
        .map(|l| l["fault"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(started, [r.faults[0].id.clone()], "no trace line for a fault not exercised");
}

#[test]
fn undeclared_faults_are_known_before_the_first_transaction() {
    // Stopped before anything is sent: the declared crash is still pending, the undeclared
    // pause and partition are already recorded as not exercised.
    let s = scenario();
    let mut chain = CrashOnlyChain::default();
    let mut trace = MemoryTrace::default();
    let stop = AtomicBool::new(true);
    let opts = RunOptions { stop: Some(&stop), ..Default::default() };
    let r = engine::run(&s, &mut chain, Seed(1), &mut trace, opts).unwrap();
    assert_eq!(r.end, engine::EndReason::Interrupted);
    assert_eq!(r.metrics.measured.submitted, 0);
    assert!(chain.applied.is_empty());
    let status: Vec<FaultStatus> = r.faults.iter().map(|f| f.status).collect();
    assert_eq!(
        status,
        [FaultStatus::Pending, FaultStatus::NotExercised, FaultStatus::NotExercised]
    );
}
