//! Which operations a scan covers: `--include` and `--exclude` expressions
//! over path (regex), method, tag and operationId.

use regex::Regex;

use crate::model::{Api, Operation};

/// One filter expression.
#[derive(Debug, Clone)]
pub enum Matcher {
    /// `path:REGEX` (or a bare REGEX): the path template matches.
    Path(Regex),
    /// `method:GET`: the method, case-insensitive.
    Method(String),
    /// `tag:NAME`: one of the operation's tags, case-insensitive.
    Tag(String),
    /// `id:NAME` (or `operation:NAME`): the operationId, exactly.
    OperationId(String),
}

/// A filter expression that cannot be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("bad filter {expression:?}: {reason}")]
pub struct FilterError {
    /// The expression given.
    pub expression: String,
    /// What is wrong with it.
    pub reason: String,
}

impl Matcher {
    /// Reads `path:REGEX`, `method:M`, `tag:T`, `id:OPID` or a bare path regex.
    pub fn parse(expression: &str) -> Result<Matcher, FilterError> {
        let bad = |reason: String| FilterError {
            expression: expression.to_owned(),
            reason,
        };
        let (key, value) = match expression.split_once(':') {
            Some((k, v)) if ["path", "method", "tag", "id", "operation"].contains(&k) => (k, v),
            _ => ("path", expression),
        };
        if value.is_empty() {
            return Err(bad("nothing after the colon".into()));
        }
        Ok(match key {
            "path" => Matcher::Path(Regex::new(value).map_err(|e| bad(e.to_string()))?),
            "method" => Matcher::Method(value.to_ascii_uppercase()),
            "tag" => Matcher::Tag(value.to_owned()),
            _ => Matcher::OperationId(value.to_owned()),
        })
    }

    /// Whether `op` matches.
    pub fn matches(&self, op: &Operation) -> bool {
        match self {
            Matcher::Path(re) => re.is_match(&op.path),
            Matcher::Method(m) => op.method.as_str() == m,
            Matcher::Tag(t) => op.tags.iter().any(|x| x.eq_ignore_ascii_case(t)),
            Matcher::OperationId(id) => op.operation_id.as_deref() == Some(id.as_str()),
        }
    }
}

/// Include and exclude expressions: an operation is covered when it matches
/// some include (or there is none) and no exclude.
#[derive(Debug, Clone, Default)]
pub struct Filter {
    /// At least one must match, when there are any.
    pub include: Vec<Matcher>,
    /// None may match.
    pub exclude: Vec<Matcher>,
}

impl Filter {
    /// A filter from expressions.
    pub fn parse(include: &[String], exclude: &[String]) -> Result<Filter, FilterError> {
        Ok(Filter {
            include: include
                .iter()
                .map(|e| Matcher::parse(e))
                .collect::<Result<_, _>>()?,
            exclude: exclude
                .iter()
                .map(|e| Matcher::parse(e))
                .collect::<Result<_, _>>()?,
        })
    }

    /// Whether `op` is covered.
    pub fn covers(&self, op: &Operation) -> bool {
        (self.include.is_empty() || self.include.iter().any(|m| m.matches(op)))
            && !self.exclude.iter().any(|m| m.matches(op))
    }

    /// The indices of the covered operations of `api`.
    pub fn select(&self, api: &Api) -> Vec<usize> {
        api.operations
            .iter()
            .enumerate()
            .filter(|(_, op)| self.covers(op))
            .map(|(i, _)| i)
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::spec::Loader;

    fn ids(api: &Api, include: &[&str], exclude: &[&str]) -> Vec<String> {
        let own = |v: &[&str]| v.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        let f = Filter::parse(&own(include), &own(exclude)).unwrap();
        f.select(api)
            .into_iter()
            .map(|i| api.operations[i].id.clone())
            .collect()
    }

    #[test]
    fn expressions_select_operations() {
        let api = Loader::new()
            .load_str(include_str!("../../specs/demo.yaml"), "demo.yaml")
            .unwrap();
        let all = ids(&api, &[], &[]);
        assert_eq!(all.len(), api.operations.len());
        let notes_reads: Vec<String> = api
            .operations
            .iter()
            .filter(|o| o.path.starts_with("/notes") && o.method.as_str() != "DELETE")
            .map(|o| o.id.clone())
            .collect();
        assert!(notes_reads.len() >= 2);
        assert_eq!(ids(&api, &["^/notes"], &["method:delete"]), notes_reads);
        assert_eq!(ids(&api, &["id:login"], &[]), ["login"]);
        let admin: Vec<String> = api
            .operations
            .iter()
            .filter(|o| o.tags.iter().any(|t| t == "admin"))
            .map(|o| o.id.clone())
            .collect();
        assert!(admin.iter().any(|id| id == "getAuditLog"));
        assert!(admin.len() < api.operations.len());
        assert_eq!(ids(&api, &["tag:admin"], &[]), admin);
        assert!(ids(&api, &["method:GET"], &[]).iter().all(|id| {
            api.operations
                .iter()
                .any(|o| &o.id == id && o.method.as_str() == "GET")
        }));
        assert!(Filter::parse(&["path:(".into()], &[]).is_err());
        assert!(Filter::parse(&["tag:".into()], &[]).is_err());
    }
}
