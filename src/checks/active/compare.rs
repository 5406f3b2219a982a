//! Whether two responses differ materially: the differential oracles
//! (boolean SQL injection, NoSQL operators) compare a true and a false
//! condition, and two benign values, with it. And whether the base answer
//! held while an oracle compared ([`base_held`]): a verdict that compares
//! answers stands only when the target's data did not change under it.

use super::Session;
use crate::http::{Exchange, Request};

/// What a comparison looks at: the status and the body with the values
/// the request carried taken out (an echo of the input is not a difference).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct Shape {
    /// The status, or `None` for a transport failure.
    pub(super) status: Option<u16>,
    /// The body without the stripped values.
    pub(super) body: String,
}

/// The shape of an exchange, with every text of `strip` (and its JSON- and
/// HTML-escaped forms) removed from the body.
pub(super) fn shape(exchange: &Exchange, strip: &[&str]) -> Shape {
    let Some(r) = exchange.response() else {
        return Shape {
            status: None,
            body: String::new(),
        };
    };
    let mut body = r.text().into_owned();
    let mut needles: Vec<String> = Vec::new();
    for s in strip.iter().filter(|s| s.len() >= 2) {
        needles.push((*s).to_owned());
        if let Ok(json) = serde_json::to_string(s) {
            needles.push(json.trim_matches('"').to_owned());
        }
        needles.push(
            s.replace('&', "&amp;")
                .replace('<', "&lt;")
                .replace('>', "&gt;")
                .replace('"', "&quot;")
                .replace('\'', "&#x27;"),
        );
        needles.push(s.replace('\'', "&#39;"));
    }
    needles.sort_by_key(|n| std::cmp::Reverse(n.len()));
    for n in &needles {
        if !n.is_empty() {
            body = body.replace(n.as_str(), "");
        }
    }
    Shape {
        status: Some(r.status),
        body,
    }
}

/// Whether two shapes differ materially: another status, or bodies whose
/// lengths differ by more than 10% (and 16 bytes), or equal-length bodies
/// that share less than 80% of their bytes position by position.
pub(super) fn differs(a: &Shape, b: &Shape) -> bool {
    if a.status != b.status {
        return true;
    }
    let (la, lb) = (a.body.len(), b.body.len());
    let longer = la.max(lb);
    let gap = la.abs_diff(lb);
    if gap > 16 && gap * 10 > longer {
        return true;
    }
    if longer == 0 {
        return false;
    }
    let same = a
        .body
        .bytes()
        .zip(b.body.bytes())
        .filter(|(x, y)| x == y)
        .count();
    // dynamic parts (times, ids) change a few bytes; another answer changes most
    gap == 0 && longer > 32 && same * 10 < longer * 8
}

/// How far apart two shapes are, in bytes: the length difference, plus the
/// bytes that differ position by position; `usize::MAX` for another status.
pub(super) fn distance(a: &Shape, b: &Shape) -> usize {
    if a.status != b.status {
        return usize::MAX;
    }
    let mismatched = a
        .body
        .bytes()
        .zip(b.body.bytes())
        .filter(|(x, y)| x != y)
        .count();
    a.body.len().abs_diff(b.body.len()) + mismatched
}

/// Whether a true and a false condition stand apart from the noise: they
/// differ materially, and by far more than the answers that should agree
/// (two benign values, each condition repeated) differ among themselves.
pub(super) fn stands_out(t: &Shape, f: &Shape, agreeing: &[(&Shape, &Shape)]) -> bool {
    if !differs(t, f) {
        return false;
    }
    let mut noise = 0usize;
    for (a, b) in agreeing {
        if differs(a, b) {
            return false;
        }
        noise = noise.max(distance(a, b));
    }
    let gap = distance(t, f);
    gap == usize::MAX || gap > noise.saturating_mul(4).saturating_add(16)
}

/// Whether the base answer held: `base`, sent again after an oracle's
/// comparisons, answers like `before` (its answer before them: the same
/// status, a body of the same shape and length, by [`differs`]). When it
/// does not (a reset emptied a table, another client changed the data, a
/// counter grew), what the oracle compared says nothing about its input
/// and the verdict is dropped. False also when nothing came back.
pub(super) async fn base_held(
    s: &mut Session<'_>,
    base: &Request,
    before: &Shape,
    strip: &[&str],
) -> bool {
    let Some(after) = s.send(base).await else {
        return false;
    };
    holds(before, &shape(&after, strip))
}

/// Whether a base answered `after` as it answered `before`: a response both
/// times, of the same status and shape.
pub(super) fn holds(before: &Shape, after: &Shape) -> bool {
    before.status.is_some() && after.status.is_some() && !differs(before, after)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sh(status: u16, body: &str) -> Shape {
        Shape {
            status: Some(status),
            body: body.to_owned(),
        }
    }

    #[test]
    fn another_status_or_a_much_longer_body_differs() {
        assert!(differs(&sh(200, "[]"), &sh(404, "[]")));
        assert!(differs(&sh(200, "[]"), &sh(200, &"x".repeat(200))));
        // a timestamp that changes a few bytes does not
        let a = r#"{"items":[1,2,3],"at":"2024-05-01T09:00:00Z"}"#;
        let b = r#"{"items":[1,2,3],"at":"2024-05-01T09:00:07Z"}"#;
        assert!(!differs(&sh(200, a), &sh(200, b)));
    }

    #[test]
    fn a_base_holds_only_with_the_same_answer() {
        let rows = sh(200, &"row,".repeat(50));
        let moved = sh(200, &"row,".repeat(50).replacen("row,row,", "row,rwo,", 1));
        assert!(holds(&rows, &rows));
        // a few bytes that changed (a timestamp) still hold
        assert!(holds(&rows, &moved));
        // a table emptied, another status, no answer: the base changed
        assert!(!holds(&rows, &sh(200, "[]")));
        assert!(!holds(&rows, &sh(500, &"row,".repeat(50))));
        let none = Shape {
            status: None,
            body: String::new(),
        };
        assert!(!holds(&rows, &none));
        assert!(!holds(&none, &none));
    }

    #[test]
    fn a_gap_must_stand_out_from_the_noise() {
        let (t, f) = (sh(200, &"row,".repeat(50)), sh(200, "[]"));
        let quiet = sh(200, "[]");
        assert!(stands_out(&t, &f, &[(&quiet, &quiet), (&t, &t), (&f, &f)]));
        // repeats that wander by nearly as much as the gap prove nothing
        // (80 bytes apart in 1,000: close enough to agree, too far to trust a 200-byte gap)
        let (wander_a, wander_b) = (sh(200, &"row,".repeat(250)), sh(200, &"row,".repeat(270)));
        assert!(!differs(&wander_a, &wander_b));
        assert!(!stands_out(
            &t,
            &f,
            &[(&wander_a, &wander_b), (&t, &t), (&f, &f)]
        ));
        // benign values that disagree prove nothing
        assert!(!stands_out(&t, &f, &[(&quiet, &sh(500, "")), (&t, &t)]));
    }
}
