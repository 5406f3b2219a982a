//! The ownership map: whose the objects the API already holds are. Before
//! the first `bola` probe that needs it, every identity of the scan (its
//! own credentials and each non-privileged `--identity`) calls the
//! listings that feed an operation's path parameter (read-only GETs
//! without path parameters, at most [`MAX_LISTINGS`], with only their
//! required parameters), once each, and records the ids it sees and the
//! owner-like fields of each object (`owner`, `user`, `username`,
//! `user_id`, `author`, `created_by`, `email`, ...).
//!
//! An object is attributed to identity A when its owner field names A
//! (A's user name, or an e-mail whose local part is it), or, without such
//! a field, when A sees it and no other identity does. An object that
//! another identity B also sees in a listing is B's to read by design
//! (a public listing, a shared object): it is never a target for B.
//! The map is built once per scan and kept with the [`Bases`](super::Bases).

use serde_json::Value;

use super::sequence::{others, owner};
use super::{Identity, Session, producers};
use crate::probes::{Binding, IdSource, Inference};

/// Listings called at most (each once per identity).
pub const MAX_LISTINGS: usize = 12;

/// Objects kept at most per listing answer.
const MAX_ITEMS: usize = 100;

/// Field names (lower case, `_` and `-` left out) that name an object's
/// owner.
const OWNER_FIELDS: [&str; 16] = [
    "owner",
    "ownerid",
    "ownername",
    "user",
    "userid",
    "username",
    "author",
    "authorid",
    "createdby",
    "creator",
    "email",
    "owneremail",
    "account",
    "accountid",
    "login",
    "uploadedby",
];

/// One identity of the map: who it is and the names its objects may carry.
#[derive(Debug, Clone)]
pub(super) struct Member {
    /// The credentials its requests carry.
    pub(super) identity: Identity,
    /// The name findings use.
    pub(super) name: String,
    /// User names an owner field may hold (its sign-in account's).
    pub(super) users: Vec<String>,
}

/// One object a listing showed.
#[derive(Debug, Clone)]
pub(super) struct Object {
    /// The listing (index in `api.operations`).
    pub(super) listing: usize,
    /// Its id, where the listing's binding reads it.
    pub(super) id: Value,
    /// The id's field name in each listed item (the pointer's last token).
    pub(super) field: String,
    /// The members that saw it (indices in [`Ownership::members`]).
    pub(super) seen_by: Vec<usize>,
    /// The member it is attributed to.
    pub(super) owner: Option<usize>,
    /// The owner field that names the owner, as `field=value`.
    pub(super) owner_field: Option<String>,
}

/// Whose the objects the listings show are.
#[derive(Debug, Default)]
pub struct Ownership {
    pub(super) members: Vec<Member>,
    pub(super) objects: Vec<Object>,
    /// The listings called, with what each member got (`GET url -> 200`).
    pub(super) calls: Vec<String>,
}

/// One cross-identity target: `owner`'s object that `intruder` did not see.
#[derive(Debug, Clone)]
pub(super) struct Target {
    pub(super) owner: Member,
    pub(super) intruder: Member,
    pub(super) object: Object,
}

impl Ownership {
    /// The objects attributed to one member that another did not see, for
    /// `parameter` of operation `consumer` (through a listing that feeds
    /// it), at most `per_pair` per (owner, intruder) pair, in listing order.
    pub(super) fn targets(
        &self,
        s: &Session<'_>,
        consumer: usize,
        parameter: &str,
        per_pair: usize,
    ) -> Vec<Target> {
        let listings: Vec<usize> = listings_of(s, consumer, parameter)
            .iter()
            .map(|b| b.producer)
            .collect();
        let mut out: Vec<Target> = Vec::new();
        for (a, owner) in self.members.iter().enumerate() {
            for (b, intruder) in self.members.iter().enumerate() {
                if a == b {
                    continue;
                }
                let mine = self
                    .objects
                    .iter()
                    .filter(|o| listings.contains(&o.listing))
                    .filter(|o| o.owner == Some(a) && !o.seen_by.contains(&b))
                    .take(per_pair);
                out.extend(mine.map(|o| Target {
                    owner: owner.clone(),
                    intruder: intruder.clone(),
                    object: o.clone(),
                }));
            }
        }
        out
    }
}

/// The listing bindings that feed `parameter` of `consumer`.
fn listings_of<'a>(s: &Session<'a>, consumer: usize, parameter: &'a str) -> Vec<&'a Binding> {
    let api = s.api();
    s.resources()
        .producers_of(consumer, parameter)
        .filter(|b| b.inference == Inference::Listing)
        .filter(|b| matches!(b.source, IdSource::Items { .. }))
        .filter(|b| {
            api.operations.get(b.producer).is_some_and(|op| {
                op.parameters_in(crate::model::ParameterLocation::Path)
                    .next()
                    .is_none()
                    && crate::probes::destructive(op).is_none()
            })
        })
        .collect()
}

