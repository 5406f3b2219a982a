//! Values a field's name suggests: a server that reads `month` as a number
//! from 1 to 12, `email` as an address or `avatar_url` as a URL answers 4xx
//! or 5xx to a random string, and a probe needs a request it accepts. Used
//! for plain fields only (a string or an integer without format, enum,
//! pattern or const: those say more than a name), when the generator's
//! options ask for hints.

use serde_json::Value;

use super::formats;
use super::source::Source;
use crate::model::{Schema, Types};

/// What a name hints at.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Hint {
    Month,
    Year,
    Day,
    Page,
    Limit,
    Offset,
    Email,
    Phone,
    Zip,
    Country,
    Currency,
    Latitude,
    Longitude,
    Uuid,
    Date,
    Url,
}

/// The name as lower-case letters and digits (`avatar_url`, `avatarUrl` and
/// `avatar-url` all read `avatarurl`).
fn squash(name: &str) -> String {
    name.chars()
        .filter(char::is_ascii_alphanumeric)
        .map(|c| c.to_ascii_lowercase())
        .collect()
}

/// The hint of a field name, if any: whole names first, then endings
/// (`birth_month`, `created_date`, `callback_url`).
fn hint_of(name: &str) -> Option<Hint> {
    let n = squash(name);
    let exact = match n.as_str() {
        "month" | "mon" | "mm" => Some(Hint::Month),
        "year" | "yr" | "yyyy" => Some(Hint::Year),
        "day" | "dd" => Some(Hint::Day),
        "page" | "pageno" | "pagenumber" | "pagenum" => Some(Hint::Page),
        "limit" | "size" | "pagesize" | "perpage" | "count" | "top" | "take" | "max" => {
            Some(Hint::Limit)
        }
        "offset" | "skip" | "start" => Some(Hint::Offset),
        "email" | "mail" | "emailaddress" => Some(Hint::Email),
        "phone" | "tel" | "telephone" | "mobile" | "phonenumber" => Some(Hint::Phone),
        "zip" | "zipcode" | "postcode" | "postalcode" | "plz" => Some(Hint::Zip),
        "country" | "countrycode" | "cc" => Some(Hint::Country),
        "currency" | "currencycode" | "ccy" => Some(Hint::Currency),
        "lat" | "latitude" => Some(Hint::Latitude),
        "lon" | "lng" | "long" | "longitude" => Some(Hint::Longitude),
        "uuid" | "guid" => Some(Hint::Uuid),
        "date" => Some(Hint::Date),
        "url" | "uri" | "href" | "link" | "website" | "homepage" | "callback" | "webhook"
        | "avatar" | "image" | "feed" | "endpoint" | "redirect" => Some(Hint::Url),
        _ => None,
    };
    if exact.is_some() {
        return exact;
    }
    let endings: [(&str, Hint); 12] = [
        ("month", Hint::Month),
        ("year", Hint::Year),
        ("email", Hint::Email),
        ("phone", Hint::Phone),
        ("zipcode", Hint::Zip),
        ("postcode", Hint::Zip),
        ("countrycode", Hint::Country),
        ("currencycode", Hint::Currency),
        ("uuid", Hint::Uuid),
        ("date", Hint::Date),
        ("url", Hint::Url),
        ("uri", Hint::Url),
    ];
    endings
        .iter()
        .find(|(end, _)| n.ends_with(end))
        .map(|(_, h)| *h)
}

/// Whether a schema is plain enough for a name to say more than it: no
/// const, enum, format or pattern, and it allows a string, an integer or a
/// number.
pub(crate) fn plain_field(s: &Schema) -> bool {
    s.constant.is_none()
        && s.enumeration.is_none()
        && s.format.is_none()
        && s.pattern.is_none()
        && (s.allows_type(Types::String)
            || s.allows_type(Types::Integer)
            || s.allows_type(Types::Number))
}

