//! `apiprobe scan`: load a spec, scan the API, report, exit with a code
//! that says how it went.

use std::io::IsTerminal as _;
use std::sync::Arc;

use apiprobe::checks::{Judge, Settings, select};
use apiprobe::engine::{Scan, ScanOptions, ScanResult, Stop, StopReason};
use apiprobe::generate::Payloads;
use apiprobe::http::{Client, ClientOptions};
use apiprobe::identity::{
    Account, Credential, IdentitySpec, NamedIdentity, Place, SignedIn, TokenAs, TokenFrom, TokenUse,
};
use apiprobe::model::Api;
use apiprobe::model::{ApiKeyLocation, SecurityScheme};
use apiprobe::probes::Filter;
use apiprobe::probes::PlanOptions;
use apiprobe::report::{
    Baseline, Report, ReportError, ReportSpec, Secrets, SpecLines, Streams, Style, summary,
    write_report,
};
use apiprobe::spec::{Loader, Source};
use clap::ArgMatches;

use super::args::{ScanArgs, ScanFlags};
use super::config::Config;
use super::exit;
use super::input::{self, Tabs};
use super::interrupt::Interrupt;
use super::progress::Progress;

/// Reads the config file (unless `--no-config`) and lays it under the
/// flags that the command line did not give. Credentials and headers, the
/// command line's and the file's, are checked here, once, before anything
/// is sent (notes on stderr).
pub fn configure(flags: &mut ScanFlags, matches: &ArgMatches) -> Result<Config, String> {
    let mut notes = Vec::new();
    // the command line's own values: the file's are not laid under them yet
    let checked = check_credentials(flags, &mut notes);
    for n in &notes {
        eprintln!("note: {n}");
    }
    checked?;
    let flag_names = ["--bearer", "--basic", "-H Authorization"];
    let from_command_line = authorization_setters(flags, flag_names);
    if let [first, second, ..] = from_command_line[..] {
        return Err(conflict(first, second));
    }
    if flags.no_config {
        return Ok(Config::default());
    }
    // an empty APIPROBE_CONFIG_PROFILE means no profile (handy in CI expressions)
    let profile = flags.config_profile.as_deref().filter(|p| !p.is_empty());
    let config = Config::discover(flags.config.as_deref(), profile)?;
    for n in &config.notes {
        eprintln!("note: {n}");
    }
    let file = config
        .path
        .as_ref()
        .map_or_else(|| "the config file".to_owned(), |p| p.display().to_string());
    let before = (
        flags.bearer.is_some(),
        flags.basic.is_some(),
        flags.headers.len(),
    );
    config.apply(flags, matches);
    match from_command_line.first() {
        // the command line sets Authorization: the file's way of setting
        // it gives way (a flag given wins), with a note
        Some(given) => {
            let mut dropped = Vec::new();
            if !before.0 && flags.bearer.take().is_some() {
                dropped.push("bearer");
            }
            if !before.1 && flags.basic.take().is_some() {
                dropped.push("basic");
            }
            if before.2 == 0 {
                let count = flags.headers.len();
                flags.headers.retain(|h| !sets_authorization(h));
                if flags.headers.len() < count {
                    dropped.push("headers.Authorization");
                }
            }
            for d in dropped {
                eprintln!("note: {given} replaces {d} from {file}");
            }
        }
        None => {
            let bearer = format!("{file}: bearer");
            let keys = [bearer.as_str(), "basic", "headers.Authorization"];
            if let [first, second, ..] = authorization_setters(flags, keys)[..] {
                return Err(conflict(first, second));
            }
        }
    }
    // a wrong [identities] table or callback-listen is a usage error now,
    // not a silent omission later
    config.identity_flags()?;
    Ok(config)
}

/// The command line's credentials and headers through [`input::check`].
fn check_credentials(flags: &mut ScanFlags, notes: &mut Vec<String>) -> Result<(), String> {
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
    input::check_all("--identity", &mut flags.identities, Tabs::Never, notes)?;
    Ok(())
}

