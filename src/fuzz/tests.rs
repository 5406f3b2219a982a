//! Unit tests of the fuzz module: input layout, dictionary escaping and
//! words, in-process exchanges with the demo API (feature `demo`).

use super::*;
#[cfg(feature = "demo")]
use crate::demo::{DemoConfig, router};
use crate::probes::ProbeKind;

fn demo_target() -> FuzzTarget {
    FuzzTarget::new(
        crate::spec::load_str(include_str!("../../specs/demo.yaml"), "demo.yaml")
            .expect("the demo spec loads"),
        FuzzOptions::default(),
    )
    .expect("a target")
}

#[test]
fn layout_reads_missing_bytes_as_zero_and_round_trips() {
    let empty = InputLayout::parse(&[]);
    assert_eq!(
        (empty.operation, empty.probe, empty.choices),
        (0, 0, &[][..])
    );
    let bytes = InputLayout::encode(513, 7, &[1, 2, 3]);
    assert_eq!(bytes, [1, 2, 7, 1, 2, 3]);
    let back = InputLayout::parse(&bytes);
    assert_eq!(
        (back.operation, back.probe, back.choices),
        (513, 7, &[1, 2, 3][..])
    );
    assert_eq!(InputLayout::parse(&[9]).operation, 9);
}

#[test]
fn escape_follows_the_libfuzzer_format() {
    assert_eq!(escape(b"abc"), "\"abc\"");
    assert_eq!(escape(b"a\"b\\c"), "\"a\\\"b\\\\c\"");
    assert_eq!(escape(b"\n\x00\xff"), "\"\\x0A\\x00\\xFF\"");
    assert_eq!(escape("é".as_bytes()), "\"\\xC3\\xA9\"");
}

#[test]
fn the_demo_dictionary_holds_paths_names_and_enum_values() {
    let target = demo_target();
    let dict = dictionary(target.api());
    let lines: Vec<&str> = dict.lines().collect();
    assert!(lines[0].starts_with('#'));
    for word in [
        "\"/notes/{id}\"",
        "\"notes\"",
        "\"sku\"",
        "\"application/json\"",
    ] {
        assert!(lines.contains(&word), "{word} missing from:\n{dict}");
    }
    // every entry is quoted, and no entry is longer than libFuzzer reads
    for line in &lines[1..] {
        assert!(line.starts_with('"') && line.ends_with('"'), "{line}");
    }
    let words = super::dict::words(target.api());
    assert!(
        words
            .iter()
            .all(|w| !w.is_empty() && w.len() <= MAX_ENTRY_BYTES)
    );
    let unique: std::collections::HashSet<_> = words.iter().collect();
    assert_eq!(unique.len(), words.len());
}

#[test]
fn every_input_chooses_an_operation_and_a_probe() {
    let target = demo_target();
    let n = target.probes().len();
    assert_eq!(n, target.api().operations.len());
    // byte 0 picks the operation (wrapping), byte 2 the probe
    let a = target.case(&[1, 0, 0]).expect("a positive case");
    assert_eq!(a.operation, target.probes()[1].0);
    assert_eq!(a.probe, ProbeKind::Positive);
    let wrapped = target.case(&[(n + 1) as u8, 0, 0]).expect("a case");
    assert_eq!(wrapped.operation, a.operation);
    let kinds = &target.probes()[1].1;
    let last = (kinds.len() - 1) as u8;
    let probe = target.case(&[1, 0, last]).map(|c| c.probe);
    assert!(probe.is_none() || probe.as_ref() == kinds.last());
    // the same bytes, the same request
    let data = [3, 0, 1, 200, 17, 99, 4, 250];
    let x = target.case(&data).map(|c| c.case.request);
    let y = target.case(&data).map(|c| c.case.request);
    assert_eq!(x, y);
}

#[test]
fn seeds_are_one_positive_input_per_operation() {
    let target = demo_target();
    let seeds = seeds(&target, 16, 1);
    assert_eq!(seeds.len(), target.api().operations.len());
    for s in &seeds {
        let case = target.case(&s.bytes).expect("a seed makes a case");
        assert_eq!(case.probe, ProbeKind::Positive);
        assert_eq!(target.api().operations[case.operation].id, s.operation);
    }
    assert_eq!(seeds, super::seeds(&target, 16, 1));
}

#[cfg(feature = "demo")]
#[test]
fn an_in_process_exchange_reads_the_demo_response() {
    let target = demo_target();
    let health = target
        .probes()
        .iter()
        .position(|(i, _)| target.api().operations[*i].path == "/health")
        .expect("a /health operation") as u16;
    let run = target.run(
        router(DemoConfig { fixed: true }),
        &InputLayout::encode(health, 0, &[]),
    );
    let exchange = run.exchange.expect("an exchange");
    let response = exchange.response().expect("a response");
    assert_eq!(response.status, 200);
    assert!(exchange.request.url.starts_with("http://localhost/health"));
    assert!(!response.body.is_empty());
    assert!(run.findings.is_empty(), "{:#?}", run.findings);
}

#[test]
fn a_failing_body_and_a_panic_are_crashes() {
    use std::convert::Infallible;
    let target = demo_target();
    // a service whose body fails on its first poll
    let failing = tower::service_fn(|_req: http::Request<ReqBody>| async {
        let stream = futures_util::stream::once(async {
            Err::<http_body::Frame<bytes::Bytes>, std::io::Error>(std::io::Error::other("boom"))
        });
        Ok::<_, Infallible>(http::Response::new(http_body_util::StreamBody::new(stream)))
    });
    let run = target.run(failing, &[0, 0, 0]);
    assert!(
        run.findings.iter().any(|f| f.check == "crash"),
        "{:#?}",
        run.findings
    );
    let panicking = tower::service_fn(|_req: http::Request<ReqBody>| async {
        if true {
            panic!("handler bug");
        }
        Ok::<_, Infallible>(http::Response::new(
            http_body_util::Empty::<bytes::Bytes>::new(),
        ))
    });
    let run = target.run(panicking, &[0, 0, 0]);
    let crash = run.findings.iter().find(|f| f.check == "crash");
    assert!(crash.is_some(), "{:#?}", run.findings);
    let failure = run
        .exchange
        .and_then(|e| e.failure().cloned())
        .expect("a failure");
    assert!(
        failure.message.contains("handler bug"),
        "{}",
        failure.message
    );
}

#[cfg(feature = "demo")]
#[test]
fn check_panics_with_the_findings_description() {
    let target = demo_target();
    let health = target
        .probes()
        .iter()
        .position(|(i, _)| target.api().operations[*i].path == "/health")
        .expect("a /health operation") as u16;
    // the flawed demo sends a version-revealing banner on every response
    let flawed = std::panic::catch_unwind(|| {
        target.check(
            router(DemoConfig::default()),
            &InputLayout::encode(health, 0, &[]),
        )
    });
    let message = flawed.expect_err("a finding panics");
    let text = message
        .downcast_ref::<String>()
        .cloned()
        .unwrap_or_default();
    assert!(text.contains("server_banner"), "{text}");
    assert!(text.contains("curl"), "{text}");
    target.check(
        router(DemoConfig { fixed: true }),
        &InputLayout::encode(health, 0, &[]),
    );
}
