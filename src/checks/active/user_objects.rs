//! Identities as objects, for `bola`: a write that names a user (a path or
//! query parameter, or a top-level body field called like one: `username`,
//! `user`, `user_id`, `owner`, `account`, `email`, ...) is sent by identity
//! B with identity A's reference (A's user name; A's user id and e-mail
//! when A's "who am I" shows them). A finding needs A to see the change:
//!
//! - a password change (a body field holding a new password): A can no
//!   longer sign in with its password, or signs in with the new one. The
//!   password is set back (by B's request again, else by A signed in with
//!   the new one) and A must sign in with its own again; if it cannot, a
//!   warning names the request that changed it and the probe leaves A out
//!   from then on. A current-password field carries B's own password.
//! - any other write: A reads the object back (the GET of the same path,
//!   else A's "who am I") and it shows the values B sent. A's values read
//!   before are written back by A; so are B's own, when the server changed
//!   B's object instead (it ignored the name: no finding).
//!
//! The victim A is never the scan's own login account, nor a privileged
//! identity; B prefers an identity that is not the scan's own either, and
//! is never the scan's own for a password change.

use serde_json::{Map, Value};

use super::sequence::{ok, step};
use super::whoami::Who;
use super::{Identity, Session};
use crate::checks::{Confidence, ProofItem, Verdict};
use crate::generate::Values;
use crate::http::Exchange;
use crate::identity::{Account, NamedIdentity, login_request};
use crate::model::login::{find_login, login_fields, token_in};
use crate::model::{Api, Method, Operation, ParameterLocation, Types};

/// Field names (lower case, `_` and `-` left out) that name a user.
const USER_FIELDS: [&str; 14] = [
    "username",
    "user",
    "userid",
    "owner",
    "ownerid",
    "account",
    "accountid",
    "email",
    "useremail",
    "login",
    "accountname",
    "member",
    "memberid",
    "handle",
];

/// Words of operations that sign in or register (their user fields are
/// the caller's own credentials, not a reference).
const ACCOUNT_FLOWS: [&str; 6] = ["login", "signin", "register", "signup", "token", "session"];

/// A name without case, `_` and `-`.
fn norm(name: &str) -> String {
    name.chars()
        .filter(|c| *c != '_' && *c != '-')
        .flat_map(char::to_lowercase)
        .collect()
}

fn is_user_field(name: &str) -> bool {
    USER_FIELDS.contains(&norm(name).as_str())
}

fn is_password(name: &str) -> bool {
    let n = norm(name);
    n.contains("password") || matches!(n.as_str(), "passwd" | "pwd" | "pass")
}

fn is_current_password(name: &str) -> bool {
    let n = norm(name);
    is_password(name) && (n.contains("current") || n.contains("old") || n.contains("existing"))
}

/// The top-level properties of `op`'s JSON body, with their types.
fn body_fields(api: &Api, op: &Operation) -> Vec<(String, bool)> {
    let Some(media) = op
        .body
        .as_ref()
        .and_then(|b| b.content.iter().find(|m| m.media_type.contains("json")))
    else {
        return Vec::new();
    };
    let Some(root) = media.schema else {
        return Vec::new();
    };
    api.schemas
        .get(root)
        .properties
        .iter()
        .map(|(k, id)| (k.clone(), api.schemas.get(*id).allows_type(Types::String)))
        .collect()
}

/// Whether `op` is a write that names a user (see the module's documentation).
pub(super) fn applies(api: &Api, op: &Operation) -> bool {
    if !matches!(op.method, Method::Put | Method::Patch | Method::Post)
        || login_fields(api, op).is_some()
    {
        return false;
    }
    // the literal segments (a parameter called `login` is a reference)
    let literal: Vec<&str> = op
        .path
        .split('/')
        .filter(|seg| !seg.starts_with('{'))
        .collect();
    let words = format!(
        "{} {}",
        literal.join("/").to_ascii_lowercase(),
        op.operation_id
            .as_deref()
            .unwrap_or("")
            .to_ascii_lowercase()
    );
    if ACCOUNT_FLOWS.iter().any(|w| words.contains(w)) {
        return false;
    }
    op.parameters.iter().any(|p| {
        matches!(
            p.location,
            ParameterLocation::Path | ParameterLocation::Query
        ) && is_user_field(&p.name)
    }) || body_fields(api, op).iter().any(|(k, _)| is_user_field(k))
}

