//! The examples of the normative spec (`docs/trace-format.md`) are tests: each ```` ```jsonl ````
//! block states on its fence the verdict it must get, and gets it.

use touchstone_check::{check_reader, CheckOptions, CheckReport, Verdict};

/// One expectation written after `jsonl` on a fence.
#[derive(Debug)]
pub enum Expect {
    /// Complete, and no property fails.
    Pass,
    /// The property fails; a finding of it names exactly these nodes (when given).
    Fail(String, Option<Vec<String>>),
    /// The property is not evaluated.
    NotEvaluated(String),
    /// No `run.end`: reported as truncated, nothing fails.
    Truncated,
}

impl Expect {
    pub fn parse(word: &str) -> Expect {
        let parts: Vec<&str> = word.split(':').collect();
        match parts.as_slice() {
            ["pass"] => Expect::Pass,
            ["truncated"] => Expect::Truncated,
            ["fail", p] => Expect::Fail(p.to_string(), None),
            ["fail", p, nodes] => {
                Expect::Fail(p.to_string(), Some(nodes.split(',').map(str::to_string).collect()))
            }
            ["not_evaluated", p] => Expect::NotEvaluated(p.to_string()),
            _ => panic!("unknown expectation {word:?}"),
        }
    }

    /// Panics (with the report) unless `r` meets the expectation; `what` names the trace.
    #[track_caller]
    pub fn assert(&self, r: &CheckReport, what: &str) {
        let text = r.render_text();
        let verdict = |id: &str| {
            r.properties
                .iter()
                .find(|p| p.id == id)
                .unwrap_or_else(|| panic!("no property {id}"))
                .verdict
        };
        match self {
            Expect::Pass => {
                assert!(r.passed(), "{what}: expected a pass\n{text}");
                assert_eq!(r.status, "passed", "{what}");
            }
            Expect::Truncated => {
                assert!(r.truncated && !r.passed(), "{what}: expected truncated\n{text}");
                assert!(r.no_property_fails(), "{what}\n{text}");
                assert_eq!(r.status, "truncated", "{what}");
                assert!(text.starts_with("TRUNCATED"), "{what}\n{text}");
                assert_eq!(r.exit_code(), 1, "{what}");
            }
            Expect::Fail(p, nodes) => {
                assert_eq!(verdict(p), Verdict::Fail, "{what}: expected {p} to fail\n{text}");
                assert!(!r.passed(), "{what}");
                if let Some(nodes) = nodes {
                    assert!(
                        r.findings.iter().any(|f| &f.property == p && &f.nodes == nodes),
                        "{what}: expected a {p} finding naming {nodes:?}\n{text}"
                    );
                }
            }
            Expect::NotEvaluated(p) => {
                assert_eq!(verdict(p), Verdict::NotEvaluated, "{what}: {p}\n{text}");
            }
        }
    }
}

/// The ```` ```jsonl ```` blocks of a markdown text: (expectations, trace, line of the fence).
fn examples(md: &str) -> Vec<(Vec<Expect>, String, usize)> {
    let mut out = Vec::new();
    let mut cur: Option<(Vec<Expect>, String, usize)> = None;
    for (i, line) in md.lines().enumerate() {
        match (&mut cur, line.strip_prefix("```")) {
            (None, Some(info)) if info.starts_with("jsonl") => {
                let expects = info.split_whitespace().skip(1).map(Expect::parse).collect();
                cur = Some((expects, String::new(), i + 1));
            }
            (Some(_), Some("")) => out.extend(cur.take()),
            (Some((_, text, _)), _) => {
                text.push_str(line);
                text.push('\n');
            }
            _ => {}
        }
    }
    assert!(cur.is_none(), "an unclosed example");
    out
}

#[test]
fn every_example_of_the_spec_gets_the_verdict_its_fence_states() {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../../docs/trace-format.md");
    let md = std::fs::read_to_string(path).expect("docs/trace-format.md");
    let ex = examples(&md);
    assert!(ex.len() >= 8, "the spec's examples: {}", ex.len());
    for (expects, trace, line) in ex {
        assert!(!expects.is_empty(), "example at line {line} states no verdict");
        let what = format!("docs/trace-format.md example at line {line}");
        let r = check_reader(trace.as_bytes(), &what, &CheckOptions::default())
            .unwrap_or_else(|e| panic!("{what}: {e}"));
        for e in &expects {
            e.assert(&r, &what);
        }
    }
}
