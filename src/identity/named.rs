//! Named identities: the users a scan acts as, beside its own credentials,
//! so that authorization probes can have one user trespass on another's
//! resources (BOLA) or a low-privilege user call a privileged operation
//! (BFLA).
//!
//! On the command line, `--identity NAME[:ROLE]=HOW`, where HOW is one of
//! `bearer:TOKEN`, `basic:USER:PASSWORD`, `api-key:NAME:VALUE[:header|query|cookie]`,
//! `header:NAME:VALUE`, `cookie:NAME=VALUE` or `login:USER:PASSWORD` (signs
//! in through the spec's login operation before the scan). A login may say
//! where its token is and how it is sent, in brackets before the colon:
//! `login[from=header:X-Auth-Token,as=cookie:sid]:USER:PASSWORD` (see
//! [`token`](super::token) for the locators; a bracketed value holds no `,` or `]`).

use super::credential::{Credential, Place};
use super::login::{Account, LoginError, login_traced};
use super::token::{TokenAs, TokenFrom, TokenUse};
use crate::http::{Client, Exchange};
use crate::model::Api;

/// Role labels that mean "may do more than a normal user" unless the user
/// says otherwise (`--privileged-role`, `privileged` in `[identities.NAME]`).
pub(crate) const PRIVILEGED_ROLES: [&str; 7] = [
    "admin",
    "administrator",
    "root",
    "superuser",
    "staff",
    "owner",
    "superadmin",
];

/// How an identity authenticates, as configured (before any login).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum IdentityAuth {
    /// Fixed credentials.
    Credentials(Vec<Credential>),
    /// An API key as written, before the spec is known: without a place
    /// of its own, it goes where the spec declares a key of that name
    /// ([`Credential::api_key`]), found by [`IdentitySpec::placed`] or
    /// when the identity is resolved.
    ApiKey {
        /// The key's name.
        name: String,
        /// Its value.
        value: String,
        /// Where it goes, when the text says.
        place: Option<Place>,
    },
    /// Sign in through the spec's login operation.
    Login(Account),
}

impl IdentityAuth {
    /// The `KIND` and `VALUE` of `KIND:VALUE` (`bearer`, `basic`,
    /// `api-key`, `header`, `cookie`, `login`; see the module's
    /// documentation). Needs no spec: an API key stays
    /// [`IdentityAuth::ApiKey`].
    ///
    /// # Errors
    /// An unknown kind, or a value of the wrong shape for its kind, with
    /// what is wrong.
    pub fn parse(kind: &str, value: &str) -> Result<IdentityAuth, String> {
        let auth = match kind {
            "bearer" if !value.is_empty() => {
                IdentityAuth::Credentials(vec![Credential::bearer(value)])
            }
            "bearer" => return Err("bearer needs a token".to_owned()),
            "basic" if value.contains(':') => {
                IdentityAuth::Credentials(vec![Credential::basic(value)])
            }
            "basic" => return Err("basic needs USER:PASSWORD".to_owned()),
            "login" => IdentityAuth::Login(
                Account::parse(value).ok_or_else(|| "login needs USER:PASSWORD".to_owned())?,
            ),
            "header" => {
                let (n, v) = value
                    .split_once(':')
                    .filter(|(n, _)| !n.is_empty())
                    .ok_or_else(|| "header needs NAME:VALUE".to_owned())?;
                IdentityAuth::Credentials(vec![Credential::header(n.trim(), v.trim())])
            }
            "cookie" => {
                let (n, v) = value
                    .split_once('=')
                    .filter(|(n, _)| !n.is_empty())
                    .ok_or_else(|| "cookie needs NAME=VALUE".to_owned())?;
                IdentityAuth::Credentials(vec![Credential {
                    place: Place::Cookie,
                    name: n.to_owned(),
                    value: v.to_owned(),
                }])
            }
            "api-key" => {
                let (n, v) = value
                    .split_once(':')
                    .filter(|(n, _)| !n.is_empty())
                    .ok_or_else(|| "api-key needs NAME:VALUE[:header|query|cookie]".to_owned())?;
                let (value, place) = match v.rsplit_once(':') {
                    Some((v, "header")) => (v, Some(Place::Header)),
                    Some((v, "query")) => (v, Some(Place::Query)),
                    Some((v, "cookie")) => (v, Some(Place::Cookie)),
                    _ => (v, None),
                };
                IdentityAuth::ApiKey {
                    name: n.to_owned(),
                    value: value.to_owned(),
                    place,
                }
            }
            other => {
                return Err(format!(
                    "unknown kind {other:?} (use bearer, basic, api-key, header, cookie or login)"
                ));
            }
        };
        Ok(auth)
    }

