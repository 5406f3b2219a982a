//! `paths` keys that hold more than a path (issue 24 items 1-2): what the
//! server receives. AWS-style keys tell operations of one URL apart after
//! a `#` (`/#Action=DescribeAlarms`, `/#X-Amz-Target=Svc.GetItem`); other
//! specs write a query into the key (`/search?q={q}`, `/jobs?op=LIST`).
//! Sent verbatim, the server got `GET /` with no query at all (the rest
//! was a fragment), or `q` swallowed the real query after a second `?`.
//!
//! A server on 127.0.0.1 records every request's target and
//! `x-amz-target` header; the scan's requests must carry the key's query
//! and header, with one `?`, and never a `#`.

use crate::support;

use std::sync::{Arc, Mutex};

use apiprobe::spec::Loader;
use axum::http::{HeaderMap, Uri};
use support::{ScanBuilder, plan};

const SPEC: &str = r##"
openapi: 3.0.3
info: { title: path keys, version: "1" }
paths:
  /#Action=DescribeAlarms:
    get:
      parameters:
        - { name: MaxRecords, in: query, required: true, schema: { type: integer, minimum: 1, maximum: 100 } }
      responses: { "200": { description: ok } }
  /#Action=PutAlarm:
    get:
      parameters:
        - { name: AlarmName, in: query, required: true, schema: { type: string, minLength: 1, maxLength: 20 } }
      responses: { "200": { description: ok } }
  /#X-Amz-Target=Catalog.GetItem:
    post:
      requestBody:
        required: true
        content:
          application/json:
            schema: { type: object, required: [Key], properties: { Key: { type: string, maxLength: 10 } } }
      responses: { "200": { description: ok } }
  /search?q={q}:
    get:
      parameters:
        - { name: q, in: path, required: true, schema: { type: string, minLength: 1, maxLength: 8 } }
        - { name: page, in: query, required: true, schema: { type: integer, minimum: 1, maximum: 9 } }
      responses: { "200": { description: ok } }
  /jobs?op=LIST:
    get:
      parameters:
        - { name: limit, in: query, required: true, schema: { type: integer, minimum: 1, maximum: 9 } }
      responses: { "200": { description: ok } }
  /analyze#overload=stream:
    get:
      responses: { "200": { description: ok } }
"##;

/// The request targets (`/jobs?op=LIST&limit=3`) the server saw, with the
/// `x-amz-target` header when there was one.
type Seen = Arc<Mutex<Vec<(String, Option<String>)>>>;

async fn record(seen: axum::extract::State<Seen>, uri: Uri, headers: HeaderMap) -> &'static str {
    let target = headers
        .get("x-amz-target")
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);
    if let Ok(mut seen) = seen.lock() {
        seen.push((uri.to_string(), target));
    }
    "{}"
}

#[test]
fn a_query_or_fragment_in_a_paths_key_reaches_the_server_as_a_query_or_header() {
    let api = Loader::new()
        .load_str(SPEC, "keys.yaml")
        .expect("the spec loads");
    let ids: Vec<&str> = api.operations.iter().map(|o| o.id.as_str()).collect();
    // six operations with six ids, though four share the path `/`
    assert_eq!(ids.len(), 6, "{ids:?}");
    let unique: std::collections::BTreeSet<&&str> = ids.iter().collect();
    assert_eq!(unique.len(), 6, "{ids:?}");
    let runtime = support::runtime();
    for seed in [1u64, 2, 3] {
        let seen: Seen = Arc::default();
        let app = axum::Router::new()
            .fallback(record)
            .with_state(seen.clone());
        runtime.block_on(async {
            let url = support::serve(app).await;
            ScanBuilder::new(api.clone(), url)
                .checks(Vec::<String>::new())
                .seed(seed)
                .plan(plan(4))
                .run()
                .await;
        });
        let seen = seen.lock().expect("the record").clone();
        let targets: Vec<&str> = seen.iter().map(|(t, _)| t.as_str()).collect();
        assert!(!seen.is_empty());
        assert!(
            targets
                .iter()
                .all(|t| !t.contains('#') && t.matches('?').count() <= 1),
            "{targets:#?}"
        );
        let has = |f: &dyn Fn(&str) -> bool| targets.iter().any(|t| f(t));
        assert!(
            has(&|t| t.starts_with("/?Action=DescribeAlarms&MaxRecords=")),
            "{targets:#?}"
        );
        assert!(
            has(&|t| t.starts_with("/?Action=PutAlarm&AlarmName=")),
            "{targets:#?}"
        );
        assert!(
            has(&|t| t.starts_with("/search?") && t.contains("q=") && t.contains("&page=")),
            "{targets:#?}"
        );
        assert!(
            has(&|t| t.starts_with("/jobs?op=LIST&limit=")),
            "{targets:#?}"
        );
        assert!(has(&|t| t == "/analyze"), "{targets:#?}");
        assert!(
            seen.iter()
                .any(|(t, h)| t == "/" && h.as_deref() == Some("Catalog.GetItem")),
            "{seen:#?}"
        );
    }
}
