//! "Who am I": for an identity of the scan, the operation that tells the
//! caller who they are (`/me`, `/profile`, `/users/me`, `/account`, ...)
//! and what it says: the user id, the e-mail, and the privilege fields
//! (`role`, `is_admin`, `permissions`, ...).
//!
//! The operation is found, not named by the spec: a GET without required
//! parameters whose JSON answer holds the identity's user name or e-mail
//! outside any list (a listing of all users holds it too, inside an array,
//! and is not a "who am I"). What identifies an identity ([`Who`]): its
//! sign-in account's user name, the user of a Basic credential, and the
//! `sub`, `username`, `email`-like claims of a bearer JWT.
//!
//! What other probes use:
//! - [`Session::whoami`]: the first read of an identity, cached for the
//!   whole scan by the identity's key (the engine keeps a [`Whoamis`]);
//! - [`Session::whoami_again`]: a fresh read through the operation found
//!   before (after a write, to see what it changed);
//! - [`discover`]: the search itself, uncached (a freshly registered account);
//! - [`Me`]: what a read shows, [`Me::privilege`], [`changed`] (what differs
//!   between two reads), [`is_privilege_field`] (which names count).

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use serde_json::Value;
use tokio::sync::OnceCell;

use super::{Identity, Session};
use crate::checks::jwt::Jwt;
use crate::generate::{Values, serialise};
use crate::http::Exchange;
use crate::identity::{Account, Credential, NamedIdentity};
use crate::model::{Api, Method, Operation};

/// Candidate operations tried at most when looking for an identity's "who am I".
pub const MAX_TRIES: usize = 8;

/// Field names (lower case, `_` and `-` left out) that carry a privilege.
pub const PRIVILEGE_FIELDS: [&str; 22] = [
    "role",
    "roles",
    "userrole",
    "isadmin",
    "admin",
    "issuperuser",
    "superuser",
    "isstaff",
    "staff",
    "permissions",
    "permission",
    "privileges",
    "privilege",
    "group",
    "groups",
    "level",
    "accesslevel",
    "usertype",
    "accounttype",
    "scopes",
    "scope",
    "authorities",
];

/// Parts of a property name that make an enum property of the spec a
/// privilege field (`access_tier`: no; `member_role`: yes).
const PRIVILEGE_STEMS: [&str; 9] = [
    "role",
    "admin",
    "permission",
    "privilege",
    "group",
    "level",
    "scope",
    "usertype",
    "accounttype",
];

/// Last path segments (normalised) that name the caller.
const SELF_WORDS: [&str; 12] = [
    "me",
    "whoami",
    "self",
    "current",
    "currentuser",
    "profile",
    "myprofile",
    "account",
    "myaccount",
    "myself",
    "userinfo",
    "session",
];

/// Words anywhere in a path or operation id that hint at the caller.
const HINT_WORDS: [&str; 6] = ["me", "profile", "account", "user", "current", "self"];

/// Keys (normalised) that hold a user's id.
const ID_FIELDS: [&str; 6] = ["id", "userid", "uid", "accountid", "_id", "uuid"];

/// JWT claims that may hold the user's name or e-mail.
const NAME_CLAIMS: [&str; 7] = [
    "sub",
    "username",
    "user",
    "email",
    "preferred_username",
    "login",
    "name",
];

/// `name` lower case, without `_` and `-`.
fn normalised(name: &str) -> String {
    name.chars()
        .filter(|c| *c != '_' && *c != '-')
        .flat_map(char::to_lowercase)
        .collect()
}

/// Whether a field of this name carries a privilege: one of
/// [`PRIVILEGE_FIELDS`], or a property the spec gives an enum whose name
/// holds `role`, `admin`, `permission`, `privilege`, `group`, `level`,
/// `scope`, `usertype` or `accounttype`.
pub fn is_privilege_field(api: &Api, name: &str) -> bool {
    let n = normalised(name);
    if PRIVILEGE_FIELDS.contains(&n.as_str()) {
        return true;
    }
    PRIVILEGE_STEMS.iter().any(|s| n.contains(s)) && !spec_values(api, name).is_empty()
}

/// The values the spec allows for properties named `name` (compared
/// normalised), from their `enum` or their items' `enum`, each once.
pub fn spec_values(api: &Api, name: &str) -> Vec<Value> {
    let n = normalised(name);
    let mut out: Vec<Value> = Vec::new();
    for id in api.schemas.ids() {
        for (k, child) in &api.schemas.get(id).properties {
            if normalised(k) != n {
                continue;
            }
            let p = api.schemas.get(*child);
            let listed = p.enumeration.as_ref().or_else(|| {
                p.items
                    .and_then(|i| api.schemas.get(i).enumeration.as_ref())
            });
            for v in listed.into_iter().flatten() {
                if !v.is_null() && !out.contains(v) {
                    out.push(v.clone());
                }
            }
        }
    }
    out
}

