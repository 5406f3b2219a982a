//! The real-world spec corpus: `../shared/corpus` beside the crate, or the
//! folder in `$APIPROBE_CORPUS`. Shared by the tests and (through `#[path]`)
//! the benchmarks.
#![allow(dead_code)]

use std::path::{Path, PathBuf};

/// The corpus's folders, one per format.
pub const FOLDERS: [&str; 3] = ["swagger2", "openapi3", "openapi31"];

/// The corpus folder.
pub fn dir() -> PathBuf {
    match std::env::var_os("APIPROBE_CORPUS") {
        Some(dir) => PathBuf::from(dir),
        None => Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/corpus"),
    }
}

/// The spec files (JSON or YAML) of one folder with their sizes in bytes,
/// sorted by name; empty when the folder cannot be read.
pub fn specs(folder: &str) -> Vec<(PathBuf, u64)> {
    let mut specs: Vec<(PathBuf, u64)> = std::fs::read_dir(dir().join(folder))
        .into_iter()
        .flatten()
        .flatten()
        .map(|entry| entry.path())
        .filter(|path| {
            matches!(
                path.extension().and_then(|e| e.to_str()),
                Some("json" | "yaml" | "yml")
            )
        })
        .filter_map(|path| Some((path.clone(), std::fs::metadata(&path).ok()?.len())))
        .collect();
    specs.sort();
    specs
}
