use std::sync::Arc;
use std::time::Duration;

use crate::checks::{Judge, Settings, select};
use crate::demo::{DemoConfig, serve};
use crate::engine::{Client, ClientOptions, Scan, ScanOptions, Silent, Stop};
use crate::generate::Payloads;
use crate::probes::PlanOptions;
use crate::spec::Loader;

#[test]
#[ignore]
fn zz_debug_fixed_demo() {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap();
    runtime.block_on(async {
        let server = serve(DemoConfig { fixed: true }).await.unwrap();
        let api = Loader::new()
            .load_path(concat!(env!("CARGO_MANIFEST_DIR"), "/specs/demo.yaml"))
            .unwrap();
        let operations = (0..api.operations.len()).collect();
        let client = Client::new(ClientOptions {
            timeout: Duration::from_secs(5),
            env_proxy: false,
            ..ClientOptions::default()
        })
        .unwrap();
        let scan = Scan {
            api: Arc::new(api),
            operations,
            payloads: Arc::new(Payloads::builtin()),
            client,
            judge: Arc::new(Judge::new(select(&[], &[]).unwrap(), Settings::default())),
            options: ScanOptions {
                base_url: server.base_url(),
                seed: 7,
                plan: PlanOptions::default(),
                ..ScanOptions::default()
            },
        };
        let result = scan.run(Arc::new(Silent), Stop::new()).await;
        for f in &result.findings {
            eprintln!(
                "{} {} probe={} shrunk={}\n  req={:?}\n  resp={:?}",
                f.check, f.operation.id, f.probe, f.shrunk, f.request, f.response
            );
        }
        server.shutdown().await;
    });
}
