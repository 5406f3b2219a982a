//! Reports written while the scan runs, from its events: NDJSON (one JSON
//! object per event, flushed as it happens) and HAR 1.2 (every exchange,
//! for replay in other tools). Both are masked like every other output.
//!
//! The scan's workers only turn an event into masked bytes; one writer
//! thread owns the files (opened before the scan, finished once) and does
//! all the file I/O, so a slow disk never holds a lock a worker waits on
//! or blocks a runtime thread in a write.

use std::fs::File;
use std::io::{BufWriter, LineWriter, Write};
use std::path::{Path, PathBuf};
use std::sync::mpsc::{Receiver, SyncSender, sync_channel};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::SystemTime;

use base64::Engine as _;
use serde_json::{Value, json};

use super::secrets::Secrets;
use super::sink::{Format, ReportError, ReportSpec};
use crate::engine::{Event, Observer};
use crate::http::{Exchange, Outcome};

/// Longest body a HAR entry holds, in bytes (request and response each);
/// a longer one is cut and the entry's comment says so.
pub const HAR_BODY_CAP: usize = 256 * 1024;

struct Har {
    path: PathBuf,
    tmp: PathBuf,
    out: BufWriter<File>,
    entries: u64,
}

/// Events, as bytes, waiting for the writer thread: a bound, so that a
/// writer that falls behind slows the scan down instead of filling memory.
const QUEUE: usize = 1024;

/// What the writer thread is given.
enum Chunk {
    /// One NDJSON line, newline included.
    Line(Vec<u8>),
    /// One HAR entry (JSON, without a separator).
    Entry(Vec<u8>),
    /// Close the files and say how it went.
    Finish(SyncSender<Result<(), ReportError>>),
}

/// The open files, owned by the writer thread.
struct Files {
    ndjson: Option<(PathBuf, LineWriter<File>)>,
    har: Option<Har>,
    error: Option<ReportError>,
}

/// The streaming reports of a scan, and the observer they hang behind: the
/// events go to `inner` (e.g. the progress display) and, as bytes, to the
/// writer thread.
pub struct Streams {
    inner: Arc<dyn Observer>,
    secrets: Secrets,
    wants_ndjson: bool,
    wants_har: bool,
    queue: Option<SyncSender<Chunk>>,
    writer: Mutex<Option<JoinHandle<()>>>,
}

/// The current time as RFC 3339 (UTC, milliseconds).
pub fn rfc3339(t: SystemTime) -> String {
    let d = t.duration_since(SystemTime::UNIX_EPOCH).unwrap_or_default();
    let secs = d.as_secs() as i64;
    let (days, rem) = (secs.div_euclid(86_400), secs.rem_euclid(86_400));
    // days to civil date (Howard Hinnant's algorithm)
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = if month <= 2 { y + 1 } else { y };
    format!(
        "{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}.{:03}Z",
        rem / 3600,
        (rem % 3600) / 60,
        rem % 60,
        d.subsec_millis()
    )
}

fn write_error(path: &Path, source: std::io::Error) -> ReportError {
    ReportError::Write {
        path: path.to_owned(),
        source,
    }
}

