//! Keeping secrets out of every output: credentials, cookies, API keys and
//! every configured secret are replaced by `***` in the terminal summary,
//! every report and every curl command, unless the user asks to see them.

use std::borrow::Cow;

use base64::Engine as _;

use super::document::Report;
use crate::checks::{Finding, RecordedRequest, RecordedResponse};

/// What a masked value is replaced by.
pub const MASK: &str = "***";

/// Header names whose values are always secret, in lower case.
const SECRET_HEADERS: &[&str] = &[
    "authorization",
    "proxy-authorization",
    "cookie",
    "set-cookie",
    "x-api-key",
    "api-key",
    "apikey",
    "x-auth-token",
    "x-access-token",
    "x-amz-security-token",
    "x-csrf-token",
    "x-xsrf-token",
];

/// Values shorter than this are not masked as text (masking `a` or `42`
/// everywhere would make the output unreadable); they are still masked
/// where they appear as the value of a secret header or parameter.
const SHORTEST_MASKED: usize = 4;

/// The secrets of a scan and how to hide them.
#[derive(Debug, Clone, Default)]
pub struct Secrets {
    /// Literal values hidden wherever they appear, longest first.
    values: Vec<String>,
    /// Header names whose values are hidden (lower case).
    headers: Vec<String>,
    /// Query parameter and cookie names whose values are hidden.
    params: Vec<String>,
    /// Show everything (`--show-secrets`).
    show: bool,
}

impl Secrets {
    /// Masking with the built-in secret headers and no known values.
    pub fn new() -> Secrets {
        Secrets {
            headers: SECRET_HEADERS.iter().map(|h| (*h).to_owned()).collect(),
            ..Secrets::default()
        }
    }

    /// No masking at all (`--show-secrets`).
    pub fn shown() -> Secrets {
        Secrets {
            show: true,
            ..Secrets::default()
        }
    }

    /// Whether anything is masked.
    pub fn is_masking(&self) -> bool {
        !self.show
    }

    /// Hides `value` wherever it appears, and its percent-encoded and base64 forms.
    pub fn add_value(&mut self, value: &str) {
        let value = value.trim();
        if value.chars().count() < SHORTEST_MASKED {
            return;
        }
        let mut forms = Vec::new();
        // `Bearer TOKEN`, `Basic ...`: the credential part is what is hidden,
        // so text keeps the scheme (`Bearer ***`) as headers do
        match value.split_once(' ') {
            Some((scheme, rest))
                if scheme.len() <= 10 && scheme.bytes().all(|b| b.is_ascii_alphabetic()) =>
            {
                forms.push(rest.trim().to_owned());
            }
            _ => forms.push(value.to_owned()),
        }
        forms.push(
            percent_encoding::utf8_percent_encode(value, percent_encoding::NON_ALPHANUMERIC)
                .to_string(),
        );
        forms.push(base64::engine::general_purpose::STANDARD.encode(value));
        for form in forms {
            if form.chars().count() >= SHORTEST_MASKED && !self.values.contains(&form) {
                self.values.push(form);
            }
        }
        self.values.sort_by_key(|v| std::cmp::Reverse(v.len()));
    }

    /// Hides the values of this header (case-insensitive).
    pub fn add_header(&mut self, name: &str) {
        let name = name.to_ascii_lowercase();
        if !self.headers.contains(&name) {
            self.headers.push(name);
        }
    }

    /// Hides the values of this query parameter or cookie.
    pub fn add_param(&mut self, name: &str) {
        if !self.params.iter().any(|p| p == name) {
            self.params.push(name.to_owned());
        }
    }

    /// Whether the values of a header by this name are hidden.
    pub fn is_secret_header(&self, name: &str) -> bool {
        let lower = name.to_ascii_lowercase();
        self.headers.contains(&lower) || self.params.iter().any(|p| p.eq_ignore_ascii_case(name))
    }

