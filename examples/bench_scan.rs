//! Scan throughput against a loopback server, side by side with wrk (and,
//! when asked, Schemathesis), in one run on the same machine.
//!
//! ```text
//! cargo run --release --example bench_scan -- [--operations 1000] [--spec FILE]
//!     [--requests 200000] [--concurrency 64] [--wrk-seconds 10] [--rounds 1]
//!     [--schemathesis]
//! ```
//!
//! It starts a minimal server in a child process (one tokio thread, so it
//! gets one core and the client the other) that answers every operation of
//! the spec with a fixed valid response (generated once from the response
//! schema), 405 for an undeclared method of a known path and 404 elsewhere.
//! Then it scans that server with apiprobe in this process, all default
//! checks on, and prints requests/s, p50 and p99 latency, peak RSS (with RSS
//! samples along the way, to show it stays flat) and CPU time; then runs wrk
//! (`apt-get install wrk`) against one operation of the same server and
//! prints apiprobe's share of wrk's requests/s. `--rounds N` repeats scan and
//! wrk in turn and prints the median share (the machine's speed drifts on a
//! shared host; alternating rounds weigh the drift on both alike). With
//! `--schemathesis` it also runs `schemathesis run` (`pip install
//! schemathesis`) against the same server and prints both tools'
//! requests/s, counted by the server.
//!
//! With `--tls` the fixture server speaks HTTPS (rustls, a certificate
//! made at start with rcgen, trusted through `--ca-cert`), apiprobe scans
//! `https://` (the fast path over rustls) and wrk runs over HTTPS against
//! the same server; the request counter stays on a plain port of its own.
//!
//! With `--demo` it scans the bundled demo API instead (a full default scan)
//! and, with `--schemathesis`, runs Schemathesis against a fresh demo API,
//! printing both tools' requests/s as the server counted them.
//!
//! Without `--spec`, the spec is a synthetic one with `--operations`
//! operations (half GET with path and query parameters, half POST with a
//! JSON body), written to a temporary file.

use std::io::{BufRead as _, BufReader, Write as _};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitCode, Stdio};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use apiprobe::checks::{Judge, Settings, select};
use apiprobe::engine::{Event, Observer, Scan, ScanOptions, Stop};
use apiprobe::generate::{Direction, Generator, Options, Payloads, Seeded};
use apiprobe::http::{Client, ClientOptions};
use apiprobe::model::{Api, StatusCode};
use apiprobe::probes::PlanOptions;
use apiprobe::spec::Loader;
use clap::Parser;
use serde_json::{Value, json};

/// Certificates and the TLS listener of the fixture server (`--tls`).
#[path = "../tests/support/tls.rs"]
mod tls;

/// The allocator the apiprobe binary uses, so the figures are the binary's.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// Scan throughput against a loopback server, beside wrk.
#[derive(Debug, Parser)]
struct Args {
    /// Operations of the synthetic spec (ignored with --spec).
    #[arg(long, default_value_t = 1000)]
    operations: usize,
    /// Scan this spec instead of a synthetic one.
    #[arg(long)]
    spec: Option<PathBuf>,
    /// Requests apiprobe sends.
    #[arg(long, default_value_t = 200_000)]
    requests: u64,
    /// apiprobe's concurrency (wrk uses the same number of connections).
    #[arg(long, default_value_t = 64)]
    concurrency: usize,
    /// How long wrk runs, in seconds (0: no wrk).
    #[arg(long, default_value_t = 10)]
    wrk_seconds: u64,
    /// Scan-and-wrk rounds, alternating (the median share of wrk is printed).
    #[arg(long, default_value_t = 1)]
    rounds: usize,
    /// Also run Schemathesis against the same server.
    #[arg(long)]
    schemathesis: bool,
    /// Schemathesis's examples per operation.
    #[arg(long, default_value_t = 20)]
    schemathesis_examples: u32,
    /// Scan the bundled demo API instead (a full default scan, no request
    /// budget); with --schemathesis, Schemathesis scans it too.
    #[arg(long)]
    demo: bool,
    /// Serve the fixture over HTTPS and scan `https://` (wrk too).
    #[arg(long)]
    tls: bool,
    /// Internal: serve SPEC on 127.0.0.1 and print the port.
    #[arg(long, hide = true)]
    serve: Option<PathBuf>,
    /// Internal: with --serve, over TLS; the CA certificate (PEM) is
    /// written to this file.
    #[arg(long, hide = true)]
    serve_tls: Option<PathBuf>,
    /// Internal: serve the demo API on 127.0.0.1 and print the port.
    #[arg(long, hide = true)]
    serve_demo: bool,
}

