use super::*;

const ITEM: &str = r#"{"id": 7, "name": "lamp", "created": "2024-02-29"}"#;

/// `getItem`'s 200 headers, all present and valid.
const GOOD_HEADERS: [(&str, &str); 2] =
    [("content-type", "application/json"), ("x-rate-limit", "99")];

fn method(m: &'static str) -> ProbeKind {
    ProbeKind::UnsupportedMethod(m)
}

#[test]
fn an_undocumented_status_is_reported_with_the_documented_ones() {
    let api = api();
    let op = op(api, "getItem");
    let found = positive("status_code_conformance", api, op, &json(op, 302, ""));
    assert_eq!(signatures(&found), ["302"]);
    assert!(found[0].title.contains("302 Found"), "{}", found[0].title);
    assert!(
        found[0].evidence.contains("200, 4XX"),
        "{}",
        found[0].evidence
    );
    let found = positive("status_code_conformance", api, op, &json(op, 500, "{}"));
    assert_eq!(signatures(&found), ["500"]);

    // exact and range declarations cover their statuses
    for status in [200, 400, 404, 499] {
        let found = positive("status_code_conformance", api, op, &json(op, status, "{}"));
        assert!(found.is_empty(), "{status}: {found:?}");
    }
}

#[test]
fn a_default_response_covers_every_status() {
    let api = api();
    let op = op(api, "getFile");
    for status in [200, 302, 418, 500] {
        assert!(positive("status_code_conformance", api, op, &json(op, status, "")).is_empty());
    }
}

#[test]
fn status_codes_are_not_judged_without_responses_or_for_other_methods() {
    let api = api();
    let op = op(api, "getItem");
    let exchange = json(op, 302, "");
    let probe = method("DELETE");
    assert!(
        verdicts(
            "status_code_conformance",
            api,
            op,
            &probe,
            &case(op),
            &exchange
        )
        .is_empty()
    );

    let mut bare = op.clone();
    bare.responses.clear();
    assert!(positive("status_code_conformance", api, &bare, &exchange).is_empty());
}

#[test]
fn an_undocumented_content_type_is_reported() {
    let api = api();
    let op = op(api, "getItem");
    let html = answered(
        op,
        200,
        &[("content-type", "text/html; charset=utf-8")],
        "<p>hi</p>",
    );
    let found = positive("content_type_conformance", api, op, &html);
    assert_eq!(signatures(&found), ["text/html for 200"]);
    assert!(found[0].evidence.contains("application/json"));

    // a problem+json body is not the documented application/json
    let problem = answered(
        op,
        404,
        &[("content-type", "application/problem+json")],
        "{}",
    );
    let found = positive("content_type_conformance", api, op, &problem);
    assert_eq!(signatures(&found), ["application/problem+json for 404"]);

    // the documented type, with parameters and in another case, is fine
    let fine = answered(
        op,
        200,
        &[("content-type", "Application/JSON; charset=UTF-8")],
        ITEM,
    );
    assert!(positive("content_type_conformance", api, op, &fine).is_empty());
}

#[test]
fn a_body_without_content_type_is_reported_and_no_body_is_fine() {
    let api = api();
    let op = op(api, "getItem");
    let found = positive(
        "content_type_conformance",
        api,
        op,
        &answered(op, 200, &[], ITEM),
    );
    assert_eq!(signatures(&found), ["none for 200"]);
    // no body, no content type to judge
    assert!(
        positive(
            "content_type_conformance",
            api,
            op,
            &answered(op, 200, &[], "")
        )
        .is_empty()
    );
    // undocumented statuses are another check's business
    let html = answered(op, 302, &[("content-type", "text/html")], "<p>moved</p>");
    assert!(positive("content_type_conformance", api, op, &html).is_empty());
}

#[test]
fn wildcard_media_types_cover_their_families() {
    let api = api();
    let op = op(api, "getFile");
    let text = |ct: &str| answered(op, 200, &[("content-type", ct)], "hello");
    assert!(positive("content_type_conformance", api, op, &text("text/plain")).is_empty());
    assert!(positive("content_type_conformance", api, op, &text("text/csv")).is_empty());
    let found = positive(
        "content_type_conformance",
        api,
        op,
        &text("application/json"),
    );
    assert_eq!(signatures(&found), ["application/json for 200"]);
    // `default` documents */*: anything goes
    let any = answered(op, 500, &[("content-type", "image/png")], "png");
    assert!(positive("content_type_conformance", api, op, &any).is_empty());
    // a status documented without content says nothing of the type
    let empty = answered(op, 204, &[("content-type", "image/png")], "png");
    assert!(positive("content_type_conformance", api, op, &empty).is_empty());
}