/// Whether a `Name: value` header is `Authorization`.
fn sets_authorization(header: &str) -> bool {
    header
        .split_once(':')
        .is_some_and(|(n, _)| n.trim().eq_ignore_ascii_case("authorization"))
}

/// Which of `names` (bearer, basic, an Authorization header, in that
/// order) `flags` sets: two or more would silently replace each other.
fn authorization_setters<'n>(flags: &ScanFlags, names: [&'n str; 3]) -> Vec<&'n str> {
    let header = flags.headers.iter().any(|h| sets_authorization(h));
    [flags.bearer.is_some(), flags.basic.is_some(), header]
        .into_iter()
        .zip(names)
        .filter_map(|(set, name)| set.then_some(name))
        .collect()
}

/// The error for two ways of setting `Authorization` at once.
fn conflict(first: &str, second: &str) -> String {
    format!("{first} and {second} both set the Authorization header: give only one")
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
            _ => std::path::PathBuf::from("."),
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

/// Loads the spec and scans the API it describes.
pub async fn run(mut args: ScanArgs, matches: &ArgMatches) -> u8 {
    let config = match configure(&mut args.scan, matches) {
        Ok(c) => c,
        Err(e) => {
            eprintln!("error: {e}");
            return exit::USAGE;
        }
    };
    let o = &config.options;
    let Some(spec) = args
        .spec
        .clone()
        .or_else(|| o.spec.as_ref().map(|t| t.0.clone()))
    else {
        eprintln!("error: no spec: give one (`apiprobe scan SPEC`) or set `spec` in apiprobe.toml");
        return exit::USAGE;
    };
    if args.url.is_none() {
        args.url = o.url.as_ref().map(|t| t.0.clone());
    }
    if !args.strict {
        args.strict = o.strict.unwrap_or(false);
    }
    let mut api = match Loader::new()
        .strict(args.strict)
        .load(&Source::parse(&spec))
        .await
    {
        Ok(api) => api,
        Err(e) => {
            eprintln!("error: {e}");
            return exit::USAGE;
        }
    };
    for s in &api.skipped {
        eprintln!("warning: left out {}: {}", s.operation, s.error);
    }
    for key in config.unmatched_operations(&api) {
        eprintln!("warning: apiprobe.toml [operations.{key:?}] matches no operation of the spec");
    }
    config.declare_expected_statuses(&mut api);
    let spec_text = if spec.contains("://") {
        None
    } else {
        std::fs::read_to_string(&spec).ok()
    };
    let base_url = match base_url(&api, args.url.as_deref()) {
        Ok(url) => url,
        Err(e) => {
            eprintln!("error: {e}");
            return exit::USAGE;
        }
    };
    // `user:password@` in the URL is a credential: sent as Basic auth (as
    // --basic), so masked like it, and kept out of the URL that the
    // progress line, the reports and the curl commands show
    let base_url = match userinfo(&base_url) {
        Some((url, user_password)) => {
            if args.scan.basic.is_some() || args.scan.bearer.is_some() {
                eprintln!(
                    "error: the URL holds a user and password, and --basic or --bearer is given: give one"
                );
                return exit::USAGE;
            }
            if user_password.chars().any(char::is_control) {
                eprintln!("error: the URL's user or password holds a control character");
                return exit::USAGE;
            }
            args.scan.basic = Some(user_password);
            url
        }
        None => base_url,
    };
    scan(
        api,
        base_url,
        &args.scan,
        &config,
        spec_text.as_deref(),
        Exit::Findings,
    )
    .await
}

/// How a scan's findings map to the exit code.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Exit {
    /// 1 when a finding reaches `--fail-on` (`scan`).
    Findings,
    /// 0 whatever was found (`demo`, whose flaws are planted).
    Showcase,
}

