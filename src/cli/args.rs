//! Command-line arguments, as clap parses them.

use std::path::PathBuf;
use std::time::Duration;

use clap::{Args, Parser, Subcommand, ValueEnum};

use apiprobe::checks::Severity;
use apiprobe::probes::{Discovery, MAX_SHARDS, Profile, ShardSpec};
use apiprobe::report::ReportSpec;

/// Security and fuzz testing for HTTP APIs described by OpenAPI.
#[derive(Debug, Parser)]
#[command(name = "apiprobe", version, about, propagate_version = true)]
pub struct Cli {
    /// What to do.
    #[command(subcommand)]
    pub command: Command,
}

/// The subcommands.
#[derive(Debug, Subcommand)]
// parsed once; without `demo`, whose flags are as large, `Scan` stands alone
#[cfg_attr(not(feature = "demo"), allow(clippy::large_enum_variant))]
pub enum Command {
    /// Read a spec and print what apiprobe sees in it: a summary and every operation.
    Inspect(InspectArgs),
    /// Print the requests a scan would send, as curl commands or JSON.
    Cases(CasesArgs),
    /// Scan an API: send valid, boundary, invalid and attack requests to every
    /// operation and report what the responses reveal.
    Scan(ScanArgs),
    /// Start the bundled vulnerable demo API on 127.0.0.1 and scan it.
    #[cfg(feature = "demo")]
    Demo(DemoArgs),
    /// Run the deliberately vulnerable demo API on 127.0.0.1 until Ctrl-C
    /// (its spec is specs/demo.yaml), for other tools and manual probing.
    #[cfg(feature = "demo")]
    ServeDemo(ServeDemoArgs),
    /// Merge the JSON reports of a sharded scan (`scan --shard K/N`) into one
    /// report: findings by id, counters summed, exit code as a scan's.
    Merge(MergeArgs),
    /// Accepted findings: `baseline create REPORT.json > apiprobe-baseline.json`.
    Baseline(BaselineArgs),
    /// Send the recorded request of each finding of a JSON report again and
    /// say whether it still reproduces.
    Replay(ReplayArgs),
    /// Print a shell completion script (bash, zsh, fish, elvish, powershell).
    Completions(CompletionsArgs),
    /// Print the man page (roff) on stdout.
    Man,
    /// Write a libFuzzer dictionary from a spec (paths, parameter and
    /// property names, enum values, examples), for `cargo fuzz run -- -dict=FILE`.
    FuzzDict(FuzzDictArgs),
    /// Write a seed corpus for in-process fuzzing (`apiprobe::fuzz`): one
    /// input per operation that makes a valid request.
    FuzzSeeds(FuzzSeedsArgs),
}

/// Arguments of `apiprobe baseline`.
#[derive(Debug, Args)]
pub struct BaselineArgs {
    /// What to do.
    #[command(subcommand)]
    pub action: BaselineAction,
}

/// What `apiprobe baseline` does.
#[derive(Debug, Subcommand)]
pub enum BaselineAction {
    /// Print a baseline accepting every finding of a JSON report.
    Create {
        /// A report written with `--report json:PATH`.
        report: PathBuf,
    },
}

/// Arguments of `apiprobe replay`.
#[derive(Debug, Args)]
pub struct ReplayArgs {
    /// A report written with `--report json:PATH`.
    pub report: PathBuf,
    /// Only this finding (its id); repeatable. Default: every finding.
    #[arg(long = "finding", value_name = "ID")]
    pub findings: Vec<String>,
    /// Send to this base URL instead of the one recorded.
    #[arg(long)]
    pub url: Option<String>,
    /// An extra header, `Name: value`; repeatable. Fills in masked values.
    #[arg(short = 'H', long = "header", value_name = "HEADER")]
    pub headers: Vec<String>,
    /// A bearer token (fills in a masked `Authorization`).
    #[arg(long, value_name = "TOKEN")]
    pub bearer: Option<String>,
    /// Basic credentials, `user:password`.
    #[arg(long, value_name = "USER:PASSWORD")]
    pub basic: Option<String>,
    /// The longest one request may take.
    #[arg(long, default_value = "10s", value_parser = parse_duration)]
    pub timeout: Duration,
    /// Accept any TLS certificate.
    #[arg(long)]
    pub insecure: bool,
    /// Show secrets in the output instead of `***`.
    #[arg(long)]
    pub show_secrets: bool,
}

