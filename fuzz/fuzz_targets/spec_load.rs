//! Arbitrary bytes as a spec (JSON or YAML, any version): loading returns a
//! model or an error, and never panics, hangs or overflows the stack
//! (libFuzzer reports a hang past `-timeout`, a crash on any panic).
//!
//! The specs are read on one thread with the reader's large stack, started
//! once ([`apiprobe::spec::large_stack_thread`]): the reader then starts no
//! thread of its own per spec, which under AddressSanitizer cost more than
//! reading a small spec (docs/fuzzing.md has the figures).
#![no_main]

use std::sync::mpsc::{Receiver, SyncSender, sync_channel};
use std::sync::{LazyLock, Mutex};

use libfuzzer_sys::fuzz_target;

fn load(data: &[u8]) {
    // bytes that are not UTF-8 are read as a file reader would see them: lossily
    let text = String::from_utf8_lossy(data);
    let _ = apiprobe::spec::load_str(&text, "fuzz-input.yaml");
}

/// The reading thread: inputs go in, a message comes back when one is read.
struct Reader {
    inputs: SyncSender<Vec<u8>>,
    read: Mutex<Receiver<()>>,
}

/// `None` when the thread could not be started (inputs are then read here).
static READER: LazyLock<Option<Reader>> = LazyLock::new(|| {
    let (inputs, queue) = sync_channel::<Vec<u8>>(0);
    let (done, read) = sync_channel::<()>(1);
    apiprobe::spec::large_stack_thread(move || {
        while let Ok(data) = queue.recv() {
            load(&data);
            if done.send(()).is_err() {
                return;
            }
        }
    })
    .ok()?;
    Some(Reader {
        inputs,
        read: Mutex::new(read),
    })
});

fuzz_target!(|data: &[u8]| {
    let Some(reader) = &*READER else {
        load(data);
        return;
    };
    // a panic on the reading thread aborts the process (libFuzzer's hook)
    let read = reader.read.lock().expect("one fuzzing thread");
    reader
        .inputs
        .send(data.to_vec())
        .expect("the reading thread runs");
    read.recv().expect("the reading thread read the input");
});
