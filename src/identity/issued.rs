//! [`issued`]: whether a sign-in succeeded, judged by what the server
//! issued rather than by its status. Many APIs answer a failed sign-in
//! with 200 and a message (`{"message": "Password is not correct"}`), so a
//! 2xx proves nothing; a sign-in succeeded when its answer holds a token
//! where the locator (`--token-from`) looks, or sets a session cookie.

use super::token::{SESSION_COOKIE_WORDS, TokenFrom, TokenUse, set_cookies};
use crate::http::Response;
use crate::model::login::token_in;

/// Whether the sign-in answer `response` issued a credential: a 2xx or 3xx
/// answer holding a token where `token` looks (the JSON body's token keys
/// or a session cookie for `auto`), or setting a session-like cookie with a
/// value (not one that clears it: `Max-Age=0`). A 4xx or 5xx answer never
/// issues one, whatever it carries.
pub fn issued(response: &Response, token: &TokenUse) -> bool {
    if response.status >= 400 {
        return false;
    }
    match &token.from {
        TokenFrom::Auto => {
            serde_json::from_slice::<serde_json::Value>(&response.body)
                .ok()
                .as_ref()
                .and_then(token_in)
                .is_some()
                || sets_session_cookie(response, None)
        }
        TokenFrom::Cookie(name) => sets_session_cookie(response, Some(name)),
        _ => token.credential(response).is_some() || sets_session_cookie(response, None),
    }
}

/// Whether `response` sets the cookie `want` (else any session-like
/// cookie) to a value, without clearing it.
fn sets_session_cookie(response: &Response, want: Option<&str>) -> bool {
    let clears = |name: &str| {
        response
            .headers
            .iter()
            .filter(|(n, _)| n.eq_ignore_ascii_case("set-cookie"))
            .filter(|(_, v)| {
                v.split(';')
                    .next()
                    .and_then(|pair| pair.split_once('='))
                    .is_some_and(|(n, _)| n.trim() == name)
            })
            .any(|(_, v)| {
                let lower = v.to_ascii_lowercase().replace(' ', "");
                lower.contains("max-age=0") || lower.contains("max-age=-")
            })
    };
    set_cookies(response).any(|(name, value)| {
        let lower = name.to_ascii_lowercase();
        let named = match want {
            Some(w) => name.eq_ignore_ascii_case(w),
            None => SESSION_COOKIE_WORDS.iter().any(|w| lower.contains(w)),
        };
        !value.is_empty() && !value.eq_ignore_ascii_case("deleted") && named && !clears(name)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn response(status: u16, headers: &[(&str, &str)], body: &str) -> Response {
        Response {
            status,
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
    fn a_credential_is_issued_only_with_a_token_or_a_session_cookie() {
        let auto = TokenUse::default();
        // 200 with a message: a failed sign-in
        let failed = response(200, &[], r#"{"message":"Password is not correct"}"#);
        assert!(!issued(&failed, &auto));
        assert!(issued(&response(200, &[], r#"{"token":"abc"}"#), &auto));
        assert!(issued(
            &response(302, &[("set-cookie", "PHPSESSID=x1; Path=/")], ""),
            &auto
        ));
        // a cookie that clears the session, or a theme cookie, is no credential
        assert!(!issued(
            &response(200, &[("set-cookie", "sid=gone; Max-Age=0")], "{}"),
            &auto
        ));
        assert!(!issued(
            &response(200, &[("set-cookie", "theme=dark")], "{}"),
            &auto
        ));
        // a 401 with a token-like key is still a refusal
        assert!(!issued(&response(401, &[], r#"{"token":"abc"}"#), &auto));
        // the locator decides where a token is
        let at = TokenUse {
            from: TokenFrom::Pointer("/data/jwt".into()),
            send: None,
        };
        assert!(!issued(&response(200, &[], r#"{"token":"abc"}"#), &at));
        assert!(issued(
            &response(200, &[], r#"{"data":{"jwt":"abc"}}"#),
            &at
        ));
    }
}