/// Arguments of `apiprobe completions`.
#[derive(Debug, Args)]
pub struct CompletionsArgs {
    /// The shell.
    #[arg(value_enum)]
    pub shell: clap_complete::Shell,
}

/// Arguments of `apiprobe fuzz-dict`.
#[derive(Debug, Args)]
pub struct FuzzDictArgs {
    /// The spec: a file (JSON or YAML) or an http(s) URL.
    pub spec: String,
    /// Write the dictionary here instead of to standard output.
    #[arg(short, long, value_name = "FILE")]
    pub output: Option<PathBuf>,
}

/// Arguments of `apiprobe fuzz-seeds`.
#[derive(Debug, Args)]
pub struct FuzzSeedsArgs {
    /// The spec: a file (JSON or YAML) or an http(s) URL.
    pub spec: String,
    /// The corpus folder to write into (created if missing), e.g.
    /// fuzz/corpus/demo_inprocess.
    #[arg(short, long, value_name = "DIR")]
    pub output: PathBuf,
    /// Random generator bytes per input, after the operation and probe selectors.
    #[arg(long, default_value_t = 32, value_parser = clap::value_parser!(u16).range(0..=4096))]
    pub choices: u16,
    /// The seed of those bytes: the same seed gives the same corpus.
    #[arg(long, default_value_t = 0)]
    pub seed: u64,
}

/// Arguments of `apiprobe serve-demo`.
#[cfg(feature = "demo")]
#[derive(Debug, Args)]
pub struct ServeDemoArgs {
    /// Serve the repaired API, with every planted flaw fixed.
    #[arg(long)]
    pub fixed: bool,
    /// The port on 127.0.0.1 (0 picks a free one).
    #[arg(long, default_value_t = 0)]
    pub port: u16,
}

/// Arguments of `apiprobe cases`.
#[derive(Debug, Args)]
pub struct CasesArgs {
    /// The spec: a file (JSON or YAML) or an http(s) URL.
    pub spec: String,
    /// Let the spec's `$ref`s read local files outside the spec's folder. A
    /// `$ref` to anything but a regular file (a FIFO, a device) is refused
    /// regardless.
    #[arg(long)]
    pub allow_external_refs: bool,
    /// Only these operations (operationId, or `METHOD /path`); repeatable.
    #[arg(long = "operation", value_name = "ID")]
    pub operations: Vec<String>,
    /// Only these intents; repeatable. Default: all four.
    #[arg(long = "intent", value_enum)]
    pub intents: Vec<IntentArg>,
    /// Cases per operation and intent.
    #[arg(short = 'n', long = "count", default_value_t = 1, value_parser = clap::value_parser!(u32).range(1..=100_000))]
    pub count: u32,
    /// The seed: the same seed gives the same cases.
    #[arg(long, default_value_t = 0)]
    pub seed: u64,
    /// How to print each case.
    #[arg(long, value_enum, default_value_t = CaseFormat::Curl)]
    pub format: CaseFormat,
    /// The base URL in curl commands (default: the spec's first server).
    #[arg(long)]
    pub url: Option<String>,
    /// A folder of extra payload files (`family.txt`, one payload a line).
    #[arg(long, value_name = "DIR")]
    pub payloads: Option<PathBuf>,
}

/// An intent, as the command line names it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum IntentArg {
    /// Valid values.
    Positive,
    /// Valid values at the edges.
    Boundary,
    /// One constraint broken.
    Negative,
    /// An attack payload in one string slot.
    Attack,
}

/// How `apiprobe cases` prints.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum CaseFormat {
    /// A comment line and a curl command per case.
    Curl,
    /// One JSON object per line.
    Json,
}

