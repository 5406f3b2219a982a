//! Which operation produces the ids another operation consumes: the
//! producer/consumer graph that lets stateful sequences fill path parameters
//! with ids of resources that exist.
//!
//! Three sources, strongest first:
//! - OpenAPI links: a response's link to an operation, with a parameter
//!   mapped from `$response.body#/pointer` or `$response.header.Location`;
//! - creation by path structure: `POST /notes` (or `PUT` on the collection)
//!   makes the resource that `GET|PUT|PATCH|DELETE /notes/{noteId}` takes,
//!   its id read from the response body (a property named like the
//!   parameter, or `id`, also inside a `data`-style wrapper) or else from
//!   the `Location` header;
//! - listing: `GET /notes` answering an array of objects with such an id
//!   (for resources that already exist, and read-only scans).

use serde::Serialize;

use crate::model::{Api, Method, Operation, ParameterLocation, SchemaId, Schemas, StatusCode};

/// Where a producer's response holds the id.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
#[serde(tag = "from", content = "at", rename_all = "snake_case")]
pub enum IdSource {
    /// A JSON pointer into the response body, e.g. `/id` or `/data/noteId`.
    Body(String),
    /// The last path segment of the `Location` header.
    Location,
    /// A value the client itself sent, at this JSON pointer into the
    /// producer's request body (a resource keyed by a name the client
    /// chose, whose creation answers no id): an id only once a read of
    /// the consumer's path with it answers 2xx.
    Sent(String),
    /// A field of each item of an array in the response body: the array's
    /// pointer (empty for a top-level array) and the id's pointer inside
    /// each item (e.g. `/id`, `/metadata/name`).
    Items {
        /// JSON pointer to the array.
        array: String,
        /// JSON pointer to the id inside each item.
        field: String,
    },
}

/// How a binding was inferred.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Inference {
    /// An OpenAPI link says so.
    Link,
    /// The producer creates on the consumer's collection path.
    Creation,
    /// The producer lists the consumer's collection.
    Listing,
    /// Another operation's parameter of the same distinctive name (e.g.
    /// `{repoSlug}` on two unrelated paths) has this producer.
    SameName,
}

/// One way to fill a consumer's path parameter: call the producer and read
/// the id where `source` says.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
pub struct Binding {
    /// The consuming operation (index in [`Api::operations`]).
    pub consumer: usize,
    /// The consumer's path parameter.
    pub parameter: String,
    /// The producing operation (index in [`Api::operations`]).
    pub producer: usize,
    /// Where the producer's response holds the id.
    pub source: IdSource,
    /// How the binding was found.
    pub inference: Inference,
}

/// Every producer/consumer binding of an API.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Resources {
    /// The bindings, strongest first for each consumer and parameter.
    pub bindings: Vec<Binding>,
}

/// Property names that hold a resource's id when none is named like the
/// parameter.
const ID_NAMES: [&str; 3] = ["id", "uuid", "_id"];
/// Property names that hold the id when the parameter names the resource
/// itself (`/namespaces/{namespace}`, `/{name}`).
const NAME_NAMES: [&str; 3] = ["name", "key", "slug"];
/// Endings of parameter names that name the response property holding the
/// id (`{comment_number}` is the comment's `number`).
const SUFFIXES: [&str; 8] = ["id", "sid", "uuid", "name", "number", "key", "slug", "code"];
/// Parameter names too generic to match across unrelated paths.
const GENERIC: [&str; 8] = [
    "id", "name", "key", "slug", "uuid", "path", "type", "version",
];
/// Wrapper properties that real APIs put a created object (or its
/// identity, as Kubernetes' `metadata`) under.
const WRAPPERS: [&str; 6] = ["data", "result", "item", "resource", "object", "metadata"];

impl Resources {
    /// Infers the bindings of `api`.
    pub fn infer(api: &Api) -> Resources {
        let mut bindings = Vec::new();
        links(api, &mut bindings);
        structure(api, &mut bindings);
        same_name(api, &mut bindings);
        // strongest first per consumer and parameter, without repeats
        let mut seen = std::collections::HashSet::new();
        bindings.retain(|b: &Binding| seen.insert((b.consumer, b.parameter.clone(), b.producer)));
        bindings.sort_by_key(|b| (b.consumer, b.parameter.clone(), rank(b.inference)));
        Resources { bindings }
    }

