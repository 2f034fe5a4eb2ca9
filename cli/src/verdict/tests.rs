//! The exit-code rule, judged without a process: each part of the evidence alone, then together.

use super::*;
use serde_json::json;

/// A result of the run record or the check report, built from its serialized form (the
/// stable contract of `run.json` and `touchstone check --json`).
fn from_json<T: serde::de::DeserializeOwned>(v: serde_json::Value) -> T {
    serde_json::from_value(v).expect("a valid serialized form")
}

fn criterion(id: &str, passed: bool) -> CriterionResult {
    from_json(json!({
        "id": id, "target": "≤ 1s", "measured": "0.5s", "value": 0.5, "threshold": 1.0,
        "passed": passed, "note": null
    }))
}

fn case(indicator: &str, passed: bool) -> CaseResult {
    from_json(json!({
        "tx": "t1", "indicator": indicator, "label": "a case", "expected": { "expect": "commit" },
        "observed": if passed { "committed" } else { "rejected" }, "reason": null,
        "passed": passed, "notice_ns": null
    }))
}

fn prop(id: &str, verdict: &str, is_gate: bool) -> PropertyResult {
    from_json(json!({
        "id": id, "name": id, "verdict": verdict, "reason": null, "expected_to_fail": false,
        "is_gate": is_gate, "findings": if verdict == "fail" { 1 } else { 0 }
    }))
}

/// The default check: agreement (a gate) and liveness (not one) both pass.
fn passing_properties() -> Vec<PropertyResult> {
    vec![prop("agreement", "pass", true), prop("liveness", "pass", false)]
}

fn completed<'a>(
    criteria: &'a [CriterionResult],
    conformance: &'a [CaseResult],
    properties: &'a [PropertyResult],
) -> Evidence<'a> {
    Evidence {
        status: RunStatus::Completed,
        message: None,
        criteria,
        conformance,
        gates: None,
        properties: Some(properties),
    }
}

#[test]
fn a_completed_run_with_every_gate_criterion_and_case_met_exits_0() {
    let (criteria, cases, props) =
        ([criterion("latency_p99", true)], [case("C1.1", true)], passing_properties());
    let v = judge(&completed(&criteria, &cases, &props));
    assert_eq!((v.passed, v.exit_code), (true, PASS));
    assert!(v.failed.is_empty(), "{:?}", v.failed);
}

#[test]
fn a_failed_gate_exits_1_and_is_named() {
    let props = [prop("agreement", "fail", true), prop("liveness", "pass", false)];
    let v = judge(&completed(&[], &[], &props));
    assert_eq!((v.passed, v.exit_code), (false, FINDINGS));
    assert_eq!(v.failed, ["gate agreement"]);
}

#[test]
fn a_failed_property_that_is_no_gate_does_not_fail_the_run() {
    let props = [prop("agreement", "pass", true), prop("liveness", "fail", false)];
    assert_eq!(judge(&completed(&[], &[], &props)).exit_code, PASS);
}

#[test]
fn a_property_not_evaluated_is_not_a_finding() {
    let props = [prop("agreement", "not_evaluated", true)];
    assert_eq!(judge(&completed(&[], &[], &props)).exit_code, PASS);
}

#[test]
fn the_scenarios_gates_replace_the_checkers_default_gates() {
    let gates = vec!["liveness".to_string()];
    let props = [prop("agreement", "fail", true), prop("liveness", "fail", false)];
    let v = judge(&Evidence { gates: Some(&gates), ..completed(&[], &[], &props) });
    assert_eq!(v.exit_code, FINDINGS);
    assert_eq!(v.failed, ["gate liveness"], "agreement is no gate of this scenario");
    let only_agreement = [prop("agreement", "fail", true)];
    let v = judge(&Evidence { gates: Some(&gates), ..completed(&[], &[], &only_agreement) });
    assert_eq!(v.exit_code, PASS);
}

#[test]
fn a_failed_criterion_exits_1_and_is_named() {
    let criteria = [criterion("latency_p99", true), criterion("throughput_min", false)];
    let props = passing_properties();
    let v = judge(&completed(&criteria, &[], &props));
    assert_eq!((v.passed, v.exit_code), (false, FINDINGS));
    assert_eq!(v.failed, ["criterion throughput_min"]);
}

#[test]
fn conformance_cases_that_differ_from_the_reference_model_are_findings_per_indicator() {
    let cases = [case("C2", false), case("C1", true), case("C1", false), case("C2", false)];
    let props = passing_properties();
    let v = judge(&completed(&[], &cases, &props));
    assert_eq!(v.exit_code, FINDINGS);
    assert_eq!(
        v.failed,
        [
            "conformance C1: 1 case(s) differ from the reference model",
            "conformance C2: 2 case(s) differ from the reference model",
        ]
    );
}

