//! Problems in a spec that apiprobe can live with.

use serde::Serialize;

/// What kind of tolerable problem a [`Warning`] reports; stable, for grouping.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum WarningKind {
    /// A `format` apiprobe does not know; the value is treated as a plain string or number.
    UnknownFormat,
    /// A keyword apiprobe reads but does not enforce (e.g. `dependentRequired`).
    IgnoredKeyword,
    /// Two operations declare the same operationId; the later one got a suffix.
    DuplicateOperationId,
    /// An object (parameter, response, ...) that is malformed and was skipped.
    InvalidObject,
    /// A path template variable without a declared parameter; one was synthesised.
    UndeclaredPathParameter,
    /// A `$ref` that cannot be resolved, where the spec can do without it.
    UnresolvedRef,
    /// A webhook: described by the spec, but called by the API, not on it.
    Webhook,
    /// A schema nested deeper than apiprobe follows.
    TooDeep,
    /// A `pattern` that is not a valid regular expression for apiprobe.
    InvalidPattern,
    /// Something in the conversion from Swagger 2.0 or OpenAPI 3.1 lost information.
    Conversion,
    /// A schema asking for more than apiprobe generates (`minLength:
    /// 4000000000`, `pattern: a{99999999}`); its values are cut to the caps
    /// of [`crate::model::caps`].
    Capped,
    /// A schema no value satisfies (`minLength` above `maxLength`, an empty
    /// `enum`, ...) or a bound past what apiprobe computes with.
    Impossible,
}

/// A tolerable problem found while reading a spec, with where it is.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Warning {
    /// Its kind, for grouping and filtering.
    pub kind: WarningKind,
    /// Where: a JSON pointer into the document (`#/paths/~1pets/get`), with
    /// the file in front when it is not the root document.
    pub location: String,
    /// What is wrong, in one sentence.
    pub message: String,
}

impl Warning {
    /// A warning of `kind` at `location`.
    pub fn new(kind: WarningKind, location: impl Into<String>, message: impl Into<String>) -> Self {
        Self {
            kind,
            location: location.into(),
            message: message.into(),
        }
    }
}

impl std::fmt::Display for Warning {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {}", self.location, self.message)
    }
}
