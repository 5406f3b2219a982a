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

/// Waits while `state` holds `value`, at most [`SPINS`] rounds; whether
/// it changed. On x86-64 the loop is assembly: compiled Rust here is
/// instrumented, and a spinning loop's comparisons would go through
/// libFuzzer's comparison hooks millions of times an input, filling its
/// tables of compared values (the mutator's hints) with loop counts and
/// fighting the reading thread, on the other core, for the same cache
/// lines. The caller's `Acquire` load confirms what it returns.
#[cfg(target_arch = "x86_64")]
fn spin_while(state: &AtomicU8, value: u8) -> bool {
    let mut rounds: u32 = SPINS;
    // SAFETY: reads the one byte of a live `AtomicU8` (a byte load is
    // atomic on x86-64), writes no memory and no stack
    unsafe {
        std::arch::asm!(
            "2:",
            "cmp byte ptr [{cell}], {value}",
            "jne 3f",
            "pause",
            "dec {rounds:e}",
            "jnz 2b",
            "3:",
            cell = in(reg) state.as_ptr(),
            value = in(reg_byte) value,
            rounds = inout(reg) rounds,
            options(nostack, readonly),
        );
    }
    rounds != 0
}

/// Waits while `state` holds `value`, at most [`SPINS`] rounds; whether
/// it changed (instrumented, elsewhere than on x86-64).
#[cfg(not(target_arch = "x86_64"))]
fn spin_while(state: &AtomicU8, value: u8) -> bool {
    for _ in 0..SPINS {
        if state.load(Ordering::Relaxed) != value {
            return true;
        }
        std::hint::spin_loop();
    }
    false
}

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
        loop {
            if reader.state.load(Ordering::Acquire) != QUEUED {
                if !spin_while(&reader.state, IDLE) {
                    std::thread::park();
                }
                continue;
            }
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
    while handoff.state.load(Ordering::Acquire) == QUEUED {
        if !spin_while(&handoff.state, QUEUED) {
            std::thread::yield_now();
        }
    }
});
