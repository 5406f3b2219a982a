//! Reports: the result of a scan written for people and for tools.
//!
//! - `document`: [`Report`], the full result as one serialisable document.
//! - `sink`: [`ReportSpec`] (`FORMAT:PATH`) and writing a report to a file.
//! - `summary`: the terminal summary, grouped by severity and check.
//! - `guide`: [`Guide`], the summary's closing hints (seed, masking, reach).
//! - `sarif`, `junit`, `html`: the finished report in those formats.
//! - `stream`: [`Streams`], the NDJSON and HAR files written as the scan runs.
//! - `secrets`: [`Secrets`], masking credentials in every output.
//! - `lines`: [`SpecLines`], JSON pointer to line in a spec file (for SARIF).
//! - `baseline`: [`Baseline`], accepted findings; only new ones are reported.
//! - `merge`: [`merge`], the reports of a sharded scan made into one.

mod baseline;
mod document;
#[cfg(test)]
mod fixture;
mod guide;
mod html;
mod junit;
mod lines;
mod merge;
mod sarif;
mod secrets;
mod sink;
mod stream;
mod summary;

pub use baseline::{Baseline, BaselineEntry, BaselineError, BaselineSummary};
pub use document::{Report, SeverityCounts, ShardInfo, SpecInfo, ToolInfo};
#[cfg(test)]
pub(crate) use fixture::hostile_report;
pub use guide::Guide;
pub use html::html;
pub use junit::junit;
pub use lines::SpecLines;
pub use merge::{MergeError, MergeInput, Merged, merge};
pub use sarif::{SARIF_SCHEMA, sarif};
pub use secrets::{MASK, Secrets};
pub use sink::{Format, ReportError, ReportSpec, write_report};
pub use stream::{HAR_BODY_CAP, Streams, rfc3339};
pub use summary::{Style, summary, summary_with};
