//! brute_force (CWE-307): a burst of wrong values on an operation that
//! checks a guessable secret (guessable.rs): a sign-in, for a user that
//! does not exist (never the scan's own identities), or a code (password
//! reset, PIN, OTP, MFA, voucher), for an unknown user where the operation
//! names one. 10 wrong values in the `standard` profile, 50 in
//! `aggressive`, none in `quick`. A finding when every answer is the same
//! failure: none is a 429 or 423, a lock-out or limit message, a captcha
//! challenge or another answer than the first, and the answers do not slow
//! down as the burst goes on. The evidence gives the count and, for a
//! numeric code, the size of its space (`4 digits: 10,000 guesses`). The
//! burst stops at the first answer that differs, so a lock-out is met once.
//! A sign-in's burst uses an account the probe registers for it where a
//! registration beside the sign-in takes one (and the sign-in then takes
//! it): a limit that guards existing accounts only is seen too.
//! It is also what `login_rate_limit` was: `--checks login_rate_limit`
//! selects it.

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use futures_util::future::BoxFuture;
use serde_json::Value;

use super::guessable::{Kind, grouped, kind_of, numeric_space, slots_of};
use super::session::with_value;
use super::volatile::normalise;
use super::{ActiveProbe, Stage};
use super::{Identity, Session};
use crate::checks::check::{Check, How, Owasp, Scope, Severity};
use crate::checks::{Confidence, ProofItem, Verdict};
use crate::http::{Exchange, Response};
use crate::identity::{Account, issued, login_request};
use crate::model::{Api, Operation};
use crate::probes::Profile;

/// The `brute_force` check.
pub(in crate::checks) const CHECK: Check = Check {
    name: "brute_force",
    severity: Severity::Medium,
    cwe: Some(307),
    owasp: Some(Owasp::Api2),
    summary: "A burst of wrong values on a sign-in (for an unknown user) or a code check (reset, PIN, OTP, MFA, voucher) met no 429, lock-out, growing delay or captcha (10 in standard, 50 in aggressive).",
    scope: Scope::Operation,
    how: How::Probe(ActiveProbe {
        stage: Stage::Authentication,
        applies,
        run,
    }),
};

/// The name `brute_force` had when it covered sign-ins only; `--checks` still takes it.
pub(crate) const FORMER_NAME: &str = "login_rate_limit";

/// Wrong values in a burst under `profile`.
pub(crate) fn burst(profile: Profile) -> usize {
    match profile {
        Profile::Quick => 0,
        Profile::Standard => 10,
        Profile::Aggressive => 50,
    }
}

pub(super) fn applies(api: &Api, op: &Operation, profile: Profile) -> bool {
    burst(profile) > 0 && kind_of(api, op).is_some()
}

/// Whether an answer is a limit: 429 or 423, a `Retry-After` on an
/// error, or a message saying so (too many attempts, locked, a captcha,
/// attempts remaining).
pub(super) fn limited(response: &Response, text: &str) -> bool {
    let lower = text.to_ascii_lowercase();
    matches!(response.status, 429 | 423)
        || (response.status >= 400 && response.header("retry-after").is_some())
        || [
            "too many",
            "locked",
            "lockout",
            "try again later",
            "try again in",
            "rate limit",
            "ratelimit",
            "slow down",
            "captcha",
            "attempts left",
            "attempts remaining",
            "remaining attempts",
            "temporarily blocked",
            "temporarily disabled",
        ]
        .iter()
        .any(|w| lower.contains(w))
}

/// Words of a 2xx answer that says a code was wrong.
const FAILURE_WORDS: &[&str] = &[
    "invalid",
    "incorrect",
    "wrong",
    "expired",
    "not found",
    "mismatch",
    "denied",
    "failed",
    "not valid",
    "\"success\":false",
    "\"valid\":false",
    "\"ok\":false",
];

/// Whether an answer of a code check says the code was wrong: 400, 404,
/// 409, 410, 422 (401 and 403 too on a public operation: on a secured one
/// they may refuse the caller, not the code), or a 2xx whose body says so.
fn wrong_code(response: &Response, text: &str, public: bool) -> bool {
    match response.status {
        400 | 404 | 409 | 410 | 422 => true,
        401 | 403 => public,
        200..=299 => {
            let lower = text.to_ascii_lowercase().replace(' ', "");
            FAILURE_WORDS
                .iter()
                .any(|w| lower.contains(&w.replace(' ', "")))
        }
        _ => false,
    }
}

