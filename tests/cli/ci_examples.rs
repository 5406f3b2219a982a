//! The CI and scheduler examples of docs/ci.md, as the files a user copies
//! (docs/examples/ci/): the Kubernetes manifests against the published
//! Kubernetes JSON schemas (strict: an unknown or misspelt field fails;
//! vendored in tests/schemas/kubernetes/), docs/ci.md quoting each file
//! as it is, the shard counts agreeing within each example, and every
//! apiprobe flag they use being one the binary has. actionlint checks the
//! GitHub files in .ci/run (.ci/lint-actions).

use std::path::{Path, PathBuf};

use serde_json::Value;

use crate::support::cli::{run as apiprobe, text};

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn read(relative: &str) -> String {
    std::fs::read_to_string(root().join(relative))
        .unwrap_or_else(|e| panic!("cannot read {relative}: {e}"))
}

fn yaml(relative: &str) -> Value {
    serde_saphyr::from_str(&read(relative)).unwrap_or_else(|e| panic!("{relative}: {e}"))
}

/// The Kubernetes schemas' shared definitions, served from the vendored file.
struct Definitions(Value);

impl jsonschema::Retrieve for Definitions {
    fn retrieve(
        &self,
        uri: &jsonschema::Uri<String>,
    ) -> Result<Value, Box<dyn std::error::Error + Send + Sync>> {
        if uri.as_str() == "https://kubernetes.io/api/_definitions.json" {
            Ok(self.0.clone())
        } else {
            Err(format!("no vendored schema for {uri}").into())
        }
    }
}

/// The validator of the Kubernetes kind `kind` (Job, CronJob).
fn kubernetes(kind: &str) -> jsonschema::Validator {
    let dir = Path::new("tests/schemas/kubernetes");
    let file = match kind {
        "Job" => "job-batch-v1.json",
        "CronJob" => "cronjob-batch-v1.json",
        other => panic!("no vendored schema for kind {other}"),
    };
    let schema: Value = serde_json::from_str(&read(&dir.join(file).display().to_string()))
        .expect("the schema is JSON");
    let definitions: Value =
        serde_json::from_str(&read(&dir.join("_definitions.json").display().to_string()))
            .expect("the definitions are JSON");
    jsonschema::options()
        .with_retriever(Definitions(definitions))
        .build(&schema)
        .unwrap_or_else(|e| panic!("the {kind} schema compiles: {e}"))
}

/// Where `manifest` breaks its kind's schema, one line each.
fn violations(manifest: &Value) -> Vec<String> {
    let kind = manifest["kind"].as_str().expect("a kind");
    kubernetes(kind)
        .iter_errors(manifest)
        .map(|e| format!("{}: {e}", e.instance_path()))
        .collect()
}

const MANIFESTS: [&str; 2] = [
    "docs/examples/ci/kubernetes-job.yaml",
    "docs/examples/ci/kubernetes-cronjob.yaml",
];

#[test]
fn the_kubernetes_manifests_pass_the_published_schemas() {
    for file in MANIFESTS {
        let manifest = yaml(file);
        let errors = violations(&manifest);
        assert!(errors.is_empty(), "{file}:\n{}", errors.join("\n"));
    }
    // the check has teeth: a misspelt field and a wrong type fail it
    let mut typo = yaml(MANIFESTS[0]);
    let spec = typo["spec"].as_object_mut().expect("a spec");
    let mode = spec.remove("completionMode").expect("completionMode");
    spec.insert("completionMod".into(), mode);
    assert!(!violations(&typo).is_empty(), "a misspelt field passed");
    let mut wrong = yaml(MANIFESTS[1]);
    wrong["spec"]["jobTemplate"]["spec"]["completions"] = Value::from("three");
    assert!(!violations(&wrong).is_empty(), "a string count passed");
}

/// The first whole number after `marker` in `text`.
fn number_after(text: &str, marker: &str) -> u64 {
    let at = text
        .find(marker)
        .unwrap_or_else(|| panic!("no {marker:?} in {text}"));
    text[at + marker.len()..]
        .trim_start()
        .split(|c: char| !c.is_ascii_digit())
        .next()
        .and_then(|n| n.parse().ok())
        .unwrap_or_else(|| panic!("no number after {marker:?}"))
}