/// An identity as "who am I" needs it: a key (the cache's), the
/// credentials it sends, and the names it may be known by.
#[derive(Debug, Clone)]
pub struct Who {
    /// The key reads are cached under (the identity's name; `scan` for the
    /// scan's own credentials).
    pub key: String,
    /// The credentials its requests carry.
    pub identity: Identity,
    /// User names and e-mails it may be known by (none: it cannot be found).
    pub names: Vec<String>,
}

impl Who {
    /// The scan's own credentials: the `--login` account's user name and
    /// what the credentials themselves tell.
    pub fn scan(s: &Session<'_>) -> Who {
        let mut names: Vec<String> = s.account().map(|a| a.user.clone()).into_iter().collect();
        names.extend(names_in(s.credentials()));
        Who {
            key: "scan".to_owned(),
            identity: Identity::Scan,
            names: dedup(names),
        }
    }

    /// A named identity (`--identity`): its account's user name and what
    /// its credentials tell.
    pub fn named(identity: &NamedIdentity) -> Who {
        let mut names: Vec<String> = identity
            .account
            .as_ref()
            .map(|a| a.user.clone())
            .into_iter()
            .collect();
        names.extend(names_in(&identity.credentials));
        Who {
            key: format!("identity:{}", identity.name),
            identity: Identity::With(identity.credentials.clone()),
            names: dedup(names),
        }
    }

    /// An account a probe signed in as (a fresh registration), sending `credentials`.
    pub fn account(key: &str, account: &Account, credentials: Vec<Credential>) -> Who {
        let mut names = vec![account.user.clone()];
        names.extend(names_in(&credentials));
        Who {
            key: key.to_owned(),
            identity: Identity::With(credentials),
            names: dedup(names),
        }
    }
}

fn dedup(mut names: Vec<String>) -> Vec<String> {
    names.retain(|n| n.trim().len() >= 2);
    let mut seen: Vec<String> = Vec::new();
    for n in names {
        if !seen.iter().any(|s| s.eq_ignore_ascii_case(&n)) {
            seen.push(n);
        }
    }
    seen
}

/// The names credentials tell: a Basic credential's user, a bearer JWT's
/// name-like claims.
pub fn names_in(credentials: &[Credential]) -> Vec<String> {
    use base64::Engine as _;
    let mut out = Vec::new();
    for c in credentials {
        let Some((scheme, rest)) = c.value.split_once(' ') else {
            continue;
        };
        if scheme.eq_ignore_ascii_case("basic") {
            if let Some(user) = base64::engine::general_purpose::STANDARD
                .decode(rest.trim())
                .ok()
                .and_then(|b| String::from_utf8(b).ok())
                .and_then(|t| t.split_once(':').map(|(u, _)| u.to_owned()))
            {
                out.push(user);
            }
        } else if scheme.eq_ignore_ascii_case("bearer")
            && let Some(jwt) = Jwt::parse(rest)
        {
            out.extend(NAME_CLAIMS.iter().filter_map(|k| jwt.claim(k)));
        }
    }
    out
}

/// One privilege field a "who am I" answer shows.
#[derive(Debug, Clone, PartialEq)]
pub struct Privilege {
    /// The field's name as the answer writes it.
    pub name: String,
    /// Where it is in the answer (JSON pointer).
    pub pointer: String,
    /// Its value.
    pub value: Value,
}

/// What an identity's "who am I" answer shows.
#[derive(Debug, Clone)]
pub struct Me {
    /// The operation that answered (index in `api.operations`).
    pub operation: usize,
    /// The name (user name or e-mail) the answer was recognised by.
    pub user: String,
    /// The user's id, when the answer shows one next to the name.
    pub user_id: Option<Value>,
    /// The user's e-mail, when the answer shows one.
    pub email: Option<String>,
    /// The privilege fields, in the answer's order.
    pub privileges: Vec<Privilege>,
    /// The read itself (request and answer, for proofs).
    pub exchange: Exchange,
}

impl Me {
    /// The value of the privilege field `name` (compared normalised:
    /// `is_admin` finds `isAdmin`).
    pub fn privilege(&self, name: &str) -> Option<&Value> {
        let n = normalised(name);
        self.privileges
            .iter()
            .find(|p| normalised(&p.name) == n)
            .map(|p| &p.value)
    }
}

/// The privilege fields whose value differs between two reads, or that
/// only `after` shows: (name, value before or null, value after).
pub fn changed(before: &Me, after: &Me) -> Vec<(String, Value, Value)> {
    after
        .privileges
        .iter()
        .filter_map(|p| {
            let old = before
                .privileges
                .iter()
                .find(|b| b.pointer == p.pointer)
                .map(|b| b.value.clone())
                .unwrap_or(Value::Null);
            (old != p.value).then(|| (p.name.clone(), old, p.value.clone()))
        })
        .collect()
}

