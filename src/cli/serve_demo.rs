//! `apiprobe serve-demo`: the demo API as a standalone server.

use std::io::Write as _;

use apiprobe::demo::{DemoConfig, serve_on};

use super::args::ServeDemoArgs;
use super::exit;
use super::interrupt::Interrupt;

/// Serves the demo on loopback until Ctrl-C (SIGINT). Prints the base URL
/// first, alone on its line, so that scripts can read it.
pub async fn run(args: ServeDemoArgs) -> u8 {
    let server = match serve_on(DemoConfig { fixed: args.fixed }, args.port).await {
        Ok(server) => server,
        Err(e) => {
            eprintln!("error: cannot listen on 127.0.0.1:{}: {e}", args.port);
            return exit::USAGE;
        }
    };
    // The handler is in place before the URL is printed: a caller that
    // interrupts as soon as it has the URL must find it there.
    let interrupted = match Interrupt::listen() {
        Ok(i) => i,
        Err(e) => {
            eprintln!("error: cannot listen for Ctrl-C: {e}");
            return exit::USAGE;
        }
    };
    let mode = if args.fixed { "fixed" } else { "vulnerable" };
    println!("{}", server.base_url());
    let _ = std::io::stdout().flush();
    eprintln!(
        "apiprobe demo API ({mode}) at {}; spec: specs/demo.yaml; Ctrl-C stops it",
        server.base_url()
    );
    interrupted.wait().await;
    server.shutdown().await;
    exit::OK
}
