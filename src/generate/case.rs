//! Cases: one intent for one operation, as a complete request.

use serde::Serialize;
use serde_json::Value;

use super::negative::{Violation, ViolationKind};
use super::payloads::{PayloadFamily, Payloads};
use super::serialise::{Values, received, serialise};
use super::source::Source;
use super::value::{Generator, Options, plain, skipped};
use crate::http::{Request, Unsendable};
use crate::model::{Api, Direction, Operation, ParameterLocation, SchemaId, Types};

/// What a case is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Intent {
    /// Every value valid: a correct server accepts it.
    Positive,
    /// Valid values at the edges of their schemas.
    Boundary,
    /// One value breaks one named constraint: a correct server rejects it.
    Negative,
    /// An attack payload in one string slot.
    Attack,
}

impl Intent {
    /// Every intent, in a stable order.
    pub const ALL: [Intent; 4] = [
        Intent::Positive,
        Intent::Boundary,
        Intent::Negative,
        Intent::Attack,
    ];

    /// The intent's name.
    pub fn as_str(self) -> &'static str {
        match self {
            Intent::Positive => "positive",
            Intent::Boundary => "boundary",
            Intent::Negative => "negative",
            Intent::Attack => "attack",
        }
    }
}

/// Where in a request a value sits.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Slot {
    /// `path`, `query`, `header`, `cookie` or `body`.
    pub location: &'static str,
    /// The parameter name, or the body's media type.
    pub name: String,
    /// A JSON pointer inside the value (`""` is the whole value).
    pub pointer: String,
}

/// The attack a case carries.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Attack {
    /// The payload family.
    pub family: String,
    /// The payload (lossy text where it is not UTF-8).
    pub payload: String,
    /// The exact bytes, when the payload is not UTF-8.
    #[serde(skip)]
    pub raw: Option<Vec<u8>>,
    /// Where it was put.
    pub slot: Slot,
}

/// One request for one operation, with what it is for.
#[derive(Debug, Clone, Serialize)]
pub struct Case {
    /// The operation's id.
    pub operation: String,
    /// What the case is for.
    pub intent: Intent,
    /// For negative cases: the constraint broken, and where.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub violation: Option<(Slot, Violation)>,
    /// For attack cases: the payload, and where.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub attack: Option<Attack>,
    /// The values before serialisation.
    #[serde(skip)]
    pub values: Values,
    /// The request.
    #[serde(skip)]
    pub request: Request,
}

/// Makes cases for the operations of one API.
pub struct CaseGenerator<'a> {
    api: &'a Api,
    generator: Generator<'a>,
    payloads: &'a Payloads,
    round: Option<u32>,
}

impl<'a> CaseGenerator<'a> {
    /// A case generator for `api`, drawing attack strings from `payloads`.
    pub fn new(api: &'a Api, options: Options, payloads: &'a Payloads) -> Self {
        CaseGenerator {
            api,
            generator: Generator::new(&api.schemas, options),
            payloads,
            round: None,
        }
    }

    /// The plan's round of the next cases (`None`: every choice at random).
    /// A round decides the choices that make a case cover something, the
    /// same for every seed: even rounds' valid values hold every optional
    /// parameter and property and take the enums' values in turn; a
    /// negative round names the constraint it breaks (parameters, the
    /// body, its properties, each violation in turn); an attack round the
    /// payload and the slot. Values themselves stay drawn from the source.
    pub fn set_round(&mut self, round: Option<u32>) {
        self.round = round;
    }

