//! The slow-input half of `resource_consumption`: strings shaped to make a
//! backtracking matcher (a regular expression like `^(\w+)+$`, an e-mail
//! or URL validator) try every way to split a run of letters, grown a few
//! characters at a time on one slot, one request at a time, until the
//! response time shows growth far beyond linear, and long before a request
//! takes seconds: the next length is sent only when the growth measured so
//! far (at least doubling per character) predicts it stays under half a
//! second, and never past a run of 28. A slow attack (at least 100 ms, 8
//! times the shortest) counts only against a control of the same length
//! that is 4 times faster (a server slow on any long input is not this
//! flaw), and only when a repeat confirms it (timing noise on a fast server
//! never reaches it).

use std::time::Duration;

use serde_json::Value;

use super::timing::{self, Delay, Expect};
use super::{Session, ValueSlot};
use crate::checks::{Confidence, ProofItem, Verdict};
use crate::http::{Exchange, FailureKind};
use crate::model::Api;

/// The first run length tried.
const FIRST_RUN: usize = 8;
/// The longest run ever sent (2^28 steps of a doubling matcher: minutes; the
/// budget below stops far sooner on a server that grows).
const LAST_RUN: usize = 28;
/// Characters added per step while the answer stays fast.
const STEP: usize = 4;
/// The least time an attack must take to count.
const SLOW: Duration = Duration::from_millis(100);
/// How many times slower than the shortest attack a slow attack must be:
/// linear growth over runs of 8..28 gives 3.5 at most.
const RATIO: u32 = 8;
/// How many times slower than a control of the same length (which a server
/// slow on any long input answers as slowly) a slow attack must be.
const CONTROL_RATIO: u32 = 4;
/// Confirmations tried at the slow length (a loaded machine may slow one
/// control): each repeats the attack twice between controls.
const CONFIRMATIONS: usize = 2;
/// How much slower than the slowest control each slow attack must be.
const GAP: Duration = Duration::from_millis(80);
/// Growth smaller than this above the shortest attack is noise.
const NOISE: Duration = Duration::from_millis(5);
/// The longest the next request is predicted to take, at most.
const BUDGET: Duration = Duration::from_millis(500);
/// A request this slow ends the growth, whatever it shows.
const CEILING: Duration = Duration::from_secs(1);
/// The growth per character assumed at least (a nested quantifier doubles).
const ASSUMED_GROWTH: f64 = 2.0;

/// A family of inputs: `prefix`, a run of `a`, a `!` that makes the match fail.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct Shape {
    name: &'static str,
    prefix: &'static str,
}

/// `aaaa…!`: any pattern with a nested or overlapping quantifier on letters.
const RUN: Shape = Shape {
    name: "word run",
    prefix: "",
};
/// `a@aaaa…!`: an e-mail validator whose domain part backtracks.
const EMAIL: Shape = Shape {
    name: "e-mail domain run",
    prefix: "a@",
};
/// `http://a.io/aaaa…!`: a URL validator whose path part backtracks.
const URL: Shape = Shape {
    name: "URL path run",
    prefix: "http://a.io/",
};

impl Shape {
    fn attack(self, run: usize) -> String {
        format!("{}{}!", self.prefix, "a".repeat(run))
    }
}

/// The control of an attack: as long, but no run a matcher could split.
fn control(length: usize) -> String {
    "!".repeat(length)
}

/// Formats under which a string is matched by a validator that may backtrack.
const EMAIL_FORMATS: [&str; 2] = ["email", "idn-email"];
const URL_FORMATS: [&str; 7] = [
    "uri",
    "url",
    "uri-reference",
    "iri",
    "iri-reference",
    "hostname",
    "idn-hostname",
];
/// Names of fields that servers often check with a regular expression.
const TEXT_NAMES: [&str; 14] = [
    "name", "search", "query", "q", "filter", "host", "domain", "path", "regex", "pattern",
    "title", "user", "username", "phone",
];

/// How likely a slot is to meet a backtracking matcher (lower first) and
/// the shapes worth trying on it.
pub(super) fn rank(api: &Api, slot: &ValueSlot) -> (u8, &'static [Shape]) {
    let schema = slot.schema.map(|id| api.schemas.get(id));
    let format = schema
        .and_then(|s| s.format.as_deref())
        .unwrap_or("")
        .to_ascii_lowercase();
    let name = slot.name().to_ascii_lowercase();
    if EMAIL_FORMATS.contains(&format.as_str()) || name.contains("mail") {
        return (0, &[RUN, EMAIL]);
    }
    let url_name = ["url", "uri", "link", "href", "website", "homepage"]
        .iter()
        .any(|w| name.contains(w));
    if URL_FORMATS.contains(&format.as_str()) || url_name {
        return (0, &[RUN, URL]);
    }
    let patterned = schema.is_some_and(|s| s.pattern.is_some());
    if patterned || TEXT_NAMES.iter().any(|w| name == *w || name.ends_with(w)) {
        return (1, &[RUN]);
    }
    (2, &[RUN])
}