#[test]
fn each_example_splits_into_as_many_shards_as_it_runs() {
    for file in MANIFESTS {
        let manifest = yaml(file);
        let job = match manifest["kind"].as_str() {
            Some("CronJob") => &manifest["spec"]["jobTemplate"]["spec"],
            _ => &manifest["spec"],
        };
        let completions = job["completions"].as_u64().expect("completions");
        assert_eq!(job["completionMode"], "Indexed", "{file}");
        assert_eq!(job["parallelism"].as_u64(), Some(completions), "{file}");
        let script = job["template"]["spec"]["containers"][0]["args"][0]
            .as_str()
            .expect("the script");
        assert_eq!(number_after(script, "--shards"), completions, "{file}");
        assert_eq!(
            number_after(script, "-lt"),
            completions,
            "{file}: the merge waits for every shard"
        );
    }
    let github = yaml("docs/examples/ci/github-sharded.yml");
    let shards = github["jobs"]["scan"]["strategy"]["matrix"]["shard"]
        .as_array()
        .expect("the matrix");
    let args = github["jobs"]["scan"]["steps"][1]["with"]["args"]
        .as_str()
        .expect("the action's args");
    assert_eq!(number_after(args, "}}/"), shards.len() as u64);
    let expected: Vec<Value> = (1..=shards.len() as u64).map(Value::from).collect();
    assert_eq!(shards, &expected, "shards are numbered from 1");
    let gitlab = yaml("docs/examples/ci/gitlab-ci.yml");
    assert!(gitlab["apiprobe"]["parallel"].as_u64().is_some());
    assert!(
        read("docs/examples/ci/gitlab-ci.yml")
            .contains("--shard \"$CI_NODE_INDEX/$CI_NODE_TOTAL\"")
    );
    assert_eq!(gitlab["apiprobe-merge"]["needs"][0], "apiprobe");
}

#[test]
fn docs_ci_quotes_every_example_as_it_is() {
    let doc = read("docs/ci.md");
    let mut files: Vec<PathBuf> = std::fs::read_dir(root().join("docs/examples/ci"))
        .expect("the examples")
        .flatten()
        .map(|e| e.path())
        .collect();
    files.sort();
    assert!(files.len() >= 5, "{files:?}");
    for path in files {
        let name = path.file_name().and_then(|n| n.to_str()).expect("a name");
        let text = std::fs::read_to_string(&path).expect("readable");
        assert!(
            doc.contains(&format!("docs/examples/ci/{name}")),
            "docs/ci.md does not name docs/examples/ci/{name}"
        );
        assert!(
            doc.contains(text.trim_end()),
            "docs/ci.md does not quote docs/examples/ci/{name} as it is (copy it again)"
        );
    }
}

#[test]
fn every_apiprobe_flag_the_examples_use_exists() {
    let help = |command: &str| {
        let out = apiprobe(&[command, "--help"]);
        assert_eq!(out.status.code(), Some(0), "{}", text(&out));
        String::from_utf8_lossy(&out.stdout).into_owned()
    };
    let (scan, merge) = (help("scan"), help("merge"));
    let files = [
        "docs/examples/ci/github-sharded.yml",
        "docs/examples/ci/github-pull-request.yml",
        "docs/examples/ci/gitlab-ci.yml",
        "docs/examples/ci/kubernetes-job.yaml",
        "docs/examples/ci/kubernetes-cronjob.yaml",
    ];
    let mut checked = 0;
    for file in files {
        for line in read(file).lines() {
            let command = if line.contains("apiprobe merge") || line.contains("merge:") {
                &merge
            } else if line.contains("apiprobe scan") || line.trim_start().starts_with("args:") {
                &scan
            } else {
                continue;
            };
            for flag in line
                .split(|c: char| c.is_whitespace() || c == '"' || c == '=')
                .filter(|w| w.starts_with("--") && w.len() > 2)
            {
                checked += 1;
                assert!(
                    command.contains(&format!("{flag} ")) || command.contains(&format!("{flag}\n")),
                    "{file}: apiprobe has no flag {flag} ({line})"
                );
            }
        }
    }
    assert!(checked >= 10, "only {checked} flags found");
}
