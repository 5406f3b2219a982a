//! Negative cases reach the server as invalid: every negative case made for
//! the operations of ../shared/corpus is serialised, read back the way a
//! strict server reads it (tests/common/wire.rs, written apart from the
//! serialiser), and validated again against the operation's schemas; the
//! slot it names must be invalid. Minimal specs for the shapes where a
//! violation did not survive serialisation: a scalar for an array, a
//! `Content-Type`/`Accept` header parameter (never sent), a urlencoded body
//! whose broken type is still a form, a path parameter the template lacks.

use apiprobe::generate::{Case, CaseGenerator, Intent, Options, Payloads, Seeded};
use apiprobe::model::{Api, Operation, ParameterLocation};

use crate::common;
use crate::support;

#[path = "../common/wire.rs"]
mod wire;

use wire::{Judge, Reading, Wire};

/// Operations tried per spec at most.
const PER_SPEC: usize = 80;
/// Negative cases per operation: plan rounds, then random ones.
const ROUNDS: u32 = 3;
const RANDOM: u64 = 2;

/// Whether the slot `case` names is invalid once read back from its request
/// (`None`: the slot is of a kind not judged here, or its schema does not compile).
fn reaches_invalid(api: &Api, op: &Operation, case: &Case, judge: &mut Judge) -> Option<bool> {
    let (slot, _) = case.violation.as_ref()?;
    let wire = Wire::of(&case.request);
    if slot.location == "body" {
        let (i, reading) = wire::body(api, op, &wire)?;
        let id = op.body.as_ref()?.content.get(i)?.schema?;
        return judge.valid(api, id, true, &reading).map(|ok| !ok);
    }
    // OpenAPI: these header parameters SHALL be ignored; the client sets them itself
    let ignored = ["accept", "content-type", "authorization"];
    if slot.location == "header" && ignored.iter().any(|h| slot.name.eq_ignore_ascii_case(h)) {
        return Some(false);
    }
    let p = op
        .parameters
        .iter()
        .find(|p| p.location.as_str() == slot.location && p.name == slot.name)?;
    let reading = wire::parameter(api, op, p, &wire);
    let required = p.required && p.location != ParameterLocation::Path;
    match p.schema {
        Some(id) => judge.valid(api, id, required, &reading).map(|ok| !ok),
        None => Some(required && reading == Reading::Absent),
    }
}

#[derive(Default)]
struct Tally {
    cases: u64,
    judged: u64,
    valid: u64,
    examples: Vec<String>,
}

fn check_api(api: &Api, name: &str, tally: &mut Tally) {
    let payloads = Payloads::new();
    let mut cases = CaseGenerator::new(api, Options::default(), &payloads);
    let mut judge = Judge::default();
    for (k, op) in api.operations.iter().take(PER_SPEC).enumerate() {
        let mut made = Vec::new();
        for r in 0..ROUNDS {
            cases.set_round(Some(r * 2 + 1));
            let mut src = Seeded::new(u64::from(r) * 31 + k as u64);
            made.push(cases.case(op, Intent::Negative, &mut src));
        }
        cases.set_round(None);
        for n in 0..RANDOM {
            let mut src = Seeded::new(n * 1_000_003 + k as u64);
            made.push(cases.case(op, Intent::Negative, &mut src));
        }
        for case in made.into_iter().flatten().flatten() {
            tally.cases += 1;
            let Some(invalid) = reaches_invalid(api, op, &case, &mut judge) else {
                continue;
            };
            tally.judged += 1;
            if !invalid {
                tally.valid += 1;
                if tally.examples.len() < 12 {
                    let (slot, v) = case
                        .violation
                        .as_ref()
                        .map(|(s, v)| (s.clone(), v.clone()))
                        .unzip();
                    tally.examples.push(format!(
                        "{name} {}: {:?} {:?} sent {} ?{} {:?}",
                        op.id,
                        slot.map(|s| (s.location, s.name, s.pointer)),
                        v.map(|v| v.keyword),
                        case.request.path,
                        case.request.query,
                        case.request
                            .body
                            .as_ref()
                            .map(|b| String::from_utf8_lossy(&b.bytes)
                                .chars()
                                .take(80)
                                .collect::<String>())
                    ));
                }
            }
        }
    }
}

#[test]
fn corpus_negative_cases_reach_the_server_invalid() {
    let mut tally = Tally::default();
    for folder in common::corpus::FOLDERS {
        for (path, _) in common::corpus::specs(folder) {
            let Ok(api) = apiprobe::spec::load_path(&path) else {
                continue;
            };
            let name = path
                .file_name()
                .map(|f| f.to_string_lossy().into_owned())
                .unwrap_or_default();
            check_api(&api, &name, &mut tally);
        }
    }
    println!(
        "negative cases: {} made, {} judged from the wire, {} valid as received",
        tally.cases, tally.judged, tally.valid
    );
    for e in &tally.examples {
        println!("  VALID {e}");
    }
    assert!(
        tally.judged > 5_000,
        "too few negative cases judged: {}",
        tally.judged
    );
    assert_eq!(
        tally.valid, 0,
        "negative cases that reach the server as valid requests"
    );
}