    /// The bindings that can fill `parameter` of operation `consumer`, strongest first.
    pub fn producers_of<'a>(
        &'a self,
        consumer: usize,
        parameter: &'a str,
    ) -> impl Iterator<Item = &'a Binding> + 'a {
        self.bindings
            .iter()
            .filter(move |b| b.consumer == consumer && b.parameter == parameter)
    }

    /// Whether every path parameter of operation `index` has a producer.
    pub fn is_fillable(&self, api: &Api, index: usize) -> bool {
        let Some(op) = api.operations.get(index) else {
            return false;
        };
        op.parameters_in(ParameterLocation::Path)
            .all(|p| self.producers_of(index, &p.name).next().is_some())
    }
}

fn rank(inference: Inference) -> u8 {
    match inference {
        Inference::Link => 0,
        Inference::Creation => 1,
        Inference::Listing => 2,
        Inference::SameName => 3,
    }
}

/// Path parameters with no binding borrow the producers of a parameter of
/// the same (distinctive) name elsewhere in the API.
fn same_name(api: &Api, out: &mut Vec<Binding>) {
    let mut by_name: std::collections::HashMap<String, Vec<Binding>> =
        std::collections::HashMap::new();
    for b in out.iter().filter(|b| b.inference != Inference::Listing) {
        by_name
            .entry(folded(&b.parameter))
            .or_default()
            .push(b.clone());
    }
    let bound: std::collections::HashSet<(usize, String)> = out
        .iter()
        .map(|b| (b.consumer, b.parameter.clone()))
        .collect();
    for (consumer, op) in api.operations.iter().enumerate() {
        for p in op.parameters_in(ParameterLocation::Path) {
            let name = folded(&p.name);
            if bound.contains(&(consumer, p.name.clone())) || GENERIC.contains(&name.as_str()) {
                continue;
            }
            let Some(donors) = by_name.get(&name) else {
                continue;
            };
            let mut producers = std::collections::HashSet::new();
            for d in donors {
                if d.producer != consumer && producers.insert(d.producer) {
                    out.push(Binding {
                        consumer,
                        parameter: p.name.clone(),
                        producer: d.producer,
                        source: d.source.clone(),
                        inference: Inference::SameName,
                    });
                }
            }
        }
    }
}

/// Bindings from OpenAPI links.
fn links(api: &Api, out: &mut Vec<Binding>) {
    for (producer, op) in api.operations.iter().enumerate() {
        for response in op.responses.iter().filter(|r| is_success(r.status)) {
            for link in &response.links {
                let Some(consumer) = link_target(api, &link.operation) else {
                    continue;
                };
                for (parameter, expression) in &link.parameters {
                    let Some(expression) = expression.as_str() else {
                        continue;
                    };
                    let Some(source) = runtime_source(expression) else {
                        continue;
                    };
                    // a link may name the parameter with its location: `path.id`
                    let name = parameter.strip_prefix("path.").unwrap_or(parameter);
                    let is_path_param = api.operations[consumer]
                        .parameters_in(ParameterLocation::Path)
                        .any(|p| p.name == name);
                    if is_path_param {
                        out.push(Binding {
                            consumer,
                            parameter: name.to_owned(),
                            producer,
                            source,
                            inference: Inference::Link,
                        });
                    }
                }
            }
        }
    }
}

/// The operation a link names: by operationId, or by an operationRef that
/// ends in `paths/<escaped path>/<method>`.
fn link_target(api: &Api, target: &str) -> Option<usize> {
    if let Some(i) = api
        .operations
        .iter()
        .position(|o| o.operation_id.as_deref() == Some(target))
    {
        return Some(i);
    }
    let fragment = target.rsplit_once('#').map_or(target, |(_, f)| f);
    let rest = fragment.strip_prefix("/paths/")?;
    let (path, method) = rest.rsplit_once('/')?;
    let path = path.replace("~1", "/").replace("~0", "~");
    let path = percent_encoding::percent_decode_str(&path)
        .decode_utf8()
        .ok()?
        .into_owned();
    api.operations
        .iter()
        .position(|o| o.path == path && o.method.as_str().eq_ignore_ascii_case(method))
}

