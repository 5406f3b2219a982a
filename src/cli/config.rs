//! apiprobe.toml: every scan option, per-operation overrides, check
//! selection and severities, profiles and `${ENV}` interpolation. Found in
//! the working directory or given with `--config`; command-line flags
//! override it. Unknown keys are errors naming the key and the line.
//!
//! Adding an option: a field in [`Options`] (named like its flag) and one
//! line in [`Config::apply`].

use std::cell::RefCell;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::Duration;

use clap::ArgMatches;
use clap::parser::ValueSource;
use serde::{Deserialize, Deserializer};

use apiprobe::checks::{Severity, find};
use apiprobe::model::{Api, Response, StatusCode};
use apiprobe::probes::Profile;
use apiprobe::report::ReportSpec;

use super::args::{
    ScanFlags, parse_attacks, parse_cases, parse_concurrency, parse_duration, parse_max_requests,
    parse_rate,
};
use super::input::{self, Tabs};

/// The file looked for in the working directory.
pub const DEFAULT_FILE: &str = "apiprobe.toml";

/// Looks up an environment variable by name: `None` when it is not set.
/// [`Config::discover`] reads the process's environment; a test gives a map.
pub type Lookup = Box<dyn Fn(&str) -> Option<String>>;

/// A file being parsed on this thread: where its `${NAME}` values come from
/// and the values read so far.
struct Interpolation {
    lookup: Lookup,
    /// Masked in every output (they are usually tokens).
    read: Vec<String>,
}

thread_local! {
    /// Set by [`Config::parse_with`] for the length of one parse (serde's
    /// `Deserialize` has no other way to reach it).
    static INTERPOLATION: RefCell<Option<Interpolation>> = const { RefCell::new(None) };
}

/// The value of the environment variable `name` in the parse under way,
/// remembered for masking; `None` when it is not set (or no parse is under way).
fn lookup(name: &str) -> Option<String> {
    INTERPOLATION.with(|cell| {
        let mut cell = cell.borrow_mut();
        let parse = cell.as_mut()?;
        let value = (parse.lookup)(name)?;
        parse.read.push(value.clone());
        Some(value)
    })
}

/// The process's environment as a [`Lookup`] (a variable that is not UTF-8
/// counts as not set).
pub fn process_environment() -> Lookup {
    Box::new(|name| std::env::var(name).ok())
}

/// A string with `${NAME}` replaced by the environment variable `NAME`
/// (`$${` writes a literal `${`); an unset variable is an error at its line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Text(pub String);

fn interpolate(raw: &str) -> Result<String, String> {
    let mut out = String::new();
    let mut rest = raw;
    while let Some(i) = rest.find('$') {
        out.push_str(&rest[..i]);
        let after = &rest[i..];
        if let Some(tail) = after.strip_prefix("$${") {
            out.push_str("${");
            rest = tail;
        } else if let Some(tail) = after.strip_prefix("${") {
            let Some(end) = tail.find('}') else {
                return Err(format!("unclosed ${{ in {raw:?}"));
            };
            let name = &tail[..end];
            let valid = name.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_')
                && name.bytes().next().is_some_and(|b| !b.is_ascii_digit());
            if !valid {
                return Err(format!(
                    "${{{name}}} is not a valid variable name (letters, digits and _, not starting with a digit)"
                ));
            }
            let value = lookup(name)
                .ok_or_else(|| format!("the environment variable {name} is not set"))?;
            out.push_str(&value);
            rest = &tail[end + 1..];
        } else {
            out.push('$');
            rest = &after[1..];
        }
    }
    out.push_str(rest);
    Ok(out)
}

impl<'de> Deserialize<'de> for Text {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let raw = String::deserialize(d)?;
        interpolate(&raw)
            .map(Text)
            .map_err(serde::de::Error::custom)
    }
}

/// A duration written as the flags take it (`10s`, `500ms`, `5m`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DurationText(pub Duration);

impl<'de> Deserialize<'de> for DurationText {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let Text(t) = Text::deserialize(d)?;
        parse_duration(&t)
            .map(DurationText)
            .map_err(serde::de::Error::custom)
    }
}

/// A rate: a number (a second) or text as `--rate-limit` takes it (`600/m`).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct RateText(pub f64);

