//! The scan's configuration, resolved once: the flags and apiprobe.toml
//! merged into one validated [`ScanConfig`] before anything is sent (the
//! way ripgrep goes from low-level to high-level arguments).
//!
//! [`resolve`] is pure: the file's options are laid under the flags the
//! command line did not give ([`Given`]), credentials and headers are
//! checked ([`input::check`]), two ways of setting `Authorization` are
//! refused, and checks, filters, tokens, API keys, logins, identities,
//! callbacks and reports are read into their types; an error is a
//! [`SettingsError`]. [`configure`] reads the file, resolves, prints the
//! notes and checks that every report can be written. `scan` then signs
//! in, runs and reports from the value alone: nothing reads the file again.

use std::collections::{BTreeMap, BTreeSet};
use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

use clap::ArgMatches;
use clap::parser::ValueSource;

use apiprobe::checks::{Check, Severity, UnknownCheck, select};
use apiprobe::identity::{
    Account, Credential, IdentityAuth, IdentityError, IdentitySpec, Place, TokenAs, TokenError,
    TokenFrom, TokenUse,
};
use apiprobe::model::{Api, Response, StatusCode};
use apiprobe::probes::{Discovery, Filter, FilterError, Profile};
use apiprobe::report::{ReportError, ReportSpec};

use super::args::ScanFlags;
use super::config::{Config, IdentityConfig, OperationOverride, Options, Text};
use super::input::{self, Tabs};

/// Why the flags and the file do not make a scan. Each message is the one
/// printed after `error: `.
#[derive(Debug, thiserror::Error)]
pub enum SettingsError {
    /// A credential or header with a control byte, naming where it came from.
    #[error("{0}")]
    Input(String),
    /// The config file cannot be read, or holds a key or value it may not
    /// (naming the file, and the line when known).
    #[error("{0}")]
    File(String),
    /// A value of the file that is wrong in itself (an `[identities]`
    /// table, a header name, `callback-listen`).
    #[error("{file}: {reason}")]
    FileValue {
        /// The file.
        file: String,
        /// What is wrong, naming the key.
        reason: String,
    },
    /// Two ways of setting `Authorization` at once.
    #[error("{first} and {second} both set the Authorization header: give only one")]
    Authorization {
        /// The first (`--bearer`, `FILE: bearer`, ...).
        first: String,
        /// The second.
        second: String,
    },
    /// A `-H` without a colon (not echoed: it may be a credential).
    #[error("-H: expected `Name: value` (a header of {length} characters has no colon)")]
    HeaderShape {
        /// Its length in characters.
        length: usize,
    },
    /// A `-H` whose name is not a header name.
    #[error("-H {header:?}: {name:?} is not a header name")]
    HeaderName {
        /// The whole `-H` value.
        header: String,
        /// The name.
        name: String,
    },
    /// `--basic` without a colon.
    #[error("--basic: expected user:password")]
    Basic,
    /// An `--api-key` without a value.
    #[error("--api-key {0:?}: expected NAME:VALUE[:header|query|cookie]")]
    ApiKeyShape(String),
    /// An `--api-key` whose name is empty.
    #[error("--api-key: the name before the first colon is empty")]
    ApiKeyName,
    /// `--login` that is not `user:password`.
    #[error("--login: expected user:password")]
    Login,
    /// A `--token-from` locator that is not one.
    #[error("--token-from: {0}")]
    TokenFrom(TokenError),
    /// A `--token-as` that is not one.
    #[error("--token-as: {0}")]
    TokenAs(TokenError),
    /// An `--identity` that cannot be read.
    #[error(transparent)]
    Identity(#[from] IdentityError),
    /// Two `--identity` values with one name.
    #[error("--identity {0:?}: the name is given twice")]
    IdentityTwice(String),
    /// A check name that no check has.
    #[error(transparent)]
    Checks(#[from] UnknownCheck),
    /// An `--include` or `--exclude` that cannot be read.
    #[error(transparent)]
    Filter(#[from] FilterError),
    /// A `--callback-url` that is not an absolute http(s) URL.
    #[error("--callback-url {0:?} is not an absolute http(s) URL")]
    CallbackUrl(String),
    /// Two reports to one file: the second would overwrite the first.
    #[error("--report: {0} is given twice: each report needs a file of its own")]
    ReportTwice(String),
    /// A report that cannot be written (found before the scan).
    #[error(transparent)]
    Report(#[from] ReportError),
}

/// The options the command line (or an option's environment variable)
/// gave, by clap id: the file's value does not replace them.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Given(BTreeSet<String>);

impl Given {
    /// The options `matches` (a subcommand's) holds from the command line
    /// or the environment, not from a default.
    pub fn of(matches: &ArgMatches) -> Given {
        Given(
            matches
                .ids()
                .filter(|id| {
                    matches!(
                        matches.value_source(id.as_str()),
                        Some(ValueSource::CommandLine | ValueSource::EnvVariable)
                    )
                })
                .map(|id| id.as_str().to_owned())
                .collect(),
        )
    }

    /// Whether the option with this clap id was given.
    fn has(&self, id: &str) -> bool {
        self.0.contains(id)
    }
}

/// What `apiprobe scan` names besides the shared flags (`demo` names none).
#[derive(Debug, Clone, Default)]
pub struct Target {
    /// The spec argument.
    pub spec: Option<String>,
    /// `--url`.
    pub url: Option<String>,
    /// `--strict`.
    pub strict: bool,
}

/// An API key as given (`--api-key NAME:VALUE[:WHERE]`): without a place,
/// it goes where the spec declares a key of that name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApiKey {
    /// The key's name.
    pub name: String,
    /// Its value.
    pub value: String,
    /// Where it goes, when given.
    pub place: Option<Place>,
}

/// Who the scan is: its credentials, its login and the other identities.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Auth {
    /// Extra headers for every request (`-H`, or the file's `[headers]`), name and value.
    pub headers: Vec<(String, String)>,
    /// A bearer token.
    pub bearer: Option<String>,
    /// Basic credentials, `user:password`.
    pub basic: Option<String>,
    /// API keys.
    pub api_keys: Vec<ApiKey>,
    /// The account to sign in with before the scan (`--login`).
    pub login: Option<Account>,
    /// Where login answers hold the token and how it is sent (`--token-from`,
    /// `--token-as`): `--login`'s, and a login identity's without its own.
    pub token: TokenUse,
    /// Named users for authorization probes (`--identity`, `[identities]`).
    pub identities: Vec<IdentitySpec>,
}

impl Auth {
    /// The fixed credentials for every request (not the login's, which
    /// signing in gives): headers, bearer, basic, API keys placed as `api` says.
    pub fn credentials(&self, api: &Api) -> Vec<Credential> {
        let mut out: Vec<Credential> = self
            .headers
            .iter()
            .map(|(n, v)| Credential::header(n, v))
            .collect();
        out.extend(self.bearer.as_deref().map(Credential::bearer));
        out.extend(self.basic.as_deref().map(Credential::basic));
        out.extend(
            self.api_keys
                .iter()
                .map(|k| Credential::api_key(api, &k.name, &k.value, k.place)),
        );
        out
    }
}

/// One `[operations]` entry of the file, its values read.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Override {
    /// Leave the operation out of the scan.
    pub skip: bool,
    /// Extra headers for its requests, name and value.
    pub headers: Vec<(String, String)>,
    /// Statuses it may answer although the spec does not list them.
    pub expected_statuses: Vec<u16>,
    /// Reserved to a privileged role (as `x-admin-only`).
    pub privileged: bool,
}

/// The file's `[operations]`, by operationId or `METHOD /path`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Operations(BTreeMap<String, Override>);

impl Operations {
    /// Whether `key` names the operation `op` (its id, or `METHOD /path`
    /// with the method in any case).
    fn names(key: &str, op: &apiprobe::model::Operation) -> bool {
        key == op.id
            || key.split_once(' ').is_some_and(|(m, p)| {
                m.eq_ignore_ascii_case(op.method.as_str()) && p.trim() == op.path
            })
    }

