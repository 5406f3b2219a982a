//! Generation caps: schemas that ask for gigabytes (`minLength: 4000000000`,
//! `pattern: ((a{1000}){1000}){1000}`, `a{99999999}`, huge `minItems`) give a
//! load-time warning and bounded cases of every intent, never an abort.

use apiprobe::generate::{CaseGenerator, Intent, Options, Payloads, RequestBody, Seeded};
use apiprobe::model::WarningKind;
use apiprobe::model::caps::{MAX_STRING_CHARS, VALUE_BUDGET};

const SPEC: &str = r#"
openapi: 3.0.3
info: {title: costly, version: '1'}
paths:
  /records/{code}:
    put:
      operationId: putRecord
      parameters:
        - {name: code, in: path, required: true, schema: {type: string, pattern: '^a{99999999}$'}}
        - {name: filter, in: query, required: true, schema: {type: string, minLength: 4000000000}}
        - {name: X-Trace, in: header, required: true, schema: {type: string, pattern: '((a{1000}){1000}){1000}'}}
      requestBody:
        required: true
        content:
          application/json:
            schema:
              type: object
              required: [grid, tags, blob, meta]
              properties:
                grid:
                  type: array
                  minItems: 1000
                  items:
                    type: array
                    minItems: 1000
                    items: {type: string, minLength: 1000, maxLength: 1000}
                tags:
                  type: array
                  minItems: 1000000000
                  items: {type: string, minLength: 3}
                blob: {type: string, minLength: 3000000000, maxLength: 4000000000}
                meta: {type: object, minProperties: 1000000000, additionalProperties: {type: integer}}
      responses:
        '200': {description: ok}
"#;

/// What a case sends, in bytes.
fn size(request: &apiprobe::generate::Request) -> usize {
    let headers: usize = request.headers.iter().map(|(n, v)| n.len() + v.len()).sum();
    let body = match &request.body {
        Some(RequestBody { bytes, .. }) => bytes.len(),
        None => 0,
    };
    request.path.len() + request.query.len() + headers + body
}

#[test]
fn costly_schemas_are_warned_about_when_loaded() {
    let api = apiprobe::spec::load_str(SPEC, "costly.yaml").expect("loads");
    let capped: Vec<&str> = api
        .warnings
        .iter()
        .filter(|w| w.kind == WarningKind::Capped)
        .map(|w| w.location.as_str())
        .collect();
    // the three parameters, the tags array, the blob and the meta object
    // (the grid asks for a million strings of 1,000: each keyword is within
    // the caps, the value budget cuts it)
    assert_eq!(capped.len(), 6, "{capped:?}");
    for place in ["parameters/0", "parameters/1", "parameters/2"] {
        assert!(
            capped.iter().any(|l| l.contains(place)),
            "{place}: {capped:?}"
        );
    }
}

#[test]
fn costly_schemas_give_bounded_cases_of_every_intent() {
    let api = apiprobe::spec::load_str(SPEC, "costly.yaml").expect("loads");
    let payloads = Payloads::builtin();
    let op = &api.operations[0];
    // three parameters of at most a capped string each (percent-encoding
    // at most triples it) and one body within the value budget, plus JSON syntax
    let bound = 3 * 3 * MAX_STRING_CHARS as usize + 2 * VALUE_BUDGET as usize;
    let mut made = 0;
    for seed in 1..=10u64 {
        let mut cases = CaseGenerator::new(&api, Options::default(), &payloads);
        for intent in Intent::ALL {
            for n in 0..4u64 {
                let mut src = Seeded::new(seed * 100 + n);
                if let Ok(Some(case)) = cases.case(op, intent, &mut src) {
                    made += 1;
                    let bytes = size(&case.request);
                    assert!(
                        bytes <= bound,
                        "seed {seed} {intent:?}: a case of {bytes} bytes (bound {bound})"
                    );
                }
            }
        }
    }
    assert!(made >= 100, "only {made} cases");
}

#[test]
fn a_pattern_of_a_hundred_million_repetitions_is_cut_to_the_cap() {
    let api = apiprobe::spec::load_str(SPEC, "costly.yaml").expect("loads");
    let payloads = Payloads::builtin();
    let op = &api.operations[0];
    let mut cases = CaseGenerator::new(&api, Options::default(), &payloads);
    let case = cases
        .case(op, Intent::Positive, &mut Seeded::new(1))
        .expect("sendable")
        .expect("a case");
    let code = case.request.path.trim_start_matches("/records/");
    assert_eq!(code.len(), MAX_STRING_CHARS as usize, "{}", &code[..40]);
    assert!(code.bytes().all(|b| b == b'a'));
}
