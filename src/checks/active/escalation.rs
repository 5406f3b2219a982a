//! privilege_escalation through a sequence: register an account with a
//! privileged field (`role: admin`, `is_admin: true`, ...), sign in as it,
//! and call an operation reserved to administrators. A control account
//! registered without those fields must be refused there, so the finding
//! is the escalation, not an operation open to every user.

use futures_util::future::BoxFuture;
use serde_json::{Map, Value};

use super::bfla::is_privileged_operation;
use super::sequence::{ok, status, step};
use super::{ActiveProbe, Stage};
use super::{Identity, Session};
use crate::checks::check::{Check, How, Owasp, Scope, Severity};
use crate::checks::{ProofItem, Verdict};
use crate::identity::{Account, Credential, is_privileged_role, login_request};
use crate::model::login::{find_login, token_in};
use crate::model::{Api, Method, Operation};
use crate::probes::Profile;

/// The `privilege_escalation` check.
pub(in crate::checks) const CHECK: Check = Check {
    name: "privilege_escalation",
    severity: Severity::Critical,
    cwe: Some(269),
    owasp: Some(Owasp::Api3),
    summary: "An account registered with a privileged field (role, is_admin) signs in and reaches an operation a plain account is refused.",
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

/// The fields privileged registrations try, with their values.
fn privileged_fields() -> Vec<(&'static str, Value)> {
    vec![
        ("role", Value::from("admin")),
        ("roles", Value::from(vec!["admin"])),
        ("is_admin", Value::Bool(true)),
        ("isAdmin", Value::Bool(true)),
        ("admin", Value::Bool(true)),
    ]
}

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

pub(super) fn applies(api: &Api, op: &Operation, _: Profile) -> bool {
    registration_fields(api, op).is_some()
        && find_login(api).is_some()
        && privileged_target(api).is_some()
}

pub(super) fn run<'s>(s: &'s mut Session<'_>) -> BoxFuture<'s, ()> {
    Box::pin(async move {
        let api = s.api();
        let me = s.index();
        let Some((user_field, password_field)) = registration_fields(api, s.operation()) else {
            return;
        };
        let (Some(login_op), Some(target)) = (find_login(api), privileged_target(api)) else {
            return;
        };
        // the control: a plain account, its sign-in answer and what the
        // privileged operation tells it
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
        let Some(target_case) = s.case_of(target) else {
            return;
        };
        let plain_identity = Identity::With(vec![Credential::bearer(&plain.token)]);
        let Some(refused) = s
            .send_to(target, &target_case.request, &plain_identity)
            .await
        else {
            return;
        };
        let fields = privileged_fields();
        for chosen in [&fields[..], &fields[..1]] {
            let escalated = Account {
                user: format!("ap{}", s.canary(10)),
                password: format!("Ap-{}-9x", s.canary(12)),
            };
            let Some(raised) = register_and_login(
                s,
                me,
                login_op,
                &escalated,
                &user_field,
                &password_field,
                chosen,
            )
            .await
            else {
                continue;
            };
            let admin = Identity::With(vec![Credential::bearer(&raised.token)]);
            let Some(reached) = s.send_to(target, &target_case.request, &admin).await else {
                return;
            };
            // proof: the privileged operation refuses the plain account and
            // serves this one, or the sign-in answer grants a privileged role
            let by_operation = ok(&reached) && !ok(&refused);
            if !(by_operation || raised.privileged) {
                continue;
            }
            let added: Vec<String> = chosen.iter().map(|(k, v)| format!("{k}={v}")).collect();
            let op = &s.api().operations[target];
            let shown = if by_operation {
                format!(
                    "{} {} answered {} (a plain account got {})",
                    op.method.as_str(),
                    op.path,
                    status(&reached),
                    status(&refused)
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
                    ProofItem::new("plain_account_call", step(&refused)),
                ],
                ..Verdict::default()
            };
            s.report(verdict, &raised.registered);
            return;
        }
    })
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
