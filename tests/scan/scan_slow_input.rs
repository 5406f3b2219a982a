//! `resource_consumption`'s slow-input probe against servers on 127.0.0.1:
//! a single-threaded sign-up whose e-mail validator takes time exponential
//! in the input's longest run of letters (as `^(\w+)+@` does) is found,
//! with the growth curve in the finding, and without ever being sent a run
//! long enough to hold it for more than a moment; look-alikes whose time
//! grows linearly with the length, grows with the length of any input
//! (the control catches it), or jitters with spikes give no finding.

use crate::support;

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use apiprobe::checks::Finding;
use apiprobe::engine::ScanResult;
use apiprobe::probes::Profile;
use axum::Router;
use axum::body::Bytes;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::IntoResponse;
use axum::routing::{get, post};
use serde_json::{Value, json};
use support::{ScanBuilder, active_only};

/// Seeds every scan here runs with: the finding must not depend on one.
const SEEDS: [u64; 3] = [1, 7, 23];

const FLAWED: &str = r#"
openapi: 3.0.3
info: { title: slow e-mail validation, version: '1' }
paths:
  /signup:
    post:
      operationId: signup
      requestBody:
        required: true
        content:
          application/json:
            schema:
              type: object
              required: [email, name]
              properties:
                email: { type: string, format: email }
                name: { type: string, maxLength: 40 }
      responses:
        '201': { description: created }
        '400': { description: invalid }
"#;

const LOOKALIKES: &str = r#"
openapi: 3.0.3
info: { title: slow but not backtracking, version: '1' }
paths:
  /linear:
    get:
      operationId: linear
      parameters: [{ name: email, in: query, required: true, schema: { type: string } }]
      responses: { '200': { description: ok } }
  /anylength:
    get:
      operationId: anyLength
      parameters: [{ name: search, in: query, required: true, schema: { type: string } }]
      responses: { '200': { description: ok } }
  /jitter:
    get:
      operationId: jitter
      parameters: [{ name: email, in: query, required: true, schema: { type: string } }]
      responses: { '200': { description: ok } }
"#;

/// What the servers saw.
#[derive(Default)]
struct Seen {
    requests: Mutex<HashMap<&'static str, u64>>,
    /// The longest run of letters any request carried.
    longest_run: AtomicUsize,
    /// The longest time the validator held the server, in microseconds.
    longest_hold: AtomicU64,
}

impl Seen {
    fn hit(&self, route: &'static str) {
        if let Ok(mut m) = self.requests.lock() {
            *m.entry(route).or_default() += 1;
        }
    }

    fn count(&self, route: &str) -> u64 {
        self.requests
            .lock()
            .map(|m| m.get(route).copied().unwrap_or(0))
            .unwrap_or(0)
    }
}

fn longest_word_run(text: &str) -> usize {
    let (mut best, mut current) = (0, 0);
    for c in text.chars() {
        if c.is_alphanumeric() || c == '_' {
            current += 1;
            best = best.max(current);
        } else {
            current = 0;
        }
    }
    best
}

fn is_email(text: &str) -> bool {
    let Some((local, domain)) = text.split_once('@') else {
        return false;
    };
    let word = |c: char| c.is_ascii_alphanumeric() || "._%+-".contains(c);
    !local.is_empty()
        && local.chars().all(word)
        && domain.contains('.')
        && !domain.starts_with('.')
        && !domain.ends_with('.')
        && domain
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '.' || c == '-')
}

/// How long the backtracking validator takes on `email`: 2^(run-12) ms for
/// an invalid address (1 ms at a run of 12, 256 ms at 20, 4 s at 24, and
/// 12 days at 40 for a real regex; capped here at 4 s).
fn validator_time(email: &str) -> Duration {
    if is_email(email) {
        return Duration::ZERO;
    }
    let run = longest_word_run(email).min(40) as u32;
    let micros = (1u64 << run).saturating_mul(1000) / 4096;
    Duration::from_micros(micros).min(Duration::from_secs(4))
}

