//! privilege_escalation: an account that sets its own privileges.
//!
//! On a registration: register a plain account and accounts with privilege
//! fields (those the plain account's "who am I" shows, those the body
//! declares, else `role`, `is_admin`, ...; values from the API's own
//! vocabulary, see `privilege_values`), sign in as each and read its "who
//! am I": a privilege field that holds the value sent, where the plain
//! account's holds another, is the finding. Where no "who am I" is found,
//! an operation reserved to administrators that refuses the plain account
//! and serves the other one is (or the sign-in answer's role).
//!
//! On any other write: see `readback` (the caller's privileges read back
//! after a write that carried a privilege field).

use futures_util::future::BoxFuture;
use serde_json::{Map, Value};

use super::bfla::is_privileged_operation;
use super::privilege_values::{Known, raised};
use super::readback;
use super::sequence::{ok, status, step};
use super::whoami::{self, Me, Who, is_privilege_field};
use super::{ActiveProbe, Stage};
use super::{Identity, Session};
use crate::checks::check::{Check, How, Owasp, Scope, Severity};
use crate::checks::{ProofItem, Verdict};
use crate::identity::{Account, Credential, is_privileged_role, login_request};
use crate::model::login::{find_login, login_fields, token_in};
use crate::model::{Api, Method, Operation};
use crate::probes::Profile;

/// The `privilege_escalation` check.
pub(in crate::checks) const CHECK: Check = Check {
    name: "privilege_escalation",
    severity: Severity::Critical,
    cwe: Some(269),
    owasp: Some(Owasp::Api3),
    summary: "An account sets its own privileges: a privilege field (role, is_admin) sent at registration or in a write shows in its \"who am I\" read-back, or it reaches an operation a plain account is refused.",
    scope: Scope::Operation,
    how: How::Probe(ActiveProbe {
        stage: Stage::Stateful,
        applies,
        run,
    }),
};

/// Words in a path or operation id that mark a registration.
const REGISTER_WORDS: [&str; 5] = ["register", "signup", "sign_up", "sign-up", "createuser"];
/// Body properties that carry a password.
const PASSWORD: [&str; 3] = ["password", "passwd", "pass"];
/// Body properties that carry a username, by preference.
const USER: [&str; 4] = ["username", "user", "login", "email"];

/// The privilege fields a registration tries when neither the profile nor
/// the body schema names one (their values: see `privilege_values`).
const DEFAULT_FIELDS: [&str; 5] = ["role", "roles", "is_admin", "isAdmin", "admin"];

/// The username and password properties of a registration-like operation.
fn registration_fields(api: &Api, op: &Operation) -> Option<(String, String)> {
    if op.method != Method::Post || op.path.contains('{') {
        return None;
    }
    let words = format!(
        "{} {}",
        op.path.to_ascii_lowercase(),
        op.operation_id
            .as_deref()
            .unwrap_or_default()
            .to_ascii_lowercase()
    );
    if !REGISTER_WORDS.iter().any(|w| words.contains(w)) {
        return None;
    }
    let media = op
        .body
        .as_ref()?
        .content
        .iter()
        .find(|m| m.media_type.contains("json"))?;
    let schema = api.schemas.get(media.schema?);
    let find = |names: &[&str]| {
        names
            .iter()
            .find_map(|n| schema.properties.keys().find(|k| k.eq_ignore_ascii_case(n)))
            .cloned()
    };
    Some((find(&USER)?, find(&PASSWORD)?))
}

/// The first privileged operation without path parameters, preferring GET.
fn privileged_target(api: &Api) -> Option<usize> {
    let candidates = || {
        api.operations
            .iter()
            .enumerate()
            .filter(|(_, o)| is_privileged_operation(o) && !o.path.contains('{'))
    };
    candidates()
        .find(|(_, o)| o.method == Method::Get)
        .or_else(|| candidates().next())
        .map(|(i, _)| i)
}

pub(super) fn applies(api: &Api, op: &Operation, profile: Profile) -> bool {
    (registration_fields(api, op).is_some() && login_for(api, op).is_some())
        || readback::applies(api, op, profile)
}

