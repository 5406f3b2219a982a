//! Stateful sequences: creating the resources an operation's path
//! parameters name (through the producers [`Resources`](crate::probes::Resources)
//! infers), as one identity, so that the operation can then be called on a
//! resource that really exists, by its owner or by someone else.

use serde_json::Value;

use super::{Identity, Session, producers};
use crate::generate::{Request, Values};
use crate::http::Exchange;
use crate::model::{Api, Method, Operation, ParameterLocation};
use crate::probes::{Binding, IdSource, Inference};

/// How deep producers of producers are followed (`/a/{a}/b/{b}/c/{c}`).
const MAX_DEPTH: usize = 3;

/// A resource created for a sequence.
#[derive(Debug, Clone)]
pub(super) struct Made {
    /// The path parameter it fills.
    pub(super) parameter: String,
    /// The operation that made it.
    pub(super) producer: usize,
    /// Its id, as the producer answered it.
    pub(super) id: Value,
    /// The creating exchange.
    pub(super) exchange: Exchange,
}

/// The consumer's values with every path parameter naming a fresh
/// resource, and what was made for it (outermost first).
#[derive(Debug, Clone)]
pub(super) struct Provisioned {
    /// The consumer's values, path parameters filled with the ids.
    pub(super) values: Values,
    /// The resources made, outermost first; the last is the one the
    /// operation acts on.
    pub(super) made: Vec<Made>,
}

impl Provisioned {
    /// The resource the operation acts on (the innermost one).
    pub(super) fn target(&self) -> Option<&Made> {
        self.made.last()
    }
}

/// Whether every path parameter of `op` can be filled by creating its
/// resource (links or creation on a collection; listing does not create).
pub(super) fn creatable(s: &Session<'_>, index: usize) -> bool {
    let api = s.api();
    let Some(op) = api.operations.get(index) else {
        return false;
    };
    let mut any = false;
    for p in op.parameters_in(ParameterLocation::Path) {
        if creators(s, index, &p.name).next().is_none() {
            return false;
        }
        any = true;
    }
    any
}

fn creators<'a>(
    s: &Session<'a>,
    consumer: usize,
    parameter: &'a str,
) -> impl Iterator<Item = &'a Binding> + 'a {
    let api = s.api();
    s.resources()
        .producers_of(consumer, parameter)
        .filter(move |b| {
            b.inference != Inference::Listing
                && api
                    .operations
                    .get(b.producer)
                    .is_some_and(|p| matches!(p.method, Method::Post | Method::Put))
        })
}

/// Creates, as `identity`, a resource for every path parameter of
/// operation `consumer`, and returns its values with the ids in place.
/// `None` when a producer fails or its answer holds no id.
pub(super) async fn provision(
    s: &mut Session<'_>,
    consumer: usize,
    identity: &Identity,
) -> Option<Provisioned> {
    provision_as(s, consumer, identity, false).await
}

/// [`provision`] with the innermost resource made distinct from any other
/// probe's (its plain string fields given a canary, `producers::distinct`):
/// for a probe that judges by the resource's content at its id, which a
/// concurrent creation can take once the resource is deleted (an id
/// reused, as SQLite's `rowid` is, with the same deterministic body).
pub(super) async fn provision_distinct(
    s: &mut Session<'_>,
    consumer: usize,
    identity: &Identity,
) -> Option<Provisioned> {
    provision_as(s, consumer, identity, true).await
}

async fn provision_as(
    s: &mut Session<'_>,
    consumer: usize,
    identity: &Identity,
    distinct: bool,
) -> Option<Provisioned> {
    let api = s.api();
    let op = api.operations.get(consumer)?;
    let mut values = s.case_of(consumer)?.values;
    let mut made: Vec<Made> = Vec::new();
    let params: Vec<(usize, String)> = op
        .parameters
        .iter()
        .enumerate()
        .filter(|(_, p)| p.location == ParameterLocation::Path)
        .map(|(i, p)| (i, p.name.clone()))
        .collect();
    let last = params.len().min(MAX_DEPTH).saturating_sub(1);
    for (k, (i, name)) in params.iter().take(MAX_DEPTH).enumerate() {
        let bindings: Vec<Binding> = creators(s, consumer, name).cloned().collect();
        let mut got = None;
        for b in bindings.iter().take(2) {
            if let Some(m) = produce(s, b, &made, identity, distinct && k == last).await {
                got = Some(m);
                break;
            }
        }
        let m = got?;
        if let Some(slot) = values.parameters.get_mut(*i) {
            *slot = Some(m.id.clone());
        }
        made.push(m);
    }
    if params.len() > MAX_DEPTH {
        return None;
    }
    Some(Provisioned { values, made })
}

