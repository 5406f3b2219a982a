//! destructive_operation: an operation that resets or wipes the target's
//! state (src/probes/destructive.rs says which), sent once, alone, after
//! every other probe; the finding says what it wiped: the resources the
//! scan knew, read before and after it.

use super::check::{Context, Verdict};
use super::{Confidence, ProofItem};

/// One exchange cannot show a wipe: the engine (src/engine/wipe.rs) makes
/// these findings. Judged over one exchange, nothing.
pub(crate) fn destructive_operation(_ctx: &Context<'_>, _out: &mut Vec<Verdict>) {}

/// A resource the scan knew, read before and after the destructive call.
#[derive(Debug, Clone)]
pub(crate) struct Watched {
    /// Its read, e.g. `GET /items/3`.
    pub(crate) label: String,
    /// The status before (a 2xx: it existed).
    pub(crate) before: u16,
    /// The status after; `None` when nothing came back.
    pub(crate) after: Option<u16>,
}

impl Watched {
    /// Whether it is gone: the read no longer answers 2xx.
    pub(crate) fn vanished(&self) -> bool {
        !self.after.is_some_and(|s| (200..300).contains(&s))
    }
}

/// The verdict on a destructive call: `reason` why it counts, `status` of
/// its answer (`None`: no answer), and the resources read around it.
pub(crate) fn verdict(
    method: &str,
    path: &str,
    reason: &str,
    status: Option<u16>,
    watched: &[Watched],
) -> Verdict {
    let gone: Vec<&Watched> = watched.iter().filter(|w| w.vanished()).collect();
    let answered = status.map_or_else(|| "no answer".to_owned(), |s| format!("answered {s}"));
    let title = if gone.is_empty() {
        format!("Destructive operation {method} {path}: sent once, after every other probe")
    } else {
        format!(
            "Destructive operation {method} {path} wiped state: {} of {} known resources vanished",
            gone.len(),
            watched.len()
        )
    };
    let effect = if watched.is_empty() {
        "no resource the scan knew could be read before it, so its effect is unknown".to_owned()
    } else {
        let list: Vec<String> = watched
            .iter()
            .map(|w| {
                let after = w
                    .after
                    .map_or_else(|| "no answer".to_owned(), |s| s.to_string());
                format!("{} {} -> {after}", w.label, w.before)
            })
            .collect();
        format!(
            "{} of {} resources read before it answered 2xx and no longer do: {}",
            gone.len(),
            watched.len(),
            list.join("; ")
        )
    };
    let evidence = format!(
        "recognised as resetting or wiping state ({reason}); sent once, alone, after every other probe, it {answered}; {effect}. Leave it out with --skip-destructive."
    );
    let vanished: Vec<&str> = gone.iter().map(|w| w.label.as_str()).collect();
    Verdict {
        title,
        evidence,
        // the same finding whatever it wiped this time
        signature: "destructive".to_owned(),
        confidence: if gone.is_empty() {
            Confidence::Likely
        } else {
            Confidence::Confirmed
        },
        proof: vec![
            ProofItem::new("reason", reason),
            ProofItem::new("watched", watched.len().to_string()),
            ProofItem::new("vanished", gone.len().to_string()),
            ProofItem::new("vanished_resources", vanished.join(", ")),
        ],
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn w(label: &str, after: Option<u16>) -> Watched {
        Watched {
            label: label.to_owned(),
            before: 200,
            after,
        }
    }

    #[test]
    fn the_verdict_counts_what_vanished() {
        let v = verdict(
            "GET",
            "/admin/reset-db",
            "path segment \"reset-db\"",
            Some(200),
            &[
                w("GET /items/1", Some(404)),
                w("GET /items/2", Some(200)),
                w("GET /items/3", None),
            ],
        );
        assert!(
            v.title.contains("2 of 3 known resources vanished"),
            "{}",
            v.title
        );
        assert!(
            v.evidence.contains("GET /items/1 200 -> 404"),
            "{}",
            v.evidence
        );
        assert_eq!(v.confidence, Confidence::Confirmed);
        assert_eq!(v.signature, "destructive");
        let quiet = verdict("POST", "/seed", "path segment \"seed\"", Some(204), &[]);
        assert!(quiet.title.contains("sent once"), "{}", quiet.title);
        assert!(
            quiet.evidence.contains("effect is unknown"),
            "{}",
            quiet.evidence
        );
        assert_eq!(quiet.confidence, Confidence::Likely);
    }
}
