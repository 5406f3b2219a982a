//! `apiprobe demo`: start the bundled vulnerable API in-process and scan it.

use apiprobe::demo::{DemoConfig, serve};
use apiprobe::identity::{Account, IdentityAuth, IdentitySpec};
use apiprobe::spec::Loader;

use super::args::DemoArgs;
use super::exit;
use super::scan::{Exit, scan};
use super::settings::{Target, configure};

/// The demo API's spec, built into the binary.
const DEMO_SPEC: &str = include_str!("../../specs/demo.yaml");

/// Starts the demo API on a free loopback port and scans it; exits 0 when
/// the scan ran, whatever it found (the flaws are planted).
pub async fn run(args: DemoArgs, matches: &clap::ArgMatches) -> u8 {
    let fixed = args.fixed;
    let mut config = match configure(Target::default(), args.scan, matches) {
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
    config.operations.declare(&mut api);
    let server = match serve(DemoConfig { fixed }).await {
        Ok(s) => s,
        Err(e) => {
            eprintln!("error: cannot start the demo API on 127.0.0.1: {e}");
            return exit::USAGE;
        }
    };
    // sign in as the demo's seeded user unless credentials were given, so
    // that the authentication probes have a token to work with
    let auth = &config.auth;
    // the terminal shows the demo's own tokens only: anything the user gave
    // (credentials, headers, secrets) keeps it masked
    let users_own = auth.login.is_some()
        || auth.bearer.is_some()
        || auth.basic.is_some()
        || !auth.api_keys.is_empty()
        || !auth.headers.is_empty()
        || !auth.identities.is_empty()
        || !config.secrets.is_empty();
    if auth.login.is_none()
        && auth.bearer.is_none()
        && auth.basic.is_none()
        && auth.api_keys.is_empty()
    {
        let (user, password) = apiprobe::demo::DEMO_ACCOUNT;
        config.auth.login = Some(account(user, password));
    }
    // and users for the authorization probes: the scan's own, another
    // whose resources it must not reach, a member and an editor (privileged)
    if config.auth.identities.is_empty() {
        config.auth.identities = apiprobe::demo::DEMO_IDENTITIES
            .iter()
            .map(|(name, role, password)| IdentitySpec {
                name: (*name).to_owned(),
                role: Some((*role).to_owned()),
                auth: IdentityAuth::Login(account(name, password)),
                token: None,
                privileged: None,
            })
            .chain(
                apiprobe::demo::DEMO_ROLE_IDENTITIES
                    .iter()
                    .map(|(name, role, password)| IdentitySpec {
                        name: (*name).to_owned(),
                        role: Some((*role).to_owned()),
                        auth: IdentityAuth::Login(account(name, password)),
                        token: None,
                        privileged: None,
                    }),
            )
            .map(|i| i.with_privileged_roles(&[apiprobe::demo::DEMO_PRIVILEGED_ROLE.to_owned()]))
            .collect();
    }
    let mode = if fixed { "repaired" } else { "vulnerable" };
    eprintln!(
        "apiprobe demo: scanning the {mode} demo API at {} (spec: specs/demo.yaml)",
        server.base_url()
    );
    let code = scan(
        api,
        server.base_url(),
        &config,
        Some(DEMO_SPEC),
        if users_own {
            Exit::ShowcaseMasked
        } else {
            Exit::Showcase
        },
        None,
    )
    .await;
    server.shutdown().await;
    code
}

/// `user:password` as an account.
fn account(user: &str, password: &str) -> Account {
    Account {
        user: user.to_owned(),
        password: password.to_owned(),
    }
}
