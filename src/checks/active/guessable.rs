//! Operations that check a guessable secret, for `brute_force`: sign-ins
//! (a password, guessed for a user that does not exist), and operations
//! that verify a code (password reset, PIN, OTP, MFA, e-mail or phone
//! verification, voucher and coupon redemption), found by the words of
//! their path, operation id and summary and by the name of a field
//! (`pin`, `otp`, `code`, `token`, `*_code`, `voucher`, ...). A password
//! is never guessed outside a sign-in for an unknown user: a change of
//! password asks for the scan's own.

use serde_json::Value;

use super::ValueSlot;
use crate::model::login::login_fields;
use crate::model::{Api, Method, Operation, ParameterLocation, Schema, Types};

/// Words of a path, operation id or summary that name a code check.
const CODE_WORDS: &[&str] = &[
    "reset",
    "forgot",
    "recover",
    "verify",
    "verification",
    "confirm",
    "otp",
    "pin",
    "mfa",
    "2fa",
    "twofactor",
    "totp",
    "code",
    "voucher",
    "coupon",
    "redeem",
    "promo",
    "gift",
    "activate",
    "unlock",
    "passcode",
];

/// Field names (lower case, without `_` and `-`) that hold a code to check.
const SECRET_FIELDS: &[&str] = &[
    "pin", "otp", "code", "token", "totp", "passcode", "voucher", "coupon", "promo",
];

/// Endings of field names that hold a code (`reset_code`, `smsPin`).
const SECRET_ENDINGS: &[&str] = &["code", "pin", "otp", "token"];

/// Names ending like a secret that are none (`zipcode`, `countryCode`).
const NOT_SECRETS: &[&str] = &[
    "zipcode",
    "postcode",
    "postalcode",
    "countrycode",
    "currencycode",
    "languagecode",
    "langcode",
    "localecode",
    "areacode",
    "dialcode",
    "statuscode",
    "errorcode",
    "productcode",
    "itemcode",
    "colorcode",
    "colourcode",
    "regioncode",
    "statecode",
    "citycode",
    "sku",
    "devicetoken",
    "pushtoken",
    "csrftoken",
    "refreshtoken",
    "nexttoken",
    "pagetoken",
    "continuationtoken",
];

/// Field names that say whose code it is.
const USER_FIELDS: &[&str] = &[
    "username", "user", "login", "email", "mail", "phone", "mobile", "msisdn", "account", "userid",
];

/// What a burst guesses.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Kind {
    /// A sign-in's password, for a user that does not exist.
    SignIn,
    /// A code an operation checks (reset, PIN, OTP, MFA, voucher).
    Code,
}

/// A name in lower case without separators.
fn compact(name: &str) -> String {
    name.chars()
        .filter(char::is_ascii_alphanumeric)
        .map(|c| c.to_ascii_lowercase())
        .collect()
}

/// Whether a field's name says it holds a code to check.
pub(super) fn is_secret_name(name: &str) -> bool {
    let n = compact(name);
    !n.is_empty()
        && !NOT_SECRETS.contains(&n.as_str())
        && (SECRET_FIELDS.contains(&n.as_str())
            || SECRET_ENDINGS
                .iter()
                .any(|e| n.ends_with(e) && n.len() > e.len()))
}

/// Whether a field's name says whose code it is (a user, an e-mail, a phone).
pub(super) fn is_user_name(name: &str) -> bool {
    let n = compact(name);
    USER_FIELDS.iter().any(|u| n == *u || n.ends_with(u))
}

