//! [`ScanOptions`]: how a scan runs.

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::time::Duration;

use crate::checks::{Finding, Severity};
use crate::identity::{Account, Credential, NamedIdentity, SignedIn};
use std::sync::Arc;

use crate::probes::{Discovery, PlanOptions, Profile};

/// How a scan runs.
#[derive(Debug, Clone)]
pub struct ScanOptions {
    /// The target's base URL (the spec's paths are appended to it).
    pub base_url: String,
    /// Requests in flight at once.
    pub concurrency: usize,
    /// At most this many requests a second, when set.
    pub rate_limit: Option<f64>,
    /// Stop after this many requests.
    pub max_requests: Option<u64>,
    /// Stop after this long.
    pub max_time: Option<Duration>,
    /// The seed of every generated value.
    pub seed: u64,
    /// Credentials and extra headers for every request.
    pub credentials: Vec<Credential>,
    /// How many probes of each kind.
    pub plan: PlanOptions,
    /// Shrink findings once the probes are done.
    pub shrink: bool,
    /// How often a request answered with 429 is sent again.
    pub retries_on_429: u32,
    /// The account `--login` signed in with, if any (login probes use its username).
    pub account: Option<Account>,
    /// How hard the active probes push (`--profile`).
    pub profile: Profile,
    /// The URL the target should call back (`--callback-url`); default: the
    /// callback listener's own loopback URL.
    pub callback_url: Option<String>,
    /// Where the callback listener listens (default 127.0.0.1, any port).
    pub callback_listen: Option<SocketAddr>,
    /// Named identities besides the scan's own credentials (`--identity`),
    /// for authorization probes (BOLA, BFLA).
    pub identities: Vec<NamedIdentity>,
    /// Delete the resources the probes created when the scan ends.
    pub cleanup: bool,
    /// Extra headers for some operations only (by operation index), from
    /// apiprobe.toml's `[operations]`; a scan credential of the same name wins.
    pub operation_headers: Vec<(usize, Vec<Credential>)>,
    /// The `--login` sign-in, when the scan made one: a 401 to a request
    /// carrying its credential signs in again (login identities too).
    pub signed_in: Option<SignedIn>,
    /// Check name to the severity its findings get instead of the check's
    /// own (apiprobe.toml's `[severity]`). Applied where each finding is
    /// made, so every output (live lines, streams, reports, `--fail-on`)
    /// sees the same severity.
    pub severities: BTreeMap<String, Severity>,
    /// How long a target that stopped answering is waited for before the
    /// scan stops (`--recovery-timeout`; src/engine/health.rs).
    pub recovery_timeout: Duration,
    /// Leave out the operations that reset or wipe state
    /// (`--skip-destructive`; src/engine/wipe.rs): by default each is sent
    /// once, alone, after every other probe.
    pub skip_destructive: bool,
    /// The sign-ins made before the scan (`--login`, login identities):
    /// the scan's first exchanges, so that the reports list them.
    pub sign_ins: Vec<crate::http::Exchange>,
    /// How far to look for undocumented endpoints (`--discovery`); `None`:
    /// the profile's level ([`Discovery::for_profile`]).
    pub discovery: Option<Discovery>,
    /// The words discovery tries instead of the built-in
    /// `payloads/endpoints.txt` (`--endpoint-wordlist`).
    pub endpoint_words: Option<Arc<Vec<String>>>,
    /// The API's own domains, for the CORS origins derived from them
    /// (`--cors-domain`), besides those the spec and the answers show.
    pub cors_domains: Vec<String>,
    /// The server's RSA public key file, as read (`--jwt-public-key`): the
    /// key confusion probe signs HS256 tokens with its forms.
    pub jwt_public_key: Option<Vec<u8>>,
    /// A shard (`--shard K/N`, src/probes/shard.rs): only these operations
    /// of [`Scan::operations`](super::Scan::operations) are covered. The
    /// plan is made over all of them and then cut, so each probe a shard
    /// sends is the one a whole scan sends; `None`: all of them.
    pub part: Option<Vec<usize>>,
}

impl ScanOptions {
    /// Gives `finding` the severity [`severities`](Self::severities) sets
    /// for its check, if any.
    pub(crate) fn rate(&self, finding: &mut Finding) {
        if let Some(&severity) = self.severities.get(&finding.check) {
            finding.severity = severity;
        }
    }
}

impl Default for ScanOptions {
    fn default() -> Self {
        ScanOptions {
            base_url: String::new(),
            concurrency: 16,
            rate_limit: None,
            max_requests: None,
            max_time: None,
            seed: 0,
            credentials: Vec::new(),
            plan: PlanOptions::default(),
            shrink: true,
            retries_on_429: 3,
            account: None,
            profile: Profile::default(),
            callback_url: None,
            callback_listen: None,
            identities: Vec::new(),
            cleanup: true,
            operation_headers: Vec::new(),
            signed_in: None,
            severities: BTreeMap::new(),
            recovery_timeout: Duration::from_secs(30),
            skip_destructive: false,
            sign_ins: Vec::new(),
            discovery: None,
            endpoint_words: None,
            cors_domains: Vec::new(),
            jwt_public_key: None,
            part: None,
        }
    }
}
