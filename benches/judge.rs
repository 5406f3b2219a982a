//! How fast the checks judge one exchange, single-threaded: every default
//! check, as a scan runs them on every response.
//!
//! - `valid_response`: a positive case of each operation of
//!   specs/petstore.yaml, round-robin, answered with its documented 2xx
//!   status and a body generated from its response schema (the common case:
//!   conformance validation, leak matching, the rest). Every body is one the
//!   judge has not seen lately (trailing spaces vary), so it is parsed and
//!   validated. Reported in exchanges per second.
//! - `valid_response_repeated`: the same exchanges, bodies repeated: the
//!   judge remembers that they conformed and skips the parse.
//! - `body_1mib`: one exchange whose response is a 1 MiB JSON body (every
//!   check over it, the leak matcher included), a fresh body each time.
//!   Reported in bytes per second.
//!
//! ```text
//! cargo bench --bench judge
//! ```

use std::path::Path;
use std::sync::LazyLock;
use std::time::Duration;

use apiprobe::checks::{Judge, Settings, select};
use apiprobe::generate::{
    Case, CaseGenerator, Direction, Generator, Intent, Options, Payloads, Seeded,
};
use apiprobe::http::{Exchange, Outcome, Response, SentRequest};
use apiprobe::model::{Api, StatusCode};
use apiprobe::probes::ProbeKind;
use divan::counter::{BytesCount, ItemsCount};
use divan::{Bencher, black_box};

static API: LazyLock<Api> = LazyLock::new(|| {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("specs/petstore.yaml");
    apiprobe::spec::load_path(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
});

static JUDGE: LazyLock<Judge> = LazyLock::new(|| {
    let checks = select(&[], &[]).unwrap_or_else(|e| panic!("the default checks: {e}"));
    Judge::new(checks, Settings::default())
});

/// Per operation: its index, a positive case and the exchange that answers it.
static EXCHANGES: LazyLock<Vec<(usize, Case, Exchange)>> = LazyLock::new(|| {
    let api = &*API;
    let payloads = Payloads::builtin();
    let mut cases = CaseGenerator::new(api, Options::default(), &payloads);
    let mut values = Generator::new(&api.schemas, Options::default());
    let mut src = Seeded::new(7);
    let mut out = Vec::new();
    for (i, op) in api.operations.iter().enumerate() {
        let Ok(Some(case)) = cases.case(op, Intent::Positive, &mut src) else {
            continue;
        };
        let documented = op
            .responses
            .iter()
            .find(|r| matches!(r.status, StatusCode::Exact(200..=299)));
        let status = match documented.map(|r| r.status) {
            Some(StatusCode::Exact(s)) => s,
            _ => 200,
        };
        let media = documented.and_then(|r| r.content.first());
        let body = media
            .and_then(|m| m.schema)
            .map(|id| values.positive(id, Direction::Response, &mut src))
            .map(|v| serde_json::to_vec(&v).unwrap_or_default())
            .unwrap_or_default();
        let content_type = media.map_or("application/json", |m| m.media_type.as_str());
        let exchange = exchange(&case, status, content_type, body);
        out.push((i, case, exchange));
    }
    assert!(!out.is_empty(), "petstore gives no positive case");
    out
});

fn exchange(case: &Case, status: u16, content_type: &str, body: Vec<u8>) -> Exchange {
    Exchange {
        request: SentRequest {
            url: format!("http://127.0.0.1:8080{}", case.request.path),
            request: case.request.clone(),
        },
        outcome: Outcome::Response(Response {
            status,
            version: "HTTP/1.1",
            headers: vec![
                ("content-type".into(), content_type.into()),
                ("content-length".into(), body.len().to_string()),
            ],
            body,
            truncated: false,
        }),
        elapsed: Duration::from_millis(1),
    }
}

/// A JSON array of product-like objects, about 1 MiB.
static BIG: LazyLock<(usize, Case, Exchange)> = LazyLock::new(|| {
    let mut body = String::from("[");
    let mut i = 0u64;
    while body.len() < (1 << 20) - 200 {
        if i > 0 {
            body.push(',');
        }
        body.push_str(&format!(
            r#"{{"id":{i},"name":"product {i}","price":{}.99,"tags":["a","b"],"description":"an ordinary product, nothing to see"}}"#,
            i % 1000
        ));
        i += 1;
    }
    body.push(']');
    let (index, case, _) = EXCHANGES[0].clone();
    let exchange = exchange(&case, 200, "application/json", body.into_bytes());
    (index, case, exchange)
});

fn main() {
    divan::main();
}

/// Every default check on one positive exchange of operation `i`.
fn judge_one(i: usize, case: &Case, exchange: &Exchange) -> usize {
    let api = &*API;
    JUDGE
        .judge(
            api,
            &api.operations[i],
            &ProbeKind::Positive,
            case,
            exchange,
        )
        .len()
}

/// `exchange` with `n % 64` spaces after its JSON body: the same JSON, but
/// bytes the judge has not seen lately, so it parses and validates them
/// rather than remembering that they conformed.
fn fresh(exchange: &Exchange, n: usize) -> Exchange {
    let mut exchange = exchange.clone();
    if let Outcome::Response(r) = &mut exchange.outcome {
        r.body.extend(std::iter::repeat_n(b' ', n % 64));
    }
    exchange
}

#[divan::bench(sample_count = 200)]
fn valid_response(bencher: Bencher) {
    let exchanges = &*EXCHANGES;
    let mut n = 0usize;
    bencher
        .counter(ItemsCount::new(1usize))
        .with_inputs(|| {
            n += 1;
            let (i, case, exchange) = &exchanges[n % exchanges.len()];
            (*i, case, fresh(exchange, n / exchanges.len()))
        })
        .bench_local_refs(|(i, case, exchange)| black_box(judge_one(*i, case, exchange)));
}

/// [`valid_response`] with bodies judged before: each conformed, and is
/// remembered.
#[divan::bench(sample_count = 200)]
fn valid_response_repeated(bencher: Bencher) {
    let exchanges = &*EXCHANGES;
    let mut n = 0usize;
    bencher.counter(ItemsCount::new(1usize)).bench_local(|| {
        let (i, case, exchange) = &exchanges[n % exchanges.len()];
        n += 1;
        black_box(judge_one(*i, case, exchange))
    });
}

#[divan::bench(sample_count = 20)]
fn body_1mib(bencher: Bencher) {
    let (i, case, exchange) = &*BIG;
    let mut n = 0usize;
    bencher
        .counter(BytesCount::new(1usize << 20))
        .with_inputs(|| {
            n += 1;
            fresh(exchange, n)
        })
        .bench_local_refs(|exchange| black_box(judge_one(*i, case, exchange)));
}
