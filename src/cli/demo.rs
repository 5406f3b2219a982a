//! `apiprobe demo`: start the bundled vulnerable API in-process and scan it.

use apiprobe::demo::{DemoConfig, serve};
use apiprobe::spec::Loader;

use super::args::DemoArgs;
use super::exit;
use super::scan::{Exit, configure, scan};

/// The demo API's spec, built into the binary.
const DEMO_SPEC: &str = include_str!("../../specs/demo.yaml");

/// Starts the demo API on a free loopback port and scans it; exits 0 when
/// the scan ran, whatever it found (the flaws are planted).
pub async fn run(mut args: DemoArgs, matches: &clap::ArgMatches) -> u8 {
    let config = match configure(&mut args.scan, matches) {
        Ok(c) => c,
        Err(e) => {
            eprintln!("error: {e}");
            return exit::USAGE;
        }
    };
    let mut api = match Loader::new().load_str(DEMO_SPEC, "specs/demo.yaml") {
        Ok(api) => api,
        Err(e) => {
            eprintln!("error: the built-in demo spec does not load: {e}");
            return exit::USAGE;
        }
    };
    config.declare_expected_statuses(&mut api);
    let server = match serve(DemoConfig { fixed: args.fixed }).await {
        Ok(s) => s,
        Err(e) => {
            eprintln!("error: cannot start the demo API on 127.0.0.1: {e}");
            return exit::USAGE;
        }
    };
    // sign in as the demo's seeded user unless credentials were given, so
    // that the authentication probes have a token to work with
    let flags = &args.scan;
    if flags.login.is_none()
        && flags.bearer.is_none()
        && flags.basic.is_none()
        && flags.api_keys.is_empty()
    {
        let (user, password) = apiprobe::demo::DEMO_ACCOUNT;
        args.scan.login = Some(format!("{user}:{password}"));
    }
    // and two users for the authorization probes: the scan's own, and
    // another whose resources it must not reach
    if args.scan.identities.is_empty() {
        args.scan.identities = apiprobe::demo::DEMO_IDENTITIES
            .iter()
            .map(|(name, role, password)| format!("{name}:{role}=login:{name}:{password}"))
            .collect();
    }
    let mode = if args.fixed { "repaired" } else { "vulnerable" };
    eprintln!(
        "apiprobe demo: scanning the {mode} demo API at {} (spec: specs/demo.yaml)",
        server.base_url()
    );
    let code = scan(
        api,
        server.base_url(),
        &args.scan,
        &config,
        Some(DEMO_SPEC),
        Exit::Showcase,
    )
    .await;
    server.shutdown().await;
    code
}
