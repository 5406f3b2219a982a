//! [`Context`]: what every builder step shares (where it is, what went
//! wrong so far), and [`child`] locations.

use serde_json::Value;
use url::Url;

use crate::model::{Warning, WarningKind};
use crate::spec::SpecError;
use crate::spec::reference::escape;

/// Most warnings kept on one model; the rest are counted in a last warning.
const MAX_WARNINGS: usize = 2_000;

/// What every builder step shares: where we are, and what went wrong so far.
pub(crate) struct Context {
    root: Url,
    origin: String,
    warnings: Vec<Warning>,
    dropped_warnings: usize,
    /// Unresolvable references met while building the current operation.
    pub(crate) errors: Vec<SpecError>,
}

impl Context {
    /// A context for the documents whose root is `root`, named `origin` in
    /// messages, starting with the reader's `warnings`.
    pub(crate) fn new(root: Url, origin: &str, warnings: Vec<Warning>) -> Context {
        Context {
            root,
            origin: origin.to_owned(),
            warnings,
            dropped_warnings: 0,
            errors: Vec::new(),
        }
    }

    /// The warnings, with a last one counting those not kept.
    pub(crate) fn into_warnings(self) -> Vec<Warning> {
        let mut warnings = self.warnings;
        if self.dropped_warnings > 0 {
            warnings.push(Warning::new(
                WarningKind::InvalidObject,
                "#",
                format!("{} more warnings not listed", self.dropped_warnings),
            ));
        }
        warnings
    }

    pub(crate) fn warn(&mut self, kind: WarningKind, location: &str, message: impl Into<String>) {
        if self.warnings.len() < MAX_WARNINGS {
            self.warnings.push(Warning::new(kind, location, message));
        } else {
            self.dropped_warnings += 1;
        }
    }

    /// A location for messages: the pointer, with the file in front when it is not the root.
    pub(crate) fn location(&self, doc: &Url, pointer: &str) -> String {
        if doc == &self.root {
            format!("#{pointer}")
        } else {
            format!("{doc}#{pointer}")
        }
    }

    /// Records an unresolvable reference where the model needs its target.
    pub(crate) fn fail_ref(&mut self, base: &Url, location: &str, reference: &Value, why: &str) {
        let origin = if base == &self.root {
            self.origin.clone()
        } else {
            base.to_string()
        };
        self.errors.push(SpecError::UnresolvedRef {
            origin,
            location: location.to_owned(),
            reference: reference
                .as_str()
                .map(str::to_owned)
                .unwrap_or_else(|| reference.to_string()),
            reason: why.to_owned(),
        });
    }
}

/// `#/paths/~1pets/get`-style location of a key under a parent pointer.
pub(crate) fn child(loc: &str, key: &str) -> String {
    format!("{loc}/{}", escape(key))
}