/// `$response.body#/id` or `$response.header.Location` as an [`IdSource`].
fn runtime_source(expression: &str) -> Option<IdSource> {
    let e = expression.trim();
    if let Some(pointer) = e.strip_prefix("$response.body#") {
        return Some(IdSource::Body(pointer.to_owned()));
    }
    if e.eq_ignore_ascii_case("$response.header.location") {
        return Some(IdSource::Location);
    }
    None
}

fn is_success(status: StatusCode) -> bool {
    match status {
        StatusCode::Exact(s) => (200..300).contains(&s),
        StatusCode::Range(d) => d == 2,
        StatusCode::Default => false,
    }
}

/// A path template's segments, with every `{parameter}` segment as `None`.
fn shape(path: &str) -> Vec<Option<&str>> {
    path.split('/')
        .filter(|s| !s.is_empty())
        .map(|s| (!is_parameter(s)).then_some(s))
        .collect()
}

/// Whether a path segment is exactly one `{parameter}`.
fn is_parameter(segment: &str) -> bool {
    segment.len() > 2
        && segment.starts_with('{')
        && segment.ends_with('}')
        && !segment[1..segment.len() - 1].contains(['{', '}'])
}

/// Bindings from path structure: creators and listers of a collection feed
/// the `{parameter}` segment that follows it.
fn structure(api: &Api, out: &mut Vec<Binding>) {
    // operations by path shape, so each collection is a lookup
    let mut by_shape: std::collections::HashMap<Vec<Option<&str>>, Vec<usize>> =
        std::collections::HashMap::new();
    for (i, op) in api.operations.iter().enumerate() {
        by_shape.entry(shape(&op.path)).or_default().push(i);
    }
    for (consumer, op) in api.operations.iter().enumerate() {
        let segments: Vec<&str> = op.path.split('/').filter(|s| !s.is_empty()).collect();
        for (k, segment) in segments.iter().enumerate() {
            if !is_parameter(segment) {
                continue;
            }
            let parameter = &segment[1..segment.len() - 1];
            // the collection is every segment before this one
            let collection: Vec<Option<&str>> = segments[..k]
                .iter()
                .map(|s| (!is_parameter(s)).then_some(*s))
                .collect();
            let noun = segments[..k]
                .iter()
                .rev()
                .find(|s| !is_parameter(s))
                .copied()
                .unwrap_or("");
            let candidates = by_shape.get(&collection).map_or(&[][..], Vec::as_slice);
            for &producer in candidates {
                let p = &api.operations[producer];
                if producer == consumer {
                    continue;
                }
                let creates = matches!(p.method, Method::Post | Method::Put);
                let lists = p.method == Method::Get;
                if !(creates || lists) {
                    continue;
                }
                let Some(schema) = success_schema(p) else {
                    let source = match declares_location(p) {
                        true => Some(IdSource::Location),
                        false => sent_key(api, p, parameter, noun).map(IdSource::Sent),
                    };
                    if creates && let Some(source) = source {
                        out.push(Binding {
                            consumer,
                            parameter: parameter.to_owned(),
                            producer,
                            source,
                            inference: Inference::Creation,
                        });
                    }
                    continue;
                };
                let source = if creates {
                    id_pointer(&api.schemas, schema, parameter, noun)
                        .map(IdSource::Body)
                        .or_else(|| declares_location(p).then_some(IdSource::Location))
                        .or_else(|| sent_key(api, p, parameter, noun).map(IdSource::Sent))
                } else {
                    listed_ids(&api.schemas, schema, parameter, noun)
                };
                let Some(source) = source else {
                    continue;
                };
                out.push(Binding {
                    consumer,
                    parameter: parameter.to_owned(),
                    producer,
                    source,
                    inference: if creates {
                        Inference::Creation
                    } else {
                        Inference::Listing
                    },
                });
            }
        }
    }
}

/// The JSON schema of the operation's first 2xx response with a JSON body.
fn success_schema(op: &Operation) -> Option<SchemaId> {
    op.responses
        .iter()
        .filter(|r| is_success(r.status))
        .flat_map(|r| &r.content)
        .find(|m| is_json(&m.media_type))
        .and_then(|m| m.schema)
}

