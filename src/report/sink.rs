//! Where reports go: `FORMAT:PATH` specs and writing files.

use std::path::{Path, PathBuf};

use super::document::Report;

/// A report format.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// The full result as pretty-printed JSON.
    Json,
    /// JUnit XML: a test case per operation and check.
    Junit,
    /// SARIF 2.1.0, for code scanning.
    Sarif,
    /// One self-contained HTML page.
    Html,
    /// The event stream, one JSON object a line, written as it happens.
    Ndjson,
    /// HAR 1.2: every exchange.
    Har,
}

impl Format {
    /// Every format, by the name `FORMAT:PATH` uses.
    pub const ALL: [(&'static str, Format); 6] = [
        ("json", Format::Json),
        ("junit", Format::Junit),
        ("sarif", Format::Sarif),
        ("html", Format::Html),
        ("ndjson", Format::Ndjson),
        ("har", Format::Har),
    ];

    /// Whether the file is written while the scan runs (from its events)
    /// rather than from the finished report.
    pub fn is_stream(self) -> bool {
        matches!(self, Format::Ndjson | Format::Har)
    }
}

/// A report to write: a format and a path.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReportSpec {
    /// The format.
    pub format: Format,
    /// The file.
    pub path: PathBuf,
}

/// Why a report could not be asked for or written.
#[derive(Debug, thiserror::Error)]
pub enum ReportError {
    /// The `FORMAT:PATH` text is wrong.
    #[error("bad report {given:?}: {reason}")]
    Spec {
        /// What was given.
        given: String,
        /// What is wrong.
        reason: String,
    },
    /// The file could not be written.
    #[error("cannot write the report {path}: {source}")]
    Write {
        /// The file.
        path: PathBuf,
        /// The cause.
        source: std::io::Error,
    },
}

impl std::str::FromStr for ReportSpec {
    type Err = ReportError;

    fn from_str(given: &str) -> Result<Self, Self::Err> {
        let bad = |reason: &str| ReportError::Spec {
            given: given.to_owned(),
            reason: reason.to_owned(),
        };
        let (format, path) = given
            .split_once(':')
            .ok_or_else(|| bad("expected FORMAT:PATH, e.g. json:report.json"))?;
        let lower = format.to_ascii_lowercase();
        let Some(&(_, format)) = Format::ALL.iter().find(|(name, _)| *name == lower) else {
            return Err(bad(
                "unknown format; the formats are: json, junit, sarif, html, ndjson, har",
            ));
        };
        if path.is_empty() {
            return Err(bad("no path after the colon"));
        }
        Ok(ReportSpec {
            format,
            path: PathBuf::from(path),
        })
    }
}

/// Writes `report` as `spec` says: to a temporary file beside the target,
/// then renamed over it, so a reader never sees half a report. The stream
/// formats (NDJSON, HAR) are written during the scan by
/// [`Streams`](super::Streams); for them this does nothing.
pub fn write_report(report: &Report, spec: &ReportSpec) -> Result<(), ReportError> {
    let json_error = |e: serde_json::Error| ReportError::Write {
        path: spec.path.clone(),
        source: std::io::Error::other(e),
    };
    let bytes = match spec.format {
        Format::Json => serde_json::to_vec_pretty(report).map_err(json_error)?,
        Format::Sarif => {
            serde_json::to_vec_pretty(&super::sarif::sarif(report)).map_err(json_error)?
        }
        Format::Junit => super::junit::junit(report).into_bytes(),
        Format::Html => super::html::html(report).into_bytes(),
        Format::Ndjson | Format::Har => return Ok(()),
    };
    write_atomically(&spec.path, &bytes).map_err(|source| ReportError::Write {
        path: spec.path.clone(),
        source,
    })
}

fn write_atomically(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "report".into());
    let tmp = path.with_file_name(format!(".{name}.{}.tmp", std::process::id()));
    std::fs::write(&tmp, bytes)?;
    std::fs::rename(&tmp, path).inspect_err(|_| {
        let _ = std::fs::remove_file(&tmp);
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn specs_parse_and_fail_clearly() {
        let s: ReportSpec = "json:out/r.json".parse().unwrap();
        assert_eq!(s.format, Format::Json);
        assert_eq!(s.path, PathBuf::from("out/r.json"));
        for (name, format) in Format::ALL {
            let s: ReportSpec = format!("{}:x", name.to_uppercase()).parse().unwrap();
            assert_eq!(s.format, format);
        }
        let e = "xml:r.xml".parse::<ReportSpec>().unwrap_err().to_string();
        assert!(e.contains("unknown format"), "{e}");
        assert!("json".parse::<ReportSpec>().is_err());
        assert!("json:".parse::<ReportSpec>().is_err());
    }
}
