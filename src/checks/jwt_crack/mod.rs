//! Cracking the secrets of HMAC-signed JWTs offline, for weak_jwt_secret.
//!
//! A token is tried against, in turn: apiprobe's short list, words of the
//! spec, the user's list (`--jwt-wordlist`), the JWT secrets list
//! (103,781 secrets seen in public code), the 30,000 most common passwords
//! and English words, the system dictionary (when present, not in `quick`),
//! every number of up to 4, 6 or 8 digits (by profile), and the words the
//! target's answers held so far. Tokens are grouped by deployment (`alg`,
//! header, issuer, claim names): each group is cracked once, and a group
//! that resisted is only tried again with answer words learnt since.
//! Nothing here sends traffic.

mod hmac_fast;
mod lists;
mod search;

use std::collections::{HashMap, HashSet};
use std::sync::{Arc, Mutex, OnceLock};
use std::time::{Duration, Instant};

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;

pub use self::hmac_fast::{Alg, Target};
pub use self::search::{Limits, Step, list, numbers};
use super::jwt::Jwt;
use crate::model::Api;
use crate::probes::Profile;

/// How hard weak_jwt_secret tries (the profile's budget and the user's list).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct JwtCracking {
    /// Every number of up to this many digits is tried (leading zeros
    /// included): 4 in `quick`, 6 in `standard`, 8 in `aggressive`.
    pub max_digits: u32,
    /// Whether `/usr/share/dict/words` is tried when the machine has it.
    pub system_dictionary: bool,
    /// The user's secrets (`--jwt-wordlist`), tried after apiprobe's list.
    pub user_words: Arc<[String]>,
    /// The longest the search for one deployment's secret may take.
    pub time_cap: Duration,
}

impl JwtCracking {
    /// The budget of `profile`.
    pub fn for_profile(profile: Profile) -> JwtCracking {
        let (max_digits, system_dictionary, time_cap) = match profile {
            Profile::Quick => (4, false, Duration::from_secs(10)),
            Profile::Standard => (6, true, Duration::from_secs(60)),
            Profile::Aggressive => (8, true, Duration::from_secs(600)),
        };
        JwtCracking {
            max_digits,
            system_dictionary,
            user_words: Arc::from(Vec::new()),
            time_cap,
        }
    }

    /// The same budget, with the user's `words` too.
    pub fn with_words(mut self, words: Vec<String>) -> JwtCracking {
        self.user_words = Arc::from(words);
        self
    }
}

impl Default for JwtCracking {
    fn default() -> Self {
        JwtCracking::for_profile(Profile::Standard)
    }
}

/// A cracked secret and the list it came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Cracked {
    /// The secret (lossy UTF-8 for display; every bundled list is UTF-8).
    pub(crate) secret: String,
    /// Where it was found, e.g. `the JWT secrets list (wallarm/jwt-secrets)`.
    pub(crate) source: String,
}

/// The secrets of a user's list (`--jwt-wordlist`): one a line, exactly
/// as written (a trailing `\r` dropped, bytes that are not UTF-8 replaced),
/// blank lines skipped, each once.
pub fn secrets_of(bytes: &[u8]) -> Vec<String> {
    let mut seen = HashSet::new();
    String::from_utf8_lossy(bytes)
        .split('\n')
        .map(|l| l.strip_suffix('\r').unwrap_or(l))
        .filter(|l| !l.trim().is_empty() && seen.insert(*l))
        .map(str::to_owned)
        .collect()
}

/// How a deployment's first crack ended.
#[derive(Debug, Clone)]
enum Outcome {
    Found(Cracked),
    GaveUp {
        tried: u64,
        sources: Vec<String>,
        out_of_time: bool,
    },
}

/// The tokens of one deployment.
#[derive(Debug)]
struct Group {
    alg: Alg,
    issuer: Option<String>,
    seen_in: String,
    outcome: OnceLock<Outcome>,
    /// Answer words tried so far (a prefix of [`Answers::words`]).
    answers_tried: Mutex<usize>,
    /// A secret found later, among answer words.
    late: OnceLock<Cracked>,
}