fn is_json(media_type: &str) -> bool {
    let m = media_type.to_ascii_lowercase();
    m.starts_with("application/json") || m.contains("+json") || m == "*/*"
}

fn declares_location(op: &Operation) -> bool {
    op.responses
        .iter()
        .filter(|r| is_success(r.status))
        .any(|r| {
            r.headers
                .iter()
                .any(|h| h.name.eq_ignore_ascii_case("location"))
        })
}

/// Lower case without `_` and `-`: `note_id`, `noteId` and `NoteID` agree.
fn folded(name: &str) -> String {
    name.chars()
        .filter(|c| *c != '_' && *c != '-')
        .flat_map(char::to_lowercase)
        .collect()
}

/// `notes` -> `note`, `categories` -> `category`, `boxes` -> `box`.
fn singular(noun: &str) -> String {
    let n = folded(noun);
    if let Some(stem) = n.strip_suffix("ies") {
        format!("{stem}y")
    } else if let Some(stem) = n.strip_suffix("sses") {
        format!("{stem}ss")
    } else if n.ends_with("xes") || n.ends_with("ches") || n.ends_with("shes") {
        n[..n.len() - 2].to_owned()
    } else if let Some(stem) = n.strip_suffix('s') {
        stem.to_owned()
    } else {
        n
    }
}

/// The property of an object schema that holds the id for `parameter`:
/// named like it, or `<noun>Id`, or a plain `id`.
fn id_property(schemas: &Schemas, object: SchemaId, parameter: &str, noun: &str) -> Option<String> {
    let properties = &schemas.get(object).properties;
    let want = folded(parameter);
    let noun_id = format!("{}id", singular(noun));
    let names: Vec<&String> = properties.keys().collect();
    // `{namespace}` under `/namespaces`, or a bare `{name}`: the resource's name
    let names_itself = want == singular(noun) || NAME_NAMES.contains(&want.as_str());
    names
        .iter()
        .find(|n| folded(n) == want)
        .or_else(|| names.iter().find(|n| folded(n) == noun_id))
        .or_else(|| {
            // `{comment_number}` -> `number`, `{ServiceSid}` -> `sid`
            SUFFIXES
                .iter()
                .filter(|suffix| want.ends_with(*suffix))
                .find_map(|suffix| names.iter().find(|n| folded(n) == *suffix))
        })
        .or_else(|| {
            ID_NAMES
                .iter()
                .find_map(|id| names.iter().find(|n| n.as_str() == *id))
        })
        .or_else(|| {
            NAME_NAMES
                .iter()
                .filter(|_| names_itself)
                .find_map(|id| names.iter().find(|n| n.as_str() == *id))
        })
        .map(|n| (*n).clone())
}

/// Escapes a property name as a JSON pointer token.
fn token(name: &str) -> String {
    name.replace('~', "~0").replace('/', "~1")
}

/// Where a creation response holds the id: at the top, or one wrapper down.
fn id_pointer(schemas: &Schemas, schema: SchemaId, parameter: &str, noun: &str) -> Option<String> {
    let object = object_of(schemas, schema)?;
    if let Some(name) = id_property(schemas, object, parameter, noun) {
        return Some(format!("/{}", token(&name)));
    }
    for wrapper in WRAPPERS {
        if let Some(&inner) = schemas.get(object).properties.get(wrapper)
            && let Some(inner) = object_of(schemas, inner)
            && let Some(name) = id_property(schemas, inner, parameter, noun)
        {
            return Some(format!("/{wrapper}/{}", token(&name)));
        }
    }
    None
}

/// Key-like body properties a client names a resource by, in the order
/// tried when the parameter is not one of them by name.
const SENT_KEYS: [&str; 6] = ["slug", "name", "key", "title", "handle", "code"];

