//! Discovery's flags through the binary: `--endpoint-wordlist` replaces the
//! built-in words, `--discovery` overrides the profile's level, and a
//! wordlist that cannot be read is a usage error naming the flag.
#![cfg(feature = "demo")]

use crate::support;

use std::path::PathBuf;

use apiprobe::report::Report;
use support::cli::run as apiprobe;

fn temp(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("apiprobe-cli-discovery-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    dir.join(name)
}

/// `apiprobe demo` with only discovery and `extra` flags; the signatures of
/// its undocumented_endpoint findings, sorted.
fn discovered(name: &str, extra: &[&str]) -> Vec<String> {
    let path = temp(&format!("{name}.json"));
    let report = format!("json:{}", path.display());
    let mut args = vec![
        "demo",
        "--quiet",
        "--cases",
        "0",
        "--attacks",
        "0",
        "--checks",
        "undocumented_endpoint",
        "--report",
        &report,
    ];
    args.extend_from_slice(extra);
    let out = apiprobe(&args);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = std::fs::read_to_string(&path).expect("the report was written");
    let report: Report = serde_json::from_str(&text).expect("a report");
    let mut s: Vec<String> = report
        .findings
        .iter()
        .filter(|f| f.check == "undocumented_endpoint")
        .map(|f| f.signature.clone())
        .collect();
    s.sort();
    s
}

#[test]
fn a_wordlist_of_ones_own_replaces_the_built_in_words() {
    let words = temp("words.txt");
    std::fs::write(&words, "# mine\n/export/users\n\nnothing-here\n").expect("written");
    let found = discovered(
        "own",
        &["--endpoint-wordlist", words.to_str().expect("a path")],
    );
    assert_eq!(found, ["GET /export/users"]);
}

#[test]
fn the_discovery_flag_overrides_the_profile() {
    let quick = discovered("quick", &["--profile", "quick"]);
    assert!(quick.is_empty(), "{quick:?}");
    let asked = discovered("asked", &["--profile", "quick", "--discovery", "standard"]);
    assert!(asked.contains(&"GET /debug".to_owned()), "{asked:?}");
    let off = discovered("off", &["--discovery", "off"]);
    assert!(off.is_empty(), "{off:?}");
}

#[test]
fn an_unreadable_wordlist_is_a_usage_error() {
    let out = apiprobe(&[
        "demo",
        "--quiet",
        "--endpoint-wordlist",
        "/nonexistent/apiprobe-words.txt",
    ]);
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("--endpoint-wordlist"), "{err}");
}
