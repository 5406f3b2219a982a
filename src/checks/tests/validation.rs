use super::*;
use crate::generate::{CaseGenerator, Options, Payloads, Seeded, Slot, Violation, ViolationKind};

/// A negative case for `op` generated from `seed`, if the generator made one.
fn negative_case(api: &Api, op: &Operation, seed: u64) -> Option<Case> {
    let payloads = Payloads::new();
    let mut cases = CaseGenerator::new(api, Options::default(), &payloads);
    cases
        .case(op, Intent::Negative, &mut Seeded::new(seed))
        .expect("the case can be sent")
}

/// A plain case carrying a hand-made violation.
fn violating(op: &Operation, slot: Slot, violation: Violation) -> Case {
    Case {
        intent: Intent::Negative,
        violation: Some((slot, violation)),
        ..case(op)
    }
}

#[test]
fn accepted_negative_data_is_reported_by_slot_and_keyword() {
    let api = api();
    let op = op(api, "getItem");
    let mut seen = 0;
    for case in (0..100)
        .filter_map(|seed| negative_case(api, op, seed))
        .take(20)
    {
        let (slot, violation) = case
            .violation
            .clone()
            .expect("a negative case breaks something");
        let run = |status| {
            verdicts(
                "negative_data_rejection",
                api,
                op,
                &ProbeKind::Negative,
                &case,
                &json(op, status, "{}"),
            )
        };
        let found = run(200);
        let want = format!(
            "{}:{}{}:{}",
            slot.location, slot.name, slot.pointer, violation.keyword
        );
        assert_eq!(signatures(&found), [want.as_str()]);
        assert!(
            found[0].evidence.contains(violation.keyword),
            "{}",
            found[0].evidence
        );
        assert!(
            found[0].evidence.contains(&slot.name),
            "{}",
            found[0].evidence
        );
        assert_eq!(signatures(&run(204)), [want.as_str()]);
        // rejected: as it should be
        for status in [400, 404, 422, 500] {
            assert!(run(status).is_empty(), "{status}");
        }
        seen += 1;
    }
    assert_eq!(seen, 20);
}

#[test]
fn negative_signatures_name_the_slot_pointer_and_keyword() {
    let api = api();
    let op = op(api, "createItem");
    let case = violating(
        op,
        Slot {
            location: "body",
            name: "application/json".into(),
            pointer: "/name".into(),
        },
        Violation {
            kind: ViolationKind::TooLong,
            keyword: "maxLength",
            pointer: "/name".into(),
        },
    );
    let exchange = json(op, 201, "{}");
    let found = verdicts(
        "negative_data_rejection",
        api,
        op,
        &ProbeKind::Negative,
        &case,
        &exchange,
    );
    assert_eq!(signatures(&found), ["body:application/json/name:maxLength"]);
    let evidence = &found[0].evidence;
    for part in ["maxLength", "too_long", "application/json", "/name", "201"] {
        assert!(evidence.contains(part), "{part} in {evidence}");
    }

    let query = violating(
        op,
        Slot {
            location: "query",
            name: "limit".into(),
            pointer: String::new(),
        },
        Violation {
            kind: ViolationKind::AboveMaximum,
            keyword: "maximum",
            pointer: String::new(),
        },
    );
    let found = verdicts(
        "negative_data_rejection",
        api,
        op,
        &ProbeKind::Negative,
        &query,
        &exchange,
    );
    assert_eq!(signatures(&found), ["query:limit:maximum"]);
}

#[test]
fn only_negative_probes_with_a_violation_are_judged() {
    let api = api();
    let op = op(api, "getItem");
    let exchange = json(op, 200, "{}");
    let case = (0..100)
        .find_map(|seed| negative_case(api, op, seed))
        .expect("a negative case");
    for probe in [
        ProbeKind::Positive,
        ProbeKind::Boundary,
        ProbeKind::Attack("sqli".into()),
        ProbeKind::MissingRequiredHeader("X-Request-Id".into()),
    ] {
        let found = verdicts("negative_data_rejection", api, op, &probe, &case, &exchange);
        assert!(found.is_empty(), "{probe:?}");
    }
    // a negative probe without a violation has nothing to reject
    let plain = super::case(op);
    assert!(
        verdicts(
            "negative_data_rejection",
            api,
            op,
            &ProbeKind::Negative,
            &plain,
            &exchange
        )
        .is_empty()
    );
    // no response, nothing accepted
    let reset = failed(op, FailureKind::Reset, "reset");
    assert!(
        verdicts(
            "negative_data_rejection",
            api,
            op,
            &ProbeKind::Negative,
            &case,
            &reset
        )
        .is_empty()
    );
}

