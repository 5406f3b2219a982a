//! The origins the CORS probe derives from the API's own domains: where
//! the domains come from (the spec's servers, the target's host, the
//! user's `--cors-domain`, the answers' own CORS headers) and the variants
//! of each a careless trust check lets through.

/// A way of bending an allowed domain into an attacker's origin.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Variant {
    /// `https://evil<domain>`: passes a check that the origin ends with the domain.
    Prefix,
    /// `https://<domain>.evil.example`: passes a check that it starts with
    /// or contains the domain.
    Suffix,
    /// `https://<domain with a dot replaced by a letter>`: passes a regular
    /// expression whose dots are not escaped.
    UnescapedDot,
    /// `https://x.<domain>`: any subdomain, trusted along with the domain
    /// (only as safe as every subdomain; low severity).
    Subdomain,
    /// `http://<domain>` for an https domain: a network attacker can
    /// inject a page at that origin.
    Http,
}

impl Variant {
    /// Every variant, in the order tried.
    pub(super) const ALL: [Variant; 5] = [
        Variant::Prefix,
        Variant::Suffix,
        Variant::UnescapedDot,
        Variant::Http,
        Variant::Subdomain,
    ];

    /// Its name, the finding's signature.
    pub(super) fn name(self) -> &'static str {
        match self {
            Variant::Prefix => "derived_prefix",
            Variant::Suffix => "derived_suffix",
            Variant::UnescapedDot => "derived_unescaped_dot",
            Variant::Subdomain => "derived_subdomain",
            Variant::Http => "derived_http_scheme",
        }
    }

    /// Why it should not pass, for the finding's evidence.
    pub(super) fn why(self) -> &'static str {
        match self {
            Variant::Prefix => {
                "anyone can register a domain that merely ends with the API's: the check compares a suffix of the text, not the host"
            }
            Variant::Suffix => {
                "anyone can name a host of their own domain after the API's: the check looks for the domain anywhere in the origin"
            }
            Variant::UnescapedDot => {
                "a dot of the domain matches any character (an unescaped `.` in a regular expression), so a different domain passes"
            }
            Variant::Subdomain => {
                "every subdomain is trusted, so one forgotten or user-controlled subdomain can read answers with the victim's session"
            }
            Variant::Http => {
                "a plain-http origin can be injected by anyone on the network path, which then reads the https API's answers"
            }
        }
    }

    /// The origin of this variant for `domain` (served over `https`
    /// unless `secure` is false), or `None` when it does not apply.
    pub(super) fn origin(self, domain: &str, secure: bool) -> Option<String> {
        match self {
            Variant::Prefix => Some(format!("https://evil{domain}")),
            Variant::Suffix => Some(format!("https://{domain}.evil.example")),
            Variant::UnescapedDot => {
                let i = domain.find('.')?;
                Some(format!("https://{}x{}", &domain[..i], &domain[i + 1..]))
            }
            Variant::Subdomain => Some(format!("https://x.{domain}")),
            Variant::Http => secure.then(|| format!("http://{domain}")),
        }
    }
}

/// A domain the API answers for, and whether it is served over https.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct Domain {
    /// The host name, lower case.
    pub(super) name: String,
    /// Whether its origin is `https://`.
    pub(super) secure: bool,
}

/// Adds the domain of `url` (an origin, a server URL, a bare host) to
/// `out` unless it is an IP address, `localhost`, has no dot or is known;
/// a host of three labels or more adds its parent domain too
/// (`app.example.com` gives `example.com`).
pub(super) fn add_domain(out: &mut Vec<Domain>, url: &str) {
    let text = url.trim();
    let (secure, rest) = if let Some(r) = text.strip_prefix("https://") {
        (true, r)
    } else if let Some(r) = text.strip_prefix("http://") {
        (false, r)
    } else if text.contains("://") {
        return;
    } else {
        (true, text)
    };
    let host = rest
        .split(['/', '?', '#'])
        .next()
        .unwrap_or("")
        .rsplit('@')
        .next()
        .unwrap_or("");
    let host = host.split(':').next().unwrap_or("").trim_end_matches('.');
    let host = host.to_ascii_lowercase();
    if host.is_empty()
        || !host.contains('.')
        || host.contains(['{', '}', '[', ']', '*', ' '])
        || host.parse::<std::net::Ipv4Addr>().is_ok()
        || host.ends_with("localhost")
    {
        return;
    }
    let mut push = |name: &str| {
        if !out.iter().any(|d| d.name == name) {
            out.push(Domain {
                name: name.to_owned(),
                secure,
            });
        }
    };
    push(&host);
    if host.split('.').count() >= 3
        && let Some((_, parent)) = host.split_once('.')
    {
        push(parent);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn domains_from_urls_origins_and_hosts() {
        let mut out = Vec::new();
        add_domain(&mut out, "https://app.example.com:8443/api");
        add_domain(&mut out, "http://127.0.0.1:8080");
        add_domain(&mut out, "localhost");
        add_domain(&mut out, "partner.org");
        let names: Vec<&str> = out.iter().map(|d| d.name.as_str()).collect();
        assert_eq!(names, ["app.example.com", "example.com", "partner.org"]);
    }

    #[test]
    fn variants() {
        let o = |v: Variant| v.origin("example.com", true);
        assert_eq!(
            o(Variant::Prefix).as_deref(),
            Some("https://evilexample.com")
        );
        assert_eq!(
            o(Variant::Suffix).as_deref(),
            Some("https://example.com.evil.example")
        );
        assert_eq!(
            o(Variant::UnescapedDot).as_deref(),
            Some("https://examplexcom")
        );
        assert_eq!(Variant::Http.origin("example.com", false), None);
    }
}
