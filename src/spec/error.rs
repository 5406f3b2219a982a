//! What can go wrong when reading a spec.

/// A spec that cannot be read into a model. Each variant names the document
/// (path or URL) and, where it applies, the place inside it.
#[derive(Debug, thiserror::Error)]
pub enum SpecError {
    /// The file could not be read.
    #[error("cannot read {path}: {source}")]
    Read {
        /// The file's path.
        path: String,
        /// The I/O error.
        #[source]
        source: std::io::Error,
    },
    /// The URL could not be fetched.
    #[error("cannot fetch {url}: {message}")]
    Fetch {
        /// The URL.
        url: String,
        /// What went wrong (status, timeout, connection error).
        message: String,
    },
    /// The document is larger than apiprobe reads.
    #[error("{origin}: the document is larger than the limit of {limit} bytes")]
    TooLarge {
        /// The document.
        origin: String,
        /// The limit in bytes.
        limit: u64,
    },
    /// The bytes are neither JSON nor YAML.
    #[error("{origin}{}: {message}", position(*line, *column))]
    Syntax {
        /// The document.
        origin: String,
        /// 1-based line, when the parser gives one.
        line: Option<usize>,
        /// 1-based column, when the parser gives one.
        column: Option<usize>,
        /// The parser's message.
        message: String,
    },
    /// The document parses but is not an OpenAPI or Swagger document.
    #[error("{origin}: not an OpenAPI document: {message}")]
    NotOpenApi {
        /// The document.
        origin: String,
        /// Why not.
        message: String,
    },
    /// The document declares a version apiprobe does not read.
    #[error(
        "{origin}: unsupported version {version:?} (apiprobe reads Swagger 2.0, OpenAPI 3.0 and 3.1)"
    )]
    UnsupportedVersion {
        /// The document.
        origin: String,
        /// The declared version.
        version: String,
    },
    /// A `$ref` that cannot be resolved.
    #[error("{origin}: cannot resolve $ref {reference:?} used at {location}: {reason}")]
    UnresolvedRef {
        /// The document holding the reference.
        origin: String,
        /// Where it is used (JSON pointer).
        location: String,
        /// The reference as written.
        reference: String,
        /// Why it cannot be resolved.
        reason: String,
    },
    /// A structural problem that leaves no usable model.
    #[error("{origin}: {location}: {message}")]
    Invalid {
        /// The document.
        origin: String,
        /// Where (JSON pointer).
        location: String,
        /// What is wrong.
        message: String,
    },
}

fn position(line: Option<usize>, column: Option<usize>) -> String {
    match (line, column) {
        (Some(l), Some(c)) => format!(":{l}:{c}"),
        (Some(l), None) => format!(":{l}"),
        _ => String::new(),
    }
}
