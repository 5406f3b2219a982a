//! Progress while a scan runs: a bar on a terminal, plain lines every few
//! seconds otherwise. Both consume the engine's events.

use std::io::IsTerminal as _;
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use apiprobe::engine::{Event, Observer};
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

/// How often plain progress lines are printed.
const LINE_EVERY: Duration = Duration::from_secs(5);

/// Shows a scan's progress on stderr.
pub struct Progress {
    bar: Option<ProgressBar>,
    quiet: bool,
    operations: AtomicUsize,
    operations_started: AtomicUsize,
    exchanges: AtomicU64,
    findings: AtomicU64,
    started: Instant,
    last_line: Mutex<Instant>,
}

impl Progress {
    /// A bar when stderr is a terminal, periodic lines when not; nothing when `quiet`.
    pub fn new(quiet: bool) -> Progress {
        let bar = (!quiet && std::io::stderr().is_terminal()).then(|| {
            let bar = ProgressBar::with_draw_target(Some(0), ProgressDrawTarget::stderr());
            let style = ProgressStyle::with_template(
                "{spinner} [{elapsed_precise}] {bar:30.cyan/blue} {pos}/{len} probes  {msg}",
            )
            .unwrap_or_else(|_| ProgressStyle::default_bar());
            bar.set_style(style);
            bar.enable_steady_tick(Duration::from_millis(120));
            bar
        });
        Progress {
            bar,
            quiet,
            operations: AtomicUsize::new(0),
            operations_started: AtomicUsize::new(0),
            exchanges: AtomicU64::new(0),
            findings: AtomicU64::new(0),
            started: Instant::now(),
            last_line: Mutex::new(Instant::now()),
        }
    }

    fn message(&self) -> String {
        let secs = self.started.elapsed().as_secs_f64().max(0.001);
        let n = self.exchanges.load(Ordering::Relaxed);
        format!(
            "operations {}/{} · {} requests · {:.0}/s · {} findings",
            self.operations_started.load(Ordering::Relaxed),
            self.operations.load(Ordering::Relaxed),
            n,
            n as f64 / secs,
            self.findings.load(Ordering::Relaxed)
        )
    }

    fn maybe_line(&self) {
        if self.quiet || self.bar.is_some() {
            return;
        }
        let Ok(mut last) = self.last_line.try_lock() else {
            return;
        };
        if last.elapsed() >= LINE_EVERY {
            *last = Instant::now();
            eprintln!("progress: {}", self.message());
        }
    }
}

impl Observer for Progress {
    fn on_event(&self, event: &Event<'_>) {
        match event {
            Event::Started {
                operations,
                probes,
                base_url,
                seed,
            } => {
                self.operations.store(*operations, Ordering::Relaxed);
                if let Some(bar) = &self.bar {
                    bar.set_length(*probes as u64);
                    bar.set_message(self.message());
                } else if !self.quiet {
                    eprintln!(
                        "scanning {base_url}: {operations} operations, {probes} probes, seed {seed}"
                    );
                }
            }
            Event::OperationStarted { .. } => {
                self.operations_started.fetch_add(1, Ordering::Relaxed);
            }
            Event::Exchange { probe, .. } => {
                let n = self.exchanges.fetch_add(1, Ordering::Relaxed) + 1;
                if let Some(bar) = &self.bar {
                    // the active phase follows the planned probes, which the bar counts
                    if let apiprobe::probes::ProbeKind::Active(check) = probe {
                        if n.is_multiple_of(16) {
                            bar.set_message(format!("active probes: {check}"));
                        }
                        return;
                    }
                    bar.inc(1);
                    if n.is_multiple_of(64) {
                        bar.set_message(self.message());
                    }
                }
                self.maybe_line();
            }
            Event::Finding(f) => {
                self.findings.fetch_add(1, Ordering::Relaxed);
                if let Some(bar) = &self.bar {
                    bar.set_message(self.message());
                    bar.println(format!(
                        "  found {} {} on {} {}",
                        f.severity.as_str(),
                        f.check,
                        f.operation.method,
                        f.operation.path
                    ));
                }
            }
            Event::Warning { message } => {
                if let Some(bar) = &self.bar {
                    bar.println(format!("warning: {message}"));
                } else {
                    eprintln!("warning: {message}");
                }
            }
            Event::Paused { wait } => {
                let line = format!(
                    "paused {:.1} s: the target answered 429 Too Many Requests",
                    wait.as_secs_f64()
                );
                if let Some(bar) = &self.bar {
                    bar.set_message(line);
                } else if !self.quiet {
                    eprintln!("{line}");
                }
            }
            Event::Stalled {
                since,
                last_request,
            } => {
                let line = format!(
                    "target not answering since {} s; last request: {last_request}",
                    since.as_secs()
                );
                if let Some(bar) = &self.bar {
                    bar.set_message(line);
                } else if !self.quiet {
                    eprintln!("{line}");
                }
            }
            Event::Recovered { after } => {
                let line = format!(
                    "target answering again after {:.1} s; the scan goes on",
                    after.as_secs_f64()
                );
                if let Some(bar) = &self.bar {
                    bar.set_message(line);
                } else if !self.quiet {
                    eprintln!("{line}");
                }
            }
            Event::Shrinking { findings } => {
                if let Some(bar) = &self.bar {
                    bar.set_message(format!("shrinking {findings} findings"));
                } else if !self.quiet && *findings > 0 {
                    eprintln!("shrinking {findings} findings");
                }
            }
            Event::Finished { .. } => {
                if let Some(bar) = &self.bar {
                    bar.finish_and_clear();
                }
            }
        }
    }
}