#[test]
fn a_trace_that_could_not_be_checked_is_a_finding() {
    let v = judge(&Evidence { properties: None, ..completed(&[], &[], &[]) });
    assert_eq!(v.exit_code, FINDINGS);
    assert_eq!(v.failed, ["trace not checked"]);
}

#[test]
fn criteria_conformance_and_gates_are_all_listed_in_that_order() {
    let criteria = [criterion("latency_p99", false)];
    let cases = [case("C1", false)];
    let props = [prop("agreement", "fail", true), prop("no_double_spend", "fail", true)];
    let v = judge(&completed(&criteria, &cases, &props));
    assert_eq!(v.exit_code, FINDINGS);
    assert_eq!(
        v.failed,
        [
            "criterion latency_p99",
            "conformance C1: 1 case(s) differ from the reference model",
            "gate agreement",
            "gate no_double_spend",
        ]
    );
}

#[test]
fn an_adapter_failure_with_partial_results_exits_3_even_when_everything_measured_passed() {
    let (criteria, props) = ([criterion("latency_p99", true)], passing_properties());
    let v = judge(&Evidence {
        status: RunStatus::AdapterFailed,
        message: Some("anvil: eth_sendRawTransaction failed: connection reset"),
        ..completed(&criteria, &[], &props)
    });
    assert_eq!((v.passed, v.exit_code), (false, HARNESS));
    assert_eq!(v.failed, ["anvil: eth_sendRawTransaction failed: connection reset"]);
}

#[test]
fn a_harness_failure_outranks_findings_and_lists_them_before_its_reason() {
    let (criteria, props) = ([criterion("latency_p99", false)], [prop("agreement", "fail", true)]);
    let v = judge(&Evidence {
        status: RunStatus::Interrupted,
        message: Some("interrupted: partial results"),
        ..completed(&criteria, &[], &props)
    });
    assert_eq!(v.exit_code, HARNESS);
    assert_eq!(
        v.failed,
        ["criterion latency_p99", "gate agreement", "interrupted: partial results"]
    );
}

#[test]
fn a_message_on_a_completed_run_is_no_finding() {
    let props = passing_properties();
    let v = judge(&Evidence { message: Some("a note"), ..completed(&[], &[], &props) });
    assert_eq!(v.exit_code, PASS);
    assert!(v.failed.is_empty());
}

#[test]
fn a_run_still_marked_running_is_a_harness_failure() {
    let props = passing_properties();
    let v = judge(&Evidence { status: RunStatus::Running, ..completed(&[], &[], &props) });
    assert_eq!(v.exit_code, HARNESS);
}

fn adapter_error(kind: &str) -> AdapterError {
    let (adapter, message) = ("sim".to_string(), "why".to_string());
    match kind {
        "config" => AdapterError::Config { adapter, path: "a.toml".into(), message },
        "unsupported" => AdapterError::Unsupported { adapter, message },
        "connect" => AdapterError::Connect { adapter, endpoint: "127.0.0.1:8545".into(), message },
        _ => AdapterError::Other { adapter, message },
    }
}

#[test]
fn errors_before_the_first_transaction_are_bad_input_or_harness_failures() {
    let unsupported = EngineError::Unsupported {
        scenario: "s".into(),
        adapter: "null".into(),
        op: "batch".into(),
    };
    assert_eq!(engine_error_code(&unsupported), BAD_INPUT);
    assert_eq!(engine_error_code(&EngineError::Program("no such program".into())), BAD_INPUT);
    assert_eq!(engine_error_code(&EngineError::Adapter(adapter_error("config"))), BAD_INPUT);
    assert_eq!(engine_error_code(&EngineError::Adapter(adapter_error("unsupported"))), BAD_INPUT);
    assert_eq!(engine_error_code(&EngineError::Adapter(adapter_error("connect"))), HARNESS);
    assert_eq!(engine_error_code(&EngineError::Adapter(adapter_error("other"))), HARNESS);
}

#[test]
fn an_adapter_that_cannot_be_built_is_bad_input_when_the_scenario_or_configuration_is_wrong() {
    assert_eq!(adapter_failure(adapter_error("config")).code, BAD_INPUT);
    assert_eq!(adapter_failure(adapter_error("unsupported")).code, BAD_INPUT);
    assert_eq!(adapter_failure(adapter_error("connect")).code, HARNESS);
    let f = adapter_failure(adapter_error("other"));
    assert_eq!((f.code, f.message.as_str()), (HARNESS, "sim: why"));
}
