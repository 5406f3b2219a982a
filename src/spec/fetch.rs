//! Reading documents from files and http(s) URLs.

use std::io::Read;
use std::path::{Path, PathBuf};
use std::time::Duration;

use url::Url;

use super::SpecError;

/// Largest document apiprobe reads.
pub(crate) const MAX_DOCUMENT_BYTES: u64 = 256 * 1024 * 1024;

/// How long fetching one remote document may take.
const FETCH_TIMEOUT: Duration = Duration::from_secs(60);

/// Where a spec comes from: a file or an http(s) URL.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Source {
    /// A file on disk.
    Path(PathBuf),
    /// An http or https URL.
    Url(Url),
}

impl Source {
    /// Reads a command-line argument: `http://` and `https://` are URLs, anything else a path.
    pub fn parse(arg: &str) -> Source {
        let lower = arg.to_ascii_lowercase();
        if (lower.starts_with("http://") || lower.starts_with("https://"))
            && let Ok(url) = Url::parse(arg)
        {
            return Source::Url(url);
        }
        Source::Path(PathBuf::from(arg))
    }

    /// The document's URL (`file://` for paths), against which its references resolve.
    pub(crate) fn url(&self) -> Result<Url, SpecError> {
        match self {
            Source::Url(url) => Ok(url.clone()),
            Source::Path(path) => file_url(path),
        }
    }
}

impl std::fmt::Display for Source {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Source::Path(p) => write!(f, "{}", p.display()),
            Source::Url(u) => write!(f, "{u}"),
        }
    }
}

fn file_url(path: &Path) -> Result<Url, SpecError> {
    let absolute = std::path::absolute(path).map_err(|source| SpecError::Read {
        path: path.display().to_string(),
        source,
    })?;
    Url::from_file_path(&absolute).map_err(|()| SpecError::Read {
        path: path.display().to_string(),
        source: std::io::Error::other("the path cannot be turned into a file URL"),
    })
}

/// Reads a `file://` document (the root spec), refusing ones over the size
/// limit, naming the file in errors as `shown` (what the user typed). The
/// files a spec refers to are read by `local_refs`.
pub(crate) fn read_file_named(url: &Url, shown: Option<&str>) -> Result<Vec<u8>, SpecError> {
    let path = url.to_file_path().map_err(|()| SpecError::Read {
        path: url.to_string(),
        source: std::io::Error::other("not a local file URL"),
    })?;
    let shown = shown
        .map(str::to_owned)
        .unwrap_or_else(|| path.display().to_string());
    let file = std::fs::File::open(&path).map_err(|source| SpecError::Read {
        path: shown.clone(),
        source,
    })?;
    let mut bytes = Vec::new();
    file.take(MAX_DOCUMENT_BYTES + 1)
        .read_to_end(&mut bytes)
        .map_err(|source| SpecError::Read {
            path: shown.clone(),
            source,
        })?;
    if bytes.len() as u64 > MAX_DOCUMENT_BYTES {
        return Err(SpecError::TooLarge {
            origin: shown,
            limit: MAX_DOCUMENT_BYTES,
        });
    }
    Ok(bytes)
}

/// A client for fetching specs: rustls, bounded time, at most 5 redirects.
pub(crate) fn client() -> Result<reqwest::Client, SpecError> {
    crate::tls::install_crypto_provider();
    reqwest::Client::builder()
        .timeout(FETCH_TIMEOUT)
        .connect_timeout(Duration::from_secs(15))
        .redirect(reqwest::redirect::Policy::limited(5))
        .user_agent(concat!("apiprobe/", env!("CARGO_PKG_VERSION")))
        .build()
        .map_err(|e| SpecError::Fetch {
            url: String::new(),
            message: format!("cannot build an HTTP client: {e}"),
        })
}

/// Fetches an http(s) document, refusing error statuses and oversized bodies.
pub(crate) async fn fetch_url(client: &reqwest::Client, url: &Url) -> Result<Vec<u8>, SpecError> {
    let fail = |message: String| SpecError::Fetch {
        url: url.to_string(),
        message,
    };
    let mut response = client
        .get(url.clone())
        .header(
            "accept",
            "application/json, application/yaml, text/yaml, */*",
        )
        .send()
        .await
        .map_err(|e| fail(describe_reqwest_error(&e)))?;
    let status = response.status();
    if !status.is_success() {
        return Err(fail(format!("the server answered {status}")));
    }
    let mut bytes = Vec::new();
    while let Some(chunk) = response
        .chunk()
        .await
        .map_err(|e| fail(describe_reqwest_error(&e)))?
    {
        bytes.extend_from_slice(&chunk);
        if bytes.len() as u64 > MAX_DOCUMENT_BYTES {
            return Err(SpecError::TooLarge {
                origin: url.to_string(),
                limit: MAX_DOCUMENT_BYTES,
            });
        }
    }
    Ok(bytes)
}

fn describe_reqwest_error(e: &reqwest::Error) -> String {
    let mut message = e.to_string();
    let mut source = std::error::Error::source(e);
    while let Some(inner) = source {
        message.push_str(": ");
        message.push_str(&inner.to_string());
        source = inner.source();
    }
    message
}