fn main() -> ExitCode {
    let args = Args::parse();
    if let Some(spec) = &args.serve {
        return serve::main(spec, args.serve_tls.as_deref());
    }
    if args.serve_demo {
        return serve::demo();
    }
    let outcome = if args.demo {
        run_demo(&args)
    } else {
        run(&args)
    };
    match outcome {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("bench_scan: {e}");
            ExitCode::FAILURE
        }
    }
}

fn run(args: &Args) -> Result<(), String> {
    let spec = match &args.spec {
        Some(p) => p.clone(),
        None => {
            let path = std::env::temp_dir().join(format!(
                "apiprobe-bench-{}-{}.json",
                args.operations,
                std::process::id()
            ));
            let doc = synthetic_spec(args.operations);
            std::fs::write(
                &path,
                serde_json::to_vec_pretty(&doc).map_err(|e| e.to_string())?,
            )
            .map_err(|e| format!("{}: {e}", path.display()))?;
            path
        }
    };
    let load_started = Instant::now();
    let api = Loader::new()
        .load_path(&spec)
        .map_err(|e| format!("{}: {e}", spec.display()))?;
    println!(
        "spec: {} ({} operations, loaded in {} ms)",
        spec.display(),
        api.operations.len(),
        load_started.elapsed().as_millis()
    );
    let server = ServerProcess::start(&spec, args.tls)?;
    let base = server.base_url();
    println!("server: {base} (one tokio thread, fixed valid responses)");
    if args.wrk_seconds > 0 && which_wrk().is_none() {
        println!("wrk: NOT FOUND on PATH; no share of wrk can be measured (apt-get install wrk)");
    }

    // rounds alternate apiprobe and wrk, so that a change in the machine's
    // speed (a shared host) weighs on both alike; the median share is the figure
    let rounds = args.rounds.max(1);
    let mut shares = Vec::new();
    let mut apiprobe = None;
    for round in 1..=rounds {
        if rounds > 1 {
            println!("round {round} of {rounds}");
        }
        let (measured, share) = scan_and_wrk(&api, &base, &server, args)?;
        shares.extend(share);
        apiprobe = Some(measured);
    }
    if shares.len() > 1 {
        shares.sort_by(f64::total_cmp);
        let shown: Vec<String> = shares.iter().map(|s| format!("{s:.1}%")).collect();
        let mid = shares.len() / 2;
        let median = if shares.len() % 2 == 0 {
            (shares[mid - 1] + shares[mid]) / 2.0
        } else {
            shares[mid]
        };
        println!(
            "share of wrk over {} rounds: median {median:.1}% (each, sorted: {})",
            shares.len(),
            shown.join(", ")
        );
    }
    let Some(apiprobe) = apiprobe else {
        return Err("no round ran".into());
    };
    if args.schemathesis {
        match schemathesis(&spec, &base, &server, args) {
            Ok((requests, seconds, peak_kb)) => {
                let rate = requests as f64 / seconds;
                println!(
                    "schemathesis: {requests} requests in {seconds:.1} s = {rate:.0} requests/s, peak RSS {:.0} MB; apiprobe is {:.0}x faster",
                    peak_kb as f64 / 1024.0,
                    apiprobe.rate() / rate
                );
            }
            Err(e) => println!("schemathesis: not run ({e})"),
        }
    }
    if args.spec.is_none() {
        let _ = std::fs::remove_file(&spec);
    }
    Ok(())
}