/// Arguments of `apiprobe inspect`.
#[derive(Debug, Args)]
pub struct InspectArgs {
    /// The spec: a file (JSON or YAML) or an http(s) URL. Swagger 2.0, OpenAPI 3.0 or 3.1.
    pub spec: String,
    /// Print JSON instead of a table, for scripts.
    #[arg(long)]
    pub json: bool,
    /// Fail at once when an operation cannot be read, printing nothing else
    /// (without it, the rest is printed, the operation listed as skipped, and
    /// the exit code is 2 all the same).
    #[arg(long)]
    pub strict: bool,
    /// Let the spec's `$ref`s read local files outside the spec's folder. A
    /// `$ref` to anything but a regular file (a FIFO, a device) is refused
    /// regardless.
    #[arg(long)]
    pub allow_external_refs: bool,
}

/// Arguments of `apiprobe scan`.
#[derive(Debug, Args)]
pub struct ScanArgs {
    /// The spec: a file (JSON or YAML) or an http(s) URL. Swagger 2.0, OpenAPI 3.0 or 3.1
    /// (default: `spec` in apiprobe.toml).
    pub spec: Option<String>,
    /// The API's base URL (default: the spec's first server).
    #[arg(long)]
    pub url: Option<String>,
    /// Fail (exit 2) when an operation of the spec cannot be read.
    #[arg(long)]
    pub strict: bool,
    /// Let the spec's `$ref`s read local files outside the spec's folder. A
    /// `$ref` to anything but a regular file (a FIFO, a device) is refused
    /// regardless.
    #[arg(long)]
    pub allow_external_refs: bool,
    /// Scan only shard K of N (`2/3`): a part of the operations, the same
    /// on every machine; `apiprobe merge` joins the shards' JSON reports.
    #[arg(long, value_name = "K/N", env = "APIPROBE_SHARD", value_parser = parse_shard, help_heading = "Sharding")]
    pub shard: Option<ShardSpec>,
    /// Split the scan into N shards and take this one's number from
    /// JOB_COMPLETION_INDEX (0 to N-1; a Kubernetes Indexed Job).
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u32).range(1..=i64::from(MAX_SHARDS)), help_heading = "Sharding")]
    pub shards: Option<u32>,
    #[command(flatten)]
    pub scan: ScanFlags,
}

/// Arguments of `apiprobe merge`.
#[derive(Debug, Args)]
pub struct MergeArgs {
    /// The JSON reports of a sharded scan's shards (`scan --shard K/N --report json:PATH`).
    #[arg(required = true, value_name = "REPORT.json")]
    pub inputs: Vec<PathBuf>,
    /// Write the merged JSON report here (as `--report json:FILE`).
    #[arg(short, long, value_name = "FILE")]
    pub output: Option<PathBuf>,
    /// Write a report, `FORMAT:PATH` (formats: json, junit, sarif, html); repeatable.
    #[arg(long = "report", value_name = "FORMAT:PATH")]
    pub reports: Vec<ReportSpec>,
    /// Exit 1 when a finding is at least this severe.
    #[arg(long, value_enum, default_value_t = Severity::Low)]
    pub fail_on: Severity,
    /// Report only findings this baseline does not hold, and list the ones it
    /// holds that were fixed (`apiprobe baseline create`).
    #[arg(long, value_name = "FILE")]
    pub baseline: Option<PathBuf>,
    /// Merge even when shards are missing (a warning and a note in the
    /// report instead of an error).
    #[arg(long)]
    pub allow_missing: bool,
    /// Print no summary.
    #[arg(short, long)]
    pub quiet: bool,
}

/// `K/N` as a [`ShardSpec`].
fn parse_shard(text: &str) -> Result<ShardSpec, String> {
    text.parse::<ShardSpec>().map_err(|e| e.to_string())
}

/// Arguments of `apiprobe demo`.
#[cfg(feature = "demo")]
#[derive(Debug, Args)]
pub struct DemoArgs {
    /// Scan the repaired demo API, with every planted flaw fixed (expect no findings).
    #[arg(long)]
    pub fixed: bool,
    #[command(flatten)]
    pub scan: ScanFlags,
}

