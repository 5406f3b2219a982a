//! apiprobe.toml: every scan option, per-operation overrides, check
//! selection and severities, profiles and `${ENV}` interpolation. Found in
//! the working directory or given with `--config`; command-line flags
//! override it. Unknown keys are errors naming the key and the line.
//!
//! Adding an option: a field in [`Options`] (named like its flag) and its
//! merge with the flag in `settings::resolve` (one line of `lay_under` for
//! most).

use std::cell::RefCell;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::Duration;

use serde::{Deserialize, Deserializer};

use apiprobe::checks::{Severity, find};
use apiprobe::probes::{Discovery, Profile};
use apiprobe::report::ReportSpec;

use super::args::{
    parse_attacks, parse_cases, parse_concurrency, parse_duration, parse_max_requests, parse_rate,
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
    /// Whether the identity is privileged whatever its role (`true`), or
    /// plain even with a built-in privileged role word (`false`).
    pub privileged: Option<bool>,
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
    /// `--recovery-timeout`.
    pub recovery_timeout: Option<DurationText>,
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
    /// `--skip-destructive`.
    pub skip_destructive: Option<bool>,
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
    /// `--privileged-role`: roles that make an identity privileged.
    pub privileged_roles: Option<Vec<Text>>,
    /// `--profile` (quick, standard, aggressive).
    pub profile: Option<Profile>,
    /// `--callback-url`.
    pub callback_url: Option<Text>,
    /// `--no-chain`.
    pub no_chain: Option<bool>,
    /// `--discovery` (off, standard, aggressive).
    pub discovery: Option<Discovery>,
    /// `--endpoint-wordlist`.
    pub endpoint_wordlist: Option<Text>,
    /// `--jwt-wordlist`.
    pub jwt_wordlist: Option<Text>,
    /// `--jwt-public-key`.
    pub jwt_public_key: Option<Text>,
    /// `--cors-domain`, each a domain.
    pub cors_domains: Option<Vec<Text>>,
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
        recovery_timeout,
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
        skip_destructive,
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
        privileged_roles,
        profile,
        callback_url,
        callback_listen,
        no_cleanup,
        identities,
        no_chain,
        discovery,
        endpoint_wordlist,
        jwt_wordlist,
        jwt_public_key,
        cors_domains,
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
