//! Room for deep documents.
//!
//! Parsing and model building recurse as deep as the document nests (both are
//! bounded: 128 levels of YAML/JSON, 256 of schemas). That fits easily in the
//! main thread's 8 MiB, but not always in the 2 MiB of a test thread or a
//! tokio worker, especially in debug builds. So that work runs on a thread of
//! its own with a large stack, whose pages are only committed when touched.

use super::SpecError;

const STACK_BYTES: usize = 256 * 1024 * 1024;

/// Runs `work` on a thread with a large stack and returns its result. If no
/// such thread can be started, `work` runs on the caller's thread.
pub(crate) fn with_large_stack<T: Send>(
    work: impl FnOnce() -> Result<T, SpecError> + Send,
) -> Result<T, SpecError> {
    let mut work = Some(work);
    let outcome = std::thread::scope(|scope| {
        let spawned = std::thread::Builder::new()
            .name("apiprobe-spec".into())
            .stack_size(STACK_BYTES)
            .spawn_scoped(scope, || work.take().map(|w| w()));
        spawned.ok().map(|handle| handle.join())
    });
    match outcome {
        Some(Ok(Some(result))) => result,
        Some(Err(_)) => Err(SpecError::Invalid {
            origin: String::new(),
            location: "#".into(),
            message: "internal error while reading the spec; please report it with the spec".into(),
        }),
        // the thread could not be started: do the work here
        Some(Ok(None)) | None => match work.take() {
            Some(w) => w(),
            None => Err(SpecError::Invalid {
                origin: String::new(),
                location: "#".into(),
                message: "the spec reader could not start".into(),
            }),
        },
    }
}
