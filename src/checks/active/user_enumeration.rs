//! user_enumeration: on a login-like operation, failed sign-ins for the
//! known user (the `--login` account or the `--basic` user, with a wrong
//! password) and for a user
//! that does not exist must look alike. Rounds are interleaved; a finding
//! when the two differ consistently in status, in message (the names and
//! passwords sent, and numbers, left out of the comparison), or in time
//! (every known-user attempt at least twice as slow as every unknown-user
//! attempt, and by 50 ms or more, or the other way round). The first
//! known-user attempt is sent again at the end and must answer alike
//! (compare::base_held): a user table wiped meanwhile proves nothing.

use std::time::Duration;

use futures_util::future::BoxFuture;

use super::compare::{base_held, shape};
use super::credentials::basic_user;
use super::{ActiveProbe, Stage};
use super::{Identity, Session};
use crate::checks::check::{Check, How, Owasp, Scope, Severity};
use crate::checks::{Confidence, ProofItem, Verdict};
use crate::http::Exchange;
use crate::identity::{Account, login_request};
use crate::model::login::login_fields;
use crate::model::{Api, Operation};
use crate::probes::Profile;

/// The `user_enumeration` check.
pub(in crate::checks) const CHECK: Check = Check {
    name: "user_enumeration",
    severity: Severity::Medium,
    cwe: Some(204),
    owasp: Some(Owasp::Api2),
    summary: "A login-like operation answers a wrong password for a real user differently (status, message or time) from an unknown user.",
    scope: Scope::Operation,
    how: How::Probe(ActiveProbe {
        stage: Stage::Authentication,
        applies,
        run,
    }),
};

pub(super) fn applies(api: &Api, op: &Operation, _: Profile) -> bool {
    login_fields(api, op).is_some()
}

/// One failed attempt: status, normalised body, time.
struct Attempt {
    status: u16,
    message: String,
    elapsed: Duration,
}

/// `body` with the username and password sent replaced by placeholders and
/// every run of digits by `0`, so that only the wording is compared.
fn normalise(body: &str, account: &Account) -> String {
    let text = body
        .replace(&account.password, "{password}")
        .replace(&account.user, "{user}");
    let mut out = String::with_capacity(text.len());
    let mut in_digits = false;
    for c in text.chars() {
        if c.is_ascii_digit() {
            if !in_digits {
                out.push('0');
            }
            in_digits = true;
        } else {
            in_digits = false;
            out.push(c);
        }
    }
    out
}

fn millis(d: Duration) -> u128 {
    d.as_millis()
}

/// Whether every sample of `slow` is at least twice and 50 ms slower than
/// every sample of `fast`.
fn slower(slow: &[Duration], fast: &[Duration]) -> bool {
    let (Some(min_slow), Some(max_fast)) = (slow.iter().min(), fast.iter().max()) else {
        return false;
    };
    *min_slow >= *max_fast * 2 && *min_slow >= *max_fast + Duration::from_millis(50)
}

fn excerpt(text: &str) -> String {
    text.chars().take(160).collect()
}