/// Where the request body of a creation that answers no id holds the
/// key the client chose: the property named like the parameter, or, for
/// a parameter that names the resource (`{slug}`, `{name}`, `{draft}`
/// under `/drafts`, `{fileKey}`), a key-like one (`slug`, `name`, ...).
fn sent_key(api: &Api, op: &Operation, parameter: &str, noun: &str) -> Option<String> {
    let schema = op
        .body
        .as_ref()?
        .content
        .iter()
        .find(|m| is_json(&m.media_type))?
        .schema?;
    let object = object_of(&api.schemas, schema)?;
    let properties = &api.schemas.get(object).properties;
    let want = folded(parameter);
    if let Some(name) = properties.keys().find(|n| folded(n) == want) {
        return Some(format!("/{}", token(name)));
    }
    let names_itself = want == singular(noun) || SENT_KEYS.iter().any(|k| want.ends_with(k));
    if !names_itself {
        return None;
    }
    SENT_KEYS
        .iter()
        .find_map(|k| properties.keys().find(|n| folded(n) == *k))
        .map(|name| format!("/{}", token(name)))
}

/// Where a listing response holds ids: a top-level array of objects, or an
/// array under a property (e.g. `items`, `data`).
fn listed_ids(
    schemas: &Schemas,
    schema: SchemaId,
    parameter: &str,
    noun: &str,
) -> Option<IdSource> {
    let items_of = |id: SchemaId| -> Option<(String,)> {
        let s = schemas.get(id);
        id_pointer(schemas, s.items?, parameter, noun).map(|f| (f,))
    };
    if let Some((field,)) = items_of(schema) {
        return Some(IdSource::Items {
            array: String::new(),
            field,
        });
    }
    let object = object_of(schemas, schema)?;
    for (name, &id) in &schemas.get(object).properties {
        if let Some((field,)) = items_of(id) {
            return Some(IdSource::Items {
                array: format!("/{}", token(name)),
                field,
            });
        }
    }
    None
}

