//! `apiprobe scan`: load a spec, scan the API, report, exit with a code
//! that says how it went. The flags and apiprobe.toml come resolved and
//! checked in one [`ScanConfig`] (`settings`); this signs in, runs and
//! reports from it alone.

use std::io::IsTerminal as _;
use std::sync::Arc;

use apiprobe::checks::jwt_crack::JwtCracking;
use apiprobe::checks::{Judge, Settings};
use apiprobe::engine::{Scan, ScanOptions, ScanResult, Stop, StopReason};
use apiprobe::generate::Payloads;
use apiprobe::http::{Client, ClientOptions};
use apiprobe::identity::{Credential, IdentityAuth, NamedIdentity, Place, SignedIn};
use apiprobe::model::Api;
use apiprobe::model::{ApiKeyLocation, SecurityScheme};
use apiprobe::probes::{PlanOptions, Shard, ShardSpec};
use apiprobe::report::{
    Baseline, Format, Guide, Report, Secrets, ShardInfo, SpecLines, Streams, Style, summary_with,
    write_report,
};
use apiprobe::spec::{Loader, Source};
use clap::ArgMatches;

use super::args::ScanArgs;
use super::exit;
use super::interrupt::Interrupt;
use super::progress::Progress;
use super::reach::{Reach, auth_flags};
use super::settings::{ScanConfig, Target, configure};

/// Loads the spec and scans the API it describes.
pub async fn run(args: ScanArgs, matches: &ArgMatches) -> u8 {
    let shard = match super::shard::resolve(args.shard, args.shards, |k| std::env::var(k).ok()) {
        Ok(s) => s,
        Err(e) => {
            eprintln!("error: {e}");
            return exit::USAGE;
        }
    };
    let allow_external_refs = args.allow_external_refs;
    let target = Target {
        spec: args.spec,
        url: args.url,
        strict: args.strict,
    };
    let mut config = match configure(target, args.scan, matches) {
        Ok(c) => c,
        Err(e) => {
            eprintln!("error: {e}");
            return exit::USAGE;
        }
    };
    let Some(spec) = config.spec.clone() else {
        eprintln!("error: no spec: give one (`apiprobe scan SPEC`) or set `spec` in apiprobe.toml");
        return exit::USAGE;
    };
    let mut api = match Loader::new()
        .strict(config.strict)
        .allow_external_refs(allow_external_refs)
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
    let unfit = apiprobe::generate::unfit_strings(&api);
    api.warnings.extend(unfit);
    for key in config.operations.unmatched(&api) {
        eprintln!("warning: apiprobe.toml [operations.{key:?}] matches no operation of the spec");
    }
    config.operations.declare(&mut api);
    let spec_text = if spec.contains("://") {
        None
    } else {
        std::fs::read_to_string(&spec).ok()
    };
    let base_url = match base_url(&api, config.url.as_deref()) {
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
            if config.auth.basic.is_some() || config.auth.bearer.is_some() {
                eprintln!(
                    "error: the URL holds a user and password, and --basic or --bearer is given: give one"
                );
                return exit::USAGE;
            }
            if user_password.chars().any(char::is_control) {
                eprintln!("error: the URL's user or password holds a control character");
                return exit::USAGE;
            }
            config.auth.basic = Some(user_password);
            url
        }
        None => base_url,
    };
    scan(
        api,
        base_url,
        &config,
        spec_text.as_deref(),
        Exit::Findings,
        shard,
    )
    .await
}

