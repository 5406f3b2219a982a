//! `reflected_xss` reads the HTML answer as a browser does: a reflection
//! left raw inside `<title>`, `<textarea>`, a comment or a script's string,
//! or inside an attribute value whose quotes are escaped, builds nothing
//! and gives no finding; the same reflection in the page's body, or one
//! that closes an attribute value, builds an element and is found, the
//! evidence naming where.

use crate::support;

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use apiprobe::engine::ScanResult;
use apiprobe::probes::Profile;
use axum::Router;
use axum::extract::{Query, State};
use axum::http::header;
use axum::response::IntoResponse;
use axum::routing::get;
use support::{ScanBuilder, active_only};

const SEEDS: [u64; 3] = [1, 7, 23];

/// (route, where the raw reflection goes); `{}` is the parameter as sent.
const PAGES: [(&str, &str); 7] = [
    (
        "title",
        "<html><head><title>Results for {}</title></head><body><p>none</p></body></html>",
    ),
    (
        "textarea",
        "<html><body><form><textarea name=note>{}</textarea></form></body></html>",
    ),
    (
        "comment",
        "<html><body><!-- debug: q={} --><p>none</p></body></html>",
    ),
    (
        "script",
        "<html><body><script>var q = \"{js}\";</script></body></html>",
    ),
    (
        "attribute",
        "<html><body><form><input name=q value=\"{quoted}\"></form></body></html>",
    ),
    (
        "body",
        "<html><head><title>Search</title></head><body><p>Results for {}</p></body></html>",
    ),
    (
        "breakout",
        "<html><body><form><input name=q value=\"{}\"></form></body></html>",
    ),
];

fn spec() -> String {
    let mut out =
        String::from("openapi: 3.0.3\ninfo: { title: reflections, version: '1' }\npaths:\n");
    for (route, _) in PAGES {
        out.push_str(&format!(
            "  /{route}:\n    get:\n      operationId: {route}\n      parameters: [{{ name: q, in: query, required: true, schema: {{ type: string }} }}]\n      responses: {{ '200': {{ description: ok }} }}\n"
        ));
    }
    out
}

/// The page `template` with `q` in it: as sent for `{}`, with only double
/// quotes escaped for `{quoted}` (angle brackets stay raw), as a JavaScript
/// string for `{js}` (quotes and backslashes escaped).
fn render(template: &str, q: &str) -> String {
    let quoted = q.replace('&', "&amp;").replace('"', "&quot;");
    let js = q.replace('\\', "\\\\").replace('"', "\\\"");
    template
        .replace("{quoted}", &quoted)
        .replace("{js}", &js)
        .replace("{}", q)
}

fn router(seen: Arc<Mutex<HashMap<String, u64>>>) -> Router {
    let mut app = Router::new();
    for (route, template) in PAGES {
        app = app.route(
            &format!("/{route}"),
            get(
                move |State(seen): State<Arc<Mutex<HashMap<String, u64>>>>,
                      Query(p): Query<HashMap<String, String>>| async move {
                    if let Ok(mut m) = seen.lock() {
                        *m.entry(route.to_owned()).or_default() += 1;
                    }
                    let q = p.get("q").cloned().unwrap_or_default();
                    let page = render(template, &q);
                    ([(header::CONTENT_TYPE, "text/html; charset=utf-8")], page).into_response()
                },
            ),
        );
    }
    app.with_state(seen)
}

fn scan(seed: u64) -> (ScanResult, HashMap<String, u64>) {
    let seen = Arc::new(Mutex::new(HashMap::new()));
    let result = support::runtime().block_on(async {
        let url = support::serve(router(Arc::clone(&seen))).await;
        ScanBuilder::new(support::api(&spec()), url)
            .checks(["reflected_xss"])
            .seed(seed)
            .plan(active_only())
            .profile(Profile::Standard)
            .guard(Duration::from_secs(120))
            .run()
            .await
    });
    let counts = seen.lock().map(|m| m.clone()).unwrap_or_default();
    (result, counts)
}

#[test]
fn only_reflections_that_build_markup_are_xss() {
    for seed in SEEDS {
        let (result, counts) = scan(seed);
        let mut found: Vec<&str> = result
            .findings
            .iter()
            .map(|f| f.operation.id.as_str())
            .collect();
        found.sort_unstable();
        assert_eq!(
            found,
            ["body", "breakout"],
            "seed {seed}: {:#?}",
            support::listing(&result)
        );
        for (route, _) in PAGES {
            assert!(
                counts.get(route).copied().unwrap_or(0) >= 1,
                "seed {seed}: {route} was not probed"
            );
        }
        for f in &result.findings {
            let canary = support::proof(f, "canary").expect("a canary");
            let context = support::proof(f, "context").expect("a context");
            assert!(f.evidence.contains(context), "{}", f.evidence);
            let expected = match f.operation.id.as_str() {
                "body" => format!("element <{canary} x> created inside <p> in <body>"),
                _ => format!(
                    "element <{canary} x> created inside <form> in <body>, after closing the attribute value of <input value>"
                ),
            };
            assert_eq!(context, expected, "seed {seed}");
        }
    }
}
