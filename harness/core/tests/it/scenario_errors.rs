//! Every class of bad input gets a located, named, actionable diagnostic.

use touchstone_core::scenario::{parse, Diagnostic, Purpose};

const GOOD: &str = r#"name = "ok"
kind = "payment"
[workload]
accounts = 10
[[workload.phases]]
duration = "1s"
rate = { type = "constant", tps = 10 }
"#;

fn diags(text: &str) -> Vec<Diagnostic> {
    parse(text, "s.toml").expect_err("should be rejected").diagnostics().to_vec()
}

fn one(text: &str) -> Diagnostic {
    let d = diags(text);
    assert_eq!(d.len(), 1, "{d:#?}");
    d.into_iter().next().unwrap()
}

#[test]
fn good_script_parses() {
    let s = parse(GOOD, "s.toml").unwrap();
    assert_eq!(s.workload.accounts, 10);
    assert_eq!(s.network.protocol, "pbft");
}

#[test]
fn not_toml_names_line_and_column() {
    let d = one("name = \"x\"\nkind = = 3\n");
    assert_eq!((d.file.as_str(), d.line), ("s.toml", 2));
    assert!(d.message.contains("not valid TOML"), "{}", d.message);
}

#[test]
fn wrong_type_names_the_field() {
    let d = one(&GOOD.replace("accounts = 10", "accounts = \"ten\""));
    assert_eq!(d.line, 4);
    assert_eq!(d.field, "workload.accounts");
    assert!(d.message.contains("wrong type"), "{}", d.message);
}

#[test]
fn unknown_keys_are_all_reported_with_suggestions() {
    let text = GOOD
        .replace("accounts = 10", "acounts = 10")
        .replace("duration = \"1s\"", "duraton = \"1s\"\nduration = \"1s\"");
    let d = diags(&text);
    assert_eq!(d.len(), 2, "{d:#?}");
    assert_eq!(d[0].field, "workload.acounts");
    assert_eq!(d[0].suggestion.as_deref(), Some("accounts"));
    assert_eq!((d[0].line, d[0].column), (4, 1));
    assert_eq!(d[1].field, "workload.phases[0].duraton");
    assert_eq!(d[1].suggestion.as_deref(), Some("duration"));
    assert!(d[0].to_string().starts_with("s.toml:4:1: workload.acounts: unknown key"));
}

#[test]
fn unknown_key_inside_inline_table_is_located() {
    let all = diags(&GOOD.replace("tps = 10", "tsp = 10"));
    // Two problems: the unknown key, and the rate now missing its `tps`.
    assert_eq!(all.len(), 2, "{all:#?}");
    let d = all.iter().find(|d| d.field == "workload.phases[0].rate.tsp").unwrap().clone();
    assert_eq!(d.column, 29);
    assert_eq!(d.line, 7);
    assert_eq!(d.suggestion.as_deref(), Some("tps"));
}

#[test]
fn unknown_enum_values_suggest_the_right_name() {
    let d = one(&GOOD.replace("kind = \"payment\"", "kind = \"paymnt\""));
    assert_eq!(d.field, "kind");
    assert_eq!(d.suggestion.as_deref(), Some("payment"));
    let d = one(&format!("{GOOD}[network]\nprotocol = \"tendermnt\"\n"));
    assert_eq!(d.suggestion.as_deref(), Some("tendermint"));
    assert_eq!(d.line, 9);
}

