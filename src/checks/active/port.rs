//! [`Port`]: what an active probe needs from the scan that runs it. The
//! engine implements it; the probes see only this, so they depend on the
//! scan's sending path without depending on the engine.

use std::time::Duration;

use futures_util::future::BoxFuture;

use crate::checks::Finding;
use crate::generate::{Case, Payloads};
use crate::http::{CallbackServer, Exchange, Request};
use crate::identity::{Account, Credential, NamedIdentity, TokenUse};
use crate::model::{Api, Operation};
use crate::probes::{Discovery, ProbeKind, Profile, Resources};

/// The scan as an active probe's [`Session`](super::Session) sees it.
pub trait Port: Send + Sync {
    /// The API.
    fn api(&self) -> &Api;

    /// The payload lists cases draw from.
    fn payloads(&self) -> &Payloads;

    /// The scan's profile.
    fn profile(&self) -> Profile;

    /// The scan's credentials (`--bearer`, `--basic`, `--api-key`, `-H`, `--login`).
    fn credentials(&self) -> &[Credential];

    /// The account `--login` signed in with, if any.
    fn account(&self) -> Option<&Account>;

    /// Where the scan's sign-in answers hold the credential they issue
    /// (`--token-from`), when the scan signed in; `None`: the default locator.
    fn token_use(&self) -> Option<&TokenUse> {
        None
    }

    /// The named identities of the scan (`--identity`).
    fn identities(&self) -> &[NamedIdentity];

    /// Which operations produce the ids others consume.
    fn resources(&self) -> &Resources;

    /// The longest a single request may take before the client gives up.
    fn timeout(&self) -> Duration;

    /// The callback listener, when the scan runs one.
    fn callback(&self) -> Option<&CallbackServer>;

    /// Takes one trial from the scan's budget of time-based trials; false
    /// when the profile allows none or the budget is spent.
    fn take_time_budget(&self) -> bool;

    /// Whether the scan is stopping (Ctrl-C, a budget, a lost target).
    fn stopping(&self) -> bool;

    /// Sends `request` for operation `operation` (its index in
    /// `api.operations`) with `credentials`, through the scan's one sending
    /// path (budgets, rate limit, 429 pauses, signing in again); the
    /// exchange is an event of the scan, of probe `kind`. `None` when
    /// nothing was sent (the scan is stopping, a budget is spent).
    fn send<'s>(
        &'s self,
        operation: usize,
        kind: &'s ProbeKind,
        request: &'s Request,
        credentials: &'s [Credential],
    ) -> BoxFuture<'s, Option<Exchange>>;

    /// Records `finding` as a finding of the scan (and its event). False
    /// when the same finding (operation, check, signature) was already known.
    fn record(&self, finding: Finding) -> bool;

    /// The target's base URL (paths are appended to it).
    fn base_url(&self) -> &str;

    /// How far to look for undocumented endpoints (`--discovery`, else the profile's level).
    fn discovery(&self) -> Discovery;

    /// The words discovery tries instead of the built-in list (`--endpoint-wordlist`).
    fn endpoint_words(&self) -> Option<&[String]>;

    /// The API's own domains given by the user (`--cors-domain`).
    fn cors_domains(&self) -> &[String];

    /// True for the first `limit` calls with `key` in the whole scan: a
    /// target-wide probe runs its requests once, or on a few operations only.
    fn claim(&self, key: &str, limit: u32) -> bool;

    /// Runs the scan's passive checks over `exchange` as an answer of
    /// `operation` (one the spec lists, or an undocumented one a probe
    /// found) and records their findings; the names of the checks that
    /// gave a verdict, new or already known.
    fn judge(
        &self,
        operation: &Operation,
        kind: &ProbeKind,
        case: &Case,
        exchange: &Exchange,
    ) -> Vec<&'static str>;

    /// The scan's seed (a session's base case is drawn from it and the
    /// operation alone, the same for every check).
    fn seed(&self) -> u64;

    /// Per operation, the cases the target answered with 2xx during the
    /// scan and the base case its sessions share.
    fn bases(&self) -> &super::Bases;

    /// Tells the user something the scan could not do or undo (an
    /// identity a probe left unable to sign in); the scan goes on.
    fn warn(&self, _message: &str) {}

    /// Remembers a resource a probe created: `delete`, sent with
    /// `credentials`, removes it when the scan ends (unless `--no-cleanup`).
    fn created(&self, delete: Request, credentials: Vec<Credential>);

    /// What active checks work out once per scan and share between their
    /// sessions; `None` when the scan keeps nothing (each session works it
    /// out again).
    fn shelf(&self) -> Option<&super::Shelf> {
        None
    }

    /// The server's public key as the user gave it (`--jwt-public-key`):
    /// the file's bytes.
    fn jwt_public_key(&self) -> Option<&[u8]> {
        None
    }

    /// The secret weak_jwt_secret cracked for `token`'s deployment so far,
    /// if any (for token_chain; no search is started).
    fn jwt_secret(&self, _token: &str) -> Option<String> {
        None
    }

    /// [`jwt_secret`](Self::jwt_secret), cracking the token now when it is
    /// not known yet (a named identity's token, which no judged exchange
    /// carried); blocks while it cracks.
    fn crack_jwt_secret(&self, token: &str) -> Option<String> {
        self.jwt_secret(token)
    }

    /// The scan's cache of identities' "who am I" reads; `None` when the
    /// scan keeps none (every session then looks for itself).
    fn whoamis(&self) -> Option<&super::whoami::Whoamis> {
        None
    }
}
