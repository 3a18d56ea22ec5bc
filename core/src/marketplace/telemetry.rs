//! What the facade tells a host's `tracing` subscriber: a `command` span around every change
//! (each run of [`Marketplace::execute`](super::Marketplace)), with one event when it ends, and
//! a `tick` span with one event carrying its counts. The core installs no subscriber: without
//! one, each span and event is one check of a cached callsite interest, and nothing is
//! formatted, timed or cloned.
//!
//! What is recorded is only what is safe to write to a log: command names, actor roles (never
//! who), target ids, rule ids, error kinds, counts and durations. A free text from outside (a
//! description, a reason, a gateway's answer), an amount, a password and an error's message are
//! never recorded, except the message of a storage fault, which the stores write without
//! passwords. The names, fields and levels are listed in the README ("Telemetry").

use std::fmt::Display;
use std::time::Instant;

use tracing::field::Empty;
use tracing::span::EnteredSpan;

use super::TickReport;
use crate::actor::{Actor, Target};
use crate::error::Error;

/// Which command runs, for its span: its name and, when its declaration names one, its target.
#[derive(Clone, Copy)]
pub(crate) struct Traced<'a> {
    name: &'static str,
    target: Option<&'a dyn Display>,
}

/// The command `name` (as declared), on no declared target: the span's target is then what the
/// command creates, if it creates something.
pub(crate) fn traced(name: &'static str) -> Traced<'static> {
    Traced { name, target: None }
}

impl Traced<'_> {
    /// The same command, acting on `target`.
    pub(crate) fn on(self, target: &dyn Display) -> Traced<'_> {
        Traced { name: self.name, target: Some(target) }
    }
}

/// The role of an actor: who it is stays out of the telemetry.
fn role(actor: &Actor) -> &'static str {
    match actor {
        Actor::Customer(_) => "customer",
        Actor::Seller(_) => "seller",
        Actor::Operator(_) => "operator",
        Actor::System => "system",
    }
}

/// How a command or a tick ended: `ok`, `refused` (the caller's input, rights or the rules, a
/// declined payment, a conflict), or `error` (the store or the gateway failed).
fn outcome(error: &Error) -> &'static str {
    match error {
        Error::Storage { .. } | Error::Gateway { .. } => "error",
        _ => "refused",
    }
}

/// The message of a storage fault, the one error whose text is recorded.
fn storage_reason(error: &Error) -> Option<&str> {
    match error {
        Error::Storage { reason } => Some(reason),
        _ => None,
    }
}

/// Microseconds since `started`.
fn micros(started: Instant) -> f64 {
    started.elapsed().as_nanos() as f64 / 1000.0
}

/// The span of one command while it runs, entered: the store's and the gateway's spans are its
/// children.
pub(crate) struct CommandTrace {
    span: EnteredSpan,
    /// Set only when a subscriber takes the span.
    on: Option<On>,
}

struct On {
    name: &'static str,
    actor: &'static str,
    target: Option<String>,
    started: Instant,
    conflicts: u32,
}

impl CommandTrace {
    /// Opens and enters the command's span.
    pub(crate) fn start(command: Traced<'_>, actor: &Actor) -> CommandTrace {
        let span = tracing::info_span!(
            target: "appmarket::command",
            "command",
            command = command.name,
            actor = role(actor),
            target = Empty,
            outcome = Empty,
            rule = Empty,
            error = Empty,
            conflicts = Empty,
            duration_us = Empty,
        );
        // Its events may be taken without the span (a subscriber that writes only events).
        if span.is_disabled() && !tracing::enabled!(target: "appmarket::command", tracing::Level::ERROR) {
            return CommandTrace { span: span.entered(), on: None };
        }
        let target = command.target.map(ToString::to_string);
        if let Some(t) = &target {
            span.record("target", t.as_str());
        }
        let on = On { name: command.name, actor: role(actor), target, started: Instant::now(), conflicts: 0 };
        CommandTrace { span: span.entered(), on: Some(on) }
    }

    /// Whether a subscriber takes the span.
    pub(crate) fn is_on(&self) -> bool {
        self.on.is_some()
    }