impl<'de> Deserialize<'de> for RateText {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        #[derive(Deserialize)]
        #[serde(untagged)]
        enum Raw {
            Number(f64),
            Text(Text),
        }
        let text = match Raw::deserialize(d)? {
            Raw::Number(n) => n.to_string(),
            Raw::Text(Text(t)) => t,
        };
        parse_rate(&text)
            .map(RateText)
            .map_err(serde::de::Error::custom)
    }
}

/// A number in the file, read by the same function as its flag's value
/// (so `concurrency = 0` fails as `--concurrency 0` does); the key names it.
fn through_flag<'de, D, T>(
    d: D,
    key: &str,
    parse: fn(&str) -> Result<T, String>,
) -> Result<Option<T>, D::Error>
where
    D: Deserializer<'de>,
{
    let n = i64::deserialize(d)?;
    parse(&n.to_string())
        .map(Some)
        .map_err(|e| serde::de::Error::custom(format!("{key} = {n}: {e}")))
}

fn concurrency<'de, D: Deserializer<'de>>(d: D) -> Result<Option<u32>, D::Error> {
    through_flag(d, "concurrency", parse_concurrency)
}

fn cases<'de, D: Deserializer<'de>>(d: D) -> Result<Option<u32>, D::Error> {
    through_flag(d, "cases", parse_cases)
}

fn attacks<'de, D: Deserializer<'de>>(d: D) -> Result<Option<u32>, D::Error> {
    through_flag(d, "attacks", parse_attacks)
}

fn max_requests<'de, D: Deserializer<'de>>(d: D) -> Result<Option<u64>, D::Error> {
    through_flag(d, "max-requests", parse_max_requests)
}

/// A `FORMAT:PATH` report.
#[derive(Debug, Clone)]
pub struct ReportText(pub ReportSpec);

impl<'de> Deserialize<'de> for ReportText {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let Text(t) = Text::deserialize(d)?;
        t.parse().map(ReportText).map_err(serde::de::Error::custom)
    }
}

/// Overrides for one operation (`[operations."GET /pets/{id}"]` or by operationId).
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct OperationOverride {
    /// Leave the operation out of the scan.
    #[serde(default)]
    pub skip: bool,
    /// Extra headers for this operation's requests.
    #[serde(default)]
    pub headers: BTreeMap<String, Text>,
    /// Statuses the operation may answer although the spec does not list them.
    #[serde(default)]
    pub expected_statuses: Vec<u16>,
    /// The operation is reserved to a privileged role (for `bfla`), as if
    /// the spec marked it `x-admin-only`.
    #[serde(default)]
    pub privileged: bool,
}

/// One `[identities.NAME]` table: a role and exactly one way to sign in.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct IdentityConfig {
    /// A role label (`user`, `admin`).
    pub role: Option<Text>,
    /// A bearer token.
    pub bearer: Option<Text>,
    /// Basic credentials, `user:password`.
    pub basic: Option<Text>,
    /// An API key, `NAME:VALUE[:header|query|cookie]`.
    pub api_key: Option<Text>,
    /// A header, `Name: value`.
    pub header: Option<Text>,
    /// A cookie, `name=value`.
    pub cookie: Option<Text>,
    /// Sign in through the spec's login operation, `user:password`.
    pub login: Option<Text>,
    /// For `login`: where its answer holds the token (as `--token-from`).
    pub token_from: Option<Text>,
    /// For `login`: how the token is sent (as `--token-as`).
    pub token_as: Option<Text>,
}