    /// The value generator, for callers that need single values.
    pub fn values(&mut self) -> &mut Generator<'a> {
        &mut self.generator
    }

    /// A case of `intent` for `op`. `Ok(None)` when the operation offers the
    /// intent nothing (no constraint to break, no string slot to attack);
    /// `Err` when the chosen value cannot be sent where it must go.
    pub fn case(
        &mut self,
        op: &Operation,
        intent: Intent,
        src: &mut dyn Source,
    ) -> Result<Option<Case>, Unsendable> {
        self.build(op, intent, None, src)
    }

    /// An attack case for `op` with a payload of `family` (rather than of a
    /// family drawn at random). `Ok(None)` when the family has no payload or
    /// the operation no slot it fits.
    pub fn attack_case(
        &mut self,
        op: &Operation,
        family: &PayloadFamily,
        src: &mut dyn Source,
    ) -> Result<Option<Case>, Unsendable> {
        self.build(op, Intent::Attack, Some(family), src)
    }

    fn build(
        &mut self,
        op: &Operation,
        intent: Intent,
        family: Option<&PayloadFamily>,
        src: &mut dyn Source,
    ) -> Result<Option<Case>, Unsendable> {
        let mut values = self.positive_values(op, src);
        let mut violation = None;
        match intent {
            Intent::Positive => {}
            Intent::Boundary => self.boundary(op, &mut values, src),
            Intent::Negative => match self.negative(op, &mut values, src) {
                Some(v) => violation = Some(v),
                None => return Ok(None),
            },
            Intent::Attack => {
                // a payload that cannot travel in the chosen slot (a line break in a header) is retried elsewhere
                let mut last = None;
                for tries in 0..4 {
                    let mut attempt = values.clone();
                    let Some(a) = self.attack(op, &mut attempt, family, tries, src) else {
                        return Ok(None);
                    };
                    let serialised = serialise(self.api, op, &attempt).and_then(|mut request| {
                        if let Some(bytes) = &a.raw {
                            place_raw_bytes(&mut request, &a.slot, bytes)?;
                        }
                        Ok(request)
                    });
                    match serialised {
                        Ok(request) => {
                            return Ok(Some(Case {
                                operation: op.id.clone(),
                                intent,
                                violation: None,
                                attack: Some(a),
                                values: attempt,
                                request,
                            }));
                        }
                        Err(e) => last = Some(e),
                    }
                }
                return match last {
                    Some(e) => Err(e),
                    None => Ok(None),
                };
            }
        }
        let request = serialise(self.api, op, &values)?;
        Ok(Some(Case {
            operation: op.id.clone(),
            intent,
            violation,
            attack: None,
            values,
            request,
        }))
    }

    /// Valid values: every required parameter, optional ones at random, and
    /// a body; on a plan's even round every optional one, each enum at its
    /// next value.
    fn positive_values(&mut self, op: &Operation, src: &mut dyn Source) -> Values {
        let covering = self.round.filter(|r| r % 2 == 0);
        let before = self.generator.options.maximal;
        if let Some(r) = covering {
            self.generator.options.maximal = true;
            self.generator.enum_pick = Some((r / 2) as usize);
        }
        let values = self.positive_values_now(op, src);
        self.generator.options.maximal = before;
        self.generator.enum_pick = None;
        values
    }

    fn positive_values_now(&mut self, op: &Operation, src: &mut dyn Source) -> Values {
        let mut parameters = Vec::with_capacity(op.parameters.len());
        let maximal = self.generator.options.maximal;
        for p in &op.parameters {
            let present = if maximal {
                // cookies stay out: the scan's own (a session) must not be replaced
                p.required || p.location != ParameterLocation::Cookie
            } else {
                p.required || src.chance(1, 2)
            };
            if !present {
                parameters.push(None);
                continue;
            }
            let mut v = match p.schema {
                Some(id) => self
                    .generator
                    .positive_named(id, &p.name, Direction::Request, src),
                None => Value::String(plain(6, src)),
            };
            // an empty path segment would change the route rather than test it
            if p.location == ParameterLocation::Path && v.as_str().is_some_and(str::is_empty) {
                let one = Value::String(plain(1, src));
                if p.schema.is_none_or(|id| self.generator.accepts(id, &one)) {
                    v = one;
                }
            }
            parameters.push(Some(v));
        }
        let body = op.body.as_ref().and_then(|b| {
            if b.content.is_empty() || (!b.required && !maximal && src.chance(1, 4)) {
                return None;
            }
            let i = src.index(b.content.len());
            let v = match b.content[i].schema {
                Some(id) => self.generator.positive(id, Direction::Request, src),
                None => Value::Object(Default::default()),
            };
            Some((i, v))
        });
        Values { parameters, body }
    }

    fn boundary(&mut self, op: &Operation, values: &mut Values, src: &mut dyn Source) {
        let mut slots: Vec<(Option<usize>, SchemaId)> = op
            .parameters
            .iter()
            .enumerate()
            .filter(|(i, p)| {
                p.location != ParameterLocation::Path || values.parameters.get(*i).is_some()
            })
            .filter_map(|(i, p)| p.schema.map(|s| (Some(i), s)))
            .collect();
        if let (Some(b), Some((i, _))) = (&op.body, &values.body)
            && let Some(s) = b.content.get(*i).and_then(|m| m.schema)
        {
            slots.push((None, s));
        }
        if slots.is_empty() {
            return;
        }
        // a plan's round takes each slot in turn, and each slot's edges in
        // turn, the same for every seed
        let (pick, edge) = match self.round {
            Some(r) => (r as usize % slots.len(), Some(r as usize / slots.len())),
            None => (src.index(slots.len()), None),
        };
        let (slot, schema) = slots[pick];
        self.generator.edge_pick = edge;
        let v = self.generator.boundary(schema, Direction::Request, src);
        self.generator.edge_pick = None;
        match slot {
            Some(i) => values.parameters[i] = Some(v),
            None => {
                if let Some((_, body)) = &mut values.body {
                    *body = v;
                }
            }
        }
    }

    fn negative(
        &mut self,
        op: &Operation,
        values: &mut Values,
        src: &mut dyn Source,
    ) -> Option<(Slot, Violation)> {
        if let Some(r) = self.round
            && let Some(found) = self.negative_nth(op, values, r as usize, src)
        {
            return Some(found);
        }
        // candidate slots: every parameter with a schema, a missing required
        // non-path parameter, and the body
        let n = op.parameters.len() + 2;
        let start = src.index(n);
        for k in 0..n {
            let pick = (start + k) % n;
            if pick < op.parameters.len() {
                let p = &op.parameters[pick];
                let Some(id) = p.schema else { continue };
                let Some(neg) = self.generator.negative(id, Direction::Request, src, true) else {
                    continue;
                };
                // an empty path segment changes the route instead
                if p.location == ParameterLocation::Path
                    && neg.value.as_str().is_some_and(str::is_empty)
                {
                    continue;
                }
                let before = values.parameters[pick].replace(neg.value);
                if !self.reaches_invalid(op, values, Reach::Parameter(pick)) {
                    values.parameters[pick] = before;
                    continue;
                }
                let slot = Slot {
                    location: p.location.as_str(),
                    name: p.name.clone(),
                    pointer: neg.violation.pointer.clone(),
                };
                return Some((slot, neg.violation));
            } else if pick == op.parameters.len() {
                let required: Vec<usize> = op
                    .parameters
                    .iter()
                    .enumerate()
                    .filter(|(_, p)| p.required && p.location != ParameterLocation::Path)
                    .filter(|(_, p)| received::sent(op, p))
                    .map(|(i, _)| i)
                    .collect();
                if required.is_empty() {
                    continue;
                }
                let i = required[src.index(required.len())];
                values.parameters[i] = None;
                let p = &op.parameters[i];
                let slot = Slot {
                    location: p.location.as_str(),
                    name: p.name.clone(),
                    pointer: String::new(),
                };
                let violation = Violation {
                    kind: ViolationKind::MissingRequired,
                    keyword: "required",
                    pointer: String::new(),
                };
                return Some((slot, violation));
            } else {
                let body = op.body.as_ref()?;
                let i = values
                    .body
                    .as_ref()
                    .map(|(i, _)| *i)
                    .unwrap_or_else(|| src.index(body.content.len()));
                let media = body.content.get(i)?;
                let Some(id) = media.schema else { continue };
                let textual = !is_json(&media.media_type);
                let Some(neg) = self
                    .generator
                    .negative(id, Direction::Request, src, textual)
                else {
                    continue;
                };
                let before = values.body.replace((i, neg.value));
                if !self.reaches_invalid(op, values, Reach::Body) {
                    values.body = before;
                    continue;
                }
                let slot = Slot {
                    location: "body",
                    name: media.media_type.clone(),
                    pointer: neg.violation.pointer.clone(),
                };
                return Some((slot, neg.violation));
            }
        }
        None
    }

    fn attack(
        &mut self,
        op: &Operation,
        values: &mut Values,
        family: Option<&PayloadFamily>,
        tries: usize,
        src: &mut dyn Source,
    ) -> Option<Attack> {
        let family = match family {
            Some(f) => f.clone(),
            None => {
                let families: Vec<&PayloadFamily> = self.payloads.families().collect();
                if families.is_empty() {
                    return None;
                }
                families[src.index(families.len())].clone()
            }
        };
        let list = self.payloads.get(&family);
        // a round's payloads spread over the list, the same for every seed
        // (a retry, after a payload that could not travel, draws at random)
        let pick = match self.round.filter(|_| tries == 0) {
            Some(r) => (r as usize).saturating_mul(list.len() / 2 + 1) % list.len().max(1),
            None => src.index(list.len()),
        };
        let chosen = list.get(pick)?;
        // bytes that are not UTF-8 travel as a placeholder, replaced after serialisation
        let (payload, raw) = match chosen.as_str() {
            Some(text) => (text.to_owned(), None),
            None => (RAW_TOKEN.to_owned(), Some(chosen.bytes.clone())),
        };
        // prototype pollution works through keys: a JSON-object payload is merged into a JSON body
        if family == PayloadFamily::PrototypePollution
            && let Some(a) = self.pollute_keys(op, values, &family, &payload)
        {
            return Some(a);
        }
        let xml_only = family == PayloadFamily::Xxe;
        let schemas = &self.api.schemas;

        // string slots: parameters whose schema allows a string, body string leaves
        let mut slots: Vec<(Option<usize>, String)> = Vec::new();
        if !xml_only {
            for (i, p) in op.parameters.iter().enumerate() {
                let stringy = p
                    .schema
                    .is_none_or(|id| schemas.get(id).allows_type(Types::String));
                if stringy {
                    slots.push((Some(i), String::new()));
                }
            }
        }
        if let (Some(b), Some((i, body))) = (&op.body, &values.body) {
            let media = b
                .content
                .get(*i)
                .map(|m| m.media_type.to_ascii_lowercase())
                .unwrap_or_default();
            let xml = media.contains("xml");
            if xml || media.starts_with("text/") {
                slots.push((None, String::new()));
            }
            if !xml_only {
                let mut leaves = Vec::new();
                string_leaves(body, String::new(), &mut leaves);
                slots.extend(leaves.into_iter().map(|p| (None, p)));
            }
        }
        if slots.is_empty() {
            return None;
        }
        let at = match self.round.filter(|_| tries == 0) {
            Some(r) => r as usize % slots.len(),
            None => src.index(slots.len()),
        };
        let (index, pointer) = slots[at].clone();
        let slot = match index {
            Some(i) => {
                values.parameters[i] = Some(Value::String(payload.clone()));
                let p = &op.parameters[i];
                Slot {
                    location: p.location.as_str(),
                    name: p.name.clone(),
                    pointer: String::new(),
                }
            }
            None => {
                let (i, body) = values.body.as_mut()?;
                if pointer.is_empty() {
                    *body = Value::String(payload.clone());
                } else if let Some(leaf) = body.pointer_mut(&pointer) {
                    *leaf = Value::String(payload.clone());
                }
                let media = op
                    .body
                    .as_ref()
                    .and_then(|b| b.content.get(*i))
                    .map(|m| m.media_type.clone())
                    .unwrap_or_default();
                Slot {
                    location: "body",
                    name: media,
                    pointer,
                }
            }
        };
        let shown = match &raw {
            Some(bytes) => String::from_utf8_lossy(bytes).into_owned(),
            None => payload,
        };
        Some(Attack {
            family: family.name().to_owned(),
            payload: shown,
            raw,
            slot,
        })
    }
}

