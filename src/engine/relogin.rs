//! Signing in again when a token expires: a request that carried the
//! current credential of a login (`--login`, or a `login:` identity) and
//! was answered 401 makes that login sign in once more, and the request is
//! sent again with the new credential.
//!
//! - Single flight: concurrent 401s of one login wait for one sign-in and
//!   all resend with its result.
//! - Bounded: a sign-in is fruitless until a request resent with its
//!   credential gets an answer other than 401; a login signs in again at
//!   most [`MAX_FRUITLESS`] times to no avail and [`MAX_RELOGINS`] times in
//!   all per scan. A target that answers 401 to everything (or an operation
//!   that answers 401 whatever the token) causes no login storm, and one
//!   whose tokens expire every few minutes keeps being scanned.
//! - The login operation's own 401s (a wrong password in a probe's body)
//!   never sign in again.
//! - Only the login's *current* credential triggers it. A request that
//!   carried an older one is resent with the current one without a
//!   sign-in; requests with other credentials (none, forged, tampered, as
//!   authentication probes send) are never touched.
//! - Every later request carrying an older credential of a login is sent
//!   with the current one instead (the scan's options and the identities'
//!   credentials keep the first values).

use std::borrow::Cow;
use std::sync::RwLock;
use std::sync::atomic::{AtomicBool, AtomicU32, AtomicU64, Ordering};

use super::event::Event;
use super::shared::Shared;
use crate::http::{Exchange, Outcome, Request};
use crate::identity::Credential;
use crate::identity::NamedIdentity;
use crate::identity::TokenUse;
use crate::identity::{Account, SignedIn, login_traced};
use crate::model::Api;
use crate::model::login::find_login;
use crate::probes::ProbeKind;

/// Sign-ins after a 401, at most, per login and scan.
pub(crate) const MAX_RELOGINS: u32 = 20;
/// Sign-ins, at most, after which no resent request had an answer but 401.
pub(crate) const MAX_FRUITLESS: u32 = 3;
/// The probe kind sign-ins are recorded under (HAR, NDJSON).
pub(crate) const SIGN_IN_PROBE: ProbeKind = ProbeKind::Active("sign_in");

/// Hands sign-in exchanges to the scan's observer (the reports list them
/// like every other), as exchanges of the login operation.
pub(crate) fn announce(shared: &Shared, exchanges: &[Exchange]) {
    let Some(op) = find_login(&shared.api).and_then(|i| shared.api.operations.get(i)) else {
        return;
    };
    for exchange in exchanges {
        shared.observer.on_event(&Event::Exchange {
            operation: op,
            probe: &SIGN_IN_PROBE,
            exchange,
        });
    }
}

/// `exchange` with `token` hidden in its answer: a token got by signing in
/// again is known to no mask the reports apply (those hide the values known
/// when the scan began, and credentials by name where they are sent).
fn hide_token(mut exchange: Exchange, token: &str) -> Exchange {
    if token.len() < 4 {
        return exchange;
    }
    if let Outcome::Response(r) = &mut exchange.outcome {
        for (_, v) in &mut r.headers {
            if v.contains(token) {
                *v = v.replace(token, "***");
            }
        }
        if let Ok(text) = std::str::from_utf8(&r.body)
            && text.contains(token)
        {
            r.body = text.replace(token, "***").into_bytes();
        }
    }
    exchange
}

/// One login's credentials: the current one and those it replaced.
struct Generations {
    current: Credential,
    previous: Vec<Credential>,
}

struct Signer {
    account: Account,
    token: TokenUse,
    state: RwLock<Generations>,
    /// Held while signing in: one sign-in at a time per login.
    gate: tokio::sync::Mutex<()>,
    logins: AtomicU32,
    /// Sign-ins no resent request has proved useful.
    fruitless: AtomicU32,
    /// The last sign-in is not proved useful yet.
    pending: AtomicBool,
}

