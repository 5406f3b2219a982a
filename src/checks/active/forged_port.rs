//! [`ForgedPort`]: the scan as a probe sees it when it runs as a forged
//! identity (for `token_chain`): the scan's own credentials are the forged
//! token, and every finding says how it was reached ("with a token forged
//! for 'admin': ..."), its severity the worse of its own and the forgery's.

use std::time::Duration;

use futures_util::future::BoxFuture;

use super::port::Port;
use crate::checks::{Finding, ProofItem, Severity, fingerprint};
use crate::generate::{Case, Payloads};
use crate::http::{CallbackServer, Exchange, Request};
use crate::identity::{Account, Credential, NamedIdentity, TokenUse};
use crate::model::{Api, Operation};
use crate::probes::{Discovery, ProbeKind, Profile, Resources};

/// A forged identity: what its token carries and how it was made.
#[derive(Debug, Clone)]
pub(super) struct Forged {
    /// The subject the token was forged for (`admin`).
    pub(super) subject: String,
    /// Whom the target's "who am I" says it is.
    pub(super) shown_as: String,
    /// The credentials its requests carry (the forged bearer token and the
    /// scan's other headers).
    pub(super) credentials: Vec<Credential>,
    /// How the token was made (`alg "none", unsigned`).
    pub(super) how: &'static str,
    /// The check whose flaw made it (`weak_jwt_secret`, `jwt_forgery`).
    pub(super) via: &'static str,
    /// The forged token, abbreviated.
    pub(super) token: String,
}

impl Forged {
    /// `with a token forged for 'admin'`.
    pub(super) fn label(&self) -> String {
        format!("with a token forged for '{}'", self.subject)
    }

    /// What every finding reached with it carries first in its proof.
    pub(super) fn proof(&self) -> Vec<ProofItem> {
        vec![
            ProofItem::new("forged_for", self.subject.clone()),
            ProofItem::new("forged_identity_shown_as", self.shown_as.clone()),
            ProofItem::new("forged_how", self.how),
            ProofItem::new("forged_via", self.via),
            ProofItem::new("forged_token", self.token.clone()),
        ]
    }
}

/// The scan's port, with a forged identity as the scan's own.
pub(super) struct ForgedPort<'a> {
    pub(super) inner: &'a dyn Port,
    pub(super) forged: &'a Forged,
    /// The forgery's own severity (its check's).
    pub(super) severity: Severity,
    /// What the operation answered the scan's identities (for proofs).
    pub(super) refused: String,
}

impl ForgedPort<'_> {
    /// `finding` as reached with the forged identity.
    fn chained(&self, mut finding: Finding) -> Finding {
        let scoped =
            finding.id == fingerprint(&finding.operation.id, &finding.check, &finding.signature);
        let label = self.forged.label();
        finding.signature = format!("forged for {}: {}", self.forged.subject, finding.signature);
        finding.id = fingerprint(
            if scoped { &finding.operation.id } else { "" },
            &finding.check,
            &finding.signature,
        );
        finding.title = format!("{label}: {}", finding.title);
        finding.evidence = format!(
            "{label} ({}; {}), on an operation that refused the scan's identities ({}): {}",
            self.forged.how, self.forged.via, self.refused, finding.evidence
        );
        let mut proof = self.forged.proof();
        proof.push(ProofItem::new(
            "refused_to_scan_identities",
            self.refused.clone(),
        ));
        proof.append(&mut finding.proof);
        finding.proof = proof;
        finding.severity = finding.severity.max(self.severity);
        finding
    }
}

impl Port for ForgedPort<'_> {
    fn api(&self) -> &Api {
        self.inner.api()
    }

    fn payloads(&self) -> &Payloads {
        self.inner.payloads()
    }

    fn profile(&self) -> Profile {
        self.inner.profile()
    }

    fn credentials(&self) -> &[Credential] {
        &self.forged.credentials
    }

    fn account(&self) -> Option<&Account> {
        None
    }

    fn token_use(&self) -> Option<&TokenUse> {
        self.inner.token_use()
    }

    fn identities(&self) -> &[NamedIdentity] {
        self.inner.identities()
    }

    fn resources(&self) -> &Resources {
        self.inner.resources()
    }

    fn timeout(&self) -> Duration {
        self.inner.timeout()
    }

    fn callback(&self) -> Option<&CallbackServer> {
        self.inner.callback()
    }

    fn take_time_budget(&self) -> bool {
        self.inner.take_time_budget()
    }

    fn stopping(&self) -> bool {
        self.inner.stopping()
    }

    fn send<'s>(
        &'s self,
        operation: usize,
        kind: &'s ProbeKind,
        request: &'s Request,
        credentials: &'s [Credential],
    ) -> BoxFuture<'s, Option<Exchange>> {
        self.inner.send(operation, kind, request, credentials)
    }

    fn record(&self, finding: Finding) -> bool {
        self.inner.record(self.chained(finding))
    }

    fn base_url(&self) -> &str {
        self.inner.base_url()
    }

    fn discovery(&self) -> Discovery {
        self.inner.discovery()
    }

    fn endpoint_words(&self) -> Option<&[String]> {
        self.inner.endpoint_words()
    }

    fn cors_domains(&self) -> &[String] {
        self.inner.cors_domains()
    }

    fn claim(&self, key: &str, limit: u32) -> bool {
        self.inner.claim(key, limit)
    }

    fn judge(
        &self,
        operation: &Operation,
        kind: &ProbeKind,
        case: &Case,
        exchange: &Exchange,
    ) -> Vec<&'static str> {
        self.inner.judge(operation, kind, case, exchange)
    }

    fn seed(&self) -> u64 {
        self.inner.seed()
    }

    fn bases(&self) -> &super::Bases {
        self.inner.bases()
    }

    fn warn(&self, message: &str) {
        self.inner.warn(message);
    }

    fn created(&self, delete: Request, credentials: Vec<Credential>) {
        self.inner.created(delete, credentials);
    }

    // the shelf and the "who am I" cache hold what the scan's own
    // identities showed: a forged identity works them out for itself
    fn shelf(&self) -> Option<&super::Shelf> {
        None
    }

    fn whoamis(&self) -> Option<&super::whoami::Whoamis> {
        None
    }

    fn jwt_public_key(&self) -> Option<&[u8]> {
        self.inner.jwt_public_key()
    }

    fn jwt_secret(&self, token: &str) -> Option<String> {
        self.inner.jwt_secret(token)
    }

    fn crack_jwt_secret(&self, token: &str) -> Option<String> {
        self.inner.crack_jwt_secret(token)
    }
}
