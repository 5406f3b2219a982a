//! weak_jwt_secret through the binary, on the demo: the cracked secrets are
//! masked in reports unless `--show-secrets`; `--jwt-wordlist` (and
//! `jwt-wordlist` in apiprobe.toml) adds a list tried before the bundled
//! ones; the repaired demo's random keys resist, and the summary says so.
#![cfg(feature = "demo")]

use crate::support;

use std::path::PathBuf;

use apiprobe::report::Report;
use support::cli::{run as apiprobe, run_in, text};

fn temp(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("apiprobe-cli-jwt-crack-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    dir.join(name)
}

const ONLY_CRACKING: [&str; 8] = [
    "demo",
    "--cases",
    "2",
    "--attacks",
    "0",
    "--checks",
    "weak_jwt_secret",
    "--quiet",
];

/// `apiprobe demo` with weak_jwt_secret only and `extra` flags: the JSON
/// report's text and the summary.
fn cracked(name: &str, extra: &[&str]) -> (String, String) {
    let path = temp(&format!("{name}.json"));
    let report = format!("json:{}", path.display());
    let mut args = ONLY_CRACKING.to_vec();
    args.extend(["--report", &report]);
    args.extend_from_slice(extra);
    let out = apiprobe(&args);
    assert!(matches!(out.status.code(), Some(0 | 1)), "{}", text(&out));
    let json = std::fs::read_to_string(&path).expect("the report was written");
    (json, String::from_utf8_lossy(&out.stdout).into_owned())
}

fn finding<'a>(report: &'a Report, signature: &str) -> &'a apiprobe::checks::Finding {
    report
        .findings
        .iter()
        .find(|f| f.check == "weak_jwt_secret" && f.signature == signature)
        .unwrap_or_else(|| panic!("no {signature}: {:#?}", report.findings))
}

fn proof<'a>(f: &'a apiprobe::checks::Finding, name: &str) -> &'a str {
    f.proof
        .iter()
        .find(|p| p.name == name)
        .map(|p| p.value.as_str())
        .unwrap_or_default()
}

#[test]
fn cracked_secrets_are_masked_unless_shown() {
    let (json, _) = cracked("masked", &[]);
    assert!(
        !json.contains("482913") && !json.contains("keyboard"),
        "{json}"
    );
    let report: Report = serde_json::from_str(&json).expect("a report");
    let partner = finding(&report, "weak_secret:partner-gateway");
    assert_eq!(proof(partner, "secret"), "***");
    assert_eq!(proof(partner, "source"), "numbers of up to 6 digits");
    assert!(partner.title.ends_with("***"), "{}", partner.title);
    let (json, _) = cracked("shown", &["--show-secrets"]);
    let report: Report = serde_json::from_str(&json).expect("a report");
    assert_eq!(
        proof(finding(&report, "weak_secret:partner-gateway"), "secret"),
        "482913"
    );
    assert_eq!(
        proof(finding(&report, "weak_secret:kiosk-service"), "secret"),
        "keyboard"
    );
}

#[test]
fn a_list_of_ones_own_is_tried_first_from_the_flag_or_the_file() {
    let words = temp("words.txt");
    std::fs::write(&words, "not-it\r\n\nkeyboard\n").expect("written");
    let words = words.to_str().expect("a path").to_owned();
    let (json, _) = cracked("flag", &["--jwt-wordlist", &words]);
    let report: Report = serde_json::from_str(&json).expect("a report");
    let kiosk = finding(&report, "weak_secret:kiosk-service");
    assert_eq!(proof(kiosk, "source"), "your list (--jwt-wordlist)");
    // the same list from apiprobe.toml
    let dir = temp("config");
    std::fs::create_dir_all(&dir).expect("dir");
    std::fs::write(
        dir.join("apiprobe.toml"),
        format!("jwt-wordlist = {words:?}\n"),
    )
    .expect("written");
    let path = dir.join("report.json");
    let report_flag = format!("json:{}", path.display());
    let mut args = ONLY_CRACKING.to_vec();
    args.extend(["--report", &report_flag]);
    let out = run_in(&dir, &args);
    assert!(matches!(out.status.code(), Some(0 | 1)), "{}", text(&out));
    let report: Report =
        serde_json::from_str(&std::fs::read_to_string(&path).expect("written")).expect("a report");
    let kiosk = finding(&report, "weak_secret:kiosk-service");
    assert_eq!(proof(kiosk, "source"), "your list (--jwt-wordlist)");
}

#[test]
fn the_repaired_demos_random_keys_resist_and_the_summary_says_so() {
    let (json, summary) = cracked("fixed", &["--fixed"]);
    let report: Report = serde_json::from_str(&json).expect("a report");
    assert!(
        report.findings.iter().all(|f| f.check != "weak_jwt_secret"),
        "{:#?}",
        report.findings
    );
    for deployment in [
        "HS256 token seen in POST /partner/token (issuer \"partner-gateway\") resisted",
        "HS384 token seen in POST /kiosk/session (issuer \"kiosk-service\") resisted",
    ] {
        let line = summary
            .lines()
            .find(|l| l.contains(deployment))
            .unwrap_or_else(|| panic!("no note for {deployment}: {summary}"));
        assert!(line.starts_with("note: weak_jwt_secret:"), "{line}");
        assert!(line.contains("numbers of up to 6 digits"), "{line}");
        assert!(line.contains("gave up"), "{line}");
    }
    assert!(
        report.notes.iter().any(|n| n.contains("partner-gateway")),
        "{:?}",
        report.notes
    );
}

#[test]
fn an_unreadable_jwt_wordlist_is_a_usage_error() {
    let out = apiprobe(&[
        "demo",
        "--quiet",
        "--jwt-wordlist",
        "/nonexistent/apiprobe-jwt.txt",
    ]);
    assert_eq!(out.status.code(), Some(2), "{}", text(&out));
    assert!(String::from_utf8_lossy(&out.stderr).contains("--jwt-wordlist"));
}
