//! Reports: the result of a scan written for people and for tools.
//!
//! - `document`: [`Report`], the full result as one serialisable document.
//! - `sink`: [`ReportSpec`] (`FORMAT:PATH`) and writing a report to a file.
//! - `summary`: the terminal summary, grouped by severity and check.

mod document;
mod sink;
mod summary;

pub use document::{Report, SeverityCounts, SpecInfo, ToolInfo};
pub use sink::{Format, ReportError, ReportSpec, write_report};
pub use summary::{Style, summary};