#[test]
fn impossible_values_are_rejected() {
    let cases = [
        (GOOD.replace("tps = 10", "tps = -5"), "workload.phases[0].rate.tps"),
        (GOOD.replace("tps = 10", "tps = 0"), "workload.phases[0].rate.tps"),
        (
            GOOD.replace("duration = \"1s\"", "duration = \"1 parsec\""),
            "workload.phases[0].duration",
        ),
        (GOOD.replace("accounts = 10", "accounts = 0"), "workload.accounts"),
        (format!("{GOOD}[network]\nvalidators = 4\npowers = [1, 1]\n"), "network.powers"),
        (format!("{GOOD}[criteria]\nsuccess_rate_min = 1.5\n"), "criteria.success_rate_min"),
        (format!("{GOOD}[criteria]\ngates = [\"agreemnt\"]\n"), "criteria.gates[0]"),
        (format!("{GOOD}[network.link]\nloss = 2.0\n"), "network.link.loss"),
        (
            GOOD.replace("type = \"constant\", tps = 10", "type = \"burst\", tps = 10, count = 5"),
            "workload.phases[0].rate.tps",
        ),
    ];
    for (text, field) in cases {
        let d = diags(&text);
        assert!(d.iter().any(|x| x.field == field), "expected an error at {field}, got {d:#?}");
    }
}

#[test]
fn fault_checks_nodes_times_and_fields() {
    let base = format!("{GOOD}[network]\nvalidators = 4\n");
    let d =
        one(&format!("{base}[[faults]]\nat = \"0.5s\"\naction = \"crash\"\nnodes = [\"n9\"]\n"));
    assert_eq!(d.field, "faults[0].nodes[0]");
    assert!(d.message.contains("no validator \"n9\""), "{}", d.message);
    let d = one(&format!("{base}[[faults]]\nat = \"5s\"\naction = \"crash\"\nnodes = [\"n1\"]\n"));
    assert_eq!(d.field, "faults[0].at");
    let d = one(&format!("{base}[[faults]]\nat = \"0.5s\"\naction = \"partition\"\ngroups = [[\"n0\", \"n1\"], [\"n1\", \"n2\"]]\n"));
    assert!(d.message.contains("two groups"), "{}", d.message);
    let d = one(&format!(
        "{base}[[faults]]\nat = \"0.5s\"\naction = \"crash\"\nnodes = [\"n1\"]\nrate = 2.0\n"
    ));
    assert_eq!(d.field, "faults[0].rate");
    let d = one(&format!("{base}[[faults]]\nat = \"0.5s\"\naction = \"crsh\"\nnodes = [\"n1\"]\n"));
    assert_eq!(d.suggestion.as_deref(), Some("crash"));
}

#[test]
fn byzantine_count_is_checked_against_validators() {
    let text = format!(
        "{GOOD}[network]\nvalidators = 2\n[[network.byzantine]]\nnode = \"n0\"\nbehaviour = \"silent\"\n[[network.byzantine]]\nnode = \"n1\"\nbehaviour = \"equivocate\"\n"
    );
    let d = diags(&text);
    assert!(
        d.iter().any(|x| x.field == "network.byzantine"
            && x.message.contains("at least one must be correct")),
        "{d:#?}"
    );
}

#[test]
fn missing_sections_are_named() {
    let d = diags("name = \"x\"\n");
    let fields: Vec<&str> = d.iter().map(|x| x.field.as_str()).collect();
    assert!(fields.contains(&"kind") && fields.contains(&"workload"), "{fields:?}");
}

#[test]
fn purposes_are_read_in_order_and_checked_by_name() {
    let with =
        |p: &str| GOOD.replace("kind = \"payment\"", &format!("kind = \"payment\"\npurpose = {p}"));
    let s = parse(&with(r#"["nominal", "scale"]"#), "s.toml").unwrap();
    assert_eq!(s.purpose, [Purpose::Nominal, Purpose::Scale]);
    assert!(parse(GOOD, "s.toml").unwrap().purpose.is_empty(), "the key is optional");
    let d = one(&with(r#"["nominal", "saturaton"]"#));
    assert_eq!((d.field.as_str(), d.line), ("purpose[1]", 3));
    assert_eq!(d.suggestion.as_deref(), Some("saturation"));
    assert!(one(&with(r#"["fault", "fault"]"#)).message.contains("listed twice"));
    assert!(one(&with("[]")).message.contains("at least one purpose"));
    assert!(one(&with(r#""nominal""#)).message.contains("wrong type"));
}
