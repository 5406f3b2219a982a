//! The one check catalogue: every entry is selectable by its name, and
//! every active entry's probe runs in a real scan (of the demo, with the
//! identities its authorization probes need).
#![cfg(feature = "demo")]

use crate::support;

use std::collections::{BTreeMap, BTreeSet};
use std::sync::{Arc, Mutex};

use apiprobe::checks::{CHECKS, select};
use apiprobe::demo::{DemoConfig, serve};
use apiprobe::engine::{Event, Observer, Stop};
use apiprobe::probes::{ProbeKind, Profile};
use support::{ScanBuilder, active_checks};

#[test]
fn every_check_is_selected_by_its_name_alone() {
    let mut names = BTreeSet::new();
    for check in CHECKS {
        assert!(names.insert(check.name), "{} is listed twice", check.name);
        let only = select(&[check.name.to_owned()], &[]).expect("a known name");
        assert_eq!(
            only.iter().map(|c| c.name).collect::<Vec<_>>(),
            [check.name]
        );
        let without = select(&[], &[check.name.to_owned()]).expect("a known name");
        assert_eq!(without.len(), CHECKS.len() - 1);
        assert!(without.iter().all(|c| c.name != check.name));
    }
    assert!(select(&["no_such_check".to_owned()], &[]).is_err());
}

#[test]
fn active_and_passive_entries_are_told_apart() {
    let active: Vec<&str> = CHECKS
        .iter()
        .filter(|c| c.probe().is_some())
        .map(|c| c.name)
        .collect();
    // one of each kind, by what it does
    assert!(active.contains(&"sql_injection") && active.contains(&"bola"));
    assert!(!active.contains(&"not_a_server_error"));
    assert!(active.len() < CHECKS.len());
}

/// Counts the exchanges of each active probe.
#[derive(Default)]
struct Sent(Mutex<BTreeMap<&'static str, u32>>);

impl Observer for Sent {
    fn on_event(&self, event: &Event<'_>) {
        if let Event::Exchange {
            probe: ProbeKind::Active(name),
            ..
        } = event
            && let Ok(mut sent) = self.0.lock()
        {
            *sent.entry(name).or_default() += 1;
        }
    }
}

#[test]
fn every_active_entry_runs_in_a_scan() {
    let runtime = support::runtime();
    let sent = runtime.block_on(async {
        let server = serve(DemoConfig { fixed: false })
            .await
            .expect("the demo starts");
        let sent = Arc::new(Sent::default());
        ScanBuilder::new(support::demo_api(), server.base_url())
            .checks(active_checks())
            .seed(3)
            .plan(support::plan(1))
            .profile(Profile::Aggressive)
            .login(("alice", "wonderland"))
            .identities(
                [
                    ("bob", "builder", "user"),
                    ("admin", "sup3rs3cret", "admin"),
                ]
                .map(|(name, password, role)| format!("{name}:{role}=login:{name}:{password}")),
            )
            .run_with(sent.clone(), Stop::new())
            .await;
        server.shutdown().await;
        sent.0.lock().map(|m| m.clone()).unwrap_or_default()
    });
    let silent: Vec<&str> = CHECKS
        .iter()
        .filter(|c| c.probe().is_some() && !sent.contains_key(c.name))
        .map(|c| c.name)
        .collect();
    assert!(
        silent.is_empty(),
        "these active checks sent nothing: {silent:?}; requests per check: {sent:?}"
    );
}
