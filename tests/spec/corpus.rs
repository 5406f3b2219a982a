//! Every real-world spec under ../shared/corpus loads without panicking or
//! hanging, and at least 99% of each folder becomes a model with operations.

use crate::common;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::mpsc;
use std::time::{Duration, Instant};

/// Longest one spec may take to load, even in a debug build.
const PER_SPEC_LIMIT: Duration = Duration::from_secs(120);

/// Whether the document declares no paths at all (webhook-only or
/// definitions-only documents): no loader can find an operation in those.
/// Read with the parsers directly, independently of apiprobe's loader.
fn declares_no_paths(path: &Path) -> bool {
    let Ok(text) = std::fs::read_to_string(path) else {
        return false;
    };
    let doc: Option<serde_json::Value> = if text.trim_start().starts_with('{') {
        serde_json::from_str(&text).ok()
    } else {
        serde_saphyr::from_str(&text).ok()
    };
    match doc.as_ref().map(|d| d.get("paths")) {
        Some(None) => true,
        Some(Some(paths)) => paths
            .as_object()
            .is_some_and(|p| p.keys().all(|k| k.starts_with("x-"))),
        None => false,
    }
}

/// Loads one spec on its own thread so that a hang fails the test instead of stalling it.
fn load_with_limit(path: &Path) -> Result<Result<(usize, usize, usize), String>, String> {
    let (tx, rx) = mpsc::channel();
    let owned = path.to_path_buf();
    std::thread::Builder::new()
        .stack_size(8 * 1024 * 1024)
        .spawn(move || {
            let outcome = std::panic::catch_unwind(|| {
                apiprobe::spec::load_path(&owned)
                    .map(|api| (api.operations.len(), api.warnings.len(), api.skipped.len()))
            });
            let _ = tx.send(outcome.map(|r| r.map_err(|e| e.to_string())));
        })
        .map_err(|e| format!("cannot spawn: {e}"))?;
    match rx.recv_timeout(PER_SPEC_LIMIT) {
        Ok(Ok(result)) => Ok(result),
        Ok(Err(_)) => Err("PANIC".into()),
        Err(_) => Err(format!("HANG (over {PER_SPEC_LIMIT:?})")),
    }
}

/// The cause of a failure without the file name, for grouping.
fn cause(message: &str) -> String {
    let message = message.split(": ").skip(1).collect::<Vec<_>>().join(": ");
    let mut short: String = message.chars().take(90).collect();
    if let Some(i) = short.find(" used at ") {
        short.truncate(i);
    }
    short
}

fn check_folder(name: &str) {
    let files: Vec<PathBuf> = common::corpus::specs(name)
        .into_iter()
        .map(|(path, _)| path)
        .collect();
    assert!(
        !files.is_empty(),
        "no specs under {} (set APIPROBE_CORPUS)",
        common::corpus::dir().join(name).display()
    );
    let started = Instant::now();
    let (mut loaded, mut operations, mut warnings, mut skipped) = (0usize, 0usize, 0usize, 0usize);
    let mut skipped_in = Vec::new();
    let mut failures: BTreeMap<String, Vec<String>> = BTreeMap::new();
    let mut fatal = Vec::new();
    let mut no_paths = Vec::new();
    for file in &files {
        let short = file
            .file_name()
            .map(|f| f.to_string_lossy().into_owned())
            .unwrap_or_default();
        match load_with_limit(file) {
            Ok(Ok((ops, warns, skips))) if ops > 0 => {
                loaded += 1;
                operations += ops;
                warnings += warns;
                skipped += skips;
                if skips > 0 {
                    skipped_in.push(format!("{short} ({skips})"));
                }
            }
            Ok(Ok(_)) if declares_no_paths(file) => no_paths.push(short),
            Ok(Ok(_)) => failures
                .entry("loads, but has no operations".into())
                .or_default()
                .push(short),
            Ok(Err(message)) => failures.entry(cause(&message)).or_default().push(short),
            Err(why) => fatal.push(format!("{short}: {why}")),
        }
    }
    // Documents without paths load fine but cannot have operations: counted apart.
    let total = files.len() - no_paths.len();
    println!(
        "{name}: {loaded}/{total} loaded with operations ({:.1}%), {} failed, {operations} operations, {skipped} operations skipped, {warnings} warnings, {:.1}s",
        100.0 * loaded as f64 / total as f64,
        total - loaded,
        started.elapsed().as_secs_f64()
    );
    if !skipped_in.is_empty() {
        println!(
            "  operations skipped for unresolvable references in: {}",
            skipped_in.join(", ")
        );
    }
    if !no_paths.is_empty() {
        println!(
            "  {} declare no paths (webhook- or definitions-only; loaded, not counted): {}",
            no_paths.len(),
            no_paths.join(", ")
        );
    }
    for (cause, files) in &failures {
        println!("  {} x {cause}: {}", files.len(), files.join(", "));
    }
    assert!(fatal.is_empty(), "panics or hangs in {name}: {fatal:#?}");
    assert!(
        loaded * 100 >= total * 99,
        "{name}: only {loaded} of {total} specs loaded with operations (need 99%)"
    );
}

#[test]
fn swagger2_corpus_loads() {
    check_folder("swagger2");
}

#[test]
fn openapi3_corpus_loads() {
    check_folder("openapi3");
}

#[test]
fn openapi31_corpus_loads() {
    check_folder("openapi31");
}