/// Words from the target's answers, in the order first seen.
#[derive(Debug, Default)]
struct Answers {
    seen: HashSet<String>,
    words: Vec<String>,
}

/// At most this many answer words are kept.
const ANSWER_WORDS: usize = 20_000;
/// Only this much of each answer is read for words.
const ANSWER_BYTES: usize = 16 * 1024;
/// Tokens remembered (cleared when full).
const TOKENS: usize = 4096;

/// A token's deployment and its prepared signature.
type Prepared = (Arc<Group>, Arc<Target>);

/// The per-scan cracking state (one per judge).
#[derive(Debug)]
pub(crate) struct Cracker {
    options: JwtCracking,
    spec_words: OnceLock<Vec<String>>,
    groups: Mutex<HashMap<String, Arc<Group>>>,
    tokens: Mutex<HashMap<String, Option<Prepared>>>,
    answers: Mutex<Answers>,
}

impl std::fmt::Debug for Target {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Target").field("alg", &self.alg()).finish()
    }
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
}

/// The deployment a token names: its issuer, else its `kid`, as plain text.
pub(crate) fn deployment(jwt: &Jwt) -> Option<String> {
    let raw = jwt.claim("iss").or_else(|| {
        jwt.header
            .get("kid")
            .and_then(|k| k.as_str())
            .map(str::to_owned)
    })?;
    let clean: String = raw
        .chars()
        .filter(|c| c.is_ascii_alphanumeric() || "-_.:/".contains(*c))
        .take(60)
        .collect();
    (!clean.is_empty()).then_some(clean)
}

fn group_key(jwt: &Jwt) -> String {
    let mut names: Vec<&str> = jwt
        .claims
        .as_object()
        .map(|m| m.keys().map(String::as_str).collect())
        .unwrap_or_default();
    names.sort_unstable();
    format!(
        "{}|{}|{}|{}",
        jwt.alg(),
        jwt.header_b64,
        jwt.claim("iss").unwrap_or_default(),
        names.join(",")
    )
}

