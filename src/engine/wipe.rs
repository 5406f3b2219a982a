//! The destructive phase: operations that reset or wipe state
//! ([`destructive`]) are never among the plan's or the active phase's
//! probes; after both, with nothing else in flight, each is sent once, one
//! at a time. A few resources the scan knows (the pool's live ids, what
//! the probes created) are read before and after each call, and a
//! `destructive_operation` finding says which vanished. `--skip-destructive`
//! and `--read-only` leave them out (a note names them).

use std::sync::atomic::Ordering;

use super::active::Phase;
use super::event::Event;
use super::send::{send_with, with_operation_headers};
use super::shared::Shared;
use crate::checks::Finding;
use crate::checks::active::base_case;
use crate::checks::destructive::{Watched, verdict};
use crate::generate::{CaseGenerator, Options, Seed, serialise};
use crate::http::Request;
use crate::identity::Credential;
use crate::model::Method;
use crate::probes::{ProbeKind, destructive};

/// The probe kind the destructive calls and their reads are reported under.
const KIND: ProbeKind = ProbeKind::Active("destructive_operation");
/// Known resources read around each destructive call, at most.
const WATCHED: usize = 6;

/// The destructive operations among `operations`, with why each counts.
fn destructive_among(shared: &Shared, operations: &[usize]) -> Vec<(usize, String)> {
    operations
        .iter()
        .filter_map(|&i| {
            let op = shared.api.operations.get(i)?;
            destructive(op).map(|d| (i, d.reason))
        })
        .collect()
}

/// Sends each destructive operation of `operations` once, alone (the
/// caller runs this after the plan's workers and the active phase have
/// ended), reading known resources around it; or, with
/// `--skip-destructive` or `--read-only`, a note that they were left out.
/// Returns how many requests it sent.
pub(crate) async fn run(shared: &Shared, phase: &Phase, operations: &[usize]) -> u64 {
    let found = destructive_among(shared, operations);
    if found.is_empty() {
        return 0;
    }
    let why = if shared.options.plan.read_only {
        Some("--read-only")
    } else if shared.options.skip_destructive {
        Some("--skip-destructive")
    } else {
        None
    };
    if let Some(flag) = why {
        let names: Vec<String> = found
            .iter()
            .filter_map(|(i, reason)| {
                let op = shared.api.operations.get(*i)?;
                Some(format!("{} {} ({reason})", op.method.as_str(), op.path))
            })
            .collect();
        let message = format!(
            "{} destructive operation{} never sent ({flag}): {}",
            names.len(),
            if names.len() == 1 { "" } else { "s" },
            names.join(", ")
        );
        shared
            .observer
            .on_event(&Event::Warning { message: &message });
        return 0;
    }
    let before = shared.requests.load(Ordering::Relaxed);
    let mut cases = CaseGenerator::new(&shared.api, Options::default(), &shared.payloads);
    for (index, reason) in found {
        if shared.stop.is_set() {
            break;
        }
        let Some(op) = shared.api.operations.get(index) else {
            continue;
        };
        let mut rng = Seed::new(shared.options.seed)
            .derive(&[index.into(), "destructive".into()])
            .source();
        let Some(case) = base_case(&mut cases, &shared.api, op, &mut rng) else {
            continue;
        };
        let Ok(request) = serialise(&shared.api, op, &case.values) else {
            continue;
        };
        // what the scan knows exists now
        let mut alive = Vec::new();
        for (read_op, read, credentials) in known(shared, phase) {
            let Some(status) = read_status(shared, read_op, &read, &credentials).await else {
                continue;
            };
            if (200..300).contains(&status) {
                alive.push((read_op, read, credentials, status));
            }
        }
        let request = with_operation_headers(shared, index, &request);
        let Some(exchange) = send_with(shared, &request, &shared.options.credentials, 0).await
        else {
            break;
        };
        shared.observer.on_event(&Event::Exchange {
            operation: op,
            probe: &KIND,
            exchange: &exchange,
        });
        let mut watched = Vec::new();
        for (read_op, read, credentials, status) in alive {
            let after = read_status(shared, read_op, &read, &credentials).await;
            watched.push(Watched {
                label: format!("{} {}", read.method.as_str(), read.path),
                before: status,
                after,
            });
        }
        // the passive checks see its answer like any other
        for (check, v) in shared.judge.judge(&shared.api, op, &KIND, &case, &exchange) {
            record(shared, Finding::new(check, v, op, &KIND, &exchange));
        }
        if let Some(check) = shared
            .judge
            .checks()
            .iter()
            .find(|c| c.name == "destructive_operation")
        {
            let v = verdict(
                op.method.as_str(),
                &op.path,
                &reason,
                exchange.response().map(|r| r.status),
                &watched,
            );
            record(shared, Finding::new(check, v, op, &KIND, &exchange));
        }
    }
    shared.requests.load(Ordering::Relaxed) - before
}

