//! Sharded scans through the binary: `scan --shard K/N` (and
//! `APIPROBE_SHARD`, and `--shards N` with `JOB_COMPLETION_INDEX`) run side
//! by side against one demo, `merge` puts them back together: the same
//! finding ids as one whole scan with the same seed; reports of another
//! spec or target, a missing shard and bad shard values are refused (exit 2).
#![cfg(feature = "demo")]

use crate::support;

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::Output;

use apiprobe::demo::{DemoConfig, DemoServer, serve};
use apiprobe::report::Report;
use support::cli::{Cli, Stream, run as apiprobe, text};

fn spec() -> String {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("specs/demo.yaml")
        .display()
        .to_string()
}

fn read(path: &Path) -> Report {
    let text = std::fs::read_to_string(path)
        .unwrap_or_else(|e| panic!("{} was not written: {e}", path.display()));
    serde_json::from_str(&text).expect("a Report")
}

fn json(dir: &Path, name: &str) -> PathBuf {
    dir.join(format!("{name}.json"))
}

/// A demo server on its own runtime, shut down when dropped.
struct Demo {
    runtime: tokio::runtime::Runtime,
    server: Option<DemoServer>,
}

impl Demo {
    fn start() -> Demo {
        let runtime = tokio::runtime::Runtime::new().expect("runtime");
        let server = runtime
            .block_on(serve(DemoConfig { fixed: false }))
            .expect("the demo starts");
        Demo {
            runtime,
            server: Some(server),
        }
    }

    fn url(&self) -> String {
        self.server
            .as_ref()
            .map(|s| s.base_url())
            .unwrap_or_default()
    }
}

impl Drop for Demo {
    fn drop(&mut self) {
        if let Some(s) = self.server.take() {
            self.runtime.block_on(s.shutdown());
        }
    }
}

/// `apiprobe scan` of the demo spec at `url` with `seed`, a JSON report to `out`.
fn scan_args(url: &str, seed: &str, out: &Path, extra: &[&str]) -> Vec<String> {
    let mut args: Vec<String> = [
        "scan",
        &spec(),
        "--url",
        url,
        "--seed",
        seed,
        "--quiet",
        "--no-config",
        "--report",
        &format!("json:{}", out.display()),
    ]
    .iter()
    .map(|s| (*s).to_owned())
    .collect();
    args.extend(extra.iter().map(|s| (*s).to_owned()));
    args
}

fn ids(report: &Report) -> BTreeSet<String> {
    report.findings.iter().map(|f| f.id.clone()).collect()
}

/// What a finding id stands for, for failure messages.
fn named(report: &Report, only: &BTreeSet<&String>) -> Vec<String> {
    report
        .findings
        .iter()
        .filter(|f| only.contains(&f.id))
        .map(|f| format!("{} on {} ({})", f.check, f.operation.id, f.signature))
        .collect()
}

fn merge(args: &[&str]) -> Output {
    let mut all = vec!["merge"];
    all.extend_from_slice(args);
    apiprobe(&all)
}