/// The base URL: `--url`, else the spec's first server (which must be absolute).
pub fn base_url(api: &Api, given: Option<&str>) -> Result<String, String> {
    let text = match given {
        Some(u) => u.to_owned(),
        None => match api.servers.first() {
            Some(s) => {
                let resolved = s.resolved_url();
                match url::Url::parse(&api.source).and_then(|base| base.join(&resolved)) {
                    Ok(u) if u.scheme().starts_with("http") => u.to_string(),
                    _ => resolved,
                }
            }
            None => {
                return Err("the spec names no server: give the API's address with --url".into());
            }
        },
    };
    let url = url::Url::parse(&text).map_err(|e| {
        format!("the base URL {text:?} is not an absolute URL ({e}); give one with --url")
    })?;
    if !matches!(url.scheme(), "http" | "https") {
        return Err(format!("the base URL {text:?} is not http or https"));
    }
    if url.query().is_some() || url.fragment().is_some() {
        return Err(format!(
            "the base URL {text:?} must not have a query or fragment"
        ));
    }
    Ok(text.trim_end_matches('/').to_owned())
}

fn credentials(api: &Api, flags: &ScanFlags) -> Result<Vec<Credential>, String> {
    let mut out = Vec::new();
    for h in &flags.headers {
        let Some((name, value)) = h.split_once(':') else {
            // the text may be a credential: not echoed
            return Err(format!(
                "-H: expected `Name: value` (a header of {} characters has no colon)",
                h.chars().count()
            ));
        };
        let name = name.trim();
        if name.is_empty() || !name.bytes().all(|b| b.is_ascii_graphic()) {
            return Err(format!("-H {h:?}: {name:?} is not a header name"));
        }
        out.push(Credential::header(name, value.trim()));
    }
    if let Some(token) = &flags.bearer {
        out.push(Credential::bearer(token));
    }
    if let Some(basic) = &flags.basic {
        if !basic.contains(':') {
            return Err("--basic: expected user:password".into());
        }
        out.push(Credential::basic(basic));
    }
    for key in &flags.api_keys {
        let mut parts = key.splitn(2, ':');
        let name = parts.next().unwrap_or_default();
        let Some(rest) = parts.next() else {
            return Err(format!(
                "--api-key {key:?}: expected NAME:VALUE[:header|query|cookie]"
            ));
        };
        let (value, place) = match rest.rsplit_once(':') {
            Some((v, "header")) => (v, Some(Place::Header)),
            Some((v, "query")) => (v, Some(Place::Query)),
            Some((v, "cookie")) => (v, Some(Place::Cookie)),
            _ => (rest, None),
        };
        if name.is_empty() {
            return Err("--api-key: the name before the first colon is empty".to_owned());
        }
        out.push(Credential::api_key(api, name, value, place));
    }
    Ok(out)
}

/// `--token-from` and `--token-as` (the defaults of every login).
fn token_use(flags: &ScanFlags) -> Result<TokenUse, String> {
    let mut token = TokenUse::default();
    if let Some(t) = &flags.token_from {
        token.from = TokenFrom::parse(t).map_err(|e| format!("--token-from: {e}"))?;
    }
    if let Some(t) = &flags.token_as {
        token.send = Some(TokenAs::parse(t).map_err(|e| format!("--token-as: {e}"))?);
    }
    Ok(token)
}

/// Header names that suggest a secret value, for `-H` headers.
fn looks_secret(name: &str) -> bool {
    let n = name.to_ascii_lowercase();
    [
        "auth",
        "token",
        "key",
        "secret",
        "session",
        "cookie",
        "password",
        "signature",
    ]
    .iter()
    .any(|w| n.contains(w))
}

