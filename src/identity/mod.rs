//! Who a scan acts as: credentials, accounts and signing in, tokens, and
//! the named identities of `--identity`.
//!
//! - `credential`: [`Credential`]s added to every request, and where they go.
//! - `token`: [`TokenUse`], where a login answer holds its token and how it is sent.
//! - `login`: `--login`, signing in through the spec's login operation.
//! - `issued`: [`issued`], whether a sign-in's answer gave a credential (its only sign of success).
//! - `named`: [`NamedIdentity`], the users a scan acts as (`--identity`).

mod credential;
mod issued;
mod login;
mod named;
mod token;

pub use credential::{Credential, Place, apply as apply_credentials};
pub use issued::issued;
pub(crate) use login::login_request;
pub use login::{Account, LoginError, SignedIn, login, login_traced, login_with};
pub use named::{IdentityAuth, IdentityError, IdentitySpec, NamedIdentity, is_privileged_role};
pub use token::{TokenAs, TokenError, TokenFrom, TokenUse};