/// Calls the producer of `binding` (its own path parameters filled with the
/// ids made so far, by name, else by position) and reads the id it answers.
/// The producer is tried with several requests until one answers 2xx (see
/// `producers::candidates`; a key the answer says is taken is changed once);
/// an id the client itself sent counts once a read of the consumer's path
/// with it answers 2xx.
async fn produce(
    s: &mut Session<'_>,
    binding: &Binding,
    made: &[Made],
    identity: &Identity,
    distinct: bool,
) -> Option<Made> {
    let api = s.api();
    let producer = api.operations.get(binding.producer)?;
    let path_params: Vec<usize> = producer
        .parameters
        .iter()
        .enumerate()
        .filter(|(_, p)| p.location == ParameterLocation::Path)
        .map(|(i, _)| i)
        .collect();
    let mut queue = producers::candidates(s, binding.producer);
    queue.truncate(producers::PRODUCER_TRIES);
    // a key the client chooses is this creation's own: the same request
    // sent by two probes would name one object (an upsert shares it, and
    // one probe's DELETE takes it from under the other's PUT)
    if matches!(binding.source, IdSource::Sent(_)) {
        queue = queue
            .into_iter()
            .map(|v| {
                let fresh = s.canary(12);
                producers::freshened(&v, &fresh).unwrap_or(v)
            })
            .collect();
    }
    if distinct {
        // distinct forms first; the plain ones after, for a server that
        // wants more than any string in those fields
        let mut forms: Vec<Values> = queue
            .iter()
            .filter_map(|v| {
                let fresh = s.canary(12);
                producers::distinct(api, producer, v, &fresh)
            })
            .collect();
        forms.append(&mut queue);
        queue = forms;
    }
    let mut sent = 0;
    let mut freshened = false;
    while sent < producers::PRODUCER_TRIES && !queue.is_empty() {
        let mut values = queue.remove(0);
        for (k, &i) in path_params.iter().enumerate() {
            let name = &producer.parameters[i].name;
            let id = made
                .iter()
                .find(|m| &m.parameter == name)
                .or_else(|| made.get(k))
                .map(|m| m.id.clone())?;
            values.parameters[i] = Some(id);
        }
        let request = s.request_of(binding.producer, &values)?;
        sent += 1;
        let exchange = s.send_to(binding.producer, &request, identity).await?;
        let response = exchange.response()?;
        let status = response.status;
        if !(200..300).contains(&status) {
            // no other values make up for missing rights or a rate limit
            if matches!(status, 401 | 403 | 407 | 429) {
                return None;
            }
            if !freshened && producers::taken(status, &response.body) {
                freshened = true;
                let fresh = s.canary(12);
                if let Some(v) = producers::freshened(&values, &fresh) {
                    queue.insert(0, v);
                }
            }
            continue;
        }
        let Some(id) = id_from(&binding.source, &exchange) else {
            continue;
        };
        let m = Made {
            parameter: binding.parameter.clone(),
            producer: binding.producer,
            id,
            exchange,
        };
        if matches!(binding.source, IdSource::Sent(_))
            && !readable(s, &binding.source, binding.consumer, made, &m, identity).await
        {
            continue;
        }
        remember_deletion(s, made, &m, identity);
        return Some(m);
    }
    None
}

/// Whether `identity` reads the resource `m` (with the outer ones `made`)
/// through the GET on the path of operation `consumer`: a 2xx whose JSON
/// holds the value under its sent name or the parameter's (a 200 that
/// says "not found" is no read). A value the client sent is an id only then.
async fn readable(
    s: &mut Session<'_>,
    source: &IdSource,
    consumer: usize,
    made: &[Made],
    m: &Made,
    identity: &Identity,
) -> bool {
    let api = s.api();
    let Some(op) = api.operations.get(consumer) else {
        return false;
    };
    let Some(read) = reader(api, op) else {
        return false;
    };
    let Some(request) = request_on(s, read, made, m) else {
        return false;
    };
    let IdSource::Sent(pointer) = source else {
        return false;
    };
    let field = pointer
        .rsplit('/')
        .next()
        .unwrap_or("")
        .replace("~1", "/")
        .replace("~0", "~");
    s.send_to(read, &request, identity).await.is_some_and(|e| {
        super::cross::names_id(&e, &field, &m.id) || super::cross::names_id(&e, &m.parameter, &m.id)
    })
}

/// The id where `source` says it is in the exchange's response.
pub(crate) fn id_from(source: &IdSource, exchange: &Exchange) -> Option<Value> {
    let response = exchange.response()?;
    let usable = |v: &Value| match v {
        Value::String(t) if !t.is_empty() && t.len() <= 256 => true,
        Value::Number(_) => true,
        _ => false,
    };
    match source {
        IdSource::Body(pointer) => {
            let body: Value = serde_json::from_slice(&response.body).ok()?;
            body.pointer(pointer).filter(|v| usable(v)).cloned()
        }
        IdSource::Sent(pointer) => {
            let body = exchange.request.request.body.as_ref()?;
            let sent: Value = serde_json::from_slice(&body.bytes).ok()?;
            sent.pointer(pointer).filter(|v| usable(v)).cloned()
        }
        IdSource::Location => {
            let location = response.header("location")?;
            let path = location.split(['?', '#']).next().unwrap_or(location);
            let last = path.trim_end_matches('/').rsplit('/').next()?;
            let decoded = percent_encoding::percent_decode_str(last)
                .decode_utf8()
                .ok()?
                .into_owned();
            (!decoded.is_empty()).then_some(Value::String(decoded))
        }
        IdSource::Items { array, field } => {
            let body: Value = serde_json::from_slice(&response.body).ok()?;
            let items = if array.is_empty() {
                Some(&body)
            } else {
                body.pointer(array)
            }?;
            items
                .as_array()?
                .iter()
                .find_map(|item| item.pointer(field).filter(|v| usable(v)).cloned())
        }
    }
}