/// An identity with what names it.
#[derive(Clone)]
struct Person {
    name: String,
    identity: Identity,
    who: Who,
    account: Option<Account>,
    /// The user name (its account's, else what its credentials tell).
    user: String,
}

impl Person {
    fn of(i: &NamedIdentity) -> Option<Person> {
        let who = Who::named(i);
        let user = i
            .account
            .as_ref()
            .map(|a| a.user.clone())
            .or_else(|| who.names.first().cloned())?;
        Some(Person {
            name: i.name.clone(),
            identity: Identity::With(i.credentials.clone()),
            who,
            account: i.account.clone(),
            user,
        })
    }
}

/// A's reference: user name, id, e-mail.
struct Refs {
    user: String,
    id: Option<Value>,
    email: Option<String>,
}

/// The shelf key of an identity that can no longer sign in.
fn lost_key(name: &str) -> String {
    format!("user_objects:lost:{name}")
}

fn lost(s: &Session<'_>, name: &str) -> bool {
    s.shelf()
        .is_some_and(|shelf| shelf.get::<bool>(&lost_key(name)).unwrap_or(false))
}

/// Runs the probe on the session's operation.
pub(super) async fn run(s: &mut Session<'_>) {
    let api = s.api();
    let op = s.operation();
    let scan_user = s.account().map(|a| a.user.clone());
    let people: Vec<Person> = s
        .identities()
        .iter()
        .filter(|i| !i.is_privileged())
        .filter_map(Person::of)
        .filter(|p| !lost(s, &p.name))
        .collect();
    let password_change = body_fields(api, op)
        .iter()
        .any(|(k, _)| is_password(k) && !is_current_password(k));
    let is_scan = |p: &Person| scan_user.as_deref() == Some(p.user.as_str());
    let Some(victim) = people
        .iter()
        .find(|p| !is_scan(p) && (!password_change || p.account.is_some()))
        .cloned()
    else {
        return;
    };
    // the scan's own login never sends a password change (its password
    // fields would carry its own password: src/engine/keep.rs)
    let mut intruders: Vec<&Person> = people
        .iter()
        .filter(|p| p.user != victim.user && !(password_change && is_scan(p)))
        .collect();
    intruders.sort_by_key(|p| is_scan(p));
    let Some(intruder) = intruders.first().map(|p| (*p).clone()) else {
        return;
    };
    let me = s.whoami(&victim.who).await;
    let refs = Refs {
        user: victim.user.clone(),
        id: me.as_ref().and_then(|m| m.user_id.clone()),
        email: me.as_ref().and_then(|m| m.email.clone()),
    };
    if password_change {
        password(s, &victim, &intruder, &refs).await;
    } else {
        write(s, &victim, &intruder, &refs, me.map(|m| m.operation)).await;
    }
}

/// The value a user slot named `name` takes for `refs`; `None` when it
/// wants what is not known (an id).
fn reference(name: &str, refs: &Refs) -> Option<Value> {
    let n = norm(name);
    if n.contains("email") {
        return Some(Value::String(
            refs.email.clone().unwrap_or_else(|| refs.user.clone()),
        ));
    }
    if n.ends_with("id") {
        return refs.id.clone();
    }
    Some(Value::String(refs.user.clone()))
}

