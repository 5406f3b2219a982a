//! token_chain: what a forged token opens. Where the target accepts JWTs
//! apiprobe makes itself (weak_jwt_secret cracked the secret of the
//! scan's token, or of a named identity's when the scan sends none, or the target takes `alg: none`, a stripped signature, a `kid`
//! injection: jwt_forgery's flaws), tokens are signed for other subjects
//! (privileged identities, user names the API lists, `admin`), in the
//! claim shape of the scan's own token (same claims, the subject changed,
//! privilege claims raised within the API's vocabulary). Those whose "who
//! am I" read names the forged subject are forged identities. On every
//! operation that refused the scan's identities (401/403), each forged
//! identity is tried; where one is let in, that is a finding of this check,
//! and the injection probes run again as it: their findings say so in
//! title and proof ("with a token forged for 'admin': ..."), at the worse
//! of their own severity and the forgery's.
//!
//! Only in `--profile aggressive`; `--no-chain` leaves it out. Requests
//! with forged tokens: at most one per minter to find one that works
//! ([`Minter::candidates`]), one per subject tried ([`MAX_SUBJECTS`]), then
//! one per forged identity on each refused operation, and the probes'.

use std::sync::Arc;

use futures_util::future::BoxFuture;
use serde_json::Value;
use tokio::sync::OnceCell;

use super::credentials::{bearer_jwt, refusal, success};
use super::forged_port::{Forged, ForgedPort};
use super::minter::{Minter, forged_claims, refreshed, subject_claim};
use super::privilege_values::{Known, raised};
use super::whoami::{self, Who, is_privilege_field};
use super::{ActiveProbe, Identity, Session, Stage};
use crate::checks::check::{Check, How, Owasp, Scope, Severity};
use crate::checks::jwt::{self, Jwt};
use crate::checks::{CHECKS, ProofItem, Verdict};
use crate::generate::Seed;
use crate::http::Request;
use crate::identity::Credential;
use crate::model::{Api, Method, Operation};
use crate::probes::Profile;

/// The `token_chain` check.
pub(in crate::checks) const CHECK: Check = Check {
    name: "token_chain",
    severity: Severity::Critical,
    cwe: Some(285),
    owasp: Some(Owasp::Api5),
    summary: "A token forged for another subject (with a cracked secret, alg none, a stripped signature or a kid injection) opens an operation that refused every identity of the scan; the injection probes run again as it (aggressive profile only; --no-chain turns it off).",
    scope: Scope::Operation,
    how: How::Probe(ActiveProbe {
        stage: Stage::Stateful,
        applies,
        run,
    }),
};

/// Subjects a token is forged for at most.
pub const MAX_SUBJECTS: usize = 6;
/// Forged identities kept at most.
const MAX_FORGED: usize = 4;
/// Listings read at most for the user names they show.
const MAX_LISTINGS: usize = 2;
/// User names taken from listings at most.
const MAX_SEEN: usize = 40;
/// The subjects tried when no name in the API looks privileged.
const DEFAULT_SUBJECTS: [&str; 3] = ["admin", "administrator", "root"];
/// The shelf's key for what the first session worked out.
const SHELF_KEY: &str = "token_chain";

pub(super) fn applies(_: &Api, op: &Operation, profile: Profile) -> bool {
    profile == Profile::Aggressive && !op.is_public()
}

/// What the first session works out for the whole scan: the forged
/// identities the target accepted (none: nothing to chain).
#[derive(Debug, Default)]
struct Chain {
    forged: Vec<Forged>,
}

