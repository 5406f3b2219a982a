//! Arbitrary bytes as a spec (JSON or YAML, any version): loading returns a
//! model or an error, and never panics, hangs or overflows the stack
//! (libFuzzer reports a hang past `-timeout`, a crash on any panic).
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    // bytes that are not UTF-8 are read as a file reader would see them: lossily
    let text = String::from_utf8_lossy(data);
    let _ = apiprobe::spec::load_str(&text, "fuzz-input.yaml");
});