/// The session's base values with every user slot naming `refs`, password
/// fields as given, other plain string fields of the body set to
/// `fill(field)` when it gives a value. `None` when a slot cannot be named.
fn values_for(
    s: &Session<'_>,
    refs: &Refs,
    passwords: Option<(&str, &str)>,
    fill: &mut dyn FnMut(&str) -> Option<Value>,
) -> Option<Values> {
    let api = s.api();
    let op = s.operation();
    let mut values = s.values().clone();
    for (i, p) in op.parameters.iter().enumerate() {
        if matches!(
            p.location,
            ParameterLocation::Path | ParameterLocation::Query
        ) && is_user_field(&p.name)
        {
            values.parameters[i] = Some(reference(&p.name, refs)?);
        }
    }
    let fields = body_fields(api, op);
    if fields.is_empty() {
        return Some(values);
    }
    let (_, body) = values.body.as_mut()?;
    if !body.is_object() {
        *body = Value::Object(Map::new());
    }
    let map = body.as_object_mut()?;
    for (k, string) in fields {
        if is_user_field(&k) {
            map.insert(k.clone(), reference(&k, refs)?);
        } else if is_password(&k) {
            if let Some((current, new)) = passwords {
                let v = if is_current_password(&k) {
                    current
                } else {
                    new
                };
                map.insert(k.clone(), Value::String(v.to_owned()));
            }
        } else if string && let Some(v) = fill(&k) {
            map.insert(k.clone(), v);
        }
    }
    Some(values)
}

/// Whether `account` signs in (2xx with a token or a cookie), and the exchange.
async fn signs_in(
    s: &mut Session<'_>,
    login: usize,
    account: &Account,
) -> Option<(bool, Exchange)> {
    let api = s.api();
    let request = login_request(api, api.operations.get(login)?, account)?;
    let exchange = s.send_to(login, &request, &Identity::Anonymous).await?;
    let issued = exchange.response().is_some_and(|r| {
        (200..300).contains(&r.status)
            && (r.header("set-cookie").is_some()
                || serde_json::from_slice::<Value>(&r.body)
                    .ok()
                    .and_then(|b| token_in(&b))
                    .is_some())
    });
    Some((issued, exchange))
}

/// The password flavour (see the module's documentation).
async fn password(s: &mut Session<'_>, victim: &Person, intruder: &Person, refs: &Refs) {
    let Some(login) = find_login(s.api()) else {
        return;
    };
    let Some(old) = victim.account.clone() else {
        return;
    };
    let intruder_password = intruder
        .account
        .as_ref()
        .map(|a| a.password.clone())
        .unwrap_or_default();
    // the victim signs in before: else nothing can be told after
    match signs_in(s, login, &old).await {
        Some((true, _)) => {}
        _ => return,
    }
    let new = format!("Ap-{}-7q!", s.canary(12));
    let Some(values) = values_for(s, refs, Some((&intruder_password, &new)), &mut |_| None) else {
        return;
    };
    let Some(request) = s.request_of(s.index(), &values) else {
        return;
    };
    let Some(change) = s.send_as(&request, &intruder.identity).await else {
        return;
    };
    if !ok(&change) {
        return;
    }
    let changed = Account {
        user: old.user.clone(),
        password: new.clone(),
    };
    let old_after = signs_in(s, login, &old).await;
    let new_after = signs_in(s, login, &changed).await;
    let old_refused = old_after.as_ref().is_some_and(|(signed, _)| !signed);
    let new_accepted = new_after.as_ref().is_some_and(|(signed, _)| *signed);
    // set back what changed: the victim's, and the intruder's own (a server
    // that ignores the path's user changed the caller's)
    if old_refused || new_accepted {
        restore_password(
            s,
            login,
            victim,
            intruder,
            refs,
            &new,
            &intruder_password,
            &change,
        )
        .await;
    }
    if let Some(own) = intruder.account.clone()
        && !matches!(signs_in(s, login, &own).await, Some((true, _)))
    {
        let own_refs = Refs {
            user: own.user.clone(),
            id: None,
            email: None,
        };
        // signed in with the new password (its session may have ended with
        // the change, and its login's requests carry its own password)
        set_back_signed_in(s, login, &own, &own_refs, &new).await;
        if !matches!(signs_in(s, login, &own).await, Some((true, _))) {
            give_up(s, intruder, &change);
        }
    }
    if !(old_refused || new_accepted) {
        return;
    }
    let mut proof = vec![
        ProofItem::new("victim", victim.name.clone()),
        ProofItem::new("intruder", intruder.name.clone()),
        ProofItem::new("intruder_request", step(&change)),
    ];
    if let Some((_, e)) = &old_after {
        proof.push(ProofItem::new("victim_old_password", step(e)));
    }
    if let Some((_, e)) = &new_after {
        proof.push(ProofItem::new("victim_new_password", step(e)));
    }
    let op = s.operation();
    let verdict = Verdict {
        title: format!(
            "{} changed the password of {} through {} {}",
            intruder.name,
            victim.name,
            op.method.as_str(),
            op.path
        ),
        evidence: format!(
            "{} sent {} naming {} ({}); afterwards {} {} (the password was set back)",
            intruder.name,
            step(&change),
            victim.user,
            victim.name,
            victim.name,
            match (old_refused, new_accepted) {
                (true, true) => "was refused with its password and signed in with the new one",
                (true, false) => "was refused with its password",
                _ => "signed in with the new password",
            }
        ),
        signature: "user_reference:password".to_owned(),
        confidence: Confidence::Confirmed,
        proof,
    };
    s.report(verdict, &change);
}