pub(super) fn run<'s>(s: &'s mut Session<'_>) -> BoxFuture<'s, ()> {
    Box::pin(async move {
        // worked out once for the whole scan (the first session to ask)
        let chain = match s.shelf() {
            Some(shelf) => {
                let cell = shelf.get_or_put(SHELF_KEY, || Arc::new(OnceCell::<Arc<Chain>>::new()));
                cell.get_or_init(|| async { Arc::new(discover(s).await) })
                    .await
                    .clone()
            }
            None => Arc::new(discover(s).await),
        };
        if chain.forged.is_empty() || s.stopping() {
            return;
        }
        let request = s.base_request().clone();
        let Some(refused) = refused_to_all(s, &request).await else {
            return;
        };
        for forged in &chain.forged {
            let Some(exchange) = s
                .send_as(&request, &Identity::With(forged.credentials.clone()))
                .await
            else {
                return;
            };
            let status = exchange.response().map(|r| r.status);
            if refusal(status) || status.is_none_or(|s| s >= 500) {
                continue;
            }
            if success(status) {
                let op = s.operation();
                let code = status.unwrap_or_default();
                let mut proof = forged.proof();
                proof.push(ProofItem::new(
                    "refused_to_scan_identities",
                    refused.clone(),
                ));
                proof.push(ProofItem::new("forged_token_status", code.to_string()));
                let verdict = Verdict {
                    title: format!(
                        "{}: {} {} answered {code}, refused to every identity of the scan",
                        forged.label(),
                        op.method.as_str(),
                        op.path
                    ),
                    evidence: format!(
                        "{} ({}; {}), whom the API's \"who am I\" shows as {:?}: {code}; the scan's identities: {refused}",
                        forged.label(),
                        forged.how,
                        forged.via,
                        forged.shown_as
                    ),
                    signature: format!("forged for {}", forged.subject),
                    proof,
                    ..Verdict::default()
                };
                s.report(verdict, &exchange);
            }
            probe_as(s, forged, &refused).await;
            // one forged identity per operation: the first the target lets in
            return;
        }
    })
}

/// What the operation answered the scan and each named identity, when all
/// were refused (401/403): `scan 403, bob 403`; `None` when one was not.
async fn refused_to_all(s: &mut Session<'_>, request: &Request) -> Option<String> {
    let mut who: Vec<(String, Identity)> = vec![("scan".to_owned(), Identity::Scan)];
    for i in s.identities() {
        if !i.credentials.is_empty() {
            who.push((i.name.clone(), Identity::With(i.credentials.clone())));
        }
    }
    let mut out = Vec::new();
    for (name, identity) in who {
        let exchange = s.send_as(request, &identity).await?;
        let status = exchange.response().map(|r| r.status);
        if !refusal(status) {
            return None;
        }
        out.push(format!("{name} {}", status.unwrap_or_default()));
    }
    Some(out.join(", "))
}

/// Runs the injection probes on the session's operation as `forged`.
async fn probe_as(s: &mut Session<'_>, forged: &Forged, refused: &str) {
    let inner = s.port();
    let api = s.api();
    let op = s.operation();
    let index = s.index();
    let severity = crate::checks::find(forged.via).map_or(Severity::Critical, |c| c.severity);
    let port = ForgedPort {
        inner,
        forged,
        severity,
        refused: refused.to_owned(),
    };
    for check in CHECKS {
        let Some(probe) = check.probe() else {
            continue;
        };
        if probe.stage != Stage::Injection
            || check.scope != Scope::Operation
            || !(probe.applies)(api, op, inner.profile())
        {
            continue;
        }
        if inner.stopping() {
            return;
        }
        let seed = Seed::new(inner.seed())
            .derive(&[
                index.into(),
                "chain:".into(),
                check.name.into(),
                forged.subject.as_str().into(),
            ])
            .get();
        let Some(mut session) = Session::new(&port, index, check, seed) else {
            continue;
        };
        (probe.run)(&mut session).await;
    }
}