    /// The same, an API key placed where `api` declares it.
    fn placed(self, api: &Api) -> IdentityAuth {
        match self {
            IdentityAuth::ApiKey { name, value, place } => {
                IdentityAuth::Credentials(vec![Credential::api_key(api, &name, &value, place)])
            }
            other => other,
        }
    }
}

/// An identity as configured: a name, an optional role, and how it signs in.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IdentitySpec {
    /// The name findings use (`alice`, `admin`).
    pub name: String,
    /// A role label (`user`, `admin`); none means a normal user.
    pub role: Option<String>,
    /// How it authenticates.
    pub auth: IdentityAuth,
    /// For a login: where the token is and how it is sent, when the text
    /// says so (`login[from=...,as=...]`); `None` leaves it to the scan's default.
    pub token: Option<TokenUse>,
    /// Whether the identity may do more than a plain user, when the user
    /// says (`--privileged-role ROLE`, `privileged = true` in
    /// `[identities.NAME]`); `None` leaves it to the built-in role words
    /// ([`PRIVILEGED_ROLES`]).
    pub privileged: Option<bool>,
}

/// An identity ready to send with: its credentials are known.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NamedIdentity {
    /// The name findings use.
    pub name: String,
    /// The role label, if any.
    pub role: Option<String>,
    /// The credentials every request of this identity carries.
    pub credentials: Vec<Credential>,
    /// The account it signed in with, for a login identity (a 401 signs in again).
    pub account: Option<Account>,
    /// For a login identity, where its login answers hold the token and
    /// how it is sent (signing in again after a 401 does the same).
    pub token: TokenUse,
    /// Whether the user marked it privileged or not (see
    /// [`IdentitySpec::privileged`]); `None`: its role word decides.
    pub privileged: Option<bool>,
}

impl NamedIdentity {
    /// Whether it may do more than a plain user: as the user marked it,
    /// else when its role is one of the built-in words ([`PRIVILEGED_ROLES`]).
    pub fn is_privileged(&self) -> bool {
        self.privileged
            .unwrap_or_else(|| self.role.as_deref().is_some_and(is_privileged_role))
    }
}

/// Whether a role label means more than a normal user's rights.
pub fn is_privileged_role(role: &str) -> bool {
    let r = role.trim().to_ascii_lowercase();
    PRIVILEGED_ROLES.contains(&r.as_str())
}

/// Why an identity could not be read or signed in.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum IdentityError {
    /// The text does not have the `NAME[:ROLE]=HOW` shape.
    #[error("--identity {text:?}: {reason}")]
    Syntax {
        /// What was given.
        text: String,
        /// What is wrong.
        reason: String,
    },
    /// Signing in failed.
    #[error("identity {name}: {source}")]
    Login {
        /// The identity.
        name: String,
        /// Why.
        source: LoginError,
    },
}

impl IdentitySpec {
    /// Reads `NAME[:ROLE]=HOW` (see the module's documentation), an API
    /// key placed where `api` declares it.
    ///
    /// # Errors
    /// A text of another shape, with what is wrong.
    pub fn parse(api: &Api, text: &str) -> Result<IdentitySpec, IdentityError> {
        IdentitySpec::read(text).map(|spec| spec.placed(api))
    }