/// Sets the victim's password back: the intruder's request again (new to
/// old), else the victim signed in with the new password changes its own.
#[allow(clippy::too_many_arguments)]
async fn restore_password(
    s: &mut Session<'_>,
    login: usize,
    victim: &Person,
    intruder: &Person,
    refs: &Refs,
    new: &str,
    intruder_password: &str,
    change: &Exchange,
) {
    let Some(old) = victim.account.clone() else {
        return;
    };
    let back = values_for(
        s,
        refs,
        Some((intruder_password, &old.password)),
        &mut |_| None,
    )
    .and_then(|v| s.request_of(s.index(), &v));
    if let Some(back) = &back {
        let _ = s.send_as(back, &intruder.identity).await;
    }
    if matches!(signs_in(s, login, &old).await, Some((true, _))) {
        return;
    }
    // the victim itself, signed in with the new password
    set_back_signed_in(s, login, &old, refs, new).await;
    if !matches!(signs_in(s, login, &old).await, Some((true, _))) {
        give_up(s, victim, change);
    }
}

/// `old`'s account, whose password is now `new`, signs in with it and
/// changes it back to its own (the operation naming `refs`).
async fn set_back_signed_in(
    s: &mut Session<'_>,
    login: usize,
    old: &Account,
    refs: &Refs,
    new: &str,
) {
    let changed = Account {
        user: old.user.clone(),
        password: new.to_owned(),
    };
    if let Some((true, signed)) = signs_in(s, login, &changed).await
        && let Some(token) = signed
            .response()
            .and_then(|r| serde_json::from_slice::<Value>(&r.body).ok())
            .and_then(|b| token_in(&b))
    {
        let own = Identity::With(vec![crate::identity::Credential::bearer(&token)]);
        let back = values_for(s, refs, Some((new, &old.password)), &mut |_| None)
            .and_then(|v| s.request_of(s.index(), &v));
        if let Some(back) = &back {
            let _ = s.send_as(back, &own).await;
        }
    }
}

/// An identity that can no longer sign in: a warning naming the request
/// that changed it, and the probe leaves it out from now on.
fn give_up(s: &Session<'_>, person: &Person, last: &Exchange) {
    if let Some(shelf) = s.shelf() {
        shelf.put(&lost_key(&person.name), true);
    }
    s.warn(&format!(
        "identity {} can no longer sign in with its password after {} (apiprobe could not set it back); it is left out of later probes of bola",
        person.name,
        step(last)
    ));
}

/// Reads the object the operation writes, as `who`: the GET of the same
/// path (its user slots naming `refs`), else `who`'s "who am I".
async fn read_back(
    s: &mut Session<'_>,
    who: &Person,
    refs: &Refs,
    whoami: Option<usize>,
) -> Option<Exchange> {
    let api = s.api();
    let op = s.operation();
    let reader = api
        .operations
        .iter()
        .position(|o| o.method == Method::Get && o.path == op.path);
    match reader {
        Some(r) => {
            let reader_op = &api.operations[r];
            let mut values = s.case_of(r)?.values;
            for (i, p) in reader_op.parameters.iter().enumerate() {
                if p.location == ParameterLocation::Path {
                    values.parameters[i] = Some(reference(&p.name, refs)?);
                } else if !p.required {
                    values.parameters[i] = None;
                }
            }
            let request = s.request_of(r, &values)?;
            s.send_to(r, &request, &who.identity).await
        }
        None if !op.path.contains('{') => {
            whoami?;
            s.whoami_again(&who.who).await.map(|m| m.exchange)
        }
        None => None,
    }
}

