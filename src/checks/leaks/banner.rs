//! Version-revealing banners in response headers.

use serde::Serialize;

/// A header whose value reveals a server or framework version.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Banner {
    /// The header name, lower-cased.
    pub header: String,
    /// The header value as sent.
    pub value: String,
}

/// The version-revealing banners among response headers: `Server` and
/// `X-Powered-By` values with a version (`nginx/1.18.0`, `PHP/7.4.3`,
/// `Apache/2.4.41 (Ubuntu)`; a bare `nginx` is not one), and any
/// `X-AspNet-Version` or `X-AspNetMvc-Version` value holding a digit.
pub fn server_banner<'a, I>(headers: I) -> Vec<Banner>
where
    I: IntoIterator<Item = (&'a str, &'a str)>,
{
    headers
        .into_iter()
        .filter(|(name, value)| {
            let name = name.trim();
            if name.eq_ignore_ascii_case("server") || name.eq_ignore_ascii_case("x-powered-by") {
                has_version(value)
            } else if name.eq_ignore_ascii_case("x-aspnet-version")
                || name.eq_ignore_ascii_case("x-aspnetmvc-version")
            {
                value.bytes().any(|b| b.is_ascii_digit())
            } else {
                false
            }
        })
        .map(|(name, value)| Banner {
            header: name.trim().to_ascii_lowercase(),
            value: value.to_owned(),
        })
        .collect()
}

/// Whether a product token carries a version: `/` followed by a digit
/// (optionally `v`), or a `digit.digit` anywhere.
fn has_version(value: &str) -> bool {
    let bytes = value.as_bytes();
    bytes.iter().enumerate().any(|(i, &b)| {
        let next = bytes.get(i + 1).copied();
        let after = bytes.get(i + 2).copied();
        match b {
            b'/' => {
                next.is_some_and(|c| c.is_ascii_digit())
                    || (matches!(next, Some(b'v' | b'V'))
                        && after.is_some_and(|c| c.is_ascii_digit()))
            }
            b'0'..=b'9' => next == Some(b'.') && after.is_some_and(|c| c.is_ascii_digit()),
            _ => false,
        }
    })
}