impl Signer {
    fn current(&self) -> Credential {
        match self.state.read() {
            Ok(g) => g.current.clone(),
            Err(poisoned) => poisoned.into_inner().current.clone(),
        }
    }

    /// Whether `c` is this login's current credential (`Some(true)`), an
    /// older one (`Some(false)`), or none of its own (`None`).
    fn knows(&self, c: &Credential) -> Option<bool> {
        let g = match self.state.read() {
            Ok(g) => g,
            Err(poisoned) => poisoned.into_inner(),
        };
        if &g.current == c {
            Some(true)
        } else if g.previous.contains(c) {
            Some(false)
        } else {
            None
        }
    }
}

/// The logins of a scan that can sign in again.
#[derive(Default)]
pub(crate) struct Signers {
    list: Vec<Signer>,
    /// The login operation's path (its 401s are about the body).
    login_path: Option<String>,
    /// Sign-ins made after a 401, in all.
    pub(crate) logins: AtomicU64,
    /// The logins' passwords kept, their last touching requests (keep.rs).
    pub(crate) keeper: super::keep::Keeper,
    /// The scan's own login account's user name.
    own: Option<String>,
}

impl Signers {
    /// The scan's own login and every login identity.
    pub(crate) fn new(api: &Api, own: Option<&SignedIn>, identities: &[NamedIdentity]) -> Signers {
        let mut list = Vec::new();
        let mut add = |account: &Account, token: &TokenUse, credential: &Credential| {
            if list.iter().any(|s: &Signer| s.current() == *credential) {
                return;
            }
            list.push(Signer {
                account: account.clone(),
                token: token.clone(),
                state: RwLock::new(Generations {
                    current: credential.clone(),
                    previous: Vec::new(),
                }),
                gate: tokio::sync::Mutex::new(()),
                logins: AtomicU32::new(0),
                fruitless: AtomicU32::new(0),
                pending: AtomicBool::new(false),
            });
        };
        if let Some(s) = own {
            add(&s.account, &s.token, &s.credential);
        }
        for i in identities {
            if let (Some(account), [credential]) = (&i.account, &i.credentials[..]) {
                add(account, &i.token, credential);
            }
        }
        Signers {
            login_path: find_login(api).and_then(|i| api.operations.get(i).map(|o| o.path.clone())),
            list,
            logins: AtomicU64::new(0),
            keeper: super::keep::Keeper::new(
                api.operations
                    .iter()
                    .filter(|op| crate::model::login::login_fields(api, op).is_some())
                    .map(|op| op.path.clone())
                    .collect(),
            ),
            own: own.map(|s| s.account.user.clone()),
        }
    }

    /// Guards `request` when `credentials` hold a login's (keep.rs), or
    /// the scan's own credentials (`own`: its `--login` account and the
    /// credentials the scan sends with) when they are no signer's.
    pub(crate) fn keep(
        &self,
        credentials: &[Credential],
        own: Option<(&Account, &[Credential])>,
        request: &mut Request,
    ) {
        let account = match credentials
            .iter()
            .find_map(|c| self.list.iter().find(|s| s.knows(c).is_some()))
        {
            Some(signer) => &signer.account,
            None => match own {
                Some((account, own))
                    if !own.is_empty() && own.iter().all(|c| credentials.contains(c)) =>
                {
                    account
                }
                _ => return,
            },
        };
        let user = account.user.as_str();
        let own_user = self
            .own
            .as_deref()
            .or_else(|| own.map(|(a, _)| a.user.as_str()));
        let sender = super::keep::Sender {
            account,
            own: own_user == Some(user),
            others: self
                .list
                .iter()
                .map(|s| s.account.user.as_str())
                .filter(|u| *u != user)
                .collect(),
        };
        self.keeper
            .guard(&sender, self.login_path.as_deref(), request);
    }