fn lossy(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// The count with thousands separators.
fn count(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// What a deployment's crack has tried so far.
#[derive(Debug, Default)]
struct Tally {
    tried: u64,
    sources: Vec<String>,
}

impl Tally {
    /// Counts one source's search; the outcome when it ends the crack.
    fn step(&mut self, name: String, step: Step) -> Option<Outcome> {
        match step {
            Step::Found(key) => Some(Outcome::Found(Cracked {
                secret: lossy(&key),
                source: name,
            })),
            Step::Exhausted(n) => {
                self.tried += n;
                self.sources.push(name);
                None
            }
            Step::OutOfTime(n) => {
                self.tried += n;
                self.sources.push(format!("{name}, in part"));
                Some(self.gave_up(true))
            }
        }
    }

    fn gave_up(&self, out_of_time: bool) -> Outcome {
        Outcome::GaveUp {
            tried: self.tried,
            sources: self.sources.clone(),
            out_of_time,
        }
    }
}

/// The source name of the answer words.
const FROM_ANSWERS: &str = "words from the target's answers";

impl Cracker {
    /// A cracker with `options`.
    pub(crate) fn new(options: JwtCracking) -> Cracker {
        Cracker {
            options,
            spec_words: OnceLock::new(),
            groups: Mutex::new(HashMap::new()),
            tokens: Mutex::new(HashMap::new()),
            answers: Mutex::new(Answers::default()),
        }
    }

    /// Keeps the words of an answer's text (bounded) for later tries.
    pub(crate) fn learn(&self, text: &str) {
        let mut answers = lock(&self.answers);
        if answers.words.len() >= ANSWER_WORDS {
            return;
        }
        let head = if text.len() <= ANSWER_BYTES {
            text
        } else {
            let mut end = ANSWER_BYTES;
            while !text.is_char_boundary(end) {
                end -= 1;
            }
            text.get(..end).unwrap_or_default()
        };
        for word in head.split(|c: char| !(c.is_alphanumeric() || "-_.!@$%^&*+=~".contains(c))) {
            let word = word.trim_matches('.');
            if (4..=64).contains(&word.len())
                && !word.bytes().all(|b| b.is_ascii_digit())
                && !answers.seen.contains(word)
            {
                answers.seen.insert(word.to_owned());
                answers.words.push(word.to_owned());
                if answers.words.len() >= ANSWER_WORDS {
                    break;
                }
            }
        }
    }

    /// The secret that signs `token` (an HS256/384/512 JWT), seen in
    /// `seen_in` (e.g. `POST /login`); `None` for other tokens and when the
    /// budget found none. A deployment's first token costs the whole
    /// budget; later ones one HMAC, or the answer words learnt since.
    pub(crate) fn crack(&self, api: &Api, token: &str, seen_in: &str) -> Option<Cracked> {
        let known = lock(&self.tokens).get(token).cloned();
        let (group, target) = match known {
            Some(entry) => entry?,
            None => {
                let entry = self.prepare(token, seen_in);
                let mut tokens = lock(&self.tokens);
                if tokens.len() >= TOKENS {
                    tokens.clear();
                }
                tokens.insert(token.to_owned(), entry.clone());
                entry?
            }
        };
        let outcome = group
            .outcome
            .get_or_init(|| self.full(api, &group, &target));
        match outcome {
            Outcome::Found(c) => target.matches(c.secret.as_bytes()).then(|| c.clone()),
            Outcome::GaveUp { .. } => {
                if let Some(c) = group.late.get() {
                    return target.matches(c.secret.as_bytes()).then(|| c.clone());
                }
                self.with_new_answers(&group, &target)
            }
        }
    }

    /// The secret already found for `token`'s deployment, if its crack
    /// has ended with one (no search is started: token_chain signs with
    /// what weak_jwt_secret found).
    pub(crate) fn known(&self, token: &str) -> Option<Cracked> {
        let jwt = Jwt::parse(token)?;
        let group = lock(&self.groups).get(&group_key(&jwt)).cloned()?;
        let found = match group.outcome.get()? {
            Outcome::Found(c) => c.clone(),
            Outcome::GaveUp { .. } => group.late.get()?.clone(),
        };
        jwt.verifies_with(found.secret.as_bytes()).then_some(found)
    }

    fn prepare(&self, token: &str, seen_in: &str) -> Option<Prepared> {
        let jwt = Jwt::parse(token)?;
        let alg = Alg::from_header(jwt.alg())?;
        let signature = URL_SAFE_NO_PAD
            .decode(jwt.signature_b64.trim_end_matches('='))
            .ok()?;
        let message = format!("{}.{}", jwt.header_b64, jwt.payload_b64);
        let target = Target::new(alg, message.as_bytes(), &signature)?;
        let key = group_key(&jwt);
        let group = Arc::clone(lock(&self.groups).entry(key).or_insert_with(|| {
            Arc::new(Group {
                alg,
                issuer: deployment(&jwt),
                seen_in: seen_in.to_owned(),
                outcome: OnceLock::new(),
                answers_tried: Mutex::new(0),
                late: OnceLock::new(),
            })
        }));
        Some((group, Arc::new(target)))
    }

    /// The answer words not tried on `group` yet, tried on `target`.
    fn with_new_answers(&self, group: &Group, target: &Target) -> Option<Cracked> {
        let mut tried = lock(&group.answers_tried);
        let fresh: Vec<String> = {
            let answers = lock(&self.answers);
            answers.words.get(*tried..).unwrap_or_default().to_vec()
        };
        if fresh.is_empty() {
            return None;
        }
        *tried += fresh.len();
        let limits = Limits::all_cores(Instant::now() + self.options.time_cap);
        if let Step::Found(key) = search::list(target, &fresh, limits) {
            let c = Cracked {
                secret: lossy(&key),
                source: FROM_ANSWERS.to_owned(),
            };
            let _ = group.late.set(c.clone());
            return Some(c);
        }
        None
    }

    /// The whole budget on the first token of `group`.
    fn full(&self, api: &Api, group: &Group, target: &Target) -> Outcome {
        let deadline = Instant::now() + self.options.time_cap;
        let limits = Limits::all_cores(deadline);
        let spec = self.spec_words.get_or_init(|| lists::spec_words(api));
        let mut tally = Tally::default();
        macro_rules! try_list {
            ($name:expr, $keys:expr) => {
                if let Some(outcome) =
                    tally.step($name.to_owned(), search::list(target, $keys, limits))
                {
                    return outcome;
                }
            };
        }
        try_list!("apiprobe's list", lists::own());
        try_list!("the spec's words", spec);
        if !self.options.user_words.is_empty() {
            try_list!("your list (--jwt-wordlist)", &self.options.user_words[..]);
        }
        try_list!(
            "the JWT secrets list (wallarm/jwt-secrets)",
            lists::wallarm()
        );
        try_list!("common passwords (zxcvbn)", lists::passwords());
        try_list!("common English words (zxcvbn)", lists::words());
        if self.options.system_dictionary && !lists::system_dictionary().is_empty() {
            try_list!(
                format!("the system dictionary ({})", lists::SYSTEM_DICTIONARY),
                lists::system_dictionary()
            );
        }
        if self.options.max_digits > 0 {
            let name = format!("numbers of up to {} digits", self.options.max_digits);
            let mut tried = 0;
            for width in 1..=self.options.max_digits {
                match search::numbers(target, width, limits) {
                    Step::Exhausted(n) => tried += n,
                    Step::OutOfTime(n) => {
                        return tally
                            .step(name, Step::OutOfTime(tried + n))
                            .unwrap_or_else(|| tally.gave_up(true));
                    }
                    found => {
                        return tally
                            .step(name, found)
                            .unwrap_or_else(|| tally.gave_up(false));
                    }
                }
            }
            let _ = tally.step(name, Step::Exhausted(tried));
        }
        let fresh: Vec<String> = lock(&self.answers).words.clone();
        *lock(&group.answers_tried) = fresh.len();
        if !fresh.is_empty()
            && let Step::Found(key) = search::list(target, &fresh, limits)
        {
            return Outcome::Found(Cracked {
                secret: lossy(&key),
                source: FROM_ANSWERS.to_owned(),
            });
        }
        tally.gave_up(false)
    }

    /// One line per deployment whose secret was not found, for the summary.
    pub(crate) fn notes(&self) -> Vec<String> {
        let groups = lock(&self.groups);
        let mut out: Vec<String> = groups
            .values()
            .filter(|g| g.late.get().is_none())
            .filter_map(|g| match g.outcome.get()? {
                Outcome::Found(_) => None,
                Outcome::GaveUp {
                    tried,
                    sources,
                    out_of_time,
                } => {
                    let issuer = g
                        .issuer
                        .as_ref()
                        .map(|i| format!(" (issuer {i:?})"))
                        .unwrap_or_default();
                    let answers = *lock(&g.answers_tried);
                    let stop = if *out_of_time {
                        format!(
                            "gave up at its time cap of {} s",
                            self.options.time_cap.as_secs()
                        )
                    } else {
                        "gave up: the secret is none of them".to_owned()
                    };
                    Some(format!(
                        "weak_jwt_secret: the {} token seen in {}{issuer} resisted {} candidate secrets ({}) and {} word{} from the target's answers; cracking {stop}",
                        g.alg.name(),
                        g.seen_in,
                        count(*tried),
                        sources.join(", "),
                        answers,
                        if answers == 1 { "" } else { "s" },
                    ))
                }
            })
            .collect();
        out.sort();
        out
    }
}

#[cfg(test)]
mod tests;