impl IdentityConfig {
    /// The identity as `--identity` spells it (`NAME[:ROLE]=KIND:VALUE`).
    fn as_flag(&self, name: &str) -> Result<String, String> {
        let ways: Vec<(&str, &Text)> = [
            ("bearer", &self.bearer),
            ("basic", &self.basic),
            ("api-key", &self.api_key),
            ("header", &self.header),
            ("cookie", &self.cookie),
            ("login", &self.login),
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
        let options: Vec<String> = [("from", &self.token_from), ("as", &self.token_as)]
            .into_iter()
            .filter_map(|(k, v)| v.as_ref().map(|v| format!("{k}={}", v.0.trim())))
            .collect();
        if !options.is_empty() && kind != "login" {
            return Err(format!(
                "[identities.{name}]: token-from and token-as apply to login only"
            ));
        }
        if let Some(bad) = options.iter().find(|o| o.contains([',', ']'])) {
            return Err(format!(
                "[identities.{name}]: {bad:?} may not hold ',' or ']'"
            ));
        }
        let kind = if options.is_empty() {
            kind.to_owned()
        } else {
            format!("login[{}]", options.join(","))
        };
        let value = match kind.as_str() {
            // `--identity` spells a header NAME:VALUE without the space
            "header" => value
                .0
                .split_once(':')
                .map(|(n, v)| format!("{}:{}", n.trim(), v.trim()))
                .unwrap_or_else(|| value.0.clone()),
            _ => value.0.clone(),
        };
        let who = match &self.role {
            Some(r) => format!("{name}:{}", r.0),
            None => name.to_owned(),
        };
        Ok(format!("{who}={kind}:{value}"))
    }
}

/// The scan options of the file (top level, or a profile). Each is named
/// like its flag; flags given on the command line win.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct Options {
    /// The spec (`scan` only).
    pub spec: Option<Text>,
    /// `--url`.
    pub url: Option<Text>,
    /// `--strict`.
    pub strict: Option<bool>,
    /// `--concurrency`.
    #[serde(default, deserialize_with = "concurrency")]
    pub concurrency: Option<u32>,
    /// `--rate-limit`.
    pub rate_limit: Option<RateText>,
    /// `--timeout`.
    pub timeout: Option<DurationText>,
    /// `--max-requests`.
    #[serde(default, deserialize_with = "max_requests")]
    pub max_requests: Option<u64>,
    /// `--max-time`.
    pub max_time: Option<DurationText>,
    /// `--seed`.
    pub seed: Option<u64>,
    /// `--cases`.
    #[serde(default, deserialize_with = "cases")]
    pub cases: Option<u32>,
    /// `--attacks`.
    #[serde(default, deserialize_with = "attacks")]
    pub attacks: Option<u32>,
    /// `--payloads`.
    pub payloads: Option<Text>,
    /// `-H`: header name to value.
    pub headers: Option<BTreeMap<String, Text>>,
    /// `--bearer`.
    pub bearer: Option<Text>,
    /// `--basic`.
    pub basic: Option<Text>,
    /// `--api-key`, each `NAME:VALUE[:WHERE]`.
    pub api_keys: Option<Vec<Text>>,
    /// `--insecure`.
    pub insecure: Option<bool>,
    /// `--ca-cert`.
    pub ca_cert: Option<Text>,
    /// `--follow-redirects`.
    pub follow_redirects: Option<bool>,
    /// `--max-response-bytes`.
    pub max_response_bytes: Option<usize>,
    /// `--include`.
    pub include: Option<Vec<Text>>,
    /// `--exclude`.
    pub exclude: Option<Vec<Text>>,
    /// `--read-only`.
    pub read_only: Option<bool>,
    /// `--checks`.
    pub checks: Option<Vec<Text>>,
    /// `--exclude-checks`.
    pub exclude_checks: Option<Vec<Text>>,
    /// `--max-response-time`.
    pub max_response_time: Option<DurationText>,
    /// `--no-shrink`.
    pub no_shrink: Option<bool>,
    /// `--fail-on`.
    pub fail_on: Option<Severity>,
    /// `--report`, each `FORMAT:PATH`.
    pub reports: Option<Vec<ReportText>>,
    /// `--quiet`.
    pub quiet: Option<bool>,
    /// `--show-secrets`.
    pub show_secrets: Option<bool>,
    /// `--baseline`.
    pub baseline: Option<Text>,
    /// Other values to mask in every output (tokens the API hands out, ...).
    pub secrets: Option<Vec<Text>>,
    /// Check name to the severity its findings get.
    pub severity: Option<BTreeMap<String, Severity>>,
    /// Per-operation overrides, by operationId or `METHOD /path`.
    pub operations: Option<BTreeMap<String, OperationOverride>>,
    /// `--login`, `USER:PASSWORD`.
    pub login: Option<Text>,
    /// `--token-from`: where login answers hold the token.
    pub token_from: Option<Text>,
    /// `--token-as`: how a login's token is sent.
    pub token_as: Option<Text>,
    /// `--profile` (quick, standard, aggressive).
    pub profile: Option<Profile>,
    /// `--callback-url`.
    pub callback_url: Option<Text>,
    /// `--callback-listen`, `ADDR:PORT`.
    pub callback_listen: Option<Text>,
    /// `--no-cleanup`.
    pub no_cleanup: Option<bool>,
    /// `--identity`: named users for authorization probes, by name.
    pub identities: Option<BTreeMap<String, IdentityConfig>>,
    /// Named sets of options, chosen with `--config-profile NAME`.
    pub profiles: Option<BTreeMap<String, Options>>,
}