impl Streams {
    /// Opens the NDJSON and HAR files among `specs` (the other formats are
    /// written at the end); `inner` still gets every event.
    pub fn open(
        specs: &[ReportSpec],
        secrets: Secrets,
        inner: Arc<dyn Observer>,
    ) -> Result<Streams, ReportError> {
        let mut ndjson = None;
        let mut har = None;
        for spec in specs {
            match spec.format {
                Format::Ndjson => {
                    let f = File::create(&spec.path).map_err(|e| write_error(&spec.path, e))?;
                    ndjson = Some((spec.path.clone(), LineWriter::new(f)));
                }
                Format::Har => {
                    let name = spec
                        .path
                        .file_name()
                        .map(|n| n.to_string_lossy().into_owned())
                        .unwrap_or_else(|| "report".into());
                    let tmp = spec
                        .path
                        .with_file_name(format!(".{name}.{}.tmp", std::process::id()));
                    let f = File::create(&tmp).map_err(|e| write_error(&spec.path, e))?;
                    let mut out = BufWriter::new(f);
                    let head = json!({
                        "name": "apiprobe",
                        "version": env!("CARGO_PKG_VERSION"),
                    });
                    write!(
                        out,
                        "{{\"log\":{{\"version\":\"1.2\",\"creator\":{head},\"pages\":[],\"entries\":["
                    )
                    .map_err(|e| write_error(&spec.path, e))?;
                    har = Some(Har {
                        path: spec.path.clone(),
                        tmp,
                        out,
                        entries: 0,
                    });
                }
                _ => {}
            }
        }
        let (wants_ndjson, wants_har) = (ndjson.is_some(), har.is_some());
        let (queue, writer) = if wants_ndjson || wants_har {
            let (tx, rx) = sync_channel(QUEUE);
            let files = Files {
                ndjson,
                har,
                error: None,
            };
            let handle = std::thread::Builder::new()
                .name("apiprobe-reports".into())
                .spawn(move || files.run(rx))
                .map_err(|e| ReportError::Write {
                    path: specs
                        .iter()
                        .find(|s| matches!(s.format, Format::Ndjson | Format::Har))
                        .map(|s| s.path.clone())
                        .unwrap_or_default(),
                    source: e,
                })?;
            (Some(tx), Some(handle))
        } else {
            (None, None)
        };
        Ok(Streams {
            inner,
            secrets,
            wants_ndjson,
            wants_har,
            queue,
            writer: Mutex::new(writer),
        })
    }

    /// Hands `chunk` to the writer thread (nothing when it has stopped).
    fn send(&self, chunk: Chunk) {
        if let Some(queue) = &self.queue {
            let _ = queue.send(chunk);
        }
    }

    fn event_json(&self, event: &Event<'_>) -> Option<Value> {
        let time = rfc3339(SystemTime::now());
        Some(match event {
            Event::Started {
                operations,
                probes,
                base_url,
                seed,
            } => json!({
                "event": "started", "time": time, "operations": operations,
                "probes": probes, "target": self.secrets.url(base_url), "seed": seed,
            }),
            Event::OperationStarted { operation } => json!({
                "event": "operation", "time": time, "operation": operation.id,
                "method": operation.method.as_str(), "path": operation.path,
            }),
            Event::Exchange {
                operation,
                probe,
                exchange,
            } => {
                let mut v = json!({
                    "event": "exchange", "time": time, "operation": operation.id,
                    "probe": probe.label(),
                    "method": exchange.request.request.method.as_str(),
                    "url": self.secrets.url(&exchange.request.url),
                    "elapsed_ms": u64::try_from(exchange.elapsed.as_millis()).unwrap_or(u64::MAX),
                });
                match &exchange.outcome {
                    Outcome::Response(r) => {
                        v["status"] = json!(r.status);
                        v["bytes"] = json!(r.body.len());
                    }
                    Outcome::Failed(f) => {
                        v["failure"] = json!(f.kind.as_str());
                        v["message"] = json!(self.secrets.text(&f.message));
                    }
                }
                v
            }
            Event::Finding(f) => {
                let mut f = (*f).clone();
                self.secrets.finding(&mut f);
                json!({ "event": "finding", "time": time, "finding": f })
            }
            Event::Warning { message } => {
                json!({ "event": "warning", "time": time, "message": self.secrets.text(message) })
            }
            Event::Paused { wait } => {
                json!({ "event": "paused", "time": time, "seconds": wait.as_secs_f64() })
            }
            Event::Stalled {
                since,
                last_request,
            } => json!({
                "event": "stalled", "time": time, "seconds": since.as_secs_f64(),
                "last_request": self.secrets.text(last_request),
            }),
            Event::Recovered { after } => {
                json!({ "event": "recovered", "time": time, "seconds": after.as_secs_f64() })
            }
            Event::Shrinking { findings } => {
                json!({ "event": "shrinking", "time": time, "findings": findings })
            }
            Event::Finished { stats, reason } => {
                let reason = self.secrets.stop_reason(reason);
                json!({ "event": "finished", "time": time, "stats": stats, "stopped": reason })
            }
        })
    }

