//! Signing in again when a token expires: a request that carried the
//! current credential of a login (`--login`, or a `login:` identity) and
//! was answered 401 makes that login sign in once more, and the request is
//! sent again with the new credential.
//!
//! - Single flight: concurrent 401s of one login wait for one sign-in and
//!   all resend with its result.
//! - Bounded: at most [`MAX_RELOGINS`] sign-ins per login per scan, so a
//!   target that answers 401 to everything causes no login storm.
//! - Only the login's *current* credential triggers it. A request that
//!   carried an older one is resent with the current one without a
//!   sign-in; requests with other credentials (none, forged, tampered, as
//!   authentication probes send) are never touched.
//! - Every later request carrying an older credential of a login is sent
//!   with the current one instead (the scan's options and the identities'
//!   credentials keep the first values).

use std::borrow::Cow;
use std::sync::atomic::{AtomicU32, AtomicU64, Ordering};
use std::sync::RwLock;

use super::auth::Credential;
use super::identity::NamedIdentity;
use super::login::{Account, SignedIn, login_with};
use super::scan::Shared;
use super::token::TokenUse;

/// Sign-ins after a 401, at most, per login and scan.
pub(crate) const MAX_RELOGINS: u32 = 3;

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
    /// Sign-ins made after a 401, in all.
    pub(crate) logins: AtomicU64,
}

impl Signers {
    /// The scan's own login and every login identity.
    pub(crate) fn new(own: Option<&SignedIn>, identities: &[NamedIdentity]) -> Signers {
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
            list,
            logins: AtomicU64::new(0),
        }
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

    /// After a 401 to a request sent with `sent`: the credential to put in
    /// place of which one, signing in again when `sent` held a login's
    /// current credential (once for all concurrent callers, within the
    /// bound). `None`: nothing to resend with.
    pub(crate) async fn refresh(
        &self,
        shared: &Shared,
        sent: &[Credential],
    ) -> Option<(Credential, Credential)> {
        let (signer, old) = sent
            .iter()
            .find_map(|c| self.list.iter().find(|s| s.knows(c).is_some()).map(|s| (s, c)))?;
        let _gate = tokio::select! {
            g = signer.gate.lock() => g,
            _ = shared.stop.wait() => return None,
        };
        let now = signer.current();
        if &now != old {
            // signed in again meanwhile (or an older credential was sent)
            return Some((old.clone(), now));
        }
        if signer.logins.load(Ordering::Relaxed) >= MAX_RELOGINS || shared.stop.is_set() {
            return None;
        }
        signer.logins.fetch_add(1, Ordering::Relaxed);
        self.logins.fetch_add(1, Ordering::Relaxed);
        let fresh = tokio::select! {
            r = login_with(
                &shared.api,
                &shared.client,
                &shared.options.base_url,
                &signer.account,
                &signer.token,
            ) => r.ok()?,
            _ = shared.stop.wait() => return None,
        };
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