/// The slot a negative value was put in, for [`CaseGenerator::reaches_invalid`].
#[derive(Clone, Copy)]
enum Reach {
    /// A parameter's value.
    Parameter(usize),
    /// A required parameter left out (the targets hold only parameters that are sent).
    Missing,
    /// The body.
    Body,
}

/// What a negative round breaks.
enum Target {
    /// The parameter's value.
    Parameter(usize, SchemaId),
    /// A required parameter, left out.
    Missing(usize),
    /// The body as a whole (its type, a required property left out, ...).
    Body(usize, SchemaId),
    /// One property of a JSON object body.
    Property(usize, SchemaId, String, SchemaId),
}

impl CaseGenerator<'_> {
    /// The negative case of round `r`: the targets (parameters, required
    /// ones left out, the body, the body's properties) taken in turn, and
    /// for each its violations in turn. `None` when no target can be broken.
    fn negative_nth(
        &mut self,
        op: &Operation,
        values: &mut Values,
        r: usize,
        src: &mut dyn Source,
    ) -> Option<(Slot, Violation)> {
        let schemas = &self.api.schemas;
        let mut targets = Vec::new();
        for (i, p) in op.parameters.iter().enumerate() {
            if let Some(id) = p.schema {
                targets.push(Target::Parameter(i, id));
            }
            if p.required && p.location != ParameterLocation::Path && received::sent(op, p) {
                targets.push(Target::Missing(i));
            }
        }
        let media_index = values.body.as_ref().map_or(0, |(i, _)| *i);
        if let Some(media) = op.body.as_ref().and_then(|b| b.content.get(media_index))
            && let Some(root) = media.schema
        {
            targets.push(Target::Body(media_index, root));
            if is_json(&media.media_type) {
                for (name, child) in &schemas.get(root).properties {
                    if !skipped(schemas.get(*child), Direction::Request) {
                        targets.push(Target::Property(media_index, root, name.clone(), *child));
                    }
                }
            }
        }
        let n = targets.len();
        let pick = r / n.max(1);
        for k in 0..n {
            let saved = values.clone();
            let target = &targets[(r + k) % n];
            let found = match target {
                Target::Parameter(i, id) => self.break_parameter(op, values, *i, *id, pick, src),
                Target::Missing(i) => {
                    values.parameters[*i] = None;
                    let p = &op.parameters[*i];
                    Some((
                        Slot {
                            location: p.location.as_str(),
                            name: p.name.clone(),
                            pointer: String::new(),
                        },
                        Violation {
                            kind: ViolationKind::MissingRequired,
                            keyword: "required",
                            pointer: String::new(),
                        },
                    ))
                }
                Target::Body(i, id) => {
                    let media = op.body.as_ref()?.content.get(*i)?;
                    let textual = !is_json(&media.media_type);
                    self.generator
                        .negative_nth(*id, Direction::Request, src, textual, pick)
                        .map(|neg| {
                            values.body = Some((*i, neg.value));
                            (
                                Slot {
                                    location: "body",
                                    name: media.media_type.clone(),
                                    pointer: neg.violation.pointer.clone(),
                                },
                                neg.violation,
                            )
                        })
                }
                Target::Property(i, root, name, child) => {
                    self.break_property(op, values, (*i, *root), (name, *child), pick, src)
                }
            };
            let reach = match target {
                Target::Parameter(i, _) => Reach::Parameter(*i),
                Target::Missing(_) => Reach::Missing,
                Target::Body(..) | Target::Property(..) => Reach::Body,
            };
            if found.is_some() && self.reaches_invalid(op, values, reach) {
                return found;
            }
            *values = saved;
        }
        None
    }

    /// Whether the negative value in `values` at `at` still reaches the
    /// server as invalid once serialised: its slot is sent, and every
    /// reading a server may make of it breaks the schema (a reading that
    /// is the value itself is invalid by construction, `format` included).
    fn reaches_invalid(&mut self, op: &Operation, values: &Values, at: Reach) -> bool {
        let (id, readings, original, absent_invalid) = match at {
            Reach::Missing => return true,
            Reach::Parameter(i) => {
                let Some(p) = op.parameters.get(i) else {
                    return false;
                };
                let (Some(id), Some(value)) =
                    (p.schema, values.parameters.get(i).and_then(Option::as_ref))
                else {
                    return false;
                };
                if !received::sent(op, p) {
                    return false;
                }
                let readings = received::parameter(op, p, self.api.schemas.get(id), value);
                let absent_invalid = p.required && p.location != ParameterLocation::Path;
                (id, readings, value, absent_invalid)
            }
            Reach::Body => {
                let Some((i, value)) = values.body.as_ref() else {
                    return false;
                };
                let Some(media) = op.body.as_ref().and_then(|b| b.content.get(*i)) else {
                    return false;
                };
                let Some(id) = media.schema else {
                    return false;
                };
                (id, received::body(media, value), value, false)
            }
        };
        readings.iter().all(|reading| match reading {
            None => absent_invalid,
            Some(v) if v == original => true,
            Some(v) => !self.generator.accepts(id, v),
        })
    }

    /// Parameter `i` (of schema `id`) broken with its `pick`th violation.
    fn break_parameter(
        &mut self,
        op: &Operation,
        values: &mut Values,
        i: usize,
        id: SchemaId,
        pick: usize,
        src: &mut dyn Source,
    ) -> Option<(Slot, Violation)> {
        let p = op.parameters.get(i)?;
        let neg = self
            .generator
            .negative_nth(id, Direction::Request, src, true, pick)?;
        // an empty path segment changes the route instead
        if p.location == ParameterLocation::Path && neg.value.as_str().is_some_and(str::is_empty) {
            return None;
        }
        values.parameters[i] = Some(neg.value);
        let slot = Slot {
            location: p.location.as_str(),
            name: p.name.clone(),
            pointer: neg.violation.pointer.clone(),
        };
        Some((slot, neg.violation))
    }

    /// The JSON body's property `name` (of schema `child`, in the body of
    /// media type `media` and schema `root`) broken with its `pick`th violation.
    fn break_property(
        &mut self,
        op: &Operation,
        values: &mut Values,
        (media, root): (usize, SchemaId),
        (name, child): (&str, SchemaId),
        pick: usize,
        src: &mut dyn Source,
    ) -> Option<(Slot, Violation)> {
        let media_type = op.body.as_ref()?.content.get(media)?.media_type.clone();
        let neg = self
            .generator
            .negative_nth(child, Direction::Request, src, false, pick)?;
        let max = self.api.schemas.get(root).max_properties;
        let Some((_, Value::Object(map))) = values.body.as_mut() else {
            return None;
        };
        map.insert(name.to_owned(), neg.value);
        if max.is_some_and(|m| map.len() as u64 > m) {
            return None;
        }
        let pointer = format!(
            "/{}{}",
            name.replace('~', "~0").replace('/', "~1"),
            neg.violation.pointer
        );
        let slot = Slot {
            location: "body",
            name: media_type,
            pointer: pointer.clone(),
        };
        Some((
            slot,
            Violation {
                pointer,
                ..neg.violation
            },
        ))
    }

    /// Merges the keys of a JSON-object payload (`{"__proto__": {...}}`) into
    /// the top of a JSON object body.
    fn pollute_keys(
        &self,
        op: &Operation,
        values: &mut Values,
        family: &PayloadFamily,
        payload: &str,
    ) -> Option<Attack> {
        let Ok(Value::Object(keys)) = serde_json::from_str::<Value>(payload) else {
            return None;
        };
        let (i, body) = values.body.as_mut()?;
        let media = op.body.as_ref()?.content.get(*i)?.media_type.clone();
        if !is_json(&media) {
            return None;
        }
        let Value::Object(map) = body else {
            return None;
        };
        for (k, v) in keys {
            map.insert(k, v);
        }
        let slot = Slot {
            location: "body",
            name: media,
            pointer: String::new(),
        };
        Some(Attack {
            family: family.name().to_owned(),
            payload: payload.to_owned(),
            raw: None,
            slot,
        })
    }
}

