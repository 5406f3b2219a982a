//! How fast cases and values are generated, single-threaded.
//!
//! - `positive_case`, `attack_case`: one case per iteration, round-robin
//!   over the operations that offer the intent a case, seeded by the
//!   iteration counter; reported in cases (items) per second.
//! - `positive_value`: one positive value of one mid-size request body
//!   schema (the body schema of median JSON Schema size).
//!
//! Specs: the median-sized spec of `../shared/corpus/openapi3/` (or of
//! `$APIPROBE_CORPUS/openapi3/`), skipped with a message when missing, and
//! `specs/petstore.yaml`.
//!
//! ```text
//! cargo bench --bench generate
//! ```

#[path = "../tests/common/corpus.rs"]
mod corpus;

use std::path::{Path, PathBuf};
use std::sync::LazyLock;

use apiprobe::generate::{CaseGenerator, Direction, Generator, Intent, Options, Payloads, Seeded};
use apiprobe::model::{Api, Operation, SchemaId};
use divan::counter::ItemsCount;
use divan::{Bencher, black_box};

const SPECS: [&str; 2] = ["corpus_median", "petstore"];

/// A spec's name, with its file and model where it loads.
type Loaded = (&'static str, Option<(PathBuf, Api)>);

/// The specs, by name; `None` where a spec is missing or fails to load.
static APIS: LazyLock<Vec<Loaded>> = LazyLock::new(|| {
    let paths = [
        ("corpus_median", median_corpus_spec()),
        (
            "petstore",
            Some(Path::new(env!("CARGO_MANIFEST_DIR")).join("specs/petstore.yaml")),
        ),
    ];
    paths
        .into_iter()
        .map(|(name, path)| {
            let loaded = path.and_then(|p| match apiprobe::spec::load_path(&p) {
                Ok(api) => Some((p, api)),
                Err(e) => {
                    eprintln!("generate: {name}: {} does not load: {e}", p.display());
                    None
                }
            });
            (name, loaded)
        })
        .collect()
});

static PAYLOADS: LazyLock<Payloads> = LazyLock::new(Payloads::builtin);

/// The spec of median file size in the corpus's `openapi3` folder.
fn median_corpus_spec() -> Option<PathBuf> {
    let mut specs = corpus::specs("openapi3");
    specs.sort_by_key(|(path, size)| (*size, path.clone()));
    let median = specs.get(specs.len() / 2).map(|(p, _)| p.clone());
    if median.is_none() {
        eprintln!(
            "generate: no corpus in {}/openapi3 (or $APIPROBE_CORPUS); corpus_median is skipped",
            corpus::dir().display()
        );
    }
    median
}

fn api(name: &str) -> Option<&'static Api> {
    APIS.iter()
        .find(|(n, _)| *n == name)
        .and_then(|(_, loaded)| loaded.as_ref())
        .map(|(_, api)| api)
}

/// The operations that give a case of `intent` (seed 0).
fn operations_for(api: &Api, intent: Intent) -> Vec<&Operation> {
    let mut cases = CaseGenerator::new(api, Options::default(), &PAYLOADS);
    api.operations
        .iter()
        .filter(|op| matches!(cases.case(op, intent, &mut Seeded::new(0)), Ok(Some(_))))
        .collect()
}

/// The request body schema of median JSON Schema size, with that size.
fn mid_size_body(api: &Api) -> Option<(SchemaId, usize)> {
    let mut bodies: Vec<(usize, SchemaId)> = api
        .operations
        .iter()
        .flat_map(|op| op.body.iter().flat_map(|b| b.content.iter()))
        .filter_map(|m| m.schema)
        .map(|id| {
            let size = api
                .schemas
                .to_json_schema_for(id, Direction::Request)
                .to_string()
                .len();
            (size, id)
        })
        .collect();
    bodies.sort_by_key(|(size, _)| *size);
    bodies.dedup();
    bodies.get(bodies.len() / 2).map(|(size, id)| (*id, *size))
}

fn main() {
    for (name, loaded) in APIS.iter() {
        let Some((path, api)) = loaded else {
            continue;
        };
        let body = mid_size_body(api).map_or("none".to_owned(), |(_, size)| {
            format!("{size} bytes of JSON Schema")
        });
        eprintln!(
            "generate: {name}: {} ({} operations; {} give positive cases, {} attack cases; body schema: {body})",
            path.display(),
            api.operations.len(),
            operations_for(api, Intent::Positive).len(),
            operations_for(api, Intent::Attack).len(),
        );
    }
    divan::main();
}

/// One case of `intent` per iteration, round-robin over the operations.
fn one_case(bencher: Bencher, spec: &str, intent: Intent) {
    let Some(api) = api(spec) else {
        return;
    };
    let ops = operations_for(api, intent);
    if ops.is_empty() {
        eprintln!("generate: {spec}: no operation gives {intent:?} cases");
        return;
    }
    let mut cases = CaseGenerator::new(api, Options::default(), &PAYLOADS);
    let mut n: u64 = 0;
    bencher.counter(ItemsCount::new(1usize)).bench_local(|| {
        n = n.wrapping_add(1);
        let op = ops[(n % ops.len() as u64) as usize];
        cases.case(black_box(op), intent, &mut Seeded::new(n))
    });
}

#[divan::bench(args = SPECS, sample_count = 1000)]
fn positive_case(bencher: Bencher, spec: &str) {
    one_case(bencher, spec, Intent::Positive);
}

#[divan::bench(args = SPECS, sample_count = 1000)]
fn attack_case(bencher: Bencher, spec: &str) {
    one_case(bencher, spec, Intent::Attack);
}

#[divan::bench(args = SPECS, sample_count = 1000)]
fn positive_value(bencher: Bencher, spec: &str) {
    let Some(api) = api(spec) else {
        return;
    };
    let Some((id, _)) = mid_size_body(api) else {
        eprintln!("generate: {spec}: no request body schema");
        return;
    };
    let mut generator = Generator::new(&api.schemas, Options::default());
    let mut n: u64 = 0;
    bencher.counter(ItemsCount::new(1usize)).bench_local(|| {
        n = n.wrapping_add(1);
        generator.positive(black_box(id), Direction::Request, &mut Seeded::new(n))
    });
}