    /// Reads `NAME[:ROLE]=HOW` without a spec: an API key without a place
    /// of its own stays [`IdentityAuth::ApiKey`] until [`placed`](Self::placed)
    /// or [`resolve_with`](Self::resolve_with).
    ///
    /// # Errors
    /// A text of another shape, with what is wrong.
    pub fn read(text: &str) -> Result<IdentitySpec, IdentityError> {
        let bad = |reason: &str| IdentityError::Syntax {
            text: text.to_owned(),
            reason: reason.to_owned(),
        };
        let (person, how) = text
            .split_once('=')
            .ok_or_else(|| bad("expected NAME[:ROLE]=HOW, e.g. alice=bearer:TOKEN"))?;
        let (name, role) = match person.split_once(':') {
            Some((n, r)) => (n, Some(r)),
            None => (person, None),
        };
        // the name and role first: an error names them before the rest
        who(name, role).map_err(|e| bad(&e))?;
        let mut token = None;
        let rewritten;
        let mut how = how;
        if let Some(inner) = how.strip_prefix("login[") {
            let (options, rest) = inner
                .split_once("]:")
                .ok_or_else(|| bad("expected login[OPTIONS]:USER:PASSWORD"))?;
            token = Some(token_options(options).map_err(|e| bad(&e))?);
            rewritten = format!("login:{rest}");
            how = &rewritten;
        }
        let (kind, rest) = how.split_once(':').ok_or_else(|| {
            bad("expected KIND:VALUE after '=' (bearer, basic, api-key, header, cookie, login)")
        })?;
        let auth = IdentityAuth::parse(kind, rest).map_err(|e| bad(&e))?;
        IdentitySpec::new(name, role, auth, token).map_err(|e| bad(&e))
    }

    /// An identity from its parts (an `[identities.NAME]` table of
    /// apiprobe.toml), its name and role checked as [`read`](Self::read)
    /// checks them (both trimmed).
    ///
    /// # Errors
    /// A name of other than letters, digits, `-`, `_` and `.`; an empty role.
    pub fn new(
        name: &str,
        role: Option<&str>,
        auth: IdentityAuth,
        token: Option<TokenUse>,
    ) -> Result<IdentitySpec, String> {
        let (name, role) = who(name, role)?;
        Ok(IdentitySpec {
            name: name.to_owned(),
            role: role.map(str::to_owned),
            auth,
            token,
            privileged: None,
        })
    }

    /// The same identity, marked privileged when its role is one of
    /// `roles` (`--privileged-role`, compared without case); an identity
    /// already marked keeps its mark.
    pub fn with_privileged_roles(mut self, roles: &[String]) -> IdentitySpec {
        if self.privileged.is_none()
            && let Some(role) = &self.role
            && roles
                .iter()
                .any(|r| r.trim().eq_ignore_ascii_case(role.trim()))
        {
            self.privileged = Some(true);
        }
        self
    }

    /// The same identity, an API key placed where `api` declares it
    /// ([`IdentityAuth::ApiKey`] becomes [`IdentityAuth::Credentials`]).
    pub fn placed(mut self, api: &Api) -> IdentitySpec {
        self.auth = self.auth.placed(api);
        self
    }

    /// The identity ready to send with: a login identity signs in through
    /// the spec's login operation at `base_url` (its token found and sent
    /// as its own `token` options say, else by default).
    ///
    /// # Errors
    /// A login that fails (no login operation, refused, no token).
    pub async fn resolve(
        self,
        api: &Api,
        client: &Client,
        base_url: &str,
    ) -> Result<NamedIdentity, IdentityError> {
        self.resolve_with(api, client, base_url, &TokenUse::default())
            .await
    }

    /// [`resolve`](Self::resolve), a login identity without token options
    /// of its own taking and sending its token as `default_token` says
    /// (`--token-from`, `--token-as`).
    ///
    /// # Errors
    /// A login that fails (no login operation, refused, no token).
    pub async fn resolve_with(
        self,
        api: &Api,
        client: &Client,
        base_url: &str,
        default_token: &TokenUse,
    ) -> Result<NamedIdentity, IdentityError> {
        self.resolve_traced(api, client, base_url, default_token, &mut Vec::new())
            .await
    }