/// The per-scan cache of first reads, keyed by [`Who::key`] (the engine
/// holds one and hands it out through [`Port::whoamis`](super::Port::whoamis)).
#[derive(Default)]
pub struct Whoamis {
    cells: Mutex<HashMap<String, Arc<OnceCell<Option<Me>>>>>,
}

impl Whoamis {
    /// An empty cache.
    pub fn new() -> Self {
        Whoamis::default()
    }

    /// The cell of `key` (created empty on first use).
    fn cell(&self, key: &str) -> Arc<OnceCell<Option<Me>>> {
        let mut map = match self.cells.lock() {
            Ok(g) => g,
            Err(poisoned) => poisoned.into_inner(),
        };
        map.entry(key.to_owned()).or_default().clone()
    }

    /// The reads done so far (key, what it showed), for probes that
    /// compare identities (another identity's role is a known value).
    pub fn known(&self) -> Vec<(String, Me)> {
        let map = match self.cells.lock() {
            Ok(g) => g,
            Err(poisoned) => poisoned.into_inner(),
        };
        map.iter()
            .filter_map(|(k, c)| c.get().cloned().flatten().map(|m| (k.clone(), m)))
            .collect()
    }
}

/// The GET operations without required parameters (nor a required body),
/// those whose last path segment names the caller (`/me`, `/profile`)
/// first, then those whose path or id hints at it, then the shortest paths.
pub fn candidates(api: &Api) -> Vec<usize> {
    let mut ranked: Vec<(u8, usize, usize)> = api
        .operations
        .iter()
        .enumerate()
        .filter(|(_, o)| callable_bare(o))
        .map(|(i, o)| (rank(o), o.path.len(), i))
        .collect();
    ranked.sort();
    ranked.into_iter().map(|(_, _, i)| i).collect()
}

fn callable_bare(op: &Operation) -> bool {
    op.method == Method::Get
        && !op.path.contains('{')
        && op.parameters.iter().all(|p| !p.required)
        && op.body.as_ref().is_none_or(|b| !b.required)
}

fn rank(op: &Operation) -> u8 {
    let last = op
        .path
        .trim_end_matches('/')
        .rsplit('/')
        .next()
        .map(normalised)
        .unwrap_or_default();
    if SELF_WORDS.contains(&last.as_str()) {
        return 0;
    }
    let words = format!(
        "{} {}",
        op.path.to_ascii_lowercase(),
        op.operation_id
            .as_deref()
            .unwrap_or_default()
            .to_ascii_lowercase()
    );
    let segments: Vec<String> = words
        .split(|c: char| !c.is_ascii_alphanumeric())
        .map(str::to_owned)
        .collect();
    if segments.iter().any(|w| HINT_WORDS.contains(&w.as_str())) {
        return 1;
    }
    if HINT_WORDS.iter().any(|w| w.len() > 2 && words.contains(w)) {
        return 2;
    }
    3
}

/// Looks for `who`'s "who am I": sends each [candidate](candidates) with
/// no optional parameter, as `who`, until an answer holds one of its names
/// outside a list ([`MAX_TRIES`] requests at most). Uncached.
pub async fn discover(s: &mut Session<'_>, who: &Who) -> Option<Me> {
    if who.names.is_empty() {
        return None;
    }
    let api = s.api();
    for index in candidates(api).into_iter().take(MAX_TRIES) {
        if s.stopping() {
            return None;
        }
        if let Some(me) = read(s, index, who).await {
            return Some(me);
        }
    }
    None
}

/// Reads operation `index` as `who` and what it shows; `None` unless it
/// answers 2xx with JSON that holds one of `who`'s names outside a list.
pub async fn read(s: &mut Session<'_>, index: usize, who: &Who) -> Option<Me> {
    let api = s.api();
    let op = api.operations.get(index)?;
    let values = Values {
        parameters: vec![None; op.parameters.len()],
        body: None,
    };
    let request = serialise(api, op, &values).ok()?;
    let exchange = s.send_to(index, &request, &who.identity).await?;
    let response = exchange.response()?;
    if !(200..300).contains(&response.status) {
        return None;
    }
    let body: Value = serde_json::from_slice(&response.body).ok()?;
    let (user, pointer) = find_name(&body, &who.names)?;
    let holder = body.pointer(&pointer)?;
    let mut me = Me {
        operation: index,
        user,
        user_id: None,
        email: None,
        privileges: Vec::new(),
        exchange: exchange.clone(),
    };
    read_object(api, holder, &pointer, &mut me);
    if pointer.is_empty() {
        return Some(me);
    }
    // fields beside the user object (`{"user": {...}, "roles": [...]}`)
    read_object(api, &body, "", &mut me);
    Some(me)
}

