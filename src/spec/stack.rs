//! Room for deep documents.
//!
//! Parsing and model building recurse as deep as the document nests (both are
//! bounded: 128 levels of YAML/JSON, 256 of schemas). That fits easily in the
//! main thread's 8 MiB, but not always in the 2 MiB of a test thread or a
//! tokio worker, especially in debug builds. So that work runs on a thread of
//! its own with a large stack, whose pages are only committed when touched.
//! On such a thread (one of these, or one started by [`large_stack_thread`])
//! the work runs in place: a thread is started once, not twice per spec
//! (which is most of the time of a small spec under a sanitizer).

use std::cell::Cell;

use super::SpecError;

const STACK_BYTES: usize = 256 * 1024 * 1024;

thread_local! {
    /// Whether this thread was started with [`STACK_BYTES`] of stack.
    static LARGE: Cell<bool> = const { Cell::new(false) };
}

/// Starts a thread with the stack the spec reader wants and runs `work` on
/// it: every spec read on that thread is read in place, without starting
/// a thread of its own (a fuzz target reading many small specs).
pub fn large_stack_thread<T: Send + 'static>(
    work: impl FnOnce() -> T + Send + 'static,
) -> std::io::Result<std::thread::JoinHandle<T>> {
    std::thread::Builder::new()
        .name("apiprobe-spec".into())
        .stack_size(STACK_BYTES)
        .spawn(|| {
            LARGE.with(|large| large.set(true));
            work()
        })
}

/// Runs `work` on a thread with a large stack and returns its result: in
/// place on such a thread, else on a new one. If no such thread can be
/// started, `work` runs on the caller's thread.
pub(crate) fn with_large_stack<T: Send>(
    work: impl FnOnce() -> Result<T, SpecError> + Send,
) -> Result<T, SpecError> {
    if LARGE.with(Cell::get) {
        return work();
    }
    let mut work = Some(work);
    let outcome = std::thread::scope(|scope| {
        let spawned = std::thread::Builder::new()
            .name("apiprobe-spec".into())
            .stack_size(STACK_BYTES)
            .spawn_scoped(scope, || {
                LARGE.with(|large| large.set(true));
                work.take().map(|w| w())
            });
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