#[test]
fn three_shards_side_by_side_merge_into_the_findings_of_one_scan() {
    let dir = support::cli::fresh_dir("cli-shard-merge");
    let (whole_demo, shard_demo) = (Demo::start(), Demo::start());

    // the shards, side by side against one demo: K/N three ways
    let shard_path = |k: u32| json(&dir, &format!("shard{k}"));
    let running = vec![
        Cli::new(scan_args(
            &shard_demo.url(),
            "7",
            &shard_path(1),
            &["--shard", "1/3"],
        ))
        .spawn(Stream::Stderr),
        Cli::new(scan_args(&shard_demo.url(), "7", &shard_path(2), &[]))
            .env("APIPROBE_SHARD", "2/3")
            .spawn(Stream::Stderr),
        Cli::new(scan_args(
            &shard_demo.url(),
            "7",
            &shard_path(3),
            &["--shards", "3"],
        ))
        .env("JOB_COMPLETION_INDEX", "2")
        .spawn(Stream::Stderr),
    ];
    // one whole scan with the same seed, meanwhile, against another demo
    let whole_path = json(&dir, "whole");
    let out = apiprobe(
        &scan_args(&whole_demo.url(), "7", &whole_path, &[])
            .iter()
            .map(String::as_str)
            .collect::<Vec<_>>(),
    );
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    for (k, shard) in running.into_iter().enumerate() {
        let out = shard.finish();
        assert_eq!(
            out.status.code(),
            Some(1),
            "shard {}: {}",
            k + 1,
            text(&out)
        );
    }
    let whole = read(&whole_path);
    let shards: Vec<Report> = (1..=3).map(|k| read(&shard_path(k))).collect();

    // each shard says which it is; together they cover every operation once
    let mut covered: Vec<String> = Vec::new();
    for (k, report) in shards.iter().enumerate() {
        let info = report.shard.expect("a shard report says which shard");
        assert_eq!((info.index, info.count), (k as u32 + 1, 3));
        assert_eq!(info.total, whole.operations.len());
        assert_eq!(info.operations, report.operations.len());
        assert!(
            info.operations > 0 && info.operations < info.total,
            "{info:?}"
        );
        covered.extend(report.operations.iter().map(|o| o.id.clone()));
    }
    covered.sort();
    let mut all: Vec<String> = whole.operations.iter().map(|o| o.id.clone()).collect();
    all.sort();
    assert_eq!(covered, all, "the shards partition the operations");

    // merged: the whole scan's findings, by id
    let merged_path = json(&dir, "merged");
    let sarif = dir.join("merged.sarif");
    let files: Vec<String> = (1..=3)
        .map(|k| shard_path(k).display().to_string())
        .collect();
    let out = merge(&[
        &files[2],
        &files[0],
        &files[1],
        "-o",
        &merged_path.display().to_string(),
        "--report",
        &format!("sarif:{}", sarif.display()),
    ]);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    let merged = read(&merged_path);
    let (got, want) = (ids(&merged), ids(&whole));
    let only_merged: BTreeSet<&String> = got.difference(&want).collect();
    let only_whole: BTreeSet<&String> = want.difference(&got).collect();
    assert!(
        only_merged.is_empty() && only_whole.is_empty(),
        "only in the merge: {:?}; only in the whole scan: {:?}",
        named(&merged, &only_merged),
        named(&whole, &only_whole)
    );
    assert_eq!(merged.findings.len(), got.len(), "one finding per id");
    assert!(merged.shard.is_none());
    assert_eq!(merged.operations.len(), whole.operations.len());
    // each probe of the whole plan goes to exactly one shard (a path's
    // undeclared methods too, on its first operation of the whole scan)
    let planned: usize = shards.iter().map(|r| r.stats.planned).sum();
    assert_eq!(
        planned, whole.stats.planned,
        "the shards' plans add up to the whole plan"
    );
    assert_eq!(merged.stats.planned, whole.stats.planned);
    let requests: u64 = shards.iter().map(|r| r.stats.requests).sum();
    assert_eq!(merged.stats.requests, requests);
    let sarif: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&sarif).expect("the SARIF report"))
            .expect("SARIF is JSON");
    assert_eq!(
        sarif["runs"][0]["results"].as_array().map(Vec::len),
        Some(merged.findings.len())
    );

    // the split does not depend on the seed
    let reseeded = json(&dir, "shard2-seed8");
    let out = apiprobe(
        &scan_args(
            &shard_demo.url(),
            "8",
            &reseeded,
            &["--shard", "2/3", "--max-requests", "1"],
        )
        .iter()
        .map(String::as_str)
        .collect::<Vec<_>>(),
    );
    assert!(matches!(out.status.code(), Some(0 | 1)), "{}", text(&out));
    assert_eq!(read(&reseeded).operations, shards[1].operations);

    // --baseline applies to the merged result: the whole scan's findings known
    let created = apiprobe(&["baseline", "create", &whole_path.display().to_string()]);
    assert_eq!(created.status.code(), Some(0), "{}", text(&created));
    let baseline = dir.join("baseline.json");
    std::fs::write(&baseline, &created.stdout).expect("write the baseline");
    let out = merge(&[
        &files[0],
        &files[1],
        &files[2],
        "--baseline",
        &baseline.display().to_string(),
        "-o",
        &merged_path.display().to_string(),
    ]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    let known = read(&merged_path);
    assert!(known.findings.is_empty(), "{:#?}", known.findings);
    assert_eq!(known.baseline.map(|b| b.suppressed), Some(want.len()));

    // a missing shard is named; --allow-missing merges the others
    let out = merge(&[
        &files[0],
        &files[2],
        "-o",
        &merged_path.display().to_string(),
    ]);
    assert_eq!(out.status.code(), Some(2), "{}", text(&out));
    assert!(
        text(&out).contains("shard 2/3 is missing"),
        "{}",
        text(&out)
    );
    let out = merge(&[&files[0], &files[2], "--allow-missing", "--quiet"]);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    assert!(text(&out).contains("warning: shard 2/3"), "{}", text(&out));

    // another target: refused
    let out = merge(&[&files[0], &whole_path.display().to_string()]);
    assert_eq!(out.status.code(), Some(2), "{}", text(&out));
    assert!(text(&out).contains("another target"), "{}", text(&out));
}

