//! [`Reach`]: which operations the scan got past the sign-in on. It watches
//! the scan's exchanges (passing every event on to the reports) and counts,
//! per operation, the answers and the 401/403 refusals among them, for the
//! summary's hint that credentials would reach the rest.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use apiprobe::engine::{Event, Observer};
use apiprobe::model::{Api, SecurityScheme};

/// Answers and refusals of one operation.
#[derive(Debug, Clone, Copy, Default)]
struct Count {
    answered: u64,
    refused: u64,
    exchanges: u64,
}

/// An observer that counts each operation's answers, then hands the event on.
pub struct Reach {
    inner: Arc<dyn Observer>,
    counts: Mutex<HashMap<String, Count>>,
}

impl Reach {
    /// Counts the exchanges the scan reports to `inner`.
    pub fn new(inner: Arc<dyn Observer>) -> Reach {
        Reach {
            inner,
            counts: Mutex::new(HashMap::new()),
        }
    }

    /// The operations of `operations` (indices into `api`) that answered
    /// 401 or 403 to every request they got, as `GET /path`.
    pub fn refused(&self, api: &Api, operations: &[usize]) -> Vec<String> {
        self.select(api, operations, |c| {
            c.answered > 0 && c.refused == c.answered
        })
    }

    /// The operations of `operations` that got no request at all.
    pub fn unsent(&self, api: &Api, operations: &[usize]) -> Vec<String> {
        self.select(api, operations, |c| c.exchanges == 0)
    }

    fn select(
        &self,
        api: &Api,
        operations: &[usize],
        keep: impl Fn(&Count) -> bool,
    ) -> Vec<String> {
        let Ok(counts) = self.counts.lock() else {
            return Vec::new();
        };
        operations
            .iter()
            .filter_map(|&i| api.operations.get(i))
            .filter(|op| keep(&counts.get(&op.id).copied().unwrap_or_default()))
            .map(|op| format!("{} {}", op.method.as_str(), op.path))
            .collect()
    }
}

impl Observer for Reach {
    fn on_event(&self, event: &Event<'_>) {
        if let Event::Exchange {
            operation,
            exchange,
            ..
        } = event
            && let Ok(mut counts) = self.counts.lock()
        {
            let c = counts.entry(operation.id.clone()).or_default();
            c.exchanges += 1;
            if let Some(r) = exchange.response() {
                c.answered += 1;
                if matches!(r.status, 401 | 403) {
                    c.refused += 1;
                }
            }
        }
        self.inner.on_event(event);
    }
}

/// The flags that would give a scan of `api` credentials: one per kind of
/// security scheme it declares, and `--login` when it has a login operation.
pub fn auth_flags(api: &Api) -> Vec<String> {
    let mut flags: Vec<String> = Vec::new();
    let mut add = |flag: &str| {
        if !flags.iter().any(|f| f == flag) {
            flags.push(flag.to_owned());
        }
    };
    for scheme in api.security_schemes.values() {
        match scheme {
            SecurityScheme::Http { scheme, .. } if scheme == "basic" => {
                add("--basic USER:PASSWORD")
            }
            SecurityScheme::ApiKey { name, .. } => add(&format!("--api-key {name}:VALUE")),
            SecurityScheme::MutualTls => {}
            _ => add("--bearer TOKEN"),
        }
    }
    if apiprobe::model::login::find_login(api).is_some() {
        add("--login USER:PASSWORD");
    }
    flags
}
