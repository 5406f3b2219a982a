//! How fast the leak matcher scans a response body, single-threaded.
//!
//! - `clean_1mib`: a 1 MiB JSON body with no leak.
//! - `leak_at_end_1mib`: the same body with a private key block and an AWS
//!   key id near its end.
//!
//! Reported in bytes per second.
//!
//! ```text
//! cargo bench --bench leaks
//! ```

use std::fmt::Write;
use std::sync::LazyLock;

use apiprobe::checks::leaks::LeakMatcher;
use divan::counter::BytesCount;
use divan::{Bencher, black_box};

const MIB: usize = 1 << 20;

/// A JSON array of product-like objects, about 1 MiB, with no leak.
static CLEAN: LazyLock<String> = LazyLock::new(|| {
    let mut body = String::from("[");
    let mut i = 0u64;
    while body.len() < MIB - 300 {
        if i > 0 {
            body.push(',');
        }
        let _ = write!(
            body,
            r#"{{"id":{i},"sku":"SKU-{i:06}","name":"Widget number {i}","price":{}.{:02},"created":"2024-05-{:02}T10:{:02}:00Z","tags":["blue","steel"],"stock":{},"description":"A sturdy widget for everyday use at home or in the office."}}"#,
            i % 997,
            i % 100,
            1 + i % 28,
            i % 60,
            (i * 7) % 1000
        );
        i += 1;
    }
    body.push(']');
    body
});

/// The clean body with leaks in its last object.
static LEAKY: LazyLock<String> = LazyLock::new(|| {
    let mut body = CLEAN.clone();
    body.pop();
    body.push_str(
        r#",{"aws_access_key_id":"AKIAZ7DEMO4APIPROBE2","signing_key":"-----BEGIN RSA PRIVATE KEY-----\nMIIEpAIBAAKCAQEA\n-----END RSA PRIVATE KEY-----"}]"#,
    );
    body
});

fn main() {
    divan::main();
}

fn run(bencher: Bencher, body: &'static str, expected: usize) {
    let Ok(matcher) = LeakMatcher::shared() else {
        eprintln!("the leak patterns do not compile");
        return;
    };
    assert_eq!(matcher.find(body).len(), expected);
    bencher
        .counter(BytesCount::new(body.len()))
        .bench(|| matcher.find(black_box(body)));
}

#[divan::bench]
fn clean_1mib(bencher: Bencher) {
    run(bencher, &CLEAN, 0);
}

#[divan::bench]
fn leak_at_end_1mib(bencher: Bencher) {
    run(bencher, &LEAKY, 2);
}