/// A value `name` hints at, in the schema's own type (a string when it
/// allows strings, else a number); `None` without a hint or when the hint
/// has no value of that type. The caller checks the schema's bounds.
pub(crate) fn hinted(name: &str, s: &Schema, src: &mut dyn Source) -> Option<Value> {
    let hint = hint_of(name)?;
    let string = s.allows_type(Types::String);
    let n = |src: &mut dyn Source, lo: i128, hi: i128| src.int_in(lo, hi);
    let number = match hint {
        Hint::Month => Some(n(src, 1, 12)),
        Hint::Year => Some(n(src, 2000, 2030)),
        Hint::Day => Some(n(src, 1, 28)),
        Hint::Page => Some(n(src, 1, 3)),
        Hint::Limit => Some(n(src, 5, 20)),
        Hint::Offset => Some(0),
        _ => None,
    };
    if let Some(v) = number {
        return Some(if string {
            Value::String(v.to_string())
        } else {
            Value::from(i64::try_from(v).unwrap_or(1))
        });
    }
    if matches!(hint, Hint::Latitude | Hint::Longitude) {
        let (lo, hi) = if hint == Hint::Latitude {
            (-60, 60)
        } else {
            (-150, 150)
        };
        let whole = n(src, lo, hi);
        let fraction = n(src, 0, 99);
        let text = format!("{whole}.{fraction:02}");
        return if string {
            Some(Value::String(text))
        } else {
            text.parse::<f64>()
                .ok()
                .and_then(serde_json::Number::from_f64)
                .map(Value::Number)
        };
    }
    if !string {
        return None;
    }
    let text = match hint {
        Hint::Email => formats::valid("email", src)?,
        Hint::Phone => format!("+1555{:07}", n(src, 0, 9_999_999)),
        Hint::Zip => format!("{:05}", n(src, 10_000, 99_999)),
        Hint::Country => pick(&["US", "DE", "FR", "GB", "JP"], src),
        Hint::Currency => pick(&["USD", "EUR", "GBP", "JPY", "CHF"], src),
        Hint::Uuid => formats::valid("uuid", src)?,
        Hint::Date => formats::valid("date", src)?,
        Hint::Url => format!("https://example.com/{}", n(src, 1, 9_999)),
        _ => return None,
    };
    Some(Value::String(text))
}

fn pick(options: &[&str], src: &mut dyn Source) -> String {
    options[src.index(options.len())].to_owned()
}

/// A one-digit string (`"1"` to `"9"`): what a plain string field that the
/// server reads as a number accepts when every random string fails (small
/// numbers are the ids and counts most likely to exist).
pub(crate) fn digits(src: &mut dyn Source) -> Value {
    Value::String(src.int_in(1, 9).to_string())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::generate::Seeded;

    fn plain_string() -> Schema {
        Schema {
            types: crate::model::TypeSet::one(Types::String),
            ..Schema::default()
        }
    }

    #[test]
    fn names_hint_at_values_of_the_schemas_type() {
        let mut src = Seeded::new(3);
        let s = plain_string();
        for _ in 0..50 {
            let month = hinted("month", &s, &mut src)
                .and_then(|v| v.as_str().and_then(|t| t.parse::<u32>().ok()));
            assert!(month.is_some_and(|m| (1..=12).contains(&m)), "{month:?}");
        }
        let url = hinted("avatar_url", &s, &mut src);
        assert!(url.is_some_and(|u| u.as_str().is_some_and(|t| t.starts_with("https://"))));
        assert!(hinted("birthMonth", &s, &mut src).is_some());
        assert!(hinted("title", &s, &mut src).is_none());
        let int = Schema {
            types: crate::model::TypeSet::one(Types::Integer),
            ..Schema::default()
        };
        assert!(hinted("page", &int, &mut src).is_some_and(|v| v.is_i64()));
        assert!(hinted("email", &int, &mut src).is_none());
    }
}