/// The options shared by `scan` and `demo`.
#[derive(Debug, Args)]
pub struct ScanFlags {
    /// Requests in flight at once.
    #[arg(short = 'c', long, default_value_t = 16, value_parser = parse_concurrency, help_heading = "Sending")]
    pub concurrency: u32,
    /// At most this many requests: `N` or `N/s` a second, `N/m` a minute.
    #[arg(long, value_name = "RATE", value_parser = parse_rate, help_heading = "Sending")]
    pub rate_limit: Option<f64>,
    /// The longest one request may take (e.g. `10s`, `500ms`; a bare number is seconds).
    #[arg(long, default_value = "10s", value_parser = parse_duration, help_heading = "Sending")]
    pub timeout: Duration,
    /// Stop after this many requests (at least 1).
    #[arg(long, value_name = "N", value_parser = parse_max_requests, help_heading = "Budgets")]
    pub max_requests: Option<u64>,
    /// Stop after this long (e.g. `90s`, `5m`).
    #[arg(long, value_name = "DURATION", value_parser = parse_duration, help_heading = "Budgets")]
    pub max_time: Option<Duration>,
    /// How long to wait for a target that stopped answering (a request timed
    /// out and a health request was not answered either) before the scan
    /// stops with exit 3 (e.g. `30s`, `2m`).
    #[arg(long, value_name = "DURATION", default_value = "30s", value_parser = parse_duration, help_heading = "Budgets")]
    pub recovery_timeout: Duration,
    /// The seed of every generated value (default: random, printed in the summary).
    #[arg(long, help_heading = "Sending")]
    pub seed: Option<u64>,
    /// Valid cases per operation (boundary: half as many; invalid: as many).
    #[arg(long, default_value_t = 10, value_parser = parse_cases, help_heading = "Sending")]
    pub cases: u32,
    /// Attack cases per payload family and operation.
    #[arg(long, default_value_t = 2, value_parser = parse_attacks, help_heading = "Sending")]
    pub attacks: u32,
    /// A folder of extra payload files (`family.txt`, one payload a line).
    #[arg(long, value_name = "DIR", help_heading = "Sending")]
    pub payloads: Option<PathBuf>,
    /// An extra header for every request, `Name: value`; repeatable.
    #[arg(
        short = 'H',
        long = "header",
        value_name = "HEADER",
        help_heading = "Authentication"
    )]
    pub headers: Vec<String>,
    /// A bearer token for every request.
    #[arg(long, value_name = "TOKEN", help_heading = "Authentication")]
    pub bearer: Option<String>,
    /// Basic credentials for every request, `user:password`.
    #[arg(long, value_name = "USER:PASSWORD", help_heading = "Authentication")]
    pub basic: Option<String>,
    /// An API key, `NAME:VALUE[:header|query|cookie]` (default: where the spec puts it, else a header); repeatable.
    #[arg(
        long = "api-key",
        value_name = "NAME:VALUE[:WHERE]",
        help_heading = "Authentication"
    )]
    pub api_keys: Vec<String>,
    /// Sign in first through the spec's login operation with `user:password`
    /// and send the token it answers with as a bearer token.
    #[arg(long, value_name = "USER:PASSWORD", help_heading = "Authentication")]
    pub login: Option<String>,
    /// Another user for authorization probes (BOLA, BFLA), `NAME[:ROLE]=HOW`
    /// with HOW one of `bearer:TOKEN`, `basic:USER:PASSWORD`,
    /// `api-key:NAME:VALUE[:WHERE]`, `header:NAME:VALUE`, `cookie:NAME=VALUE`,
    /// `login:USER:PASSWORD` (or `login[from=LOCATOR,as=HOW]:USER:PASSWORD`,
    /// see `--token-from`/`--token-as`); repeatable.
    #[arg(
        long = "identity",
        value_name = "NAME[:ROLE]=HOW",
        help_heading = "Authentication"
    )]
    pub identities: Vec<String>,
    /// A role that makes an `--identity` privileged (for `bfla`: what it
    /// may call, a plain identity may not); repeatable, any word (`editor`).
    /// Without it, the roles admin, administrator, root, superuser, staff,
    /// owner and superadmin are privileged.
    #[arg(
        long = "privileged-role",
        value_name = "ROLE",
        help_heading = "Authentication"
    )]
    pub privileged_roles: Vec<String>,
    /// Where login answers hold the token (for `--login` and `login:`
    /// identities without their own): `auto` (a token-like JSON key, else a
    /// session cookie), a JSON pointer `/data/token`, `header:NAME` or `cookie:NAME`.
    #[arg(long, value_name = "LOCATOR", help_heading = "Authentication")]
    pub token_from: Option<String>,
    /// How a login's token is sent: `bearer`, `header:NAME` or
    /// `cookie:NAME` (default: a cookie as that cookie, else bearer).
    #[arg(long, value_name = "HOW", help_heading = "Authentication")]
    pub token_as: Option<String>,
    /// Leave the resources the probes created in place (default: delete them at the end).
    #[arg(long, help_heading = "Sending")]
    pub no_cleanup: bool,
    /// Accept any TLS certificate.
    #[arg(long, help_heading = "Connection")]
    pub insecure: bool,
    /// Trust the CA certificates in this PEM file too.
    #[arg(long, value_name = "FILE", help_heading = "Connection")]
    pub ca_cert: Option<PathBuf>,
    /// Follow redirects (at most 5, and never to another host).
    #[arg(long, help_heading = "Connection")]
    pub follow_redirects: bool,
    /// The most response body bytes read (the rest is not read).
    #[arg(long, value_name = "BYTES", default_value_t = 1 << 20, help_heading = "Connection")]
    pub max_response_bytes: usize,
    /// Only operations matching: `path:REGEX` (or a bare REGEX), `method:GET`, `tag:NAME`, `id:OPERATION_ID`; repeatable.
    #[arg(long, value_name = "FILTER", help_heading = "Selection")]
    pub include: Vec<String>,
    /// Leave out operations matching (same forms as --include); repeatable.
    #[arg(long, value_name = "FILTER", help_heading = "Selection")]
    pub exclude: Vec<String>,
    /// Send only GET, HEAD and OPTIONS requests (and never an operation that resets or wipes state).
    #[arg(long, help_heading = "Selection")]
    pub read_only: bool,
    /// Never send operations that reset or wipe state (a database reset, a seed, a purge, a DELETE on a whole collection); by default each is sent once, alone, after every other probe.
    #[arg(long, help_heading = "Selection")]
    pub skip_destructive: bool,
    /// Only these checks (comma-separated, or `all`).
    #[arg(
        long,
        value_delimiter = ',',
        value_name = "CHECKS",
        help_heading = "Checks"
    )]
    pub checks: Vec<String>,
    /// Leave out these checks (comma-separated).
    #[arg(
        long,
        value_delimiter = ',',
        value_name = "CHECKS",
        help_heading = "Checks"
    )]
    pub exclude_checks: Vec<String>,
    /// Responses slower than this are findings (e.g. `1s`, `800ms`).
    #[arg(long, default_value = "1s", value_parser = parse_duration, help_heading = "Checks")]
    pub max_response_time: Duration,
    /// Do not shrink findings to smaller requests.
    #[arg(long, help_heading = "Checks")]
    pub no_shrink: bool,
    /// Exit 1 when a finding is at least this severe.
    #[arg(long, value_enum, default_value_t = Severity::Low, help_heading = "Output")]
    pub fail_on: Severity,
    /// Write a report, `FORMAT:PATH` (formats: json, junit, sarif, html, ndjson, har); repeatable.
    #[arg(long = "report", value_name = "FORMAT:PATH", help_heading = "Output")]
    pub reports: Vec<ReportSpec>,
    /// No progress display.
    #[arg(short, long, help_heading = "Output")]
    pub quiet: bool,
    /// How hard the active probes push: `quick` (no time-based probes, for
    /// every CI run), `standard`, or `aggressive` (time-based probes on every
    /// slot, more payloads, login bursts).
    #[arg(long, value_enum, default_value_t = Profile::Standard, help_heading = "Checks")]
    pub profile: Profile,
    /// Do not chain what a forged token opens: in `aggressive`, where
    /// apiprobe can make JWTs the API accepts (a cracked secret, `alg:
    /// none`, ...), it signs tokens for other users (`admin`) and probes
    /// the operations that refused the scan's identities as them (check
    /// `token_chain`); this leaves that out.
    #[arg(long, help_heading = "Checks")]
    pub no_chain: bool,
    /// Look for endpoints the spec does not list: `off`, `standard` (at most
    /// 300 requests) or `aggressive` (at most 3,000); default: the profile's
    /// (`quick` off, `standard`, `aggressive`).
    #[arg(long, value_enum, value_name = "LEVEL", help_heading = "Checks")]
    pub discovery: Option<Discovery>,
    /// The words discovery tries instead of the built-in list, one path a
    /// line (`#` comments); the spec's own neighbours are still tried.
    #[arg(long, value_name = "FILE", help_heading = "Checks")]
    pub endpoint_wordlist: Option<PathBuf>,
    /// More secrets for weak_jwt_secret to try on HMAC-signed JWTs, one a
    /// line, exactly as written (blank lines skipped), after apiprobe's own list.
    #[arg(long, value_name = "FILE", help_heading = "Checks")]
    pub jwt_wordlist: Option<PathBuf>,
    /// The server's RSA public key (PEM, a certificate, a JWK or JWK Set):
    /// jwt_alg_confusion signs HS256 tokens with it, besides the keys it
    /// finds at the spec's key URLs and /.well-known/jwks.json.
    #[arg(long, value_name = "FILE", help_heading = "Checks")]
    pub jwt_public_key: Option<PathBuf>,
    /// One of the API's own domains, for CORS origins derived from it
    /// (`https://evil<domain>`, `https://<domain>.evil.example`, ...); repeatable.
    #[arg(long = "cors-domain", value_name = "DOMAIN", help_heading = "Checks")]
    pub cors_domains: Vec<String>,
    /// The URL the target should call for SSRF probes: a listener it can
    /// reach that forwards to apiprobe's (default: apiprobe's own listener on 127.0.0.1).
    #[arg(long, value_name = "URL", help_heading = "Checks")]
    pub callback_url: Option<String>,
    /// Where apiprobe's callback listener listens (default 127.0.0.1, any port).
    #[arg(long, value_name = "ADDR:PORT", help_heading = "Checks")]
    pub callback_listen: Option<std::net::SocketAddr>,
    /// Show credentials and secrets in the output instead of `***`.
    #[arg(long, help_heading = "Output")]
    pub show_secrets: bool,
    /// Report only findings this baseline does not hold, and list the ones it
    /// holds that were fixed (`apiprobe baseline create`).
    #[arg(long, value_name = "FILE", help_heading = "Output")]
    pub baseline: Option<PathBuf>,
    /// The config file (default: apiprobe.toml in the working directory, if any).
    #[arg(long, value_name = "FILE", help_heading = "Config")]
    pub config: Option<PathBuf>,
    /// Use this profile of the config file (`[profiles.NAME]`).
    #[arg(
        long,
        value_name = "NAME",
        env = "APIPROBE_CONFIG_PROFILE",
        help_heading = "Config"
    )]
    pub config_profile: Option<String>,
    /// Read no config file.
    #[arg(long, conflicts_with = "config", help_heading = "Config")]
    pub no_config: bool,
}

