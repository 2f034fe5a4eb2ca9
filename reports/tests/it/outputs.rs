//! JUnit XML, compare, suite files, text summary.

use super::html::check_well_formed;
use super::support::*;
use touchstone_reports::compare::{compare, Change};
use touchstone_reports::model::IndicatorResult;
use touchstone_reports::suite::Suite;
use touchstone_reports::synth::Synth;
use touchstone_reports::RunInput;

#[test]
fn junit_is_well_formed_with_a_testcase_per_gate_and_criterion() {
    let (_t, dir) = synth_run(&Synth { fork_at: Some(5), ..Synth::small() });
    let mut r = score_dir(&dir, "vendor");
    r.title = "payments <&> \"quoted\" 'x'".into();
    let x = touchstone_reports::junit::render(&[&r]);
    assert!(x.starts_with("<?xml"));
    check_well_formed(&x).unwrap_or_else(|e| panic!("malformed XML: {e}\n{x}"));
    assert_eq!(x.matches("<testcase ").count(), r.gates.len() + r.criteria.len());
    assert!(x.contains("payments &lt;&amp;&gt; &quot;quoted&quot; &apos;x&apos;"));
    assert!(x.contains("<failure message=\"run: n1 decided B5x but n0 decided B5"), "{x}");
    assert!(x.contains("replay: touchstone run"));
    assert!(x.contains("<skipped message=\"not evaluated"));
}

#[test]
fn compare_marks_regressions_improvements_and_noise() {
    let (_a, base) = synth_run(&Synth { fork_at: None, ..Synth::small() });
    let (_b, same) = synth_run(&Synth { fork_at: None, ..Synth::small() });
    let (_c, worse) = synth_run(&Synth { fork_at: Some(5), reject_every: 5, ..Synth::small() });
    let (ra, rb, rc) =
        (score_dir(&base, "vendor"), score_dir(&same, "vendor"), score_dir(&worse, "vendor"));
    let c = compare(&ra, &rb);
    assert_eq!(c.overall, Change::NoChange);
    assert!(c.rows.iter().all(|r| matches!(r.change, Change::NoChange | Change::NotComparable)));
    let c = compare(&ra, &rc);
    assert_eq!(c.overall, Change::Regressed);
    let agreement = c.rows.iter().find(|r| r.id == "A1.1").unwrap();
    assert_eq!(agreement.change, Change::Regressed);
    let success = c.rows.iter().find(|r| r.id == "B3.1").unwrap();
    assert_eq!(success.change, Change::Regressed, "{success:?}");
    let back = compare(&rc, &ra);
    assert_eq!(back.rows.iter().find(|r| r.id == "A1.1").unwrap().change, Change::Improved);
    let text = touchstone_reports::compare::render_text(&c);
    assert!(text.starts_with("REGRESSED"), "{text}");
}

#[test]
fn suite_file_unknown_key_names_file_line_and_field() {
    let tmp = tempfile::tempdir().unwrap();
    std::fs::write(tmp.path().join("a.toml"), "").unwrap();
    let p = tmp.path().join("s.toml");
    let text = "name = \"s\"\n\n[[scenarios]]\npath = \"a.toml\"\nseed = [1]\n";
    let e = Suite::parse(text, &p).unwrap_err().to_string();
    assert!(e.contains("s.toml:5: seed: unknown field `seed`"), "{e}");
    let e = Suite::parse("name = \"s\"\n[[scenarios]]\npath = \"missing.toml\"\n", &p)
        .unwrap_err()
        .to_string();
    assert!(e.contains("s.toml:3: path: ") && e.contains("not found"), "{e}");
    let ok = Suite::parse("name = \"s\"\nprofile = \"regulator\"\n[[scenarios]]\npath = \"a.toml\"\nseeds = [1, 2]\nreproduce = true\n", &p).unwrap();
    assert_eq!(ok.scenarios[0].seeds, vec![1, 2]);
    assert_eq!(ok.scenarios[0].adapter, "sim");
}

#[test]
fn shipped_admission_suite_parses() {
    let p = data_dir().join("../../scenarios/suites/admission.toml");
    let s = Suite::load(&p).unwrap();
    assert_eq!(s.profile.as_deref(), Some("regulator"));
    assert!(s.scenarios.len() >= 2);
}

#[test]
fn suite_scores_runs_together_each_indicator_from_its_kind() {
    let (_a, a) = synth_run(&Synth { fork_at: None, ..Synth::small() });
    let (_b, b) = synth_run(&Synth { fork_at: None, seconds: 8, ..Synth::small() });
    let mut ra = touchstone_reports::RunInput::load_labelled(&a, "a").unwrap();
    let rb = touchstone_reports::RunInput::load_labelled(&b, "b").unwrap();
    ra.rerun = Some(touchstone_reports::input::Rerun {
        label: "a-rerun".into(),
        fingerprint: ra.record.trace.fingerprint.clone(),
        failed: vec![],
    });
    let r = touchstone_reports::Scorer::new(None)
        .unwrap()
        .score("regulator", "suite", "s", &[ra, rb])
        .unwrap();
    assert_eq!(r.runs.len(), 2);
    assert_eq!(r.charts.len(), 2);
    let f21 = r
        .areas
        .iter()
        .flat_map(|a| &a.groups)
        .flat_map(|g| &g.indicators)
        .find(|i| i.id == "F2.1")
        .unwrap();
    assert_eq!(f21.score, Some(1.0), "{f21:?}");
    let b21 = r
        .areas
        .iter()
        .flat_map(|a| &a.groups)
        .flat_map(|g| &g.indicators)
        .find(|i| i.id == "B2.1")
        .unwrap();
    assert!(b21.run.is_some(), "the worst run is named");
}