    /// `text` with every known secret value replaced by `***`.
    pub fn text<'a>(&self, text: &'a str) -> Cow<'a, str> {
        if self.show || !self.values.iter().any(|v| text.contains(v.as_str())) {
            return Cow::Borrowed(text);
        }
        let mut out = text.to_owned();
        for v in &self.values {
            if out.contains(v.as_str()) {
                out = out.replace(v.as_str(), MASK);
            }
        }
        Cow::Owned(out)
    }

    /// The masked value of a header: the scheme of `Authorization` stays
    /// (`Bearer ***`), cookie names stay (`sid=***`), everything else is `***`.
    pub fn header_value(&self, name: &str, value: &str) -> String {
        if self.show {
            return value.to_owned();
        }
        if !self.is_secret_header(name) {
            return self.text(value).into_owned();
        }
        let lower = name.to_ascii_lowercase();
        match lower.as_str() {
            "authorization" | "proxy-authorization" => match value.split_once(' ') {
                Some((scheme, _)) if !scheme.is_empty() => format!("{scheme} {MASK}"),
                _ => MASK.to_owned(),
            },
            "cookie" => mask_pairs(value, ';', |_| true),
            "set-cookie" => {
                // the first pair is the cookie; the attributes after it are not secret
                let (first, rest) = match value.split_once(';') {
                    Some((f, r)) => (f, Some(r)),
                    None => (value, None),
                };
                let mut out = mask_pairs(first, ';', |_| true);
                if let Some(r) = rest {
                    out.push(';');
                    out.push_str(&self.text(r));
                }
                out
            }
            _ => MASK.to_owned(),
        }
    }

    /// Headers with secret values masked.
    pub fn headers(&self, headers: &[(String, String)]) -> Vec<(String, String)> {
        headers
            .iter()
            .map(|(n, v)| (n.clone(), self.header_value(n, v)))
            .collect()
    }

    /// A URL with the values of secret query parameters masked, and known
    /// secret values hidden.
    pub fn url(&self, url: &str) -> String {
        if self.show {
            return url.to_owned();
        }
        let masked = match url.split_once('?') {
            Some((base, query)) if !self.params.is_empty() => {
                let (query, fragment) = match query.split_once('#') {
                    Some((q, f)) => (q, Some(f)),
                    None => (query, None),
                };
                let mut out = format!(
                    "{base}?{}",
                    mask_pairs(query, '&', |name| self.is_secret_param(name))
                );
                if let Some(f) = fragment {
                    out.push('#');
                    out.push_str(f);
                }
                out
            }
            _ => url.to_owned(),
        };
        self.text(&masked).into_owned()
    }

    fn is_secret_param(&self, encoded_name: &str) -> bool {
        let name = percent_encoding::percent_decode_str(encoded_name).decode_utf8_lossy();
        self.params.iter().any(|p| p.as_str() == name)
    }

    /// A copy of `self` that also hides the values of the secret headers,
    /// cookies and query parameters in `request` (to mask a curl command
    /// built from them).
    fn with_request_values(&self, request: &RecordedRequest) -> Secrets {
        let mut s = self.clone();
        for (n, v) in &request.headers {
            if !self.is_secret_header(n) {
                continue;
            }
            match n.to_ascii_lowercase().as_str() {
                "cookie" => {
                    for pair in v.split(';') {
                        if let Some((_, value)) = pair.split_once('=') {
                            s.add_value(value);
                        }
                    }
                }
                _ => s.add_value(v),
            }
        }
        if let Some((_, query)) = request.url.split_once('?') {
            for pair in query.split('&') {
                if let Some((name, value)) = pair.split_once('=')
                    && self.is_secret_param(name)
                {
                    s.add_value(value);
                    s.add_value(&percent_encoding::percent_decode_str(value).decode_utf8_lossy());
                }
            }
        }
        s
    }

    /// Masks one finding in place.
    pub fn finding(&self, f: &mut Finding) {
        if self.show {
            return;
        }
        let local = self.with_request_values(&f.request);
        f.curl = local.text(&f.curl).into_owned();
        f.request = local.request(&f.request);
        if let Some(r) = &f.response {
            f.response = Some(local.response(r));
        }
        f.title = local.text(&f.title).into_owned();
        f.evidence = local.text(&f.evidence).into_owned();
        if let Some(fail) = &mut f.failure {
            fail.message = local.text(&fail.message).into_owned();
        }
        for p in &mut f.proof {
            p.value = local.text(&p.value).into_owned();
        }
    }

    /// A recorded request, masked.
    pub fn request(&self, r: &RecordedRequest) -> RecordedRequest {
        RecordedRequest {
            method: r.method.clone(),
            url: self.url(&r.url),
            headers: self.headers(&r.headers),
            body: r.body.as_deref().map(|b| self.text(b).into_owned()),
        }
    }

    /// A recorded response, masked.
    pub fn response(&self, r: &RecordedResponse) -> RecordedResponse {
        RecordedResponse {
            status: r.status,
            headers: self.headers(&r.headers),
            body: self.text(&r.body).into_owned(),
            truncated: r.truncated,
        }
    }

    /// Masks a whole report in place.
    pub fn report(&self, report: &mut Report) {
        if self.show {
            return;
        }
        report.target = self.url(&report.target);
        for f in &mut report.findings {
            self.finding(f);
        }
    }
}