/// One point of the curve: an input length and how long its answer took.
#[derive(Debug, Clone, Copy)]
struct Point {
    length: usize,
    time: Duration,
}

fn millis(t: Duration) -> String {
    let ms = t.as_secs_f64() * 1000.0;
    if ms < 10.0 {
        format!("{ms:.1} ms")
    } else {
        format!("{ms:.0} ms")
    }
}

/// `9 → 0.3 ms, 13 → 1.2 ms, 17 → 16 ms`.
fn curve_text(curve: &[Point]) -> String {
    curve
        .iter()
        .map(|p| format!("{} → {}", p.length, millis(p.time)))
        .collect::<Vec<_>>()
        .join(", ")
}

/// The growth per character from `a` to `b` (times floored at 1 ms).
fn growth(a: Point, b: Point) -> f64 {
    let floor = |t: Duration| t.as_secs_f64().max(0.001);
    let chars = b.length.saturating_sub(a.length).max(1) as f64;
    (floor(b.time) / floor(a.time)).powf(1.0 / chars)
}

/// How many characters (1..=STEP) the next attack may add so that, growing
/// by `factor` per character, it stays under [`BUDGET`]; 0 when none.
fn next_step(time: Duration, factor: f64) -> usize {
    let factor = factor.max(ASSUMED_GROWTH);
    (1..=STEP)
        .rev()
        .find(|&step| time.as_secs_f64() * factor.powi(step as i32) <= BUDGET.as_secs_f64())
        .unwrap_or(0)
}

/// Sends `request`; its exchange and time. `None` when nothing was sent or
/// it failed other than by a timeout.
async fn timed(
    s: &mut Session<'_>,
    request: &crate::http::Request,
) -> Option<(Exchange, Duration)> {
    let exchange = s.send(request).await?;
    if exchange
        .failure()
        .is_some_and(|f| f.kind != FailureKind::Timeout)
    {
        return None;
    }
    let time = exchange.elapsed;
    Some((exchange, time))
}

/// What growing one shape on one slot showed: the curve, and the run at
/// which an attack was slow against its control (to confirm).
struct Growth {
    curve: Vec<Point>,
    controls: Vec<Point>,
    slow_run: Option<usize>,
}

/// Grows `shape` on `slot` one request at a time (see the module's rule).
async fn grow(s: &mut Session<'_>, slot: &ValueSlot, shape: Shape) -> Option<Growth> {
    let mut out = Growth {
        curve: Vec::new(),
        controls: Vec::new(),
        slow_run: None,
    };
    let mut run = FIRST_RUN;
    loop {
        if s.stopping() {
            return None;
        }
        let text = shape.attack(run);
        let length = text.chars().count();
        let request = s.request_with(slot, Value::String(text))?;
        let (exchange, time) = timed(s, &request).await?;
        let point = Point { length, time };
        out.curve.push(point);
        if exchange.failure().is_some() {
            // timed out: the target is struggling; grow no further
            return Some(out);
        }
        // the fastest attack so far: a slow first answer (noise) only raises it
        let shortest = out.curve.iter().map(|p| p.time).min().unwrap_or(time);
        if time >= shortest * 4 && time >= shortest + NOISE {
            let request = s.request_with(slot, Value::String(control(length)))?;
            let (_, c) = timed(s, &request).await?;
            out.controls.push(Point { length, time: c });
            if time >= SLOW
                && time >= c * CONTROL_RATIO
                && time >= c + GAP
                && time >= shortest * RATIO
            {
                out.slow_run = Some(run);
                return Some(out);
            }
        }
        if time >= CEILING || run >= LAST_RUN {
            return Some(out);
        }
        let factor = match out.curve.len() {
            0 | 1 => ASSUMED_GROWTH,
            n => growth(out.curve[n - 2], point),
        };
        let step = next_step(time, factor);
        if step == 0 {
            return Some(out);
        }
        run = (run + step).min(LAST_RUN);
    }
}