/// The schema itself when it has properties, else its one object-like
/// composition member (allOf left unmerged, a single oneOf/anyOf branch).
fn object_of(schemas: &Schemas, id: SchemaId) -> Option<SchemaId> {
    let s = schemas.get(id);
    if !s.properties.is_empty() {
        return Some(id);
    }
    s.all_of
        .iter()
        .chain(&s.one_of)
        .chain(&s.any_of)
        .copied()
        .find(|&m| !schemas.get(m).properties.is_empty())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::spec::Loader;

    fn api(yaml: &str) -> Api {
        Loader::new()
            .load_str(yaml, "test.yaml")
            .expect("the test spec loads")
    }

    fn index(api: &Api, id: &str) -> usize {
        api.operations
            .iter()
            .position(|o| o.id == id)
            .expect("the operation exists")
    }

    const NOTES: &str = r##"
openapi: 3.0.3
info: {title: t, version: "1"}
paths:
  /notes:
    post:
      operationId: createNote
      requestBody:
        content:
          application/json:
            schema: {type: object, properties: {text: {type: string}}}
      responses:
        "201":
          description: created
          content:
            application/json:
              schema: {$ref: "#/components/schemas/Note"}
    get:
      operationId: listNotes
      responses:
        "200":
          description: all
          content:
            application/json:
              schema:
                type: object
                properties:
                  items: {type: array, items: {$ref: "#/components/schemas/Note"}}
  /notes/{noteId}:
    parameters:
      - {name: noteId, in: path, required: true, schema: {type: integer}}
    get:
      operationId: getNote
      responses: {"200": {description: one}}
    delete:
      operationId: deleteNote
      responses: {"204": {description: gone}}
  /notes/{noteId}/comments:
    parameters:
      - {name: noteId, in: path, required: true, schema: {type: integer}}
    post:
      operationId: addComment
      responses:
        "201":
          description: created
          headers:
            Location: {schema: {type: string}}
  /notes/{noteId}/comments/{commentId}:
    parameters:
      - {name: noteId, in: path, required: true, schema: {type: integer}}
      - {name: commentId, in: path, required: true, schema: {type: integer}}
    get:
      operationId: getComment
      responses: {"200": {description: one}}
  /users/{userId}:
    get:
      operationId: getUser
      parameters:
        - {name: userId, in: path, required: true, schema: {type: string}}
      responses: {"200": {description: one}}
  /accounts:
    post:
      operationId: openAccount
      responses:
        "201":
          description: opened
          content:
            application/json:
              schema:
                type: object
                properties:
                  data:
                    type: object
                    properties: {account_id: {type: string}, name: {type: string}}
          links:
            ReadIt:
              operationId: readAccount
              parameters: {ref: "$response.body#/data/account_id"}
  /accounts/{ref}:
    get:
      operationId: readAccount
      parameters:
        - {name: ref, in: path, required: true, schema: {type: string}}
      responses: {"200": {description: one}}
components:
  schemas:
    Note:
      type: object
      properties:
        id: {type: integer, readOnly: true}
        text: {type: string}
"##;

    #[test]
    fn creation_gives_the_id_field_of_the_response() {
        let api = api(NOTES);
        let r = Resources::infer(&api);
        let get = index(&api, "getNote");
        let first = r.producers_of(get, "noteId").next().expect("a producer");
        assert_eq!(first.producer, index(&api, "createNote"));
        assert_eq!(first.source, IdSource::Body("/id".into()));
        assert_eq!(first.inference, Inference::Creation);
        // the listing comes second, reading each item's id
        let listing: Vec<_> = r.producers_of(get, "noteId").skip(1).collect();
        assert_eq!(listing.len(), 1);
        assert_eq!(listing[0].producer, index(&api, "listNotes"));
        assert_eq!(
            listing[0].source,
            IdSource::Items {
                array: "/items".into(),
                field: "/id".into()
            }
        );
        assert!(r.is_fillable(&api, index(&api, "deleteNote")));
    }

    #[test]
    fn nested_collections_and_location_headers() {
        let api = api(NOTES);
        let r = Resources::infer(&api);
        let get = index(&api, "getComment");
        let comment: Vec<_> = r.producers_of(get, "commentId").collect();
        assert_eq!(comment.len(), 1);
        assert_eq!(comment[0].producer, index(&api, "addComment"));
        assert_eq!(comment[0].source, IdSource::Location);
        // the outer parameter is fed by the notes collection
        let note = r
            .producers_of(get, "noteId")
            .next()
            .expect("a note producer");
        assert_eq!(note.producer, index(&api, "createNote"));
        assert!(r.is_fillable(&api, get));
    }

    #[test]
    fn links_win_and_wrappers_are_looked_into() {
        let api = api(NOTES);
        let r = Resources::infer(&api);
        let read = index(&api, "readAccount");
        let b: Vec<_> = r.producers_of(read, "ref").collect();
        assert_eq!(b.len(), 1, "one binding, the link, not repeated: {b:?}");
        assert_eq!(b[0].inference, Inference::Link);
        assert_eq!(b[0].source, IdSource::Body("/data/account_id".into()));
    }

    #[test]
    fn no_producer_means_not_fillable() {
        let api = api(NOTES);
        let r = Resources::infer(&api);
        let user = index(&api, "getUser");
        assert_eq!(r.producers_of(user, "userId").count(), 0);
        assert!(!r.is_fillable(&api, user));
    }

    #[test]
    fn parameter_endings_name_the_property() {
        let api = api(r#"
openapi: 3.0.3
info: {title: t, version: "1"}
paths:
  /Services:
    post:
      responses:
        "201":
          description: made
          content:
            application/json:
              schema: {type: object, properties: {sid: {type: string}, friendly_name: {type: string}}}
  /Services/{ServiceSid}:
    get:
      operationId: getService
      parameters:
        - {name: ServiceSid, in: path, required: true, schema: {type: string}}
      responses: {"200": {description: one}}
"#);
        let r = Resources::infer(&api);
        let b = r
            .producers_of(index(&api, "getService"), "ServiceSid")
            .next()
            .expect("a producer");
        assert_eq!(b.source, IdSource::Body("/sid".into()));
    }

    #[test]
    fn names_fold_and_nouns_become_singular() {
        assert_eq!(folded("note_ID"), "noteid");
        assert_eq!(singular("categories"), "category");
        assert_eq!(singular("boxes"), "box");
        assert_eq!(singular("addresses"), "address");
        assert_eq!(singular("notes"), "note");
        assert!(is_parameter("{id}"));
        assert!(!is_parameter("{id}.json"));
        assert!(!is_parameter("{}"));
    }
}
