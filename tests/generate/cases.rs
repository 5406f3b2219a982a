//! Cases: what `apiprobe cases` prints, determinism, and what each intent carries.

use crate::common;
use crate::support;

use apiprobe::generate::{CaseGenerator, Intent, Options, Payloads, Seeded};
use percent_encoding::percent_decode_str;
use support::cli::run as apiprobe;

fn all_requests(spec: &str, seed: u64) -> Vec<String> {
    let api = common::load(spec);
    let payloads = Payloads::builtin();
    let mut cases = CaseGenerator::new(&api, Options::default(), &payloads);
    let mut out = Vec::new();
    for (i, op) in api.operations.iter().enumerate() {
        for intent in Intent::ALL {
            for n in 0..5u64 {
                let mut src = Seeded::new(seed ^ (i as u64 * 1000 + n * 10 + intent as u64));
                if let Ok(Some(case)) = cases.case(op, intent, &mut src) {
                    out.push(format!("{:?}", case.request));
                }
            }
        }
    }
    out
}

#[test]
fn one_seed_gives_the_same_cases_every_time() {
    for spec in [
        "specs/petstore.yaml",
        "specs/petstore-swagger2.yaml",
        "specs/petstore-31.yaml",
    ] {
        let a = all_requests(spec, 42);
        let b = all_requests(spec, 42);
        assert!(a.len() > 50, "{spec}: only {} cases", a.len());
        assert_eq!(a, b, "{spec}");
        assert_ne!(
            a,
            all_requests(spec, 43),
            "{spec}: another seed, other cases"
        );
    }
    // and across processes, through the command line
    let first = apiprobe(&["cases", "specs/petstore.yaml", "--seed", "7", "-n", "3"]);
    let second = apiprobe(&["cases", "specs/petstore.yaml", "--seed", "7", "-n", "3"]);
    assert_eq!(first.status.code(), Some(0));
    assert!(!first.stdout.is_empty());
    assert_eq!(first.stdout, second.stdout);
}

fn json_cases(args: &[&str]) -> Vec<serde_json::Value> {
    let out = apiprobe(args);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("{e}: {l}")))
        .collect()
}

#[test]
fn negative_cases_name_the_constraint_and_carry_the_value() {
    let cases = json_cases(&[
        "cases",
        "specs/petstore.yaml",
        "--intent",
        "negative",
        "-n",
        "20",
        "--format",
        "json",
    ]);
    assert!(cases.len() >= 40, "{}", cases.len());
    for c in &cases {
        assert_eq!(c["intent"], "negative");
        let v = &c["violation"];
        assert!(v["keyword"].as_str().is_some_and(|k| !k.is_empty()), "{c}");
        assert!(v["slot"]["location"].is_string(), "{c}");
    }
    // the limit parameter of listPets (integer 1..100) is broken in the query itself
    let limit = cases.iter().find(|c| {
        c["violation"]["slot"]["name"] == "limit" && c["violation"]["keyword"] == "maximum"
    });
    if let Some(c) = limit {
        let query = c["request"]["query"].as_str().unwrap_or_default();
        let value: i64 = query
            .split('&')
            .find_map(|kv| kv.strip_prefix("limit="))
            .and_then(|v| v.parse().ok())
            .unwrap_or(0);
        assert!(value > 100, "{query}");
    }
    // a missing required header leaves the header out
    let missing = cases.iter().find(|c| {
        c["violation"]["kind"] == "missing_required"
            && c["violation"]["slot"]["location"] == "header"
    });
    let missing = missing.expect("deletePet's required X-Request-Id is left out in some case");
    let headers = missing["request"]["headers"].to_string();
    assert!(
        !headers.to_ascii_lowercase().contains("x-request-id"),
        "{headers}"
    );
}

#[test]
fn attack_payloads_reach_the_request_byte_for_byte() {
    let cases = json_cases(&[
        "cases",
        "specs/petstore-swagger2.yaml",
        "--intent",
        "attack",
        "-n",
        "30",
        "--format",
        "json",
    ]);
    // operations without a string slot (integer ids only) give no attack case
    assert!(cases.len() >= 60, "{}", cases.len());
    let mut families = std::collections::BTreeSet::new();
    for c in &cases {
        let a = &c["attack"];
        let payload = a["payload"].as_str().expect("payload");
        families.insert(a["family"].as_str().unwrap_or_default().to_owned());
        if a["family"] == "prototype_pollution"
            && payload.starts_with('{')
            && a["slot"]["pointer"] == ""
        {
            continue; // merged as keys, checked by prototype_pollution_payloads_become_keys_of_json_bodies
        }
        let r = &c["request"];
        let location = a["slot"]["location"].as_str().unwrap_or_default();
        let found = match location {
            "query" => r["query"]
                .as_str()
                .unwrap_or_default()
                .split('&')
                .any(|kv| {
                    kv.split_once('=').is_some_and(|(_, v)| {
                        percent_decode_str(v).decode_utf8_lossy().contains(payload)
                    })
                }),
            "path" => percent_decode_str(r["path"].as_str().unwrap_or_default())
                .decode_utf8_lossy()
                .contains(payload),
            "header" => r["headers"]
                .as_array()
                .into_iter()
                .flatten()
                .any(|h| h[1].as_str() == Some(payload)),
            "body" => {
                let text = r["body"]["text"].as_str().unwrap_or_default();
                let json_escaped = serde_json::to_string(payload).unwrap_or_default();
                let form_decoded = percent_decode_str(text).decode_utf8_lossy().into_owned();
                text.contains(payload)
                    || text.contains(json_escaped.trim_matches('"'))
                    || form_decoded.contains(payload)
            }
            other => panic!("unexpected slot {other}"),
        };
        assert!(
            found,
            "payload {payload:?} not found in its {location} slot: {c}"
        );
    }
    assert!(families.len() >= 8, "too few families: {families:?}");
}

