//! Running the built `apiprobe` binary as a user does, from any test: one
//! runner for every CLI test.
//!
//! stdout and stderr are drained at once, each by a thread of its own, so a
//! child that prints more than a pipe buffer (64 KiB) cannot block on a full
//! pipe while the test waits for it to end. Every wait is bounded: a child
//! still running at its deadline is killed and the test fails with what it
//! printed so far (a hang guard, not a speed assertion).
//!
//! [`Cli::run`] runs a command to its end. [`Cli::spawn`] starts one and
//! [`Running::wait_for`] blocks until a line with a marker appears (the
//! readiness signal a Ctrl-C test waits for before [`Running::interrupt`]),
//! then [`Running::finish`] collects the rest.

#![allow(dead_code)]

use std::ffi::OsString;
use std::io::{BufRead as _, BufReader, Read};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Output, Stdio};
use std::sync::mpsc::{self, Receiver, RecvTimeoutError};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

/// How long a command may run before it counts as hung.
pub const GUARD: Duration = Duration::from_secs(240);

/// Runs `apiprobe ARGS` in the crate root to its end.
pub fn run(args: &[&str]) -> Output {
    Cli::new(args).run()
}

/// Runs `apiprobe ARGS` in `dir` to its end.
pub fn run_in(dir: &Path, args: &[&str]) -> Output {
    Cli::new(args).dir(dir).run()
}