/// The sign-in an account of registration `op` uses: of the login-like
/// operations, the one whose path shares the most leading segments with
/// the registration's (`/shop/signup` signs in at `/shop/login`).
fn login_for(api: &Api, op: &Operation) -> Option<usize> {
    let segments = |p: &str| -> Vec<String> {
        p.split('/')
            .filter(|s| !s.is_empty())
            .map(str::to_owned)
            .collect()
    };
    let mine = segments(&op.path);
    api.operations
        .iter()
        .enumerate()
        .filter(|(_, o)| login_fields(api, o).is_some())
        .map(|(i, o)| {
            let shared = segments(&o.path)
                .iter()
                .zip(&mine)
                .take_while(|(a, b)| a == b)
                .count();
            (std::cmp::Reverse(shared), i)
        })
        .min()
        .map(|(_, i)| i)
        .or_else(|| find_login(api))
}

/// Field sets a privileged registration tries, at most.
const ATTEMPTS: usize = 5;

pub(super) fn run<'s>(s: &'s mut Session<'_>) -> BoxFuture<'s, ()> {
    Box::pin(async move {
        if registration_fields(s.api(), s.operation()).is_some() {
            registration(s).await;
        } else {
            readback::run(s).await;
        }
    })
}

/// The privilege fields to register with and their values, one set per
/// attempt: every field with its first value, then each value alone.
fn attempts(
    api: &Api,
    fields: &[(String, Option<Value>)],
    known: &Known<'_>,
) -> Vec<Vec<(String, Value)>> {
    let per_field: Vec<(String, Vec<Value>)> = fields
        .iter()
        .map(|(k, current)| (k.clone(), raised(api, k, current.as_ref(), known)))
        .filter(|(_, vs)| !vs.is_empty())
        .collect();
    let mut out: Vec<Vec<(String, Value)>> = Vec::new();
    let all: Vec<(String, Value)> = per_field
        .iter()
        .map(|(k, vs)| (k.clone(), vs[0].clone()))
        .collect();
    if !all.is_empty() {
        out.push(all);
    }
    for (k, vs) in &per_field {
        for v in vs {
            let one = vec![(k.clone(), v.clone())];
            if !out.contains(&one) {
                out.push(one);
            }
        }
    }
    out.truncate(ATTEMPTS);
    out
}

