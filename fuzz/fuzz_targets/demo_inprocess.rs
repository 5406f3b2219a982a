//! Fuzzer bytes become spec-conforming requests for the demo API (positive,
//! boundary, negative, attack, undeclared methods, missing headers), sent to
//! its axum router in-process; the scan's checks judge each response and a
//! finding panics with its description, so libFuzzer keeps the input.
//!
//! `APIPROBE_DEMO_FIXED=1` fuzzes the repaired demo; `APIPROBE_FUZZ_CHECKS`
//! and `APIPROBE_FUZZ_EXCLUDE_CHECKS` choose the checks.
#![no_main]

use std::sync::LazyLock;

use apiprobe::demo::{DemoConfig, router};
use apiprobe::fuzz::FuzzTarget;
use libfuzzer_sys::fuzz_target;

static TARGET: LazyLock<FuzzTarget> = LazyLock::new(|| {
    FuzzTarget::from_spec_str(include_str!("../../specs/demo.yaml"), "specs/demo.yaml")
        .expect("the demo spec loads")
});

static FIXED: LazyLock<bool> =
    LazyLock::new(|| std::env::var("APIPROBE_DEMO_FIXED").is_ok_and(|v| v == "1"));

fuzz_target!(|data: &[u8]| {
    // a fresh router (and database) per input: every input replays alone
    TARGET.check(router(DemoConfig { fixed: *FIXED }), data);
});