/// How a scan's findings map to the exit code.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Exit {
    /// 1 when a finding reaches `--fail-on` (`scan`).
    Findings,
    /// 0 whatever was found (`demo`, whose flaws are planted); the terminal
    /// summary shows the demo's own tokens unmasked (the reports mask them).
    #[cfg_attr(not(feature = "demo"), allow(dead_code))]
    Showcase,
    /// Exit 0 as `Showcase`, with every secret masked in the terminal too
    /// (`demo` given the user's own credentials, headers or secrets).
    #[cfg_attr(not(feature = "demo"), allow(dead_code))]
    ShowcaseMasked,
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
    config: &ScanConfig,
    credentials: &[Credential],
    identities: &[NamedIdentity],
    signed_in: Option<&SignedIn>,
) -> Secrets {
    if config.show_secrets {
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
    if let Some(basic) = &config.auth.basic {
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
    for v in &config.secrets {
        s.add_value(v);
    }
    // passwords of --login and of login identities
    let accounts = identities.iter().filter_map(|i| i.account.as_ref());
    for a in config.auth.login.iter().chain(accounts) {
        if !a.password.is_empty() {
            s.add_value(&a.password);
        }
    }
    s
}

/// The masker for a sign-in that failed: every secret the configuration
/// holds, the identities' passwords, keys and tokens included (a refusal's
/// excerpt may echo the password that was sent).
fn before_sign_in(api: &Api, config: &ScanConfig, credentials: &[Credential]) -> Secrets {
    let mut s = secrets(api, config, credentials, &[], None);
    if !s.is_masking() {
        return s;
    }
    for spec in &config.auth.identities {
        match &spec.auth {
            IdentityAuth::Login(a) if !a.password.is_empty() => s.add_value(&a.password),
            IdentityAuth::Login(_) => {}
            IdentityAuth::ApiKey { value, .. } => s.add_value(value),
            IdentityAuth::Credentials(cs) => cs.iter().for_each(|c| s.add_value(&c.value)),
        }
    }
    s
}

/// Scans `api` at `base_url` as `config` says: progress on stderr, the
/// summary on stdout, reports written whatever happens (Ctrl-C, budgets, a
/// lost target). `spec_text` is the spec file's text, to locate operations in it.
pub async fn scan(
    api: Api,
    base_url: String,
    config: &ScanConfig,
    spec_text: Option<&str>,
    mode: Exit,
    shard: Option<ShardSpec>,
) -> u8 {
    let mut credentials = config.auth.credentials(&api);
    let mut payloads = Payloads::builtin();
    if let Some(dir) = &config.payloads
        && let Err(e) = payloads.load_dir(dir)
    {
        eprintln!("error: {e}");
        return exit::USAGE;
    }
    let endpoint_words = match &config.endpoint_wordlist {
        Some(path) => match std::fs::read_to_string(path) {
            Ok(text) => Some(Arc::new(apiprobe::checks::active::words_of(&text))),
            Err(e) => {
                eprintln!("error: --endpoint-wordlist {}: {e}", path.display());
                return exit::USAGE;
            }
        },
        None => None,
    };
    let jwt_words = match &config.jwt_wordlist {
        Some(path) => match std::fs::read(path) {
            Ok(bytes) => apiprobe::checks::jwt_crack::secrets_of(&bytes),
            Err(e) => {
                eprintln!("error: --jwt-wordlist {}: {e}", path.display());
                return exit::USAGE;
            }
        },
        None => Vec::new(),
    };
    let jwt_public_key = match &config.jwt_public_key {
        Some(path) => match std::fs::read(path) {
            Ok(bytes) => Some(bytes),
            Err(e) => {
                eprintln!("error: --jwt-public-key {}: {e}", path.display());
                return exit::USAGE;
            }
        },
        None => None,
    };
    let ca_cert = match &config.ca_cert {
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
        timeout: config.timeout,
        max_response_bytes: config.max_response_bytes.max(1),
        insecure: config.insecure,
        ca_cert,
        follow_redirects: config.follow_redirects,
        max_idle_per_host: config.concurrency as usize,
        // a proxy cannot reach this machine's loopback: talk to it directly
        env_proxy: !is_loopback(&base_url),
    }) {
        Ok(c) => c,
        Err(e) => {
            eprintln!("error: {e}");
            return exit::USAGE;
        }
    };
    let token = &config.auth.token;
    let mut signed_in = None;
    // the sign-ins' exchanges, which the scan hands to the reports
    let mut sign_ins = Vec::new();
    if let Some(account) = &config.auth.login {
        match apiprobe::identity::login_traced(
            &api,
            &client,
            &base_url,
            account,
            token,
            &mut sign_ins,
        )
        .await
        {
            Ok(credential) => {
                credentials.push(credential.clone());
                signed_in = Some(SignedIn {
                    account: account.clone(),
                    token: token.clone(),
                    credential,
                });
            }
            Err(e) => {
                let masked = before_sign_in(&api, config, &credentials);
                eprintln!("error: {}", masked.text(&e.to_string()));
                return exit::USAGE;
            }
        }
    }
    let mut identities = Vec::new();
    for spec in &config.auth.identities {
        match spec
            .clone()
            .resolve_traced(&api, &client, &base_url, token, &mut sign_ins)
            .await
        {
            Ok(identity) => identities.push(identity),
            Err(e) => {
                let masked = before_sign_in(&api, config, &credentials);
                eprintln!("error: {}", masked.text(&e.to_string()));
                return exit::USAGE;
            }
        }
    }
    let baseline = match &config.baseline {
        Some(path) => match Baseline::load(path) {
            Ok(b) => Some((b, path.display().to_string())),
            Err(e) => {
                eprintln!("error: {e}");
                return exit::USAGE;
            }
        },
        None => None,
    };
    let secrets = secrets(&api, config, &credentials, &identities, signed_in.as_ref());
    let had_credentials = !credentials.is_empty() || !identities.is_empty();
    let operations: Vec<usize> = config
        .filter
        .select(&api)
        .into_iter()
        .filter(|&i| !config.operations.skips(&api, i))
        .collect();
    if operations.is_empty() {
        eprintln!(
            "error: no operation to scan (check --include, --exclude, apiprobe.toml's skips and the spec)"
        );
        return exit::USAGE;
    }
    let operation_headers = config.operations.headers(&api);
    let seed = config.seed.unwrap_or_else(rand_seed);
    let check_names: Vec<&str> = config.checks.iter().map(|c| c.name).collect();
    let judge = Arc::new(Judge::new(
        config.checks.clone(),
        Settings {
            max_response_time: config.max_response_time,
            jwt: JwtCracking::for_profile(config.profile).with_words(jwt_words),
        },
    ));
    let judged = Arc::clone(&judge);
    let api = Arc::new(api);
    let mut scan = Scan {
        api: Arc::clone(&api),
        operations: operations.clone(),
        payloads: Arc::new(payloads),
        client,
        judge,
        options: ScanOptions {
            base_url: base_url.clone(),
            concurrency: config.concurrency as usize,
            rate_limit: config.rate_limit,
            max_requests: config.max_requests,
            max_time: config.max_time,
            recovery_timeout: config.recovery_timeout,
            skip_destructive: config.skip_destructive,
            sign_ins,
            seed,
            credentials,
            plan: PlanOptions {
                positive: config.cases,
                negative: config.cases,
                attacks_per_family: config.attacks,
                read_only: config.read_only,
                ..PlanOptions::default()
            },
            shrink: config.shrink,
            retries_on_429: 3,
            account: config.auth.login.clone(),
            profile: config.profile,
            callback_url: config.callback_url.clone(),
            callback_listen: config.callback_listen,
            identities,
            cleanup: config.cleanup,
            operation_headers,
            signed_in,
            severities: config.severities.clone(),
            discovery: config.discovery,
            endpoint_words,
            cors_domains: config.cors_domains.clone(),
            jwt_public_key,
            part: None,
        },
    };
    // a shard (--shard K/N): its part of the operations, cut from the whole plan
    let shard = shard.map(|spec| {
        let shard = Shard::of(
            &scan.api,
            &scan.operations,
            &scan.payloads,
            &scan.options.plan,
            spec,
        );
        scan.options.part = Some(shard.operations.clone());
        if !config.quiet {
            eprintln!(
                "apiprobe: shard {spec}: {} of the scan's {} operations",
                shard.operations.len(),
                shard.total
            );
        }
        shard
    });
    let operations = shard.as_ref().map_or(operations, |s| s.operations.clone());
    let stop = Stop::new();
    if let Ok(interrupt) = Interrupt::listen() {
        let stop = stop.clone();
        tokio::spawn(async move {
            interrupt.wait().await;
            stop.request(StopReason::Interrupted);
        });
    }
    let progress = Arc::new(Progress::new(config.quiet));
    let mut failed_write = false;
    let streams = match Streams::open(&config.reports, secrets.clone(), progress) {
        Ok(s) => Arc::new(s),
        Err(e) => {
            eprintln!("error: {e}");
            return exit::USAGE;
        }
    };
    let reach = Arc::new(Reach::new(Arc::clone(&streams) as _));
    let result = scan.run(Arc::clone(&reach) as _, stop).await;
    if let Err(e) = streams.finish() {
        eprintln!("error: {e}");
        failed_write = true;
    }
    // severities were given where the findings were made (ScanOptions::severities)
    let mut report = Report::new(&api, &base_url, &check_names, &result);
    report.notes.extend(judged.jwt_notes());
    let lines = spec_text.map(SpecLines::parse);
    report.set_operations(&api, &operations, lines.as_ref());
    report.shard = shard.map(|s| ShardInfo {
        index: s.spec.index,
        count: s.spec.count,
        operations: s.operations.len(),
        total: s.total,
    });
    if let Some((b, file)) = &baseline {
        b.apply(&mut report, file);
    }
    let unmasked = report.clone();
    secrets.report(&mut report);
    let guide = Guide {
        json_report: config
            .reports
            .iter()
            .find(|r| r.format == Format::Json)
            .map(|r| r.path.display().to_string()),
        seed_given: config.seed.is_some(),
        // the demo's terminal shows its tokens: they are the demo's, not
        // the user's, and a masked curl command cannot be pasted
        masked: mode != Exit::Showcase && report != unmasked,
        credentials: had_credentials,
        refused: reach.refused(&api, &operations),
        auth_flags: auth_flags(&api),
        unsent: reach.unsent(&api, &operations),
        operations: operations.len(),
    };
    for spec in &config.reports {
        if let Err(e) = write_report(&report, spec) {
            eprintln!("error: {e}");
            failed_write = true;
        }
    }
    let style = Style {
        colour: std::io::stdout().is_terminal() && std::env::var_os("NO_COLOR").is_none(),
    };
    let shown = if mode == Exit::Showcase {
        &unmasked
    } else {
        &report
    };
    print!("{}", summary_with(shown, style, &guide));
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
        Exit::Showcase | Exit::ShowcaseMasked => exit::OK,
        Exit::Findings => {
            if report.findings.iter().any(|f| f.severity >= config.fail_on) {
                exit::FINDINGS
            } else {
                exit::OK
            }
        }
    };
    // a scan that heard nothing back passed nothing: not a success
    // (a shard may have no operation: more shards than operations)
    if code == exit::OK
        && result.stats.responses == 0
        && result.reason != StopReason::Interrupted
        && !operations.is_empty()
    {
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
