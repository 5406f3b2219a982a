//! `$ref` strings and JSON pointers.

use percent_encoding::percent_decode_str;
use serde_json::Value;
use url::Url;

/// A parsed `$ref`: which document, and which place in it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Reference {
    /// The document, absolute, without fragment.
    pub doc: Url,
    /// The JSON pointer inside it, decoded from the fragment (`""` is the whole document).
    pub pointer: String,
}

impl Reference {
    /// Parses `reference` as written in a document whose URL is `base`.
    pub fn parse(base: &Url, reference: &str) -> Result<Reference, String> {
        let (doc_part, fragment) = match reference.split_once('#') {
            Some((d, f)) => (d, f),
            None => (reference, ""),
        };
        let mut doc = if doc_part.is_empty() {
            base.clone()
        } else {
            base.join(doc_part)
                .map_err(|e| format!("{doc_part:?} is not a valid URL or path: {e}"))?
        };
        doc.set_fragment(None);
        let pointer = percent_decode_str(fragment)
            .decode_utf8()
            .map_err(|_| "the fragment is not valid percent-encoded UTF-8".to_owned())?
            .into_owned();
        if !pointer.is_empty() && !pointer.starts_with('/') {
            return Err(format!(
                "the fragment {fragment:?} is not a JSON pointer (plain-name anchors are not supported)"
            ));
        }
        Ok(Reference { doc, pointer })
    }

    /// A key that is equal for equal targets: `doc#pointer`.
    pub fn key(&self) -> String {
        format!("{}#{}", self.doc, self.pointer)
    }

    /// The last pointer segment, unescaped: the component's name for `#/components/schemas/Pet`.
    pub fn name(&self) -> Option<String> {
        let last = self.pointer.rsplit('/').next()?;
        if last.is_empty() {
            // a whole document: name it after the file
            let file = self.doc.path_segments()?.next_back()?;
            let stem = file.split('.').next().unwrap_or(file);
            return (!stem.is_empty()).then(|| stem.to_owned());
        }
        Some(unescape(last))
    }
}

/// Follows a decoded JSON pointer (RFC 6901) in `root`.
pub(crate) fn follow<'a>(root: &'a Value, pointer: &str) -> Result<&'a Value, String> {
    if pointer.is_empty() {
        return Ok(root);
    }
    let mut current = root;
    let mut walked = 0;
    for raw in pointer.split('/').skip(1) {
        let token = unescape(raw);
        let under = || {
            let so_far = &pointer[..walked];
            if so_far.is_empty() {
                "the top level".to_owned()
            } else {
                format!("{so_far:?}")
            }
        };
        current = match current {
            Value::Object(map) => map
                .get(&token)
                .ok_or_else(|| format!("there is no {token:?} under {}", under()))?,
            Value::Array(items) => token
                .parse::<usize>()
                .ok()
                .and_then(|i| items.get(i))
                .ok_or_else(|| format!("there is no item {token:?} in the array at {}", under()))?,
            _ => return Err(format!("{} is not an object or array", under())),
        };
        walked += raw.len() + 1;
    }
    Ok(current)
}

/// Unescapes one pointer token: `~1` is `/`, `~0` is `~`.
pub(crate) fn unescape(token: &str) -> String {
    if token.contains('~') {
        token.replace("~1", "/").replace("~0", "~")
    } else {
        token.to_owned()
    }
}

/// Escapes one pointer token: `~` to `~0`, `/` to `~1`.
pub(crate) fn escape(token: &str) -> String {
    if token.contains(['~', '/']) {
        token.replace('~', "~0").replace('/', "~1")
    } else {
        token.to_owned()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn base() -> Url {
        Url::parse("file:///specs/api/main.yaml").unwrap()
    }

    #[test]
    fn local_refs_point_into_the_same_document() {
        let r = Reference::parse(&base(), "#/components/schemas/Pet").unwrap();
        assert_eq!(r.doc, base());
        assert_eq!(r.pointer, "/components/schemas/Pet");
        assert_eq!(r.name().as_deref(), Some("Pet"));
    }

    #[test]
    fn relative_files_resolve_against_the_referring_document() {
        let r = Reference::parse(&base(), "../common/pet.yaml#/Pet").unwrap();
        assert_eq!(r.doc.as_str(), "file:///specs/common/pet.yaml");
        let whole = Reference::parse(&base(), "./pet.yaml").unwrap();
        assert_eq!(whole.pointer, "");
        assert_eq!(whole.name().as_deref(), Some("pet"));
        let remote = Reference::parse(&base(), "https://example.com/s.json#/a").unwrap();
        assert_eq!(remote.doc.as_str(), "https://example.com/s.json");
    }

    #[test]
    fn escapes_and_percent_encoding_are_decoded() {
        let doc = json!({"paths": {"/pets/{id}": {"get": 1}}, "a~b": {"c d": 2}});
        let r = Reference::parse(&base(), "#/paths/~1pets~1%7Bid%7D/get").unwrap();
        assert_eq!(follow(&doc, &r.pointer).unwrap(), &json!(1));
        let r = Reference::parse(&base(), "#/a~0b/c%20d").unwrap();
        assert_eq!(follow(&doc, &r.pointer).unwrap(), &json!(2));
        assert_eq!(r.name().as_deref(), Some("c d"));
    }

    #[test]
    fn array_indexes_and_missing_steps() {
        let doc = json!({"a": [10, 20]});
        assert_eq!(follow(&doc, "/a/1").unwrap(), &json!(20));
        assert!(follow(&doc, "/a/2").is_err());
        assert!(follow(&doc, "/a/x").is_err());
        assert!(follow(&doc, "/b").is_err());
        assert!(follow(&doc, "/a/0/deeper").is_err());
    }

    #[test]
    fn anchors_are_refused_with_a_reason() {
        assert!(Reference::parse(&base(), "#foo").is_err());
    }

    #[test]
    fn escape_round_trips() {
        assert_eq!(escape("a/b~c"), "a~1b~0c");
        assert_eq!(unescape(&escape("a/b~c")), "a/b~c");
    }
}
