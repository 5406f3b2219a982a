//! One way to scan a server on loopback in a test: [`ScanBuilder`], with
//! the defaults every scan test shares in one place and a setter for each
//! thing a test varies.

use std::sync::Arc;
use std::time::Duration;

use apiprobe::checks::{CHECKS, Judge, Settings, select};
use apiprobe::engine::{Observer, Scan, ScanOptions, ScanResult, Silent, Stop};
use apiprobe::generate::Payloads;
use apiprobe::http::{Client, ClientOptions};
use apiprobe::identity::{
    Account, Credential, IdentitySpec, NamedIdentity, SignedIn, TokenUse, login, login_with,
};
use apiprobe::model::Api;
use apiprobe::probes::{PlanOptions, Profile};

/// The seed of a scan that sets none.
pub const SEED: u64 = 5;

/// How long a scan may run before the test fails as hung (a hang guard,
/// not a speed assertion).
pub const GUARD: Duration = Duration::from_secs(240);

/// The client options of a loopback scan: a 10 s timeout, no proxy from
/// the environment (a test must not depend on the machine's proxy).
pub fn client_options() -> ClientOptions {
    ClientOptions {
        timeout: Duration::from_secs(10),
        env_proxy: false,
        ..ClientOptions::default()
    }
}

/// A client with [`client_options`], for signing in outside a scan.
pub fn client() -> Client {
    Client::new(client_options()).expect("a client")
}

/// A plan with no passive probe: only the active phase sends.
pub fn active_only() -> PlanOptions {
    super::plan(0)
}

/// The names of the active checks (those whose probes send requests of
/// their own).
pub fn active_checks() -> Vec<String> {
    CHECKS
        .iter()
        .filter(|c| c.probe().is_some())
        .map(|c| c.name.to_owned())
        .collect()
}

/// How the scan signs in before it starts.
enum SignIn {
    /// Through the spec's login operation, the token sent as a bearer
    /// credential (as `apiprobe::identity::login` finds it).
    Bearer(Account),
    /// Through the login operation with a token locator; a 401 to its
    /// credential signs in again (the scan's `signed_in`).
    Session(Account, TokenUse),
}

/// A scan of `api` at a base URL, built from test defaults:
/// - a loopback client ([`client_options`]),
/// - every check, every operation, the builtin payloads,
/// - the CLI's [`ScanOptions`] (plan, profile, concurrency, cleanup, ...)
///   except the seed, [`SEED`], and shrinking, off,
/// - a [`GUARD`] around the run, no observer ([`Silent`]) and no stop.
///
/// ```ignore
/// let result = ScanBuilder::new(support::demo_api(), server.base_url())
///     .checks(&["bola"])
///     .plan(support::active_only())
///     .login(DEMO_ACCOUNT)
///     .run()
///     .await;
/// ```
#[must_use]
pub struct ScanBuilder {
    api: Api,
    operations: Option<Vec<usize>>,
    payloads: Payloads,
    client: ClientOptions,
    checks: Vec<String>,
    excluded: Vec<String>,
    settings: Settings,
    options: ScanOptions,
    sign_in: Option<SignIn>,
    identities: Vec<String>,
    privileged_roles: Vec<String>,
    guard: Duration,
}

impl ScanBuilder {
    /// A scan of `api` at `base_url` with the defaults above.
    pub fn new(api: Api, base_url: impl Into<String>) -> ScanBuilder {
        ScanBuilder {
            api,
            operations: None,
            payloads: Payloads::builtin(),
            client: client_options(),
            checks: Vec::new(),
            excluded: Vec::new(),
            settings: Settings::default(),
            options: ScanOptions {
                base_url: base_url.into(),
                seed: SEED,
                shrink: false,
                ..ScanOptions::default()
            },
            sign_in: None,
            identities: Vec::new(),
            privileged_roles: Vec::new(),
            guard: GUARD,
        }
    }

    /// Only these checks (by name; none named: every check).
    pub fn checks<S: AsRef<str>>(mut self, names: impl IntoIterator<Item = S>) -> Self {
        self.checks = names.into_iter().map(|s| s.as_ref().to_owned()).collect();
        self
    }

    /// Not these checks.
    pub fn exclude<S: AsRef<str>>(mut self, names: impl IntoIterator<Item = S>) -> Self {
        self.excluded = names.into_iter().map(|s| s.as_ref().to_owned()).collect();
        self
    }

    /// Only these operations (indices into `api.operations`).
    pub fn operations(mut self, operations: Vec<usize>) -> Self {
        self.operations = Some(operations);
        self
    }

    /// These attack strings instead of the builtin ones.
    pub fn payloads(mut self, payloads: Payloads) -> Self {
        self.payloads = payloads;
        self
    }

    /// The client's options instead of [`client_options`].
    pub fn client(mut self, options: ClientOptions) -> Self {
        self.client = options;
        self
    }

