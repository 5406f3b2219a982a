//! The privilege-claiming headers `header_privilege` sends
//! (`payloads/privilege_headers.txt`, compiled in), and what decides
//! whether a family applies to a refusal.

/// The built-in list, one `FAMILY Name: value` a line.
const LIST: &str = include_str!(concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/payloads/privilege_headers.txt"
));

/// Families sent only when the refusal speaks of the client's address.
pub(super) const CLIENT_IP: &str = "client_ip";
/// The family sent on a POST tunnelling the operation's method.
pub(super) const METHOD_OVERRIDE: &str = "method_override";

/// One header of the list.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct Claim {
    /// What it claims (`admin_flag`, `role`, `client_ip`, ...).
    pub(super) family: String,
    /// The header's name.
    pub(super) name: String,
    /// Its value, with `{public_path}` and `{method}` still in it.
    pub(super) value: String,
}

impl Claim {
    /// The value with its placeholders filled.
    pub(super) fn value_for(&self, public_path: &str, method: &str) -> String {
        self.value
            .replace("{public_path}", public_path)
            .replace("{method}", method)
    }
}

/// The headers of a list's text, in order (`#` comments, blank lines and
/// lines without `FAMILY Name: value` skipped).
pub(super) fn parse(text: &str) -> Vec<Claim> {
    text.lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .filter_map(|l| {
            let (family, header) = l.split_once(' ')?;
            let (name, value) = header.split_once(':')?;
            let (name, value) = (name.trim(), value.trim());
            let token = |t: &str| {
                !t.is_empty()
                    && t.bytes()
                        .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
            };
            (token(family) && token(name) && !value.is_empty()).then(|| Claim {
                family: family.to_owned(),
                name: name.to_owned(),
                value: value.to_owned(),
            })
        })
        .collect()
}

/// The built-in headers.
pub(super) fn builtin() -> Vec<Claim> {
    parse(LIST)
}

/// Words of a refusal that speak of where the request comes from.
const ADDRESS_WORDS: [&str; 12] = [
    "ip",
    "address",
    "addr",
    "localhost",
    "loopback",
    "intranet",
    "internal",
    "network",
    "allowlist",
    "whitelist",
    "remote",
    "host",
];

/// Whether a refusal's body speaks of the client's address (`only from
/// localhost`, `your IP is not allowed`).
pub(super) fn about_address(body: &str) -> bool {
    let lower = body.to_ascii_lowercase();
    lower.contains("127.0.0.1")
        || lower
            .split(|c: char| !c.is_ascii_alphanumeric())
            .any(|w| ADDRESS_WORDS.contains(&w))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_builtin_list_has_every_family() {
        let claims = builtin();
        for family in [
            "admin_flag",
            "role",
            "user_id",
            CLIENT_IP,
            "url_rewrite",
            METHOD_OVERRIDE,
        ] {
            assert!(claims.iter().any(|c| c.family == family), "{family}");
        }
        assert!(
            claims
                .iter()
                .any(|c| c.name == "IsAdmin" && c.value == "True")
        );
    }

    #[test]
    fn lines_without_a_header_are_skipped() {
        let claims = parse("# c\n\nadmin_flag X-A: 1\nbroken\nrole : x\n");
        assert_eq!(claims.len(), 1);
        assert_eq!(claims[0].value_for("/", "DELETE"), "1");
    }

    #[test]
    fn address_refusals() {
        assert!(about_address(r#"{"error":"only from localhost"}"#));
        assert!(about_address("Your IP 10.0.0.8 is not allowed"));
        assert!(!about_address(
            r#"{"error":"missing or invalid bearer token"}"#
        ));
        assert!(!about_address("forbidden: admin only"));
    }
}
