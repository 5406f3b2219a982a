//! The reads `stored_xss` searches after a write: the stored object's GET,
//! the documented HTML pages, and the listings of the written collection
//! (GETs without path parameters under the same first path segment), each
//! read by the owner, the other identities and anonymously; what each
//! shows of a canary (an element or attribute built in HTML, or the raw
//! markup in JSON); and the deletion of what a write created.

use super::html_context;
use super::sequence::{Made, ok, others, request_on, step};
use super::{Identity, Session, ValueSlot};
use crate::generate::Request;
use crate::http::Exchange;
use crate::model::{Method, Operation, ParameterLocation};
use crate::probes::destructive;

/// Read operations searched after a write, at most.
const READS: usize = 8;

/// Identities besides the owner that read (the others, then anonymous).
const OTHER_READERS: usize = 2;

/// A write the target accepted.
pub(super) struct Write {
    /// The fields written, each with its canary.
    pub(super) fields: Vec<(ValueSlot, String)>,
    /// The write's exchange.
    pub(super) exchange: Exchange,
    /// The write's request before credentials were added (for its curl).
    pub(super) request: Request,
    /// What was made for it (the object written last), outermost first.
    pub(super) made: Vec<Made>,
}

/// A read that serves a stored canary.
pub(super) struct Hit {
    /// The field the canary was written to.
    pub(super) field: ValueSlot,
    /// The canary.
    pub(super) canary: String,
    /// The read's exchange.
    pub(super) exchange: Exchange,
    /// The read operation's path (`/board`).
    pub(super) read_path: String,
    /// Who read it.
    pub(super) reader: String,
    /// What the markup built in an HTML answer; `None` for raw JSON.
    pub(super) context: Option<String>,
    /// For raw JSON: the HTML page that refers to the read's path and holds
    /// none of the write's stored values itself (it renders on the client;
    /// a page that holds one is judged by what the value builds in it).
    pub(super) page: Option<String>,
    /// Other reads that serve it (`GET /ads as bob`).
    pub(super) also: Vec<String>,
}

/// What one answer shows of a canary.
enum Shown {
    /// An HTML answer builds an element or attribute from it (the context).
    Html(String),
    /// A JSON answer holds the markup unescaped.
    Raw,
}

/// Whether a media type renders as HTML in a browser.
fn is_html(media: &str) -> bool {
    matches!(media, "text/html" | "application/xhtml+xml")
}

/// Whether `op` documents an HTML answer.
fn documents_html(op: &Operation) -> bool {
    op.responses
        .iter()
        .any(|r| r.content.iter().any(|m| is_html(&m.media_type)))
}

/// What a 2xx answer shows of `canary`.
fn shown(exchange: &Exchange, canary: &str) -> Option<Shown> {
    let response = exchange.response()?;
    if !(200..300).contains(&response.status) {
        return None;
    }
    let media = response.media_type().unwrap_or_default();
    if is_html(&media) {
        return html_context::injection(&response.body, canary).map(|i| Shown::Html(i.context()));
    }
    let json = media == "application/json" || media.ends_with("+json");
    let needle = format!("<{canary}");
    (json
        && response
            .body
            .windows(needle.len())
            .any(|w| w == needle.as_bytes()))
    .then_some(Shown::Raw)
}

/// The first path segment (`ads` of `/ads/{id}`).
fn first_segment(path: &str) -> &str {
    path.trim_start_matches('/').split('/').next().unwrap_or("")
}

/// The literal part of a path before its first parameter, without a
/// trailing slash (`/ads` of `/ads/{id}`).
fn literal_prefix(path: &str) -> &str {
    path.split('{').next().unwrap_or("").trim_end_matches('/')
}

/// The read operations to search after a write of the session's operation
/// whose objects are `made` (empty: only reads that name no object).
fn read_operations(s: &Session<'_>, made: &[Made]) -> Vec<usize> {
    let api = s.api();
    let segment = first_segment(&s.operation().path);
    let is_get = |i: usize| {
        api.operations
            .get(i)
            .is_some_and(|o| o.method == Method::Get && destructive(o).is_none())
    };
    let no_ids = |o: &Operation| o.parameters_in(ParameterLocation::Path).next().is_none();
    let mut chosen: Vec<usize> = Vec::new();
    if let Some(target) = made.last() {
        for b in &s.resources().bindings {
            if b.producer == target.producer
                && b.parameter == target.parameter
                && is_get(b.consumer)
            {
                chosen.push(b.consumer);
            }
        }
    }
    for (i, o) in api.operations.iter().enumerate() {
        if is_get(i) && documents_html(o) && (no_ids(o) || !made.is_empty()) {
            chosen.push(i);
        }
    }
    for (i, o) in api.operations.iter().enumerate() {
        if is_get(i) && no_ids(o) && first_segment(&o.path) == segment {
            chosen.push(i);
        }
    }
    let mut seen = Vec::new();
    chosen.retain(|i| {
        let fresh = !seen.contains(i);
        seen.push(*i);
        fresh
    });
    if made.is_empty() {
        chosen.retain(|&i| api.operations.get(i).is_some_and(no_ids));
    }
    chosen.truncate(READS);
    chosen
}