/// Whether response times grow along the burst: mostly rising, and the
/// last third's median twice the first third's and 200 ms more.
pub(super) fn slowed(times: &[Duration]) -> bool {
    let n = times.len();
    if n < 4 {
        return false;
    }
    let third = (n / 3).max(1);
    let median = |part: &[Duration]| {
        let mut v = part.to_vec();
        v.sort_unstable();
        v[v.len() / 2]
    };
    let (first, last) = (median(&times[..third]), median(&times[n - third..]));
    let rising = times.windows(2).filter(|w| w[1] >= w[0]).count();
    rising * 5 >= (n - 1) * 4 && last >= first * 2 && last >= first + Duration::from_millis(200)
}

/// One wrong value and its answer.
struct Guess {
    status: u16,
    shape: String,
    elapsed: Duration,
}

/// What the burst met.
enum Met {
    /// Every answer the same failure, no limit.
    Nothing,
    /// The burst was cut short (a limit, another answer, a success, no answer).
    Reaction,
}

/// The next request of a burst, with the values it carries.
type Next<'n, 's> =
    dyn FnMut(&mut Session<'s>) -> Option<(crate::http::Request, Vec<String>)> + Send + 'n;

/// Sends the burst: `next` gives each request and the values it carries
/// (stripped from the answer before comparing); `failed` says whether an
/// answer is the failure a wrong value should get.
async fn run_burst<'s>(
    s: &mut Session<'s>,
    count: usize,
    next: &mut Next<'_, 's>,
    failed: &(dyn Fn(&Response, &str) -> bool + Sync),
) -> (Met, Vec<Guess>, Option<Exchange>) {
    let mut guesses: Vec<Guess> = Vec::with_capacity(count);
    let mut last = None;
    for _ in 0..count {
        let Some((request, sent)) = next(s) else {
            return (Met::Reaction, guesses, last);
        };
        let Some(exchange) = s.send_as(&request, &Identity::Scan).await else {
            return (Met::Reaction, guesses, last);
        };
        let Some(response) = exchange.response() else {
            return (Met::Reaction, guesses, last);
        };
        let text = response.text();
        if limited(response, &text) || !failed(response, &text) {
            return (Met::Reaction, guesses, last);
        }
        let sent: Vec<&str> = sent.iter().map(String::as_str).collect();
        let guess = Guess {
            status: response.status,
            shape: normalise(&text, &sent),
            elapsed: exchange.elapsed,
        };
        // another answer than the first: the server reacted (a lock-out in other words)
        if let Some(first) = guesses.first()
            && (first.status != guess.status || first.shape != guess.shape)
        {
            return (Met::Reaction, guesses, last);
        }
        guesses.push(guess);
        last = Some(exchange);
    }
    let times: Vec<Duration> = guesses.iter().map(|g| g.elapsed).collect();
    if slowed(&times) {
        return (Met::Reaction, guesses, last);
    }
    (Met::Nothing, guesses, last)
}

fn statuses(guesses: &[Guess]) -> String {
    let mut count: BTreeMap<u16, usize> = BTreeMap::new();
    for g in guesses {
        *count.entry(g.status).or_default() += 1;
    }
    count
        .iter()
        .map(|(status, n)| format!("{n}x {status}"))
        .collect::<Vec<_>>()
        .join(", ")
}

pub(super) fn run<'s>(s: &'s mut Session<'_>) -> BoxFuture<'s, ()> {
    Box::pin(async move {
        match kind_of(s.api(), s.operation()) {
            Some(Kind::SignIn) => sign_in(s).await,
            Some(Kind::Code) => code(s).await,
            None => {}
        }
    })
}

/// Words of a path or operation id that mark a registration.
const REGISTRATION_WORDS: &[&str] = &["register", "registration", "signup"];