fn flawed_router(seen: Arc<Seen>) -> Router {
    Router::new()
        .route(
            "/signup",
            post(|State(seen): State<Arc<Seen>>, body: Bytes| async move {
                seen.hit("signup");
                let body: Value = serde_json::from_slice(&body).unwrap_or(Value::Null);
                let email = body.get("email").and_then(Value::as_str).unwrap_or("");
                seen.longest_run
                    .fetch_max(longest_word_run(email), Ordering::Relaxed);
                let hold = validator_time(email);
                seen.longest_hold
                    .fetch_max(hold.as_micros() as u64, Ordering::Relaxed);
                // the regex runs on the server's only thread: nothing else is served meanwhile
                std::thread::sleep(hold);
                if is_email(email) {
                    (StatusCode::CREATED, axum::Json(json!({"email": email}))).into_response()
                } else {
                    (
                        StatusCode::BAD_REQUEST,
                        axum::Json(json!({"error": "invalid email"})),
                    )
                        .into_response()
                }
            }),
        )
        .with_state(seen)
}

/// Serves `app` on a thread of its own with a single-threaded runtime (a
/// blocking handler holds every connection); stops when `stop` is dropped
/// or sent.
fn serve_single_threaded(app: Router) -> (String, tokio::sync::oneshot::Sender<()>) {
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let Ok(rt) = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
        else {
            return;
        };
        rt.block_on(async move {
            let Ok(listener) = tokio::net::TcpListener::bind("127.0.0.1:0").await else {
                return;
            };
            let Ok(addr) = listener.local_addr() else {
                return;
            };
            let _ = tx.send(format!("http://{addr}"));
            tokio::select! {
                _ = axum::serve(listener, app) => {}
                _ = stopped => {}
            }
        });
    });
    let url = rx
        .recv_timeout(Duration::from_secs(10))
        .expect("the server starts");
    (url, stop)
}

/// A pseudo-random number in 0..n from a counter (no clock, no seed).
fn mix(counter: u64, n: u64) -> u64 {
    let mut x = counter.wrapping_mul(0x9E37_79B9_7F4A_7C15);
    x ^= x >> 29;
    x = x.wrapping_mul(0xBF58_476D_1CE4_E5B9);
    (x ^ (x >> 32)) % n
}

fn lookalike_router(seen: Arc<Seen>) -> Router {
    type Params = Query<HashMap<String, String>>;
    let jitter_calls = Arc::new(AtomicU64::new(0));
    Router::new()
        .route(
            "/linear",
            get(
                |State(seen): State<Arc<Seen>>, Query(p): Params| async move {
                    seen.hit("linear");
                    // 4 ms a character, whatever the characters are
                    let n = p.get("email").map_or(0, |e| e.chars().count()) as u64;
                    tokio::time::sleep(Duration::from_millis(4 * n)).await;
                    axum::Json(json!({"valid": false})).into_response()
                },
            ),
        )
        .route(
            "/anylength",
            get(
                |State(seen): State<Arc<Seen>>, Query(p): Params| async move {
                    seen.hit("anylength");
                    // quadratic in the length of any input: super-linear, but the
                    // same for a control of the same length
                    let n = p.get("search").map_or(0, |e| e.chars().count()) as u64;
                    tokio::time::sleep(Duration::from_micros(250 * n * n)).await;
                    axum::Json(json!({"results": []})).into_response()
                },
            ),
        )
        .route(
            "/jitter",
            get(move |State(seen): State<Arc<Seen>>, Query(_p): Params| {
                let calls = Arc::clone(&jitter_calls);
                async move {
                    seen.hit("jitter");
                    let n = calls.fetch_add(1, Ordering::Relaxed) + 1;
                    // 0-40 ms of noise, and a 200 ms pause every fifth request
                    let mut ms = mix(n, 41);
                    if n.is_multiple_of(5) {
                        ms += 200;
                    }
                    tokio::time::sleep(Duration::from_millis(ms)).await;
                    axum::Json(json!({"valid": true})).into_response()
                }
            }),
        )
        .with_state(seen)
}