/// Reads of the resources the scan knows: the pool's live ids, then what
/// the probes created (its DELETE's path, read with GET).
fn known(shared: &Shared, phase: &Phase) -> Vec<(usize, Request, Vec<Credential>)> {
    let mut out = shared.pool.reads(shared, WATCHED);
    let created = match phase.created.lock() {
        Ok(list) => list.clone(),
        Err(poisoned) => poisoned.into_inner().clone(),
    };
    for c in created.iter().rev() {
        if out.len() >= WATCHED {
            break;
        }
        if out.iter().any(|(_, r, _)| r.path == c.delete.path) {
            continue;
        }
        let Some(op) = shared
            .api
            .operations
            .iter()
            .position(|o| o.method == Method::Get && same_shape(&o.path, &c.delete.path))
        else {
            continue;
        };
        let mut read = c.delete.clone();
        read.method = Method::Get;
        read.body = None;
        out.push((op, read, c.credentials.clone()));
    }
    out
}

/// Whether a concrete path fits a template (`/items/3` fits `/items/{id}`).
fn same_shape(template: &str, path: &str) -> bool {
    let path = path.split('?').next().unwrap_or(path);
    let (t, p): (Vec<&str>, Vec<&str>) = (template.split('/').collect(), path.split('/').collect());
    t.len() == p.len()
        && t.iter()
            .zip(&p)
            .all(|(t, p)| t == p || (t.starts_with('{') && !p.is_empty()))
}

/// The status a read answers now (`None`: no answer, or the scan stops).
async fn read_status(
    shared: &Shared,
    operation: usize,
    read: &Request,
    credentials: &[Credential],
) -> Option<u16> {
    let read = with_operation_headers(shared, operation, read);
    let exchange = send_with(shared, &read, credentials, 0).await?;
    if let Some(op) = shared.api.operations.get(operation) {
        shared.observer.on_event(&Event::Exchange {
            operation: op,
            probe: &KIND,
            exchange: &exchange,
        });
    }
    exchange.response().map(|r| r.status)
}

/// Keeps `finding` unless the scan has it already, and announces it.
fn record(shared: &Shared, mut finding: Finding) {
    shared.options.rate(&mut finding);
    {
        let mut set = match shared.findings.lock() {
            Ok(g) => g,
            Err(poisoned) => poisoned.into_inner(),
        };
        if set.seen(&finding.id) {
            return;
        }
        set.insert(finding.clone());
    }
    shared.observer.on_event(&Event::Finding(&finding));
}

#[cfg(test)]
mod tests {
    use super::same_shape;

    #[test]
    fn paths_fit_their_templates() {
        assert!(same_shape("/items/{id}", "/items/3"));
        assert!(same_shape("/a/{x}/b/{y}", "/a/1/b/2?full=1"));
        assert!(!same_shape("/items/{id}", "/items"));
        assert!(!same_shape("/items/{id}", "/users/3"));
        assert!(!same_shape("/items/{id}", "/items/"));
    }
}