#[test]
fn cases_command_filters_and_rejects_bad_input() {
    let cases = json_cases(&[
        "cases",
        "specs/petstore.yaml",
        "--operation",
        "listPets",
        "--intent",
        "positive",
        "-n",
        "5",
        "--format",
        "json",
    ]);
    assert_eq!(cases.len(), 5);
    assert!(
        cases
            .iter()
            .all(|c| c["operation"] == "listPets" && c["request"]["method"] == "GET")
    );
    let out = apiprobe(&["cases", "specs/petstore.yaml", "--operation", "nope"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("nope"));
    let out = apiprobe(&["cases", "specs/petstore.yaml", "--intent", "sideways"]);
    assert_eq!(out.status.code(), Some(2));
    let out = apiprobe(&["cases", "specs/petstore.yaml", "-n", "0"]);
    assert_eq!(out.status.code(), Some(2));
}

#[test]
fn extra_payload_folders_are_used() {
    let dir = std::env::temp_dir().join(format!("apiprobe-payloads-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    std::fs::write(
        dir.join("mine.txt"),
        "# test family\nAPIPROBE-CUSTOM-CANARY\n",
    )
    .expect("write");
    let cases = json_cases(&[
        "cases",
        "specs/petstore.yaml",
        "--intent",
        "attack",
        "-n",
        "200",
        "--format",
        "json",
        "--payloads",
        dir.to_str().unwrap_or_default(),
    ]);
    let _ = std::fs::remove_dir_all(&dir);
    assert!(
        cases.iter().any(|c| c["attack"]["family"] == "mine"
            && c["attack"]["payload"] == "APIPROBE-CUSTOM-CANARY")
    );
}

#[test]
fn prototype_pollution_payloads_become_keys_of_json_bodies() {
    let cases = json_cases(&[
        "cases",
        "specs/petstore.yaml",
        "--operation",
        "createPet",
        "--intent",
        "attack",
        "-n",
        "400",
        "--format",
        "json",
    ]);
    let polluted: Vec<&serde_json::Value> = cases
        .iter()
        .filter(|c| {
            c["attack"]["family"] == "prototype_pollution"
                && c["attack"]["payload"]
                    .as_str()
                    .is_some_and(|p| p.starts_with('{'))
        })
        .collect();
    assert!(
        !polluted.is_empty(),
        "no object-shaped prototype pollution case in 400"
    );
    for c in polluted {
        let payload: serde_json::Value =
            serde_json::from_str(c["attack"]["payload"].as_str().unwrap_or("{}"))
                .expect("a JSON payload");
        let body: serde_json::Value =
            serde_json::from_str(c["request"]["body"]["text"].as_str().unwrap_or("{}"))
                .expect("a JSON body");
        for (key, value) in payload.as_object().into_iter().flatten() {
            assert_eq!(&body[key], value, "{key} is a key of the body: {c}");
        }
    }
}

#[test]
fn payloads_that_are_not_utf8_are_sent_byte_for_byte() {
    let dir = std::env::temp_dir().join(format!("apiprobe-raw-payloads-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    std::fs::write(
        dir.join("raw.txt"),
        "# overlong dot-dot-slash\n\\xc0\\xae\\xc0\\xae\\xc0\\xafetc\n",
    )
    .expect("write");
    let mut payloads = Payloads::new();
    let loaded = payloads.load_dir(&dir);
    let _ = std::fs::remove_dir_all(&dir);
    assert_eq!(loaded.expect("loads"), 1);
    let raw: &[u8] = b"\xc0\xae\xc0\xae\xc0\xafetc";
    let encoded = "%C0%AE%C0%AE%C0%AFetc";

    let api = common::load("specs/petstore.yaml");
    let mut cases = CaseGenerator::new(&api, Options::default(), &payloads);
    let mut seen = std::collections::BTreeSet::new();
    for op in &api.operations {
        for n in 0..40u64 {
            let Ok(Some(case)) = cases.case(op, Intent::Attack, &mut Seeded::new(n)) else {
                continue;
            };
            let a = case.attack.as_ref().expect("an attack");
            assert_eq!(a.raw.as_deref(), Some(raw));
            let r = &case.request;
            let body = r.body.as_ref().map(|b| b.bytes.clone()).unwrap_or_default();
            let form = r
                .body
                .as_ref()
                .is_some_and(|b| b.content_type.contains("urlencoded"));
            let carried = match a.slot.location {
                "path" => r.path.contains(encoded),
                "query" => r.query.contains(encoded),
                "body" if form => body.windows(encoded.len()).any(|w| w == encoded.as_bytes()),
                "body" => body.windows(raw.len()).any(|w| w == raw),
                other => {
                    panic!("a header or cookie cannot carry these bytes, yet the slot is {other}")
                }
            };
            assert!(
                carried,
                "{:?} does not carry the raw bytes: {:?}",
                a.slot, r
            );
            assert!(
                !format!("{r:?}").contains("zzApiprobeRaw"),
                "placeholder left in {r:?}"
            );
            seen.insert(a.slot.location);
        }
    }
    assert!(
        seen.contains("body") && (seen.contains("query") || seen.contains("path")),
        "{seen:?}"
    );
}