    fn har_entry(&self, exchange: &Exchange) -> Value {
        let s = &self.secrets;
        let sent = &exchange.request;
        let ms = exchange.elapsed.as_secs_f64() * 1000.0;
        let started = SystemTime::now()
            .checked_sub(exchange.elapsed)
            .unwrap_or_else(SystemTime::now);
        let mut comments = Vec::new();
        let mut headers: Vec<(String, String)> = sent.request.headers.clone();
        if let Some(b) = &sent.request.body {
            headers.push(("content-type".into(), b.content_type.clone()));
        }
        let pairs = |list: &[(String, String)]| -> Vec<Value> {
            s.headers(list)
                .into_iter()
                .map(|(n, v)| json!({ "name": n, "value": v }))
                .collect()
        };
        let url = s.url(&sent.url);
        // decoded, a value may show a secret its encoding hid
        let query: Vec<Value> = url::Url::parse(&url)
            .map(|u| {
                u.query_pairs()
                    .map(|(n, v)| json!({ "name": s.text(&n), "value": s.text(&v) }))
                    .collect()
            })
            .unwrap_or_default();
        let mut request = json!({
            "method": sent.request.method.as_str(),
            "url": url,
            "httpVersion": "HTTP/1.1",
            "cookies": [],
            "headers": pairs(&headers),
            "queryString": query,
            "headersSize": -1,
            "bodySize": sent.request.body.as_ref().map(|b| b.bytes.len() as i64).unwrap_or(0),
        });
        // bodies are masked whole, as bytes, before they are cut or encoded:
        // a secret across the cut or in a body that is not UTF-8 is masked too
        if let Some(b) = &sent.request.body {
            let (text, cut) = body_text(&s.bytes(&b.bytes));
            if cut {
                comments.push("request body cut");
            }
            request["postData"] = json!({ "mimeType": b.content_type, "text": text });
        }
        let response = match &exchange.outcome {
            Outcome::Response(r) => {
                let mime = r.header("content-type").unwrap_or("").to_owned();
                let body = s.bytes(&r.body);
                let (text, cut) = body_text(&body);
                let mut content = json!({ "size": r.body.len(), "mimeType": mime });
                match text_or_base64(&body, &text) {
                    Ok(t) => content["text"] = json!(t),
                    Err(b64) => {
                        content["text"] = json!(b64);
                        content["encoding"] = json!("base64");
                    }
                }
                if cut || r.truncated {
                    comments.push("response body cut");
                }
                json!({
                    "status": r.status,
                    "statusText": reqwest::StatusCode::from_u16(r.status).ok()
                        .and_then(|c| c.canonical_reason()).unwrap_or(""),
                    "httpVersion": r.version,
                    "cookies": [],
                    "headers": pairs(&r.headers),
                    "content": content,
                    "redirectURL": r.header("location").map(|l| s.url(l)).unwrap_or_default(),
                    "headersSize": -1,
                    "bodySize": r.body.len(),
                })
            }
            Outcome::Failed(f) => json!({
                // HAR's way of saying no response came (as browsers write it)
                "status": 0,
                "statusText": "",
                "httpVersion": "",
                "cookies": [],
                "headers": [],
                "content": { "size": 0, "mimeType": "x-unknown" },
                "redirectURL": "",
                "headersSize": -1,
                "bodySize": -1,
                "comment": format!("{}: {}", f.kind.as_str(), s.text(&f.message)),
            }),
        };
        let mut entry = json!({
            "startedDateTime": rfc3339(started),
            "time": ms,
            "request": request,
            "response": response,
            "cache": {},
            "timings": { "send": 0, "wait": ms, "receive": 0 },
        });
        if !comments.is_empty() {
            entry["comment"] = json!(comments.join("; "));
        }
        entry
    }