#[test]
fn valid_data_rejected_as_invalid_is_reported() {
    let api = api();
    let op = op(api, "createItem");
    for status in [400, 415, 422] {
        let found = positive(
            "positive_data_acceptance",
            api,
            op,
            &json(op, status, r#"{"error":"bad"}"#),
        );
        assert_eq!(signatures(&found), [status.to_string().as_str()]);
        assert!(found[0].evidence.contains("bad"), "{}", found[0].evidence);
    }
    // not a verdict on the data
    for status in [200, 201, 401, 403, 404, 409, 500] {
        let found = positive("positive_data_acceptance", api, op, &json(op, status, "{}"));
        assert!(found.is_empty(), "{status}");
    }
    // only positive probes promise valid data
    let exchange = json(op, 400, "{}");
    for probe in [
        ProbeKind::Boundary,
        ProbeKind::Negative,
        ProbeKind::Attack("xss".into()),
    ] {
        let found = verdicts(
            "positive_data_acceptance",
            api,
            op,
            &probe,
            &case(op),
            &exchange,
        );
        assert!(found.is_empty(), "{probe:?}");
    }
}

#[test]
fn a_request_without_a_required_header_must_not_succeed() {
    let api = api();
    let op = op(api, "getItem");
    let probe = ProbeKind::MissingRequiredHeader("X-Request-Id".into());
    let run = |probe: &ProbeKind, status| {
        verdicts(
            "missing_required_header",
            api,
            op,
            probe,
            &case(op),
            &json(op, status, "{}"),
        )
    };
    let found = run(&probe, 200);
    assert_eq!(signatures(&found), ["x-request-id"]);
    assert!(
        found[0].evidence.contains("X-Request-Id"),
        "{}",
        found[0].evidence
    );
    assert!(run(&probe, 400).is_empty());
    assert!(run(&probe, 500).is_empty());
    assert!(run(&ProbeKind::Positive, 200).is_empty());
}

#[test]
fn an_undeclared_method_must_get_405() {
    let api = demo();
    let op = op(api, "getVersion");
    let probe = ProbeKind::UnsupportedMethod("DELETE");
    let run =
        |exchange: &Exchange| verdicts("unsupported_method", api, op, &probe, &case(op), exchange);

    let found = run(&json(op, 500, "{}"));
    assert_eq!(signatures(&found), ["DELETE"]);
    assert_eq!(
        found[0].evidence,
        "DELETE /version answered 500, expected 405"
    );
    assert_eq!(signatures(&run(&json(op, 200, "{}"))), ["DELETE"]);
    assert_eq!(signatures(&run(&json(op, 404, "{}"))), ["DELETE"]);

    // 405 (with or without Allow) and 501 are right
    assert!(run(&answered(op, 405, &[], "")).is_empty());
    assert!(run(&answered(op, 405, &[("allow", "GET")], "")).is_empty());
    assert!(run(&answered(op, 501, &[], "")).is_empty());
    // failures are the crash check's business
    assert!(run(&failed(op, FailureKind::Closed, "closed")).is_empty());
    // other probes are not about methods
    let exchange = json(op, 500, "{}");
    assert!(
        verdicts(
            "unsupported_method",
            api,
            op,
            &ProbeKind::Positive,
            &case(op),
            &exchange
        )
        .is_empty()
    );
}

#[test]
fn a_negative_whose_broken_value_was_replaced_on_the_way_out_is_not_judged() {
    use crate::http::RequestBody;
    let api = api();
    let op = op(api, "getItem");
    let with_body = |text: &str| {
        Some(RequestBody {
            content_type: "application/json".to_owned(),
            bytes: text.as_bytes().to_vec(),
        })
    };
    let judge = |kind: ViolationKind, pointer: &str, meant: &str, sent: &str| {
        let slot = Slot {
            location: "body",
            name: "application/json".to_owned(),
            pointer: pointer.to_owned(),
        };
        let violation = Violation {
            kind,
            keyword: "minLength",
            pointer: pointer.to_owned(),
        };
        let mut case = violating(op, slot, violation);
        case.request.body = with_body(meant);
        let mut exchange = json(op, 200, "{}");
        exchange.request.request.body = with_body(sent);
        verdicts(
            "negative_data_rejection",
            api,
            op,
            &ProbeKind::Negative,
            &case,
            &exchange,
        )
        .len()
    };
    let meant = r#"{"newPassword":"ab","note":"x"}"#;
    // sent as generated: the server accepted the broken value
    assert_eq!(
        judge(ViolationKind::TooShort, "/newPassword", meant, meant),
        1
    );
    // the password field went out as the login's own password: a valid request
    let kept = r#"{"newPassword":"ann-pass-1","note":"x"}"#;
    assert_eq!(
        judge(ViolationKind::TooShort, "/newPassword", meant, kept),
        0
    );
    // another field replaced: the broken one still went out
    let other = r#"{"newPassword":"ab","note":"y"}"#;
    assert_eq!(
        judge(ViolationKind::TooShort, "/newPassword", meant, other),
        1
    );
    // a missing field stays missing when other fields get new values
    assert_eq!(judge(ViolationKind::MissingRequired, "", meant, kept), 1);
    assert_eq!(judge(ViolationKind::WrongType, "", meant, kept), 0);
}