/// A request of read operation `index`: its path naming the objects
/// `made`, its optional parameters left out (a filter would hide the object).
fn read_request(s: &mut Session<'_>, index: usize, made: &[Made]) -> Option<Request> {
    let op = s.api().operations.get(index)?;
    let has_ids = op.parameters_in(ParameterLocation::Path).next().is_some();
    let request = if has_ids {
        let (target, outer) = made.split_last()?;
        request_on(s, index, outer, target)?
    } else {
        let mut values = s.case_of(index)?.values;
        for (i, p) in op.parameters.iter().enumerate() {
            if !p.required
                && let Some(v) = values.parameters.get_mut(i)
            {
                *v = None;
            }
        }
        s.request_of(index, &values)?
    };
    Some(request)
}

/// The bodies the reads that name no object answer `owner` before any
/// write (canaries are drawn again if one of them already holds theirs).
pub(super) async fn listings_before(s: &mut Session<'_>, owner: &Identity) -> Vec<String> {
    let mut bodies = Vec::new();
    for index in read_operations(s, &[]) {
        let Some(request) = read_request(s, index, &[]) else {
            continue;
        };
        let Some(exchange) = s.send_to(index, &request, owner).await else {
            break;
        };
        if let Some(r) = exchange.response() {
            bodies.push(r.text().into_owned());
        }
    }
    bodies
}

/// Reads the API after `write` as the owner, the other identities and
/// anonymously; the reads that serve each field's canary, one hit per field
/// (an HTML page that builds the markup first, else raw JSON that a
/// documented HTML page refers to).
pub(super) async fn search(
    s: &mut Session<'_>,
    write: &Write,
    owner: &Identity,
    owner_name: &str,
) -> Vec<Hit> {
    let mut readers: Vec<(Identity, String)> = vec![(owner.clone(), owner_name.to_owned())];
    readers.extend(others(s, owner).into_iter().take(OTHER_READERS));
    if *owner != Identity::Anonymous {
        readers.push((Identity::Anonymous, "anonymous".to_owned()));
    }
    // (read path, reader, exchange) of every 2xx answer
    let mut answers: Vec<(String, String, Exchange)> = Vec::new();
    for index in read_operations(s, &write.made) {
        let Some(request) = read_request(s, index, &write.made) else {
            continue;
        };
        let path = s
            .api()
            .operations
            .get(index)
            .map(|o| o.path.clone())
            .unwrap_or_default();
        for (identity, name) in &readers {
            let Some(exchange) = s.send_to(index, &request, identity).await else {
                return Vec::new();
            };
            if ok(&exchange) {
                answers.push((path.clone(), name.clone(), exchange));
            }
        }
    }
    let pages: Vec<(String, String)> = answers
        .iter()
        .filter(|(_, _, e)| {
            e.response()
                .and_then(|r| r.media_type())
                .is_some_and(|m| is_html(&m))
        })
        .filter_map(|(path, _, e)| Some((path.clone(), e.response()?.text().into_owned())))
        .collect();
    // a page that holds a stored value renders on the server, and what it
    // builds from the value is its verdict; one that holds none may render
    // the JSON in the browser
    let holds_any = |body: &str| write.fields.iter().any(|(_, c)| body.contains(c.as_str()));
    let mut hits = Vec::new();
    for (field, canary) in &write.fields {
        let mut html: Option<(usize, String)> = None;
        let mut raw: Option<(usize, String)> = None;
        let mut all: Vec<usize> = Vec::new();
        for (n, (path, _, exchange)) in answers.iter().enumerate() {
            match shown(exchange, canary) {
                Some(Shown::Html(context)) => {
                    all.push(n);
                    html.get_or_insert((n, context));
                }
                Some(Shown::Raw) => {
                    all.push(n);
                    let prefix = literal_prefix(path);
                    if raw.is_none()
                        && prefix.len() > 1
                        && let Some((page, _)) = pages
                            .iter()
                            .find(|(_, body)| body.contains(prefix) && !holds_any(body))
                    {
                        raw = Some((n, page.clone()));
                    }
                }
                None => {}
            }
        }
        let (n, context, page) = match (html, raw) {
            (Some((n, context)), _) => (n, Some(context), None),
            (None, Some((n, page))) => (n, None, Some(format!("GET {page}"))),
            (None, None) => continue,
        };
        let Some((path, reader, exchange)) = answers.get(n) else {
            continue;
        };
        let also = all
            .iter()
            .filter(|&&m| m != n)
            .filter_map(|&m| answers.get(m))
            .map(|(_, who, e)| format!("{} as {who}", step(e)))
            .collect();
        hits.push(Hit {
            field: field.clone(),
            canary: canary.clone(),
            exchange: exchange.clone(),
            read_path: path.clone(),
            reader: reader.clone(),
            context,
            page,
            also,
        });
    }
    hits
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn prefixes_and_segments() {
        assert_eq!(literal_prefix("/ads/{id}"), "/ads");
        assert_eq!(literal_prefix("/board"), "/board");
        assert_eq!(first_segment("/ads/{id}/view"), "ads");
    }
}