/// `a=1<sep>b=2` with the values of the pairs `secret` picks replaced.
fn mask_pairs(text: &str, sep: char, secret: impl Fn(&str) -> bool) -> String {
    let parts: Vec<String> = text
        .split(sep)
        .map(|pair| match pair.split_once('=') {
            Some((name, _)) if secret(name.trim()) => format!("{name}={MASK}"),
            _ => pair.to_owned(),
        })
        .collect();
    parts.join(&sep.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn headers_keep_their_shape_and_lose_their_values() {
        let s = Secrets::new();
        assert_eq!(
            s.header_value("Authorization", "Bearer abc.def"),
            "Bearer ***"
        );
        assert_eq!(
            s.header_value("cookie", "sid=s3cr3t; theme=dark"),
            "sid=***; theme=***"
        );
        assert_eq!(
            s.header_value("set-cookie", "sid=s3cr3t; Path=/; HttpOnly"),
            "sid=***; Path=/; HttpOnly"
        );
        assert_eq!(s.header_value("X-API-Key", "k"), "***");
        assert_eq!(s.header_value("accept", "text/plain"), "text/plain");
        assert_eq!(
            Secrets::shown().header_value("authorization", "Bearer x"),
            "Bearer x"
        );
    }

    #[test]
    fn values_are_hidden_in_every_form() {
        let mut s = Secrets::new();
        s.add_value("alice:wonder land");
        let b64 = base64::engine::general_purpose::STANDARD.encode("alice:wonder land");
        let text = format!("u=alice%3Awonder%20land b={b64} raw=alice:wonder land");
        let masked = s.text(&text);
        assert!(!masked.contains("wonder"), "{masked}");
        assert_eq!(s.text("abc"), "abc");
        s.add_value("ab"); // too short to hide as text
        assert_eq!(s.text("abc"), "abc");
        s.add_value("Bearer eyJ.tok3n");
        assert_eq!(
            s.text("curl -H 'authorization: Bearer eyJ.tok3n'"),
            "curl -H 'authorization: Bearer ***'"
        );
    }

    #[test]
    fn secret_query_parameters_are_masked_in_urls() {
        let mut s = Secrets::new();
        s.add_param("api_key");
        assert_eq!(
            s.url("http://h/x?a=1&api_key=k3y&b=2#f"),
            "http://h/x?a=1&api_key=***&b=2#f"
        );
        assert_eq!(s.url("http://h/x?a=1"), "http://h/x?a=1");
    }
}
