//! Generated values judged by an independent validator (the jsonschema crate,
//! formats on) over every request schema in ../shared/corpus: at least 99% of
//! positive values validate.

use crate::common;

use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};

use apiprobe::generate::{Direction, Fuzzed, Generator, Options, Seeded, Source, ViolationKind};
use apiprobe::model::{Api, SchemaId};

/// Values generated per schema.
const PER_SCHEMA: u64 = 4;
/// Schemas checked per spec at most (the biggest specs have thousands).
const PER_SPEC: usize = 400;

fn specs() -> Vec<PathBuf> {
    common::corpus::FOLDERS
        .iter()
        .flat_map(|f| common::corpus::specs(f))
        .map(|(path, _)| path)
        .collect()
}

/// Every schema reachable from request parameters and bodies, once, with
/// whether it travels as text (a parameter) rather than as JSON (a body).
fn request_schemas(api: &Api) -> Vec<(String, SchemaId, bool)> {
    let mut seen = std::collections::HashSet::new();
    let mut out = Vec::new();
    for op in &api.operations {
        let params = op.parameters.iter().filter_map(|p| {
            p.schema
                .map(|s| (format!("{} param {}", op.id, p.name), s, true))
        });
        let bodies = op
            .body
            .iter()
            .flat_map(|b| b.content.iter())
            .filter_map(|m| {
                m.schema
                    .map(|s| (format!("{} body {}", op.id, m.media_type), s, false))
            });
        for (label, id, textual) in params.chain(bodies) {
            if seen.insert(id) {
                out.push((label, id, textual));
            }
        }
    }
    out.truncate(PER_SPEC);
    out
}

#[derive(Default)]
struct Tally {
    values: u64,
    valid: u64,
    causes: BTreeMap<String, (u64, String)>,
}

/// One request schema of a spec, with what the checks need for it.
struct Target<'g, 'a> {
    generator: &'g mut Generator<'a>,
    validator: &'g jsonschema::Validator,
    id: SchemaId,
    /// whether it travels as text (a parameter) rather than JSON (a body)
    textual: bool,
    /// its position in the spec, for seeds
    index: usize,
    /// `spec-file operation slot`, for messages
    label: String,
}

/// Calls `check` for every request schema of the spec at `path` (a spec that
/// does not load, or a schema the validator cannot compile, is passed over).
fn each_request_schema(path: &Path, mut check: impl FnMut(Target<'_, '_>)) {
    let Ok(api) = apiprobe::spec::load_path(path) else {
        return;
    };
    let mut generator = Generator::new(&api.schemas, Options::default());
    let mut validators: HashMap<SchemaId, Option<jsonschema::Validator>> = HashMap::new();
    let name = path
        .file_name()
        .map(|f| f.to_string_lossy().into_owned())
        .unwrap_or_default();
    for (index, (label, id, textual)) in request_schemas(&api).into_iter().enumerate() {
        let validator = validators.entry(id).or_insert_with(|| {
            let schema = api.schemas.to_json_schema_for(id, Direction::Request);
            jsonschema::options()
                .should_validate_formats(true)
                .build(&schema)
                .ok()
        });
        let Some(validator) = validator.as_ref() else {
            continue;
        };
        let label = format!("{name} {label}");
        check(Target {
            generator: &mut generator,
            validator,
            id,
            textual,
            index,
            label,
        });
    }
}

fn check_valid(path: &Path, tally: &mut Tally, mode: Mode) {
    each_request_schema(path, |t| {
        let (generator, validator, id, i, label) =
            (t.generator, t.validator, t.id, t.index, t.label);
        for n in 0..PER_SCHEMA {
            let seed = n * 1_000_003 + i as u64;
            let mut seeded = Seeded::new(seed);
            // fuzzer bytes: none at all, or a few
            let bytes: Vec<u8> = if n == 0 {
                Vec::new()
            } else {
                (0..n * 6).map(|_| seeded.below(256) as u8).collect()
            };
            let mut fuzzed = Fuzzed::new(&bytes);
            let value = match mode {
                Mode::Positive => generator.positive(id, Direction::Request, &mut seeded),
                Mode::Boundary => generator.boundary(id, Direction::Request, &mut seeded),
                Mode::Fuzzed => generator.positive(id, Direction::Request, &mut fuzzed),
            };
            tally.values += 1;
            match validator.iter_errors(&value).next() {
                None => tally.valid += 1,
                Some(e) => {
                    let kind = format!("{:?}", e.kind())
                        .split(['(', ' ', '{'])
                        .next()
                        .unwrap_or("?")
                        .to_owned();
                    let entry = tally.causes.entry(kind).or_insert((0, String::new()));
                    entry.0 += 1;
                    if entry.1.is_empty() {
                        entry.1 = format!("{label}: {e} at {}", e.instance_path());
                    }
                }
            }
        }
    });
}

#[derive(Clone, Copy, Debug)]
enum Mode {
    /// Positive values from a seeded source.
    Positive,
    /// Boundary values from a seeded source.
    Boundary,
    /// Positive values from fuzzer bytes (none, or a few): a generator that
    /// runs out of bytes still produces valid values.
    Fuzzed,
}