/// What to mask: every credential, the spec's API key names, the config
/// file's secrets and the values it read from the environment.
fn secrets(
    api: &Api,
    flags: &ScanFlags,
    credentials: &[Credential],
    identities: &[NamedIdentity],
    signed_in: Option<&SignedIn>,
    config: &Config,
) -> Secrets {
    if flags.show_secrets {
        return Secrets::shown();
    }
    let mut s = Secrets::new();
    let of_identities = identities.iter().flat_map(|i| &i.credentials);
    // a login's credential is masked by name too: signing in again after a
    // 401 gives it a value no list knew
    let of_logins: Vec<&Credential> = identities
        .iter()
        .filter(|i| i.account.is_some())
        .flat_map(|i| &i.credentials)
        .chain(signed_in.map(|s| &s.credential))
        .collect();
    for c in credentials.iter().chain(of_identities) {
        match c.place {
            Place::Header if looks_secret(&c.name) || of_logins.contains(&c) => {
                s.add_header(&c.name);
                s.add_value(&c.value);
            }
            Place::Header => {}
            Place::Query | Place::Cookie => {
                s.add_param(&c.name);
                s.add_value(&c.value);
            }
        }
    }
    if let Some(basic) = &flags.basic {
        s.add_value(basic);
        if let Some((_, password)) = basic.split_once(':') {
            s.add_value(password);
        }
    }
    for scheme in api.security_schemes.values() {
        if let SecurityScheme::ApiKey { name, location } = scheme {
            match location {
                ApiKeyLocation::Header => s.add_header(name),
                ApiKeyLocation::Query | ApiKeyLocation::Cookie => s.add_param(name),
            }
        }
    }
    for v in config.secrets() {
        s.add_value(&v);
    }
    // passwords of --login and of login identities
    let login = flags.login.as_deref().and_then(Account::parse);
    let accounts = identities.iter().filter_map(|i| i.account.as_ref());
    for a in login.iter().chain(accounts) {
        if !a.password.is_empty() {
            s.add_value(&a.password);
        }
    }
    s
}