/// A loaded config file, its chosen profile laid over it.
#[derive(Debug, Clone, Default)]
pub struct Config {
    /// The file (for messages).
    pub path: Option<PathBuf>,
    /// The options in force.
    pub options: Options,
    /// Values read from the environment (masked in every output).
    pub from_env: Vec<String>,
    /// What reading the file changed, for stderr (a trailing newline
    /// removed from a credential).
    pub notes: Vec<String>,
}

/// Lays `top` over `base`: every option `top` sets wins.
fn overlay(base: &mut Options, top: Options) {
    macro_rules! take {
        ($($f:ident),* $(,)?) => { $( if top.$f.is_some() { base.$f = top.$f; } )* };
    }
    take!(
        spec,
        url,
        strict,
        concurrency,
        rate_limit,
        timeout,
        max_requests,
        max_time,
        seed,
        cases,
        attacks,
        payloads,
        headers,
        bearer,
        basic,
        api_keys,
        insecure,
        ca_cert,
        follow_redirects,
        max_response_bytes,
        include,
        exclude,
        read_only,
        checks,
        exclude_checks,
        max_response_time,
        no_shrink,
        fail_on,
        reports,
        quiet,
        show_secrets,
        baseline,
        secrets,
        severity,
        operations,
        login,
        token_from,
        token_as,
        profile,
        callback_url,
        callback_listen,
        no_cleanup,
        identities,
    );
}

/// Byte offset to 1-based line and column.
fn line_col(text: &str, offset: usize) -> (usize, usize) {
    let before = &text[..offset.min(text.len())];
    let line = before.matches('\n').count() + 1;
    let col = before.len() - before.rfind('\n').map(|i| i + 1).unwrap_or(0) + 1;
    (line, col)
}

impl Config {
    /// Parses `text` (from `path`), choosing `profile` when given; `${NAME}`
    /// is looked up in the process's environment.
    pub fn parse(text: &str, path: &Path, profile: Option<&str>) -> Result<Config, String> {
        Config::parse_with(text, path, profile, process_environment())
    }

    /// [`Config::parse`] with `${NAME}` looked up by `env`.
    pub fn parse_with(
        text: &str,
        path: &Path,
        profile: Option<&str>,
        env: Lookup,
    ) -> Result<Config, String> {
        INTERPOLATION.with(|cell| {
            *cell.borrow_mut() = Some(Interpolation {
                lookup: env,
                read: Vec::new(),
            });
        });
        let parsed: Result<Options, toml::de::Error> = toml::from_str(text);
        let from_env = INTERPOLATION
            .with(|cell| cell.borrow_mut().take())
            .map(|parse| parse.read)
            .unwrap_or_default();
        let mut options = parsed.map_err(|e| {
            let place = e
                .span()
                .map(|s| {
                    let (l, c) = line_col(text, s.start);
                    format!(":{l}:{c}")
                })
                .unwrap_or_default();
            format!("{}{place}: {}", path.display(), e.message().trim())
        })?;
        let profiles = options.profiles.take().unwrap_or_default();
        for (name, p) in &profiles {
            if p.profiles.is_some() {
                return Err(format!(
                    "{}: profile {name:?} has its own profiles; profiles do not nest",
                    path.display()
                ));
            }
        }
        if let Some(name) = profile {
            let Some(p) = profiles.get(name) else {
                let known: Vec<&str> = profiles.keys().map(String::as_str).collect();
                return Err(format!(
                    "{}: no profile {name:?} (the file has: {})",
                    path.display(),
                    if known.is_empty() {
                        "none".to_owned()
                    } else {
                        known.join(", ")
                    }
                ));
            };
            overlay(&mut options, p.clone());
        }
        for check in options.severity.iter().flat_map(|m| m.keys()) {
            if find(check).is_none() {
                return Err(format!(
                    "{}: [severity] names the check {check:?}, which does not exist (see `apiprobe scan --help`)",
                    path.display()
                ));
            }
        }
        let mut notes = Vec::new();
        check_values(&mut options, &path.display().to_string(), &mut notes)?;
        Ok(Config {
            path: Some(path.to_owned()),
            options,
            from_env,
            notes,
        })
    }

