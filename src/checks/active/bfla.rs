//! bfla (broken function-level authorization): an operation meant for a
//! privileged role (by an `x-` extension, an admin tag or path segment)
//! succeeds for a named identity without that role; and, without any
//! marker, a method of a path that serves an identity the path's other
//! methods refuse (`enforcement`). Operations with path parameters act
//! on resources created for the probe.

use futures_util::future::BoxFuture;
use serde_json::Value;

use super::enforcement;
use super::sequence::{self, ok, owner, provision, status, step};
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
    summary: "An operation reserved to a privileged role (by the spec, or by the path's other methods refusing) succeeds for an identity without it (broken function-level authorization).",
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

pub(super) fn applies(api: &Api, op: &Operation, _: Profile) -> bool {
    is_privileged_operation(op) || enforcement::applies(api, op)
}

pub(super) fn run<'s>(s: &'s mut Session<'_>) -> BoxFuture<'s, ()> {
    Box::pin(async move {
        if is_privileged_operation(s.operation()) && marked(s).await {
            return;
        }
        if enforcement::applies(s.api(), s.operation()) {
            enforcement::run(s).await;
        }
    })
}

/// The spec marks the operation privileged: an identity without a
/// privileged role must be refused. True when it reported.
async fn marked(s: &mut Session<'_>) -> bool {
    let low: Vec<(Identity, String)> = s
        .identities()
        .iter()
        .filter(|i| !i.is_privileged())
        .map(|i| (Identity::With(i.credentials.clone()), i.name.clone()))
        .collect();
    if low.is_empty() {
        return false;
    }
    let admin = s
        .identities()
        .iter()
        .find(|i| i.is_privileged())
        .map(|i| (Identity::With(i.credentials.clone()), i.name.clone()));
    let with_ids = s.operation().path.contains('{');
    let request = if with_ids {
        // live ids: the resources, made by the privileged identity
        // (else the scan's own) for this probe
        let me = s.index();
        let Some((creator, _)) = admin.clone().or_else(|| owner(s)) else {
            return false;
        };
        if !sequence::creatable(s, me) {
            return false;
        }
        let Some(made) = provision(s, me, &creator).await else {
            return false;
        };
        let Some(request) = s.request_of(me, &made.values) else {
            return false;
        };
        request
    } else {
        s.base_request().clone()
    };
    // anonymous must be refused: else the operation is open to all
    // (ignored_auth's finding), not a question of roles
    let Some(anonymous) = s.send_as(&request, &Identity::Anonymous).await else {
        return false;
    };
    if ok(&anonymous) {
        return false;
    }
    // on a live resource the privileged call comes after (it may delete it)
    let mut admin_step = match &admin {
        Some((identity, _)) if !with_ids => s.send_as(&request, identity).await,
        _ => None,
    };
    for (identity, name) in &low {
        let Some(exchange) = s.send_as(&request, identity).await else {
            return false;
        };
        if !ok(&exchange) {
            continue;
        }
        if let (Some((privileged, _)), true) = (&admin, with_ids) {
            admin_step = s.send_as(&request, privileged).await;
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
        return true;
    }
    false
}
