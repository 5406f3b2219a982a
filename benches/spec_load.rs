//! How long reading specs takes: `apiprobe::spec::load_path`, from the bytes
//! on disk to the finished model (parsing, Swagger 2.0 / OpenAPI 3.1
//! normalisation, `$ref` resolution, schema arena, allOf merging).
//!
//! - `largest_spec`: the largest spec of the corpus, by file size.
//! - `median_spec`: the median-sized spec of each format folder.
//! - `whole_corpus`: every spec of the corpus, once per iteration; specs
//!   that fail to load are counted, not fatal.
//!
//! The corpus is `../shared/corpus/{swagger2,openapi3,openapi31}/` next to
//! the crate, or the folder in `APIPROBE_CORPUS`. Without it nothing runs.
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
            "spec_load: no specs found in the corpus (../shared/corpus or $APIPROBE_CORPUS); nothing to measure"
        );
        return;
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