/// Scans `api` at `base_url` with `flags`: progress on stderr, the summary
/// on stdout, reports written whatever happens (Ctrl-C, budgets, a lost
/// target). `spec_text` is the spec file's text, to locate operations in it.
pub async fn scan(
    api: Api,
    base_url: String,
    flags: &ScanFlags,
    config: &Config,
    spec_text: Option<&str>,
    mode: Exit,
) -> u8 {
    if let Err(e) = check_report_paths(&flags.reports) {
        eprintln!("error: {e}");
        return exit::USAGE;
    }
    let checks = match select(&flags.checks, &flags.exclude_checks) {
        Ok(c) => c,
        Err(e) => {
            eprintln!("error: {e}");
            return exit::USAGE;
        }
    };
    let filter = match Filter::parse(&flags.include, &flags.exclude) {
        Ok(f) => f,
        Err(e) => {
            eprintln!("error: {e}");
            return exit::USAGE;
        }
    };
    let mut credentials = match credentials(&api, flags) {
        Ok(c) => c,
        Err(e) => {
            eprintln!("error: {e}");
            return exit::USAGE;
        }
    };
    let mut payloads = Payloads::builtin();
    if let Some(dir) = &flags.payloads
        && let Err(e) = payloads.load_dir(dir)
    {
        eprintln!("error: {e}");
        return exit::USAGE;
    }
    let ca_cert = match &flags.ca_cert {
        Some(path) => match std::fs::read(path) {
            Ok(bytes) => Some(bytes),
            Err(e) => {
                eprintln!("error: --ca-cert {}: {e}", path.display());
                return exit::USAGE;
            }
        },
        None => None,
    };
    let client = match Client::new(ClientOptions {
        timeout: flags.timeout,
        max_response_bytes: flags.max_response_bytes.max(1),
        insecure: flags.insecure,
        ca_cert,
        follow_redirects: flags.follow_redirects,
        max_idle_per_host: flags.concurrency as usize,
        // a proxy cannot reach this machine's loopback: talk to it directly
        env_proxy: !is_loopback(&base_url),
    }) {
        Ok(c) => c,
        Err(e) => {
            eprintln!("error: {e}");
            return exit::USAGE;
        }
    };
    let token = match token_use(flags) {
        Ok(t) => t,
        Err(e) => {
            eprintln!("error: {e}");
            return exit::USAGE;
        }
    };
    let mut signed_in = None;
    let account = match &flags.login {
        None => None,
        Some(text) => {
            let Some(account) = Account::parse(text) else {
                eprintln!("error: --login: expected user:password");
                return exit::USAGE;
            };
            match apiprobe::identity::login_with(&api, &client, &base_url, &account, &token).await {
                Ok(credential) => {
                    credentials.push(credential.clone());
                    signed_in = Some(SignedIn {
                        account: account.clone(),
                        token: token.clone(),
                        credential,
                    });
                }
                Err(e) => {
                    eprintln!("error: {e}");
                    return exit::USAGE;
                }
            }
            Some(account)
        }
    };
    let mut identities = Vec::new();
    for text in &flags.identities {
        let spec = match IdentitySpec::parse(&api, text) {
            Ok(spec) => spec,
            Err(e) => {
                eprintln!("error: {e}");
                return exit::USAGE;
            }
        };
        if identities
            .iter()
            .any(|i: &NamedIdentity| i.name == spec.name)
        {
            eprintln!("error: --identity {:?}: the name is given twice", spec.name);
            return exit::USAGE;
        }
        match spec.resolve_with(&api, &client, &base_url, &token).await {
            Ok(identity) => identities.push(identity),
            Err(e) => {
                eprintln!("error: {e}");
                return exit::USAGE;
            }
        }
    }
    let baseline = match &flags.baseline {
        Some(path) => match Baseline::load(path) {
            Ok(b) => Some((b, path.display().to_string())),
            Err(e) => {
                eprintln!("error: {e}");
                return exit::USAGE;
            }
        },
        None => None,
    };
    let secrets = secrets(
        &api,
        flags,
        &credentials,
        &identities,
        signed_in.as_ref(),
        config,
    );
    let operations: Vec<usize> = filter
        .select(&api)
        .into_iter()
        .filter(|&i| !config.skips(&api, i))
        .collect();
    if operations.is_empty() {
        eprintln!(
            "error: no operation to scan (check --include, --exclude, apiprobe.toml's skips and the spec)"
        );
        return exit::USAGE;
    }
    if let Some(u) = &flags.callback_url
        && !url::Url::parse(u).is_ok_and(|u| matches!(u.scheme(), "http" | "https"))
    {
        eprintln!("error: --callback-url {u:?} is not an absolute http(s) URL");
        return exit::USAGE;
    }
    let operation_headers = config
        .operation_headers(&api)
        .into_iter()
        .map(|(i, headers)| {
            let creds = headers
                .iter()
                .map(|(n, v)| Credential::header(n, v))
                .collect();
            (i, creds)
        })
        .collect();
    let seed = flags.seed.unwrap_or_else(rand_seed);
    let check_names: Vec<&str> = checks.iter().map(|c| c.name).collect();
    let judge = Arc::new(Judge::new(
        checks.clone(),
        Settings {
            max_response_time: flags.max_response_time,
        },
    ));
    let api = Arc::new(api);
    let scan = Scan {
        api: Arc::clone(&api),
        operations: operations.clone(),
        payloads: Arc::new(payloads),
        client,
        judge,
        options: ScanOptions {
            base_url: base_url.clone(),
            concurrency: flags.concurrency as usize,
            rate_limit: flags.rate_limit,
            max_requests: flags.max_requests,
            max_time: flags.max_time,
            seed,
            credentials,
            plan: PlanOptions {
                positive: flags.cases,
                negative: flags.cases,
                attacks_per_family: flags.attacks,
                read_only: flags.read_only,
                ..PlanOptions::default()
            },
            shrink: !flags.no_shrink,
            retries_on_429: 3,
            account,
            profile: flags.profile,
            callback_url: flags.callback_url.clone(),
            callback_listen: flags.callback_listen,
            identities,
            cleanup: !flags.no_cleanup,
            operation_headers,
            signed_in,
            severities: config.options.severity.clone().unwrap_or_default(),
        },
    };
    let stop = Stop::new();
    if let Ok(interrupt) = Interrupt::listen() {
        let stop = stop.clone();
        tokio::spawn(async move {
            interrupt.wait().await;
            stop.request(StopReason::Interrupted);
        });
    }
    let progress = Arc::new(Progress::new(flags.quiet));
    let mut failed_write = false;
    let streams = match Streams::open(&flags.reports, secrets.clone(), progress) {
        Ok(s) => Arc::new(s),
        Err(e) => {
            eprintln!("error: {e}");
            return exit::USAGE;
        }
    };
    let result = scan.run(Arc::clone(&streams) as _, stop).await;
    if let Err(e) = streams.finish() {
        eprintln!("error: {e}");
        failed_write = true;
    }
    let mut report = Report::new(&api, &base_url, &check_names, &result);
    let lines = spec_text.map(SpecLines::parse);
    report.set_operations(&api, &operations, lines.as_ref());
    if let Some((b, file)) = &baseline {
        b.apply(&mut report, file);
    }
    secrets.report(&mut report);
    for spec in &flags.reports {
        if let Err(e) = write_report(&report, spec) {
            eprintln!("error: {e}");
            failed_write = true;
        }
    }
    let style = Style {
        colour: std::io::stdout().is_terminal() && std::env::var_os("NO_COLOR").is_none(),
    };
    print!("{}", summary(&report, style));
    if result.reason.is_target_error() {
        if let apiprobe::engine::StopReason::Unreachable(why) | StopReason::TargetLost(why) =
            &result.reason
        {
            eprintln!("error: the target cannot be reached: {why}");
        }
        return exit::UNREACHABLE;
    }
    if failed_write {
        return exit::USAGE;
    }
    let code = match mode {
        Exit::Showcase => exit::OK,
        Exit::Findings => {
            if report.findings.iter().any(|f| f.severity >= flags.fail_on) {
                exit::FINDINGS
            } else {
                exit::OK
            }
        }
    };
    // a scan that heard nothing back passed nothing: not a success
    if code == exit::OK && result.stats.responses == 0 && result.reason != StopReason::Interrupted {
        eprintln!("error: no response from the target: {}", silence(&result));
        return exit::UNREACHABLE;
    }
    code
}

