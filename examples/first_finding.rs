//! Time to each planted flaw of the demo API, two ways: a black-box scan
//! over loopback (what `apiprobe demo` does, fixed seed, CLI defaults), and
//! the in-process fuzz path (`apiprobe::fuzz`) fed random bytes from a
//! fixed seed, without coverage guidance. For the coverage-guided figure,
//! run `cargo +nightly fuzz run demo_inprocess` (docs/fuzzing.md).
//!
//! ```sh
//! cargo run --release --example first_finding
//! ```

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use apiprobe::checks::{Judge, Settings, select};
use apiprobe::demo::{DemoConfig, router, serve};
use apiprobe::engine::{Event, Observer, Scan, ScanOptions, Stop};
use apiprobe::fuzz::{FuzzOptions, FuzzTarget};
use apiprobe::generate::{Payloads, Seeded, Source};
use apiprobe::http::{Client, ClientOptions};

const SPEC: &str = include_str!("../specs/demo.yaml");

/// (check, operation) -> (time since start, requests sent so far).
type Firsts = BTreeMap<(String, String), (Duration, u64)>;

struct Timer {
    started: Instant,
    requests: Mutex<u64>,
    firsts: Mutex<Firsts>,
}

impl Observer for Timer {
    fn on_event(&self, event: &Event<'_>) {
        match event {
            Event::Exchange { .. } => {
                if let Ok(mut n) = self.requests.lock() {
                    *n += 1;
                }
            }
            Event::Finding(f) => {
                let requests = self.requests.lock().map(|n| *n).unwrap_or(0);
                if let Ok(mut firsts) = self.firsts.lock() {
                    firsts
                        .entry(key(f))
                        .or_insert((self.started.elapsed(), requests));
                }
            }
            _ => {}
        }
    }
}

/// A finding's (check, operation); banners are about the whole target.
fn key(f: &apiprobe::checks::Finding) -> (String, String) {
    let op = if f.check == "server_banner" {
        "(every operation)".to_owned()
    } else {
        f.operation.id.clone()
    };
    (f.check.clone(), op)
}

fn print(what: &str, firsts: &Firsts, total: Duration, requests: u64) {
    let mut rows: Vec<_> = firsts.iter().collect();
    rows.sort_by_key(|(_, (t, _))| *t);
    println!(
        "{what}: {} distinct findings, {requests} requests in {total:.2?}",
        rows.len()
    );
    for ((check, op), (t, n)) in rows {
        println!("  {t:>10.2?}  request {n:>6}  {check} on {op}");
    }
}

fn black_box() {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("a runtime");
    runtime.block_on(async {
        let server = serve(DemoConfig::default()).await.expect("the demo starts");
        let api = apiprobe::spec::load_str(SPEC, "specs/demo.yaml").expect("the spec loads");
        let operations = (0..api.operations.len()).collect();
        let client = Client::new(ClientOptions {
            env_proxy: false,
            ..ClientOptions::default()
        })
        .expect("a client");
        let timer = Arc::new(Timer {
            started: Instant::now(),
            requests: Mutex::new(0),
            firsts: Mutex::new(BTreeMap::new()),
        });
        let scan = Scan {
            api: Arc::new(api),
            operations,
            payloads: Arc::new(Payloads::builtin()),
            client,
            judge: Arc::new(Judge::new(
                select(&[], &[]).expect("all checks"),
                Settings::default(),
            )),
            options: ScanOptions {
                base_url: server.base_url(),
                seed: 0,
                ..ScanOptions::default()
            },
        };
        let result = scan.run(timer.clone(), Stop::new()).await;
        server.shutdown().await;
        let firsts = timer.firsts.lock().map(|f| f.clone()).unwrap_or_default();
        print(
            "black-box scan over loopback",
            &firsts,
            Duration::from_millis(result.stats.elapsed_ms),
            result.stats.requests,
        );
    });
}

fn in_process(runs: u64) {
    let api = apiprobe::spec::load_str(SPEC, "specs/demo.yaml").expect("the spec loads");
    let target = FuzzTarget::new(api, FuzzOptions::default()).expect("a target");
    let mut src = Seeded::new(8);
    let started = Instant::now();
    let mut firsts = Firsts::new();
    for run in 1..=runs {
        let len = src.below(97);
        let input: Vec<u8> = (0..len).map(|_| src.below(256) as u8).collect();
        for f in target.run(router(DemoConfig::default()), &input).findings {
            firsts.entry(key(&f)).or_insert((started.elapsed(), run));
        }
    }
    print(
        "in-process, random bytes (no coverage guidance)",
        &firsts,
        started.elapsed(),
        runs,
    );
}

fn main() {
    let started = Instant::now();
    for _ in 0..200 {
        drop(router(DemoConfig::default()));
    }
    println!(
        "building a demo router (fresh SQLite state): {:.2?} each",
        started.elapsed() / 200
    );
    black_box();
    in_process(1500);
}