/// One round: a scan of the fixture server, then (unless `--wrk-seconds 0`)
/// wrk on one of its GETs. Prints both; returns the scan's figures and
/// apiprobe's share of wrk's requests/s, in percent.
fn scan_and_wrk(
    api: &Api,
    base: &str,
    server: &ServerProcess,
    args: &Args,
) -> Result<(Measured, Option<f64>), String> {
    let server_cpu = server.cpu_seconds();
    let apiprobe = scan(api.clone(), base, server.ca_pem.as_deref(), args)?;
    let served = server.count()?;
    let server_us = (server.cpu_seconds() - server_cpu) * 1e6 / served.max(1) as f64;
    println!(
        "apiprobe: {} requests in {:.2} s = {:.0} requests/s (server counted {}); latency p50 {} us, p99 {} us; peak RSS {:.1} MB; CPU {:.2} s ({:.0} us a request)",
        apiprobe.requests,
        apiprobe.seconds,
        apiprobe.rate(),
        served,
        apiprobe.p50_us,
        apiprobe.p99_us,
        apiprobe.peak_rss_kb as f64 / 1024.0,
        apiprobe.cpu_seconds,
        apiprobe.cpu_seconds * 1e6 / apiprobe.requests.max(1) as f64,
    );
    println!(
        "apiprobe: {} probes planned, {} findings, {} responses, {} transport failures",
        apiprobe.planned, apiprobe.findings, apiprobe.responses, apiprobe.failures
    );
    println!(
        "apiprobe RSS along the scan (MB at % of requests): {}",
        apiprobe
            .rss_samples
            .iter()
            .map(|(p, kb)| format!("{p}%: {:.1}", *kb as f64 / 1024.0))
            .collect::<Vec<_>>()
            .join(", ")
    );
    if args.wrk_seconds == 0 {
        return Ok((apiprobe, None));
    }
    let before = server.cpu_seconds();
    server.count()?;
    let rate = match wrk(base, &server.wrk_path, args) {
        Ok(rate) => rate,
        Err(e) => {
            println!("wrk: not run ({e})");
            return Ok((apiprobe, None));
        }
    };
    let wrk_served = server.count()?;
    let wrk_us = (server.cpu_seconds() - before) * 1e6 / wrk_served.max(1) as f64;
    let share = 100.0 * apiprobe.rate() / rate;
    println!(
        "wrk: {rate:.0} requests/s on {base}{} ({} connections); apiprobe reaches {share:.1}% of it",
        server.wrk_path, args.concurrency,
    );
    println!(
        "server CPU a request: {server_us:.1} us under apiprobe's varied requests, {wrk_us:.1} us under wrk's one GET"
    );
    Ok((apiprobe, Some(share)))
}

/// `--demo`: scans of the demo API, each on a fresh demo server and counted
/// by it: a full default scan (every default check, the active probes'
/// deliberate sleeps included), then one without the active probes (one
/// request per finding, as Schemathesis works), then, with `--schemathesis`,
/// Schemathesis.
fn run_demo(args: &Args) -> Result<(), String> {
    let spec = Path::new(env!("CARGO_MANIFEST_DIR")).join("specs/demo.yaml");
    let api = Arc::new(
        Loader::new()
            .load_path(&spec)
            .map_err(|e| format!("{}: {e}", spec.display()))?,
    );
    println!("demo API: {} operations", api.operations.len());
    let active: Vec<String> = apiprobe::checks::CHECKS
        .iter()
        .filter(|c| c.probe().is_some())
        .map(|c| c.name.to_owned())
        .collect();
    let mut single = 0.0;
    for (label, exclude) in [
        ("full default scan", Vec::new()),
        ("without active probes", active),
    ] {
        let server = ServerProcess::start_demo()?;
        let (served, seconds, cpu, findings) = demo_scan(&api, &server, args, &exclude)?;
        let rate = served as f64 / seconds.max(1e-9);
        single = rate;
        println!(
            "apiprobe ({label}): {served} requests in {seconds:.2} s = {rate:.0} requests/s; {findings} findings; CPU {cpu:.2} s; peak RSS so far {:.1} MB",
            rss_kb("VmHWM") as f64 / 1024.0
        );
    }
    if args.schemathesis {
        let server = ServerProcess::start_demo()?;
        let base = server.base_url();
        match schemathesis(&spec, &base, &server, args) {
            Ok((requests, seconds, peak_kb)) => {
                let theirs = requests as f64 / seconds;
                println!(
                    "schemathesis: {requests} requests in {seconds:.1} s = {theirs:.0} requests/s, peak RSS {:.0} MB; apiprobe without active probes sends {:.0}x as many requests a second",
                    peak_kb as f64 / 1024.0,
                    single / theirs
                );
            }
            Err(e) => println!("schemathesis: not run ({e})"),
        }
    }
    Ok(())
}

/// One default scan of the demo API at `server`, leaving out the checks in
/// `exclude`: requests the server counted, seconds, CPU seconds, findings.
fn demo_scan(
    api: &Arc<Api>,
    server: &ServerProcess,
    args: &Args,
    exclude: &[String],
) -> Result<(u64, f64, f64, usize), String> {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(|e| e.to_string())?;
    let client = Client::new(ClientOptions {
        env_proxy: false,
        max_idle_per_host: args.concurrency,
        ..ClientOptions::default()
    })
    .map_err(|e| e.to_string())?;
    let scan = Scan {
        operations: (0..api.operations.len()).collect(),
        api: Arc::clone(api),
        payloads: Arc::new(Payloads::builtin()),
        client,
        judge: Arc::new(Judge::new(
            select(&[], exclude).map_err(|e| e.to_string())?,
            Settings::default(),
        )),
        options: ScanOptions {
            base_url: server.base_url(),
            concurrency: args.concurrency,
            seed: 1,
            ..ScanOptions::default()
        },
    };
    server.count()?;
    let cpu_before = cpu_seconds();
    let started = Instant::now();
    let result = runtime.block_on(scan.run(Arc::new(apiprobe::engine::Silent), Stop::new()));
    let seconds = started.elapsed().as_secs_f64();
    let cpu = cpu_seconds() - cpu_before;
    Ok((server.count()?, seconds, cpu, result.findings.len()))
}