pub(super) fn run<'s>(s: &'s mut Session<'_>) -> BoxFuture<'s, ()> {
    Box::pin(async move {
        let known = s
            .account()
            .map(|a| a.user.clone())
            .or_else(|| basic_user(s.credentials()));
        let Some(known) = known else {
            // without a real username there is nothing to tell apart
            return;
        };
        let rounds = if s.profile() == Profile::Aggressive {
            6
        } else {
            4
        };
        let base = s.base_request().clone();
        let mut known_attempts: Vec<Attempt> = Vec::new();
        let mut unknown_attempts: Vec<Attempt> = Vec::new();
        let mut shown: Option<Exchange> = None;
        let mut unknown_user = String::new();
        // the first known-user attempt, sent again at the end (its user and password left out)
        let mut first_known: Option<(crate::http::Request, super::compare::Shape, String)> = None;
        for _ in 0..rounds {
            let wrong = format!("apiprobe-{}", s.canary(12));
            let nobody = format!("apiprobe_{}", s.canary(10));
            unknown_user.clone_from(&nobody);
            for (user, into_known) in [(known.clone(), true), (nobody, false)] {
                let account = Account {
                    user,
                    password: wrong.clone(),
                };
                let Some(mut request) = login_request(s.api(), s.operation(), &account) else {
                    return;
                };
                request.path.clone_from(&base.path);
                request.query.clone_from(&base.query);
                let Some(exchange) = s.send_as(&request, &Identity::Scan).await else {
                    return;
                };
                let Some(response) = exchange.response() else {
                    return;
                };
                // a limit or a success makes the comparison meaningless
                if response.status == 429 || (200..300).contains(&response.status) {
                    return;
                }
                let attempt = Attempt {
                    status: response.status,
                    message: normalise(&response.text(), &account),
                    elapsed: exchange.elapsed,
                };
                if into_known {
                    known_attempts.push(attempt);
                    if first_known.is_none() {
                        let sh = shape(&exchange, &[&account.user, &account.password]);
                        first_known = Some((request.clone(), sh, account.password.clone()));
                    }
                    shown.get_or_insert(exchange);
                } else {
                    unknown_attempts.push(attempt);
                }
            }
        }
        let (Some(k), Some(u), Some(exchange)) =
            (known_attempts.first(), unknown_attempts.first(), shown)
        else {
            return;
        };
        let stable = |all: &[Attempt], f: &dyn Fn(&Attempt) -> String| {
            all.iter().all(|a| f(a) == f(&all[0]))
        };
        let status = |a: &Attempt| a.status.to_string();
        let message = |a: &Attempt| a.message.clone();
        let mut proof = vec![
            ProofItem::new("known_user", known.clone()),
            ProofItem::new("unknown_user", unknown_user),
            ProofItem::new("rounds", rounds.to_string()),
        ];
        let times = |all: &[Attempt]| {
            all.iter()
                .map(|a| millis(a.elapsed).to_string())
                .collect::<Vec<_>>()
                .join(", ")
        };
        proof.push(ProofItem::new("known_user_ms", times(&known_attempts)));
        proof.push(ProofItem::new("unknown_user_ms", times(&unknown_attempts)));
        let verdict = if stable(&known_attempts, &status)
            && stable(&unknown_attempts, &status)
            && k.status != u.status
        {
            proof.push(ProofItem::new("known_user_status", k.status.to_string()));
            proof.push(ProofItem::new("unknown_user_status", u.status.to_string()));
            Verdict {
                title: format!(
                    "Login answers {} for a wrong password and {} for an unknown user",
                    k.status, u.status
                ),
                evidence: format!(
                    "{rounds} rounds each: a wrong password for {known:?} always got {}, an unknown user always {}",
                    k.status, u.status
                ),
                signature: "status".to_owned(),
                proof,
                ..Verdict::default()
            }
        } else if stable(&known_attempts, &message)
            && stable(&unknown_attempts, &message)
            && k.message != u.message
        {
            proof.push(ProofItem::new("known_user_message", excerpt(&k.message)));
            proof.push(ProofItem::new("unknown_user_message", excerpt(&u.message)));
            Verdict {
                title: "Login messages tell an unknown user from a wrong password".to_owned(),
                evidence: format!(
                    "wrong password: {}; unknown user: {}",
                    excerpt(&k.message),
                    excerpt(&u.message)
                ),
                signature: "message".to_owned(),
                proof,
                ..Verdict::default()
            }
        } else {
            let known_times: Vec<Duration> = known_attempts.iter().map(|a| a.elapsed).collect();
            let unknown_times: Vec<Duration> = unknown_attempts.iter().map(|a| a.elapsed).collect();
            let which = if slower(&known_times, &unknown_times) {
                "a wrong password for the known user is answered more slowly than an unknown user"
            } else if slower(&unknown_times, &known_times) {
                "an unknown user is answered more slowly than a wrong password for the known user"
            } else {
                return;
            };
            Verdict {
                title: "Login response times tell an unknown user from a wrong password".to_owned(),
                evidence: format!(
                    "in {rounds} interleaved rounds {which}: known user {} ms, unknown user {} ms",
                    times(&known_attempts),
                    times(&unknown_attempts)
                ),
                signature: "timing".to_owned(),
                confidence: Confidence::Likely,
                proof,
            }
        };
        // the known user's answer held: the accounts did not change meanwhile
        if let Some((request, before, password)) = first_known
            && !base_held(s, &request, &before, &[&known, &password]).await
        {
            return;
        }
        s.report(verdict, &exchange);
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn messages_are_compared_without_what_was_sent() {
        let a = Account {
            user: "alice".into(),
            password: "apiprobe-x1".into(),
        };
        assert_eq!(
            normalise(r#"{"error":"wrong password for 'alice' (id 42)"}"#, &a),
            r#"{"error":"wrong password for '{user}' (id 0)"}"#
        );
        let ms = Duration::from_millis;
        assert!(slower(&[ms(300), ms(320)], &[ms(20), ms(40)]));
        assert!(!slower(&[ms(60), ms(300)], &[ms(20), ms(40)]));
        assert!(!slower(&[ms(30)], &[ms(10)]));
    }
}