/// The scan's ownership map, built by the first session that asks.
pub(super) async fn map<'s>(s: &mut Session<'s>) -> &'s Ownership {
    let port = s.port();
    port.bases().ownership().get_or_init(|| build(s)).await
}

/// The members: the scan's owner identity first, then the others.
fn members(s: &Session<'_>) -> Vec<Member> {
    let Some((first, first_name)) = owner(s) else {
        return Vec::new();
    };
    let users_of = |identity: &Identity| -> Vec<String> {
        let (mut users, credentials): (Vec<String>, &[crate::identity::Credential]) = match identity
        {
            Identity::Scan => (
                s.account().map(|a| a.user.clone()).into_iter().collect(),
                s.credentials(),
            ),
            Identity::With(c) => (
                s.identities()
                    .iter()
                    .filter(|i| &i.credentials == c)
                    .filter_map(|i| i.account.as_ref().map(|a| a.user.clone()))
                    .collect(),
                c.as_slice(),
            ),
            Identity::Anonymous => (Vec::new(), &[]),
        };
        users.extend(credentials.iter().filter_map(basic_user));
        users
    };
    let mut out = vec![Member {
        users: users_of(&first),
        identity: first.clone(),
        name: first_name,
    }];
    for (identity, name) in others(s, &first) {
        out.push(Member {
            users: users_of(&identity),
            identity,
            name,
        });
    }
    out
}

async fn build(s: &mut Session<'_>) -> Ownership {
    let mut map = Ownership {
        members: members(s),
        ..Ownership::default()
    };
    if map.members.len() < 2 {
        return map;
    }
    let api = s.api();
    // every listing that feeds some path parameter, once
    let mut listings: Vec<(usize, IdSource)> = Vec::new();
    for b in &s.resources().bindings {
        if b.inference != Inference::Listing || listings.iter().any(|(l, _)| *l == b.producer) {
            continue;
        }
        let Some(op) = api.operations.get(b.producer) else {
            continue;
        };
        if op
            .parameters_in(crate::model::ParameterLocation::Path)
            .next()
            .is_some()
            || crate::probes::destructive(op).is_some()
        {
            continue;
        }
        if let IdSource::Items { .. } = b.source {
            listings.push((b.producer, b.source.clone()));
        }
    }
    listings.truncate(MAX_LISTINGS);
    let members = map.members.clone();
    for (listing, source) in &listings {
        let Some(op) = api.operations.get(*listing) else {
            continue;
        };
        let Some(first) = producers::candidates(s, *listing).into_iter().next() else {
            continue;
        };
        let values = producers::minimal(api, op, &first);
        let Some(request) = s.request_of(*listing, &values) else {
            continue;
        };
        for (m, member) in members.iter().enumerate() {
            if s.stopping() {
                return map;
            }
            let Some(exchange) = s.send_to(*listing, &request, &member.identity).await else {
                return map;
            };
            map.calls.push(format!(
                "{}: {}",
                member.name,
                super::sequence::step(&exchange)
            ));
            let Some(response) = exchange.response() else {
                continue;
            };
            if !(200..300).contains(&response.status) {
                continue;
            }
            let Ok(body) = serde_json::from_slice::<Value>(&response.body) else {
                continue;
            };
            record(&mut map, *listing, source, &body, m);
        }
    }
    attribute(&mut map);
    map
}

/// Adds the objects of one listing answer, seen by member `m`.
fn record(map: &mut Ownership, listing: usize, source: &IdSource, body: &Value, m: usize) {
    let IdSource::Items { array, field } = source else {
        return;
    };
    let items = if array.is_empty() {
        Some(body)
    } else {
        body.pointer(array)
    };
    let Some(items) = items.and_then(Value::as_array) else {
        return;
    };
    let name = field
        .rsplit('/')
        .next()
        .unwrap_or("")
        .replace("~1", "/")
        .replace("~0", "~");
    for item in items.iter().take(MAX_ITEMS) {
        let Some(id) = item.pointer(field).filter(|v| usable(v)).cloned() else {
            continue;
        };
        let owner_field = owner_field_of(item, &map.members);
        match map
            .objects
            .iter_mut()
            .find(|o| o.listing == listing && o.id == id)
        {
            Some(o) => {
                if !o.seen_by.contains(&m) {
                    o.seen_by.push(m);
                }
                if o.owner_field.is_none() {
                    o.owner_field = owner_field.as_ref().map(|(_, text)| text.clone());
                    o.owner = owner_field.map(|(who, _)| who);
                }
            }
            None => map.objects.push(Object {
                listing,
                id,
                field: name.clone(),
                seen_by: vec![m],
                owner: owner_field.as_ref().map(|(who, _)| *who),
                owner_field: owner_field.map(|(_, text)| text),
            }),
        }
    }
}