/// What the apiprobe scan measured.
struct Measured {
    requests: u64,
    seconds: f64,
    p50_us: u64,
    p99_us: u64,
    peak_rss_kb: u64,
    cpu_seconds: f64,
    rss_samples: Vec<(u64, u64)>,
    findings: usize,
    responses: u64,
    failures: u64,
    planned: usize,
}

impl Measured {
    fn rate(&self) -> f64 {
        self.requests as f64 / self.seconds.max(1e-9)
    }
}

/// Records each exchange's latency.
struct Latencies {
    histogram: Mutex<hdrhistogram::Histogram<u64>>,
    exchanges: AtomicU64,
}

impl Observer for Latencies {
    fn on_event(&self, event: &Event<'_>) {
        if let Event::Exchange { exchange, .. } = event {
            self.exchanges.fetch_add(1, Ordering::Relaxed);
            let us = u64::try_from(exchange.elapsed.as_micros()).unwrap_or(u64::MAX);
            if let Ok(mut h) = self.histogram.lock() {
                h.saturating_record(us.max(1));
            }
        }
    }
}

fn scan(api: Api, base: &str, ca_pem: Option<&[u8]>, args: &Args) -> Result<Measured, String> {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(|e| e.to_string())?;
    let ops = api.operations.len().max(1) as u64;
    // enough probes for the request budget: per operation a plan sends about
    // 2.5 x positive (positive, boundary, negative) plus the attacks
    let positive = u32::try_from(args.requests / ops / 2 + 2).unwrap_or(u32::MAX);
    let latencies = Arc::new(Latencies {
        histogram: Mutex::new(
            hdrhistogram::Histogram::new_with_bounds(1, 60_000_000, 3)
                .map_err(|e| e.to_string())?,
        ),
        exchanges: AtomicU64::new(0),
    });
    let client = Client::new(ClientOptions {
        env_proxy: false,
        max_idle_per_host: args.concurrency,
        ca_cert: ca_pem.map(<[u8]>::to_vec),
        ..ClientOptions::default()
    })
    .map_err(|e| e.to_string())?;
    let scan = Scan {
        operations: (0..api.operations.len()).collect(),
        api: Arc::new(api),
        payloads: Arc::new(Payloads::builtin()),
        client,
        judge: Arc::new(Judge::new(
            select(&[], &[]).map_err(|e| e.to_string())?,
            Settings::default(),
        )),
        options: ScanOptions {
            base_url: base.to_owned(),
            concurrency: args.concurrency,
            max_requests: Some(args.requests),
            seed: 1,
            plan: PlanOptions {
                positive,
                negative: positive,
                ..PlanOptions::default()
            },
            shrink: false,
            ..ScanOptions::default()
        },
    };
    let requests_target = args.requests;
    let cpu_before = cpu_seconds();
    let started = Instant::now();
    let (result, samples) = runtime.block_on(async {
        let observer = Arc::clone(&latencies);
        let sampler_done = Arc::new(tokio::sync::Notify::new());
        let done = Arc::clone(&sampler_done);
        let counter = Arc::clone(&latencies);
        let sampler = tokio::spawn(async move {
            let mut samples = Vec::new();
            let mut next_mark = 10;
            loop {
                tokio::select! {
                    _ = done.notified() => break,
                    _ = tokio::time::sleep(Duration::from_millis(50)) => {}
                }
                let sent = counter.exchanges.load(Ordering::Relaxed);
                let percent = sent * 100 / requests_target.max(1);
                if percent >= next_mark {
                    samples.push((percent, rss_kb("VmRSS")));
                    next_mark = percent - percent % 10 + 10;
                }
            }
            samples
        });
        let result = scan.run(observer, Stop::new()).await;
        sampler_done.notify_one();
        let samples = sampler.await.unwrap_or_default();
        (result, samples)
    });
    let seconds = started.elapsed().as_secs_f64();
    let cpu = cpu_seconds() - cpu_before;
    let h = latencies
        .histogram
        .lock()
        .map_err(|_| "latency histogram poisoned".to_owned())?;
    Ok(Measured {
        requests: result.stats.requests,
        seconds,
        p50_us: h.value_at_quantile(0.5),
        p99_us: h.value_at_quantile(0.99),
        peak_rss_kb: rss_kb("VmHWM"),
        cpu_seconds: cpu,
        rss_samples: samples,
        findings: result.findings.len(),
        responses: result.stats.responses,
        failures: result.stats.failures,
        planned: result.stats.planned,
    })
}