fn scan(spec: &str, url: &str, seed: u64) -> ScanResult {
    support::runtime().block_on(
        ScanBuilder::new(support::api(spec), url)
            .checks(["resource_consumption"])
            .seed(seed)
            .plan(active_only())
            .profile(Profile::Standard)
            .guard(Duration::from_secs(120))
            .run(),
    )
}

/// `9 → 0.3 ms, 13 → 1.2 ms` as (length, milliseconds) pairs.
fn curve(text: &str) -> Vec<(usize, f64)> {
    text.split(", ")
        .filter_map(|point| {
            let (length, time) = point.split_once(" → ")?;
            let ms = time.strip_suffix(" ms")?;
            Some((length.parse().ok()?, ms.parse().ok()?))
        })
        .collect()
}

fn the_finding(result: &ScanResult) -> &Finding {
    let hits = support::of(result, "resource_consumption");
    assert_eq!(hits.len(), 1, "{:#?}", support::listing(result));
    hits[0]
}

#[test]
fn an_exponential_email_validator_is_found_with_its_growth_curve() {
    for seed in SEEDS {
        let seen = Arc::new(Seen::default());
        let (url, stop) = serve_single_threaded(flawed_router(Arc::clone(&seen)));
        let result = scan(FLAWED, &url, seed);
        let _ = stop.send(());
        // never an input that would hold the server for long: a run of 28 at most
        let run = seen.longest_run.load(Ordering::Relaxed);
        assert!(run <= 28, "seed {seed}: a run of {run} was sent");
        let f = the_finding(&result);
        assert_eq!(f.operation.id, "signup");
        assert_eq!(f.signature, "slow-input body email", "seed {seed}");
        assert!(f.title.contains("(ReDoS)"), "{}", f.title);
        assert!(f.title.contains("exponentially"), "{}", f.title);
        let text = support::proof(f, "curve").expect("a curve");
        assert!(f.evidence.contains(text), "{}", f.evidence);
        let points = curve(text);
        assert!(points.len() >= 3, "{text}");
        assert!(
            points.windows(2).all(|w| w[0].0 < w[1].0),
            "lengths grow: {text}"
        );
        // the last point is the slow one, many times the first
        let (first, last) = (points[0].1, points[points.len() - 1].1);
        assert!(last >= 8.0 * first.max(0.1), "{text}");
        assert_eq!(
            support::proof(f, "delayed_ms").map(|d| d.split(", ").count()),
            Some(2)
        );
        eprintln!(
            "seed {seed}: resource_consumption sent {} requests to /signup, the validator held \
             the server {} ms at most (longest run {run}); curve {text}",
            seen.count("signup"),
            seen.longest_hold.load(Ordering::Relaxed) / 1000
        );
    }
}

#[test]
fn time_that_grows_linearly_or_with_any_long_input_or_jitters_is_no_redos() {
    for seed in SEEDS {
        let seen = Arc::new(Seen::default());
        let result = support::runtime().block_on(async {
            let url = support::serve(lookalike_router(Arc::clone(&seen))).await;
            ScanBuilder::new(support::api(LOOKALIKES), url)
                .checks(["resource_consumption"])
                .seed(seed)
                .plan(active_only())
                .profile(Profile::Standard)
                .guard(Duration::from_secs(120))
                .run()
                .await
        });
        assert!(
            result.findings.is_empty(),
            "seed {seed}: {:#?}",
            result
                .findings
                .iter()
                .map(|f| format!("{} {}: {}", f.operation.id, f.title, f.evidence))
                .collect::<Vec<_>>()
        );
        // every look-alike was probed over several lengths
        for route in ["linear", "anylength", "jitter"] {
            let n = seen.count(route);
            assert!(n >= 5, "seed {seed}: {route} got only {n} requests");
        }
    }
}
