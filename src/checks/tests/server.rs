use std::time::Duration;

use super::*;

#[test]
fn a_5xx_is_a_server_error_and_a_4xx_is_not() {
    let api = api();
    let op = op(api, "getItem");
    let body = format!("oops {}", "x".repeat(500));
    let found = positive("not_a_server_error", api, op, &json(op, 500, &body));
    assert_eq!(signatures(&found), ["500"]);
    assert_eq!(found[0].title, "500 Internal Server Error");
    assert!(found[0].evidence.contains("500"));
    assert!(found[0].evidence.contains("oops xxx"));
    // the body is quoted, not copied whole
    assert!(found[0].evidence.len() < 300, "{}", found[0].evidence);

    let found = positive("not_a_server_error", api, op, &json(op, 503, ""));
    assert_eq!(signatures(&found), ["503"]);
    assert_eq!(found[0].title, "503 Service Unavailable");

    for status in [200, 404, 499] {
        assert!(positive("not_a_server_error", api, op, &json(op, status, "{}")).is_empty());
    }
    let reset = failed(op, FailureKind::Reset, "connection reset");
    assert!(positive("not_a_server_error", api, op, &reset).is_empty());
}

#[test]
fn an_unregistered_5xx_status_has_a_bare_title() {
    let api = api();
    let op = op(api, "getItem");
    let found = positive("not_a_server_error", api, op, &json(op, 599, ""));
    assert_eq!(signatures(&found), ["599"]);
    assert_eq!(found[0].title, "599");
}

#[test]
fn crashes_are_the_failures_where_the_server_misbehaved() {
    let api = api();
    let op = op(api, "getItem");
    for kind in [
        FailureKind::Reset,
        FailureKind::Closed,
        FailureKind::BodyAborted,
        FailureKind::Malformed,
    ] {
        let found = positive("crash", api, op, &failed(op, kind, "the message"));
        assert_eq!(signatures(&found), [kind.as_str()]);
        assert_eq!(found[0].evidence, "the message");
        assert!(!found[0].title.is_empty());
    }
    for kind in [
        FailureKind::Connect,
        FailureKind::Timeout,
        FailureKind::Tls,
        FailureKind::Redirect,
        FailureKind::Other,
    ] {
        assert!(positive("crash", api, op, &failed(op, kind, "m")).is_empty());
    }
    assert!(positive("crash", api, op, &json(op, 500, "{}")).is_empty());
}

#[test]
fn slow_responses_and_timeouts_break_the_time_limit() {
    let api = api();
    let op = op(api, "getItem");
    let settings = || Settings {
        max_response_time: Duration::from_millis(100),
        ..Settings::default()
    };
    let run = |exchange: &Exchange| {
        verdicts_with(
            "max_response_time",
            settings(),
            api,
            op,
            &ProbeKind::Positive,
            &case(op),
            exchange,
        )
    };

    let mut slow = json(op, 200, "{}");
    slow.elapsed = Duration::from_millis(250);
    let found = run(&slow);
    assert_eq!(signatures(&found), ["slow"]);
    assert!(
        found[0].evidence.contains("250 ms"),
        "{}",
        found[0].evidence
    );
    assert!(
        found[0].evidence.contains("100 ms"),
        "{}",
        found[0].evidence
    );

    // just over the limit: the evidence shows the difference (the figures
    // are not both rounded to "100 ms")
    for (took, shown) in [
        (
            Duration::from_micros(100_400),
            "took 100.4 ms; the limit is 100.0 ms",
        ),
        (
            Duration::from_nanos(100_000_070),
            "took 100.0001 ms; the limit is 100.0000 ms",
        ),
        (
            Duration::from_micros(100_600),
            "took 101 ms; the limit is 100 ms",
        ),
    ] {
        let mut barely = json(op, 200, "{}");
        barely.elapsed = took;
        let found = run(&barely);
        assert_eq!(signatures(&found), ["slow"]);
        assert!(found[0].evidence.contains(shown), "{}", found[0].evidence);
    }

    // just at the limit is not over it
    let mut on_time = json(op, 200, "{}");
    on_time.elapsed = Duration::from_millis(100);
    assert!(run(&on_time).is_empty());

    let mut timeout = failed(op, FailureKind::Timeout, "operation timed out");
    timeout.elapsed = Duration::from_millis(5000);
    let found = run(&timeout);
    assert_eq!(signatures(&found), ["timeout"]);
    assert!(
        found[0].evidence.contains("5000 ms"),
        "{}",
        found[0].evidence
    );
    assert!(found[0].evidence.contains("operation timed out"));

    // a slow failure of another kind is the crash check's business
    let mut reset = failed(op, FailureKind::Reset, "reset");
    reset.elapsed = Duration::from_millis(5000);
    assert!(run(&reset).is_empty());
}

#[test]
fn a_status_outside_100_to_599_is_broken_http_not_a_server_error() {
    let api = api();
    let op = op(api, "getItem");
    for status in [999, 600, 99] {
        let exchange = json(op, status, "{}");
        assert!(
            positive("not_a_server_error", api, op, &exchange).is_empty(),
            "{status}"
        );
        let found = positive("crash", api, op, &exchange);
        assert_eq!(signatures(&found), ["malformed"], "{status}");
        assert_eq!(found[0].title, "Response is not valid HTTP");
        assert!(
            found[0]
                .evidence
                .starts_with(&format!("status {status} is outside 100-599")),
            "{}",
            found[0].evidence
        );
    }
    for status in [100, 200, 599] {
        assert!(positive("crash", api, op, &json(op, status, "{}")).is_empty());
    }
}
