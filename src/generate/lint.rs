//! Warnings that only generation can give: a string schema whose `format`
//! and `pattern` no drawn value satisfies together (`format: email` with
//! `pattern: ^[0-9]+$`), so that its values break one of the two.

use std::collections::HashSet;

use super::formats;
use super::source::Seeded;
use super::value::{Generator, Options};
use crate::model::{Api, Direction, SchemaId, Schemas, Warning, WarningKind};

/// How deep into a request schema the walk looks for such strings.
const MAX_DEPTH: usize = 8;

/// Seeds tried per schema before it is called unfit.
const TRIES: u64 = 4;

/// One warning per request schema (parameter or body, and the properties
/// and items inside them) whose `format` and `pattern` no generated value
/// satisfies both of, placed at the first operation that sends it.
pub fn unfit_strings(api: &Api) -> Vec<Warning> {
    let mut walk = Walk {
        schemas: &api.schemas,
        generator: Generator::new(&api.schemas, Options::default()),
        seen: HashSet::new(),
        out: Vec::new(),
    };
    for op in &api.operations {
        for p in &op.parameters {
            if let Some(id) = p.schema {
                let place = format!("{} parameter `{}`", op.id, p.name);
                walk.visit(id, &op.pointer, &place, 0);
            }
        }
        if let Some(body) = &op.body {
            for mt in &body.content {
                if let Some(id) = mt.schema {
                    let place = format!("{} body ({})", op.id, mt.media_type);
                    walk.visit(id, &op.pointer, &place, 0);
                }
            }
        }
    }
    walk.out
}

struct Walk<'a> {
    schemas: &'a Schemas,
    generator: Generator<'a>,
    seen: HashSet<SchemaId>,
    out: Vec<Warning>,
}

impl Walk<'_> {
    fn visit(&mut self, id: SchemaId, pointer: &str, place: &str, depth: usize) {
        if depth > MAX_DEPTH || !self.seen.insert(id) {
            return;
        }
        let s = self.schemas.get(id);
        if let (Some(format), Some(pattern)) = (s.format.as_deref(), s.pattern.as_deref())
            && formats::checked(format)
            && !self.fits(id, format, pattern)
        {
            self.out.push(Warning::new(
                WarningKind::Impossible,
                pointer,
                format!(
                    "{place}: no value of `format: {format}` that apiprobe draws matches \
                     `pattern: {pattern}`; its values follow the pattern and may not be of the format"
                ),
            ));
        }
        let children: Vec<(String, SchemaId)> = s
            .properties
            .iter()
            .map(|(name, c)| (format!("{place} property `{name}`"), *c))
            .chain(s.items.map(|c| (format!("{place} items"), c)))
            .chain(
                s.prefix_items
                    .iter()
                    .map(|c| (format!("{place} items"), *c)),
            )
            .chain(
                s.all_of
                    .iter()
                    .chain(&s.one_of)
                    .chain(&s.any_of)
                    .map(|c| (place.to_owned(), *c)),
            )
            .collect();
        for (place, child) in children {
            self.visit(child, pointer, &place, depth + 1);
        }
    }

    /// Whether some generated value is of `format` and matches `pattern`.
    fn fits(&mut self, id: SchemaId, format: &str, pattern: &str) -> bool {
        let Some(matcher) = super::pattern::matcher(pattern) else {
            return true; // an unreadable pattern is warned about at load time
        };
        (1..=TRIES).any(|seed| {
            let v = self
                .generator
                .positive(id, Direction::Request, &mut Seeded::new(seed));
            v.as_str().is_some_and(|t| {
                formats::satisfies(format, t) && matcher.is_match(t).unwrap_or(false)
            })
        })
    }
}