/// Queues the DELETE that removes `m` (made inside `outer`), sent as
/// `identity` when the scan ends: the DELETE bound to the producer and
/// parameter `m` came from.
pub(super) fn remember_deletion(
    s: &mut Session<'_>,
    outer: &[Made],
    m: &Made,
    identity: &Identity,
) {
    let api = s.api();
    let delete = s
        .resources()
        .bindings
        .iter()
        .find(|b| {
            b.producer == m.producer
                && b.parameter == m.parameter
                && api
                    .operations
                    .get(b.consumer)
                    .is_some_and(|o| o.method == Method::Delete)
        })
        .map(|b| b.consumer);
    if let Some(delete) = delete
        && let Some(request) = request_on(s, delete, outer, m)
    {
        s.created(request, identity);
    }
}

/// A request of operation `index` whose path parameters name the resources
/// `made` plus `last` (by parameter name).
pub(super) fn request_on(
    s: &mut Session<'_>,
    index: usize,
    made: &[Made],
    last: &Made,
) -> Option<Request> {
    let api = s.api();
    let op = api.operations.get(index)?;
    let mut values = s.case_of(index)?.values;
    for (i, p) in op.parameters.iter().enumerate() {
        if p.location != ParameterLocation::Path {
            continue;
        }
        let id = made
            .iter()
            .chain(std::iter::once(last))
            .rev()
            .find(|m| m.parameter == p.name)
            .map(|m| m.id.clone())?;
        values.parameters[i] = Some(id);
    }
    s.request_of(index, &values)
}

/// The GET operation on the same path as `op` (to read a resource back).
pub(super) fn reader(api: &Api, op: &Operation) -> Option<usize> {
    api.operations
        .iter()
        .position(|o| o.method == Method::Get && o.path == op.path)
}

/// Whether a status is a success.
pub(super) fn ok(exchange: &Exchange) -> bool {
    exchange
        .response()
        .is_some_and(|r| (200..300).contains(&r.status))
}

/// The status of an exchange as text (`no response` without one).
pub(super) fn status(exchange: &Exchange) -> String {
    exchange
        .response()
        .map_or_else(|| "no response".to_owned(), |r| r.status.to_string())
}

/// One step of a sequence for a proof: `POST http://host/notes -> 201`
/// (no headers: credentials stay out of proofs).
pub(super) fn step(exchange: &Exchange) -> String {
    format!(
        "{} {} -> {}",
        exchange.request.request.method.as_str(),
        exchange.request.url,
        status(exchange)
    )
}

/// The identity that owns what a sequence creates: the scan's credentials
/// when it has any, else the first non-privileged named identity; with
/// the name findings use for it.
pub(super) fn owner(s: &Session<'_>) -> Option<(Identity, String)> {
    if !s.credentials().is_empty() {
        // `--login alice:...` and `--identity alice=login:...` are one user
        let name = s
            .account()
            .and_then(|a| {
                s.identities()
                    .iter()
                    .find(|i| i.account.as_ref().is_some_and(|b| b.user == a.user))
            })
            .map_or_else(|| "the scan's identity".to_owned(), |i| i.name.clone());
        return Some((Identity::Scan, name));
    }
    s.identities()
        .iter()
        .find(|i| !i.is_privileged())
        .map(|i| (Identity::With(i.credentials.clone()), i.name.clone()))
}

/// Named identities other than the owner, not privileged (an administrator
/// may see everyone's resources), with their names.
pub(super) fn others(s: &Session<'_>, owner: &Identity) -> Vec<(Identity, String)> {
    let owner_credentials = match owner {
        Identity::Scan => s.credentials().to_vec(),
        Identity::Anonymous => Vec::new(),
        Identity::With(c) => c.clone(),
    };
    s.identities()
        .iter()
        .filter(|i| !i.is_privileged() && i.credentials != owner_credentials)
        .filter(|i| {
            // the same account signed in twice is the same user
            let same_user = s
                .account()
                .is_some_and(|a| i.account.as_ref().is_some_and(|b| b.user == a.user));
            !(matches!(owner, Identity::Scan) && same_user)
        })
        .filter(|i| {
            // the scan's own credentials may be one of the named identities
            !i.credentials.iter().all(|c| owner_credentials.contains(c))
        })
        .map(|i| (Identity::With(i.credentials.clone()), i.name.clone()))
        .collect()
}
