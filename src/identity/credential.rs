//! Credentials and extra headers, added to every request a scan sends.

use base64::Engine as _;

use crate::http::Request;
use crate::model::{Api, ApiKeyLocation, SecurityScheme};

/// Where a credential travels.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Place {
    /// A request header.
    Header,
    /// A query parameter.
    Query,
    /// A cookie.
    Cookie,
}

/// One credential or extra value added to every request; it replaces a
/// value of the same name the case generated.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Credential {
    /// Where it goes.
    pub place: Place,
    /// The header, parameter or cookie name.
    pub name: String,
    /// The value, as sent.
    pub value: String,
}

impl Credential {
    /// `Authorization: Bearer TOKEN`.
    pub fn bearer(token: &str) -> Credential {
        Credential {
            place: Place::Header,
            name: "authorization".into(),
            value: format!("Bearer {token}"),
        }
    }

    /// `Authorization: Basic ...` from `user:password`.
    pub fn basic(user_password: &str) -> Credential {
        let encoded = base64::engine::general_purpose::STANDARD.encode(user_password);
        Credential {
            place: Place::Header,
            name: "authorization".into(),
            value: format!("Basic {encoded}"),
        }
    }

    /// An API key; with no place given, the place the spec declares for a key
    /// of that name, else a header.
    pub fn api_key(api: &Api, name: &str, value: &str, place: Option<Place>) -> Credential {
        let declared = api.security_schemes.values().find_map(|s| match s {
            SecurityScheme::ApiKey { name: n, location } if n.eq_ignore_ascii_case(name) => {
                Some(match location {
                    ApiKeyLocation::Header => Place::Header,
                    ApiKeyLocation::Query => Place::Query,
                    ApiKeyLocation::Cookie => Place::Cookie,
                })
            }
            _ => None,
        });
        Credential {
            place: place.or(declared).unwrap_or(Place::Header),
            name: name.to_owned(),
            value: value.to_owned(),
        }
    }

    /// A header, `Name: value`.
    pub fn header(name: &str, value: &str) -> Credential {
        Credential {
            place: Place::Header,
            name: name.to_owned(),
            value: value.to_owned(),
        }
    }
}

/// Adds `credentials` to `request`, replacing generated values of the same name.
pub fn apply(credentials: &[Credential], request: &mut Request) {
    for c in credentials {
        match c.place {
            Place::Header => {
                request
                    .headers
                    .retain(|(n, _)| !n.eq_ignore_ascii_case(&c.name));
                request.headers.push((c.name.clone(), c.value.clone()));
            }
            Place::Query => {
                let name = encode(&c.name);
                let kept: Vec<&str> = request
                    .query
                    .split('&')
                    .filter(|pair| !pair.is_empty())
                    .filter(|pair| pair.split('=').next() != Some(name.as_str()))
                    .collect();
                let mut query = kept.join("&");
                if !query.is_empty() {
                    query.push('&');
                }
                query.push_str(&name);
                query.push('=');
                query.push_str(&encode(&c.value));
                request.query = query;
            }
            Place::Cookie => {
                let pair = format!("{}={}", c.name, c.value);
                match request
                    .headers
                    .iter_mut()
                    .find(|(n, _)| n.eq_ignore_ascii_case("cookie"))
                {
                    Some((_, value)) => {
                        let kept: Vec<&str> = value
                            .split(';')
                            .map(str::trim)
                            .filter(|p| !p.is_empty())
                            .filter(|p| p.split('=').next() != Some(c.name.as_str()))
                            .collect();
                        let mut joined = kept.join("; ");
                        if !joined.is_empty() {
                            joined.push_str("; ");
                        }
                        joined.push_str(&pair);
                        *value = joined;
                    }
                    None => request.headers.push(("cookie".into(), pair)),
                }
            }
        }
    }
}

/// Everything but RFC 3986's unreserved characters is percent-encoded.
const QUERY_VALUE: &percent_encoding::AsciiSet = &percent_encoding::NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'.')
    .remove(b'_')
    .remove(b'~');

fn encode(text: &str) -> String {
    percent_encoding::utf8_percent_encode(text, QUERY_VALUE).to_string()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Method;

    fn request() -> Request {
        Request {
            method: Method::Get,
            path: "/x".into(),
            query: "a=1&api_key=gen".into(),
            headers: vec![
                ("Authorization".into(), "Bearer generated".into()),
                ("cookie".into(), "sid=gen; theme=dark".into()),
            ],
            body: None,
        }
    }

    #[test]
    fn credentials_replace_generated_values() {
        let mut r = request();
        apply(
            &[
                Credential::bearer("t0ken"),
                Credential {
                    place: Place::Query,
                    name: "api_key".into(),
                    value: "k y".into(),
                },
                Credential {
                    place: Place::Cookie,
                    name: "sid".into(),
                    value: "s3".into(),
                },
            ],
            &mut r,
        );
        assert_eq!(r.query, "a=1&api_key=k%20y");
        let auth: Vec<_> = r
            .headers
            .iter()
            .filter(|(n, _)| n.eq_ignore_ascii_case("authorization"))
            .collect();
        assert_eq!(auth.len(), 1);
        assert_eq!(auth[0].1, "Bearer t0ken");
        let cookie = r.headers.iter().find(|(n, _)| n == "cookie").unwrap();
        assert_eq!(cookie.1, "theme=dark; sid=s3");
    }

    #[test]
    fn basic_is_base64_of_user_and_password() {
        let c = Credential::basic("alice:wonderland");
        assert_eq!(c.value, "Basic YWxpY2U6d29uZGVybGFuZA==");
    }
}