/// Stands for a payload that is not UTF-8 while values are serialised: only
/// letters, so every location carries it unencoded and it can be found again.
const RAW_TOKEN: &str = "zzApiprobeRawPayloadzz";

/// Puts the exact bytes of a non-UTF-8 payload where its placeholder went:
/// percent-encoded in the path, query and form bodies, raw in other bodies.
/// Headers and cookies cannot carry them.
fn place_raw_bytes(request: &mut Request, slot: &Slot, bytes: &[u8]) -> Result<(), Unsendable> {
    let encoded: String = bytes
        .iter()
        .map(|b| {
            if b.is_ascii_alphanumeric() || b"-._~".contains(b) {
                (*b as char).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect();
    let unsendable = |reason: &str| Unsendable {
        location: slot.location.to_owned(),
        name: slot.name.clone(),
        reason: reason.to_owned(),
    };
    match slot.location {
        "path" => request.path = request.path.replace(RAW_TOKEN, &encoded),
        "query" => request.query = request.query.replace(RAW_TOKEN, &encoded),
        "body" => {
            let body = request.body.as_mut().ok_or_else(|| unsendable("no body"))?;
            let form = body
                .content_type
                .to_ascii_lowercase()
                .starts_with("application/x-www-form-urlencoded");
            let replacement: Vec<u8> = if form {
                encoded.into_bytes()
            } else {
                bytes.to_vec()
            };
            body.bytes = replace_bytes(&body.bytes, RAW_TOKEN.as_bytes(), &replacement);
        }
        _ => {
            return Err(unsendable(
                "bytes that are not UTF-8 cannot be sent in a header or cookie",
            ));
        }
    }
    Ok(())
}

fn replace_bytes(haystack: &[u8], needle: &[u8], with: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(haystack.len() + with.len());
    let mut i = 0;
    while i < haystack.len() {
        if haystack[i..].starts_with(needle) {
            out.extend_from_slice(with);
            i += needle.len();
        } else {
            out.push(haystack[i]);
            i += 1;
        }
    }
    out
}

/// Pointers to every string in a value.
fn string_leaves(v: &Value, at: String, out: &mut Vec<String>) {
    match v {
        Value::String(_) => out.push(at),
        Value::Array(items) => {
            for (i, item) in items.iter().enumerate() {
                string_leaves(item, format!("{at}/{i}"), out);
            }
        }
        Value::Object(map) => {
            for (k, item) in map {
                string_leaves(
                    item,
                    format!("{at}/{}", k.replace('~', "~0").replace('/', "~1")),
                    out,
                );
            }
        }
        _ => {}
    }
}

fn is_json(media_type: &str) -> bool {
    let m = media_type.to_ascii_lowercase();
    let essence = m.split(';').next().unwrap_or("").trim();
    essence == "application/json" || essence.ends_with("+json") || essence.ends_with("/json")
}