    /// The file named by `--config`, else `apiprobe.toml` in the working
    /// directory when there is one, else no file.
    pub fn discover(given: Option<&Path>, profile: Option<&str>) -> Result<Config, String> {
        let path = match given {
            Some(p) => p.to_owned(),
            None => {
                let p = PathBuf::from(DEFAULT_FILE);
                if !p.is_file() {
                    if let Some(name) = profile {
                        return Err(format!(
                            "--config-profile {name}: there is no {DEFAULT_FILE} here (give one with --config)"
                        ));
                    }
                    return Ok(Config::default());
                }
                p
            }
        };
        let text = std::fs::read_to_string(&path)
            .map_err(|e| format!("cannot read the config file {}: {e}", path.display()))?;
        Config::parse(&text, &path, profile)
    }

    /// Lays the file's options under `flags`: an option given on the
    /// command line (per `matches`) keeps its value.
    pub fn apply(&self, flags: &mut ScanFlags, matches: &ArgMatches) {
        let o = &self.options;
        let given = |id: &str| {
            matches!(
                matches
                    .try_get_raw(id)
                    .ok()
                    .flatten()
                    .map(|_| matches.value_source(id)),
                Some(Some(ValueSource::CommandLine | ValueSource::EnvVariable))
            )
        };
        macro_rules! set {
            ($($f:ident: $conv:expr),* $(,)?) => {
                $( if !given(stringify!($f)) && let Some(v) = &o.$f { flags.$f = $conv(v); } )*
            };
        }
        set!(
            concurrency: |v: &u32| *v,
            rate_limit: |v: &RateText| Some(v.0),
            timeout: |v: &DurationText| v.0,
            max_requests: |v: &u64| Some(*v),
            max_time: |v: &DurationText| Some(v.0),
            seed: |v: &u64| Some(*v),
            cases: |v: &u32| *v,
            attacks: |v: &u32| *v,
            payloads: |v: &Text| Some(PathBuf::from(&v.0)),
            headers: |v: &BTreeMap<String, Text>| v.iter().map(|(n, t)| format!("{n}: {}", t.0)).collect(),
            bearer: |v: &Text| Some(v.0.clone()),
            basic: |v: &Text| Some(v.0.clone()),
            api_keys: texts,
            insecure: |v: &bool| *v,
            ca_cert: |v: &Text| Some(PathBuf::from(&v.0)),
            follow_redirects: |v: &bool| *v,
            max_response_bytes: |v: &usize| *v,
            include: texts,
            exclude: texts,
            read_only: |v: &bool| *v,
            checks: texts,
            exclude_checks: texts,
            max_response_time: |v: &DurationText| v.0,
            no_shrink: |v: &bool| *v,
            fail_on: |v: &Severity| *v,
            reports: |v: &Vec<ReportText>| v.iter().map(|r| r.0.clone()).collect(),
            quiet: |v: &bool| *v,
            show_secrets: |v: &bool| *v,
            baseline: |v: &Text| Some(PathBuf::from(&v.0)),
            login: |v: &Text| Some(v.0.clone()),
            token_from: |v: &Text| Some(v.0.clone()),
            token_as: |v: &Text| Some(v.0.clone()),
            profile: |v: &Profile| *v,
            callback_url: |v: &Text| Some(v.0.clone()),
            no_cleanup: |v: &bool| *v,
        );
        if !given("callback_listen")
            && let Some(t) = &o.callback_listen
        {
            // checked when the file is read (identity_flags), so it parses here
            flags.callback_listen = t.0.parse().ok();
        }
        if !given("identities")
            && let Ok(list) = self.identity_flags()
            && !list.is_empty()
        {
            flags.identities = list;
        }
    }

    /// The file's `[identities]` as `--identity` values; an error names the
    /// table that is wrong.
    pub fn identity_flags(&self) -> Result<Vec<String>, String> {
        let file = self
            .path
            .as_ref()
            .map(|p| format!("{}: ", p.display()))
            .unwrap_or_default();
        if let Some(t) = &self.options.callback_listen
            && t.0.parse::<std::net::SocketAddr>().is_err()
        {
            return Err(format!("{file}callback-listen {:?} is not ADDR:PORT", t.0));
        }
        self.options
            .identities
            .iter()
            .flatten()
            .map(|(name, i)| i.as_flag(name).map_err(|e| format!("{file}{e}")))
            .collect()
    }

