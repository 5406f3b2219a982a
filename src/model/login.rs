//! Login-like operations: which operation signs a user in, which fields of
//! its body carry the username and the password, and where a token is in
//! what it answers. Used by `--login`, the user-enumeration and rate-limit
//! probes, and the JWT leak check (a token-issuing answer is no leak).

use serde_json::Value;

use super::{Api, Method, Operation, SchemaId};

/// Body property names that carry a password.
const PASSWORD_FIELDS: &[&str] = &["password", "passwd", "pass", "pwd", "passphrase"];
/// Body property names that carry a username, in order of preference.
const USER_FIELDS: &[&str] = &[
    "username",
    "user_name",
    "user",
    "login",
    "email",
    "name",
    "userid",
    "user_id",
    "account",
];
/// Words in a path or operation id that mark a sign-in.
const LOGIN_WORDS: &[&str] = &[
    "login",
    "log_in",
    "signin",
    "sign_in",
    "token",
    "session",
    "authenticate",
];
/// Response property names that carry an issued token.
const TOKEN_FIELDS: &[&str] = &[
    "token",
    "access_token",
    "accesstoken",
    "id_token",
    "idtoken",
    "jwt",
    "auth_token",
    "authtoken",
    "refresh_token",
    "refreshtoken",
];

/// The body fields of a login-like operation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LoginFields {
    /// The property that carries the username.
    pub user: String,
    /// The property that carries the password.
    pub password: String,
    /// The body's media type (JSON or form).
    pub media_type: String,
}

/// A name reduced to lower-case letters, digits and `_` (`userName` and
/// `user-name` both become `username` / `user_name`).
fn normalise(name: &str) -> String {
    name.chars()
        .filter_map(|c| match c {
            '-' | '_' | ' ' | '/' | '.' => Some('_'),
            c if c.is_ascii_alphanumeric() => Some(c.to_ascii_lowercase()),
            _ => None,
        })
        .collect()
}

fn property_named<'a>(api: &'a Api, schema: SchemaId, names: &[&str]) -> Option<&'a String> {
    let s = api.schemas.get(schema);
    names.iter().find_map(|want| {
        s.properties
            .keys()
            .find(|k| normalise(k) == *want || normalise(k).replace('_', "") == *want)
    })
}

/// The username and password fields of `op` when it is login-like: a POST
/// whose JSON or form body has a password and a username property, and whose
/// path or operation id names a sign-in (`login`, `signin`, `token`,
/// `session`, `authenticate`); registration is not login-like.
pub fn login_fields(api: &Api, op: &Operation) -> Option<LoginFields> {
    if op.method != Method::Post {
        return None;
    }
    let words = normalise(&format!(
        "{} {}",
        op.path,
        op.operation_id.as_deref().unwrap_or_default()
    ));
    let compact = words.replace('_', "");
    if !LOGIN_WORDS
        .iter()
        .any(|w| words.contains(w) || compact.contains(&w.replace('_', "")))
    {
        return None;
    }
    let body = op.body.as_ref()?;
    body.content.iter().find_map(|m| {
        let json_or_form =
            m.media_type.contains("json") || m.media_type == "application/x-www-form-urlencoded";
        let schema = m.schema.filter(|_| json_or_form)?;
        let password = property_named(api, schema, PASSWORD_FIELDS)?;
        let user = property_named(api, schema, USER_FIELDS)?;
        Some(LoginFields {
            user: user.clone(),
            password: password.clone(),
            media_type: m.media_type.clone(),
        })
    })
}

/// Whether `op` hands out tokens: it is login-like, or a 2xx response
/// schema declares a token property (`token`, `access_token`, ...).
pub fn issues_tokens(api: &Api, op: &Operation) -> bool {
    if login_fields(api, op).is_some() {
        return true;
    }
    op.responses
        .iter()
        .filter(|r| r.status.matches(200) || r.status.matches(201))
        .flat_map(|r| &r.content)
        .filter_map(|m| m.schema)
        .any(|s| property_named(api, s, TOKEN_FIELDS).is_some())
}

/// The first login-like operation of `api`, by index.
pub fn find_login(api: &Api) -> Option<usize> {
    api.operations
        .iter()
        .position(|op| login_fields(api, op).is_some())
}

/// The token in a login answer: the first string under a token-like key,
/// searched breadth-first (so `{"data": {"access_token": ...}}` is found).
pub fn token_in(body: &Value) -> Option<String> {
    let mut queue = std::collections::VecDeque::from([(body, 0usize)]);
    while let Some((value, depth)) = queue.pop_front() {
        let Value::Object(map) = value else {
            if let Value::Array(items) = value
                && depth < 4
            {
                queue.extend(items.iter().take(8).map(|v| (v, depth + 1)));
            }
            continue;
        };
        for want in TOKEN_FIELDS {
            if let Some((_, Value::String(token))) = map
                .iter()
                .find(|(k, _)| normalise(k).replace('_', "") == want.replace('_', ""))
                && !token.is_empty()
            {
                return Some(token.clone());
            }
        }
        if depth < 4 {
            queue.extend(map.values().map(|v| (v, depth + 1)));
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::spec::Loader;
    use serde_json::json;

    fn demo() -> Api {
        Loader::new()
            .load_str(include_str!("../../specs/demo.yaml"), "demo.yaml")
            .expect("the demo spec loads")
    }

    #[test]
    fn the_demo_login_is_found_and_registration_is_not() {
        let api = demo();
        let i = find_login(&api).expect("a login operation");
        assert_eq!(api.operations[i].operation_id.as_deref(), Some("login"));
        let fields = login_fields(&api, &api.operations[i]).unwrap();
        assert_eq!(
            (fields.user.as_str(), fields.password.as_str()),
            ("username", "password")
        );
        let register = api
            .operations
            .iter()
            .find(|o| o.operation_id.as_deref() == Some("register"))
            .unwrap();
        assert!(login_fields(&api, register).is_none());
        assert!(issues_tokens(&api, &api.operations[i]));
        assert!(!issues_tokens(&api, register));
    }

    #[test]
    fn tokens_are_found_in_nested_answers() {
        assert_eq!(token_in(&json!({"token": "t"})).as_deref(), Some("t"));
        assert_eq!(
            token_in(&json!({"data": {"accessToken": "a"}, "x": 1})).as_deref(),
            Some("a")
        );
        assert_eq!(token_in(&json!({"token": ""})), None);
        assert_eq!(token_in(&json!([1, 2])), None);
    }
}
