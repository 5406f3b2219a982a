//! The repeated-delay oracle: a request that should take `delay` longer
//! (a sleep, a slow input) is sent alternately with a control that should
//! not, and the delay counts only when every delayed request is slower than
//! every control by the margin, and the controls stay near the baseline.

use std::time::Duration;

use super::Session;
use super::compare::{base_held, shape};
use crate::http::Exchange;
use crate::http::Request;

/// What the delay must look like to count.
#[derive(Debug, Clone, Copy)]
pub(super) struct Expect {
    /// Each delayed request takes at least this long (a sleep of D cannot end sooner).
    pub(super) at_least: Duration,
    /// Each delayed request is slower than the slowest control by this much.
    pub(super) gap: Duration,
    /// Each delayed request is this many times slower than the slowest control.
    pub(super) ratio: u32,
}

impl Expect {
    /// For an injected sleep of `delay`.
    pub(super) fn sleep(delay: Duration) -> Expect {
        Expect {
            at_least: delay.mul_f64(0.9),
            gap: delay.mul_f64(0.7),
            ratio: 1,
        }
    }
}

/// The timings of a confirmed delay.
#[derive(Debug, Clone)]
pub(super) struct Delay {
    /// The delayed requests' times.
    pub(super) delayed: Vec<Duration>,
    /// The controls' times.
    pub(super) controls: Vec<Duration>,
    /// The first delayed exchange (the finding's request and response).
    pub(super) exchange: Exchange,
}

impl Delay {
    /// `1234, 1250` in milliseconds.
    pub(super) fn list(times: &[Duration]) -> String {
        times
            .iter()
            .map(|t| t.as_millis().to_string())
            .collect::<Vec<_>>()
            .join(", ")
    }
}

fn holds(expect: &Expect, delayed: &[Duration], controls: &[Duration]) -> bool {
    let slowest_control = controls.iter().max().copied().unwrap_or_default();
    delayed.iter().all(|&d| {
        d >= expect.at_least
            && d >= slowest_control + expect.gap
            && d >= slowest_control * expect.ratio
    })
}

/// Sends control, control, delayed; when the delay shows, control,
/// delayed, control again. `None` unless every delayed request is slow by
/// the expected margin and every control is not (at most 6 requests; 3
/// when the first delayed one is fast). Failures other than a timeout end it.
pub(super) async fn confirm(
    s: &mut Session<'_>,
    delayed: &Request,
    control: &Request,
    expect: Expect,
) -> Option<Delay> {
    let mut controls = Vec::new();
    for _ in 0..2 {
        controls.push(timed(s, control).await?.1);
    }
    let (first, d1) = timed(s, delayed).await?;
    if !holds(&expect, &[d1], &controls) {
        return None;
    }
    controls.push(timed(s, control).await?.1);
    let (_, d2) = timed(s, delayed).await?;
    controls.push(timed(s, control).await?.1);
    let delayed = vec![d1, d2];
    if !holds(&expect, &delayed, &controls) {
        return None;
    }
    Some(Delay {
        delayed,
        controls,
        exchange: first,
    })
}

/// [`confirm`] between two reads of the slot's base request `base` (its
/// values `strip` left out of the comparison): a delay counts only when the
/// base answers alike before and after ([`base_held`]), so a target whose
/// data changed meanwhile (a reset, another client) gives no verdict.
pub(super) async fn confirm_on_base(
    s: &mut Session<'_>,
    base: &Request,
    strip: &[&str],
    delayed: &Request,
    control: &Request,
    expect: Expect,
) -> Option<Delay> {
    let before = shape(&s.send(base).await?, strip);
    before.status?;
    let delay = confirm(s, delayed, control, expect).await?;
    base_held(s, base, &before, strip).await.then_some(delay)
}

async fn timed(s: &mut Session<'_>, request: &Request) -> Option<(Exchange, Duration)> {
    let exchange = s.send(request).await?;
    if let Some(f) = exchange.failure()
        && f.kind != crate::http::FailureKind::Timeout
    {
        return None;
    }
    let t = exchange.elapsed;
    Some((exchange, t))
}
