//! The demo's findings do not depend on the seed: scans with different
//! seeds find the same (check, operation) pairs (the seed changes values,
//! not what the plan covers nor which base the active probes start from).
#![cfg(feature = "demo")]

use crate::support;

use std::collections::BTreeSet;
use std::time::Duration;

use apiprobe::demo::{DemoConfig, serve};
use support::ScanBuilder;

/// The seeds compared (10 were compared by hand: docs in the commit).
const SEEDS: [u64; 5] = [1, 2, 3, 4, 5];

/// The (check, operation) pairs a scan of the flawed demo with `seed` finds.
fn pairs(seed: u64) -> BTreeSet<(String, String)> {
    support::runtime().block_on(async {
        let server = serve(DemoConfig { fixed: false })
            .await
            .expect("the demo starts");
        let result = ScanBuilder::new(support::demo_api(), server.base_url())
            .timeout(Duration::from_secs(5))
            .seed(seed)
            .guard(Duration::from_secs(120))
            .run()
            .await;
        server.shutdown().await;
        result
            .findings
            .iter()
            .map(|f| (f.check.clone(), f.operation.id.clone()))
            .collect()
    })
}

#[test]
fn the_demo_gives_the_same_check_and_operation_pairs_for_every_seed() {
    let first = pairs(SEEDS[0]);
    assert!(first.len() > 20, "{first:#?}");
    for &seed in &SEEDS[1..] {
        let other = pairs(seed);
        let only_first: Vec<_> = first.difference(&other).collect();
        let only_other: Vec<_> = other.difference(&first).collect();
        assert!(
            only_first.is_empty() && only_other.is_empty(),
            "seed {} found {only_first:?} that seed {seed} did not; seed {seed} found {only_other:?} that it did not",
            SEEDS[0]
        );
    }
}
