//! `--login` and `apiprobe demo`'s own sign-in, as a user runs them: the demo
//! signs in with no flags so the authentication probes have a token; a
//! refused login is an error that says where and what.
#![cfg(feature = "demo")]

use crate::support;

use std::path::PathBuf;

use apiprobe::demo::{DemoConfig, serve};
use apiprobe::report::Report;
use support::cli::run as apiprobe;

fn temp(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("apiprobe-cli-login-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    dir.join(name)
}

#[test]
fn demo_signs_in_by_itself_and_finds_the_auth_flaws() {
    let path = temp("demo.json");
    let out = apiprobe(&[
        "demo",
        "--seed",
        "2",
        "--quiet",
        "--cases",
        "1",
        "--attacks",
        "0",
        "--checks",
        "ignored_auth,jwt_forgery,weak_jwt_secret,sensitive_data_exposure",
        "--report",
        &format!("json:{}", path.display()),
    ]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = std::fs::read_to_string(&path).expect("the report was written");
    let report: Report = serde_json::from_str(&text).expect("a report");
    let found = |check: &str, op: &str| {
        report
            .findings
            .iter()
            .any(|f| f.check == check && (op.is_empty() || f.operation.id == op))
    };
    let listing: Vec<String> = report
        .findings
        .iter()
        .map(|f| format!("{} {}", f.check, f.operation.id))
        .collect();
    assert!(found("ignored_auth", "listNotes"), "{listing:#?}");
    assert!(found("jwt_forgery", ""), "{listing:#?}");
    assert!(found("weak_jwt_secret", ""), "{listing:#?}");
    // only a signed-in caller sees the user list with its hashes
    assert!(
        found("sensitive_data_exposure", "listUsers"),
        "{listing:#?}"
    );
}

#[test]
fn a_refused_login_is_a_usage_error_naming_the_operation() {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("a runtime");
    let server = runtime
        .block_on(serve(DemoConfig::default()))
        .expect("the demo starts");
    let url = server.base_url();
    let out = apiprobe(&[
        "scan",
        "specs/demo.yaml",
        "--url",
        &url,
        "--login",
        "alice:not-her-password",
        "--quiet",
    ]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("--login"), "{stderr}");
    assert!(stderr.contains("401"), "{stderr}");
    let out = apiprobe(&["scan", "specs/demo.yaml", "--url", &url, "--login", "alice"]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("user:password"), "{stderr}");
    drop(server);
}

/// A login operation whose server refuses every sign-in with a message
/// that echoes the password it was sent, as some frameworks' debug
/// answers do.
const ECHO_SPEC: &str = r#"openapi: 3.0.3
info: { title: echoing login, version: "1" }
paths:
  /session/new:
    post:
      operationId: login
      requestBody:
        required: true
        content:
          application/json:
            schema:
              type: object
              properties:
                username: { type: string }
                password: { type: string }
      responses:
        "200": { description: signed in }
        "401": { description: refused }
"#;

/// Serves `connections` connections on 127.0.0.1, answering each request
/// 401 with `body`; the thread ends after them.
fn refusing_server(body: String, connections: usize) -> String {
    use std::io::Write as _;
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let url = format!("http://{}", listener.local_addr().expect("an address"));
    std::thread::spawn(move || {
        for stream in listener.incoming().take(connections) {
            let Ok(mut socket) = stream else { continue };
            let _ = socket.set_read_timeout(Some(std::time::Duration::from_secs(10)));
            let mut buf = Vec::new();
            if support::raw::read_request_blocking(&mut socket, &mut buf).is_none() {
                continue;
            }
            let answer = format!(
                "HTTP/1.1 401 Unauthorized\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{body}",
                body.len()
            );
            let _ = socket.write_all(answer.as_bytes());
        }
    });
    url
}

#[test]
fn a_refused_sign_in_never_prints_the_password_it_echoes() {
    let password = "Tr0ub4dor-and-3";
    let dir = std::env::temp_dir().join(format!("apiprobe-cli-login-echo-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    let spec = dir.join("spec.yaml");
    std::fs::write(&spec, ECHO_SPEC).expect("write the spec");
    let body = format!(r#"{{"error":"wrong password '{password}' for alice"}}"#);
    for flag in [
        vec!["--login".to_owned(), format!("alice:{password}")],
        vec![
            "--identity".to_owned(),
            format!("alice=login:alice:{password}"),
        ],
    ] {
        let url = refusing_server(body.clone(), 4);
        let mut args = vec![
            "scan",
            spec.to_str().expect("a UTF-8 path"),
            "--url",
            &url,
            "--quiet",
            "--no-config",
        ];
        args.extend(flag.iter().map(String::as_str));
        let out = apiprobe(&args);
        let stderr = String::from_utf8_lossy(&out.stderr);
        let stdout = String::from_utf8_lossy(&out.stdout);
        assert_eq!(out.status.code(), Some(2), "{flag:?}: {stderr}");
        assert!(stderr.contains("401"), "{flag:?}: {stderr}");
        assert!(stderr.contains("wrong password"), "{flag:?}: {stderr}");
        assert!(
            !stderr.contains(password) && !stdout.contains(password),
            "{flag:?}: {stderr}{stdout}"
        );
    }
}