/// A field of /proc/self/status in kB (VmRSS, VmHWM); 0 where unreadable.
fn rss_kb(field: &str) -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with(field))
                .and_then(|l| l.split_whitespace().nth(1))
                .and_then(|n| n.parse().ok())
        })
        .unwrap_or(0)
}

/// User plus system CPU time of this process, from /proc/self/stat (in
/// USER_HZ ticks, 100 a second).
fn cpu_seconds() -> f64 {
    cpu_seconds_of("self")
}

/// [`cpu_seconds`] of process `pid` (or `self`).
fn cpu_seconds_of(pid: &str) -> f64 {
    let Ok(stat) = std::fs::read_to_string(format!("/proc/{pid}/stat")) else {
        return 0.0;
    };
    // the command name may hold spaces: fields are counted after its ')'
    let Some(rest) = stat.rsplit_once(')').map(|(_, r)| r) else {
        return 0.0;
    };
    let fields: Vec<&str> = rest.split_whitespace().collect();
    let tick = |i: usize| {
        fields
            .get(i)
            .and_then(|f| f.parse::<f64>().ok())
            .unwrap_or(0.0)
    };
    // utime and stime are fields 14 and 15 of stat; 12 and 13 after ')'
    (tick(11) + tick(12)) / 100.0
}

/// The fixture server in a child process.
struct ServerProcess {
    child: Child,
    port: u16,
    /// The plain-HTTP port of the request counter (`port` unless over TLS).
    count_port: u16,
    wrk_path: String,
    /// Over TLS: the CA that signed the server's certificate (PEM).
    ca_pem: Option<Vec<u8>>,
}

impl ServerProcess {
    /// The fixture server for `spec`, over TLS when `tls`.
    fn start(spec: &Path, tls: bool) -> Result<ServerProcess, String> {
        if !tls {
            return ServerProcess::spawn(&["--serve".as_ref(), spec.as_os_str()]);
        }
        let ca = std::env::temp_dir().join(format!("apiprobe-bench-ca-{}.pem", std::process::id()));
        let mut server = ServerProcess::spawn(&[
            "--serve".as_ref(),
            spec.as_os_str(),
            "--serve-tls".as_ref(),
            ca.as_os_str(),
        ])?;
        let pem = std::fs::read(&ca).map_err(|e| format!("{}: {e}", ca.display()))?;
        let _ = std::fs::remove_file(&ca);
        server.ca_pem = Some(pem);
        Ok(server)
    }

    /// The demo API.
    fn start_demo() -> Result<ServerProcess, String> {
        ServerProcess::spawn(&["--serve-demo".as_ref()])
    }

    fn spawn(args: &[&std::ffi::OsStr]) -> Result<ServerProcess, String> {
        let exe = std::env::current_exe().map_err(|e| e.to_string())?;
        let mut child = Command::new(exe)
            .args(args)
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .map_err(|e| format!("cannot start the server: {e}"))?;
        let stdout = child.stdout.take().ok_or("no server stdout")?;
        let mut line = String::new();
        BufReader::new(stdout)
            .read_line(&mut line)
            .map_err(|e| e.to_string())?;
        // the first line is `PORT PATH [COUNT_PORT]`: where it listens, a
        // path for wrk, and (over TLS) the plain port of its counter
        let mut parts = line.split_whitespace();
        let port = parts
            .next()
            .and_then(|p| p.parse().ok())
            .ok_or_else(|| format!("the server said {line:?}"))?;
        let wrk_path = parts.next().unwrap_or("/").to_owned();
        let count_port = parts.next().and_then(|p| p.parse().ok()).unwrap_or(port);
        Ok(ServerProcess {
            child,
            port,
            count_port,
            wrk_path,
            ca_pem: None,
        })
    }

    fn base_url(&self) -> String {
        let scheme = if self.ca_pem.is_some() {
            "https"
        } else {
            "http"
        };
        format!("{scheme}://127.0.0.1:{}", self.port)
    }

    /// CPU seconds the server has used so far.
    fn cpu_seconds(&self) -> f64 {
        cpu_seconds_of(&self.child.id().to_string())
    }

