//! Values to a wire request, by the OpenAPI 3 serialisation rules.
//!
//! Path parameters follow `simple`, `label` and `matrix` styles, query
//! parameters `form`, `spaceDelimited`, `pipeDelimited` and `deepObject`,
//! headers `simple` and cookies `form`, each with `explode`; bodies are
//! written by media type (JSON, urlencoded, multipart, XML, text, binary).
//! Everything is percent-encoded exactly where its location requires it,
//! so decoding gives back the chosen bytes; what cannot travel where it
//! must (a line break in a header) is reported as [`Unsendable`], never
//! altered.

mod body;
mod encode;
mod multipart;
mod params;
pub(crate) mod received;
mod xml;

use serde_json::Value;

use super::{Request, Unsendable};
use crate::model::{Api, Operation, ParameterLocation};

/// The values chosen for one request, before serialisation.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Values {
    /// One entry per `operation.parameters` entry, in the same order; `None` leaves it out.
    pub parameters: Vec<Option<Value>>,
    /// The body: the index of the media type in `operation.body.content`, and the value.
    pub body: Option<(usize, Value)>,
}

/// Header parameters OpenAPI says SHALL be ignored: the request's media
/// types and credentials are set elsewhere.
const IGNORED_HEADERS: [&str; 3] = ["accept", "content-type", "authorization"];

/// Serialises `values` for `op` into a request.
///
/// The query pairs and headers the spec's `paths` key fixes
/// ([`Operation::fixed_query`]) come first. Parameters without a value are
/// left out, except path parameters, which
/// the path cannot do without: one missing is [`Unsendable`]. Header
/// parameters named `Accept`, `Content-Type` or `Authorization` are ignored,
/// as OpenAPI requires. Cookies become one `cookie` header, after the
/// others. A body index outside `op.body.content` is [`Unsendable`].
pub fn serialise(api: &Api, op: &Operation, values: &Values) -> Result<Request, Unsendable> {
    let mut path_values: Vec<(&str, String)> = Vec::new();
    // what the spec's paths key fixes (`/jobs?op=LIST`, `/#Action=X`) goes first
    let mut query: Vec<String> = op.fixed_query.clone();
    let mut headers: Vec<(String, String)> = op.fixed_headers.clone();
    let mut cookies: Vec<String> = Vec::new();
    for (i, p) in op.parameters.iter().enumerate() {
        let Some(value) = values.parameters.get(i).and_then(Option::as_ref) else {
            continue;
        };
        match p.location {
            ParameterLocation::Path => path_values.push((&p.name, params::path(p, value))),
            ParameterLocation::Query => query.push(params::query(p, value)),
            ParameterLocation::Header => {
                if !IGNORED_HEADERS
                    .iter()
                    .any(|h| p.name.eq_ignore_ascii_case(h))
                {
                    headers.push(params::header(p, value)?);
                }
            }
            ParameterLocation::Cookie => cookies.extend(params::cookie(p, value)),
        }
    }
    if !cookies.is_empty() {
        headers.push(("cookie".into(), cookies.join("; ")));
    }
    let path = fill_path(&op.path, &path_values)?;
    let body = match &values.body {
        None => None,
        Some((index, value)) => {
            let media = op
                .body
                .as_ref()
                .and_then(|b| b.content.get(*index))
                .ok_or_else(|| Unsendable {
                    location: "body".into(),
                    name: index.to_string(),
                    reason: format!("the operation has no request body media type number {index}"),
                })?;
            Some(body::body(api, media, value)?)
        }
    };
    Ok(Request {
        method: op.method,
        path,
        query: query.join("&"),
        headers,
        body,
    })
}

/// The path alone, as [`serialise`] would write it: for callers that change
/// path parameters only and need not serialise the body again.
///
/// # Errors
/// A path parameter without a value.
pub fn serialise_path(op: &Operation, values: &Values) -> Result<String, Unsendable> {
    let path_values: Vec<(&str, String)> = op
        .parameters
        .iter()
        .enumerate()
        .filter(|(_, p)| p.location == ParameterLocation::Path)
        .filter_map(|(i, p)| {
            let value = values.parameters.get(i).and_then(Option::as_ref)?;
            Some((p.name.as_str(), params::path(p, value)))
        })
        .collect();
    fill_path(&op.path, &path_values)
}

/// The path template with every `{name}` replaced by its serialised value.
fn fill_path(template: &str, values: &[(&str, String)]) -> Result<String, Unsendable> {
    let mut out = String::with_capacity(template.len());
    let mut rest = template;
    while let Some(open) = rest.find('{') {
        let Some(close) = rest[open..].find('}').map(|c| open + c) else {
            break;
        };
        out.push_str(&rest[..open]);
        let name = &rest[open + 1..close];
        let Some((_, value)) = values.iter().find(|(n, _)| *n == name) else {
            return Err(Unsendable {
                location: "path".into(),
                name: name.to_owned(),
                reason: "the path template needs a value for this parameter".into(),
            });
        };
        out.push_str(value);
        rest = &rest[close + 1..];
    }
    out.push_str(rest);
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fills_every_template_variable() {
        let values = [("a", "1".to_owned()), ("b", "x%2Fy".to_owned())];
        assert_eq!(
            fill_path("/p/{a}/q/{b}.json", &values),
            Ok("/p/1/q/x%2Fy.json".to_owned())
        );
    }

    #[test]
    fn missing_path_value_is_unsendable() {
        let err = fill_path("/p/{id}", &[]).err();
        assert_eq!(
            err.map(|e| (e.location, e.name)),
            Some(("path".into(), "id".into()))
        );
    }

    #[test]
    fn unclosed_brace_stays_literal() {
        assert_eq!(fill_path("/p/{x", &[]), Ok("/p/{x".to_owned()));
    }
}
