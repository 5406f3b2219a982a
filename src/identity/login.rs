//! `--login USER:PASSWORD`: sign in once through the spec's login-like
//! operation before the scan, and use the token it answers with as the
//! scan's bearer credential.

use serde_json::{Map, Value};

use super::credential::Credential;
use super::token::TokenUse;
use crate::http::Client;
use crate::http::join_url as join;
use crate::http::{Exchange, Outcome, Response};
use crate::http::{Request, RequestBody};
use crate::model::login::{find_login, login_fields, token_in};
use crate::model::{Api, Method, Operation};

/// The account a scan signed in with: the user-enumeration and login
/// rate-limit probes use its username as the known user. Its `Debug` form
/// hides the password.
#[derive(Clone, PartialEq, Eq)]
pub struct Account {
    /// The username.
    pub user: String,
    /// The password.
    pub password: String,
}

impl std::fmt::Debug for Account {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Account")
            .field("user", &self.user)
            .field("password", &"***")
            .finish()
    }
}

impl Account {
    /// `user:password` split at the first colon; `None` without one or with
    /// an empty username.
    pub fn parse(text: &str) -> Option<Account> {
        let (user, password) = text.split_once(':')?;
        (!user.is_empty()).then(|| Account {
            user: user.to_owned(),
            password: password.to_owned(),
        })
    }
}

/// A sign-in the scan made before it started (`--login`), which it makes
/// again when a request carrying its credential is answered 401.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SignedIn {
    /// The account.
    pub account: Account,
    /// Where the login answer holds the token, and how it is sent.
    pub token: TokenUse,
    /// The credential the login gave (also one of the scan's credentials).
    pub credential: Credential,
}

/// Why signing in failed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum LoginError {
    /// No operation of the spec looks like a login.
    #[error(
        "--login: the spec has no login operation (a POST whose path or id names login, signin, token or session, with username and password body fields); pass a token with --bearer instead"
    )]
    NoOperation,
    /// The login operation's path needs parameters.
    #[error(
        "--login: the login operation {0} has path parameters; pass a token with --bearer instead"
    )]
    PathParameters(String),
    /// The request failed in transport.
    #[error("--login: {operation} could not be reached: {message}")]
    Transport {
        /// The login operation.
        operation: String,
        /// What failed.
        message: String,
    },
    /// The server refused the credentials.
    #[error("--login: {operation} answered {status}: {excerpt}")]
    Refused {
        /// The login operation.
        operation: String,
        /// The status code.
        status: u16,
        /// The start of the body.
        excerpt: String,
    },
    /// The answer holds no token.
    #[error(
        "--login: {operation} answered {status} but its JSON body holds no token (token, access_token, id_token, jwt)"
    )]
    NoToken {
        /// The login operation.
        operation: String,
        /// The status code.
        status: u16,
    },
    /// The answer holds no token where the locator says.
    #[error("--login: {operation} answered {status} but holds no token at {place}")]
    NotAt {
        /// The login operation.
        operation: String,
        /// The status code.
        status: u16,
        /// Where it looked, in words.
        place: String,
    },
}

/// The login request for `account` at the login-like operation `op`.
pub(crate) fn login_request(api: &Api, op: &Operation, account: &Account) -> Option<Request> {
    let fields = login_fields(api, op)?;
    let body = if fields.media_type.contains("json") {
        let mut map = Map::new();
        map.insert(fields.user, Value::String(account.user.clone()));
        map.insert(fields.password, Value::String(account.password.clone()));
        Value::Object(map).to_string().into_bytes()
    } else {
        let enc = |s: &str| {
            percent_encoding::utf8_percent_encode(s, percent_encoding::NON_ALPHANUMERIC).to_string()
        };
        format!(
            "{}={}&{}={}",
            enc(&fields.user),
            enc(&account.user),
            enc(&fields.password),
            enc(&account.password)
        )
        .into_bytes()
    };
    Some(Request {
        method: Method::Post,
        path: op.path.clone(),
        query: String::new(),
        headers: vec![("content-type".into(), fields.media_type.clone())],
        body: Some(RequestBody {
            content_type: fields.media_type,
            bytes: body,
        }),
    })
}

/// Signs in as `account` through the spec's login operation at `base_url`
/// and returns the token it answers with (the first token-like key of its
/// JSON body).
///
/// # Errors
/// No login operation, a transport failure, a refusal, or no token in the answer.
pub async fn login(
    api: &Api,
    client: &Client,
    base_url: &str,
    account: &Account,
) -> Result<String, LoginError> {
    let (name, response) = sign_in(api, client, base_url, account, &mut Vec::new()).await?;
    serde_json::from_slice::<Value>(&response.body)
        .ok()
        .as_ref()
        .and_then(token_in)
        .ok_or(LoginError::NoToken {
            operation: name,
            status: response.status,
        })
}

/// Signs in as `account` like [`login`], takes the token where `token`
/// says and returns the credential that sends it.
///
/// # Errors
/// No login operation, a transport failure, a refusal, or no token where
/// the locator looks (the error says where that was).
pub async fn login_with(
    api: &Api,
    client: &Client,
    base_url: &str,
    account: &Account,
    token: &TokenUse,
) -> Result<Credential, LoginError> {
    login_traced(api, client, base_url, account, token, &mut Vec::new()).await
}

/// [`login_with`], the sign-in's exchange (when its request went out)
/// pushed to `trace`: the reports list it like every other exchange.
///
/// # Errors
/// As [`login_with`].
pub async fn login_traced(
    api: &Api,
    client: &Client,
    base_url: &str,
    account: &Account,
    token: &TokenUse,
    trace: &mut Vec<Exchange>,
) -> Result<Credential, LoginError> {
    let (name, response) = sign_in(api, client, base_url, account, trace).await?;
    token
        .credential(&response)
        .ok_or_else(|| LoginError::NotAt {
            operation: name,
            status: response.status,
            place: token.from.describe(),
        })
}

/// Posts `account` to the login operation; its id and the 2xx answer. The
/// exchange is pushed to `trace`.
async fn sign_in(
    api: &Api,
    client: &Client,
    base_url: &str,
    account: &Account,
    trace: &mut Vec<Exchange>,
) -> Result<(String, Response), LoginError> {
    let index = find_login(api).ok_or(LoginError::NoOperation)?;
    let op = &api.operations[index];
    let name = op.id.clone();
    if op.path.contains('{') {
        return Err(LoginError::PathParameters(name));
    }
    let request = login_request(api, op, account).ok_or(LoginError::NoOperation)?;
    let exchange = client.send(join(base_url, &request), request).await;
    trace.push(exchange.clone());
    let response = match exchange.outcome {
        Outcome::Response(r) => r,
        Outcome::Failed(f) => {
            return Err(LoginError::Transport {
                operation: name,
                message: f.message,
            });
        }
    };
    if !(200..300).contains(&response.status) {
        let text = response.text();
        let excerpt: String = text.chars().take(200).collect();
        return Err(LoginError::Refused {
            operation: name,
            status: response.status,
            excerpt,
        });
    }
    Ok((name, response))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accounts_split_at_the_first_colon() {
        let a = Account::parse("alice:pass:word").unwrap();
        assert_eq!(
            (a.user.as_str(), a.password.as_str()),
            ("alice", "pass:word")
        );
        assert!(Account::parse("alice").is_none());
        assert!(!format!("{a:?}").contains("pass:word"));
        assert!(Account::parse(":x").is_none());
    }
}