/// Reads the id, e-mail and privilege fields of the object `v` (at `at`)
/// into `me`, keeping what was read before.
fn read_object(api: &Api, v: &Value, at: &str, me: &mut Me) {
    let Some(map) = v.as_object() else {
        return;
    };
    for (k, value) in map {
        let n = normalised(k);
        if me.user_id.is_none()
            && ID_FIELDS.contains(&n.as_str())
            && (value.is_string() || value.is_number())
        {
            me.user_id = Some(value.clone());
        }
        if me.email.is_none()
            && n.contains("mail")
            && let Some(t) = value.as_str()
            && t.contains('@')
        {
            me.email = Some(t.to_owned());
        }
        if is_privilege_field(api, k) && !value.is_object() {
            let pointer = format!("{at}/{}", k.replace('~', "~0").replace('/', "~1"));
            if !me.privileges.iter().any(|p| p.pointer == pointer) {
                me.privileges.push(Privilege {
                    name: k.clone(),
                    pointer,
                    value: value.clone(),
                });
            }
        }
    }
}

/// The shallowest object of `body`, reached through objects only, that
/// holds a string equal (case aside) to one of `names`: the name and the
/// object's pointer.
fn find_name(body: &Value, names: &[String]) -> Option<(String, String)> {
    let mut level: Vec<(String, &Value)> = vec![(String::new(), body)];
    for _ in 0..6 {
        let mut next = Vec::new();
        for (at, v) in level {
            let Some(map) = v.as_object() else {
                continue;
            };
            for (k, child) in map {
                match child {
                    Value::String(t) => {
                        if let Some(n) = names.iter().find(|n| n.eq_ignore_ascii_case(t.trim())) {
                            return Some((n.clone(), at));
                        }
                    }
                    Value::Object(_) => next.push((
                        format!("{at}/{}", k.replace('~', "~0").replace('/', "~1")),
                        child,
                    )),
                    _ => {}
                }
            }
        }
        if next.is_empty() {
            return None;
        }
        level = next;
    }
    None
}

impl Session<'_> {
    /// What `who`'s "who am I" shows, read once for the whole scan (the
    /// first session to ask [discovers](discover) it; later ones get the
    /// same read). `None` when no operation answers as one.
    pub async fn whoami(&mut self, who: &Who) -> Option<Me> {
        let Some(cache) = self.whoamis() else {
            return discover(self, who).await;
        };
        let cell = cache.cell(&who.key);
        cell.get_or_init(|| discover(self, who)).await.clone()
    }

    /// What `who`'s "who am I" shows now: a fresh read through the
    /// operation the first read found (e.g. after a write).
    pub async fn whoami_again(&mut self, who: &Who) -> Option<Me> {
        let first = self.whoami(who).await?;
        read(self, first.operation, who).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn a_listing_is_no_whoami_but_a_wrapped_profile_is() {
        let names = vec!["ann".to_owned()];
        let listing = json!({"users": [{"username": "ann"}, {"username": "bob"}]});
        assert_eq!(find_name(&listing, &names), None);
        let wrapped = json!({"data": {"user": {"login": "Ann", "role": "member"}}});
        assert_eq!(
            find_name(&wrapped, &names),
            Some(("ann".to_owned(), "/data/user".to_owned()))
        );
    }

    #[test]
    fn names_come_from_basic_and_jwt_credentials() {
        let basic = Credential::basic("carol:pw");
        // {"alg":"HS256"} . {"sub":"42","email":"d@x.io"} . sig
        let jwt = format!(
            "{}.{}.c2ln",
            crate::checks::jwt::b64(br#"{"alg":"HS256"}"#),
            crate::checks::jwt::b64(br#"{"sub":"42","email":"d@x.io"}"#)
        );
        let names = names_in(&[basic, Credential::bearer(&jwt)]);
        assert_eq!(names, vec!["carol", "42", "d@x.io"]);
    }

    #[test]
    fn privilege_fields_are_named_alike() {
        let api = crate::spec::Loader::new()
            .load_str(
                r##"{"openapi":"3.0.0","info":{"title":"t","version":"1"},"paths":{"/u":{"get":{"responses":{"200":{"description":"u",
              "content":{"application/json":{"schema":{"$ref":"#/components/schemas/U"}}}}}}}},
            "components":{"schemas":{"U":{"type":"object","properties":{
              "member_role":{"type":"string","enum":["a","b"]},
              "access_tier":{"type":"string","enum":["a","b"]}}}}}}"##,
                "t.json",
            )
            .expect("spec");
        assert!(is_privilege_field(&api, "isAdmin"));
        assert!(is_privilege_field(&api, "user_type"));
        assert!(is_privilege_field(&api, "member_role"));
        assert!(!is_privilege_field(&api, "access_tier"));
        assert!(!is_privilege_field(&api, "username"));
    }
}
