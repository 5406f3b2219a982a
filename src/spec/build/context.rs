//! [`Context`]: what every builder step shares (where it is, what went
//! wrong so far), and [`child`] locations.

use serde_json::Value;
use url::Url;

use crate::model::{Warning, WarningKind};
use crate::spec::SpecError;
use crate::spec::locations::LocationMap;
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
    /// For a converted Swagger 2.0 root: where its parts are in the user's file.
    locations: Option<LocationMap>,
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
            locations: None,
        }
    }

    /// Locations in the converted root are reported where `map` says they
    /// came from in the user's document.
    pub(crate) fn with_locations(mut self, map: Option<LocationMap>) -> Context {
        self.locations = map;
        self
    }

    /// `location` as a place in the document the user wrote (unchanged
    /// unless the root was converted from Swagger 2.0).
    pub(crate) fn user_location(&self, location: &str) -> String {
        match &self.locations {
            Some(map) => map.map(location),
            None => location.to_owned(),
        }
    }

    /// A reason's text with pointers into the converted root written as
    /// the user's (unchanged unless the root was converted).
    pub(crate) fn user_text(&self, text: &str) -> String {
        match &self.locations {
            Some(map) => map.map_text(text),
            None => text.to_owned(),
        }
    }

    /// A `$ref` written in `base` as the user wrote it: a converted Swagger
    /// 2.0 root's `#/components/schemas/X` is its `#/definitions/X`.
    pub(crate) fn written_reference(&self, base: &Url, reference: &str) -> String {
        if base == &self.root {
            self.user_location(reference)
        } else {
            reference.to_owned()
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
            let location = self.user_location(location);
            let message = self.user_text(&message.into());
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
        let error = self.unresolved(base, location, reference, why);
        self.errors.push(error);
    }

    /// The error of an unresolvable reference, in the user's terms.
    pub(crate) fn unresolved(
        &self,
        base: &Url,
        location: &str,
        reference: &Value,
        why: &str,
    ) -> SpecError {
        let origin = if base == &self.root {
            self.origin.clone()
        } else {
            base.to_string()
        };
        let written = reference
            .as_str()
            .map(|r| self.written_reference(base, r))
            .unwrap_or_else(|| reference.to_string());
        SpecError::UnresolvedRef {
            origin,
            location: self.user_location(location),
            reference: written,
            reason: if base == &self.root {
                self.user_text(why)
            } else {
                why.to_owned()
            },
        }
    }
}

/// `#/paths/~1pets/get`-style location of a key under a parent pointer.
pub(crate) fn child(loc: &str, key: &str) -> String {
    format!("{loc}/{}", escape(key))
}
