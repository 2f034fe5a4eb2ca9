//! A child that breaks the protocol ends the run with an adapter failure (exit code 3) whose
//! message names the request, the line of stdout and what was expected; what was measured
//! before is kept.

use crate::support::{broken, children, payment, template};
use std::time::Duration;
use touchstone_core::engine::{self, EndReason, RunResult};
use touchstone_core::trace::MemoryTrace;
use touchstone_core::{AdapterError, Seed};
use touchstone_process::{ProcessAdapter, ProcessConfig};

/// Runs 2 s of load at 50 tx/s through the broken child; the run must fail. Returns the
/// failure message and the result.
fn failed_run(flaw: &str) -> (String, RunResult, MemoryTrace) {
    let scenario = payment(50.0, 2);
    let mut adapter = ProcessAdapter::start(broken(flaw), &scenario).unwrap();
    let mut trace = MemoryTrace::default();
    let r = engine::run(&scenario, &mut adapter, Seed(1), &mut trace, Default::default()).unwrap();
    let EndReason::AdapterFailed { message } = &r.end else {
        panic!("{flaw}: the run ended {:?}", r.end)
    };
    (message.clone(), r, trace)
}

#[test]
fn garbage_on_stdout_names_the_line_and_what_was_expected() {
    let (m, r, trace) = failed_run("garbage");
    assert!(m.contains("line ") && m.contains("of the child's stdout is not a JSON object"), "{m}");
    assert!(m.contains("expected the reply to advance (request"), "{m}");
    assert!(m.contains("\"this is not json\""), "{m}");
    // Partial results are kept: the run wrote its start and its end.
    assert!(r.metrics.measured.submitted > 0);
    let lines = trace.values();
    assert_eq!(lines.last().unwrap()["kind"], "run.end");
    assert!(lines.last().unwrap()["reason"].as_str().unwrap().contains("adapter failed"));
}

#[test]
fn a_child_that_exits_is_named_with_its_status_and_last_words() {
    let (m, ..) = failed_run("exit");
    assert!(m.contains("the child exited (exit status: 3)"), "{m}");
    assert!(m.contains("giving up on purpose"), "{m}");
    assert!(m.contains("advance (request"), "{m}");
}

#[test]
fn a_child_that_hangs_is_killed_after_the_call_timeout() {
    let (m, ..) = failed_run("hang");
    assert!(m.contains("no reply to advance (request") && m.contains("within 2s"), "{m}");
}

#[test]
fn a_reply_to_the_wrong_request_is_named() {
    let (m, ..) = failed_run("wrong-id");
    assert!(
        m.contains("expected the reply to advance (request")
            && m.contains("found a reply to request"),
        "{m}"
    );
}

#[test]
fn a_trace_line_of_a_kind_the_harness_writes_is_refused() {
    let (m, ..) = failed_run("bad-trace");
    assert!(
        m.contains("trace line 4 has kind \"tx.result\", which the harness writes itself"),
        "{m}"
    );
}

#[test]
fn a_child_of_another_protocol_version_is_refused_at_hello() {
    let e = ProcessAdapter::start(broken("version"), &payment(1.0, 1)).unwrap_err();
    assert!(
        e.to_string().contains("the child speaks adapter protocol 2; this harness speaks 1"),
        "{e}"
    );
}

#[test]
fn a_command_that_cannot_start_is_a_configuration_error() {
    let cfg = ProcessConfig::new("/nonexistent/adapter", &[], &children());
    let e = ProcessAdapter::start(cfg, &payment(1.0, 1)).unwrap_err();
    assert!(matches!(e, AdapterError::Config { .. }), "{e}");
    assert!(e.to_string().contains("cannot start \"/nonexistent/adapter\""), "{e}");
}

#[test]
fn a_child_that_says_nothing_at_hello_is_timed_out_and_killed() {
    let mut cfg = ProcessConfig::new("sleep", &["60"], &children());
    cfg.timeouts.hello = Duration::from_millis(300);
    let e = ProcessAdapter::start(cfg, &payment(1.0, 1)).unwrap_err();
    assert!(e.to_string().contains("no reply to hello (request 1) within 300ms"), "{e}");
}

#[test]
fn a_setting_the_child_refuses_is_a_configuration_error_naming_the_file() {
    // The template holds plain cash only: an asset with a policy is refused at prepare.
    use touchstone_core::adapter::{Adapter, CollectingSink, Setup};
    use touchstone_core::ledger::{AssetPolicy, Genesis};
    use touchstone_core::trace::DiscardTrace;
    let mut a = ProcessAdapter::start(template(true), &payment(1.0, 1)).unwrap();
    let genesis = Genesis {
        assets: vec![("KIT".into(), Some(AssetPolicy::default()))],
        ..Default::default()
    };
    let setup = Setup { seed: Seed(1), accounts: vec![], assets: vec![], genesis };
    let mut sink = CollectingSink { trace: DiscardTrace::default(), outcomes: Vec::new() };
    let e = a.prepare(&setup, &mut sink).unwrap_err();
    assert!(matches!(e, AdapterError::Unsupported { .. }), "{e}");
    assert!(e.to_string().contains("plain cash only"), "{e}");
    // An error answer is not a broken protocol: the child still answers.
    assert!(a.snapshot(&[]).is_ok());
    a.shutdown(&mut sink).unwrap();
}