/// Two clean synthetic runs, one meant as nominal load, the other provoking rejections on
/// purpose (half its transactions are rejected), labelled as such.
fn nominal_and_race(race_purpose: &[&str]) -> (Vec<tempfile::TempDir>, Vec<RunInput>) {
    let clean = Synth { fork_at: None, crash: None, byzantine: None, ..Synth::small() };
    let (ta, a) = synth_run(&Synth { reject_every: 0, ..clean.clone() });
    let (tb, b) = synth_run(&Synth { reject_every: 2, ..clean });
    let mut ra = RunInput::load_labelled(&a, "nominal").unwrap();
    let mut rb = RunInput::load_labelled(&b, "race").unwrap();
    ra.record.scenario.purpose = vec!["nominal".into()];
    rb.record.scenario.purpose = race_purpose.iter().map(|p| p.to_string()).collect();
    (vec![ta, tb], vec![ra, rb])
}

fn indicator<'a>(r: &'a touchstone_reports::Report, id: &str) -> &'a IndicatorResult {
    r.areas.iter().flat_map(|a| &a.groups).flat_map(|g| &g.indicators).find(|i| i.id == id).unwrap()
}

#[test]
fn a_run_that_provokes_rejections_on_purpose_never_lowers_success_or_backlog() {
    let scorer = touchstone_reports::Scorer::new(None).unwrap();
    let (_keep, runs) = nominal_and_race(&["conformance"]);
    let r = scorer.score("regulator", "suite", "s", &runs).unwrap();
    let b31 = indicator(&r, "B3.1");
    assert_eq!(b31.score, Some(1.0), "{b31:?}");
    let fed: Vec<&str> = b31.fed_by.iter().map(|f| f.run.as_str()).collect();
    assert_eq!(fed, ["nominal"], "the report names the runs that fed it");
    // Alone, the race measures no success rate at all, and says why.
    let alone = scorer.score("regulator", "run", "race", &runs[1..]).unwrap();
    let why = indicator(&alone, "B3.1").reason.clone().unwrap();
    assert!(
        !indicator(&alone, "B3.1").evaluated && why.contains("purpose nominal or peak"),
        "{why}"
    );
    // The same runs without purposes: the race's rejections would count as failures.
    let (_keep, mut legacy) = nominal_and_race(&["conformance"]);
    for r in &mut legacy {
        r.record.scenario.purpose.clear();
    }
    let r = scorer.score("regulator", "suite", "s", &legacy).unwrap();
    let b31 = indicator(&r, "B3.1");
    assert!(b31.score.unwrap() < 0.5 && b31.run.as_deref() == Some("race"), "{b31:?}");
    assert_eq!(b31.fed_by.len(), 2, "{b31:?}");
}

#[test]
fn the_worst_of_the_runs_meant_for_an_indicator_counts_and_each_is_listed() {
    let scorer = touchstone_reports::Scorer::new(None).unwrap();
    // A "peak" run is meant for the success rate too, so its rejections count.
    let (_keep, runs) = nominal_and_race(&["peak"]);
    let r = scorer.score("regulator", "suite", "s", &runs).unwrap();
    let b31 = indicator(&r, "B3.1");
    assert_eq!(b31.run.as_deref(), Some("race"), "{b31:?}");
    assert_eq!(b31.fed_by.len(), 2);
    let nominal = b31.fed_by.iter().find(|f| f.run == "nominal").unwrap();
    assert_eq!(nominal.score, Some(1.0));
    assert!(b31.fed_by.iter().find(|f| f.run == "race").unwrap().score < Some(0.5));
}

/// The admission suite is the whole sandbox: every honest scenario shipped for the simulated
/// network (all but the deliberately broken variants and the scripts written for a real chain:
/// `ethereum-*`, `etcd-*`, `simplex-*`), on `sim`.
#[test]
fn shipped_admission_suite_runs_every_honest_simulated_scenario() {
    let dir = data_dir().join("../../scenarios");
    let s = Suite::load(&dir.join("suites/admission.toml")).unwrap();
    let listed: std::collections::BTreeSet<String> = s
        .scenarios
        .iter()
        .map(|e| e.path.file_stem().unwrap().to_string_lossy().to_string())
        .collect();
    assert!(s.scenarios.iter().all(|e| e.adapter == "sim"));
    let mut missing = Vec::new();
    for entry in std::fs::read_dir(&dir).unwrap() {
        let p = entry.unwrap().path();
        if p.extension().is_none_or(|x| x != "toml") {
            continue;
        }
        let (sc, _) = touchstone_core::scenario::load(&p).unwrap();
        let name = p.file_stem().unwrap().to_string_lossy().to_string();
        let broken = sc.purpose.contains(&touchstone_core::scenario::Purpose::Broken);
        let real_chain = ["ethereum-", "etcd-", "simplex-"].iter().any(|p| name.starts_with(p));
        if !broken && !real_chain && !listed.contains(&name) {
            missing.push(name);
        }
    }
    assert!(missing.is_empty(), "honest scenarios missing from admission.toml: {missing:?}");
    assert!(s.scenarios.iter().any(|e| e.reproduce), "F2.1 needs a rerun");
}
