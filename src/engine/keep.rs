//! Login accounts keep their passwords. Every request the scan sends with
//! a login's credential (`--login`, `login:` identities) goes through
//! [`Keeper::guard`] first:
//!
//! - A write (POST, PUT, PATCH) whose JSON or form body has password
//!   fields (`password`, `newPassword`, `current_password`, ...) carries
//!   the account's own password in each of them: a server that changes
//!   the caller's password, whatever the path or the body names, sets it
//!   to what it was. The login operation is sent as it is; so is a body
//!   that names another user (a user field such as `username` or `email`
//!   with another value: a registration, an account an admin creates) and,
//!   for a login other than the scan's own, a request whose path or query
//!   names another identity (the `bola` probe of users as objects, which
//!   sets what it changed back itself). The scan's own login account is
//!   never one such probe's intruder.
//! - The last request that could have changed the account (such a write,
//!   or one whose path names the user; else the last write sent with its
//!   credential; a request sent with the account's own password is none)
//!   is remembered: when signing the login in again after a 401 is
//!   refused, one warning names it ([`Keeper::lost`]).

use std::collections::{HashMap, HashSet};
use std::sync::Mutex;

use serde_json::Value;

use crate::http::Request;
use crate::identity::Account;
use crate::model::Method;

/// Field names (lower case, `_` and `-` left out) that name a user.
const USER_FIELDS: [&str; 9] = [
    "username", "user", "userid", "email", "login", "account", "owner", "member", "handle",
];

/// A name without case, `_` and `-`.
fn norm(name: &str) -> String {
    name.chars()
        .filter(|c| *c != '_' && *c != '-')
        .flat_map(char::to_lowercase)
        .collect()
}

fn is_password(name: &str) -> bool {
    let n = norm(name);
    n.contains("password") || matches!(n.as_str(), "passwd" | "pwd" | "pass")
}

/// What [`Keeper::guard`] needs to know about the request's sender.
pub(crate) struct Sender<'a> {
    /// The login account whose credential the request carries.
    pub(crate) account: &'a Account,
    /// Whether it is the scan's own (`--login`) account.
    pub(crate) own: bool,
    /// The other logins' user names.
    pub(crate) others: Vec<&'a str>,
}

/// The logins' last touching requests, and those already reported lost.
#[derive(Default)]
pub(crate) struct Keeper {
    /// The paths of every sign-in operation (sent as they are).
    sign_ins: Vec<String>,
    /// Per user name: the last request that could change the account (a
    /// write of a password, e-mail or role, or one whose path names it),
    /// and the last other write sent with its credential.
    touched: Mutex<HashMap<String, Touched>>,
    warned: Mutex<HashSet<String>>,
}

/// See [`Keeper`]'s `touched`.
type Touched = (Option<String>, Option<String>);

/// A body's top-level fields: JSON object keys, or form pairs.
enum Fields {
    Json(serde_json::Map<String, Value>),
    Form(Vec<(String, String)>),
}

impl Fields {
    fn of(request: &Request) -> Option<Fields> {
        let body = request.body.as_ref()?;
        let kind = body.content_type.to_ascii_lowercase();
        if kind.contains("json") {
            match serde_json::from_slice::<Value>(&body.bytes).ok()? {
                Value::Object(map) => Some(Fields::Json(map)),
                _ => None,
            }
        } else if kind.contains("x-www-form-urlencoded") {
            Some(Fields::Form(
                url::form_urlencoded::parse(&body.bytes)
                    .map(|(k, v)| (k.into_owned(), v.into_owned()))
                    .collect(),
            ))
        } else {
            None
        }
    }

    /// (name, string value) of every field.
    fn pairs(&self) -> Vec<(String, Option<String>)> {
        match self {
            Fields::Json(map) => map
                .iter()
                .map(|(k, v)| (k.clone(), v.as_str().map(str::to_owned)))
                .collect(),
            Fields::Form(pairs) => pairs
                .iter()
                .map(|(k, v)| (k.clone(), Some(v.clone())))
                .collect(),
        }
    }

    /// Every password field set to `password`; the new body's bytes.
    fn with_password(self, password: &str) -> Vec<u8> {
        match self {
            Fields::Json(mut map) => {
                for (k, v) in map.iter_mut() {
                    // a value that is no string is the case's own type violation:
                    // sent as it is (made a password, the case would be valid)
                    if is_password(k) && v.is_string() {
                        *v = Value::String(password.to_owned());
                    }
                }
                serde_json::to_vec(&Value::Object(map)).unwrap_or_default()
            }
            Fields::Form(pairs) => {
                let mut out = url::form_urlencoded::Serializer::new(String::new());
                for (k, v) in &pairs {
                    out.append_pair(k, if is_password(k) { password } else { v });
                }
                out.finish().into_bytes()
            }
        }
    }
}

/// Whether one of `path`'s segments or `query`'s values is `name`.
fn names(request: &Request, name: &str) -> bool {
    !name.is_empty()
        && (request
            .path
            .split('/')
            .any(|seg| decoded(seg).as_deref() == Some(name))
            || url::form_urlencoded::parse(request.query.as_bytes()).any(|(_, v)| v == name))
}

fn decoded(segment: &str) -> Option<String> {
    percent_encoding::percent_decode_str(segment)
        .decode_utf8()
        .ok()
        .map(|c| c.into_owned())
}

impl Keeper {
    /// A keeper for an API whose sign-in operations are at `sign_ins`.
    pub(crate) fn new(sign_ins: Vec<String>) -> Keeper {
        Keeper {
            sign_ins,
            ..Keeper::default()
        }
    }