#[test]
fn content_types_are_not_judged_for_other_methods() {
    let api = api();
    let op = op(api, "getItem");
    let html = answered(op, 200, &[("content-type", "text/html")], "<p>hi</p>");
    let probe = method("PUT");
    assert!(
        verdicts(
            "content_type_conformance",
            api,
            op,
            &probe,
            &case(op),
            &html
        )
        .is_empty()
    );
}

#[test]
fn a_body_breaking_its_schema_is_reported_by_schema_location() {
    let api = api();
    let op = op(api, "getItem");
    let bad = json(op, 200, r#"{"id": "seven", "name": "lamp"}"#);
    let found = positive("response_schema_conformance", api, op, &bad);
    assert_eq!(found.len(), 1, "{found:?}");
    let v = &found[0];
    assert!(
        v.signature.ends_with("/properties/id/type for 200"),
        "{}",
        v.signature
    );
    assert!(v.evidence.contains("/id"), "{}", v.evidence);
    assert!(v.evidence.contains("\"seven\""), "{}", v.evidence);
    assert!(v.title.contains("type"), "{}", v.title);

    // another value breaking the same rule has the same signature
    let other = json(op, 200, r#"{"id": false, "name": "x"}"#);
    let again = positive("response_schema_conformance", api, op, &other);
    assert_eq!(signatures(&again), [v.signature.as_str()]);

    // a matching body is fine
    assert!(positive("response_schema_conformance", api, op, &json(op, 200, ITEM)).is_empty());
}

#[test]
fn missing_properties_and_bad_formats_break_the_schema() {
    let api = api();
    let op = op(api, "getItem");
    let found = positive(
        "response_schema_conformance",
        api,
        op,
        &json(op, 200, r#"{"id": 1}"#),
    );
    assert_eq!(found.len(), 1);
    assert!(
        found[0].signature.ends_with("/required for 200"),
        "{}",
        found[0].signature
    );

    let bad_date = r#"{"id": 1, "name": "a", "created": "yesterday"}"#;
    let found = positive(
        "response_schema_conformance",
        api,
        op,
        &json(op, 200, bad_date),
    );
    assert_eq!(found.len(), 1);
    assert!(
        found[0].signature.ends_with("/format for 200"),
        "{}",
        found[0].signature
    );

    // the 4XX schema is another schema: the same body is judged by it
    let error = json(op, 404, r#"{"error": "no such item"}"#);
    assert!(positive("response_schema_conformance", api, op, &error).is_empty());
    let found = positive("response_schema_conformance", api, op, &json(op, 404, ITEM));
    assert_eq!(found.len(), 1);
    assert!(
        found[0].signature.ends_with("/required for 404"),
        "{}",
        found[0].signature
    );
}

#[test]
fn a_body_that_is_not_json_is_reported() {
    let api = api();
    let op = op(api, "getItem");
    let found = positive(
        "response_schema_conformance",
        api,
        op,
        &json(op, 200, "{\"id\": 1,"),
    );
    assert_eq!(signatures(&found), ["invalid-json"]);
    let found = positive("response_schema_conformance", api, op, &json(op, 200, ""));
    assert_eq!(signatures(&found), ["invalid-json"]);
    assert!(found[0].evidence.contains("empty"), "{}", found[0].evidence);
}

#[test]
fn schemas_are_not_judged_when_the_body_cannot_be() {
    let api = api();
    let op = op(api, "getItem");
    let bad = r#"{"id": "seven"}"#;
    // not JSON by its type: the content-type check's business
    let html = answered(op, 200, &[("content-type", "text/html")], bad);
    assert!(positive("response_schema_conformance", api, op, &html).is_empty());
    // cut short: cannot be parsed whole
    let mut cut = json(op, 200, bad);
    if let Outcome::Response(r) = &mut cut.outcome {
        r.truncated = true;
    }
    assert!(positive("response_schema_conformance", api, op, &cut).is_empty());
    // undocumented status
    assert!(positive("response_schema_conformance", api, op, &json(op, 302, bad)).is_empty());
    // another method
    let probe = method("PATCH");
    let exchange = json(op, 200, bad);
    assert!(
        verdicts(
            "response_schema_conformance",
            api,
            op,
            &probe,
            &case(op),
            &exchange
        )
        .is_empty()
    );
    // and the same body is judged otherwise
    assert_eq!(
        positive("response_schema_conformance", api, op, &exchange).len(),
        1
    );
}

#[test]
fn a_documented_media_type_with_parameters_still_gives_its_schema() {
    let api = api();
    let op = op(api, "createItem");
    let found = positive(
        "response_schema_conformance",
        api,
        op,
        &json(op, 201, r#"{"id": 0, "name": "a"}"#),
    );
    assert_eq!(found.len(), 1, "{found:?}");
    assert!(
        found[0].signature.ends_with("/minimum for 201"),
        "{}",
        found[0].signature
    );
    assert!(positive("response_schema_conformance", api, op, &json(op, 201, ITEM)).is_empty());
}

#[test]
fn a_missing_required_header_is_reported() {
    let api = api();
    let op = op(api, "getItem");
    let without = json(op, 200, ITEM);
    let found = positive("response_headers_conformance", api, op, &without);
    assert_eq!(signatures(&found), ["missing:x-rate-limit"]);
    assert!(
        found[0].title.contains("X-Rate-Limit"),
        "{}",
        found[0].title
    );

    // present and valid: fine (the declared Content-Type, which the
    // response's does not match, is ignored)
    let with = answered(op, 200, &GOOD_HEADERS, ITEM);
    assert!(positive("response_headers_conformance", api, op, &with).is_empty());
}

#[test]
fn header_values_are_judged_by_their_schema() {
    let api = api();
    let op = op(api, "getItem");
    let with = |extra: &[(&'static str, &'static str)]| {
        let mut headers = GOOD_HEADERS.to_vec();
        headers.retain(|(n, _)| !extra.iter().any(|(e, _)| e == n));
        headers.extend_from_slice(extra);
        answered(op, 200, &headers, ITEM)
    };
    let check = |exchange: &Exchange| positive("response_headers_conformance", api, op, exchange);

    let found = check(&with(&[("x-rate-limit", "many")]));
    assert_eq!(signatures(&found), ["invalid:x-rate-limit"]);
    assert!(found[0].evidence.contains("many"), "{}", found[0].evidence);
    assert_eq!(
        signatures(&check(&with(&[("x-rate-limit", "-1")]))),
        ["invalid:x-rate-limit"]
    );
    assert_eq!(
        signatures(&check(&with(&[("x-cached", "yes")]))),
        ["invalid:x-cached"]
    );
    assert_eq!(
        signatures(&check(&with(&[("x-tags", "red, green")]))),
        ["invalid:x-tags"]
    );

    assert!(check(&with(&[("x-rate-limit", " 12 ")])).is_empty());
    assert!(check(&with(&[("x-cached", "false")])).is_empty());
    assert!(check(&with(&[("x-tags", "red, blue")])).is_empty());
}

#[test]
fn headers_are_not_judged_for_undocumented_statuses_or_other_methods() {
    let api = api();
    let op = op(api, "getItem");
    let exchange = json(op, 302, "");
    assert!(positive("response_headers_conformance", api, op, &exchange).is_empty());
    let exchange = json(op, 200, ITEM);
    let probe = method("POST");
    assert!(
        verdicts(
            "response_headers_conformance",
            api,
            op,
            &probe,
            &case(op),
            &exchange
        )
        .is_empty()
    );
}

#[test]
fn one_judge_remembers_conforming_bodies_per_schema_only() {
    // one judge over many exchanges, as in a scan: a body that conformed is
    // remembered for its schema, never for another, and bad bodies never are
    let api = api();
    let op = op(api, "getItem");
    let check = crate::checks::registry::find("response_schema_conformance").expect("the check");
    let judge = Judge::new(vec![check], Settings::default());
    let run = |exchange: &Exchange| {
        judge
            .judge(api, op, &ProbeKind::Positive, &case(op), exchange)
            .len()
    };
    let bad = json(op, 200, r#"{"id": "seven", "name": "lamp"}"#);
    for round in 0..3 {
        assert_eq!(run(&json(op, 200, ITEM)), 0, "round {round}");
        // the same bytes under the 4XX schema still break it
        assert_eq!(run(&json(op, 404, ITEM)), 1, "round {round}");
        assert_eq!(run(&bad), 1, "round {round}");
    }
    // more conforming bodies than are remembered push the first out; it is
    // judged afresh, and still conforms
    for id in 1..=20 {
        let body = format!(r#"{{"id": {id}, "name": "lamp", "created": "2024-02-29"}}"#);
        assert_eq!(run(&json(op, 200, &body)), 0);
    }
    assert_eq!(run(&json(op, 200, ITEM)), 0);
    assert_eq!(run(&bad), 1);
}