/// Finds a minter the target accepts and the forged identities it makes.
async fn discover(s: &mut Session<'_>) -> Chain {
    let none = Chain::default();
    // the template: the scan's own bearer JWT, else a named identity's
    // (a scan given only `--identity` logins), a plain identity's first
    let named = || {
        let mut identities: Vec<_> = s.identities().iter().collect();
        identities.sort_by_key(|i| i.is_privileged());
        identities.into_iter().find_map(|i| {
            bearer_jwt(&i.credentials).map(|(raw, others)| (raw, others, Who::named(i)))
        })
    };
    let Some((raw, others, scan)) = bearer_jwt(s.credentials())
        .map(|(raw, others)| (raw, others, Who::scan(s)))
        .or_else(named)
    else {
        return none;
    };
    let Some(template) = Jwt::parse(&raw) else {
        return none;
    };
    let Some(me) = s.whoami(&scan).await else {
        return none;
    };
    let api = s.api();
    let Some(claim) = subject_claim(&template, &scan.names) else {
        return none;
    };
    let with = |token: &str| {
        let mut credentials: Vec<Credential> = others.clone();
        credentials.push(Credential::bearer(token));
        credentials
    };
    // the minter: the scan's own claims, made anew, read back as the scan's user
    let secret = s.port().crack_jwt_secret(&raw);
    let mut minter = None;
    for candidate in Minter::candidates(secret) {
        if s.stopping() {
            return none;
        }
        let token = candidate.mint(&template, &refreshed(&template.claims));
        let who = Who {
            key: "token_chain:minter".to_owned(),
            identity: Identity::With(with(&token)),
            names: scan.names.clone(),
        };
        if whoami::read(s, me.operation, &who).await.is_some() {
            minter = Some(candidate);
            break;
        }
    }
    let Some(minter) = minter else {
        return none;
    };
    // privilege claims raised within the API's vocabulary
    let known = Known {
        whoami: Some(me.operation),
        ..Known::default()
    };
    let raised_claims: Vec<(String, Value)> = template
        .claims
        .as_object()
        .map(|m| {
            m.iter()
                .filter(|(k, _)| k.as_str() != claim && is_privilege_field(api, k))
                .filter_map(|(k, v)| {
                    raised(api, k, Some(v), &known)
                        .into_iter()
                        .next()
                        .map(|r| (k.clone(), r))
                })
                .collect()
        })
        .unwrap_or_default();
    let mut forged = Vec::new();
    for subject in subjects(s, &scan, me.operation).await {
        if forged.len() >= MAX_FORGED || s.stopping() {
            break;
        }
        let claims = forged_claims(&template, claim, &subject, &raised_claims);
        let token = minter.mint(&template, &claims);
        let who = Who {
            key: format!("token_chain:{subject}"),
            identity: Identity::With(with(&token)),
            names: vec![subject.clone()],
        };
        let Some(shown) = whoami::read(s, me.operation, &who).await else {
            continue;
        };
        let privileges: Vec<String> = shown
            .privileges
            .iter()
            .map(|p| format!("{}={}", p.name, p.value))
            .collect();
        let shown_as = if privileges.is_empty() {
            shown.user.clone()
        } else {
            format!("{} ({})", shown.user, privileges.join(", "))
        };
        forged.push(Forged {
            subject,
            shown_as,
            credentials: with(&token),
            how: minter.describe(),
            via: minter.check(),
            token: jwt::abbreviate(&token),
        });
    }
    Chain { forged }
}

/// Whether a user name looks like a privileged account's.
fn looks_privileged(name: &str) -> bool {
    let n = name.to_ascii_lowercase();
    [
        "admin", "root", "super", "manager", "owner", "staff", "operator",
    ]
    .iter()
    .any(|w| n.contains(w))
}