    /// The entry for the operation at `index` of `api`.
    fn of(&self, api: &Api, index: usize) -> Option<&Override> {
        let op = api.operations.get(index)?;
        self.0
            .iter()
            .find_map(|(key, o)| Self::names(key, op).then_some(o))
    }

    /// Keys that match no operation of `api` (typos).
    pub fn unmatched(&self, api: &Api) -> Vec<String> {
        self.0
            .keys()
            .filter(|key| !api.operations.iter().any(|op| Self::names(key, op)))
            .cloned()
            .collect()
    }

    /// Whether the file skips the operation at `index`.
    pub fn skips(&self, api: &Api, index: usize) -> bool {
        self.of(api, index).is_some_and(|o| o.skip)
    }

    /// The extra headers of each operation that has some, by operation index.
    pub fn headers(&self, api: &Api) -> Vec<(usize, Vec<Credential>)> {
        (0..api.operations.len())
            .filter_map(|i| {
                let o = self.of(api, i).filter(|o| !o.headers.is_empty())?;
                let headers = o
                    .headers
                    .iter()
                    .map(|(n, v)| Credential::header(n, v))
                    .collect();
                Some((i, headers))
            })
            .collect()
    }

    /// Marks privileged operations `x-admin-only` and adds the expected
    /// statuses to the operations' declared responses, so that the checks
    /// (bfla, conformance) see them as the spec's own.
    pub fn declare(&self, api: &mut Api) {
        if self.0.is_empty() {
            return;
        }
        for i in 0..api.operations.len() {
            let Some(o) = self.of(api, i).cloned() else {
                continue;
            };
            let op = &mut api.operations[i];
            if o.privileged {
                op.extensions
                    .insert("x-admin-only".to_owned(), serde_json::Value::Bool(true));
            }
            for code in o.expected_statuses {
                let declared = op
                    .responses
                    .iter()
                    .any(|r| matches!(r.status, StatusCode::Exact(c) if c == code));
                if !declared {
                    op.responses.push(Response {
                        status: StatusCode::Exact(code),
                        description: "expected (apiprobe.toml)".into(),
                        content: Vec::new(),
                        headers: Vec::new(),
                        links: Vec::new(),
                    });
                }
            }
        }
    }
}

/// Everything a scan needs to know, from the flags and the file, checked.
#[derive(Debug, Clone)]
pub struct ScanConfig {
    /// The spec: the argument, else the file's `spec` (`scan` only).
    pub spec: Option<String>,
    /// The base URL, when given (else the spec's first server).
    pub url: Option<String>,
    /// Fail when an operation of the spec cannot be read.
    pub strict: bool,
    /// Requests in flight at once (1 to 4096).
    pub concurrency: u32,
    /// Requests a second at most.
    pub rate_limit: Option<f64>,
    /// The longest one request may take.
    pub timeout: Duration,
    /// The request budget (at least 1).
    pub max_requests: Option<u64>,
    /// The time budget.
    pub max_time: Option<Duration>,
    /// How long a target that stopped answering is waited for.
    pub recovery_timeout: Duration,
    /// The seed (default: random).
    pub seed: Option<u64>,
    /// Valid cases per operation.
    pub cases: u32,
    /// Attack cases per payload family and operation.
    pub attacks: u32,
    /// A folder of extra payload files.
    pub payloads: Option<PathBuf>,
    /// Credentials, login and identities.
    pub auth: Auth,
    /// Accept any TLS certificate.
    pub insecure: bool,
    /// A PEM file of extra CA certificates.
    pub ca_cert: Option<PathBuf>,
    /// Follow redirects.
    pub follow_redirects: bool,
    /// The most response body bytes read.
    pub max_response_bytes: usize,
    /// Which operations (`--include`, `--exclude`).
    pub filter: Filter,
    /// Only GET, HEAD and OPTIONS.
    pub read_only: bool,
    /// Never send operations that reset or wipe state (`--skip-destructive`).
    pub skip_destructive: bool,
    /// The checks that run.
    pub checks: Vec<&'static Check>,
    /// Responses slower than this are findings.
    pub max_response_time: Duration,
    /// Shrink findings to smaller requests.
    pub shrink: bool,
    /// Exit 1 when a finding is at least this severe.
    pub fail_on: Severity,
    /// The reports to write, each to a file of its own.
    pub reports: Vec<ReportSpec>,
    /// No progress display.
    pub quiet: bool,
    /// Show secrets instead of `***`.
    pub show_secrets: bool,
    /// The baseline of accepted findings.
    pub baseline: Option<PathBuf>,
    /// Other values to mask: the file's `secrets` and every value it read
    /// from the environment.
    pub secrets: Vec<String>,
    /// Check name to the severity its findings get (the file's `[severity]`).
    pub severities: BTreeMap<String, Severity>,
    /// The file's per-operation overrides.
    pub operations: Operations,
    /// How hard the active probes push.
    pub profile: Profile,
    /// The URL the target should call back.
    pub callback_url: Option<String>,
    /// Where the callback listener listens.
    pub callback_listen: Option<SocketAddr>,
    /// Delete what the probes created at the end.
    pub cleanup: bool,
    /// How far to look for undocumented endpoints (`None`: the profile's level).
    pub discovery: Option<Discovery>,
    /// The wordlist discovery reads instead of the built-in one.
    pub endpoint_wordlist: Option<PathBuf>,
    /// More secrets for weak_jwt_secret (`--jwt-wordlist`).
    pub jwt_wordlist: Option<PathBuf>,
    /// The server's RSA public key file (`--jwt-public-key`).
    pub jwt_public_key: Option<PathBuf>,
    /// The API's own domains, for derived CORS origins.
    pub cors_domains: Vec<String>,
}

/// Reads the config file (unless `--no-config`), resolves it with the
/// flags ([`resolve`]; its notes on stderr) and checks that each report's
/// file can be written: all before the spec is loaded or a request sent.
pub fn configure(
    target: Target,
    flags: ScanFlags,
    matches: &ArgMatches,
) -> Result<ScanConfig, SettingsError> {
    let file = if flags.no_config {
        Ok(Config::default())
    } else {
        // an empty APIPROBE_CONFIG_PROFILE means no profile (handy in CI expressions)
        let profile = flags.config_profile.as_deref().filter(|p| !p.is_empty());
        Config::discover(flags.config.as_deref(), profile)
    };
    let mut notes = Vec::new();
    let resolved = resolve(target, flags, &Given::of(matches), file, &mut notes);
    for n in &notes {
        eprintln!("note: {n}");
    }
    let config = resolved?;
    check_report_paths(&config.reports)?;
    Ok(config)
}

/// The flags and the file (as read, or why it could not be) as one
/// [`ScanConfig`]: the file's options under the flags `given` does not
/// hold. The command line is checked first, on its own (so its errors
/// come before the file's). `notes` receives what was changed on the
/// way (a trailing newline removed, a file credential given way to a flag's).
/// Reads no file and sends nothing.
pub fn resolve(
    target: Target,
    mut flags: ScanFlags,
    given: &Given,
    file: Result<Config, String>,
    notes: &mut Vec<String>,
) -> Result<ScanConfig, SettingsError> {
    // the command line alone
    check_credentials(&mut flags, notes)?;
    let flag_headers = flags
        .headers
        .iter()
        .map(|h| header(h))
        .collect::<Result<Vec<_>, _>>()?;
    let from_command_line = setters(
        [
            flags.bearer.is_some(),
            flags.basic.is_some(),
            flag_headers.iter().any(|(n, _)| is_authorization(n)),
        ],
        ["--bearer", "--basic", "-H Authorization"],
    );
    if let [first, second, ..] = from_command_line[..] {
        return Err(conflict(first, second));
    }

    // the file
    let file = file.map_err(SettingsError::File)?;
    notes.extend(file.notes.iter().cloned());
    let label = file
        .path
        .as_ref()
        .map_or_else(|| "the config file".to_owned(), |p| p.display().to_string());
    let secrets = file.secrets();
    let o = file.options;
    let wrong = |reason: String| SettingsError::FileValue {
        file: label.clone(),
        reason,
    };
    // wrong tables are errors even where the command line overrides them
    let file_identities = o
        .identities
        .iter()
        .flatten()
        .map(|(name, table)| identity(name, table).map_err(&wrong))
        .collect::<Result<Vec<_>, _>>()?;
    let file_listen = o
        .callback_listen
        .as_ref()
        .map(|t| {
            t.0.parse::<SocketAddr>()
                .map_err(|_| wrong(format!("callback-listen {:?} is not ADDR:PORT", t.0)))
        })
        .transpose()?;
    let file_headers = o
        .headers
        .iter()
        .flatten()
        .map(|(name, value)| {
            if is_header_name(name) {
                Ok((name.clone(), value.0.trim().to_owned()))
            } else {
                Err(wrong(format!(
                    "headers.{name}: {name:?} is not a header name"
                )))
            }
        })
        .collect::<Result<Vec<_>, _>>()?;

    // Authorization: a flag given wins over the file's ways of setting it
    let mut file_bearer = o.bearer.as_ref().filter(|_| flags.bearer.is_none());
    let mut file_basic = o.basic.as_ref().filter(|_| flags.basic.is_none());
    let mut file_headers = if flag_headers.is_empty() {
        file_headers
    } else {
        Vec::new()
    };
    match from_command_line.first() {
        Some(flag) => {
            let mut dropped = Vec::new();
            if file_bearer.take().is_some() {
                dropped.push("bearer");
            }
            if file_basic.take().is_some() {
                dropped.push("basic");
            }
            let count = file_headers.len();
            file_headers.retain(|(n, _)| !is_authorization(n));
            if file_headers.len() < count {
                dropped.push("headers.Authorization");
            }
            for d in dropped {
                notes.push(format!("{flag} replaces {d} from {label}"));
            }
        }
        None => {
            let bearer = format!("{label}: bearer");
            let names = [bearer.as_str(), "basic", "headers.Authorization"];
            let set = [
                file_bearer.is_some(),
                file_basic.is_some(),
                file_headers.iter().any(|(n, _)| is_authorization(n)),
            ];
            if let [first, second, ..] = setters(set, names)[..] {
                return Err(conflict(first, second));
            }
        }
    }
    let bearer = flags
        .bearer
        .take()
        .or_else(|| file_bearer.map(|t| t.0.clone()));
    let basic = flags
        .basic
        .take()
        .or_else(|| file_basic.map(|t| t.0.clone()));
    let mut headers = flag_headers;
    headers.extend(file_headers);
    let flag_identities = given.has("identities");
    let flag_listen = flags.callback_listen;
    lay_under(&mut flags, &o, given);

    // read into their types
    let mut checks = select(&flags.checks, &flags.exclude_checks)?;
    // --no-chain: token_chain (what a forged token opens) is left out
    if flags.no_chain {
        checks.retain(|c| c.name != "token_chain");
    }
    let filter = Filter::parse(&flags.include, &flags.exclude)?;
    if basic.as_ref().is_some_and(|b| !b.contains(':')) {
        return Err(SettingsError::Basic);
    }
    let api_keys = flags
        .api_keys
        .iter()
        .map(|k| api_key(k))
        .collect::<Result<Vec<_>, _>>()?;
    let token = token_use(&flags)?;
    let login = flags
        .login
        .as_deref()
        .map(|t| Account::parse(t).ok_or(SettingsError::Login))
        .transpose()?;
    let identities = if flag_identities {
        let mut list: Vec<IdentitySpec> = Vec::new();
        for text in &flags.identities {
            let spec = IdentitySpec::read(text)?;
            if list.iter().any(|i| i.name == spec.name) {
                return Err(SettingsError::IdentityTwice(spec.name));
            }
            list.push(spec);
        }
        list
    } else {
        file_identities
    };
    let identities = identities
        .into_iter()
        .map(|i| i.with_privileged_roles(&flags.privileged_roles))
        .collect();
    if let Some(u) = &flags.callback_url
        && !url::Url::parse(u).is_ok_and(|u| matches!(u.scheme(), "http" | "https"))
    {
        return Err(SettingsError::CallbackUrl(u.clone()));
    }
    let callback_listen = if given.has("callback_listen") {
        flag_listen
    } else {
        file_listen.or(flag_listen)
    };
    for (i, report) in flags.reports.iter().enumerate() {
        if flags.reports[..i].iter().any(|r| r.path == report.path) {
            return Err(SettingsError::ReportTwice(
                report.path.display().to_string(),
            ));
        }
    }
    Ok(ScanConfig {
        spec: target.spec.or_else(|| o.spec.as_ref().map(|t| t.0.clone())),
        url: target.url.or_else(|| o.url.as_ref().map(|t| t.0.clone())),
        strict: target.strict || o.strict.unwrap_or(false),
        concurrency: flags.concurrency,
        rate_limit: flags.rate_limit,
        timeout: flags.timeout,
        max_requests: flags.max_requests,
        max_time: flags.max_time,
        recovery_timeout: flags.recovery_timeout,
        seed: flags.seed,
        cases: flags.cases,
        attacks: flags.attacks,
        payloads: flags.payloads,
        auth: Auth {
            headers,
            bearer,
            basic,
            api_keys,
            login,
            token,
            identities,
        },
        insecure: flags.insecure,
        ca_cert: flags.ca_cert,
        follow_redirects: flags.follow_redirects,
        max_response_bytes: flags.max_response_bytes,
        filter,
        read_only: flags.read_only,
        skip_destructive: flags.skip_destructive,
        checks,
        max_response_time: flags.max_response_time,
        shrink: !flags.no_shrink,
        fail_on: flags.fail_on,
        reports: flags.reports,
        quiet: flags.quiet,
        show_secrets: flags.show_secrets,
        baseline: flags.baseline,
        secrets,
        severities: o.severity.clone().unwrap_or_default(),
        operations: operations(o.operations.as_ref()),
        profile: flags.profile,
        callback_url: flags.callback_url,
        callback_listen,
        cleanup: !flags.no_cleanup,
        discovery: flags.discovery,
        endpoint_wordlist: flags.endpoint_wordlist,
        jwt_wordlist: flags.jwt_wordlist,
        jwt_public_key: flags.jwt_public_key,
        cors_domains: flags.cors_domains,
    })
}

/// Lays the file's options (the plain ones: credentials, headers,
/// identities and the callback listener are merged by [`resolve`]) under
/// `flags`: an option `given` holds keeps the command line's value.
fn lay_under(flags: &mut ScanFlags, o: &Options, given: &Given) {
    macro_rules! set {
        ($($f:ident: $conv:expr),* $(,)?) => {
            $( if !given.has(stringify!($f)) && let Some(v) = &o.$f { flags.$f = $conv(v); } )*
        };
    }
    let texts = |v: &Vec<Text>| v.iter().map(|t| t.0.clone()).collect::<Vec<_>>();
    set!(
        concurrency: |v: &u32| *v,
        rate_limit: |v: &super::config::RateText| Some(v.0),
        timeout: |v: &super::config::DurationText| v.0,
        max_requests: |v: &u64| Some(*v),
        max_time: |v: &super::config::DurationText| Some(v.0),
        recovery_timeout: |v: &super::config::DurationText| v.0,
        seed: |v: &u64| Some(*v),
        cases: |v: &u32| *v,
        attacks: |v: &u32| *v,
        payloads: |v: &Text| Some(PathBuf::from(&v.0)),
        api_keys: texts,
        insecure: |v: &bool| *v,
        ca_cert: |v: &Text| Some(PathBuf::from(&v.0)),
        follow_redirects: |v: &bool| *v,
        max_response_bytes: |v: &usize| *v,
        include: texts,
        exclude: texts,
        read_only: |v: &bool| *v,
        skip_destructive: |v: &bool| *v,
        checks: texts,
        exclude_checks: texts,
        max_response_time: |v: &super::config::DurationText| v.0,
        no_shrink: |v: &bool| *v,
        fail_on: |v: &Severity| *v,
        reports: |v: &Vec<super::config::ReportText>| v.iter().map(|r| r.0.clone()).collect(),
        quiet: |v: &bool| *v,
        show_secrets: |v: &bool| *v,
        baseline: |v: &Text| Some(PathBuf::from(&v.0)),
        login: |v: &Text| Some(v.0.clone()),
        token_from: |v: &Text| Some(v.0.clone()),
        token_as: |v: &Text| Some(v.0.clone()),
        privileged_roles: texts,
        profile: |v: &Profile| *v,
        callback_url: |v: &Text| Some(v.0.clone()),
        no_cleanup: |v: &bool| *v,
        no_chain: |v: &bool| *v,
        discovery: |v: &Discovery| Some(*v),
        endpoint_wordlist: |v: &Text| Some(PathBuf::from(&v.0)),
        jwt_wordlist: |v: &Text| Some(PathBuf::from(&v.0)),
        jwt_public_key: |v: &Text| Some(PathBuf::from(&v.0)),
        cors_domains: texts,
    );
}

/// The command line's credentials and headers through [`input::check`].
fn check_credentials(flags: &mut ScanFlags, notes: &mut Vec<String>) -> Result<(), SettingsError> {
    let mut run = || -> Result<(), String> {
        for (label, value) in [
            ("--bearer", &mut flags.bearer),
            ("--basic", &mut flags.basic),
            ("--login", &mut flags.login),
        ] {
            if let Some(v) = value {
                input::check(label, v, Tabs::Never, notes)?;
            }
        }
        input::check_all("--api-key", &mut flags.api_keys, Tabs::Never, notes)?;
        input::check_all("-H", &mut flags.headers, Tabs::AfterColon, notes)?;
        input::check_all("--identity", &mut flags.identities, Tabs::Never, notes)
    };
    run().map_err(SettingsError::Input)
}

/// Whether `name` can be a header's name (visible ASCII, not empty).
fn is_header_name(name: &str) -> bool {
    !name.is_empty() && name.bytes().all(|b| b.is_ascii_graphic())
}

/// Whether a header is `Authorization`.
fn is_authorization(name: &str) -> bool {
    name.eq_ignore_ascii_case("authorization")
}

/// A `-H Name: value`, name and value trimmed.
fn header(h: &str) -> Result<(String, String), SettingsError> {
    let Some((name, value)) = h.split_once(':') else {
        return Err(SettingsError::HeaderShape {
            length: h.chars().count(),
        });
    };
    let name = name.trim();
    if !is_header_name(name) {
        return Err(SettingsError::HeaderName {
            header: h.to_owned(),
            name: name.to_owned(),
        });
    }
    Ok((name.to_owned(), value.trim().to_owned()))
}

/// `--api-key NAME:VALUE[:header|query|cookie]`.
fn api_key(key: &str) -> Result<ApiKey, SettingsError> {
    let Some((name, rest)) = key.split_once(':') else {
        return Err(SettingsError::ApiKeyShape(key.to_owned()));
    };
    let (value, place) = match rest.rsplit_once(':') {
        Some((v, "header")) => (v, Some(Place::Header)),
        Some((v, "query")) => (v, Some(Place::Query)),
        Some((v, "cookie")) => (v, Some(Place::Cookie)),
        _ => (rest, None),
    };
    if name.is_empty() {
        return Err(SettingsError::ApiKeyName);
    }
    Ok(ApiKey {
        name: name.to_owned(),
        value: value.to_owned(),
        place,
    })
}

/// `--token-from` and `--token-as` (the defaults of every login).
fn token_use(flags: &ScanFlags) -> Result<TokenUse, SettingsError> {
    let mut token = TokenUse::default();
    if let Some(t) = &flags.token_from {
        token.from = TokenFrom::parse(t).map_err(SettingsError::TokenFrom)?;
    }
    if let Some(t) = &flags.token_as {
        token.send = Some(TokenAs::parse(t).map_err(SettingsError::TokenAs)?);
    }
    Ok(token)
}

/// Which of `names` the `set` flags say are set (bearer, basic, an
/// Authorization header, in that order): two or more would silently
/// replace each other.
fn setters(set: [bool; 3], names: [&str; 3]) -> Vec<&str> {
    set.into_iter()
        .zip(names)
        .filter_map(|(set, name)| set.then_some(name))
        .collect()
}

/// The error for two ways of setting `Authorization` at once.
fn conflict(first: &str, second: &str) -> SettingsError {
    SettingsError::Authorization {
        first: first.to_owned(),
        second: second.to_owned(),
    }
}

/// One `[identities.NAME]` table as an identity: a role and exactly one
/// way to sign in, checked as `--identity` is; an error names the table.
fn identity(name: &str, table: &IdentityConfig) -> Result<IdentitySpec, String> {
    let ways: Vec<(&str, &Text)> = [
        ("bearer", &table.bearer),
        ("basic", &table.basic),
        ("api-key", &table.api_key),
        ("header", &table.header),
        ("cookie", &table.cookie),
        ("login", &table.login),
    ]
    .into_iter()
    .filter_map(|(k, v)| v.as_ref().map(|v| (k, v)))
    .collect();
    let [(kind, value)] = ways[..] else {
        return Err(format!(
            "[identities.{name}] needs exactly one of bearer, basic, api-key, header, cookie, login (it has {})",
            ways.len()
        ));
    };
    let token = match (&table.token_from, &table.token_as) {
        (None, None) => None,
        _ if kind != "login" => {
            return Err(format!(
                "[identities.{name}]: token-from and token-as apply to login only"
            ));
        }
        (from, send) => {
            let mut token = TokenUse::default();
            if let Some(t) = from {
                token.from = TokenFrom::parse(t.0.trim())
                    .map_err(|e| format!("[identities.{name}]: token-from: {e}"))?;
            }
            if let Some(t) = send {
                token.send = Some(
                    TokenAs::parse(t.0.trim())
                        .map_err(|e| format!("[identities.{name}]: token-as: {e}"))?,
                );
            }
            Some(token)
        }
    };
    let auth =
        IdentityAuth::parse(kind, &value.0).map_err(|e| format!("[identities.{name}]: {e}"))?;
    let role = table.role.as_ref().map(|r| r.0.as_str());
    let mut spec = IdentitySpec::new(name, role, auth, token)
        .map_err(|e| format!("[identities.{name}]: {e}"))?;
    spec.privileged = table.privileged;
    Ok(spec)
}

/// The file's `[operations]`, their headers read.
fn operations(file: Option<&BTreeMap<String, OperationOverride>>) -> Operations {
    Operations(
        file.into_iter()
            .flatten()
            .map(|(key, o)| {
                let read = Override {
                    skip: o.skip,
                    headers: o
                        .headers
                        .iter()
                        .map(|(n, v)| (n.clone(), v.0.clone()))
                        .collect(),
                    expected_statuses: o.expected_statuses.clone(),
                    privileged: o.privileged,
                };
                (key.clone(), read)
            })
            .collect(),
    )
}

/// Each report's folder exists and takes a new file, checked before the
/// first request (rather than found when the scan is over): a file is
/// created beside the report and removed again.
fn check_report_paths(reports: &[ReportSpec]) -> Result<(), ReportError> {
    for spec in reports {
        let cannot = |source: std::io::Error| ReportError::Write {
            path: spec.path.clone(),
            source,
        };
        if spec.path.is_dir() {
            return Err(cannot(std::io::Error::other("it is a folder")));
        }
        let folder = match spec.path.parent() {
            Some(p) if !p.as_os_str().is_empty() => p.to_owned(),
            _ => PathBuf::from("."),
        };
        let name = spec
            .path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_else(|| "report".into());
        let probe = folder.join(format!(".{name}.{}.probe", std::process::id()));
        std::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(&probe)
            .map_err(cannot)?;
        let _ = std::fs::remove_file(&probe);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    use clap::{CommandFactory as _, FromArgMatches as _};

    use super::*;
    use crate::cli::args::{Cli, Command, ScanArgs};

    /// `apiprobe scan ARGS` as clap reads it, and what it gave.
    fn command_line(args: &[&str]) -> Result<(ScanArgs, Given), clap::Error> {
        let argv = ["apiprobe", "scan"].iter().chain(args);
        let matches = Cli::command().try_get_matches_from(argv)?;
        let cli = Cli::from_arg_matches(&matches)?;
        let sub = matches
            .subcommand()
            .map(|(_, m)| m.clone())
            .unwrap_or_default();
        let Command::Scan(scan) = cli.command else {
            panic!("not a scan");
        };
        Ok((scan, Given::of(&sub)))
    }

    /// apiprobe.toml with `text`, an empty environment.
    fn file(text: &str) -> Result<Config, String> {
        Config::parse_with(text, Path::new("apiprobe.toml"), None, Box::new(|_| None))
    }

    /// The flags `args` and the file `text` resolved, with the notes.
    fn resolved(args: &[&str], text: &str) -> (Result<ScanConfig, SettingsError>, Vec<String>) {
        let (scan, given) = command_line(args).expect("the flags parse");
        let target = Target {
            spec: scan.spec,
            url: scan.url,
            strict: scan.strict,
        };
        let mut notes = Vec::new();
        let r = resolve(target, scan.scan, &given, file(text), &mut notes);
        (r, notes)
    }

    fn ok(args: &[&str], text: &str) -> ScanConfig {
        resolved(args, text).0.expect("resolves")
    }

    fn error(args: &[&str], text: &str) -> String {
        match resolved(args, text).0 {
            Ok(_) => panic!("{args:?} with {text:?} resolved"),
            Err(e) => e.to_string(),
        }
    }

    fn api() -> Api {
        apiprobe::spec::Loader::new()
            .load_str(
                "openapi: 3.0.3\ninfo: {title: t, version: '1'}\n\
                 components:\n  securitySchemes:\n    k: {type: apiKey, name: X-Key, in: query}\n\
                 paths:\n  /a:\n    get:\n      operationId: getA\n      responses: {'200': {description: ok}}\n\
                 \x20 /b:\n    post:\n      operationId: postB\n      responses: {'201': {description: ok}}\n",
                "t.yaml",
            )
            .expect("the spec loads")
    }

    #[test]
    fn privileged_roles_from_the_flag_the_file_and_the_identity_table() {
        let privileged = |flags: &[&str], file: &str| -> Vec<(String, Option<bool>)> {
            ok(flags, file)
                .auth
                .identities
                .into_iter()
                .map(|i| (i.name, i.privileged))
                .collect()
        };
        let two = [
            "--identity",
            "ann:editor=bearer:a",
            "--identity",
            "max:member=bearer:m",
        ];
        assert_eq!(
            privileged(&two, ""),
            [("ann".to_owned(), None), ("max".to_owned(), None)]
        );
        let mut flags = two.to_vec();
        flags.extend(["--privileged-role", "Editor"]);
        assert_eq!(
            privileged(&flags, ""),
            [("ann".to_owned(), Some(true)), ("max".to_owned(), None)]
        );
        assert_eq!(
            privileged(&two, "privileged-roles = [\"member\"]\n"),
            [("ann".to_owned(), None), ("max".to_owned(), Some(true))]
        );
        // a table says it itself, either way; the role list does not overrule it
        let file = "privileged-roles = [\"editor\"]\n\
                    [identities.ann]\nrole = \"editor\"\nbearer = \"a\"\nprivileged = false\n\
                    [identities.max]\nrole = \"member\"\nbearer = \"m\"\nprivileged = true\n";
        assert_eq!(
            privileged(&[], file),
            [
                ("ann".to_owned(), Some(false)),
                ("max".to_owned(), Some(true))
            ]
        );
    }

    #[test]
    fn no_chain_from_the_flag_or_the_file_leaves_token_chain_out() {
        let has = |c: &ScanConfig| c.checks.iter().any(|c| c.name == "token_chain");
        assert!(has(&ok(&[], "")));
        assert!(!has(&ok(&["--no-chain"], "")));
        assert!(!has(&ok(&[], "no-chain = true\n")));
        assert!(!has(&ok(&["--checks", "token_chain", "--no-chain"], "")));
    }

    #[test]
    fn skip_destructive_from_the_flag_or_the_file() {
        assert!(!ok(&[], "").skip_destructive);
        assert!(ok(&["--skip-destructive"], "").skip_destructive);
        assert!(ok(&[], "skip-destructive = true\n").skip_destructive);
    }

    #[test]
    fn a_number_out_of_range_fails_the_same_from_the_file_as_from_the_flag() {
        for (flag, key, value) in [
            ("--concurrency", "concurrency", "0"),
            ("--concurrency", "concurrency", "5000"),
            ("--max-requests", "max-requests", "0"),
            ("--cases", "cases", "100001"),
            ("--attacks", "attacks", "10001"),
        ] {
            let from_flag = command_line(&[flag, value]).expect_err(flag).to_string();
            let from_file = error(&[], &format!("{key} = {value}\n"));
            // the same parser's message, after clap's prefix and the file's place
            let (_, why) = from_file
                .split_once(&format!("{key} = {value}: "))
                .unwrap_or_else(|| panic!("{from_file}"));
            assert!(
                from_flag.contains(&format!("'{value}' for '{flag} ")) && from_flag.contains(why),
                "{flag} {value}: {from_flag:?} against {from_file:?}"
            );
            assert!(from_file.starts_with("apiprobe.toml:1:"), "{from_file}");
        }
        // in range, the file's value is used, and a flag given wins
        assert_eq!(ok(&[], "concurrency = 4\n").concurrency, 4);
        assert_eq!(ok(&["-c", "8"], "concurrency = 4\n").concurrency, 8);
        // a flag left at its default does not
        assert_eq!(ok(&[], "cases = 0\n").cases, 0);
        assert_eq!(ok(&[], "").cases, 10);
    }

    #[test]
    fn two_ways_of_setting_authorization_are_a_conflict() {
        assert_eq!(
            error(&["--bearer", "t", "--basic", "u:p"], ""),
            "--bearer and --basic both set the Authorization header: give only one"
        );
        assert_eq!(
            error(&["--basic", "u:p", "-H", "authorization: x"], ""),
            "--basic and -H Authorization both set the Authorization header: give only one"
        );
        assert_eq!(
            error(&[], "bearer = \"t\"\nbasic = \"u:p\"\n"),
            "apiprobe.toml: bearer and basic both set the Authorization header: give only one"
        );
        assert_eq!(
            error(&[], "basic = \"u:p\"\n[headers]\nAuthorization = \"x\"\n"),
            "basic and headers.Authorization both set the Authorization header: give only one"
        );
        // the command line's wins over the file's, with a note
        let (r, notes) = resolved(&["--basic", "u:p"], "bearer = \"t\"\n");
        let auth = r.expect("resolves").auth;
        assert_eq!((auth.bearer, auth.basic.as_deref()), (None, Some("u:p")));
        assert_eq!(notes, ["--basic replaces bearer from apiprobe.toml"]);
        let (r, notes) = resolved(
            &["--bearer", "t"],
            "[headers]\nAuthorization = \"x\"\nX-Tenant = \"7\"\n",
        );
        assert_eq!(
            r.expect("resolves").auth.headers,
            [("X-Tenant".to_owned(), "7".to_owned())]
        );
        assert_eq!(
            notes,
            ["--bearer replaces headers.Authorization from apiprobe.toml"]
        );
    }

    #[test]
    fn the_command_line_is_checked_before_the_file() {
        // a control byte in a flag is found before the file's own error
        let e = error(&["--bearer", "t\u{1}"], "concurrency = 0\n");
        assert_eq!(e, "--bearer: control byte 0x01 at position 2");
        let (r, notes) = resolved(&["--bearer", "t\n"], "concurrency = 0\n");
        assert!(matches!(r, Err(SettingsError::File(_))));
        assert_eq!(notes, ["--bearer: trailing newline removed"]);
    }

    #[test]
    fn identities_from_the_file_are_the_structs_the_flags_give() {
        let flags = ok(
            &[
                "--identity",
                "alice:user=login[from=cookie:sid,as=header:X-Session]:alice:pw",
                "--identity",
                "bob:admin=header:X-Tenant:b 2",
                "--identity",
                "svc=api-key:X-Key:abc",
            ],
            "",
        );
        let from_file = ok(
            &[],
            "[identities.alice]\nrole = \"user\"\nlogin = \"alice:pw\"\n\
             token-from = \"cookie:sid\"\ntoken-as = \"header:X-Session\"\n\
             [identities.bob]\nrole = \"admin\"\nheader = \"X-Tenant: b 2\"\n\
             [identities.svc]\napi-key = \"X-Key:abc\"\n",
        );
        assert_eq!(flags.auth.identities, from_file.auth.identities);
        let alice = &from_file.auth.identities[0];
        assert_eq!(
            alice.auth,
            IdentityAuth::Login(Account {
                user: "alice".into(),
                password: "pw".into()
            })
        );
        assert_eq!(
            alice.token,
            Some(TokenUse {
                from: TokenFrom::Cookie("sid".into()),
                send: Some(TokenAs::Header("X-Session".into())),
            })
        );
        // the API key goes where the spec puts it once the spec is known
        let svc = from_file.auth.identities[2].clone().placed(&api());
        assert_eq!(
            svc.auth,
            IdentityAuth::Credentials(vec![Credential {
                place: Place::Query,
                name: "X-Key".into(),
                value: "abc".into()
            }])
        );
        // a flag given replaces the file's tables
        let both = ok(
            &["--identity", "carol=bearer:t"],
            "[identities.alice]\nbearer = \"x\"\n",
        );
        let names: Vec<&str> = both
            .auth
            .identities
            .iter()
            .map(|i| i.name.as_str())
            .collect();
        assert_eq!(names, ["carol"]);
    }

    #[test]
    fn a_wrong_identity_is_an_error_naming_it() {
        for (text, says) in [
            (
                "[identities.carol]\nbearer = \"x\"\nbasic = \"c:d\"\n",
                "apiprobe.toml: [identities.carol] needs exactly one of bearer, basic, api-key, header, cookie, login (it has 2)",
            ),
            (
                "[identities.bob]\nbearer = \"t\"\ntoken-from = \"/data/token\"\n",
                "apiprobe.toml: [identities.bob]: token-from and token-as apply to login only",
            ),
            (
                "[identities.bob]\nbasic = \"nopass\"\n",
                "apiprobe.toml: [identities.bob]: basic needs USER:PASSWORD",
            ),
            (
                "[identities.\"b o b\"]\nbearer = \"t\"\n",
                "apiprobe.toml: [identities.b o b]: the name must be letters, digits, '-', '_' or '.'",
            ),
            (
                "[identities.bob]\nrole = \"\"\nbearer = \"t\"\n",
                "apiprobe.toml: [identities.bob]: the role after ':' is empty",
            ),
            (
                "callback-listen = \"nowhere\"\n",
                "apiprobe.toml: callback-listen \"nowhere\" is not ADDR:PORT",
            ),
        ] {
            assert_eq!(error(&[], text), says, "{text}");
        }
        assert_eq!(
            error(
                &["--identity", "a=bearer:x", "--identity", "a=bearer:y"],
                ""
            ),
            "--identity \"a\": the name is given twice"
        );
        assert!(
            error(&["--identity", "a=magic:x"], "").contains("unknown kind"),
            "an unknown kind"
        );
    }

    #[test]
    fn other_conflicts_and_shapes_are_found_before_the_scan() {
        assert_eq!(
            error(&["--report", "json:r.json", "--report", "html:r.json"], ""),
            "--report: r.json is given twice: each report needs a file of its own"
        );
        assert_eq!(
            error(&["--callback-url", "ftp://x"], ""),
            "--callback-url \"ftp://x\" is not an absolute http(s) URL"
        );
        assert_eq!(
            error(&["--basic", "nopass"], ""),
            "--basic: expected user:password"
        );
        assert_eq!(
            error(&[], "basic = \"nopass\"\n"),
            "--basic: expected user:password"
        );
        assert_eq!(
            error(&["--login", "nopass"], ""),
            "--login: expected user:password"
        );
        assert!(error(&["--checks", "nope"], "").contains("unknown check \"nope\""));
        assert!(error(&[], "checks = [\"nope\"]\n").contains("unknown check \"nope\""));
        assert!(error(&["--include", "path:("], "").contains("bad filter"));
        assert!(error(&["--token-from", "body"], "").starts_with("--token-from: "));
        assert_eq!(
            error(&["-H", "no colon"], ""),
            "-H: expected `Name: value` (a header of 8 characters has no colon)"
        );
        assert_eq!(
            error(&["--api-key", "novalue"], ""),
            "--api-key \"novalue\": expected NAME:VALUE[:header|query|cookie]"
        );
    }

    #[test]
    fn discovery_and_cors_domains_from_the_file_under_the_flags() {
        let text = "discovery = \"aggressive\"\ncors-domains = [\"example.com\"]\n\
                    endpoint-wordlist = \"words.txt\"\n";
        let c = ok(&[], text);
        assert_eq!(c.discovery, Some(Discovery::Aggressive));
        assert_eq!(c.cors_domains, ["example.com"]);
        assert_eq!(c.endpoint_wordlist, Some(PathBuf::from("words.txt")));
        let c = ok(
            &[
                "--discovery",
                "off",
                "--cors-domain",
                "a.org",
                "--cors-domain",
                "b.org",
            ],
            text,
        );
        assert_eq!(c.discovery, Some(Discovery::Off));
        assert_eq!(c.cors_domains, ["a.org", "b.org"]);
        assert_eq!(ok(&[], "").discovery, None, "the profile decides");
    }

    #[test]
    fn credentials_operations_and_severities_are_read_into_their_types() {
        let c = ok(
            &["--api-key", "X-Key:k1", "--seed", "7"],
            "seed = 1\nsecrets = [\"s3\"]\n\
             [severity]\ncrash = \"low\"\n\
             [operations.getA]\nskip = true\n\
             [operations.\"post /b\"]\nheaders = { X-Op = \"1\" }\nexpected-statuses = [409]\nprivileged = true\n\
             [operations.nothing]\nskip = true\n",
        );
        assert_eq!(c.seed, Some(7));
        assert_eq!(c.secrets, ["s3"]);
        assert_eq!(c.severities.get("crash"), Some(&Severity::Low));
        let mut api = api();
        assert_eq!(
            c.auth.credentials(&api),
            [Credential {
                place: Place::Query,
                name: "X-Key".into(),
                value: "k1".into()
            }]
        );
        assert!(c.operations.skips(&api, 0));
        assert!(!c.operations.skips(&api, 1));
        assert_eq!(c.operations.unmatched(&api), ["nothing"]);
        assert_eq!(
            c.operations.headers(&api),
            [(1, vec![Credential::header("X-Op", "1")])]
        );
        c.operations.declare(&mut api);
        let post = &api.operations[1];
        assert!(
            post.responses
                .iter()
                .any(|r| r.status == StatusCode::Exact(409))
        );
        assert_eq!(
            post.extensions.get("x-admin-only"),
            Some(&serde_json::Value::Bool(true))
        );
    }
}