/// stdout and stderr of an [`Output`] as text, for assertion messages.
pub fn text(out: &Output) -> String {
    format!(
        "stdout:\n{}\nstderr:\n{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}

/// An empty folder for one test's files: `apiprobe-NAME-PID` in the system's
/// temporary folder, emptied first if an earlier run left it.
pub fn fresh_dir(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("apiprobe-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap_or_else(|e| panic!("cannot make {}: {e}", dir.display()));
    dir
}

/// One of the child's output streams.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stream {
    /// Standard output.
    Stdout,
    /// Standard error.
    Stderr,
}

/// A command line of the binary: its arguments, extra environment
/// variables and working directory (the crate root unless set).
/// `NO_COLOR=1` is always set and stdin is always null.
#[derive(Debug, Clone)]
pub struct Cli {
    args: Vec<OsString>,
    env: Vec<(OsString, OsString)>,
    dir: PathBuf,
    guard: Duration,
}

impl Cli {
    /// `apiprobe ARGS` in the crate root, with the default [`GUARD`].
    pub fn new<I, S>(args: I) -> Cli
    where
        I: IntoIterator<Item = S>,
        S: Into<OsString>,
    {
        Cli {
            args: args.into_iter().map(Into::into).collect(),
            env: vec![("NO_COLOR".into(), "1".into())],
            dir: PathBuf::from(env!("CARGO_MANIFEST_DIR")),
            guard: GUARD,
        }
    }

    /// Runs in `dir` instead of the crate root.
    pub fn dir(mut self, dir: impl AsRef<Path>) -> Cli {
        self.dir = dir.as_ref().to_owned();
        self
    }

    /// Sets the environment variable `name` to `value` for the child only.
    pub fn env(mut self, name: impl Into<OsString>, value: impl Into<OsString>) -> Cli {
        self.env.push((name.into(), value.into()));
        self
    }

    /// Another hang guard than [`GUARD`].
    pub fn guard(mut self, guard: Duration) -> Cli {
        self.guard = guard;
        self
    }

    /// Runs the command to its end (bounded by the guard) and gives its
    /// status and everything it printed.
    pub fn run(self) -> Output {
        self.start(None).finish()
    }

    /// Starts the command; `watch` is the stream read line by line for
    /// [`Running::wait_for`]. The guard counts from now.
    pub fn spawn(self, watch: Stream) -> Running {
        self.start(Some(watch))
    }

    fn start(self, watch: Option<Stream>) -> Running {
        let mut command = Command::new(env!("CARGO_BIN_EXE_apiprobe"));
        command
            .args(&self.args)
            .current_dir(&self.dir)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        for (name, value) in &self.env {
            command.env(name, value);
        }
        let mut child = command
            .spawn()
            .unwrap_or_else(|e| panic!("apiprobe {:?} does not start: {e}", self.args));
        let (done_tx, done) = mpsc::channel();
        let (lines_tx, lines) = mpsc::channel();
        let stdout = Drain::start(
            child
                .stdout
                .take()
                .map(|p| Box::new(p) as Box<dyn Read + Send>),
            (watch == Some(Stream::Stdout)).then(|| lines_tx.clone()),
            done_tx.clone(),
        );
        let stderr = Drain::start(
            child
                .stderr
                .take()
                .map(|p| Box::new(p) as Box<dyn Read + Send>),
            (watch == Some(Stream::Stderr)).then_some(lines_tx),
            done_tx,
        );
        Running {
            child,
            args: self.args,
            deadline: Instant::now() + self.guard,
            guard: self.guard,
            stdout,
            stderr,
            lines,
            done,
        }
    }
}

/// A thread reading one of the child's pipes to its end into a buffer.
struct Drain {
    text: Arc<Mutex<Vec<u8>>>,
    thread: Option<JoinHandle<()>>,
}

impl Drain {
    /// Reads `pipe` until it closes; each line to `lines` when given, and
    /// one message to `done` at the end.
    fn start(
        pipe: Option<Box<dyn Read + Send>>,
        lines: Option<mpsc::Sender<String>>,
        done: mpsc::Sender<()>,
    ) -> Drain {
        let text = Arc::new(Mutex::new(Vec::new()));
        let into = Arc::clone(&text);
        let thread = std::thread::spawn(move || {
            if let Some(pipe) = pipe {
                let mut reader = BufReader::new(pipe);
                let mut line = Vec::new();
                loop {
                    line.clear();
                    match reader.read_until(b'\n', &mut line) {
                        Ok(0) | Err(_) => break,
                        Ok(_) => {
                            into.lock().expect("the buffer").extend_from_slice(&line);
                            if let Some(lines) = &lines {
                                // the test may have stopped listening: fine
                                let _ = lines.send(String::from_utf8_lossy(&line).into_owned());
                            }
                        }
                    }
                }
            }
            let _ = done.send(());
        });
        Drain {
            text,
            thread: Some(thread),
        }
    }

    /// What was read so far.
    fn so_far(&self) -> Vec<u8> {
        self.text.lock().map(|t| t.clone()).unwrap_or_default()
    }

    /// Everything, once the pipe has closed.
    fn all(&mut self) -> Vec<u8> {
        if let Some(thread) = self.thread.take() {
            thread.join().expect("the reader thread");
        }
        self.so_far()
    }
}

/// A started command (see [`Cli::spawn`]); killed if dropped while running.
pub struct Running {
    child: Child,
    args: Vec<OsString>,
    deadline: Instant,
    guard: Duration,
    stdout: Drain,
    stderr: Drain,
    lines: Receiver<String>,
    done: Receiver<()>,
}

impl Running {
    /// The child's process id.
    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// Blocks until the watched stream prints a line containing `marker`
    /// and gives that line. Fails the test (killing the child) when the
    /// stream ends first or `timeout` passes.
    pub fn wait_for(&mut self, marker: &str, timeout: Duration) -> String {
        let until = Instant::now() + timeout;
        loop {
            let left = until.saturating_duration_since(Instant::now());
            match self.lines.recv_timeout(left) {
                Ok(line) if line.contains(marker) => return line,
                Ok(_) => {}
                Err(RecvTimeoutError::Timeout) => self.fail(&format!(
                    "printed no line with {marker:?} within {timeout:?}"
                )),
                Err(RecvTimeoutError::Disconnected) => {
                    self.fail(&format!("ended without printing a line with {marker:?}"))
                }
            }
        }
    }

    /// Sends SIGINT (what Ctrl-C sends) with the shell's own `kill -INT`
    /// (a builtin of every POSIX sh: /bin/kill is procps, which a minimal
    /// machine may lack).
    pub fn interrupt(&self) {
        let status = Command::new("sh")
            .args(["-c", &format!("kill -INT {}", self.pid())])
            .status()
            .expect("sh runs");
        assert!(status.success(), "kill -INT {}: {status}", self.pid());
    }

    /// Waits (until the guard's deadline) for the child to end and gives its
    /// status and everything it printed.
    pub fn finish(mut self) -> Output {
        // both pipes close when the child exits
        for _ in 0..2 {
            let left = self.deadline.saturating_duration_since(Instant::now());
            if self.done.recv_timeout(left).is_err() {
                self.fail(&format!(
                    "still running after its guard of {:?}",
                    self.guard
                ));
            }
        }
        let status = self.wait_status();
        Output {
            status,
            stdout: self.stdout.all(),
            stderr: self.stderr.all(),
        }
    }

    /// The exit status of a child whose pipes have closed (it closed them
    /// by exiting, so this is at once in practice; still bounded).
    fn wait_status(&mut self) -> ExitStatus {
        loop {
            match self.child.try_wait() {
                Ok(Some(status)) => return status,
                Ok(None) if Instant::now() < self.deadline => {
                    std::thread::sleep(Duration::from_millis(5));
                }
                Ok(None) => self.fail("closed its output but did not exit"),
                Err(e) => self.fail(&format!("cannot be waited for: {e}")),
            }
        }
    }

    /// Kills the child and fails the test with `why` and what it printed.
    fn fail(&mut self, why: &str) -> ! {
        let _ = self.child.kill();
        let _ = self.child.wait();
        panic!(
            "apiprobe {:?} {why}\nstdout so far:\n{}\nstderr so far:\n{}",
            self.args,
            String::from_utf8_lossy(&self.stdout.so_far()),
            String::from_utf8_lossy(&self.stderr.so_far())
        );
    }
}

impl Drop for Running {
    fn drop(&mut self) {
        if matches!(self.child.try_wait(), Ok(None)) {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
    }
}