    /// [`resolve_with`](Self::resolve_with), a login identity's sign-in
    /// exchange pushed to `trace` (the reports list it).
    ///
    /// # Errors
    /// A login that fails (no login operation, refused, no token).
    pub async fn resolve_traced(
        self,
        api: &Api,
        client: &Client,
        base_url: &str,
        default_token: &TokenUse,
        trace: &mut Vec<Exchange>,
    ) -> Result<NamedIdentity, IdentityError> {
        let token = self.token.unwrap_or_else(|| default_token.clone());
        let (credentials, account) = match self.auth {
            IdentityAuth::Credentials(c) => (c, None),
            IdentityAuth::ApiKey { name, value, place } => {
                (vec![Credential::api_key(api, &name, &value, place)], None)
            }
            IdentityAuth::Login(account) => {
                let credential = login_traced(api, client, base_url, &account, &token, trace)
                    .await
                    .map_err(|source| IdentityError::Login {
                        name: self.name.clone(),
                        source,
                    })?;
                (vec![credential], Some(account))
            }
        };
        Ok(NamedIdentity {
            name: self.name,
            role: self.role,
            credentials,
            account,
            token,
            privileged: self.privileged,
        })
    }
}

/// An identity's name and role, trimmed: a name of letters, digits, `-`,
/// `_` and `.`, a role not empty.
fn who<'t>(name: &'t str, role: Option<&'t str>) -> Result<(&'t str, Option<&'t str>), String> {
    let name = name.trim();
    let role = role.map(str::trim);
    if name.is_empty()
        || !name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "-_.".contains(c))
    {
        return Err("the name must be letters, digits, '-', '_' or '.'".to_owned());
    }
    if role.is_some_and(str::is_empty) {
        return Err("the role after ':' is empty".to_owned());
    }
    Ok((name, role))
}

