//! How long reading specs takes: `apiprobe::spec::load_path`, from the bytes
//! on disk to the finished model (parsing, Swagger 2.0 / OpenAPI 3.1
//! normalisation, `$ref` resolution, schema arena, allOf merging).
//!
//! - `largest_spec`: the largest spec of the corpus, by file size.
//! - `median_spec`: the median-sized spec of each format folder.
//! - `whole_corpus`: every spec of the corpus, once per iteration; specs
//!   that fail to load are counted, not fatal.
//! - `synthetic_huge` / `synthetic_huge_plan`: a generated spec of the
//!   size and shape of the largest public ones (Microsoft Graph beta: 47 MB,
//!   22,361 operations): 22,000 operations over 600 shared component
//!   schemas of 40 properties each, inline query parameters on every GET,
//!   about 50 MB of JSON; loaded, and loaded and planned. It is written
//!   once to the system's temporary folder. The aim is under 3 s and under
//!   300 MB peak (peak memory: `/usr/bin/time -v`, see docs/performance.md).
//!
//! The corpus is `../shared/corpus/{swagger2,openapi3,openapi31}/` next to
//! the crate, or the folder in `APIPROBE_CORPUS`. Without it only the
//! synthetic benchmarks run.
//!
//! ```text
//! cargo bench --bench spec_load
//! ```

use std::path::{Path, PathBuf};
use std::sync::LazyLock;
use std::sync::atomic::{AtomicUsize, Ordering};

use divan::{Bencher, black_box};

#[path = "../tests/common/corpus.rs"]
mod corpus;

/// Spec files with their sizes in bytes, smallest first.
type Specs = Vec<(PathBuf, u64)>;

/// Every corpus spec, per format folder.
static CORPUS: LazyLock<Vec<(&'static str, Specs)>> = LazyLock::new(|| {
    corpus::FOLDERS
        .iter()
        .map(|format| {
            let mut specs = corpus::specs(format);
            specs.sort_by_key(|(path, size)| (*size, path.clone()));
            (*format, specs)
        })
        .collect()
});

/// Specs that failed to load in the last `whole_corpus` iteration
/// (`usize::MAX` until it has run).
static FAILED: AtomicUsize = AtomicUsize::new(usize::MAX);

fn all_specs() -> impl Iterator<Item = &'static Path> {
    CORPUS
        .iter()
        .flat_map(|(_, specs)| specs.iter().map(|(path, _)| path.as_path()))
}

/// The largest spec of the corpus, by file size, with its size.
fn largest() -> Option<&'static (PathBuf, u64)> {
    CORPUS
        .iter()
        .flat_map(|(_, specs)| specs)
        .max_by_key(|(_, size)| *size)
}

/// Loads one spec; the sizes keep the model from being optimised away.
fn load(path: &Path) -> Option<(usize, usize)> {
    let api = apiprobe::spec::load_path(black_box(path)).ok()?;
    Some((api.operations.len(), api.schemas.len()))
}

fn main() {
    let count = all_specs().count();
    if count == 0 {
        eprintln!(
            "spec_load: no specs found in the corpus (../shared/corpus or $APIPROBE_CORPUS); only the synthetic spec is measured"
        );
    }
    if let Some((path, size)) = largest() {
        eprintln!(
            "spec_load: {count} specs; largest {} ({} KiB)",
            path.display(),
            size / 1024
        );
    }
    divan::main();
    let failed = FAILED.load(Ordering::Relaxed);
    if failed != usize::MAX {
        eprintln!("spec_load: whole_corpus: {failed} of {count} specs failed to load");
    }
}

#[divan::bench(sample_count = 10, sample_size = 1)]
fn largest_spec(bencher: Bencher) {
    if let Some((path, _)) = largest() {
        bencher.bench(|| load(path));
    }
}

/// The largest spec loaded and planned (default plan options, builtin
/// payloads), and every probe of the plan walked: what a scan does before
/// its first request. The aim is under 5 s.
#[divan::bench(sample_count = 10, sample_size = 1)]
fn largest_spec_plan(bencher: Bencher) {
    let payloads = apiprobe::generate::Payloads::builtin();
    if let Some((path, _)) = largest() {
        bencher.bench(|| {
            let api = apiprobe::spec::load_path(black_box(path)).ok()?;
            let all: Vec<usize> = (0..api.operations.len()).collect();
            let plan = apiprobe::probes::Plan::new(
                &api,
                &all,
                &payloads,
                &apiprobe::probes::PlanOptions::default(),
            );
            Some(plan.iter().filter(|p| p.round == 0).count())
        });
    }
}

#[divan::bench(args = corpus::FOLDERS, sample_count = 20)]
fn median_spec(bencher: Bencher, format: &str) {
    let median = CORPUS
        .iter()
        .find(|(f, _)| *f == format)
        .and_then(|(_, specs)| specs.get(specs.len() / 2))
        .map(|(path, _)| path.as_path());
    if let Some(path) = median {
        bencher.bench(|| load(path));
    }
}

#[divan::bench(sample_count = 3, sample_size = 1)]
fn whole_corpus(bencher: Bencher) {
    bencher.bench(|| {
        let mut failed = 0;
        for path in all_specs() {
            if black_box(load(path)).is_none() {
                failed += 1;
            }
        }
        FAILED.store(failed, Ordering::Relaxed);
        failed
    });
}