/// Objects without an owner field naming a member: the one member that
/// alone sees it.
fn attribute(map: &mut Ownership) {
    for o in &mut map.objects {
        if o.owner.is_none() && o.seen_by.len() == 1 {
            o.owner = o.seen_by.first().copied();
        }
    }
}

/// The user of a Basic credential.
fn basic_user(c: &crate::identity::Credential) -> Option<String> {
    use base64::Engine as _;
    let (scheme, rest) = c.value.split_once(' ')?;
    if !scheme.eq_ignore_ascii_case("basic") {
        return None;
    }
    let bytes = base64::engine::general_purpose::STANDARD
        .decode(rest.trim())
        .ok()?;
    let text = String::from_utf8(bytes).ok()?;
    text.split_once(':').map(|(u, _)| u.to_owned())
}

/// An id worth sending: a short non-empty string or a number.
fn usable(v: &Value) -> bool {
    match v {
        Value::String(t) => !t.is_empty() && t.len() <= 256,
        Value::Number(_) => true,
        _ => false,
    }
}

/// The member an owner-like field of `item` names (its user name, or an
/// e-mail whose local part is it), with `field=value`; owner fields one
/// object down (`"owner": {"username": ...}`) count too.
fn owner_field_of(item: &Value, members: &[Member]) -> Option<(usize, String)> {
    let map = item.as_object()?;
    for (key, value) in map {
        if !OWNER_FIELDS.contains(&folded(key).as_str()) {
            continue;
        }
        let texts: Vec<(String, String)> = match value {
            Value::Object(inner) => inner
                .iter()
                .filter(|(k, _)| OWNER_FIELDS.contains(&folded(k).as_str()) || folded(k) == "name")
                .filter_map(|(k, v)| text_of(v).map(|t| (format!("{key}.{k}"), t)))
                .collect(),
            v => text_of(v).map(|t| (key.clone(), t)).into_iter().collect(),
        };
        for (field, text) in texts {
            if let Some(who) = members.iter().position(|m| names(m, &text)) {
                return Some((who, format!("{field}={text}")));
            }
        }
    }
    None
}

/// Whether `text` names `member`: one of its user names, or an e-mail
/// whose local part is one.
pub(super) fn names(member: &Member, text: &str) -> bool {
    let local = text.split_once('@').map_or(text, |(l, _)| l);
    member
        .users
        .iter()
        .any(|u| u.eq_ignore_ascii_case(text) || (u.len() >= 2 && u.eq_ignore_ascii_case(local)))
}

fn text_of(v: &Value) -> Option<String> {
    match v {
        Value::String(t) if !t.is_empty() => Some(t.clone()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

/// Lower case without `_` and `-`.
fn folded(name: &str) -> String {
    name.chars()
        .filter(|c| *c != '_' && *c != '-')
        .flat_map(char::to_lowercase)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn member(users: &[&str]) -> Member {
        Member {
            identity: Identity::Anonymous,
            name: users.first().copied().unwrap_or("x").to_owned(),
            users: users.iter().map(|u| (*u).to_owned()).collect(),
        }
    }

    #[test]
    fn owner_fields_name_members_by_user_name_or_mail() {
        let members = vec![member(&["ann"]), member(&["ben"])];
        let item = serde_json::json!({"id": 1, "created_by": "BEN"});
        assert_eq!(owner_field_of(&item, &members).map(|(m, _)| m), Some(1));
        let item = serde_json::json!({"id": 1, "author": {"email": "ann@example.org"}});
        assert_eq!(owner_field_of(&item, &members).map(|(m, _)| m), Some(0));
        let item = serde_json::json!({"id": 1, "title": "ann"});
        assert_eq!(owner_field_of(&item, &members), None);
    }

    #[test]
    fn an_object_seen_by_one_member_alone_is_its_own() {
        let mut map = Ownership {
            members: vec![member(&["ann"]), member(&["ben"])],
            ..Ownership::default()
        };
        let source = IdSource::Items {
            array: String::new(),
            field: "/id".to_owned(),
        };
        record(
            &mut map,
            0,
            &source,
            &serde_json::json!([{"id": 1}, {"id": 2}]),
            0,
        );
        record(&mut map, 0, &source, &serde_json::json!([{"id": 2}]), 1);
        attribute(&mut map);
        let owner_of = |id: i64| {
            map.objects
                .iter()
                .find(|o| o.id == serde_json::json!(id))
                .and_then(|o| o.owner)
        };
        assert_eq!(owner_of(1), Some(0));
        assert_eq!(owner_of(2), None, "seen by both: shared");
    }
}