/// Reads `10s`, `500ms`, `5m`, `1h`, or a bare number of seconds.
pub fn parse_duration(text: &str) -> Result<Duration, String> {
    let t = text.trim();
    let split = t
        .find(|c: char| !(c.is_ascii_digit() || c == '.'))
        .unwrap_or(t.len());
    let (number, unit) = t.split_at(split);
    let n: f64 = number
        .parse()
        .map_err(|_| format!("{text:?} is not a duration (e.g. 10s, 500ms, 5m)"))?;
    let seconds = match unit.trim() {
        "" | "s" => n,
        "ms" => n / 1000.0,
        "m" | "min" => n * 60.0,
        "h" => n * 3600.0,
        other => return Err(format!("unknown unit {other:?} (use ms, s, m or h)")),
    };
    if !(seconds.is_finite() && seconds < MAX_SECONDS) {
        return Err(format!(
            "{text:?} is too large (at most {MAX_SECONDS} seconds)"
        ));
    }
    if seconds <= 0.0 {
        return Err(format!("{text:?} must be more than zero"));
    }
    Ok(Duration::from_secs_f64(seconds))
}

/// The longest duration a flag takes, in seconds (about 31 years).
const MAX_SECONDS: f64 = 999_999_999.0;

/// A whole number from `min` to `max`, as the range flags take it.
fn count(text: &str, min: u32, max: u32) -> Result<u32, String> {
    let n: u64 = text
        .trim()
        .parse()
        .map_err(|_| format!("{text:?} is not a whole number"))?;
    match u32::try_from(n) {
        Ok(n) if (min..=max).contains(&n) => Ok(n),
        _ => Err(format!("{n} is not in {min}..={max}")),
    }
}