/// Whether the words of `op` (path, operation id, summary) name a code check.
fn names_a_code_check(op: &Operation) -> bool {
    let text = format!(
        "{} {} {}",
        op.path,
        op.operation_id.as_deref().unwrap_or_default(),
        op.summary.as_deref().unwrap_or_default()
    );
    // words split at case changes and separators: `verifyOtp` is `verify otp`
    let mut words: Vec<String> = Vec::new();
    let mut word = String::new();
    let mut last_lower = false;
    for c in text.chars() {
        if !c.is_ascii_alphanumeric() {
            if !word.is_empty() {
                words.push(std::mem::take(&mut word));
            }
            last_lower = false;
            continue;
        }
        if c.is_ascii_uppercase() && last_lower && !word.is_empty() {
            words.push(std::mem::take(&mut word));
        }
        last_lower = c.is_ascii_lowercase() || c.is_ascii_digit();
        word.push(c.to_ascii_lowercase());
    }
    if !word.is_empty() {
        words.push(word);
    }
    let joined = words.concat();
    words.iter().any(|w| CODE_WORDS.contains(&w.as_str()))
        || [
            "twofactor",
            "onetimepassword",
            "passwordreset",
            "resetpassword",
        ]
        .iter()
        .any(|w| joined.contains(w))
}

/// The names of the fields a request of `op` may carry: parameters in the
/// path and query, and the top-level properties of a JSON or form body.
fn field_names<'a>(api: &'a Api, op: &'a Operation) -> Vec<&'a str> {
    let mut names: Vec<&str> = op
        .parameters
        .iter()
        .filter(|p| {
            matches!(
                p.location,
                ParameterLocation::Path | ParameterLocation::Query
            )
        })
        .map(|p| p.name.as_str())
        .collect();
    if let Some(body) = &op.body {
        for m in &body.content {
            let json_or_form = m.media_type.contains("json")
                || m.media_type == "application/x-www-form-urlencoded";
            if let (true, Some(schema)) = (json_or_form, m.schema) {
                names.extend(
                    api.schemas
                        .get(schema)
                        .properties
                        .keys()
                        .map(String::as_str),
                );
            }
        }
    }
    names
}

/// What a burst on `op` would guess: its sign-in password, or a code one of
/// its fields holds; `None` for any other operation.
pub(super) fn kind_of(api: &Api, op: &Operation) -> Option<Kind> {
    if login_fields(api, op).is_some() {
        return Some(Kind::SignIn);
    }
    if matches!(
        op.method,
        Method::Delete | Method::Head | Method::Options | Method::Trace
    ) {
        return None;
    }
    (names_a_code_check(op) && field_names(api, op).into_iter().any(is_secret_name))
        .then_some(Kind::Code)
}

/// The numbers a code may be: `(digits, size)` from the schema (an integer
/// with bounds, a string of digits by pattern or fixed length) or, without
/// one, from the base value (a string of digits, an integer).
pub(super) fn numeric_space(schema: Option<&Schema>, value: &Value) -> Option<(u32, u64)> {
    let pow = |d: u32| 10u64.checked_pow(d);
    if let Some(s) = schema {
        if s.types.contains(Types::Integer) && !s.types.contains(Types::String) {
            let lo = s.minimum.as_ref().and_then(serde_json::Number::as_u64);
            let hi = s.maximum.as_ref().and_then(serde_json::Number::as_u64);
            if let (Some(lo), Some(hi)) = (lo, hi)
                && hi >= lo
                && hi < 10u64.pow(12)
            {
                let digits = hi.to_string().len() as u32;
                return Some((digits, hi - lo + 1));
            }
        }
        if let Some(p) = &s.pattern
            && let Some(d) = digits_of_pattern(p)
        {
            return pow(d).map(|n| (d, n));
        }
    }
    match value {
        Value::String(t)
            if !t.is_empty() && t.len() <= 12 && t.bytes().all(|b| b.is_ascii_digit()) =>
        {
            let d = t.len() as u32;
            pow(d).map(|n| (d, n))
        }
        Value::Number(n) if n.as_u64().is_some_and(|v| v < 10u64.pow(12)) => {
            let d = n.to_string().len() as u32;
            pow(d).map(|n| (d, n))
        }
        _ => None,
    }
}

/// `n` for a pattern that means exactly `n` digits (`^\d{4}$`, `^[0-9]{6}$`).
fn digits_of_pattern(pattern: &str) -> Option<u32> {
    let p = pattern.trim_start_matches('^').trim_end_matches('$');
    let rest = p.strip_prefix(r"\d").or_else(|| p.strip_prefix("[0-9]"))?;
    let n: u32 = rest.strip_prefix('{')?.strip_suffix('}')?.parse().ok()?;
    (1..=12).contains(&n).then_some(n)
}