/// `from=LOCATOR,as=HOW` (either may be left out) as a [`TokenUse`].
fn token_options(text: &str) -> Result<TokenUse, String> {
    let mut token = TokenUse::default();
    for part in text.split(',').map(str::trim).filter(|p| !p.is_empty()) {
        match part.split_once('=') {
            Some(("from", v)) => token.from = TokenFrom::parse(v).map_err(|e| e.to_string())?,
            Some(("as", v)) => token.send = Some(TokenAs::parse(v).map_err(|e| e.to_string())?),
            _ => {
                return Err(format!(
                    "login option {part:?}: expected from=LOCATOR or as=HOW"
                ));
            }
        }
    }
    Ok(token)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::spec::Loader;

    fn api() -> Api {
        Loader::new()
            .load_str(
                "openapi: 3.0.3\ninfo: {title: t, version: '1'}\npaths: {}\n",
                "t.yaml",
            )
            .expect("loads")
    }

    #[test]
    fn identities_parse_every_kind() {
        let api = api();
        let b = IdentitySpec::parse(&api, "alice=bearer:tok").unwrap();
        assert_eq!(b.name, "alice");
        assert_eq!(b.role, None);
        assert_eq!(
            b.auth,
            IdentityAuth::Credentials(vec![Credential::bearer("tok")])
        );
        let a = IdentitySpec::parse(&api, "root:admin=login:root:pa:ss").unwrap();
        assert_eq!(a.role.as_deref(), Some("admin"));
        assert_eq!(
            a.auth,
            IdentityAuth::Login(Account {
                user: "root".into(),
                password: "pa:ss".into()
            })
        );
        let k = IdentitySpec::parse(&api, "svc=api-key:X-Key:abc:query").unwrap();
        let IdentityAuth::Credentials(c) = k.auth else {
            panic!("credentials");
        };
        assert_eq!(
            (c[0].place, c[0].name.as_str(), c[0].value.as_str()),
            (Place::Query, "X-Key", "abc")
        );
        let c = IdentitySpec::parse(&api, "web=cookie:sid=42").unwrap();
        let IdentityAuth::Credentials(c) = c.auth else {
            panic!("credentials");
        };
        assert_eq!(
            (c[0].place, c[0].name.as_str(), c[0].value.as_str()),
            (Place::Cookie, "sid", "42")
        );
    }

    #[test]
    fn logins_may_say_where_the_token_is() {
        let api = api();
        let a = IdentitySpec::parse(
            &api,
            "alice=login[from=header:X-Auth-Token,as=cookie:sid]:alice:pa:ss]",
        )
        .unwrap();
        assert_eq!(
            a.auth,
            IdentityAuth::Login(Account {
                user: "alice".into(),
                password: "pa:ss]".into()
            })
        );
        assert_eq!(
            a.token,
            Some(TokenUse {
                from: TokenFrom::Header("X-Auth-Token".into()),
                send: Some(TokenAs::Cookie("sid".into())),
            })
        );
        let p = IdentitySpec::parse(&api, "bob=login[from=/data/token]:bob:x").unwrap();
        assert_eq!(
            p.token.map(|t| t.from),
            Some(TokenFrom::Pointer("/data/token".into()))
        );
        assert_eq!(
            IdentitySpec::parse(&api, "bob=login:bob:x").unwrap().token,
            None
        );
        for (text, says) in [
            ("bob=login[from=body]:bob:x", "token locator"),
            ("bob=login[as=basic]:bob:x", "token sending"),
            ("bob=login[where=x]:bob:x", "expected from=LOCATOR"),
            ("bob=login[from=/x:bob:x", "login[OPTIONS]"),
        ] {
            let e = IdentitySpec::parse(&api, text).unwrap_err().to_string();
            assert!(e.contains(says), "{text}: {e}");
        }
    }

    #[test]
    fn bad_identities_say_what_is_wrong() {
        let api = api();
        for (text, says) in [
            ("alice", "NAME[:ROLE]=HOW"),
            ("=bearer:x", "the name"),
            ("alice:=bearer:x", "role"),
            ("alice=bearer:", "token"),
            ("alice=basic:nopass", "USER:PASSWORD"),
            ("alice=magic:x", "unknown kind"),
            ("alice=token", "KIND:VALUE"),
        ] {
            let e = IdentitySpec::parse(&api, text).unwrap_err().to_string();
            assert!(e.contains(says), "{text}: {e}");
        }
    }

    #[test]
    fn an_api_key_is_placed_by_the_spec_once_it_is_known() {
        let api = Loader::new()
            .load_str(
                "openapi: 3.0.3\ninfo: {title: t, version: '1'}\npaths: {}\ncomponents:\n  securitySchemes:\n    k: {type: apiKey, name: X-Key, in: query}\n",
                "t.yaml",
            )
            .expect("loads");
        let read = IdentitySpec::read("svc=api-key:X-Key:abc").unwrap();
        assert_eq!(
            read.auth,
            IdentityAuth::ApiKey {
                name: "X-Key".into(),
                value: "abc".into(),
                place: None
            }
        );
        let placed = read.placed(&api);
        assert_eq!(
            placed.auth,
            IdentityAuth::Credentials(vec![Credential {
                place: Place::Query,
                name: "X-Key".into(),
                value: "abc".into()
            }])
        );
        assert_eq!(
            placed,
            IdentitySpec::parse(&api, "svc=api-key:X-Key:abc").unwrap()
        );
        // from parts, checked as the text is
        let auth = IdentityAuth::parse("bearer", "t").unwrap();
        assert_eq!(
            IdentitySpec::new(" bob ", Some("user"), auth.clone(), None).unwrap(),
            IdentitySpec::read("bob:user=bearer:t").unwrap()
        );
        assert!(IdentitySpec::new("a b", None, auth.clone(), None).is_err());
        assert!(IdentitySpec::new("bob", Some(" "), auth, None).is_err());
        assert!(IdentityAuth::parse("basic", "nopass").is_err());
    }

    #[test]
    fn privileged_roles() {
        assert!(is_privileged_role("Admin"));
        assert!(is_privileged_role("superuser"));
        assert!(!is_privileged_role("user"));
        let n = NamedIdentity {
            name: "x".into(),
            role: None,
            credentials: vec![],
            account: None,
            token: TokenUse::default(),
            privileged: None,
        };
        assert!(!n.is_privileged());
        let editor = NamedIdentity {
            role: Some("editor".into()),
            ..n.clone()
        };
        assert!(!editor.is_privileged());
        assert!(
            NamedIdentity {
                privileged: Some(true),
                ..editor
            }
            .is_privileged()
        );
        let admin = NamedIdentity {
            role: Some("admin".into()),
            privileged: Some(false),
            ..n
        };
        assert!(!admin.is_privileged());
        let spec = IdentitySpec::read("ann:Editor=bearer:t").unwrap();
        assert_eq!(
            spec.clone()
                .with_privileged_roles(&["editor".into()])
                .privileged,
            Some(true)
        );
        assert_eq!(
            spec.with_privileged_roles(&["member".into()]).privileged,
            None
        );
    }
}