/// Why a scan that got no response at all got none, for its error.
fn silence(result: &ScanResult) -> String {
    let stats = &result.stats;
    let budget = match result.reason {
        StopReason::RequestBudget => " (the request budget, --max-requests, ran out)",
        StopReason::TimeBudget => " (the time budget, --max-time, ran out)",
        _ => "",
    };
    match stats.requests {
        0 => format!("no request was sent{budget}"),
        1 => format!(
            "the one request sent got none{budget}; {} failed",
            stats.failures
        ),
        n => format!(
            "none of the {n} requests sent got one{budget}; {} failed",
            stats.failures
        ),
    }
}

/// `url` without its `user:password@`, and that pair (percent-decoded),
/// when it has one.
fn userinfo(url: &str) -> Option<(String, String)> {
    let mut parsed = url::Url::parse(url).ok()?;
    if parsed.username().is_empty() && parsed.password().is_none() {
        return None;
    }
    let decode = |s: &str| {
        percent_encoding::percent_decode_str(s)
            .decode_utf8_lossy()
            .into_owned()
    };
    let pair = format!(
        "{}:{}",
        decode(parsed.username()),
        decode(parsed.password().unwrap_or_default())
    );
    parsed.set_username("").ok()?;
    parsed.set_password(None).ok()?;
    Some((parsed.as_str().trim_end_matches('/').to_owned(), pair))
}

/// Whether a URL's host is this machine.
fn is_loopback(base_url: &str) -> bool {
    match url::Url::parse(base_url)
        .ok()
        .and_then(|u| u.host().map(|h| h.to_owned()))
    {
        Some(url::Host::Domain(d)) => d.eq_ignore_ascii_case("localhost"),
        Some(url::Host::Ipv4(ip)) => ip.is_loopback(),
        Some(url::Host::Ipv6(ip)) => ip.is_loopback(),
        None => false,
    }
}

/// A seed from the clock and the process id (the summary prints it).
fn rand_seed() -> u64 {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_nanos() as u64)
        .unwrap_or(0);
    (nanos ^ (u64::from(std::process::id()) << 32)) % 1_000_000_000
}
