//! bfla (broken function-level authorization): an operation meant for a
//! privileged role (by an `x-` extension, an admin tag or path segment)
//! succeeds for a named identity without that role.

use futures_util::future::BoxFuture;
use serde_json::Value;

use super::sequence::{ok, status, step};
use super::{ActiveProbe, Stage};
use super::{Identity, Session};
use crate::checks::check::{Check, How, Owasp, Scope, Severity};
use crate::checks::{Confidence, ProofItem, Verdict};
use crate::identity::is_privileged_role;
use crate::model::{Api, Operation};
use crate::probes::Profile;

/// The `bfla` check.
pub(in crate::checks) const CHECK: Check = Check {
    name: "bfla",
    severity: Severity::High,
    cwe: Some(285),
    owasp: Some(Owasp::Api5),
    summary: "An operation the spec reserves to a privileged role succeeds for an identity without it (broken function-level authorization).",
    scope: Scope::Operation,
    how: How::Probe(ActiveProbe {
        stage: Stage::Stateful,
        applies,
        run,
    }),
};

/// Whether the spec marks `op` as reserved to a privileged role: an
/// `x-admin-only`/`x-admin` flag, an `x-required-role`/`x-role(s)` naming
/// one, a tag or a path segment `admin`.
pub(crate) fn is_privileged_operation(op: &Operation) -> bool {
    let flag = |name: &str| {
        op.extensions
            .get(name)
            .is_some_and(|v| v == &Value::Bool(true))
    };
    let names_role = |v: &Value| match v {
        Value::String(r) => is_privileged_role(r),
        Value::Array(rs) => rs.iter().filter_map(Value::as_str).any(is_privileged_role),
        _ => false,
    };
    flag("x-admin-only")
        || flag("x-admin")
        || ["x-required-role", "x-role", "x-roles", "x-required-roles"]
            .iter()
            .any(|k| op.extensions.get(*k).is_some_and(names_role))
        || op.tags.iter().any(|t| {
            let t = t.to_ascii_lowercase();
            t == "admin" || t == "administration" || t == "administrator"
        })
        || op
            .path
            .split('/')
            .any(|seg| seg.eq_ignore_ascii_case("admin"))
}

pub(super) fn applies(_: &Api, op: &Operation, _: Profile) -> bool {
    is_privileged_operation(op) && !op.path.contains('{')
}

pub(super) fn run<'s>(s: &'s mut Session<'_>) -> BoxFuture<'s, ()> {
    Box::pin(async move {
        let low: Vec<(Identity, String)> = s
            .identities()
            .iter()
            .filter(|i| !i.is_privileged())
            .map(|i| (Identity::With(i.credentials.clone()), i.name.clone()))
            .collect();
        if low.is_empty() {
            return;
        }
        let request = s.base_request().clone();
        // anonymous must be refused: else the operation is open to all
        // (ignored_auth's finding), not a question of roles
        let Some(anonymous) = s.send_as(&request, &Identity::Anonymous).await else {
            return;
        };
        if ok(&anonymous) {
            return;
        }
        let admin = s
            .identities()
            .iter()
            .find(|i| i.is_privileged())
            .map(|i| (Identity::With(i.credentials.clone()), i.name.clone()));
        let admin_step = match &admin {
            Some((identity, _)) => s.send_as(&request, identity).await,
            None => None,
        };
        for (identity, name) in &low {
            let Some(exchange) = s.send_as(&request, identity).await else {
                return;
            };
            if !ok(&exchange) {
                continue;
            }
            let mut proof = vec![
                ProofItem::new("identity", name.clone()),
                ProofItem::new("anonymous", step(&anonymous)),
                ProofItem::new("low_privilege", step(&exchange)),
            ];
            if let (Some((_, admin_name)), Some(a)) = (&admin, &admin_step) {
                proof.push(ProofItem::new(
                    format!("privileged ({admin_name})"),
                    step(a),
                ));
            }
            let role = s
                .identities()
                .iter()
                .find(|i| &i.name == name)
                .and_then(|i| i.role.clone())
                .unwrap_or_else(|| "no role".to_owned());
            let verdict = Verdict {
                title: format!(
                    "A privileged operation is open to {name} ({role}): {}",
                    status(&exchange)
                ),
                evidence: format!(
                    "{} {} is reserved to administrators by the spec; anonymous got {}, {name} ({role}) got {}",
                    s.operation().method.as_str(),
                    s.operation().path,
                    status(&anonymous),
                    status(&exchange)
                ),
                signature: "low_privilege_allowed".to_owned(),
                confidence: Confidence::Confirmed,
                proof,
            };
            s.report(verdict, &exchange);
            return;
        }
    })
}
