use super::*;

const PYTHON: &str = "Traceback (most recent call last):\n  File \"/srv/app/views.py\", line 42, in get_report\n    return render(report)\nKeyError: 'name'\n";
const JAVA: &str = "java.lang.IllegalStateException: boom\n\tat com.acme.Orders.place(Orders.java:120)\n\tat com.acme.Api.handle(Api.java:33)\n";
const MYSQL: &str = "You have an error in your SQL syntax; check the manual that corresponds to your MySQL server version for the right syntax to use near ''1''' at line 1";
const SQLITE: &str = "sqlite3.OperationalError: near \"'\": syntax error";

fn text(op: &Operation, body: &str) -> Exchange {
    answered(op, 500, &[("content-type", "text/plain")], body)
}

#[test]
fn stack_traces_are_reported_once_per_language() {
    let api = api();
    let op = op(api, "getItem");
    let body = format!("{PYTHON}\n{JAVA}\n{PYTHON}");
    let found = positive("stack_trace_leak", api, op, &text(op, &body));
    let mut sigs = signatures(&found);
    sigs.sort_unstable();
    assert_eq!(sigs, ["java", "python"]);
    let python = found
        .iter()
        .find(|v| v.signature == "python")
        .expect("python");
    assert!(python.evidence.contains("Traceback"), "{}", python.evidence);
    assert!(python.title.contains("Python"), "{}", python.title);

    let found = positive("stack_trace_leak", api, op, &text(op, JAVA));
    assert_eq!(signatures(&found), ["java"]);
}

#[test]
fn text_that_only_looks_like_a_trace_is_not_one() {
    let api = api();
    let op = op(api, "getItem");
    for body in [
        "The word Traceback appears in our docs about debugging, most recent first.",
        "Please look at com.acme.Orders for examples (see Orders docs).",
        "",
    ] {
        assert!(
            positive("stack_trace_leak", api, op, &text(op, body)).is_empty(),
            "{body}"
        );
    }
    // an SQL error is not a trace
    assert!(positive("stack_trace_leak", api, op, &text(op, MYSQL)).is_empty());
    // no body at all
    assert!(
        positive(
            "stack_trace_leak",
            api,
            op,
            &failed(op, FailureKind::Reset, PYTHON)
        )
        .is_empty()
    );
}

#[test]
fn sql_errors_are_reported_once_per_engine() {
    let api = api();
    let op = op(api, "getItem");
    let body = format!("{MYSQL}\n{SQLITE}\n{MYSQL}");
    let found = positive("sql_error_leak", api, op, &text(op, &body));
    let mut sigs = signatures(&found);
    sigs.sort_unstable();
    assert_eq!(sigs, ["mysql", "sqlite"]);
    let mysql = found
        .iter()
        .find(|v| v.signature == "mysql")
        .expect("mysql");
    assert!(mysql.evidence.contains("SQL syntax"), "{}", mysql.evidence);
    assert!(mysql.title.contains("MySQL"), "{}", mysql.title);

    for body in [
        "PostgreSQL reports a syntax error when a query is malformed.",
        JAVA,
        r#"{"id": 1, "name": "select * from the catalogue"}"#,
    ] {
        assert!(
            positive("sql_error_leak", api, op, &text(op, body)).is_empty(),
            "{body}"
        );
    }
}

#[test]
fn version_banners_are_reported_per_header() {
    let api = api();
    let op = op(api, "getItem");
    let exchange = answered(
        op,
        200,
        &[
            ("server", "nginx/1.18.0"),
            ("x-powered-by", "PHP/7.4.3"),
            ("x-aspnet-version", "4.0.30319"),
        ],
        "{}",
    );
    let found = positive("server_banner", api, op, &exchange);
    assert_eq!(
        signatures(&found),
        [
            "server: nginx/1.18.0",
            "x-powered-by: PHP/7.4.3",
            "x-aspnet-version: 4.0.30319"
        ]
    );
    let titles: Vec<&str> = found.iter().map(|v| v.title.as_str()).collect();
    assert_eq!(
        titles,
        [
            "Server reveals nginx/1.18.0",
            "X-Powered-By reveals PHP/7.4.3",
            "X-AspNet-Version reveals 4.0.30319"
        ]
    );
}

#[test]
fn banners_without_a_version_are_fine() {
    let api = api();
    let op = op(api, "getItem");
    let exchange = answered(
        op,
        200,
        &[
            ("server", "nginx"),
            ("x-powered-by", "Express"),
            ("via", "1.1 varnish/6.0"),
        ],
        "nginx/1.18.0",
    );
    assert!(positive("server_banner", api, op, &exchange).is_empty());
    assert!(
        positive(
            "server_banner",
            api,
            op,
            &failed(op, FailureKind::Closed, "nginx/1.18.0")
        )
        .is_empty()
    );
}

#[test]
fn one_judge_finds_a_repeated_leak_every_time() {
    // one judge over many exchanges, as in a scan: clean bodies are
    // remembered as clean, a leaking body never is
    let api = api();
    let op = op(api, "getItem");
    let check = find("stack_trace_leak").expect("the check");
    let judge = Judge::new(vec![check], Settings::default());
    let run = |exchange: &Exchange| {
        judge
            .judge(api, op, &ProbeKind::Positive, &case(op), exchange)
            .len()
    };
    let leaking = text(op, JAVA);
    let clean = text(op, "nothing to see");
    for round in 0..3 {
        assert_eq!(run(&clean), 0, "round {round}");
        assert_eq!(run(&leaking), 1, "round {round}");
    }
    // the clean bytes remembered under one status are judged alike under another
    assert_eq!(
        run(&answered(
            op,
            200,
            &[("content-type", "text/plain")],
            "nothing to see"
        )),
        0
    );
    assert_eq!(
        run(&answered(op, 200, &[("content-type", "text/plain")], JAVA)),
        1
    );
}
