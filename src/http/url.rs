//! Where a request goes: the base URL joined with its path and query.

use super::request::Request;

/// The base URL joined with a request's path and query.
pub fn join_url(base: &str, request: &Request) -> String {
    let mut url = String::with_capacity(base.len() + request.path.len() + request.query.len() + 1);
    url.push_str(base.trim_end_matches('/'));
    if !request.path.starts_with('/') {
        url.push('/');
    }
    url.push_str(&request.path);
    if !request.query.is_empty() {
        url.push('?');
        url.push_str(&request.query);
    }
    url
}