    /// Guards `request`, about to go out with `sender`'s credential (see
    /// the module's documentation); `login_path` is the login operation's.
    pub(crate) fn guard(
        &self,
        sender: &Sender<'_>,
        login_path: Option<&str>,
        request: &mut Request,
    ) {
        let write = matches!(request.method, Method::Post | Method::Put | Method::Patch);
        let user = sender.account.user.as_str();
        let fields = if write { Fields::of(request) } else { None };
        let pairs = fields.as_ref().map(Fields::pairs).unwrap_or_default();
        let sets_password = pairs.iter().any(|(k, _)| is_password(k));
        if login_path == Some(request.path.as_str()) || self.sign_ins.contains(&request.path) {
            return;
        }
        let names_another = pairs.iter().any(|(k, v)| {
            USER_FIELDS.contains(&norm(k).as_str()) && v.as_deref().is_some_and(|v| v != user)
        }) || (!sender.own
            && sender
                .others
                .iter()
                .any(|o| *o != user && names(request, o)));
        if sets_password && !names_another {
            // its own password in every password field: a change changes nothing
            if let (Some(fields), Some(body)) = (fields, request.body.as_mut()) {
                body.bytes = fields.with_password(&sender.account.password);
            }
            return;
        }
        let touches =
            (write && pairs.iter().any(|(k, _)| is_account_field(k))) || names(request, user);
        let writes = write || request.method == Method::Delete;
        if (touches || writes)
            && let Ok(mut touched) = self.touched.lock()
        {
            let line = format!("{} {}", request.method.as_str(), request.path);
            let entry = touched.entry(user.to_owned()).or_default();
            if touches {
                entry.0 = Some(line);
            } else {
                entry.1 = Some(line);
            }
        }
    }

    /// A login that signed in before and no longer can: the warning (once
    /// per account) naming the last request that touched it.
    pub(crate) fn lost(&self, account: &Account) -> Option<String> {
        let first = self
            .warned
            .lock()
            .is_ok_and(|mut w| w.insert(account.user.clone()));
        if !first {
            return None;
        }
        let (account_write, write) = self
            .touched
            .lock()
            .ok()
            .and_then(|t| t.get(&account.user).cloned())
            .unwrap_or_default();
        let last = match (account_write, write) {
            (Some(a), _) => format!("the last request that touched the account was {a}"),
            (None, Some(w)) => format!("the last write sent with its credential was {w}"),
            (None, None) => "no request of the scan wrote with its credential".to_owned(),
        };
        Some(format!(
            "the login of {} could no longer sign in with its password when a request needed it again; {last}; its requests are refused until it can (apiprobe tries at most {} more times)",
            account.user,
            super::relogin::MAX_FRUITLESS
        ))
    }
}

/// Fields that change an account: a password, an e-mail, a role.
fn is_account_field(name: &str) -> bool {
    let n = norm(name);
    is_password(name) || n.contains("email") || n == "role" || n == "roles"
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::http::RequestBody;

    fn patch(path: &str, body: &str) -> Request {
        Request {
            method: Method::Patch,
            path: path.to_owned(),
            query: String::new(),
            headers: Vec::new(),
            body: Some(RequestBody {
                content_type: "application/json".to_owned(),
                bytes: body.as_bytes().to_vec(),
            }),
        }
    }

    fn ann() -> Account {
        Account {
            user: "ann".to_owned(),
            password: "ann-pass-1".to_owned(),
        }
    }

    fn body(r: &Request) -> Value {
        serde_json::from_slice(&r.body.as_ref().map(|b| b.bytes.clone()).unwrap_or_default())
            .unwrap_or(Value::Null)
    }

    #[test]
    fn the_own_account_sends_its_own_password() {
        let keeper = Keeper::default();
        let account = ann();
        let sender = Sender {
            account: &account,
            own: true,
            others: vec!["ben"],
        };
        let mut r = patch(
            "/accounts/x7/credentials",
            r#"{"newPassword":"zzzzzzzz","n":1}"#,
        );
        keeper.guard(&sender, Some("/signin"), &mut r);
        assert_eq!(body(&r)["newPassword"], "ann-pass-1");
        assert_eq!(body(&r)["n"], 1);
        // even when the path names another identity
        let mut r = patch("/accounts/ben/credentials", r#"{"newPassword":"zzzzzzzz"}"#);
        keeper.guard(&sender, Some("/signin"), &mut r);
        assert_eq!(body(&r)["newPassword"], "ann-pass-1");
        // a sign-in and a registration of another user go as they are
        let mut r = patch("/signin", r#"{"password":"wrong"}"#);
        keeper.guard(&sender, Some("/signin"), &mut r);
        assert_eq!(body(&r)["password"], "wrong");
        let mut r = patch("/users", r#"{"username":"zed","password":"p4ss-zed"}"#);
        keeper.guard(&sender, Some("/signin"), &mut r);
        assert_eq!(body(&r)["password"], "p4ss-zed");
        assert!(
            keeper
                .lost(&account)
                .is_some_and(|w| w.contains("was PATCH /users;"))
        );
        assert!(keeper.lost(&account).is_none(), "one warning per account");
    }

    #[test]
    fn another_login_naming_another_identity_goes_as_it_is() {
        let keeper = Keeper::default();
        let account = ann();
        let sender = Sender {
            account: &account,
            own: false,
            others: vec!["ben"],
        };
        let mut r = patch("/accounts/ben/credentials", r#"{"newPassword":"zzzzzzzz"}"#);
        keeper.guard(&sender, None, &mut r);
        assert_eq!(body(&r)["newPassword"], "zzzzzzzz");
        let mut r = patch("/me/password", r#"{"newPassword":"zzzzzzzz"}"#);
        keeper.guard(&sender, None, &mut r);
        assert_eq!(body(&r)["newPassword"], "ann-pass-1");
    }
}