fn body_of(e: &Exchange) -> Option<Value> {
    serde_json::from_slice(&e.response()?.body).ok()
}

/// The value of field `name` anywhere in `v` (objects searched depth first).
fn field_in<'v>(v: &'v Value, name: &str) -> Option<&'v Value> {
    match v {
        Value::Object(map) => map
            .get(name)
            .or_else(|| map.values().find_map(|c| field_in(c, name))),
        Value::Array(items) => items.iter().find_map(|c| field_in(c, name)),
        _ => None,
    }
}

/// The write flavour (see the module's documentation).
async fn write(
    s: &mut Session<'_>,
    victim: &Person,
    intruder: &Person,
    refs: &Refs,
    whoami: Option<usize>,
) {
    let Some(before) = read_back(s, victim, refs, whoami).await else {
        return;
    };
    if !ok(&before) {
        return;
    }
    let Some(before_body) = body_of(&before) else {
        return;
    };
    let intruder_refs = Refs {
        user: intruder.user.clone(),
        id: None,
        email: None,
    };
    let intruder_before = read_back(s, intruder, &intruder_refs, whoami)
        .await
        .filter(ok)
        .and_then(|e| body_of(&e));
    let mut canaries: Vec<String> = Vec::new();
    let mut draws: Vec<String> = (0..8).map(|_| format!("ap{}", s.canary(10))).collect();
    let Some(values) = values_for(s, refs, None, &mut |_| {
        let c = draws.pop()?;
        canaries.push(c.clone());
        Some(Value::String(c))
    }) else {
        return;
    };
    if canaries.is_empty() {
        return;
    }
    let Some(request) = s.request_of(s.index(), &values) else {
        return;
    };
    let Some(change) = s.send_as(&request, &intruder.identity).await else {
        return;
    };
    if !ok(&change) {
        return;
    }
    let after = read_back(s, victim, refs, whoami).await;
    let shows = |e: &Exchange| {
        let text = e
            .response()
            .map(|r| String::from_utf8_lossy(&r.body).into_owned())
            .unwrap_or_default();
        canaries.iter().any(|c| text.contains(c.as_str()))
    };
    let changed = after.as_ref().is_some_and(|a| ok(a) && shows(a)) && !shows(&before);
    // set back: the victim's values as read before, by the victim
    if changed {
        restore(s, victim, refs, &before_body).await;
    }
    // the intruder's own, when the server changed the caller's instead
    if let Some(own) = &intruder_before {
        let now = read_back(s, intruder, &intruder_refs, whoami).await;
        if now.as_ref().is_some_and(|n| ok(n) && shows(n)) {
            restore(s, intruder, &intruder_refs, own).await;
        }
    }
    let Some(after) = after else { return };
    if !changed {
        return;
    }
    let op = s.operation();
    let verdict = Verdict {
        title: format!(
            "{} changed {}'s data by naming {} in {} {}",
            intruder.name,
            victim.name,
            victim.user,
            op.method.as_str(),
            op.path
        ),
        evidence: format!(
            "{} sent {} with {}'s user name; {}'s read-back shows the values {} sent (set back afterwards)",
            intruder.name,
            step(&change),
            victim.name,
            victim.name,
            intruder.name
        ),
        signature: "user_reference:write".to_owned(),
        confidence: Confidence::Confirmed,
        proof: vec![
            ProofItem::new("victim", victim.name.clone()),
            ProofItem::new("intruder", intruder.name.clone()),
            ProofItem::new("victim_read_before", step(&before)),
            ProofItem::new("intruder_request", step(&change)),
            ProofItem::new("victim_read_after", step(&after)),
        ],
    };
    s.report(verdict, &change);
}

/// Writes `before`'s values back through the operation, as `who` naming itself.
async fn restore(s: &mut Session<'_>, who: &Person, refs: &Refs, before: &Value) {
    let Some(values) = values_for(s, refs, None, &mut |k| field_in(before, k).cloned()) else {
        return;
    };
    if let Some(request) = s.request_of(s.index(), &values) {
        let _: Option<Exchange> = s.send_as(&request, &who.identity).await;
    }
}