/// Tries each shape of `slot` (from [`rank`]) and reports the first whose
/// response time grows super-linearly with its length, confirmed. True when
/// it reported.
pub(super) async fn probe(s: &mut Session<'_>, slot: &ValueSlot, shapes: &[Shape]) -> bool {
    for &shape in shapes {
        if s.stopping() {
            return false;
        }
        let Some(growth) = grow(s, slot, shape).await else {
            return false;
        };
        let Some(run) = growth.slow_run else {
            continue;
        };
        let long = shape.attack(run);
        let length = long.chars().count();
        let short = control(length);
        let (Some(slow), Some(fast)) = (
            s.request_with(slot, Value::String(long.clone())),
            s.request_with(slot, Value::String(short.clone())),
        ) else {
            return false;
        };
        let expect = Expect {
            at_least: SLOW,
            gap: GAP,
            ratio: CONTROL_RATIO,
        };
        for _ in 0..CONFIRMATIONS {
            if s.stopping() {
                return false;
            }
            if let Some(Delay {
                delayed,
                controls,
                exchange,
            }) = timing::confirm(s, &slow, &fast, expect).await
            {
                report(
                    s,
                    slot,
                    shape,
                    &growth,
                    &long,
                    &short,
                    (&delayed, &controls),
                    &exchange,
                );
                return true;
            }
        }
    }
    false
}

/// Whether the curve's last step grew by a constant factor per character
/// (exponential) rather than a power of the length.
fn exponential(curve: &[Point]) -> bool {
    match curve {
        [.., a, b] => growth(*a, *b) >= 1.4,
        _ => false,
    }
}

#[allow(clippy::too_many_arguments)]
fn report(
    s: &mut Session<'_>,
    slot: &ValueSlot,
    shape: Shape,
    growth: &Growth,
    long: &str,
    short: &str,
    (delayed, controls): (&[Duration], &[Duration]),
    exchange: &Exchange,
) {
    let how = if exponential(&growth.curve) {
        "exponentially"
    } else {
        "super-linearly"
    };
    let curve = curve_text(&growth.curve);
    let control_curve = curve_text(&growth.controls);
    let verdict = Verdict {
        title: format!(
            "Input length makes response time grow {how} in {} (ReDoS)",
            slot.label()
        ),
        evidence: format!(
            "input length → response time ({} \"{}aaaa…!\"): {curve}; controls of the same length (\"!!!…\"): {control_curve}; \
             repeated at {} characters: {} ms against {} ms (catastrophic backtracking in a validator?)",
            shape.name,
            shape.prefix,
            long.chars().count(),
            Delay::list(delayed),
            Delay::list(controls)
        ),
        signature: format!("slow-input {} {}", slot.slot.location, slot.name()),
        confidence: Confidence::Confirmed,
        proof: vec![
            ProofItem::new("slot", slot.label()),
            ProofItem::new("shape", shape.name),
            ProofItem::new("curve", curve),
            ProofItem::new("control_curve", control_curve),
            ProofItem::new("payload", long),
            ProofItem::new("control", short),
            ProofItem::new("delayed_ms", Delay::list(delayed)),
            ProofItem::new("control_ms", Delay::list(controls)),
        ],
    };
    s.report(verdict, exchange);
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ms(n: u64) -> Duration {
        Duration::from_millis(n)
    }

    #[test]
    fn the_next_step_keeps_the_predicted_time_under_the_budget() {
        // fast answers: a full step
        assert_eq!(next_step(ms(1), 1.0), STEP);
        // 65 ms doubling per character: 2 more characters (260 ms), not 3 (520 ms)
        assert_eq!(next_step(ms(65), 2.0), 2);
        // 300 ms: even one more doubling is past the budget
        assert_eq!(next_step(ms(300), 1.1), 0);
        // a faster measured growth is believed
        assert_eq!(next_step(ms(20), 4.0), 2);
    }

    #[test]
    fn growth_is_per_character() {
        let a = Point {
            length: 12,
            time: ms(4),
        };
        let b = Point {
            length: 16,
            time: ms(64),
        };
        assert!((growth(a, b) - 2.0).abs() < 1e-9);
        assert!(exponential(&[a, b]));
        // cubic growth from 16 to 20 characters is not exponential
        let c = Point {
            length: 20,
            time: ms(125),
        };
        let d = Point {
            length: 16,
            time: ms(64),
        };
        assert!(!exponential(&[d, c]));
    }

    #[test]
    fn shapes_fail_at_their_end() {
        assert_eq!(RUN.attack(4), "aaaa!");
        assert_eq!(EMAIL.attack(3), "a@aaa!");
        assert_eq!(URL.attack(2), "http://a.io/aa!");
        assert_eq!(control(5), "!!!!!");
    }
}
