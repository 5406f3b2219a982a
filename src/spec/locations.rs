//! [`LocationMap`]: where the parts of a converted document came from in
//! the user's document, so that warnings and errors point into the file the
//! user wrote (a Swagger 2.0 file's `#/definitions/Policy`, not the internal
//! 3.0 form's `#/components/schemas/Policy`).

use std::collections::HashMap;

/// Location prefixes of the converted root document and the user's
/// location they came from; the longest prefix that matches wins.
#[derive(Debug, Default, Clone)]
pub(crate) struct LocationMap {
    prefixes: HashMap<String, String>,
}

impl LocationMap {
    /// A map with the moves every Swagger 2.0 conversion makes (sections
    /// into `components`).
    pub(crate) fn swagger2() -> Self {
        let mut map = LocationMap::default();
        for (converted, original) in [
            ("#/components/schemas", "#/definitions"),
            ("#/components/parameters", "#/parameters"),
            ("#/components/responses", "#/responses"),
            ("#/components/securitySchemes", "#/securityDefinitions"),
        ] {
            map.add(converted, original);
        }
        map
    }

    /// Records that what sits at `converted` (and under it) came from `original`.
    pub(crate) fn add(&mut self, converted: impl Into<String>, original: impl Into<String>) {
        let (converted, original) = (converted.into(), original.into());
        if converted != original {
            self.prefixes.insert(converted, original);
        }
    }

    /// `text` (a reason such as `there is no "Gone" under
    /// "/components/schemas"`) with each quoted pointer into the converted
    /// root written as the user's (`"/definitions"`).
    pub(crate) fn map_text(&self, text: &str) -> String {
        let mut out = text.to_owned();
        let mut prefixes: Vec<(&String, &String)> = self.prefixes.iter().collect();
        prefixes.sort_by_key(|(converted, _)| std::cmp::Reverse(converted.len()));
        for (converted, original) in prefixes {
            let (Some(from), Some(to)) = (converted.strip_prefix('#'), original.strip_prefix('#'))
            else {
                continue;
            };
            let needle = format!("\"{from}");
            let mut done = String::with_capacity(out.len());
            let mut rest = out.as_str();
            while let Some(at) = rest.find(&needle) {
                let after = &rest[at + needle.len()..];
                done.push_str(&rest[..at]);
                if after.starts_with('"') || after.starts_with('/') {
                    done.push('"');
                    done.push_str(to);
                } else {
                    done.push_str(&needle);
                }
                rest = after;
            }
            done.push_str(rest);
            out = done;
        }
        out
    }

    /// `location` (`#/pointer` in the converted root) as a location in the
    /// user's document; other documents' locations are unchanged.
    pub(crate) fn map(&self, location: &str) -> String {
        if !location.starts_with('#') || self.prefixes.is_empty() {
            return location.to_owned();
        }
        let mut end = location.len();
        loop {
            let prefix = &location[..end];
            if let Some(original) = self.prefixes.get(prefix) {
                return format!("{original}{}", &location[end..]);
            }
            match prefix.rfind('/') {
                Some(cut) if cut > 0 => end = cut,
                _ => return location.to_owned(),
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quoted_pointers_in_reasons_are_written_as_the_users() {
        let map = LocationMap::swagger2();
        assert_eq!(
            map.map_text(r#"there is no "Gone" under "/components/schemas""#),
            r#"there is no "Gone" under "/definitions""#
        );
        assert_eq!(
            map.map_text(r#"there is no "x" under "/components/schemas/Policy/properties""#),
            r#"there is no "x" under "/definitions/Policy/properties""#
        );
        // a segment that only starts like a recorded one stays
        assert_eq!(
            map.map_text(r#"under "/components/schemasX""#),
            r#"under "/components/schemasX""#
        );
        assert_eq!(LocationMap::default().map_text("a \"/b\""), "a \"/b\"");
    }

    #[test]
    fn the_longest_recorded_prefix_wins_at_segment_boundaries() {
        let mut map = LocationMap::swagger2();
        map.add(
            "#/paths/~1a/post/requestBody/content/application~1json/schema",
            "#/paths/~1a/post/parameters/1/schema",
        );
        map.add(
            "#/paths/~1a/post/requestBody",
            "#/paths/~1a/post/parameters/1",
        );
        assert_eq!(
            map.map("#/components/schemas/Policy/properties/x"),
            "#/definitions/Policy/properties/x"
        );
        assert_eq!(
            map.map("#/paths/~1a/post/requestBody/content/application~1json/schema/items"),
            "#/paths/~1a/post/parameters/1/schema/items"
        );
        assert_eq!(
            map.map("#/paths/~1a/post/requestBody"),
            "#/paths/~1a/post/parameters/1"
        );
        assert_eq!(map.map("#/components/schemasX"), "#/components/schemasX");
        assert_eq!(map.map("#/paths/~1b/get"), "#/paths/~1b/get");
        assert_eq!(
            map.map("file:///x.yaml#/components/schemas/A"),
            "file:///x.yaml#/components/schemas/A"
        );
    }
}