    /// The extra values to mask: the file's `secrets` and every value read
    /// from the environment.
    pub fn secrets(&self) -> Vec<String> {
        let mut out = self.from_env.clone();
        // a value whose trailing newline was removed is sent without it
        for v in &self.from_env {
            if let Some(t) = v
                .strip_suffix("\r\n")
                .or_else(|| v.strip_suffix('\n'))
                .or_else(|| v.strip_suffix('\r'))
            {
                out.push(t.to_owned());
            }
        }
        for s in self.options.secrets.iter().flatten() {
            out.push(s.0.clone());
        }
        out
    }

    /// The `[operations]` entry for `op`, matched by operationId or
    /// `METHOD /path` (case-insensitive method).
    fn override_for(&self, id: &str, method: &str, path: &str) -> Option<&OperationOverride> {
        let ops = self.options.operations.as_ref()?;
        ops.iter().find_map(|(key, o)| {
            let matches = key == id
                || key
                    .split_once(' ')
                    .is_some_and(|(m, p)| m.eq_ignore_ascii_case(method) && p.trim() == path);
            matches.then_some(o)
        })
    }

    /// Keys of `[operations]` that match no operation of `api` (typos).
    pub fn unmatched_operations(&self, api: &Api) -> Vec<String> {
        let Some(ops) = &self.options.operations else {
            return Vec::new();
        };
        ops.keys()
            .filter(|key| {
                !api.operations.iter().any(|op| {
                    **key == op.id
                        || key.split_once(' ').is_some_and(|(m, p)| {
                            m.eq_ignore_ascii_case(op.method.as_str()) && p.trim() == op.path
                        })
                })
            })
            .cloned()
            .collect()
    }

    /// Whether the file skips the operation.
    pub fn skips(&self, api: &Api, index: usize) -> bool {
        api.operations.get(index).is_some_and(|op| {
            self.override_for(&op.id, op.method.as_str(), &op.path)
                .is_some_and(|o| o.skip)
        })
    }

    /// The extra headers for each operation, by operation index.
    pub fn operation_headers(&self, api: &Api) -> Vec<(usize, Vec<(String, String)>)> {
        let mut out = Vec::new();
        for (i, op) in api.operations.iter().enumerate() {
            if let Some(o) = self.override_for(&op.id, op.method.as_str(), &op.path)
                && !o.headers.is_empty()
            {
                out.push((
                    i,
                    o.headers
                        .iter()
                        .map(|(n, v)| (n.clone(), v.0.clone()))
                        .collect(),
                ));
            }
        }
        out
    }

