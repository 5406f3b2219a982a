//! The callback listener: a small HTTP server apiprobe runs during a scan so
//! that out-of-band probes (SSRF) can prove the target fetched a URL. Each
//! probe gets URLs carrying a unique token; a request that arrives with it
//! confirms the finding.

use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::Router;
use axum::extract::{Request, State};
use axum::http::StatusCode;
use tokio::sync::{Notify, oneshot};
use tokio::task::JoinHandle;

/// One request the listener received.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CallbackHit {
    /// The method.
    pub method: String,
    /// The path and query as received.
    pub target: String,
    /// The `user-agent` header, when there was one.
    pub user_agent: Option<String>,
}

#[derive(Default)]
struct Hits {
    list: Mutex<Vec<CallbackHit>>,
    arrived: Notify,
}

/// Most requests kept (a hostile target cannot grow the list without bound).
const MAX_HITS: usize = 10_000;

/// A running callback listener; stopped when dropped.
pub struct CallbackServer {
    /// The address it listens on.
    pub addr: SocketAddr,
    /// The base URL probes give the target (the listener's own URL, or
    /// `--callback-url`).
    pub public_url: String,
    hits: Arc<Hits>,
    stop: Option<oneshot::Sender<()>>,
    task: Option<JoinHandle<()>>,
}

impl std::fmt::Debug for CallbackServer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CallbackServer")
            .field("addr", &self.addr)
            .field("public_url", &self.public_url)
            .finish()
    }
}

async fn record(State(hits): State<Arc<Hits>>, request: Request) -> StatusCode {
    let target = request
        .uri()
        .path_and_query()
        .map(|p| p.as_str().to_owned())
        .unwrap_or_default();
    let hit = CallbackHit {
        method: request.method().as_str().to_owned(),
        target,
        user_agent: request
            .headers()
            .get("user-agent")
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned),
    };
    if let Ok(mut list) = hits.list.lock()
        && list.len() < MAX_HITS
    {
        list.push(hit);
    }
    hits.arrived.notify_waiters();
    StatusCode::OK
}

impl CallbackServer {
    /// Starts a listener on `listen` (`127.0.0.1:0` by default). Probes hand
    /// out URLs under `public_url`, or under the listener's own URL when none
    /// is given.
    pub async fn start(
        listen: Option<SocketAddr>,
        public_url: Option<&str>,
    ) -> std::io::Result<CallbackServer> {
        let listen = listen.unwrap_or_else(|| SocketAddr::from(([127, 0, 0, 1], 0)));
        let listener = tokio::net::TcpListener::bind(listen).await?;
        let addr = listener.local_addr()?;
        let hits = Arc::new(Hits::default());
        let app = Router::new().fallback(record).with_state(Arc::clone(&hits));
        let (stop, stopped) = oneshot::channel::<()>();
        let task = tokio::spawn(async move {
            let _ = axum::serve(listener, app)
                .with_graceful_shutdown(async move {
                    let _ = stopped.await;
                })
                .await;
        });
        let public_url = match public_url {
            Some(u) => u.trim_end_matches('/').to_owned(),
            None => format!("http://{addr}"),
        };
        Ok(CallbackServer {
            addr,
            public_url,
            hits,
            stop: Some(stop),
            task: Some(task),
        })
    }

    /// The URL that carries `token`.
    pub fn url_for(&self, token: &str) -> String {
        format!("{}/apiprobe/{token}", self.public_url)
    }

    /// The requests whose path or query holds `token`.
    pub fn hits_for(&self, token: &str) -> Vec<CallbackHit> {
        match self.hits.list.lock() {
            Ok(list) => list
                .iter()
                .filter(|h| h.target.contains(token))
                .cloned()
                .collect(),
            Err(_) => Vec::new(),
        }
    }

    /// Waits up to `wait` for a request holding `token`; the hits so far.
    pub async fn wait_for(&self, token: &str, wait: Duration) -> Vec<CallbackHit> {
        let deadline = Instant::now() + wait;
        loop {
            let notified = self.hits.arrived.notified();
            let hits = self.hits_for(token);
            if !hits.is_empty() {
                return hits;
            }
            let left = deadline.saturating_duration_since(Instant::now());
            if left.is_zero() {
                return hits;
            }
            // a poll interval as well, in case a notification raced the check
            let _ = tokio::time::timeout(left.min(Duration::from_millis(100)), notified).await;
        }
    }
}

impl Drop for CallbackServer {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(task) = self.task.take() {
            task.abort();
        }
    }
}
