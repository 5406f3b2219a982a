//! Where a login answer holds its token, and how the token is sent back.
//!
//! A locator (`--token-from`, `token-from` in apiprobe.toml) is one of:
//! - `auto` (the default): the first string under a token-like key of the
//!   JSON body (`token`, `access_token`, ... searched breadth-first), else a
//!   session-like cookie the answer sets (`sid`, `session`, `JSESSIONID`, ...);
//! - a JSON pointer into the body, `/data/session/token`;
//! - `header:NAME`, a response header (`header:X-Auth-Token`; a
//!   `Bearer ` prefix is dropped);
//! - `cookie:NAME`, a cookie of the answer's `Set-Cookie` headers.
//!
//! How it is sent (`--token-as`, `token-as`): `bearer`
//! (`Authorization: Bearer TOKEN`), `header:NAME` (the token as that
//! header's value) or `cookie:NAME`. The default is "as found": a token
//! taken from a cookie goes back as that cookie, any other as a bearer token.

use serde_json::Value;

use super::credential::{Credential, Place};
use crate::http::Response;
use crate::model::login::token_in;

/// Where a login answer holds the token.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub enum TokenFrom {
    /// A token-like key of the JSON body, else a session-like cookie.
    #[default]
    Auto,
    /// A JSON pointer into the body.
    Pointer(String),
    /// A response header.
    Header(String),
    /// A cookie set by the answer.
    Cookie(String),
}

/// How a token is sent with each request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TokenAs {
    /// `Authorization: Bearer TOKEN`.
    Bearer,
    /// The token as the value of this header.
    Header(String),
    /// The token as this cookie.
    Cookie(String),
}

/// Where a login's token is and how it is sent: the defaults are
/// [`TokenFrom::Auto`] and "as found".
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TokenUse {
    /// Where the login answer holds it.
    pub from: TokenFrom,
    /// How it is sent; `None`: a cookie as that cookie, anything else as a bearer token.
    pub send: Option<TokenAs>,
}

/// A locator or sending form that cannot be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TokenError {
    /// Not a locator.
    #[error(
        "token locator {0:?}: expected auto, a JSON pointer (/data/token), header:NAME or cookie:NAME"
    )]
    From(String),
    /// Not a way to send a token.
    #[error("token sending {0:?}: expected bearer, header:NAME or cookie:NAME")]
    As(String),
}

/// Cookie names that carry a session when the locator is `auto`.
pub(super) const SESSION_COOKIE_WORDS: [&str; 5] = ["sess", "sid", "token", "auth", "jwt"];

/// Whether a header or cookie name is a plain token (RFC 7230 `tchar`s).
fn is_token_name(name: &str) -> bool {
    !name.is_empty()
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "!#$%&'*+-.^_`|~".contains(c))
}

impl TokenFrom {
    /// Reads `auto`, `/json/pointer`, `header:NAME` or `cookie:NAME`.
    ///
    /// # Errors
    /// Anything else, or an empty or malformed name.
    pub fn parse(text: &str) -> Result<TokenFrom, TokenError> {
        let bad = || TokenError::From(text.to_owned());
        let t = text.trim();
        if t.eq_ignore_ascii_case("auto") {
            return Ok(TokenFrom::Auto);
        }
        if t.starts_with('/') {
            return Ok(TokenFrom::Pointer(t.to_owned()));
        }
        match t.split_once(':') {
            Some(("header", n)) if is_token_name(n.trim()) => {
                Ok(TokenFrom::Header(n.trim().to_owned()))
            }
            Some(("cookie", n)) if is_token_name(n.trim()) => {
                Ok(TokenFrom::Cookie(n.trim().to_owned()))
            }
            _ => Err(bad()),
        }
    }

    /// Where it looks, in words (for errors).
    pub fn describe(&self) -> String {
        match self {
            TokenFrom::Auto => "the JSON body's token keys (token, access_token, id_token, jwt, ...) or a session cookie".to_owned(),
            TokenFrom::Pointer(p) => format!("JSON pointer {p} of the body"),
            TokenFrom::Header(n) => format!("response header {n}"),
            TokenFrom::Cookie(n) => format!("Set-Cookie {n}"),
        }
    }
}

impl TokenAs {
    /// Reads `bearer`, `header:NAME` or `cookie:NAME`.
    ///
    /// # Errors
    /// Anything else, or an empty or malformed name.
    pub fn parse(text: &str) -> Result<TokenAs, TokenError> {
        let t = text.trim();
        if t.eq_ignore_ascii_case("bearer") {
            return Ok(TokenAs::Bearer);
        }
        match t.split_once(':') {
            Some(("header", n)) if is_token_name(n.trim()) => {
                Ok(TokenAs::Header(n.trim().to_owned()))
            }
            Some(("cookie", n)) if is_token_name(n.trim()) => {
                Ok(TokenAs::Cookie(n.trim().to_owned()))
            }
            _ => Err(TokenError::As(text.to_owned())),
        }
    }

    /// The credential that sends `token` this way.
    pub fn credential(&self, token: &str) -> Credential {
        match self {
            TokenAs::Bearer => Credential::bearer(token),
            TokenAs::Header(n) => Credential::header(n, token),
            TokenAs::Cookie(n) => Credential {
                place: Place::Cookie,
                name: n.clone(),
                value: token.to_owned(),
            },
        }
    }
}

/// The cookies a response sets, `(name, value)`, in order.
pub(super) fn set_cookies(response: &Response) -> impl Iterator<Item = (&str, &str)> {
    response
        .headers
        .iter()
        .filter(|(n, _)| n.eq_ignore_ascii_case("set-cookie"))
        .filter_map(|(_, v)| {
            let pair = v.split(';').next()?;
            let (name, value) = pair.split_once('=')?;
            Some((name.trim(), value.trim().trim_matches('"')))
        })
}

