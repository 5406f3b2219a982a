//! The in-process fuzzing path (`apiprobe::fuzz`, what the demo_inprocess
//! fuzz target calls) driven by byte inputs from a fixed seed, without
//! libFuzzer: within a fixed number of runs it finds at least three of the
//! demo API's planted flaws, and nothing at all against the repaired demo.
#![cfg(feature = "demo")]

use std::collections::BTreeMap;

use apiprobe::demo::{DemoConfig, router};
use apiprobe::fuzz::{FuzzOptions, FuzzTarget};
use apiprobe::generate::{Seeded, Source};

const SEED: u64 = 8;
/// Inputs per fuzzing session.
const RUNS: u64 = 1500;
/// The longest input (bytes).
const MAX_INPUT: u64 = 96;

/// The planted flaws a single exchange shows: (check, operation) -> flaw.
const PLANTED: [(&str, &str, &str); 12] = [
    ("not_a_server_error", "square", "1 integer overflow"),
    ("sql_error_leak", "getProduct", "2 SQL injection"),
    ("stack_trace_leak", "getReport", "3 stack trace"),
    (
        "status_code_conformance",
        "getHealth",
        "4 undocumented status",
    ),
    (
        "response_schema_conformance",
        "getStats",
        "5 body breaks its schema",
    ),
    (
        "content_type_conformance",
        "getVersion",
        "6 wrong content type",
    ),
    (
        "negative_data_rejection",
        "sendFeedback",
        "7 invalid input accepted",
    ),
    (
        "positive_data_acceptance",
        "listProducts",
        "8 valid input rejected",
    ),
    (
        "unsupported_method",
        "getVersion",
        "9 undeclared method 500",
    ),
    ("server_banner", "", "10 version banner"),
    ("crash", "postComment", "11 dropped connection"),
    ("max_response_time", "validateEmail", "12 slow path"),
];

/// Runs a session of `RUNS` inputs (random lengths and bytes from `SEED`)
/// against a fresh demo router per input; returns each distinct (check,
/// operation) found, with the number of the first run that found it.
fn session(fixed: bool) -> BTreeMap<(String, String), u64> {
    let api = apiprobe::spec::load_str(include_str!("../../specs/demo.yaml"), "demo.yaml")
        .expect("the demo spec loads");
    let target = FuzzTarget::new(api, FuzzOptions::default()).expect("a fuzz target");
    let mut src = Seeded::new(SEED);
    let mut found = BTreeMap::new();
    for run in 1..=RUNS {
        let len = src.below(MAX_INPUT + 1);
        let input: Vec<u8> = (0..len).map(|_| src.below(256) as u8).collect();
        let result = target.run(router(DemoConfig { fixed }), &input);
        for f in result.findings {
            let operation = if f.check == "server_banner" {
                String::new()
            } else {
                f.operation.id.clone()
            };
            found.entry((f.check.clone(), operation)).or_insert(run);
        }
    }
    found
}

#[test]
fn in_process_fuzzing_finds_planted_flaws_and_nothing_when_fixed() {
    let flawed = session(false);
    let planted: Vec<(&str, u64)> = PLANTED
        .iter()
        .filter_map(|(check, op, flaw)| {
            flawed
                .get(&((*check).to_owned(), (*op).to_owned()))
                .map(|run| (*flaw, *run))
        })
        .collect();
    println!(
        "planted flaws found in {RUNS} runs (seed {SEED}), with the first run that showed each:"
    );
    for (flaw, run) in &planted {
        println!("  flaw {flaw}: run {run}");
    }
    println!("all findings: {flawed:?}");
    assert!(
        planted.len() >= 3,
        "only {} planted flaws found: {planted:?}; all findings: {flawed:?}",
        planted.len()
    );
    let fixed = session(true);
    assert!(
        fixed.is_empty(),
        "the repaired demo gave findings: {fixed:?}"
    );
}
