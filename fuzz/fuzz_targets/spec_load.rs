//! Arbitrary bytes as a spec (JSON or YAML, any version): loading returns a
//! model or an error, and never panics, hangs or overflows the stack
//! (libFuzzer reports a hang past `-timeout`, a crash on any panic).
//!
//! The specs are read on one thread with the reader's large stack, started
//! once ([`apiprobe::spec::large_stack_thread`]): the reader then starts no
//! thread of its own per spec, which under AddressSanitizer cost more than
//! reading a small spec. The two threads hand each input over by spinning
//! on one atomic, not by sleeping and waking (docs/fuzzing.md has the
//! figures, and the flags CI runs this target with).
#![no_main]

use std::sync::atomic::{AtomicU8, Ordering};
use std::sync::{Arc, LazyLock, Mutex};
use std::thread::Thread;

use libfuzzer_sys::fuzz_target;

/// AddressSanitizer's defaults for this target: no fake stack frames for
/// use-after-return and no allocation stack traces (together 40% of the
/// time of reading a small spec), no complaint about the demo's SQLite
/// linked twice. `ASAN_OPTIONS` still overrides them.
#[unsafe(no_mangle)]
pub extern "C" fn __asan_default_options() -> *const std::ffi::c_char {
    c"detect_stack_use_after_return=0:malloc_context_size=0:detect_odr_violation=0".as_ptr()
}

fn load(data: &[u8]) {
    // bytes that are not UTF-8 are read as a file reader would see them: lossily
    let text = String::from_utf8_lossy(data);
    let _ = apiprobe::spec::load_str(&text, "fuzz-input.yaml");
}

const IDLE: u8 = 0;
const QUEUED: u8 = 1;

/// How long a waiting thread spins before it sleeps (the reading thread)
/// or yields (the fuzzing thread): longer than reading a small spec takes.
const SPINS: u32 = 1 << 16;

/// One input at a time between the fuzzing thread and the reading thread.
struct Handoff {
    state: AtomicU8,
    input: Mutex<Vec<u8>>,
}

/// The reading thread and its handoff; `None` when the thread could not
/// be started (inputs are then read here).
static READER: LazyLock<Option<(Arc<Handoff>, Thread)>> = LazyLock::new(|| {
    let handoff = Arc::new(Handoff {
        state: AtomicU8::new(IDLE),
        input: Mutex::new(Vec::new()),
    });
    let reader = Arc::clone(&handoff);
    let thread = apiprobe::spec::large_stack_thread(move || {
        let mut idle = 0u32;
        loop {
            if reader.state.load(Ordering::Acquire) != QUEUED {
                if idle < SPINS {
                    idle += 1;
                    std::hint::spin_loop();
                } else {
                    std::thread::park();
                }
                continue;
            }
            idle = 0;
            let data = std::mem::take(&mut *reader.input.lock().expect("one reader"));
            load(&data);
            // freed before the input counts as read: libFuzzer compares the
            // allocations and frees made during an input, and a difference
            // makes it run a whole-process leak check
            drop(data);
            reader.state.store(IDLE, Ordering::Release);
        }
    })
    .ok()?
    .thread()
    .clone();
    Some((handoff, thread))
});

fuzz_target!(|data: &[u8]| {
    let Some((handoff, reader)) = &*READER else {
        load(data);
        return;
    };
    *handoff.input.lock().expect("one fuzzing thread") = data.to_vec();
    handoff.state.store(QUEUED, Ordering::Release);
    reader.unpark();
    // a panic on the reading thread aborts the process (libFuzzer's hook)
    let mut spins = 0u32;
    while handoff.state.load(Ordering::Acquire) == QUEUED {
        if spins < SPINS {
            spins += 1;
            std::hint::spin_loop();
        } else {
            std::thread::yield_now();
        }
    }
});
