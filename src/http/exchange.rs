//! An exchange: the request as sent, and what came back (a response or a
//! transport failure).

use std::time::Duration;

use serde::Serialize;

use super::curl::curl_at;
use super::request::Request;

/// The request exactly as it went on the wire.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SentRequest {
    /// The full URL.
    pub url: String,
    /// The request: its method, headers (credentials included) and body as
    /// sent; its path and query are the parts of `url` the case chose.
    pub request: Request,
}

impl SentRequest {
    /// A curl command that sends this request again.
    pub fn curl(&self) -> String {
        curl_at(&self.url, &self.request)
    }
}

/// A response, its body read up to the engine's cap.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Response {
    /// The status code.
    pub status: u16,
    /// The HTTP version, e.g. `HTTP/1.1`.
    pub version: &'static str,
    /// Header name (lower case) and value pairs, in order; values that are
    /// not UTF-8 are read lossily.
    pub headers: Vec<(String, String)>,
    /// The body, at most the engine's cap.
    pub body: Vec<u8>,
    /// True when the body was longer than the cap and the rest was not read.
    pub truncated: bool,
}

impl Response {
    /// The first value of a header (name compared case-insensitively).
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    /// The media type of the body: the `content-type` value without
    /// parameters, lower-cased, or `None` when there is no such header.
    pub fn media_type(&self) -> Option<String> {
        let value = self.header("content-type")?;
        let essence = value.split(';').next().unwrap_or("").trim();
        Some(essence.to_ascii_lowercase())
    }

    /// The body as text (lossy where it is not UTF-8).
    pub fn text(&self) -> std::borrow::Cow<'_, str> {
        String::from_utf8_lossy(&self.body)
    }
}

/// How a request failed before a complete response arrived.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum FailureKind {
    /// No connection could be made (refused, unresolvable, unreachable).
    Connect,
    /// No complete response within the timeout.
    Timeout,
    /// The connection was reset by the peer.
    Reset,
    /// The connection was closed before a response started.
    Closed,
    /// The connection was closed or failed while the body was being read.
    BodyAborted,
    /// The server's bytes were not valid HTTP.
    Malformed,
    /// The TLS handshake failed.
    Tls,
    /// A redirect could not be followed (loop, other host).
    Redirect,
    /// Anything else.
    Other,
}

impl FailureKind {
    /// The kind's name, as reports show it.
    pub fn as_str(self) -> &'static str {
        match self {
            FailureKind::Connect => "connect",
            FailureKind::Timeout => "timeout",
            FailureKind::Reset => "reset",
            FailureKind::Closed => "closed",
            FailureKind::BodyAborted => "body_aborted",
            FailureKind::Malformed => "malformed",
            FailureKind::Tls => "tls",
            FailureKind::Redirect => "redirect",
            FailureKind::Other => "other",
        }
    }

    /// Whether the server misbehaved (as opposed to being unreachable or slow).
    pub fn is_crash(self) -> bool {
        matches!(
            self,
            FailureKind::Reset
                | FailureKind::Closed
                | FailureKind::BodyAborted
                | FailureKind::Malformed
        )
    }
}

/// A transport failure: its kind and the client's message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Failure {
    /// What went wrong.
    pub kind: FailureKind,
    /// The client's description, with its causes.
    pub message: String,
}

/// What a request got back.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    /// A response (its body possibly capped).
    Response(Response),
    /// No (complete) response.
    Failed(Failure),
}

/// One request and what it got back.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Exchange {
    /// The request as sent.
    pub request: SentRequest,
    /// The response or the failure.
    pub outcome: Outcome,
    /// From sending the first byte to the end of the body (or the failure).
    pub elapsed: Duration,
}

impl Exchange {
    /// The response, if one came.
    pub fn response(&self) -> Option<&Response> {
        match &self.outcome {
            Outcome::Response(r) => Some(r),
            Outcome::Failed(_) => None,
        }
    }

    /// The failure, if there was one.
    pub fn failure(&self) -> Option<&Failure> {
        match &self.outcome {
            Outcome::Response(_) => None,
            Outcome::Failed(f) => Some(f),
        }
    }
}