    /// Closes the files (the HAR file is renamed into place only now, so it
    /// is whole or absent) and ends the writer thread. Returns the first
    /// write error, if any.
    pub fn finish(&self) -> Result<(), ReportError> {
        let Some(queue) = &self.queue else {
            return Ok(());
        };
        let (reply, answer) = sync_channel(1);
        let result = match queue.send(Chunk::Finish(reply)) {
            Ok(()) => answer.recv().unwrap_or(Ok(())),
            Err(_) => Ok(()),
        };
        if let Ok(mut writer) = self.writer.lock()
            && let Some(handle) = writer.take()
        {
            let _ = handle.join();
        }
        result
    }
}

impl Files {
    /// Writes what comes until told to finish (or every sender is gone).
    fn run(mut self, queue: Receiver<Chunk>) {
        while let Ok(chunk) = queue.recv() {
            match chunk {
                Chunk::Line(bytes) => self.line(&bytes),
                Chunk::Entry(bytes) => self.entry(&bytes),
                Chunk::Finish(reply) => {
                    let _ = reply.send(self.finish());
                    return;
                }
            }
        }
        let _ = self.finish();
    }

    fn fail(&mut self, e: ReportError) {
        if self.error.is_none() {
            self.error = Some(e);
        }
    }

    fn line(&mut self, bytes: &[u8]) {
        let Some((path, out)) = self.ndjson.as_mut() else {
            return;
        };
        if let Err(e) = out.write_all(bytes) {
            let path = path.clone();
            self.ndjson = None;
            self.fail(write_error(&path, e));
        }
    }

    fn entry(&mut self, bytes: &[u8]) {
        let Some(har) = self.har.as_mut() else { return };
        let sep: &[u8] = if har.entries == 0 { b"\n" } else { b",\n" };
        har.entries += 1;
        if let Err(e) = har
            .out
            .write_all(sep)
            .and_then(|_| har.out.write_all(bytes))
        {
            let path = har.path.clone();
            let tmp = har.tmp.clone();
            self.har = None;
            let _ = std::fs::remove_file(tmp);
            self.fail(write_error(&path, e));
        }
    }

    fn finish(&mut self) -> Result<(), ReportError> {
        if let Some((path, mut out)) = self.ndjson.take()
            && let Err(e) = out.flush()
        {
            self.fail(write_error(&path, e));
        }
        if let Some(mut har) = self.har.take() {
            let done = write!(har.out, "\n]}}}}\n")
                .and_then(|_| har.out.flush())
                .and_then(|_| std::fs::rename(&har.tmp, &har.path));
            if let Err(e) = done {
                let _ = std::fs::remove_file(&har.tmp);
                self.fail(write_error(&har.path, e));
            }
        }
        match self.error.take() {
            Some(e) => Err(e),
            None => Ok(()),
        }
    }
}

fn body_text(bytes: &[u8]) -> (String, bool) {
    let cut = bytes.len().min(HAR_BODY_CAP);
    (
        String::from_utf8_lossy(&bytes[..cut]).into_owned(),
        cut < bytes.len(),
    )
}

/// The body as text when it is UTF-8, else base64 (HAR's `encoding`).
fn text_or_base64(bytes: &[u8], text: &str) -> Result<String, String> {
    let cut = &bytes[..bytes.len().min(HAR_BODY_CAP)];
    match std::str::from_utf8(cut) {
        Ok(_) => Ok(text.to_owned()),
        Err(e) if e.error_len().is_none() => Ok(text.to_owned()), // cut inside a character
        Err(_) => Err(base64::engine::general_purpose::STANDARD.encode(cut)),
    }
}

impl Observer for Streams {
    fn on_event(&self, event: &Event<'_>) {
        self.inner.on_event(event);
        if self.wants_ndjson
            && let Some(v) = self.event_json(event)
        {
            let mut bytes = v.to_string().into_bytes();
            bytes.push(b'\n');
            self.send(Chunk::Line(bytes));
        }
        if self.wants_har
            && let Event::Exchange { exchange, .. } = event
        {
            let entry = self.har_entry(exchange);
            self.send(Chunk::Entry(entry.to_string().into_bytes()));
        }
    }
}
