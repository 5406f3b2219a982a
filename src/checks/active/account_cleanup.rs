//! Accounts a probe registered for itself (brute_force's throwaway
//! account), removed when the scan ends: through the API's own
//! delete-account operation, sent as the account, where the API has one;
//! else named in a warning of the scan, so the user can remove them.

use serde_json::Value;

use super::{Identity, Session};
use crate::identity::Credential;
use crate::model::{Api, Method, Operation, ParameterLocation};

/// Words of a path that name the caller's account or a user.
const ACCOUNT_WORDS: [&str; 6] = ["user", "account", "me", "profile", "member", "self"];

/// Path parameter names that take a user name or e-mail.
const USER_PARAMETERS: [&str; 6] = ["username", "user", "login", "name", "email", "handle"];

fn compact(text: &str) -> String {
    text.to_ascii_lowercase().replace(['_', '-'], "")
}

/// The operation that deletes an account and the path parameter (if any)
/// that takes its user name: a DELETE whose path names users or the
/// caller's account, with no other required parameter.
pub(super) fn delete_account(api: &Api) -> Option<(usize, Option<usize>)> {
    api.operations
        .iter()
        .enumerate()
        .filter(|(_, op)| op.method == Method::Delete)
        .filter_map(|(i, op)| fit(op).map(|p| (i, p)))
        .next()
}

/// Whether `op` deletes an account: the parameter that takes the user
/// name (`Some(None)`: the path names the caller, `/account`, `/me`).
fn fit(op: &Operation) -> Option<Option<usize>> {
    let segments: Vec<String> = op
        .path
        .split('/')
        .filter(|s| !s.is_empty() && !s.starts_with('{'))
        .map(compact)
        .collect();
    // `/users`, `/membership`, `/me`: short words whole, longer ones within
    let names_account = segments.iter().any(|s| {
        ACCOUNT_WORDS
            .iter()
            .any(|w| s == w || s == &format!("{w}s") || (w.len() >= 4 && s.contains(w)))
    });
    if !names_account {
        return None;
    }
    let mut user = None;
    for (i, p) in op.parameters.iter().enumerate() {
        if !p.required {
            continue;
        }
        if p.location == ParameterLocation::Path
            && USER_PARAMETERS.contains(&compact(&p.name).as_str())
        {
            user = Some(i);
        } else {
            return None;
        }
    }
    // a user's path (`/users/{username}`) needs the name; a bare one is the caller's
    let last = op
        .path
        .trim_end_matches('/')
        .rsplit('/')
        .next()
        .unwrap_or("");
    match (user, last.starts_with('{')) {
        (Some(i), true) => Some(Some(i)),
        (None, false) => Some(None),
        _ => None,
    }
}

/// Queues the deletion of the account `user` that `check` registered
/// through `registered_by` (`POST /register`), sent as the account
/// (`credential`) when the scan ends; warns, naming it, when the API has
/// no operation to delete it or the account has no credential.
pub(super) fn forget(
    s: &mut Session<'_>,
    user: &str,
    credential: Option<Credential>,
    check: &str,
    registered_by: &str,
) {
    let api = s.api();
    let found = delete_account(api);
    let queued = match (found, credential) {
        (Some((index, parameter)), Some(credential)) => {
            let mut values = match s.case_of(index) {
                Some(case) => case.values,
                None => crate::generate::Values {
                    parameters: vec![None; api.operations[index].parameters.len()],
                    body: None,
                },
            };
            if let Some(p) = parameter
                && let Some(slot) = values.parameters.get_mut(p)
            {
                *slot = Some(Value::String(user.to_owned()));
            }
            match s.request_of(index, &values) {
                Some(request) => {
                    s.created(request, &Identity::With(vec![credential]));
                    true
                }
                None => false,
            }
        }
        _ => false,
    };
    if !queued {
        s.warn(&format!(
            "{check} registered the account {user:?} through {registered_by} and the API has no operation apiprobe can delete it with: remove it by hand"
        ));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_delete_of_the_callers_account_or_a_named_user_is_found() {
        let api = crate::spec::Loader::new()
            .load_str(
                r#"{"openapi":"3.0.0","info":{"title":"t","version":"1"},"paths":{
                  "/notes/{id}":{"delete":{"parameters":[{"name":"id","in":"path","required":true,"schema":{"type":"string"}}],"responses":{"204":{"description":"d"}}}},
                  "/users/{userId}/avatar":{"delete":{"parameters":[{"name":"userId","in":"path","required":true,"schema":{"type":"string"}}],"responses":{"204":{"description":"d"}}}},
                  "/members/{username}":{"delete":{"parameters":[{"name":"username","in":"path","required":true,"schema":{"type":"string"}}],"responses":{"204":{"description":"d"}}}}}}"#,
                "t.json",
            )
            .expect("spec");
        let found = delete_account(&api).map(|(i, p)| (api.operations[i].path.as_str(), p));
        assert_eq!(found, Some(("/members/{username}", Some(0))));
        let mine = crate::spec::Loader::new()
            .load_str(
                r#"{"openapi":"3.0.0","info":{"title":"t","version":"1"},"paths":{
                  "/account":{"delete":{"responses":{"204":{"description":"d"}}}}}}"#,
                "t.json",
            )
            .expect("spec");
        assert_eq!(delete_account(&mine), Some((0, None)));
    }
}