    /// Requests the server has answered so far (its counter resets on read).
    fn count(&self) -> Result<u64, String> {
        use std::io::Read as _;
        let mut stream = std::net::TcpStream::connect(("127.0.0.1", self.count_port))
            .map_err(|e| e.to_string())?;
        stream
            .write_all(b"GET /__bench/count HTTP/1.1\r\nhost: x\r\nconnection: close\r\n\r\n")
            .map_err(|e| e.to_string())?;
        let mut text = String::new();
        stream
            .read_to_string(&mut text)
            .map_err(|e| e.to_string())?;
        text.rsplit("\r\n\r\n")
            .next()
            .and_then(|b| b.trim().parse().ok())
            .ok_or_else(|| format!("bad count answer {text:?}"))
    }
}

impl Drop for ServerProcess {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Where wrk is on PATH, if it is.
fn which_wrk() -> Option<PathBuf> {
    std::env::var_os("PATH").and_then(|paths| {
        std::env::split_paths(&paths)
            .map(|dir| dir.join("wrk"))
            .find(|p| p.is_file())
    })
}

fn wrk(base: &str, path: &str, args: &Args) -> Result<f64, String> {
    let out = Command::new("wrk")
        .args([
            "-t1",
            &format!("-c{}", args.concurrency),
            &format!("-d{}s", args.wrk_seconds),
            &format!("{base}{path}"),
        ])
        .output()
        .map_err(|e| format!("cannot run wrk: {e}; apt-get install wrk"))?;
    let text = String::from_utf8_lossy(&out.stdout);
    text.lines()
        .find_map(|l| l.strip_prefix("Requests/sec:"))
        .and_then(|n| n.trim().parse().ok())
        .ok_or_else(|| format!("no Requests/sec in wrk's output: {text}"))
}

fn schemathesis(
    spec: &Path,
    base: &str,
    server: &ServerProcess,
    args: &Args,
) -> Result<(u64, f64, u64), String> {
    server.count()?; // reset the server's counter
    // a fresh directory each run: Schemathesis keeps a `.schemathesis` cache
    // in its working directory and replays the failures it remembers
    let workdir = std::env::temp_dir().join(format!("apiprobe-bench-st-{}", std::process::id()));
    std::fs::create_dir_all(&workdir).map_err(|e| format!("{}: {e}", workdir.display()))?;
    let started = Instant::now();
    let out = Command::new("/usr/bin/time")
        .current_dir(&workdir)
        .args(["-f", "PEAK_RSS_KB=%M", "schemathesis", "run"])
        .arg(std::path::absolute(spec).unwrap_or_else(|_| spec.to_path_buf()))
        .args([
            "--url",
            base,
            "--max-examples",
            &args.schemathesis_examples.to_string(),
            "--checks",
            "all",
        ])
        .output()
        .map_err(|e| format!("cannot run schemathesis under /usr/bin/time: {e}"))?;
    let seconds = started.elapsed().as_secs_f64();
    let _ = std::fs::remove_dir_all(&workdir);
    let requests = server.count()?;
    let stderr = String::from_utf8_lossy(&out.stderr);
    let peak = stderr
        .lines()
        .find_map(|l| l.strip_prefix("PEAK_RSS_KB="))
        .and_then(|n| n.trim().parse().ok())
        .unwrap_or(0);
    if requests == 0 {
        return Err(format!(
            "schemathesis sent nothing: {}",
            String::from_utf8_lossy(&out.stdout)
        ));
    }
    Ok((requests, seconds, peak))
}

/// A spec with `n` operations: GET /rI/items/{id} with query parameters and
/// POST /rI/items with a JSON body, each answering an object.
fn synthetic_spec(n: usize) -> Value {
    let mut paths = serde_json::Map::new();
    let item = json!({
        "type": "object",
        "required": ["id", "name"],
        "properties": {
            "id": {"type": "integer", "minimum": 1},
            "name": {"type": "string", "minLength": 1, "maxLength": 40},
            "tags": {"type": "array", "items": {"type": "string", "maxLength": 10}, "maxItems": 5},
            "status": {"type": "string", "enum": ["active", "archived"]}
        }
    });
    for i in 0..n.div_ceil(2) {
        paths.insert(
            format!("/r{i}/items/{{id}}"),
            json!({"get": {
                "operationId": format!("getItem{i}"),
                "parameters": [
                    {"name": "id", "in": "path", "required": true, "schema": {"type": "integer", "minimum": 1}},
                    {"name": "limit", "in": "query", "schema": {"type": "integer", "minimum": 1, "maximum": 100}},
                    {"name": "q", "in": "query", "schema": {"type": "string", "maxLength": 20}},
                    {"name": "X-Request-Id", "in": "header", "schema": {"type": "string", "format": "uuid"}}
                ],
                "responses": {"200": {"description": "the item", "content": {"application/json": {"schema": item}}},
                              "404": {"description": "no such item"}}
            }}),
        );
        if 2 * i + 1 < n {
            paths.insert(
                format!("/r{i}/items"),
                json!({"post": {
                    "operationId": format!("createItem{i}"),
                    "requestBody": {"required": true, "content": {"application/json": {"schema": item}}},
                    "responses": {"201": {"description": "created", "content": {"application/json": {"schema": item}}},
                                  "400": {"description": "invalid"}}
                }}),
            );
        }
    }
    json!({
        "openapi": "3.0.3",
        "info": {"title": "bench", "version": "1"},
        "servers": [{"url": "http://127.0.0.1"}],
        "paths": paths
    })
}

/// The fixture server: fixed valid answers for every operation.
mod serve {
    use super::*;

