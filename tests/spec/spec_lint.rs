//! Load-time warnings for parameters and schemas that cannot work as
//! written, each naming the place in the user's document and what is
//! wrong; generation still gives a bounded case or none for each.

use apiprobe::generate::{CaseGenerator, Intent, Options, Payloads, Seeded};
use apiprobe::model::{Api, WarningKind};

fn load(paths: &str) -> Api {
    let text = format!("openapi: 3.0.3\ninfo: {{title: t, version: '1'}}\npaths:\n{paths}");
    apiprobe::spec::load_str(&text, "lint.yaml").expect("the spec loads")
}

/// A one-operation spec whose query parameter `q` has `schema`.
fn with_schema(schema: &str) -> Api {
    load(&format!(
        "  /things:\n    get:\n      parameters:\n        - name: q\n          in: query\n          required: true\n          schema: {schema}\n      responses: {{'200': {{description: ok}}}}\n"
    ))
}

/// The warnings of `kind`, as `location: message`.
fn warnings(api: &Api, kind: WarningKind) -> Vec<String> {
    api.warnings
        .iter()
        .filter(|w| w.kind == kind)
        .map(|w| format!("{}: {}", w.location, w.message))
        .collect()
}

/// Every intent's case over a few seeds and rounds: made or skipped, never
/// a panic, and every request made stays small.
fn generation_is_bounded(api: &Api) {
    let payloads = Payloads::builtin();
    let mut cases = CaseGenerator::new(api, Options::default(), &payloads);
    for op in &api.operations {
        for intent in Intent::ALL {
            for seed in 0..6u64 {
                cases.set_round((seed % 2 == 0).then_some(seed as u32));
                if let Ok(Some(case)) = cases.case(op, intent, &mut Seeded::new(seed)) {
                    let r = &case.request;
                    let size = r.path.len()
                        + r.query.len()
                        + r.headers
                            .iter()
                            .map(|(n, v)| n.len() + v.len())
                            .sum::<usize>()
                        + r.body.as_ref().map_or(0, |b| b.bytes.len());
                    assert!(size < 1 << 20, "{intent:?} case of {size} bytes");
                }
            }
        }
    }
}

const Q: &str = "#/paths/~1things/get/parameters/0/schema";

#[test]
fn min_length_above_max_length_is_warned_about() {
    let api = with_schema("{type: string, minLength: 10, maxLength: 3}");
    let w = warnings(&api, WarningKind::Impossible);
    assert_eq!(
        w,
        [format!(
            "{Q}: `minLength` 10 is above `maxLength` 3: no value satisfies the schema"
        )]
    );
    generation_is_bounded(&api);
}

#[test]
fn min_items_above_max_items_and_minimum_above_maximum_are_warned_about() {
    let api = with_schema(
        "{type: array, minItems: 5, maxItems: 2, items: {type: integer, minimum: 9, maximum: 1}}",
    );
    let w = warnings(&api, WarningKind::Impossible);
    assert!(
        w.contains(&format!(
            "{Q}: `minItems` 5 is above `maxItems` 2: no value satisfies the schema"
        )),
        "{w:?}"
    );
    assert!(
        w.contains(&format!(
            "{Q}/items: `minimum` 9 is above `maximum` 1: no number satisfies the schema"
        )),
        "{w:?}"
    );
    generation_is_bounded(&api);
}

#[test]
fn an_empty_enum_is_warned_about() {
    let api = with_schema("{type: string, enum: []}");
    let w = warnings(&api, WarningKind::Impossible);
    assert_eq!(
        w,
        [format!(
            "{Q}/enum: `enum` is empty: no value satisfies the schema"
        )]
    );
    generation_is_bounded(&api);
}

#[test]
fn an_invalid_pattern_is_warned_about() {
    let api = with_schema("{type: string, pattern: '^(ab[c-$'}");
    let w = warnings(&api, WarningKind::InvalidPattern);
    assert_eq!(w.len(), 1, "{w:?}");
    assert!(
        w[0].starts_with(&format!(
            "{Q}/pattern: `pattern` \"^(ab[c-$\" is not a valid regular expression"
        )),
        "{w:?}"
    );
    generation_is_bounded(&api);
    // a valid one is not
    let api = with_schema("{type: string, pattern: '^(?=a)[a-z]{2,4}$'}");
    assert!(warnings(&api, WarningKind::InvalidPattern).is_empty());
}

#[test]
fn an_integer_bound_past_128_bits_is_warned_about() {
    let api = with_schema("{type: integer, minimum: 1e308}");
    let w = warnings(&api, WarningKind::Impossible);
    assert_eq!(
        w,
        [format!(
            "{Q}/minimum: `minimum` 1e308 of an integer is past the 128-bit range apiprobe computes integers in"
        )]
    );
    generation_is_bounded(&api);
    // a number may be that large
    let api = with_schema("{type: number, minimum: 1e308}");
    assert!(warnings(&api, WarningKind::Impossible).is_empty());
}

#[test]
fn an_empty_parameter_name_is_warned_about() {
    let api = load(
        "  /things:\n    get:\n      parameters:\n        - {name: '', in: header, schema: {type: string}}\n      responses: {'200': {description: ok}}\n",
    );
    let w = warnings(&api, WarningKind::InvalidObject);
    assert_eq!(
        w,
        [
            "#/paths/~1things/get/parameters/0/name: a header parameter with an empty name; it cannot be sent"
        ]
    );
    generation_is_bounded(&api);
}

#[test]
fn a_path_parameter_missing_from_the_template_is_warned_about() {
    let api = load(
        "  /things/{id}:\n    get:\n      parameters:\n        - {name: id, in: path, required: true, schema: {type: integer}}\n        - {name: version, in: path, required: true, schema: {type: integer}}\n      responses: {'200': {description: ok}}\n",
    );
    let w = warnings(&api, WarningKind::InvalidObject);
    assert_eq!(
        w,
        [
            "#/paths/~1things~1{id}/get/parameters/1: path parameter \"version\" is not in the path template \"/things/{id}\"; it is never sent"
        ]
    );
    generation_is_bounded(&api);
}

#[test]
fn sound_schemas_give_none_of_these_warnings() {
    let api = with_schema(
        "{type: array, minItems: 1, maxItems: 1, items: {type: string, minLength: 2, maxLength: 2, enum: [ab], pattern: '^[a-z]+$'}}",
    );
    assert!(warnings(&api, WarningKind::Impossible).is_empty());
    assert!(warnings(&api, WarningKind::InvalidPattern).is_empty());
    assert!(warnings(&api, WarningKind::InvalidObject).is_empty());
}