fn valid_rate(mode: Mode) -> f64 {
    let mut tally = Tally::default();
    for spec in specs() {
        check_valid(&spec, &mut tally, mode);
    }
    let rate = 100.0 * tally.valid as f64 / tally.values.max(1) as f64;
    let what = format!("{mode:?}").to_lowercase();
    println!(
        "{what}: {}/{} valid ({rate:.2}%)",
        tally.valid, tally.values
    );
    for (kind, (count, example)) in &tally.causes {
        let example: String = example.chars().take(300).collect();
        println!("  {count} x {kind}: e.g. {example}");
    }
    assert!(
        tally.values > 10_000,
        "too few values checked: {}",
        tally.values
    );
    rate
}

#[test]
fn positive_values_validate() {
    let rate = valid_rate(Mode::Positive);
    assert!(rate >= 99.0, "only {rate:.2}% of positive values validate");
}

#[test]
fn boundary_values_validate() {
    let rate = valid_rate(Mode::Boundary);
    assert!(rate >= 99.0, "only {rate:.2}% of boundary values validate");
}

#[test]
fn fuzz_driven_values_validate_even_when_bytes_run_out() {
    let rate = valid_rate(Mode::Fuzzed);
    assert!(
        rate >= 99.0,
        "only {rate:.2}% of fuzz-driven positive values validate"
    );
}

#[derive(Default)]
struct NegativeTally {
    values: u64,
    /// invalid, with an error for the named keyword at the named place
    confirmed: u64,
    by_kind: BTreeMap<String, (u64, u64)>,
    misses: BTreeMap<String, (u64, String)>,
}

fn check_negative(path: &Path, tally: &mut NegativeTally) {
    each_request_schema(path, |t| {
        let (generator, validator, id, i, label, textual) =
            (t.generator, t.validator, t.id, t.index, t.label, t.textual);
        for n in 0..PER_SCHEMA {
            let mut src = Seeded::new(n * 7_000_003 + i as u64);
            let Some(neg) = generator.negative(id, Direction::Request, &mut src, textual) else {
                continue;
            };
            tally.values += 1;
            let kind = format!("{:?}", neg.violation.kind);
            let entry = tally.by_kind.entry(kind.clone()).or_default();
            entry.0 += 1;
            let errors: Vec<_> = validator.iter_errors(&neg.value).collect();
            // `additionalProperties: false` beside no `properties` is reported as a false schema
            // an integer past its `format` breaks the format's range, which
            // the request schema states as `minimum`/`maximum`
            let same_keyword = |k: &str| {
                k == neg.violation.keyword
                    || (neg.violation.kind == ViolationKind::ExtraProperty && k == "falseSchema")
                    || (neg.violation.kind == ViolationKind::OutsideFormat
                        && matches!(k, "minimum" | "maximum"))
            };
            let named = errors.iter().any(|e| {
                same_keyword(e.kind().keyword())
                    && e.instance_path().to_string() == neg.violation.pointer
            });
            // `type` errors for null may be reported by `enum` when the schema lists values
            let named = named
                || (neg.violation.kind == ViolationKind::NullNotAllowed
                    && errors
                        .iter()
                        .any(|e| e.instance_path().to_string() == neg.violation.pointer));
            if named {
                tally.confirmed += 1;
                entry.1 += 1;
            } else {
                let miss = tally.misses.entry(kind).or_insert((0, String::new()));
                miss.0 += 1;
                if miss.1.is_empty() {
                    let value: String = neg.value.to_string().chars().take(160).collect();
                    let got: Vec<String> = errors
                        .iter()
                        .take(3)
                        .map(|e| {
                            format!(
                                "{} at {:?}",
                                e.kind().keyword(),
                                e.instance_path().to_string()
                            )
                        })
                        .collect();
                    miss.1 = format!(
                        "{label}: named {} at {:?}, got {got:?}, value {value}",
                        neg.violation.keyword, neg.violation.pointer
                    );
                }
            }
        }
    });
}

#[test]
fn negative_values_fail_for_the_constraint_they_name() {
    let mut tally = NegativeTally::default();
    for spec in specs() {
        check_negative(&spec, &mut tally);
    }
    let rate = 100.0 * tally.confirmed as f64 / tally.values.max(1) as f64;
    println!(
        "negative: {}/{} fail for the named constraint ({rate:.2}%)",
        tally.confirmed, tally.values
    );
    for (kind, (made, confirmed)) in &tally.by_kind {
        println!("  {kind}: {confirmed}/{made}");
    }
    for (kind, (count, example)) in &tally.misses {
        println!("  MISS {count} x {kind}: {example}");
    }
    assert!(
        tally.values > 10_000,
        "too few negative values: {}",
        tally.values
    );
    assert!(
        tally.by_kind.len() >= 12,
        "too few kinds of violation exercised: {:?}",
        tally.by_kind.keys()
    );
    assert_eq!(
        tally.confirmed, tally.values,
        "every negative value must fail for the constraint it names"
    );
}