    use axum::body::Body;
    use axum::extract::State;
    use axum::http::{Method, Request, Response, StatusCode as Http};

    /// One operation's fixed answer.
    struct Answer {
        method: Method,
        segments: Vec<Option<String>>,
        status: u16,
        content_type: Option<String>,
        body: axum::body::Bytes,
    }

    struct Fixture {
        answers: Vec<Answer>,
        /// Answers by their first literal path segment; those whose path
        /// starts with a parameter are under `None`.
        by_first: std::collections::HashMap<Option<String>, Vec<usize>>,
        served: AtomicU64,
    }

    pub fn main(spec: &Path, tls: Option<&Path>) -> ExitCode {
        let api = match Loader::new().load_path(spec) {
            Ok(api) => api,
            Err(e) => {
                eprintln!("bench_scan server: {e}");
                return ExitCode::FAILURE;
            }
        };
        let answers = answers(&api);
        let wrk_path = answers
            .iter()
            .find(|a| a.method == Method::GET)
            .map(|a| {
                a.segments
                    .iter()
                    .map(|s| s.as_deref().unwrap_or("1"))
                    .fold(String::new(), |p, s| p + "/" + s)
            })
            .unwrap_or_else(|| "/".to_owned());
        let mut by_first: std::collections::HashMap<Option<String>, Vec<usize>> =
            std::collections::HashMap::new();
        for (i, a) in answers.iter().enumerate() {
            by_first
                .entry(a.segments.first().cloned().flatten())
                .or_default()
                .push(i);
        }
        let fixture = Arc::new(Fixture {
            answers,
            by_first,
            served: AtomicU64::new(0),
        });
        let app = axum::Router::new().fallback(answer).with_state(fixture);
        match tls {
            Some(ca) => serve_tls_on_one_thread(app, &wrk_path, ca),
            None => serve_on_one_thread(app, &wrk_path),
        }
    }

    /// Serves `app` over TLS on 127.0.0.1 (a free port) and, for the
    /// request counter, over plain HTTP on another, on one tokio thread;
    /// writes the CA's certificate to `ca` and prints `PORT WRK_PATH
    /// COUNT_PORT`.
    fn serve_tls_on_one_thread(app: axum::Router, wrk_path: &str, ca: &Path) -> ExitCode {
        let certs =
            match super::tls::certs(&["127.0.0.1", "localhost"], super::tls::Validity::Current) {
                Ok(certs) => certs,
                Err(e) => {
                    eprintln!("bench_scan server: {e}");
                    return ExitCode::FAILURE;
                }
            };
        let config = match super::tls::server_config(&certs, &[b"http/1.1"]) {
            Ok(config) => config,
            Err(e) => {
                eprintln!("bench_scan server: {e}");
                return ExitCode::FAILURE;
            }
        };
        if let Err(e) = std::fs::write(ca, &certs.ca_pem) {
            eprintln!("bench_scan server: {}: {e}", ca.display());
            return ExitCode::FAILURE;
        }
        let Ok(runtime) = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
        else {
            return ExitCode::FAILURE;
        };
        runtime.block_on(async move {
            let Ok(listener) = super::tls::TlsListener::bind(config).await else {
                eprintln!("bench_scan server: cannot bind 127.0.0.1");
                return ExitCode::FAILURE;
            };
            let Ok(plain) = tokio::net::TcpListener::bind("127.0.0.1:0").await else {
                eprintln!("bench_scan server: cannot bind 127.0.0.1");
                return ExitCode::FAILURE;
            };
            let count_port = plain.local_addr().map(|a| a.port()).unwrap_or(0);
            println!("{} {wrk_path} {count_port}", listener.addr().port());
            let _ = std::io::stdout().flush();
            tokio::spawn(axum::serve(plain, app.clone()).into_future());
            match axum::serve(listener, app).await {
                Ok(()) => ExitCode::SUCCESS,
                Err(_) => ExitCode::FAILURE,
            }
        })
    }