    /// The client's timeout (the rest of [`client_options`] kept).
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.client.timeout = timeout;
        self
    }

    /// The seed.
    pub fn seed(mut self, seed: u64) -> Self {
        self.options.seed = seed;
        self
    }

    /// How many probes of each kind ([`super::plan`], [`active_only`]).
    pub fn plan(mut self, plan: PlanOptions) -> Self {
        self.options.plan = plan;
        self
    }

    /// The profile of the active probes.
    pub fn profile(mut self, profile: Profile) -> Self {
        self.options.profile = profile;
        self
    }

    /// Requests in flight at once.
    pub fn concurrency(mut self, concurrency: usize) -> Self {
        self.options.concurrency = concurrency;
        self
    }

    /// One more credential for every request.
    pub fn credential(mut self, credential: Credential) -> Self {
        self.options.credentials.push(credential);
        self
    }

    /// Signs in as `(user, password)` through the spec's login operation
    /// before the scan: its token is sent as a bearer credential (after
    /// any [`Self::credential`]) and the account is the scan's.
    pub fn login(mut self, (user, password): (&str, &str)) -> Self {
        self.sign_in = Some(SignIn::Bearer(account(user, password)));
        self
    }

    /// Signs in as `(user, password)` with the token where `token` says,
    /// as `--login` does: the scan signs in again when that credential is
    /// refused.
    pub fn session(mut self, (user, password): (&str, &str), token: TokenUse) -> Self {
        self.sign_in = Some(SignIn::Session(account(user, password), token));
        self
    }

    /// A named identity, as `--identity` takes it (`name:role=...`),
    /// resolved (signed in) before the scan, after [`Self::login`].
    pub fn identity(mut self, spec: impl Into<String>) -> Self {
        self.identities.push(spec.into());
        self
    }

    /// Roles that make an identity privileged (`--privileged-role`).
    pub fn privileged_roles<S: Into<String>>(mut self, roles: impl IntoIterator<Item = S>) -> Self {
        self.privileged_roles
            .extend(roles.into_iter().map(Into::into));
        self
    }

    /// Named identities ([`Self::identity`] each).
    pub fn identities<S: Into<String>>(mut self, specs: impl IntoIterator<Item = S>) -> Self {
        self.identities.extend(specs.into_iter().map(Into::into));
        self
    }

    /// Delete what the probes created when the scan ends (on by default).
    pub fn cleanup(mut self, cleanup: bool) -> Self {
        self.options.cleanup = cleanup;
        self
    }

    /// Shrink findings once the probes are done (off by default).
    pub fn shrink(mut self, shrink: bool) -> Self {
        self.options.shrink = shrink;
        self
    }

    /// Stop after this many requests.
    pub fn max_requests(mut self, requests: u64) -> Self {
        self.options.max_requests = Some(requests);
        self
    }

    /// Stop after this long.
    pub fn max_time(mut self, time: Duration) -> Self {
        self.options.max_time = Some(time);
        self
    }

    /// The judges' settings.
    pub fn settings(mut self, settings: Settings) -> Self {
        self.settings = settings;
        self
    }

    /// Any other option: `change` edits the scan's options in place.
    pub fn options(mut self, change: impl FnOnce(&mut ScanOptions)) -> Self {
        change(&mut self.options);
        self
    }

    /// The hang guard instead of [`GUARD`].
    pub fn guard(mut self, guard: Duration) -> Self {
        self.guard = guard;
        self
    }

    /// Signs in (if asked), runs the scan to its end with no observer and
    /// gives its result.
    pub async fn run(self) -> ScanResult {
        self.run_with(Arc::new(Silent), Stop::new()).await
    }

    /// [`Self::run`], observed by `observer` and stopped by `stop`.
    pub async fn run_with(self, observer: Arc<dyn Observer>, stop: Stop) -> ScanResult {
        let guard = self.guard;
        let scan = self.build().await;
        tokio::time::timeout(guard, scan.run(observer, stop))
            .await
            .expect("the scan ends within its guard")
    }

    /// The scan, once signed in.
    async fn build(self) -> Scan {
        let client = Client::new(self.client).expect("a client");
        let api = self.api;
        let mut options = self.options;
        let base_url = options.base_url.clone();
        match self.sign_in {
            None => {}
            Some(SignIn::Bearer(account)) => {
                let token = login(&api, &client, &base_url, &account)
                    .await
                    .expect("the login succeeds");
                options.credentials.push(Credential::bearer(&token));
                options.account = Some(account);
            }
            Some(SignIn::Session(account, token)) => {
                let credential = login_with(&api, &client, &base_url, &account, &token)
                    .await
                    .expect("the login succeeds");
                options.credentials.push(credential.clone());
                options.account = Some(account.clone());
                options.signed_in = Some(SignedIn {
                    account,
                    token,
                    credential,
                });
            }
        }
        for text in &self.identities {
            options
                .identities
                .push(resolve(&api, &client, &base_url, text, &self.privileged_roles).await);
        }
        let checks = select(&self.checks, &self.excluded).expect("known checks");
        Scan {
            operations: self
                .operations
                .unwrap_or_else(|| (0..api.operations.len()).collect()),
            api: Arc::new(api),
            payloads: Arc::new(self.payloads),
            client,
            judge: Arc::new(Judge::new(checks, self.settings)),
            options,
        }
    }
}

fn account(user: &str, password: &str) -> Account {
    Account {
        user: user.into(),
        password: password.into(),
    }
}

/// The identity `text` names, signed in.
async fn resolve(
    api: &Api,
    client: &Client,
    base_url: &str,
    text: &str,
    privileged_roles: &[String],
) -> NamedIdentity {
    IdentitySpec::parse(api, text)
        .expect("the identity parses")
        .with_privileged_roles(privileged_roles)
        .resolve(api, client, base_url)
        .await
        .expect("the identity signs in")
}
