//! Load-time warnings for schemas no value can satisfy or that cannot be
//! read as written: `minLength` above `maxLength` (and the same for items,
//! properties and numbers), an empty `enum`, a `pattern` that does not
//! parse, an integer bound past what a 128-bit integer holds.

use super::Context;
use crate::model::{Schema, Types, WarningKind};

/// The largest integer bound apiprobe computes with exactly (`i128`).
const INTEGER_LIMIT: f64 = 1.7e38;

/// Warns at `loc` (the schema's JSON pointer) for each impossible or
/// unreadable keyword of `s`.
pub(crate) fn schema(cx: &mut Context, s: &Schema, loc: &str) {
    let pairs = [
        ("minLength", s.min_length, "maxLength", s.max_length),
        ("minItems", s.min_items, "maxItems", s.max_items),
        (
            "minProperties",
            s.min_properties,
            "maxProperties",
            s.max_properties,
        ),
    ];
    for (lo_name, lo, hi_name, hi) in pairs {
        if let (Some(lo), Some(hi)) = (lo, hi)
            && lo > hi
        {
            cx.warn(
                WarningKind::Impossible,
                loc,
                format!(
                    "`{lo_name}` {lo} is above `{hi_name}` {hi}: no value satisfies the schema"
                ),
            );
        }
    }
    let bound = |n: &Option<serde_json::Number>| n.as_ref().and_then(serde_json::Number::as_f64);
    if let (Some(lo), Some(hi)) = (bound(&s.minimum), bound(&s.maximum))
        && (lo > hi || (lo == hi && (s.exclusive_minimum || s.exclusive_maximum)))
    {
        cx.warn(
            WarningKind::Impossible,
            loc,
            format!("`minimum` {lo} is above `maximum` {hi}: no number satisfies the schema"),
        );
    }
    if s.enumeration.as_ref().is_some_and(Vec::is_empty) {
        cx.warn(
            WarningKind::Impossible,
            &format!("{loc}/enum"),
            "`enum` is empty: no value satisfies the schema",
        );
    }
    if let Some(p) = &s.pattern
        && let Err(e) = fancy_regex::Expr::parse_tree(p)
    {
        cx.warn(
            WarningKind::InvalidPattern,
            &format!("{loc}/pattern"),
            format!("`pattern` {p:?} is not a valid regular expression ({e}); it is not used"),
        );
    }
    let integer = s.types.contains(Types::Integer) && !s.types.contains(Types::Number);
    if integer {
        for (name, n) in [("minimum", &s.minimum), ("maximum", &s.maximum)] {
            if let Some(v) = bound(n).filter(|v| v.abs() > INTEGER_LIMIT) {
                cx.warn(
                    WarningKind::Impossible,
                    &format!("{loc}/{name}"),
                    format!("`{name}` {v:e} of an integer is past the 128-bit range apiprobe computes integers in"),
                );
            }
        }
    }
}