/// Registers a plain account and accounts with privilege fields, signs in
/// as each and compares what their "who am I" shows (or, where none is
/// found, whether a privileged operation serves them).
async fn registration(s: &mut Session<'_>) {
    let api = s.api();
    let me = s.index();
    let Some((user_field, password_field)) = registration_fields(api, s.operation()) else {
        return;
    };
    let Some(login_op) = login_for(api, s.operation()) else {
        return;
    };
    let target = privileged_target(api);
    // the control: a plain account, its sign-in answer and its profile
    let control = Account {
        user: format!("ap{}", s.canary(10)),
        password: format!("Ap-{}-9x", s.canary(12)),
    };
    let Some(plain) =
        register_and_login(s, me, login_op, &control, &user_field, &password_field, &[]).await
    else {
        return;
    };
    if plain.privileged {
        // every new account is privileged: nothing to escalate
        return;
    }
    let plain_who = Who::account(
        "register:plain",
        &control,
        vec![Credential::bearer(&plain.token)],
    );
    let plain_me = whoami::discover(s, &plain_who).await;
    if plain_me.is_none() && target.is_none() {
        return;
    }
    let refused = match (target, s.case_of(target.unwrap_or(usize::MAX))) {
        (Some(t), Some(case)) => {
            let plain_identity = Identity::With(vec![Credential::bearer(&plain.token)]);
            s.send_to(t, &case.request, &plain_identity)
                .await
                .map(|e| (t, case, e))
        }
        _ => None,
    };
    // the fields: those the profile shows, those the body declares, else the usual names
    let body_schema = s
        .operation()
        .body
        .as_ref()
        .and_then(|b| b.content.iter().find(|m| m.media_type.contains("json")))
        .and_then(|m| m.schema);
    let mut fields: Vec<(String, Option<Value>)> = plain_me
        .iter()
        .flat_map(|m| m.privileges.iter())
        .filter(|p| p.pointer.matches('/').count() <= 2)
        .map(|p| (p.name.clone(), Some(p.value.clone())))
        .collect();
    if let Some(id) = body_schema {
        for k in api.schemas.get(id).properties.keys() {
            if is_privilege_field(api, k) && !fields.iter().any(|(f, _)| f == k) {
                fields.push((k.clone(), None));
            }
        }
    }
    if fields.is_empty() {
        fields = DEFAULT_FIELDS
            .iter()
            .map(|k| ((*k).to_owned(), None))
            .collect();
    }
    let others = readback::profiles(s).await;
    let known = Known {
        whoami: plain_me.as_ref().map(|m| m.operation),
        body: body_schema,
        others: others.iter().map(|(p, m)| (*p, m)).collect(),
    };
    for chosen in attempts(api, &fields, &known) {
        if s.stopping() {
            return;
        }
        let escalated = Account {
            user: format!("ap{}", s.canary(10)),
            password: format!("Ap-{}-9x", s.canary(12)),
        };
        let extra: Vec<(&str, Value)> = chosen
            .iter()
            .map(|(k, v)| (k.as_str(), v.clone()))
            .collect();
        let Some(raised) = register_and_login(
            s,
            me,
            login_op,
            &escalated,
            &user_field,
            &password_field,
            &extra,
        )
        .await
        else {
            continue;
        };
        let added: Vec<String> = chosen.iter().map(|(k, v)| format!("{k}={v}")).collect();
        // the privileged operation: refused to the plain account, served to this one
        if let Some((t, case, refused)) = &refused {
            let admin = Identity::With(vec![Credential::bearer(&raised.token)]);
            let Some(reached) = s.send_to(*t, &case.request, &admin).await else {
                return;
            };
            let by_operation = ok(&reached) && !ok(refused);
            if by_operation || raised.privileged {
                let op = &s.api().operations[*t];
                let shown = if by_operation {
                    format!(
                        "{} {} answered {} (a plain account got {})",
                        op.method.as_str(),
                        op.path,
                        status(&reached),
                        status(refused)
                    )
                } else {
                    format!(
                        "its sign-in grants {} (a plain account's grants {})",
                        raised.grants, plain.grants
                    )
                };
                let verdict = Verdict {
                    title: format!(
                        "Self-registration with {} gives a privileged account",
                        added.join(", ")
                    ),
                    evidence: format!(
                        "an account registered with {} signed in and {shown}",
                        added.join(", ")
                    ),
                    signature: "register_privileged_field".to_owned(),
                    proof: vec![
                        ProofItem::new("register", step(&raised.registered)),
                        ProofItem::new("privileged_fields", added.join(", ")),
                        ProofItem::new("granted", raised.grants.clone()),
                        ProofItem::new("plain_account_granted", plain.grants.clone()),
                        ProofItem::new("privileged_call", step(&reached)),
                        ProofItem::new("plain_account_call", step(refused)),
                    ],
                    ..Verdict::default()
                };
                s.report(verdict, &raised.registered);
                return;
            }
        }
        // the read-back: the new account's profile against the plain one's
        if let Some(plain_me) = &plain_me {
            let who = Who::account(
                "register:raised",
                &escalated,
                vec![Credential::bearer(&raised.token)],
            );
            if let Some(read) = whoami::read(s, plain_me.operation, &who).await {
                let gained: Vec<String> = whoami::changed(plain_me, &read)
                    .into_iter()
                    .filter(|(k, _, after)| {
                        chosen
                            .iter()
                            .any(|(f, v)| f.eq_ignore_ascii_case(k) && readback::holds(after, v))
                    })
                    .map(|(k, before, after)| format!("{k}: {before} -> {after}"))
                    .collect();
                if !gained.is_empty() {
                    let path = &api.operations[plain_me.operation].path;
                    let verdict = Verdict {
                        title: format!(
                            "Self-registration with {} sets the account's own privileges",
                            added.join(", ")
                        ),
                        evidence: format!(
                            "an account registered with {} signed in and GET {path} shows {} (a plain registration shows {})",
                            added.join(", "),
                            gained.join(", "),
                            shown(plain_me)
                        ),
                        signature: "register_privileged_field".to_owned(),
                        proof: vec![
                            ProofItem::new("register", step(&raised.registered)),
                            ProofItem::new("privileged_fields", added.join(", ")),
                            ProofItem::new("read_back", step(&read.exchange)),
                            ProofItem::new("read_back_shows", shown(&read)),
                            ProofItem::new("plain_account_read_back", step(&plain_me.exchange)),
                            ProofItem::new("plain_account_shows", shown(plain_me)),
                        ],
                        ..Verdict::default()
                    };
                    s.report(verdict, &raised.registered);
                    return;
                }
            }
        }
    }
}