/// The synthetic huge spec's file (written on first use).
static HUGE: LazyLock<PathBuf> = LazyLock::new(|| {
    let path = std::env::temp_dir().join(format!(
        "apiprobe-bench-huge-{}-{HUGE_OPERATIONS}.json",
        env!("CARGO_PKG_VERSION")
    ));
    if !path.is_file() {
        let text = serde_json::to_vec_pretty(&huge_spec(HUGE_OPERATIONS)).unwrap_or_default();
        std::fs::write(&path, text).unwrap_or_else(|e| eprintln!("spec_load: {e}"));
    }
    path
});

/// Operations of the synthetic huge spec.
const HUGE_OPERATIONS: usize = 22_000;

#[divan::bench(sample_count = 5, sample_size = 1)]
fn synthetic_huge(bencher: Bencher) {
    let path = HUGE.as_path();
    bencher.bench(|| load(path));
}

#[divan::bench(sample_count = 5, sample_size = 1)]
fn synthetic_huge_plan(bencher: Bencher) {
    let payloads = apiprobe::generate::Payloads::builtin();
    let path = HUGE.as_path();
    bencher.bench(|| {
        let api = apiprobe::spec::load_path(black_box(path)).ok()?;
        let all: Vec<usize> = (0..api.operations.len()).collect();
        let plan = apiprobe::probes::Plan::new(
            &api,
            &all,
            &payloads,
            &apiprobe::probes::PlanOptions::default(),
        );
        Some(plan.iter().filter(|p| p.round == 0).count())
    });
}

/// A spec shaped like the generated descriptions of large APIs: `n`
/// operations (a GET with inline query parameters and a PATCH with a body,
/// per path) over 600 component schemas of 40 properties that refer to
/// each other, with shared error responses. Deterministic.
pub fn huge_spec(n: usize) -> serde_json::Value {
    use serde_json::{Map, Value, json};
    const SCHEMAS: u64 = 600;
    let mut state: u64 = 0x2545_f491_4f6c_dd1d;
    let mut next = move |below: u64| {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        state % below
    };
    let mut schemas = Map::new();
    for i in 0..SCHEMAS {
        let mut props = Map::new();
        for j in 0..40 {
            let p = match j % 5 {
                0 => json!({"type": "string", "maxLength": 256,
                    "description": format!("The property {j} of entity {i}, as described by the service.")}),
                1 => json!({"type": "integer", "format": "int32", "minimum": 0}),
                2 => json!({"type": "string", "format": "date-time", "nullable": true}),
                3 => json!({"$ref": format!("#/components/schemas/entity{}", next(SCHEMAS))}),
                _ => {
                    json!({"type": "array", "items": {"$ref": format!("#/components/schemas/entity{}", next(SCHEMAS))}})
                }
            };
            props.insert(format!("prop{j}"), p);
        }
        schemas.insert(
            format!("entity{i}"),
            json!({"title": format!("entity{i}"), "type": "object", "properties": props,
                "allOf": [{"$ref": "#/components/schemas/base"}]}),
        );
    }
    schemas.insert("base".into(), json!({"type": "object", "properties": {"id": {"type": "string"}, "@odata.type": {"type": "string"}}}));
    schemas.insert("error".into(), json!({"type": "object", "required": ["error"], "properties": {"error": {"type": "object", "properties": {"code": {"type": "string"}, "message": {"type": "string"}}}}}));
    let select: Vec<String> = (0..40).map(|j| format!("prop{j}")).collect();
    let mut paths = Map::new();
    for g in 0..n / 2 {
        let e = next(SCHEMAS);
        let schema = json!({"$ref": format!("#/components/schemas/entity{e}")});
        let errors = |ok: Value| {
            let mut r = Map::new();
            r.extend(ok.as_object().cloned().unwrap_or_default());
            for code in ["400", "404", "500"] {
                r.insert(code.into(), json!({"description": "error", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/error"}}}}));
            }
            Value::Object(r)
        };
        let key = json!({"name": "group-id", "in": "path", "required": true, "description": "key: id of group", "schema": {"type": "string"}});
        paths.insert(
            format!("/groups{g}/{{group-id}}/entity{e}"),
            json!({
                "get": {
                    "operationId": format!("groups.GetEntity{e}_{g}"),
                    "summary": format!("Get entity{e} from groups"),
                    "description": format!("Retrieve the properties and relationships of entity {e} in group {g}."),
                    "parameters": [key,
                        {"name": "$top", "in": "query", "description": "Show only the first n items", "schema": {"type": "integer", "minimum": 0}},
                        {"name": "$skip", "in": "query", "description": "Skip the first n items", "schema": {"type": "integer", "minimum": 0}},
                        {"name": "$search", "in": "query", "description": "Search items by search phrases", "schema": {"type": "string"}},
                        {"name": "$filter", "in": "query", "description": "Filter items by property values", "schema": {"type": "string"}},
                        {"name": "$count", "in": "query", "description": "Include count of items", "schema": {"type": "boolean"}},
                        {"name": "$select", "in": "query", "style": "form", "explode": false, "description": "Select properties to be returned",
                         "schema": {"type": "array", "uniqueItems": true, "items": {"type": "string", "enum": select}}}],
                    "responses": errors(json!({"200": {"description": "Retrieved navigation property", "content": {"application/json": {"schema": schema}}}}))
                },
                "patch": {
                    "operationId": format!("groups.UpdateEntity{e}_{g}"),
                    "summary": format!("Update entity{e} in groups"),
                    "parameters": [key],
                    "requestBody": {"required": true, "description": "New navigation property values", "content": {"application/json": {"schema": schema}}},
                    "responses": errors(json!({"204": {"description": "Success"}}))
                }
            }),
        );
    }
    json!({"openapi": "3.0.4", "info": {"title": "synthetic huge", "version": "beta"},
        "servers": [{"url": "https://example.com/beta"}], "paths": paths,
        "components": {"schemas": schemas}})
}
