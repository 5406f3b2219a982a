//! Deleting what the probes created, in reverse order of creation, when a
//! scan ends (unless `--no-cleanup`). It runs after a Ctrl-C or a budget
//! too: a scan of a staging server should not leave its test data behind.
//! It is bounded (count and time) and skipped when the target is gone.

use std::time::Duration;

use super::active::Phase;
use super::shared::Shared;
use crate::http::join_url;
use crate::identity::apply_credentials;

/// The most deletions one scan sends.
const MAX_DELETIONS: usize = 500;
/// The longest cleanup may take in all.
const CLEANUP_TIME: Duration = Duration::from_secs(15);

/// Sends the DELETE of every resource the active phase created, newest
/// first; returns how many requests it sent.
pub(crate) async fn delete_created(shared: &Shared, phase: &Phase) -> u64 {
    if shared.stop.reason().is_some_and(|r| r.is_target_error()) {
        return 0;
    }
    let created = match phase.created.lock() {
        Ok(mut list) => std::mem::take(&mut *list),
        Err(poisoned) => std::mem::take(&mut *poisoned.into_inner()),
    };
    let mut sent = 0;
    let work = async {
        for c in created.iter().rev().take(MAX_DELETIONS) {
            let mut request = c.delete.clone();
            // a login's current credential, if it signed in again meanwhile
            apply_credentials(&shared.signers.current(&c.credentials), &mut request);
            let url = join_url(&shared.options.base_url, &request);
            // straight to the client: the scan's stop signal and budgets no
            // longer apply once it has ended
            let _ = shared.client.send(url, request).await;
            sent += 1;
        }
    };
    let _ = tokio::time::timeout(CLEANUP_TIME, work).await;
    sent
}