/// The registration whose accounts the sign-in `login` likely signs in: a
/// POST naming a registration, with a user and a password field in its
/// body, the one whose path shares the most leading segments with the
/// sign-in's (`/shop/register` for `/shop/login`).
fn registration_for(api: &Api, login: &Operation) -> Option<(usize, Vec<String>, String)> {
    let segments = |p: &str| p.split('/').map(str::to_owned).collect::<Vec<_>>();
    let mine = segments(&login.path);
    api.operations
        .iter()
        .enumerate()
        .filter(|(_, op)| op.method == crate::model::Method::Post && !op.path.contains('{'))
        .filter(|(_, op)| {
            let words = format!(
                "{} {}",
                op.path,
                op.operation_id.as_deref().unwrap_or_default()
            )
            .to_ascii_lowercase()
            .replace(['_', '-'], "");
            REGISTRATION_WORDS.iter().any(|w| words.contains(w))
        })
        .filter_map(|(i, op)| {
            let media = op
                .body
                .as_ref()?
                .content
                .iter()
                .find(|m| m.media_type.contains("json"))?;
            let schema = api.schemas.get(media.schema?);
            let compact = |k: &str| k.to_ascii_lowercase().replace(['_', '-'], "");
            let password = schema
                .properties
                .keys()
                .find(|k| ["password", "passwd", "pwd"].contains(&compact(k).as_str()))?
                .clone();
            let users: Vec<String> = schema
                .properties
                .keys()
                .filter(|k| {
                    ["username", "user", "login", "email", "name"].contains(&compact(k).as_str())
                })
                .cloned()
                .collect();
            let shared = segments(&op.path)
                .iter()
                .zip(&mine)
                .take_while(|(a, b)| a == b)
                .count();
            (!users.is_empty()).then_some((shared, i, users, password))
        })
        .max_by_key(|(shared, i, _, _)| (*shared, std::cmp::Reverse(*i)))
        .map(|(_, i, users, password)| (i, users, password))
}

/// Registers an account of its own for the burst (its username
/// `apiprobe_...`, an address at example.com) through the registration
/// [`registration_for`] finds, and checks that the sign-in takes it; the
/// username, or `None` (the burst then uses a user that does not exist).
/// The account is deleted when the scan ends where the API has an
/// operation for it, else named in a warning (account_cleanup.rs).
async fn throwaway(s: &mut Session<'_>, base: &crate::http::Request) -> Option<String> {
    let api = s.api();
    let (reg, users, password_field) = registration_for(api, s.operation())?;
    let base_values = s.case_of(reg)?.values;
    // a name the same seed chose in an earlier scan of the same target is
    // taken (409): a fresh one, twice at most
    let mut made = None;
    for _ in 0..3 {
        let user = format!("apiprobe_{}", s.canary(10));
        let email = format!("{user}@example.com");
        let password = format!("Ap-{}-9x", s.canary(12));
        let mut values = base_values.clone();
        if let Some((_, Value::Object(map))) = values.body.as_mut() {
            for field in &users {
                let v = if field.to_ascii_lowercase().contains("mail") {
                    &email
                } else {
                    &user
                };
                map.insert(field.clone(), Value::String(v.clone()));
            }
            map.insert(password_field.clone(), Value::String(password.clone()));
        }
        let request = s.request_of(reg, &values)?;
        let created = s.send_to(reg, &request, &Identity::Scan).await?;
        match created.response().map(|r| r.status) {
            Some(200..=299) => {
                made = Some((user, email, password));
                break;
            }
            Some(409) => continue,
            _ => return None,
        }
    }
    let (user, email, password) = made?;
    let registered_by = api
        .operations
        .get(reg)
        .map(|op| format!("{} {}", op.method.as_str(), op.path))
        .unwrap_or_default();
    // the sign-in takes the new account (by its address where it asks for one)
    let Some(fields) = crate::model::login::login_fields(api, s.operation()) else {
        super::account_cleanup::forget(s, &user, None, CHECK.name, &registered_by);
        return None;
    };
    let login_user = if fields.user.to_ascii_lowercase().contains("mail") {
        email
    } else {
        user.clone()
    };
    let account = Account {
        user: login_user.clone(),
        password,
    };
    let mut request = login_request(api, s.operation(), &account)?;
    request.path.clone_from(&base.path);
    request.query.clone_from(&base.query);
    let token = s.token_use();
    let signed = s.send_as(&request, &Identity::Scan).await;
    let response = signed.as_ref().and_then(|e| e.response());
    let credential = response
        .filter(|r| issued(r, &token))
        .and_then(|r| token.credential(r));
    let took = response.is_some_and(|r| issued(r, &token));
    super::account_cleanup::forget(s, &user, credential, CHECK.name, &registered_by);
    took.then_some(login_user)
}