    /// Adds the file's expected statuses to the operations' declared
    /// responses, so that conformance checks accept them.
    pub fn declare_expected_statuses(&self, api: &mut Api) {
        if self.options.operations.is_none() {
            return;
        }
        // `privileged = true` marks the operation as the spec's x-admin-only would
        let privileged: Vec<usize> = (0..api.operations.len())
            .filter(|&i| {
                let op = &api.operations[i];
                self.override_for(&op.id, op.method.as_str(), &op.path)
                    .is_some_and(|o| o.privileged)
            })
            .collect();
        for i in privileged {
            api.operations[i]
                .extensions
                .insert("x-admin-only".to_owned(), serde_json::Value::Bool(true));
        }
        let wanted: Vec<(usize, Vec<u16>)> = api
            .operations
            .iter()
            .enumerate()
            .filter_map(|(i, op)| {
                self.override_for(&op.id, op.method.as_str(), &op.path)
                    .filter(|o| !o.expected_statuses.is_empty())
                    .map(|o| (i, o.expected_statuses.clone()))
            })
            .collect();
        for (i, statuses) in wanted {
            let op = &mut api.operations[i];
            for code in statuses {
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

/// The file's credentials and headers through the same check as the
/// flags' ([`input::check`]): a trailing newline removed (a note), a
/// control byte an error naming the file and the key.
fn check_values(o: &mut Options, file: &str, notes: &mut Vec<String>) -> Result<(), String> {
    let mut one = |key: &str, text: &mut Text, tabs: Tabs| {
        input::check(&format!("{file}: {key}"), &mut text.0, tabs, notes)
    };
    for (key, value) in [
        ("bearer", &mut o.bearer),
        ("basic", &mut o.basic),
        ("login", &mut o.login),
    ] {
        if let Some(t) = value {
            one(key, t, Tabs::Never)?;
        }
    }
    for t in o.api_keys.iter_mut().flatten() {
        one("api-keys", t, Tabs::Never)?;
    }
    for (name, t) in o.headers.iter_mut().flatten() {
        one(&format!("headers.{name}"), t, Tabs::Anywhere)?;
    }
    for (op, over) in o.operations.iter_mut().flatten() {
        for (name, t) in &mut over.headers {
            one(
                &format!("operations.{op:?}.headers.{name}"),
                t,
                Tabs::Anywhere,
            )?;
        }
    }
    for (who, i) in o.identities.iter_mut().flatten() {
        for (key, value) in [
            ("bearer", &mut i.bearer),
            ("basic", &mut i.basic),
            ("api-key", &mut i.api_key),
            ("header", &mut i.header),
            ("cookie", &mut i.cookie),
            ("login", &mut i.login),
        ] {
            if let Some(t) = value {
                let tabs = if key == "header" {
                    Tabs::AfterColon
                } else {
                    Tabs::Never
                };
                one(&format!("identities.{who}.{key}"), t, tabs)?;
            }
        }
    }
    Ok(())
}

fn texts(v: &[Text]) -> Vec<String> {
    v.iter().map(|t| t.0.clone()).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Parses `text` with an environment of `vars` only.
    fn parse_in(text: &str, vars: &[(&str, &str)]) -> Result<Config, String> {
        let vars: BTreeMap<String, String> = vars
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect();
        Config::parse_with(
            text,
            Path::new("apiprobe.toml"),
            None,
            Box::new(move |name| vars.get(name).cloned()),
        )
    }

    /// Parses `text` with an empty environment.
    fn parse(text: &str) -> Result<Config, String> {
        parse_in(text, &[])
    }

    #[test]
    fn unknown_keys_name_the_key_and_the_line() {
        let e = parse("concurrency = 4\n\nmax-request = 10\n").unwrap_err();
        assert!(e.starts_with("apiprobe.toml:3:1:"), "{e}");
        assert!(e.contains("max-request"), "{e}");
        let e = parse("[operations.\"GET /x\"]\nskip = true\nskipp = 1\n").unwrap_err();
        assert!(e.starts_with("apiprobe.toml:3:"), "{e}");
        assert!(e.contains("skipp"), "{e}");
        let e = parse("[profiles.ci]\ntimout = \"1s\"\n").unwrap_err();
        assert!(e.contains(":2:") && e.contains("timout"), "{e}");
    }

    #[test]
    fn values_are_checked_where_they_are() {
        let e = parse("timeout = \"fast\"\n").unwrap_err();
        assert!(e.starts_with("apiprobe.toml:1:"), "{e}");
        assert!(e.contains("not a duration"), "{e}");
        let e = parse("reports = [\"xml:out.xml\"]").unwrap_err();
        assert!(e.contains("unknown format"), "{e}");
        let e = parse("[severity]\nnot_a_check = \"high\"\n").unwrap_err();
        assert!(e.contains("not_a_check"), "{e}");
    }

    #[test]
    fn environment_variables_are_interpolated_and_remembered() {
        let env = [("APIPROBE_TEST_TOKEN_7", "t0k3n-from-env")];
        let c = parse_in(
            "bearer = \"${APIPROBE_TEST_TOKEN_7}\"\nurl = \"http://h/$${x}\"\n",
            &env,
        )
        .unwrap();
        assert_eq!(c.options.bearer, Some(Text("t0k3n-from-env".into())));
        assert_eq!(c.options.url, Some(Text("http://h/${x}".into())));
        assert_eq!(c.secrets(), vec!["t0k3n-from-env".to_owned()]);
        let e = parse_in("bearer = \"${APIPROBE_UNSET_VARIABLE_7}\"\n", &env).unwrap_err();
        assert!(e.contains("APIPROBE_UNSET_VARIABLE_7 is not set"), "{e}");
        assert!(e.starts_with("apiprobe.toml:1:"), "{e}");
        // only the parse's own environment is read: a variable every
        // process has is not set in an empty one
        let e = parse("bearer = \"${PATH}\"\n").unwrap_err();
        assert!(e.contains("PATH is not set"), "{e}");
    }

    #[test]
    fn numbers_go_through_their_flags_parser() {
        let e = parse("concurrency = 0\n").unwrap_err();
        assert_eq!(
            e,
            "apiprobe.toml:1:15: concurrency = 0: 0 is not in 1..=4096"
        );
        let e = parse("\nmax-requests = 0\n").unwrap_err();
        assert_eq!(
            e,
            "apiprobe.toml:2:16: max-requests = 0: 0 would send no request: give 1 or more"
        );
        let e = parse("cases = 100001\n").unwrap_err();
        assert!(
            e.contains("cases = 100001: 100001 is not in 0..=100000"),
            "{e}"
        );
        let e = parse("attacks = -1\n").unwrap_err();
        assert!(e.contains("attacks = -1:"), "{e}");
        let c = parse("concurrency = 4\nmax-requests = 5\ncases = 0\n").unwrap();
        assert_eq!(c.options.concurrency, Some(4));
        assert_eq!(c.options.max_requests, Some(5));
        assert_eq!(c.options.cases, Some(0));
        let e = parse("timeout = \"99999999999999999999s\"\n").unwrap_err();
        assert!(e.contains("is too large"), "{e}");
    }

    #[test]
    fn a_variable_name_must_be_one() {
        let e = parse("bearer = \"${1BAD}\"\n").unwrap_err();
        assert_eq!(
            e,
            "apiprobe.toml:1:10: ${1BAD} is not a valid variable name (letters, digits and _, not starting with a digit)"
        );
        let e = parse("bearer = \"${A-B}\"\n").unwrap_err();
        assert!(e.contains("${A-B} is not a valid variable name"), "{e}");
        let c = parse_in("bearer = \"${_A1}\"\n", &[("_A1", "v")]).unwrap();
        assert_eq!(c.options.bearer, Some(Text("v".into())));
    }

    #[test]
    fn credentials_are_checked_like_the_flags() {
        let env = [("TOKEN_FROM_FILE", "t0k3n\n")];
        let c = parse_in("bearer = \"${TOKEN_FROM_FILE}\"\n", &env).unwrap();
        assert_eq!(c.options.bearer, Some(Text("t0k3n".into())));
        assert_eq!(c.notes, ["apiprobe.toml: bearer: trailing newline removed"]);
        let e = parse("basic = \"a:b\\rc\"\n").unwrap_err();
        assert_eq!(e, "apiprobe.toml: basic: control byte 0x0d at position 4");
        let e = parse("[headers]\nX-Tenant = \"a\\u0000\"\n").unwrap_err();
        assert_eq!(
            e,
            "apiprobe.toml: headers.X-Tenant: control byte 0x00 at position 2"
        );
        // a tab inside a header value is allowed (RFC 9110)
        let c = parse("[headers]\nX-Tenant = \"a\\tb\"\n").unwrap();
        assert!(c.notes.is_empty());
        let e = parse("[identities.bob]\nbearer = \"x\\ty\"\n").unwrap_err();
        assert_eq!(
            e,
            "apiprobe.toml: identities.bob.bearer: control byte 0x09 at position 2"
        );
        let e = parse("[operations.getX]\nheaders = { K = \"\\u007f\" }\n").unwrap_err();
        assert!(
            e.contains("operations.\"getX\".headers.K: control byte 0x7f at position 1"),
            "{e}"
        );
    }

    #[test]
    fn login_identities_carry_their_token_options() {
        let c = parse(
            "[identities.alice]\nlogin = \"alice:pw\"\ntoken-from = \"cookie:sid\"\ntoken-as = \"header:X-Session\"\n",
        )
        .unwrap();
        assert_eq!(
            c.identity_flags().unwrap(),
            vec!["alice=login[from=cookie:sid,as=header:X-Session]:alice:pw".to_owned()]
        );
        let c = parse("[identities.bob]\nbearer = \"t\"\ntoken-from = \"/data/token\"\n").unwrap();
        let e = c.identity_flags().unwrap_err();
        assert!(e.contains("apply to login only"), "{e}");
        let c = parse("token-from = \"header:X-Auth\"\n").unwrap();
        assert_eq!(c.options.token_from, Some(Text("header:X-Auth".into())));
    }

    #[test]
    fn profiles_lay_over_the_top_level() {
        let text = "concurrency = 4\ncases = 3\n[profiles.nightly]\ncases = 50\n";
        let c = Config::parse(text, Path::new("a.toml"), Some("nightly")).unwrap();
        assert_eq!(c.options.cases, Some(50));
        assert_eq!(c.options.concurrency, Some(4));
        let e = Config::parse(text, Path::new("a.toml"), Some("weekly")).unwrap_err();
        assert!(
            e.contains("no profile \"weekly\"") && e.contains("nightly"),
            "{e}"
        );
    }
}