    /// A commit lost a race: the command is decided again.
    pub(crate) fn conflict(&mut self) {
        if let Some(on) = &mut self.on {
            on.conflicts += 1;
        }
    }

    /// What the command created, as its target when its declaration names none.
    pub(crate) fn created(&mut self, target: Option<&Target>) {
        if let (Some(on), Some(target)) = (&mut self.on, target)
            && on.target.is_none()
        {
            let target = target.kind_and_id().1.to_owned();
            self.span.record("target", target.as_str());
            on.target = Some(target);
        }
    }

    /// Records how the command ended on its span and emits its event: `command done` (DEBUG),
    /// `command refused` (INFO) or `command failed` (ERROR).
    pub(crate) fn finish<T>(self, result: &Result<T, Error>) {
        let Some(on) = self.on else { return };
        let duration_us = micros(on.started);
        let span = &self.span;
        span.record("conflicts", on.conflicts);
        span.record("duration_us", duration_us);
        let (command, actor, target, conflicts) = (on.name, on.actor, on.target.as_deref(), on.conflicts);
        match result {
            Ok(_) => {
                span.record("outcome", "ok");
                tracing::debug!(
                    target: "appmarket::command",
                    command, actor, target, outcome = "ok", conflicts, duration_us,
                    "command done"
                );
            }
            Err(e) => {
                let (outcome, rule, kind) = (outcome(e), e.rule(), e.kind());
                span.record("outcome", outcome);
                span.record("error", kind);
                if let Some(rule) = rule {
                    span.record("rule", rule);
                }
                if outcome == "refused" {
                    tracing::info!(
                        target: "appmarket::command",
                        command, actor, target, outcome, rule, error = kind, conflicts, duration_us,
                        "command refused"
                    );
                } else {
                    tracing::error!(
                        target: "appmarket::command",
                        command, actor, target, outcome, error = kind, reason = storage_reason(e), conflicts,
                        duration_us,
                        "command failed"
                    );
                }
            }
        }
    }
}

/// The span of one `tick` while it runs, entered.
pub(crate) struct TickTrace {
    span: EnteredSpan,
    started: Option<Instant>,
}

impl TickTrace {
    /// Opens and enters the tick's span.
    pub(crate) fn start() -> TickTrace {
        let span = tracing::info_span!(
            target: "appmarket::tick",
            "tick",
            examined = Empty,
            changed = Empty,
            failed = Empty,
            outcome = Empty,
            error = Empty,
            duration_us = Empty,
        );
        let on = !span.is_disabled() || tracing::enabled!(target: "appmarket::tick", tracing::Level::ERROR);
        let started = on.then(Instant::now);
        TickTrace { span: span.entered(), started }
    }

    /// Records how the tick ended and emits its event: `tick` with its counts (INFO when it
    /// examined something, DEBUG when nothing was due), or `tick failed` (ERROR for a storage or
    /// gateway fault, INFO for a refusal).
    pub(crate) fn finish(self, result: &Result<TickReport, Error>) {
        let Some(started) = self.started else { return };
        let duration_us = micros(started);
        let span = &self.span;
        span.record("duration_us", duration_us);
        match result {
            Ok(report) => {
                let TickReport { examined, changed, failed } = *report;
                span.record("examined", examined);
                span.record("changed", changed);
                span.record("failed", failed);
                span.record("outcome", "ok");
                if examined > 0 {
                    tracing::info!(
                        target: "appmarket::tick",
                        examined, changed, failed, outcome = "ok", duration_us,
                        "tick"
                    );
                } else {
                    tracing::debug!(
                        target: "appmarket::tick",
                        examined, changed, failed, outcome = "ok", duration_us,
                        "tick"
                    );
                }
            }
            Err(e) => {
                let (outcome, kind) = (outcome(e), e.kind());
                span.record("outcome", outcome);
                span.record("error", kind);
                if outcome == "refused" {
                    tracing::info!(
                        target: "appmarket::tick",
                        outcome, error = kind, duration_us,
                        "tick refused"
                    );
                } else {
                    tracing::error!(
                        target: "appmarket::tick",
                        outcome, error = kind, reason = storage_reason(e), duration_us,
                        "tick failed"
                    );
                }
            }
        }
    }
}