/// The subjects to forge tokens for, best first, at most [`MAX_SUBJECTS`]:
/// privileged identities' names, privileged-looking names the API's
/// listings show, `admin`, `administrator`, `root`, then other listed names
/// (never the scan's own `names`).
async fn subjects(s: &mut Session<'_>, template: &Who, whoami_op: usize) -> Vec<String> {
    let own = &template.names;
    let mut out: Vec<String> = Vec::new();
    let add = |name: &str, out: &mut Vec<String>| {
        let name = name.trim();
        if name.len() >= 2
            && !own.iter().any(|o| o.eq_ignore_ascii_case(name))
            && !out.iter().any(|o| o.eq_ignore_ascii_case(name))
        {
            out.push(name.to_owned());
        }
    };
    for i in s.identities().iter().filter(|i| i.is_privileged()) {
        if let Some(name) = Who::named(i).names.first() {
            add(name, &mut out);
        }
    }
    let seen = listed_names(s, whoami_op, &template.identity).await;
    for name in seen.iter().filter(|n| looks_privileged(n)) {
        add(name, &mut out);
    }
    for name in DEFAULT_SUBJECTS {
        add(name, &mut out);
    }
    for name in &seen {
        add(name, &mut out);
    }
    out.truncate(MAX_SUBJECTS);
    out
}

/// Whether a field of this name holds a user name.
fn user_field(key: &str) -> bool {
    let k: String = key
        .chars()
        .filter(|c| *c != '_' && *c != '-')
        .flat_map(char::to_lowercase)
        .collect();
    matches!(
        k.as_str(),
        "username" | "user" | "login" | "email" | "owner" | "author" | "handle" | "sub"
    )
}

/// The user names the API's listings show `reader` (the template's identity): up to
/// [`MAX_LISTINGS`] GETs without required parameters whose path names
/// users, members or accounts (not the "who am I").
async fn listed_names(s: &mut Session<'_>, whoami_op: usize, reader: &Identity) -> Vec<String> {
    let api = s.api();
    let listings: Vec<usize> = api
        .operations
        .iter()
        .enumerate()
        .filter(|(i, op)| {
            *i != whoami_op
                && op.method == Method::Get
                && !op.parameters.iter().any(|p| p.required)
                && {
                    let p = op.path.to_ascii_lowercase();
                    ["user", "member", "account", "people", "staff", "employee"]
                        .iter()
                        .any(|w| p.contains(w))
                }
        })
        .map(|(i, _)| i)
        .take(MAX_LISTINGS)
        .collect();
    let mut names = Vec::new();
    for index in listings {
        let Some(op) = api.operations.get(index) else {
            continue;
        };
        let values = crate::generate::Values {
            parameters: vec![None; op.parameters.len()],
            body: None,
        };
        let Ok(request) = crate::generate::serialise(api, op, &values) else {
            continue;
        };
        let Some(exchange) = s.send_to(index, &request, reader).await else {
            break;
        };
        let Some(body) = exchange
            .response()
            .filter(|r| (200..300).contains(&r.status))
            .and_then(|r| serde_json::from_slice::<Value>(&r.body).ok())
        else {
            continue;
        };
        collect_names(&body, 0, &mut names);
    }
    names
}

fn collect_names(v: &Value, depth: usize, out: &mut Vec<String>) {
    if depth > 6 || out.len() >= MAX_SEEN {
        return;
    }
    match v {
        Value::Array(items) => {
            for item in items {
                collect_names(item, depth + 1, out);
            }
        }
        Value::Object(map) => {
            for (k, child) in map {
                match child {
                    Value::String(t)
                        if user_field(k)
                            && (2..=64).contains(&t.len())
                            && !out.contains(t)
                            && out.len() < MAX_SEEN =>
                    {
                        out.push(t.clone());
                    }
                    _ => collect_names(child, depth + 1, out),
                }
            }
        }
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn listings_give_user_names_and_privileged_ones_stand_out() {
        let body = json!({"data": [{"username": "root-ops", "role": "admin"}, {"username": "dan", "name": "Dan D"}, {"email": "e@x.io"}]});
        let mut names = Vec::new();
        collect_names(&body, 0, &mut names);
        assert_eq!(names, ["root-ops", "dan", "e@x.io"]);
        assert!(looks_privileged("root-ops"));
        assert!(looks_privileged("SiteAdmin"));
        assert!(!looks_privileged("dan"));
    }
}