    /// `credentials` with every older credential of a login replaced by its current one.
    pub(crate) fn current<'c>(&self, credentials: &'c [Credential]) -> Cow<'c, [Credential]> {
        if self.list.is_empty() || self.logins.load(Ordering::Relaxed) == 0 {
            return Cow::Borrowed(credentials);
        }
        let mut out = Cow::Borrowed(credentials);
        for (k, c) in credentials.iter().enumerate() {
            if let Some(s) = self.list.iter().find(|s| s.knows(c) == Some(false)) {
                out.to_mut()[k] = s.current();
            }
        }
        out
    }

    /// A request resent with `sent` after a sign-in was answered: `useful`
    /// when not with 401 (the fresh credential works where the old did not).
    pub(crate) fn resent(&self, sent: &[Credential], useful: bool) {
        if !useful {
            return;
        }
        for s in &self.list {
            if sent.iter().any(|c| s.knows(c) == Some(true))
                && s.pending.swap(false, Ordering::Relaxed)
            {
                let _ = s
                    .fruitless
                    .fetch_update(Ordering::Relaxed, Ordering::Relaxed, |n| n.checked_sub(1));
            }
        }
    }

    /// After a 401 to a request sent with `sent`: the credential to put in
    /// place of which one, signing in again when `sent` held a login's
    /// current credential (once for all concurrent callers, within the
    /// bound). `None`: nothing to resend with.
    pub(crate) async fn refresh(
        &self,
        shared: &Shared,
        request: &Request,
        sent: &[Credential],
    ) -> Option<(Credential, Credential)> {
        if self.list.is_empty() || self.login_path.as_deref() == Some(request.path.as_str()) {
            return None;
        }
        let (signer, old) = sent.iter().find_map(|c| {
            self.list
                .iter()
                .find(|s| s.knows(c).is_some())
                .map(|s| (s, c))
        })?;
        let _gate = tokio::select! {
            g = signer.gate.lock() => g,
            _ = shared.stop.wait() => return None,
        };
        let now = signer.current();
        if &now != old {
            // signed in again meanwhile (or an older credential was sent)
            return Some((old.clone(), now));
        }
        if signer.logins.load(Ordering::Relaxed) >= MAX_RELOGINS
            || signer.fruitless.load(Ordering::Relaxed) >= MAX_FRUITLESS
            || shared.stop.is_set()
        {
            return None;
        }
        signer.logins.fetch_add(1, Ordering::Relaxed);
        signer.fruitless.fetch_add(1, Ordering::Relaxed);
        signer.pending.store(true, Ordering::Relaxed);
        self.logins.fetch_add(1, Ordering::Relaxed);
        let mut trace = Vec::new();
        let fresh = tokio::select! {
            r = login_traced(
                &shared.api,
                &shared.client,
                &shared.options.base_url,
                &signer.account,
                &signer.token,
                &mut trace,
            ) => r,
            _ = shared.stop.wait() => return None,
        };
        if let Ok(c) = &fresh {
            let token = c.value.strip_prefix("Bearer ").unwrap_or(&c.value);
            trace = trace.into_iter().map(|e| hide_token(e, token)).collect();
        }
        announce(shared, &trace);
        // refused: the password no longer works (a 2xx without a token is another story)
        let refused = trace
            .last()
            .and_then(|e| e.response())
            .is_some_and(|r| matches!(r.status, 400 | 401 | 403 | 404 | 422));
        if fresh.is_err() && refused {
            signer.fruitless.store(MAX_FRUITLESS, Ordering::Relaxed);
            if let Some(message) = self.keeper.lost(&signer.account) {
                shared
                    .observer
                    .on_event(&Event::Warning { message: &message });
            }
        }
        let fresh = fresh.ok()?;
        if fresh == *old {
            return None;
        }
        let mut g = match signer.state.write() {
            Ok(g) => g,
            Err(poisoned) => poisoned.into_inner(),
        };
        let replaced = std::mem::replace(&mut g.current, fresh.clone());
        g.previous.push(replaced);
        Some((old.clone(), fresh))
    }
}