#[test]
fn reports_of_different_specs_do_not_merge() {
    let dir = support::cli::fresh_dir("cli-shard-specs");
    let demo = Demo::start();
    // another spec of the same server: one operation of the demo's
    let other = dir.join("version.yaml");
    std::fs::write(
        &other,
        "openapi: 3.0.3\ninfo: {title: Version only, version: '1'}\npaths:\n  /version:\n    get:\n      responses: {'200': {description: ok}}\n",
    )
    .expect("write the spec");
    let (a, b) = (json(&dir, "demo"), json(&dir, "version"));
    let budget = ["--shard", "1/2", "--max-requests", "20"];
    let out = apiprobe(
        &scan_args(&demo.url(), "1", &a, &budget)
            .iter()
            .map(String::as_str)
            .collect::<Vec<_>>(),
    );
    assert!(matches!(out.status.code(), Some(0 | 1)), "{}", text(&out));
    let mut args = scan_args(&demo.url(), "1", &b, &["--shard", "2/2"]);
    args[1] = other.display().to_string();
    let out = apiprobe(&args.iter().map(String::as_str).collect::<Vec<_>>());
    assert!(matches!(out.status.code(), Some(0 | 1)), "{}", text(&out));
    let out = merge(&[&a.display().to_string(), &b.display().to_string()]);
    assert_eq!(out.status.code(), Some(2), "{}", text(&out));
    assert!(text(&out).contains("another spec"), "{}", text(&out));
    assert!(text(&out).contains("Version only"), "{}", text(&out));
}

#[test]
fn bad_shards_are_usage_errors() {
    let spec = spec();
    for bad in ["0/3", "4/3", "x", "1/0"] {
        let out = apiprobe(&["scan", &spec, "--no-config", "--shard", bad]);
        assert_eq!(out.status.code(), Some(2), "{bad}: {}", text(&out));
        assert!(text(&out).contains("bad shard"), "{bad}: {}", text(&out));
        let out = Cli::new(["scan", &spec, "--no-config"])
            .env("APIPROBE_SHARD", bad)
            .run();
        assert_eq!(out.status.code(), Some(2), "{bad}: {}", text(&out));
        assert!(text(&out).contains("bad shard"), "{bad}: {}", text(&out));
    }
    let out = apiprobe(&["scan", &spec, "--no-config", "--shards", "3"]);
    assert_eq!(out.status.code(), Some(2), "{}", text(&out));
    assert!(
        text(&out).contains("JOB_COMPLETION_INDEX"),
        "{}",
        text(&out)
    );
    let out = Cli::new(["scan", &spec, "--no-config", "--shards", "3"])
        .env("JOB_COMPLETION_INDEX", "3")
        .run();
    assert_eq!(out.status.code(), Some(2), "{}", text(&out));
    assert!(text(&out).contains("from 0 to 2"), "{}", text(&out));
    let out = apiprobe(&["merge", "no-such-report.json"]);
    assert_eq!(out.status.code(), Some(2), "{}", text(&out));
}
