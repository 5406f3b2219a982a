//! [`Guide`]: what the terminal summary tells a reader beyond the findings:
//! how to repeat the run, how to see what was masked, where a cut command is
//! whole, and which operations the scan could not reach and what would.

use std::fmt::Write as _;

/// Most operations named in one hint line; the rest are counted.
const NAMED: usize = 5;

/// What the summary says after the findings (all optional: the default says
/// only how to repeat the run).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Guide {
    /// The path of the JSON report being written, if one is: a reproduce
    /// line cut for the terminal names it.
    pub json_report: Option<String>,
    /// Whether the seed was given (`--seed`, apiprobe.toml), not picked.
    pub seed_given: bool,
    /// Whether a secret was masked in what the summary shows.
    pub masked: bool,
    /// Whether the scan was given credentials (a token, a key, a sign-in).
    pub credentials: bool,
    /// Operations (`GET /path`) that answered 401 or 403 to every request.
    pub refused: Vec<String>,
    /// The flags that would give the scan credentials for this API (from
    /// its security schemes and its login operation), e.g. `--bearer TOKEN`.
    pub auth_flags: Vec<String>,
    /// Operations that got no request at all, with why when known.
    pub unsent: Vec<String>,
    /// Operations scanned.
    pub operations: usize,
}

/// `items` as a list of at most [`NAMED`], the rest counted.
fn named(items: &[String]) -> String {
    let mut s = items
        .iter()
        .take(NAMED)
        .map(String::as_str)
        .collect::<Vec<_>>()
        .join(", ");
    if items.len() > NAMED {
        let _ = write!(s, " and {} more", items.len() - NAMED);
    }
    s
}

fn plural(n: usize, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}

impl Guide {
    /// The hint lines, each ending in a newline (the seed's line first).
    pub fn lines(&self, seed: u64) -> String {
        let mut out = String::new();
        if self.seed_given {
            let _ = writeln!(
                out,
                "seed {seed}: the same flags with --seed {seed} send the same requests again"
            );
        } else {
            let _ = writeln!(
                out,
                "seed {seed} (picked for this run): another seed generates other values and can find more or fewer; \
                 --seed {seed} repeats this run"
            );
        }
        if !self.refused.is_empty() {
            let ops = plural(self.refused.len(), "operation", "operations");
            if self.credentials {
                let _ = writeln!(
                    out,
                    "{ops} of {} answered 401 or 403 to every request, with the credentials given \
                     (expired, or not enough rights?): {}",
                    self.operations,
                    named(&self.refused)
                );
            } else {
                let flags = if self.auth_flags.is_empty() {
                    "--bearer TOKEN, --api-key NAME:VALUE, --basic USER:PASSWORD or --login USER:PASSWORD"
                        .to_owned()
                } else {
                    self.auth_flags.join(" or ")
                };
                let _ = writeln!(
                    out,
                    "{ops} of {} answered 401 or 403 to every request and the scan had no credentials: \
                     {flags} would reach past the sign-in: {}",
                    self.operations,
                    named(&self.refused)
                );
            }
        }
        if !self.unsent.is_empty() {
            let _ = writeln!(
                out,
                "{} got no request: {}",
                plural(self.unsent.len(), "operation", "operations"),
                named(&self.unsent)
            );
        }
        if self.masked {
            let _ = writeln!(out, "secrets are masked; --show-secrets prints them");
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_picked_seed_says_how_to_repeat() {
        let text = Guide::default().lines(42);
        assert!(text.contains("--seed 42 repeats this run"), "{text}");
        assert!(!text.contains("masked"), "{text}");
    }

    #[test]
    fn refused_operations_name_the_flags() {
        let guide = Guide {
            refused: (0..7).map(|i| format!("GET /r{i}")).collect(),
            auth_flags: vec!["--bearer TOKEN".into(), "--login USER:PASSWORD".into()],
            operations: 9,
            masked: true,
            ..Guide::default()
        };
        let text = guide.lines(1);
        assert!(
            text.contains("7 operations of 9 answered 401 or 403 to every request and the scan had no credentials: --bearer TOKEN or --login USER:PASSWORD"),
            "{text}"
        );
        assert!(text.contains("GET /r4 and 2 more"), "{text}");
        assert!(
            text.ends_with("secrets are masked; --show-secrets prints them\n"),
            "{text}"
        );
    }
}
