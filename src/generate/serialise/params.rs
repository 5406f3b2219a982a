//! Parameters: path, query, header and cookie values by style and explode.

use serde_json::Value;

use super::encode::{
    is_cookie_octet, is_header_value_byte, is_tchar, media_text, path_keep, percent,
    query_component, query_reserved, text,
};
use crate::generate::Unsendable;
use crate::model::{Parameter, ParameterStyle};

/// How deep `deepObject` follows nested objects before writing JSON text.
const MAX_DEPTH: usize = 32;

/// A value reduced to what the styles distinguish. Nested arrays and
/// objects (inside an array or object) are JSON text.
enum Shape {
    Primitive(String),
    List(Vec<String>),
    Pairs(Vec<(String, String)>),
}

fn shape(value: &Value, media_type: Option<&str>) -> Shape {
    if let Some(media_type) = media_type {
        return Shape::Primitive(media_text(media_type, value));
    }
    match value {
        Value::Array(items) => Shape::List(items.iter().map(text).collect()),
        Value::Object(map) => Shape::Pairs(map.iter().map(|(k, v)| (k.clone(), text(v))).collect()),
        other => Shape::Primitive(text(other)),
    }
}

fn flatten(pairs: &[(String, String)], enc: impl Fn(&str) -> String) -> Vec<String> {
    pairs.iter().flat_map(|(k, v)| [enc(k), enc(v)]).collect()
}

/// The text that replaces `{name}` in the path template: simple, label or
/// matrix style (any other style is read as simple), encoded so that only
/// `pchar`s other than the style's own separators stay raw.
pub(super) fn path(p: &Parameter, value: &Value) -> String {
    let style = match p.style {
        ParameterStyle::Label | ParameterStyle::Matrix => p.style,
        _ => ParameterStyle::Simple,
    };
    let keep = path_keep(style);
    let enc = |s: &str| percent(s, &keep);
    let shape = shape(value, p.media_type.as_deref());
    match style {
        ParameterStyle::Matrix => {
            let name = enc(&p.name);
            // RFC 6570: an empty value is `;name`, without `=`.
            let pair = |k: &str, v: &str| {
                if v.is_empty() {
                    format!(";{k}")
                } else {
                    format!(";{k}={v}")
                }
            };
            match shape {
                Shape::Primitive(v) => pair(&name, &enc(&v)),
                Shape::List(items) if p.explode && !items.is_empty() => {
                    items.iter().map(|i| pair(&name, &enc(i))).collect()
                }
                Shape::List(items) => {
                    let joined: Vec<String> = items.iter().map(|i| enc(i)).collect();
                    pair(&name, &joined.join(","))
                }
                Shape::Pairs(kv) if p.explode && !kv.is_empty() => {
                    kv.iter().map(|(k, v)| pair(&enc(k), &enc(v))).collect()
                }
                Shape::Pairs(kv) => pair(&name, &flatten(&kv, enc).join(",")),
            }
        }
        ParameterStyle::Label => match shape {
            Shape::Primitive(v) => format!(".{}", enc(&v)),
            Shape::List(items) => {
                let sep = if p.explode { "." } else { "," };
                let joined: Vec<String> = items.iter().map(|i| enc(i)).collect();
                format!(".{}", joined.join(sep))
            }
            Shape::Pairs(kv) if p.explode => {
                let joined: Vec<String> = kv
                    .iter()
                    .map(|(k, v)| format!("{}={}", enc(k), enc(v)))
                    .collect();
                format!(".{}", joined.join("."))
            }
            Shape::Pairs(kv) => format!(".{}", flatten(&kv, enc).join(",")),
        },
        _ => match shape {
            Shape::Primitive(v) => enc(&v),
            Shape::List(items) => {
                let joined: Vec<String> = items.iter().map(|i| enc(i)).collect();
                joined.join(",")
            }
            Shape::Pairs(kv) if p.explode => {
                let joined: Vec<String> = kv
                    .iter()
                    .map(|(k, v)| format!("{}={}", enc(k), enc(v)))
                    .collect();
                joined.join(",")
            }
            Shape::Pairs(kv) => flatten(&kv, enc).join(","),
        },
    }
}

/// How one query field (a parameter, or a field of a urlencoded body) is written.
pub(super) struct Field<'a> {
    /// The field name, not yet encoded.
    pub name: &'a str,
    /// The style; path and header styles are read as `form`.
    pub style: ParameterStyle,
    /// Whether arrays and objects are exploded.
    pub explode: bool,
    /// Whether reserved characters stay raw in values.
    pub allow_reserved: bool,
    /// The media type the value is written as, for `content` parameters.
    pub media_type: Option<&'a str>,
}

/// The `name=value` pairs of a query parameter, joined by `&`.
pub(super) fn query(p: &Parameter, value: &Value) -> String {
    field(
        &Field {
            name: &p.name,
            style: p.style,
            explode: p.explode,
            allow_reserved: p.allow_reserved,
            media_type: p.media_type.as_deref(),
        },
        value,
    )
}