/// Failed sign-ins for an account registered for the burst, else for a
/// username that is no account.
async fn sign_in(s: &mut Session<'_>) {
    let count = burst(s.profile());
    let base = s.base_request().clone();
    let token = s.token_use();
    let registered = throwaway(s, &base).await;
    let (user, whose) = match registered {
        Some(u) => (u, "an account apiprobe registered for the burst"),
        None => (format!("apiprobe_{}", s.canary(10)), "no such account"),
    };
    let started = Instant::now();
    let mut next = |s: &mut Session<'_>| {
        let account = Account {
            user: user.clone(),
            password: format!("apiprobe-{}", s.canary(12)),
        };
        let mut request = login_request(s.api(), s.operation(), &account)?;
        request.path.clone_from(&base.path);
        request.query.clone_from(&base.query);
        Some((request, vec![account.user, account.password]))
    };
    // a failure: no credential issued, whatever the status, and no server error
    let failed = |r: &Response, _: &str| r.status < 500 && !issued(r, &token);
    let (met, guesses, last) = run_burst(s, count, &mut next, &failed).await;
    let (Met::Nothing, Some(exchange)) = (met, last) else {
        return;
    };
    let elapsed = started.elapsed().as_millis();
    let seen = statuses(&guesses);
    let verdict = Verdict {
        title: format!("No limit on failed sign-ins: {count} attempts in a row were all answered"),
        evidence: format!(
            "{count} failed sign-ins for {user:?} ({whose}) in {elapsed} ms got {seen}, all alike; none was refused with 429 or 423, locked out, slowed down or met with a captcha"
        ),
        signature: "sign_in".to_owned(),
        // a limit that only guards existing accounts is not seen with an unknown user
        confidence: if whose.starts_with("an account") {
            Confidence::Confirmed
        } else {
            Confidence::Likely
        },
        proof: vec![
            ProofItem::new("attempts", count.to_string()),
            ProofItem::new("username", user),
            ProofItem::new("statuses", seen),
            ProofItem::new("elapsed_ms", elapsed.to_string()),
        ],
    };
    s.report(verdict, &exchange);
}

/// A value for the field that says whose code it is: a user that does
/// not exist (an e-mail address where the field takes one).
fn unknown_user(s: &mut Session<'_>, slot: &super::ValueSlot) -> Value {
    let name = slot.name().to_ascii_lowercase();
    match &slot.value {
        Value::String(v) if v.contains('@') || name.contains("mail") => {
            Value::String(format!("apiprobe-{}@example.com", s.canary(10)))
        }
        Value::String(v) if !v.is_empty() && v.bytes().all(|b| b.is_ascii_digit() || b == b'+') => {
            s.benign(slot)
        }
        Value::String(_) => Value::String(format!("apiprobe_{}", s.canary(10))),
        _ => s.benign(slot),
    }
}

