//! `apiprobe fuzz-dict` and `apiprobe fuzz-seeds` on the demo spec.

use crate::support;

use std::path::PathBuf;

use apiprobe::fuzz::{FuzzOptions, FuzzTarget};
use apiprobe::probes::ProbeKind;
use support::cli::run as apiprobe;

const DEMO: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/specs/demo.yaml");

fn scratch(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("apiprobe-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    dir
}

#[test]
fn fuzz_dict_writes_a_libfuzzer_dictionary() {
    let out = apiprobe(&["fuzz-dict", DEMO]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = String::from_utf8(out.stdout).expect("UTF-8");
    let lines: Vec<&str> = text.lines().collect();
    assert!(
        lines[0].starts_with("# libFuzzer dictionary"),
        "{}",
        lines[0]
    );
    for word in ["\"/products/{sku}\"", "\"email\"", "\"application/json\""] {
        assert!(lines.contains(&word), "{word} missing");
    }
    assert!(
        lines[1..]
            .iter()
            .all(|l| l.starts_with('"') && l.ends_with('"'))
    );

    let dir = scratch("dict");
    std::fs::create_dir_all(&dir).expect("a scratch folder");
    let file = dir.join("demo.dict");
    let out = apiprobe(&[
        "fuzz-dict",
        DEMO,
        "-o",
        file.to_str().expect("a UTF-8 path"),
    ]);
    assert!(out.status.success());
    assert_eq!(std::fs::read_to_string(&file).expect("written"), text);
    let _ = std::fs::remove_dir_all(&dir);

    let missing = apiprobe(&["fuzz-dict", "/nonexistent/spec.yaml"]);
    assert_eq!(missing.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&missing.stderr).contains("error"));
}

#[test]
fn fuzz_seeds_writes_one_positive_input_per_operation() {
    let dir = scratch("seeds");
    let out = apiprobe(&[
        "fuzz-seeds",
        DEMO,
        "-o",
        dir.to_str().expect("a UTF-8 path"),
    ]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let target = FuzzTarget::new(
        apiprobe::spec::load_path(DEMO).expect("the demo spec loads"),
        FuzzOptions::default(),
    )
    .expect("a target");
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .expect("the corpus folder")
        .map(|e| e.expect("an entry").path())
        .collect();
    files.sort();
    assert_eq!(files.len(), target.api().operations.len());
    let mut operations = std::collections::HashSet::new();
    for file in &files {
        let bytes = std::fs::read(file).expect("a seed");
        let case = target.case(&bytes).expect("a seed makes a case");
        assert_eq!(case.probe, ProbeKind::Positive, "{}", file.display());
        operations.insert(case.operation);
    }
    assert_eq!(operations.len(), files.len(), "one seed per operation");
    let _ = std::fs::remove_dir_all(&dir);
}