/// The `name=value` pairs of one query field, joined by `&`; never empty
/// (an empty value, array or object gives `name=`).
pub(super) fn field(f: &Field<'_>, value: &Value) -> String {
    let name = query_component(f.name);
    let enc = |s: &str| {
        if f.allow_reserved {
            query_reserved(s)
        } else {
            query_component(s)
        }
    };
    if f.style == ParameterStyle::DeepObject && f.media_type.is_none() {
        let mut out = Vec::new();
        deep(&mut out, &name, value, &enc, 0);
        return out.join("&");
    }
    let shape = shape(value, f.media_type);
    let delimiter = match f.style {
        ParameterStyle::SpaceDelimited if !f.explode => Some("%20"),
        ParameterStyle::PipeDelimited if !f.explode => Some("|"),
        _ => None,
    };
    match shape {
        Shape::Primitive(v) => format!("{name}={}", enc(&v)),
        Shape::List(items) if items.is_empty() => format!("{name}="),
        Shape::Pairs(kv) if kv.is_empty() => format!("{name}="),
        Shape::List(items) if f.explode && delimiter.is_none() => {
            let pairs: Vec<String> = items.iter().map(|i| format!("{name}={}", enc(i))).collect();
            pairs.join("&")
        }
        Shape::List(items) => {
            let joined: Vec<String> = items.iter().map(|i| enc(i)).collect();
            format!("{name}={}", joined.join(delimiter.unwrap_or(",")))
        }
        Shape::Pairs(kv) if f.explode && delimiter.is_none() => {
            let pairs: Vec<String> = kv
                .iter()
                .map(|(k, v)| format!("{}={}", query_component(k), enc(v)))
                .collect();
            pairs.join("&")
        }
        Shape::Pairs(kv) => format!(
            "{name}={}",
            flatten(&kv, enc).join(delimiter.unwrap_or(","))
        ),
    }
}

/// `deepObject`: `prefix[key]=value`, nested objects as further `[key]`s,
/// arrays as the same key repeated, empty objects and arrays as `prefix=`.
fn deep(
    out: &mut Vec<String>,
    prefix: &str,
    value: &Value,
    enc: &dyn Fn(&str) -> String,
    depth: usize,
) {
    match value {
        Value::Object(map) if !map.is_empty() && depth < MAX_DEPTH => {
            for (k, v) in map {
                let key = format!("{prefix}[{}]", query_component(k));
                deep(out, &key, v, enc, depth + 1);
            }
        }
        Value::Array(items) if !items.is_empty() => {
            for item in items {
                out.push(format!("{prefix}={}", enc(&text(item))));
            }
        }
        Value::Object(map) if map.is_empty() => out.push(format!("{prefix}=")),
        Value::Array(_) => out.push(format!("{prefix}=")),
        other => out.push(format!("{prefix}={}", enc(&text(other)))),
    }
}

/// A header parameter: simple style, no percent-encoding; a name that is no
/// HTTP token or a value with a control character is unsendable.
pub(super) fn header(p: &Parameter, value: &Value) -> Result<(String, String), Unsendable> {
    let unsendable = |reason: String| Unsendable {
        location: "header".into(),
        name: p.name.clone(),
        reason,
    };
    if p.name.is_empty() {
        return Err(unsendable("a header name cannot be empty".into()));
    }
    if let Some(b) = p.name.bytes().find(|b| !is_tchar(*b)) {
        return Err(unsendable(format!(
            "byte {b:#04x} is not allowed in a header name (not an HTTP token character)"
        )));
    }
    let text = match shape(value, p.media_type.as_deref()) {
        Shape::Primitive(v) => v,
        Shape::List(items) => items.join(","),
        Shape::Pairs(kv) if p.explode => {
            let pairs: Vec<String> = kv.iter().map(|(k, v)| format!("{k}={v}")).collect();
            pairs.join(",")
        }
        Shape::Pairs(kv) => flatten(&kv, |s| s.to_owned()).join(","),
    };
    if let Some(b) = text.bytes().find(|b| !is_header_value_byte(*b)) {
        return Err(unsendable(format!(
            "byte {b:#04x} (a control character) cannot be sent in a header value"
        )));
    }
    Ok((p.name.clone(), text))
}

/// A cookie parameter's `name=value` pairs (form style; exploded arrays and
/// objects give several pairs). Bytes outside `cookie-octet`, and `%`, are
/// percent-encoded in values; bytes outside `tchar`, and `%`, in names.
pub(super) fn cookie(p: &Parameter, value: &Value) -> Vec<String> {
    let enc_name = |s: &str| percent(s, |b| is_tchar(b) && b != b'%');
    let enc = |s: &str| percent(s, |b| is_cookie_octet(b) && b != b'%');
    let name = enc_name(&p.name);
    match shape(value, p.media_type.as_deref()) {
        Shape::Primitive(v) => vec![format!("{name}={}", enc(&v))],
        Shape::List(items) if items.is_empty() => vec![format!("{name}=")],
        Shape::Pairs(kv) if kv.is_empty() => vec![format!("{name}=")],
        Shape::List(items) if p.explode => {
            items.iter().map(|i| format!("{name}={}", enc(i))).collect()
        }
        Shape::List(items) => {
            let joined: Vec<String> = items.iter().map(|i| enc(i)).collect();
            vec![format!("{name}={}", joined.join(","))]
        }
        Shape::Pairs(kv) if p.explode => kv
            .iter()
            .map(|(k, v)| format!("{}={}", enc_name(k), enc(v)))
            .collect(),
        Shape::Pairs(kv) => vec![format!("{name}={}", flatten(&kv, enc).join(","))],
    }
}