    /// The demo API on one tokio thread, with a request counter at
    /// `/__bench/count` (read and reset).
    pub fn demo() -> ExitCode {
        let served = Arc::new(AtomicU64::new(0));
        let counter = Arc::clone(&served);
        let app = axum::Router::new()
            .route(
                "/__bench/count",
                axum::routing::get(move || {
                    let n = counter.swap(0, Ordering::Relaxed);
                    async move { n.saturating_sub(1).to_string() }
                }),
            )
            .merge(apiprobe::demo::router(apiprobe::demo::DemoConfig::default()))
            .layer(tower::util::MapRequestLayer::new(
                move |r: Request<Body>| {
                    served.fetch_add(1, Ordering::Relaxed);
                    r
                },
            ));
        serve_on_one_thread(app, "/version")
    }

    /// Serves `app` on 127.0.0.1 (a free port) on one tokio thread, after
    /// printing `PORT WRK_PATH` as the parent reads it.
    fn serve_on_one_thread(app: axum::Router, wrk_path: &str) -> ExitCode {
        let Ok(runtime) = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
        else {
            return ExitCode::FAILURE;
        };
        runtime.block_on(async move {
            let Ok(listener) = tokio::net::TcpListener::bind("127.0.0.1:0").await else {
                eprintln!("bench_scan server: cannot bind 127.0.0.1");
                return ExitCode::FAILURE;
            };
            let port = listener.local_addr().map(|a| a.port()).unwrap_or(0);
            println!("{port} {wrk_path}");
            let _ = std::io::stdout().flush();
            match axum::serve(listener, app).await {
                Ok(()) => ExitCode::SUCCESS,
                Err(_) => ExitCode::FAILURE,
            }
        })
    }

    fn answers(api: &Api) -> Vec<Answer> {
        let mut generator = Generator::new(&api.schemas, Options::default());
        let mut src = Seeded::new(0);
        api.operations
            .iter()
            .map(|op| {
                let response = op
                    .responses
                    .iter()
                    .find(|r| matches!(r.status, StatusCode::Exact(200..=299)))
                    .or_else(|| op.responses.first());
                let status = match response.map(|r| r.status) {
                    Some(StatusCode::Exact(s)) => s,
                    _ => 200,
                };
                let media = response.and_then(|r| r.content.first());
                let body = media
                    .and_then(|m| m.schema)
                    .map(|id| generator.positive(id, Direction::Response, &mut src))
                    .map(|v| serde_json::to_vec(&v).unwrap_or_default())
                    .unwrap_or_default();
                Answer {
                    method: Method::from_bytes(op.method.as_str().as_bytes())
                        .unwrap_or(Method::GET),
                    segments: op
                        .path
                        .split('/')
                        .filter(|s| !s.is_empty())
                        .map(|s| (!s.starts_with('{')).then(|| s.to_owned()))
                        .collect(),
                    status,
                    content_type: media.map(|m| m.media_type.clone()),
                    body: body.into(),
                }
            })
            .collect()
    }

    async fn answer(State(fixture): State<Arc<Fixture>>, request: Request<Body>) -> Response<Body> {
        let path = request.uri().path();
        if path == "/__bench/count" {
            let n = fixture.served.swap(0, Ordering::Relaxed);
            return Response::new(Body::from(n.to_string()));
        }
        fixture.served.fetch_add(1, Ordering::Relaxed);
        let segments: Vec<&str> = path.split('/').filter(|s| !s.is_empty()).collect();
        let matches = |a: &&Answer| {
            a.segments.len() == segments.len()
                && a.segments
                    .iter()
                    .zip(&segments)
                    .all(|(want, got)| want.as_deref().is_none_or(|w| w == *got))
        };
        let mut known_path = false;
        let first = segments.first().map(|s| (*s).to_owned());
        let candidates = fixture
            .by_first
            .get(&first)
            .into_iter()
            .chain(fixture.by_first.get(&None))
            .flatten()
            .filter_map(|&i| fixture.answers.get(i));
        for a in candidates.filter(matches) {
            known_path = true;
            if a.method == request.method() {
                let mut response = Response::new(Body::from(a.body.clone()));
                *response.status_mut() = Http::from_u16(a.status).unwrap_or(Http::OK);
                if let Some(ct) = &a.content_type
                    && let Ok(v) = ct.parse()
                {
                    response.headers_mut().insert("content-type", v);
                }
                return response;
            }
        }
        let mut response = Response::new(Body::empty());
        *response.status_mut() = if known_path {
            Http::METHOD_NOT_ALLOWED
        } else {
            Http::NOT_FOUND
        };
        response
    }
}