/// `--concurrency`: 1 to 4096 requests in flight.
pub fn parse_concurrency(text: &str) -> Result<u32, String> {
    count(text, 1, 4096)
}

/// `--cases`: 0 to 100,000 valid cases per operation.
pub fn parse_cases(text: &str) -> Result<u32, String> {
    count(text, 0, 100_000)
}

/// `--attacks`: 0 to 10,000 attack cases per payload family and operation.
pub fn parse_attacks(text: &str) -> Result<u32, String> {
    count(text, 0, 10_000)
}

/// `--max-requests`: at least one (a budget of none would reach nothing).
pub fn parse_max_requests(text: &str) -> Result<u64, String> {
    match text.trim().parse::<u64>() {
        Ok(0) => Err("0 would send no request: give 1 or more".to_owned()),
        Ok(n) => Ok(n),
        Err(_) => Err(format!("{text:?} is not a whole number")),
    }
}

/// Reads `N`, `N/s` or `N/m` as requests a second.
pub fn parse_rate(text: &str) -> Result<f64, String> {
    let (number, per) = match text.split_once('/') {
        Some((n, p)) => (n, p.trim()),
        None => (text, "s"),
    };
    let n: f64 = number
        .trim()
        .parse()
        .map_err(|_| format!("{text:?} is not a rate (e.g. 50, 50/s, 600/m)"))?;
    let per_second = match per {
        "s" | "sec" => n,
        "m" | "min" => n / 60.0,
        other => return Err(format!("unknown period {other:?} (use s or m)")),
    };
    if !per_second.is_finite() {
        return Err(format!("{text:?} is too large"));
    }
    if per_second <= 0.0 {
        return Err(format!("{text:?} must be more than zero"));
    }
    Ok(per_second)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_and_rates_parse() {
        assert_eq!(parse_duration("10s"), Ok(Duration::from_secs(10)));
        assert_eq!(parse_duration("250ms"), Ok(Duration::from_millis(250)));
        assert_eq!(parse_duration("2m"), Ok(Duration::from_secs(120)));
        assert_eq!(parse_duration("3"), Ok(Duration::from_secs(3)));
        assert!(parse_duration("0s").is_err());
        assert!(parse_duration("fast").is_err());
        assert!(parse_duration("3 weeks").is_err());
        assert_eq!(parse_rate("50"), Ok(50.0));
        assert_eq!(parse_rate("120/m"), Ok(2.0));
        assert!(parse_rate("0/s").is_err());
        assert!(parse_rate("5/d").is_err());
    }

    #[test]
    fn limits_say_which_side_was_crossed() {
        assert_eq!(
            parse_duration("99999999999999999999s"),
            Err("\"99999999999999999999s\" is too large (at most 999999999 seconds)".to_owned())
        );
        assert_eq!(
            parse_duration("0s"),
            Err("\"0s\" must be more than zero".to_owned())
        );
        assert!(parse_rate("1e999").is_err_and(|e| e.contains("too large")));
        assert_eq!(
            parse_concurrency("0"),
            Err("0 is not in 1..=4096".to_owned())
        );
        assert_eq!(parse_concurrency("4096"), Ok(4096));
        assert_eq!(
            parse_cases("99999999999"),
            Err("99999999999 is not in 0..=100000".to_owned())
        );
        assert!(parse_attacks("-1").is_err());
        assert_eq!(parse_max_requests("1"), Ok(1));
        assert_eq!(
            parse_max_requests("0"),
            Err("0 would send no request: give 1 or more".to_owned())
        );
    }
}