/// A profile's privilege fields for a proof (`role="customer"`).
fn shown(me: &Me) -> String {
    if me.privileges.is_empty() {
        return "no privilege field".to_owned();
    }
    me.privileges
        .iter()
        .map(|p| format!("{}={}", p.name, p.value))
        .collect::<Vec<_>>()
        .join(", ")
}

/// An account registered and signed in.
struct SignedIn {
    registered: crate::http::Exchange,
    token: String,
    /// Whether the sign-in answer (a role field, or the token's claims)
    /// grants a privileged role.
    privileged: bool,
    /// What it grants, for the proof (`role=user`).
    grants: String,
}

/// The role a sign-in answer grants: a `role`/`roles`/`is_admin`-like
/// field of the answer or of the JWT's claims.
fn granted(body: &Value, token: &str) -> (bool, String) {
    let claims = token
        .split('.')
        .nth(1)
        .and_then(|p| {
            use base64::Engine as _;
            base64::engine::general_purpose::URL_SAFE_NO_PAD
                .decode(p.trim_end_matches('='))
                .ok()
        })
        .and_then(|b| serde_json::from_slice::<Value>(&b).ok());
    for source in [Some(body), claims.as_ref()].into_iter().flatten() {
        let Some(map) = source.as_object() else {
            continue;
        };
        for (k, v) in map {
            let key = k.to_ascii_lowercase();
            let privileged = match (key.as_str(), v) {
                ("role" | "roles" | "scope" | "groups", Value::String(r)) => {
                    r.split([' ', ',']).any(is_privileged_role)
                }
                ("role" | "roles" | "groups", Value::Array(rs)) => {
                    rs.iter().filter_map(Value::as_str).any(is_privileged_role)
                }
                ("is_admin" | "isadmin" | "admin", Value::Bool(b)) => *b,
                _ => continue,
            };
            return (privileged, format!("{k}={v}"));
        }
    }
    (false, "no role".to_owned())
}

/// Registers `account` (with `extra` fields in the body) and signs in as
/// it; the registration exchange and the token.
async fn register_and_login(
    s: &mut Session<'_>,
    me: usize,
    login_op: usize,
    account: &Account,
    user_field: &str,
    password_field: &str,
    extra: &[(&str, Value)],
) -> Option<SignedIn> {
    let mut values = s.values().clone();
    let (_, body) = values.body.as_mut()?;
    let map: &mut Map<String, Value> = body.as_object_mut()?;
    map.insert(user_field.to_owned(), Value::String(account.user.clone()));
    map.insert(
        password_field.to_owned(),
        Value::String(account.password.clone()),
    );
    for (k, v) in extra {
        map.insert((*k).to_owned(), v.clone());
    }
    let request = s.request_of(me, &values)?;
    let registered = s.send_as(&request, &Identity::Anonymous).await?;
    if !ok(&registered) {
        return None;
    }
    let api = s.api();
    let login = login_request(api, &api.operations[login_op], account)?;
    let signed_in = s.send_to(login_op, &login, &Identity::Anonymous).await?;
    if !ok(&signed_in) {
        return None;
    }
    let body: Value = serde_json::from_slice(&signed_in.response()?.body).ok()?;
    let token = token_in(&body)?;
    let (privileged, grants) = granted(&body, &token);
    Some(SignedIn {
        registered,
        token,
        privileged,
        grants,
    })
}
