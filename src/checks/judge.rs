//! The judge: runs the selected checks over each exchange.

use super::check::{Check, Context, How, Settings, Verdict};
use super::jwt_crack::Cracker;
use super::leaks::LeakMatcher;
use super::memo::Memo;
use super::validators::Validators;
use crate::generate::Case;
use crate::http::Exchange;
use crate::model::{Api, Operation};
use crate::probes::ProbeKind;

/// Runs a selection of checks over exchanges. Shared by every worker of a
/// scan (compiled response schemas are cached inside).
pub struct Judge {
    checks: Vec<&'static Check>,
    settings: Settings,
    validators: Validators,
    matcher: Option<&'static LeakMatcher>,
    /// Bodies that conformed or held no leak lately (memo.rs).
    memo: Memo,
    /// JWT secrets cracked or resisted so far (weak_jwt_secret).
    cracker: Cracker,
}

impl Judge {
    /// A judge running `checks` with `settings`.
    pub fn new(checks: Vec<&'static Check>, settings: Settings) -> Judge {
        Judge {
            cracker: Cracker::new(settings.jwt.clone()),
            checks,
            settings,
            validators: Validators::default(),
            memo: Memo::default(),
            // the built-in patterns compile (a unit test makes sure); if they
            // did not, leak checks would find nothing rather than fail the scan
            matcher: LeakMatcher::shared().ok(),
        }
    }

    /// The checks it runs.
    pub fn checks(&self) -> &[&'static Check] {
        &self.checks
    }

    /// What the scan's summary should say about JWT secrets that resisted
    /// cracking (one line per token deployment), sorted.
    pub fn jwt_notes(&self) -> Vec<String> {
        self.cracker.notes()
    }

    /// The secret weak_jwt_secret found for `token`'s deployment so far
    /// (none is searched for here).
    pub fn cracked_secret(&self, token: &str) -> Option<String> {
        self.cracker.known(token).map(|c| c.secret)
    }

    /// The secret of `token`: known, else cracked now (within the
    /// cracking budget) when `weak_jwt_secret` is among the checks; for a
    /// token the judged exchanges never carried (a named identity's, when
    /// the scan itself sends none). Blocks while it cracks, off the async
    /// runtime's worker where it can (`block_in_place`).
    pub fn crack_secret(&self, api: &Api, token: &str, seen_in: &str) -> Option<String> {
        if let Some(known) = self.cracked_secret(token) {
            return Some(known);
        }
        if !self.checks.iter().any(|c| c.name == "weak_jwt_secret") {
            return None;
        }
        super::authn::off_the_runtime(|| self.cracker.crack(api, token, seen_in)).map(|c| c.secret)
    }

    /// The limits it judges against.
    pub fn settings(&self) -> &Settings {
        &self.settings
    }

    /// Every check's verdicts on one exchange.
    pub fn judge(
        &self,
        api: &Api,
        operation: &Operation,
        probe: &ProbeKind,
        case: &Case,
        exchange: &Exchange,
    ) -> Vec<(&'static Check, Verdict)> {
        let mut ctx = Context::new(
            api,
            operation,
            probe,
            case,
            exchange,
            &self.settings,
            &self.validators,
            self.matcher,
            &self.memo,
        );
        ctx.cracker = Some(&self.cracker);
        let mut out = Vec::new();
        let mut verdicts = Vec::new();
        for &check in &self.checks {
            let How::Judge(judge) = check.how else {
                continue;
            };
            judge(&ctx, &mut verdicts);
            out.extend(verdicts.drain(..).map(|v| (check, v)));
        }
        out
    }
}
