//! user_enumeration: on a login-like operation, failed sign-ins for a
//! known user (the `--login` account, the `--basic` user or a login
//! identity's user, with a wrong password) and for a user that does not
//! exist must look alike. A sign-in failed when it issued no credential
//! (no token where `--token-from` looks, no session cookie), whatever its
//! status: APIs that answer a failed sign-in with 200 and a message are
//! compared like those that answer 401. Rounds are interleaved; a finding
//! when the two differ consistently in status, in message (normalised: the
//! names and passwords sent, numbers, random ids and timestamps left out),
//! in length (when the messages carry noise the normaliser does not know),
//! or in time (every known-user attempt at least twice as slow as every
//! unknown-user attempt, and by 50 ms or more, or the other way round). The
//! first known-user attempt is sent again at the end and must answer alike
//! (by status and normalised body): a user table wiped meanwhile proves nothing.

use std::time::Duration;

use futures_util::future::BoxFuture;

use super::brute_force::limited;
use super::credentials::basic_user;
use super::volatile::normalise;
use super::{ActiveProbe, Stage};
use super::{Identity, Session};
use crate::checks::check::{Check, How, Owasp, Scope, Severity};
use crate::checks::{Confidence, ProofItem, Verdict};
use crate::http::Exchange;
use crate::identity::{Account, issued, login_request};
use crate::model::login::login_fields;
use crate::model::{Api, Operation};
use crate::probes::Profile;

/// The `user_enumeration` check.
pub(in crate::checks) const CHECK: Check = Check {
    name: "user_enumeration",
    severity: Severity::Medium,
    cwe: Some(204),
    owasp: Some(Owasp::Api2),
    summary: "A login-like operation answers a wrong password for a real user differently (status, message, length or time) from an unknown user, whether failures answer 200 or 401.",
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

/// One failed attempt: status, normalised body, its length, time.
struct Attempt {
    status: u16,
    message: String,
    length: usize,
    elapsed: Duration,
}

/// The body's length without the values the request sent.
fn length_without(body: &str, sent: &[&str]) -> usize {
    sent.iter()
        .filter(|s| !s.is_empty())
        .fold(body.len(), |n, s| {
            n.saturating_sub(body.matches(*s).count() * s.len())
        })
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

/// Whether the first known-user attempt, sent again, answers as it did
/// (the same status and normalised body): the accounts did not change
/// under the comparison (compare::base_held, by the normalised body).
async fn held(
    s: &mut Session<'_>,
    request: &crate::http::Request,
    before: &(u16, String),
    sent: &[&str],
) -> bool {
    let Some(after) = s.send(request).await else {
        return false;
    };
    after
        .response()
        .is_some_and(|r| r.status == before.0 && normalise(&r.text(), sent) == before.1)
}

/// The user whose wrong password is compared with an unknown user: the
/// `--login` account's, the `--basic` user, else a login identity's.
fn known_user(s: &Session<'_>) -> Option<String> {
    s.account()
        .map(|a| a.user.clone())
        .or_else(|| basic_user(s.credentials()))
        .or_else(|| {
            s.identities()
                .iter()
                .find_map(|i| i.account.as_ref().map(|a| a.user.clone()))
        })
}

pub(super) fn run<'s>(s: &'s mut Session<'_>) -> BoxFuture<'s, ()> {
    Box::pin(async move {
        let Some(known) = known_user(s) else {
            // without a real username there is nothing to tell apart
            return;
        };
        let rounds = if s.profile() == Profile::Aggressive {
            6
        } else {
            4
        };
        let base = s.base_request().clone();
        let token = s.token_use();
        let mut known_attempts: Vec<Attempt> = Vec::new();
        let mut unknown_attempts: Vec<Attempt> = Vec::new();
        let mut shown: Option<Exchange> = None;
        let mut unknown_user = String::new();
        // the first known-user attempt, sent again at the end (its user and password left out)
        let mut first_known: Option<(crate::http::Request, (u16, String), String)> = None;
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
                // a limit, or a sign-in that issued a credential, makes the comparison meaningless
                let text = response.text();
                if limited(response, &text) || issued(response, &token) {
                    return;
                }
                let sent = [account.user.as_str(), account.password.as_str()];
                let attempt = Attempt {
                    status: response.status,
                    message: normalise(&text, &sent),
                    length: length_without(&text, &sent),
                    elapsed: exchange.elapsed,
                };
                if into_known {
                    if first_known.is_none() {
                        let first = (response.status, attempt.message.clone());
                        first_known = Some((request.clone(), first, account.password.clone()));
                    }
                    known_attempts.push(attempt);
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
        let length = |a: &Attempt| a.length.to_string();
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
        } else if stable(&known_attempts, &length)
            && stable(&unknown_attempts, &length)
            && k.length != u.length
        {
            proof.push(ProofItem::new("known_user_length", k.length.to_string()));
            proof.push(ProofItem::new("unknown_user_length", u.length.to_string()));
            Verdict {
                title: "Login answer lengths tell an unknown user from a wrong password".to_owned(),
                evidence: format!(
                    "{rounds} rounds each: a wrong password for {known:?} always got {} bytes, an unknown user always {} (the names and passwords sent left out)",
                    k.length, u.length
                ),
                signature: "length".to_owned(),
                confidence: Confidence::Likely,
                proof,
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
            && !held(s, &request, &before, &[&known, &password]).await
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
    fn lengths_leave_out_what_was_sent_and_times_must_stand_apart() {
        assert_eq!(length_without("no user alice here: alice", &["alice"]), 15);
        assert_eq!(length_without("abc", &[""]), 3);
        let ms = Duration::from_millis;
        assert!(slower(&[ms(300), ms(320)], &[ms(20), ms(40)]));
        assert!(!slower(&[ms(60), ms(300)], &[ms(20), ms(40)]));
        assert!(!slower(&[ms(30)], &[ms(10)]));
    }
}