/// `10000` as `10,000`.
pub(super) fn grouped(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// The slot whose name says it holds the code, and the one that says whose.
pub(super) fn slots_of(slots: &[ValueSlot]) -> (Option<&ValueSlot>, Option<&ValueSlot>) {
    let top = |s: &&ValueSlot| s.parameter.is_some() || s.slot.pointer.matches('/').count() == 1;
    let secret = slots.iter().filter(top).find(|s| is_secret_name(s.name()));
    let user = slots.iter().filter(top).find(|s| is_user_name(s.name()));
    (secret, user)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::spec::Loader;

    const SPEC: &str = r#"
openapi: 3.0.3
info: { title: t, version: '1' }
paths:
  /auth/login:
    post:
      requestBody:
        content:
          application/json:
            schema:
              type: object
              properties: { username: { type: string }, password: { type: string } }
      responses: { '200': { description: ok } }
  /password/reset:
    post:
      operationId: resetPassword
      requestBody:
        content:
          application/json:
            schema:
              type: object
              properties:
                email: { type: string }
                resetCode: { type: string, pattern: '^[0-9]{6}$' }
                newPassword: { type: string }
      responses: { '200': { description: ok } }
  /me/password:
    put:
      summary: Change my password
      requestBody:
        content:
          application/json:
            schema:
              type: object
              properties: { old_password: { type: string }, new_password: { type: string } }
      responses: { '200': { description: ok } }
  /vouchers/{code}/redeem:
    post:
      parameters: [ { name: code, in: path, required: true, schema: { type: string } } ]
      responses: { '200': { description: ok } }
  /addresses:
    post:
      requestBody:
        content:
          application/json:
            schema:
              type: object
              properties: { zipCode: { type: string }, countryCode: { type: string } }
      responses: { '200': { description: ok } }
  /devices:
    post:
      summary: Register a push token
      requestBody:
        content:
          application/json:
            schema:
              type: object
              properties: { token: { type: string } }
      responses: { '200': { description: ok } }
"#;

    #[test]
    fn credential_like_operations_are_told_from_the_others() {
        let api = Loader::new().load_str(SPEC, "t.yaml").unwrap();
        let kinds: Vec<(String, Option<Kind>)> = api
            .operations
            .iter()
            .map(|op| (op.path.clone(), kind_of(&api, op)))
            .collect();
        assert_eq!(
            kinds,
            [
                ("/auth/login".to_owned(), Some(Kind::SignIn)),
                ("/password/reset".to_owned(), Some(Kind::Code)),
                // a password is never guessed outside a sign-in
                ("/me/password".to_owned(), None),
                ("/vouchers/{code}/redeem".to_owned(), Some(Kind::Code)),
                ("/addresses".to_owned(), None),
                ("/devices".to_owned(), None),
            ]
        );
        let reset = &api.operations[1];
        let schema = api.schemas.get(
            api.schemas
                .get(reset.body.as_ref().unwrap().content[0].schema.unwrap())
                .properties["resetCode"],
        );
        assert_eq!(
            numeric_space(Some(schema), &Value::String("123456".into())),
            Some((6, 1_000_000))
        );
    }

    #[test]
    fn numeric_spaces_and_names() {
        assert_eq!(
            numeric_space(None, &Value::String("0042".into())),
            Some((4, 10_000))
        );
        assert_eq!(numeric_space(None, &Value::String("ab12".into())), None);
        assert_eq!(digits_of_pattern(r"^\d{4}$"), Some(4));
        assert_eq!(digits_of_pattern(r"^[A-Z]{4}$"), None);
        assert_eq!(grouped(10_000), "10,000");
        assert_eq!(grouped(999), "999");
        assert_eq!(grouped(1_000_000), "1,000,000");
        assert!(is_secret_name("otp") && is_secret_name("reset_code") && is_secret_name("smsPin"));
        assert!(!is_secret_name("zip_code") && !is_secret_name("password"));
        assert!(is_user_name("email") && is_user_name("phone") && !is_user_name("code"));
    }
}