/// Wrong codes, for an unknown user where a field names one.
async fn code(s: &mut Session<'_>) {
    let count = burst(s.profile());
    let slots = s.slots();
    let (Some(secret), user) = slots_of(&slots) else {
        return;
    };
    let (secret, user) = (secret.clone(), user.cloned());
    let public = s.operation().is_public();
    let schema = secret.schema.map(|id| s.api().schemas.get(id));
    let space = numeric_space(schema, &secret.value);
    let mut values = s.values().clone();
    let mut who = None;
    if let Some(u) = &user {
        let v = unknown_user(s, u);
        who = Some(v.as_str().map_or_else(|| v.to_string(), str::to_owned));
        values = with_value(&values, u, v);
    }
    let base_value = secret.value.clone();
    let as_integer = secret.value.is_number();
    let mut tried: Vec<Value> = Vec::new();
    let started = Instant::now();
    let mut next = |s: &mut Session<'_>| {
        let mut guess = base_value.clone();
        for _ in 0..8 {
            guess = match space {
                Some((digits, size)) => {
                    let n = s.number(0, size.saturating_sub(1));
                    if as_integer {
                        Value::from(n)
                    } else {
                        Value::String(format!("{n:0width$}", width = digits as usize))
                    }
                }
                None => s.benign(&secret),
            };
            if guess != base_value && !tried.contains(&guess) {
                break;
            }
        }
        tried.push(guess.clone());
        let text = guess
            .as_str()
            .map_or_else(|| guess.to_string(), str::to_owned);
        let request = s.request_from(&with_value(&values, &secret, guess))?;
        let mut sent = vec![text];
        sent.extend(who.clone());
        Some((request, sent))
    };
    let failed = |r: &Response, text: &str| wrong_code(r, text, public);
    let (met, guesses, last) = run_burst(s, count, &mut next, &failed).await;
    let (Met::Nothing, Some(exchange)) = (met, last) else {
        return;
    };
    let elapsed = started.elapsed().as_millis();
    let seen = statuses(&guesses);
    let label = secret.label();
    let size = space.map(|(digits, size)| format!("{digits} digits: {} guesses", grouped(size)));
    let whose = who
        .as_deref()
        .map(|w| format!(" for {w:?} (no such account)"))
        .unwrap_or_default();
    let of_space = size
        .as_deref()
        .map(|t| format!(" ({t})"))
        .unwrap_or_default();
    let mut proof = vec![
        ProofItem::new("attempts", count.to_string()),
        ProofItem::new("field", label.clone()),
        ProofItem::new("statuses", seen.clone()),
        ProofItem::new("elapsed_ms", elapsed.to_string()),
    ];
    if let Some(t) = &size {
        proof.push(ProofItem::new("space", t.clone()));
    }
    if let Some(w) = &who {
        proof.push(ProofItem::new("user", w.clone()));
    }
    let verdict = Verdict {
        title: format!(
            "No limit on guessing the code in {label}: {count} wrong values in a row were all answered"
        ),
        evidence: format!(
            "{count} wrong values of {label}{of_space}{whose} in {elapsed} ms got {seen}, all alike; none was refused with 429 or 423, locked out, slowed down or met with a captcha"
        ),
        signature: format!("code:{}", secret.name()),
        confidence: Confidence::Likely,
        proof,
    };
    // a short numeric code with no limit is an account (or a voucher) taken in minutes
    let severity = match space {
        Some((_, size)) if size <= 1_000_000 => Severity::High,
        _ => Severity::Medium,
    };
    let op = s.operation();
    s.report_on(op, verdict, severity, &exchange);
}

#[cfg(test)]
mod tests {
    use super::*;

    fn response(status: u16, headers: &[(&str, &str)]) -> Response {
        Response {
            status,
            version: "HTTP/1.1",
            headers: headers
                .iter()
                .map(|(n, v)| ((*n).to_owned(), (*v).to_owned()))
                .collect(),
            body: Vec::new(),
            truncated: false,
        }
    }

    #[test]
    fn limits_and_failures_are_told_apart() {
        assert!(limited(&response(429, &[]), ""));
        assert!(limited(&response(401, &[("retry-after", "30")]), ""));
        assert!(limited(
            &response(200, &[]),
            r#"{"error":"Captcha required"}"#
        ));
        assert!(limited(
            &response(401, &[]),
            "Account locked for 15 minutes"
        ));
        assert!(!limited(
            &response(401, &[]),
            r#"{"error":"invalid credentials"}"#
        ));
        assert!(wrong_code(
            &response(200, &[]),
            r#"{"success": false}"#,
            false
        ));
        assert!(!wrong_code(&response(200, &[]), r#"{"status":"ok"}"#, true));
        assert!(wrong_code(&response(403, &[]), "", true));
        assert!(!wrong_code(&response(403, &[]), "", false));
        assert!(!wrong_code(&response(500, &[]), "invalid", true));
    }

    #[test]
    fn a_growing_delay_is_a_limit_and_noise_is_not() {
        let ms = |v: &[u64]| {
            v.iter()
                .map(|&m| Duration::from_millis(m))
                .collect::<Vec<_>>()
        };
        assert!(slowed(&ms(&[
            5, 100, 200, 300, 400, 500, 600, 700, 800, 900
        ])));
        assert!(!slowed(&ms(&[5, 6, 5, 7, 5, 6, 5, 6, 5, 6])));
        // one slow spell is noise, not throttling
        assert!(!slowed(&ms(&[5, 6, 400, 420, 5, 6, 5, 380, 5, 6])));
        assert_eq!(burst(Profile::Standard), 10);
        assert_eq!(burst(Profile::Aggressive), 50);
        assert_eq!(burst(Profile::Quick), 0);
    }
}