impl TokenUse {
    /// The credential the login answer `response` gives, or `None` when the
    /// token is not where the locator says.
    pub fn credential(&self, response: &Response) -> Option<Credential> {
        let (token, cookie) = match &self.from {
            TokenFrom::Auto => {
                let body = serde_json::from_slice::<Value>(&response.body).ok();
                match body.as_ref().and_then(token_in) {
                    Some(t) => (t, None),
                    None => {
                        let (name, value) = set_cookies(response).find(|(n, v)| {
                            let n = n.to_ascii_lowercase();
                            !v.is_empty() && SESSION_COOKIE_WORDS.iter().any(|w| n.contains(w))
                        })?;
                        (value.to_owned(), Some(name.to_owned()))
                    }
                }
            }
            TokenFrom::Pointer(p) => {
                let body = serde_json::from_slice::<Value>(&response.body).ok()?;
                match body.pointer(p)? {
                    Value::String(s) if !s.is_empty() => (s.clone(), None),
                    Value::Number(n) => (n.to_string(), None),
                    _ => return None,
                }
            }
            TokenFrom::Header(n) => {
                let v = response.header(n)?.trim();
                let v = v
                    .strip_prefix("Bearer ")
                    .or_else(|| v.strip_prefix("bearer "))
                    .unwrap_or(v)
                    .trim();
                (!v.is_empty()).then(|| (v.to_owned(), None))?
            }
            TokenFrom::Cookie(want) => {
                let (name, value) = set_cookies(response)
                    .find(|(n, v)| n.eq_ignore_ascii_case(want) && !v.is_empty())?;
                (value.to_owned(), Some(name.to_owned()))
            }
        };
        let send = match (&self.send, cookie) {
            (Some(how), _) => how.clone(),
            (None, Some(name)) => TokenAs::Cookie(name),
            (None, None) => TokenAs::Bearer,
        };
        Some(send.credential(&token))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn response(headers: &[(&str, &str)], body: &str) -> Response {
        Response {
            status: 200,
            version: "HTTP/1.1",
            headers: headers
                .iter()
                .map(|(n, v)| ((*n).to_owned(), (*v).to_owned()))
                .collect(),
            body: body.as_bytes().to_vec(),
            truncated: false,
        }
    }

    #[test]
    fn locators_parse_and_bad_ones_are_refused() {
        assert_eq!(TokenFrom::parse("auto"), Ok(TokenFrom::Auto));
        assert_eq!(
            TokenFrom::parse("/data/token"),
            Ok(TokenFrom::Pointer("/data/token".into()))
        );
        assert_eq!(
            TokenFrom::parse("header:X-Auth-Token"),
            Ok(TokenFrom::Header("X-Auth-Token".into()))
        );
        assert_eq!(
            TokenFrom::parse("cookie:sid"),
            Ok(TokenFrom::Cookie("sid".into()))
        );
        for bad in ["", "header:", "cookie:a b", "body", "json:/x", "header:a:b"] {
            assert!(TokenFrom::parse(bad).is_err(), "{bad}");
        }
        assert_eq!(TokenAs::parse("bearer"), Ok(TokenAs::Bearer));
        assert_eq!(
            TokenAs::parse("cookie:sid"),
            Ok(TokenAs::Cookie("sid".into()))
        );
        assert!(TokenAs::parse("basic").is_err());
    }

    #[test]
    fn tokens_are_taken_where_the_locator_says() {
        let r = response(
            &[
                ("x-auth-token", "Bearer h3ad"),
                ("set-cookie", "theme=dark; Path=/"),
                ("set-cookie", "sid=c00k; HttpOnly"),
            ],
            r#"{"data":{"session":{"token":"p0inter"}},"token":"k3y"}"#,
        );
        let at = |from: TokenFrom| TokenUse { from, send: None }.credential(&r);
        assert_eq!(at(TokenFrom::Auto), Some(Credential::bearer("k3y")));
        assert_eq!(
            at(TokenFrom::Pointer("/data/session/token".into())),
            Some(Credential::bearer("p0inter"))
        );
        assert_eq!(
            at(TokenFrom::Header("X-Auth-Token".into())),
            Some(Credential::bearer("h3ad"))
        );
        let c = at(TokenFrom::Cookie("sid".into())).unwrap();
        assert_eq!(
            (c.place, c.name.as_str(), c.value.as_str()),
            (Place::Cookie, "sid", "c00k")
        );
        assert_eq!(at(TokenFrom::Pointer("/nope".into())), None);
        assert_eq!(at(TokenFrom::Cookie("theme2".into())), None);
        let sent = TokenUse {
            from: TokenFrom::Cookie("sid".into()),
            send: Some(TokenAs::Header("X-Session".into())),
        }
        .credential(&r);
        assert_eq!(sent, Some(Credential::header("X-Session", "c00k")));
    }

    #[test]
    fn auto_falls_back_to_a_session_cookie() {
        let r = response(
            &[
                ("set-cookie", "theme=dark"),
                ("set-cookie", "JSESSIONID=abc; Path=/"),
            ],
            "welcome",
        );
        let c = TokenUse::default().credential(&r).unwrap();
        assert_eq!(
            (c.place, c.name.as_str(), c.value.as_str()),
            (Place::Cookie, "JSESSIONID", "abc")
        );
        assert_eq!(TokenUse::default().credential(&response(&[], "{}")), None);
    }
}