/// Every negative case of every round and seed for the one operation of
/// `spec`: (cases made, cases valid as received).
fn judge_all(spec: &str) -> (u64, u64, Vec<String>) {
    let api = support::api(spec);
    let mut tally = Tally::default();
    for _ in 0..4 {
        check_api(&api, "minimal", &mut tally);
    }
    let payloads = Payloads::new();
    let mut cases = CaseGenerator::new(&api, Options::default(), &payloads);
    let mut judge = Judge::default();
    let op = &api.operations[0];
    for seed in 0..40u64 {
        for round in [None, Some(seed as u32)] {
            cases.set_round(round);
            let mut src = Seeded::new(seed);
            if let Ok(Some(case)) = cases.case(op, Intent::Negative, &mut src) {
                tally.cases += 1;
                if reaches_invalid(&api, op, &case, &mut judge) == Some(false) {
                    tally.valid += 1;
                    tally.examples.push(format!("{:?}", case.violation));
                }
            }
        }
    }
    (tally.cases, tally.valid, tally.examples)
}

fn spec(op: &str) -> String {
    format!("openapi: 3.0.3\ninfo: {{title: t, version: '1'}}\npaths:\n{op}")
}

#[test]
fn a_scalar_for_an_array_of_strings_is_no_negative() {
    let s = spec(
        "  /items:\n    get:\n      parameters:\n        - {name: tags, in: query, required: true, schema: {type: array, items: {type: string}}}\n        - {name: ids, in: query, schema: {type: array, items: {type: integer}}}\n      responses: {'200': {description: ok}}\n",
    );
    let (made, valid, examples) = judge_all(&s);
    assert!(
        made > 0,
        "negative cases are still made (a missing tags, a non-number id)"
    );
    assert_eq!(valid, 0, "{examples:?}");
}

#[test]
fn content_type_and_accept_header_parameters_are_never_broken() {
    let s = spec(
        "  /report:\n    get:\n      parameters:\n        - {name: Accept, in: header, required: true, schema: {type: string, enum: [application/json]}}\n        - {name: Content-Type, in: header, required: true, schema: {type: string, pattern: '^text/'}}\n        - {name: page, in: query, schema: {type: integer, minimum: 1}}\n      responses: {'200': {description: ok}}\n",
    );
    let (made, valid, examples) = judge_all(&s);
    assert!(made > 0);
    assert_eq!(valid, 0, "{examples:?}");
    // and every negative case names the one slot that travels
    let api = support::api(&s);
    let payloads = Payloads::new();
    let mut cases = CaseGenerator::new(&api, Options::default(), &payloads);
    for seed in 0..30u64 {
        cases.set_round(Some(seed as u32));
        if let Ok(Some(case)) =
            cases.case(&api.operations[0], Intent::Negative, &mut Seeded::new(seed))
        {
            let name = case.violation.map(|(s, _)| s.name).unwrap_or_default();
            assert_eq!(name, "page");
        }
    }
}

#[test]
fn a_urlencoded_type_violation_that_parses_as_a_form_is_no_negative() {
    let s = spec(
        "  /forms:\n    post:\n      requestBody:\n        required: true\n        content:\n          application/x-www-form-urlencoded:\n            schema: {type: object, properties: {name: {type: string}, age: {type: integer}}}\n      responses: {'200': {description: ok}}\n",
    );
    let (_, valid, examples) = judge_all(&s);
    assert_eq!(valid, 0, "{examples:?}");
    // a form with a required field still gets its type broken: the text is a form without it
    let s = spec(
        "  /forms:\n    post:\n      requestBody:\n        required: true\n        content:\n          application/x-www-form-urlencoded:\n            schema: {type: object, required: [name], properties: {name: {type: string}}}\n      responses: {'200': {description: ok}}\n",
    );
    let (made, valid, examples) = judge_all(&s);
    assert!(made > 0);
    assert_eq!(valid, 0, "{examples:?}");
}

#[test]
fn a_path_parameter_missing_from_the_template_is_never_broken() {
    let s = spec(
        "  /orders/{id}:\n    get:\n      parameters:\n        - {name: id, in: path, required: true, schema: {type: integer, minimum: 1}}\n        - {name: version, in: path, required: true, schema: {type: integer, minimum: 1}}\n      responses: {'200': {description: ok}}\n",
    );
    let (made, valid, examples) = judge_all(&s);
    assert!(made > 0);
    assert_eq!(valid, 0, "{examples:?}");
}
