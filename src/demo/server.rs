//! Serving the demo API on an ephemeral loopback port.

use super::{DemoConfig, router};
use std::net::{Ipv4Addr, SocketAddr};
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

/// A running demo API, stopped by [`DemoServer::shutdown`] or when dropped.
#[derive(Debug)]
pub struct DemoServer {
    /// The loopback address it listens on.
    pub addr: SocketAddr,
    stop: Option<oneshot::Sender<()>>,
    task: Option<JoinHandle<()>>,
}

impl DemoServer {
    /// The URL of the API's root, e.g. `http://127.0.0.1:41234`.
    pub fn base_url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// Stops accepting connections and waits for the server task to end.
    pub async fn shutdown(mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(task) = self.task.take() {
            let _ = task.await;
        }
    }
}

impl Drop for DemoServer {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(task) = self.task.take() {
            task.abort();
        }
    }
}

/// Starts the demo API on 127.0.0.1 with an ephemeral port, served by a
/// spawned tokio task (so it must be called inside a tokio runtime).
pub async fn serve(config: DemoConfig) -> std::io::Result<DemoServer> {
    serve_on(config, 0).await
}

/// [`serve`] on a chosen port of 127.0.0.1 (0 for an ephemeral one). The
/// demo never listens beyond loopback.
pub async fn serve_on(config: DemoConfig, port: u16) -> std::io::Result<DemoServer> {
    let listener = tokio::net::TcpListener::bind((Ipv4Addr::LOCALHOST, port)).await?;
    let addr = listener.local_addr()?;
    let (stop, stopped) = oneshot::channel::<()>();
    let app = router(config);
    let task = tokio::spawn(async move {
        let _ = axum::serve(listener, app)
            .with_graceful_shutdown(async move {
                let _ = stopped.await;
            })
            .await;
    });
    Ok(DemoServer {
        addr,
        stop: Some(stop),
        task: Some(task),
    })
}
