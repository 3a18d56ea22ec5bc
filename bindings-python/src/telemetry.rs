//! The core's telemetry as Python `logging` records. The extension installs, when it is
//! imported, a `tracing` subscriber of its own (its copy of `tracing`, so no Rust host's
//! subscriber is touched) that takes the events of the `appmarket::…` targets and hands each to
//! `pyo3-log` as a `log` record: the logger is the target with dots (`appmarket.command`,
//! `appmarket.tick`, `appmarket.gateway`), the level maps to the same-named Python level (DEBUG
//! 10, INFO 20, WARN 30, ERROR 40), the message is the event's message followed by its fields
//! (`command refused command=pay actor=customer … rule=ORD-2`) and each field is also an
//! attribute of the `LogRecord` (`record.rule == "ORD-2"`), through `extra`.
//!
//! Spans are not records: the subscriber never takes one, so they cost nothing here. Each
//! logger's level is read from Python at its first record and kept, here in an atomic per
//! target (pyo3-log keeps its own too, but its look-up costs thousands of instructions, paid by
//! every command): a record below it is dropped with one load, without the GIL.
//! `refresh_log_levels()` forgets the kept levels after the host changes them.

use std::fmt::Write as _;
use std::sync::OnceLock;
use std::sync::atomic::{AtomicU16, Ordering};

use pyo3::prelude::*;
use tracing::field::{Field, Visit};
use tracing::level_filters::LevelFilter;
use tracing::span::{Attributes, Id, Record};
use tracing::subscriber::Interest;
use tracing::{Event, Level, Metadata, Subscriber};

/// The handle that empties pyo3-log's cache of loggers and levels.
static LEVELS: OnceLock<pyo3_log::ResetHandle> = OnceLock::new();

/// The targets the core emits events on, and their loggers.
const TARGETS: [(&str, &str); 3] = [
    ("appmarket::command", "appmarket.command"),
    ("appmarket::tick", "appmarket.tick"),
    ("appmarket::gateway", "appmarket.gateway"),
];

/// Per target, the lowest Python level its logger takes, + 1; 0 while it has not been read,
/// `u16::MAX` when the logger takes nothing.
static KEPT: [AtomicU16; 3] = [const { AtomicU16::new(0) }; 3];

/// The `LogRecord` attributes a field must not overwrite (`makeRecord` refuses them in `extra`).
const RESERVED: &[&str] = &[
    "args",
    "asctime",
    "created",
    "exc_info",
    "exc_text",
    "filename",
    "funcName",
    "levelname",
    "levelno",
    "lineno",
    "message",
    "module",
    "msecs",
    "msg",
    "name",
    "pathname",
    "process",
    "processName",
    "relativeCreated",
    "stack_info",
    "taskName",
    "thread",
    "threadName",
];

/// Sends the core's events to Python's `logging` from now on. Called once, when the module is
/// imported; a second import (another interpreter) keeps the first bridge.
pub(crate) fn install(py: Python<'_>) -> PyResult<()> {
    let logger = pyo3_log::Logger::new(py, pyo3_log::Caching::LoggersAndLevels)?
        .filter(log::LevelFilter::Off)
        .filter_target("appmarket".to_owned(), log::LevelFilter::Debug);
    if let Ok(handle) = logger.install() {
        let _ = LEVELS.set(handle);
        let _ = tracing::subscriber::set_global_default(Bridge);
    }
    Ok(())
}

/// Forgets the levels of the `appmarket` loggers read so far, so that the next record of each
/// reads its level again: call it after changing the level of an `appmarket` logger (or of
/// the root logger) while the program runs. The levels are kept so that a record below its
/// logger's level costs no call into Python.
#[pyfunction]
pub fn refresh_log_levels() {
    for kept in &KEPT {
        kept.store(0, Ordering::Relaxed);
    }
    if let Some(handle) = LEVELS.get() {
        handle.reset();
    }
}

/// The `tracing` subscriber that hands events to `log`.
struct Bridge;

fn log_level(level: &Level) -> log::Level {
    match *level {
        Level::ERROR => log::Level::Error,
        Level::WARN => log::Level::Warn,
        Level::INFO => log::Level::Info,
        Level::DEBUG => log::Level::Debug,
        Level::TRACE => log::Level::Trace,
    }
}

/// The Python level of a `tracing` level.
fn python_level(level: &Level) -> u16 {
    match *level {
        Level::ERROR => 40,
        Level::WARN => 30,
        Level::INFO => 20,
        Level::DEBUG => 10,
        Level::TRACE => 5,
    }
}

/// The slot of a target in `TARGETS` and `KEPT`.
fn slot(target: &str) -> Option<usize> {
    TARGETS.iter().position(|(t, _)| *t == target)
}

/// Whether a kept level takes a record of `level`; `None` while it has not been read.
fn takes(kept: u16, level: &Level) -> Option<bool> {
    (kept != 0).then(|| python_level(level) + 1 >= kept)
}

/// Reads the lowest level the logger takes (as `isEnabledFor` says: its effective level and
/// `logging.disable`), + 1, or `u16::MAX`; `None` if Python could not tell.
fn read_level(py: Python<'_>, logger: &str) -> Option<u16> {
    let logger = py.import("logging").and_then(|l| l.call_method1("getLogger", (logger,))).ok()?;
    for level in [5u16, 10, 20, 30, 40] {
        if logger.call_method1("isEnabledFor", (level,)).and_then(|b| b.is_truthy()).ok()? {
            return Some(level + 1);
        }
    }
    Some(u16::MAX)
}

fn ours(meta: &Metadata<'_>) -> bool {
    !meta.is_span() && (meta.target() == "appmarket" || meta.target().starts_with("appmarket::"))
}

/// An event's message and fields, as text.
#[derive(Default)]
struct Fields {
    message: String,
    fields: Vec<(&'static str, String)>,
}

impl Visit for Fields {
    fn record_str(&mut self, field: &Field, value: &str) {
        self.put(field, value.to_owned());
    }

    fn record_debug(&mut self, field: &Field, value: &dyn std::fmt::Debug) {
        self.put(field, format!("{value:?}"));
    }
}

impl Fields {
    fn put(&mut self, field: &Field, value: String) {
        if field.name() == "message" {
            self.message = value;
        } else {
            self.fields.push((field.name(), value));
        }
    }
}

impl Subscriber for Bridge {
    fn register_callsite(&self, meta: &'static Metadata<'static>) -> Interest {
        if ours(meta) { Interest::sometimes() } else { Interest::never() }
    }

    fn enabled(&self, meta: &Metadata<'_>) -> bool {
        if !ours(meta) {
            return false;
        }
        match slot(meta.target()) {
            // Not read yet: `event` reads it.
            Some(i) => takes(KEPT[i].load(Ordering::Relaxed), meta.level()).unwrap_or(true),
            None => log::logger()
                .enabled(&log::Metadata::builder().level(log_level(meta.level())).target(meta.target()).build()),
        }
    }

    fn max_level_hint(&self) -> Option<LevelFilter> {
        Some(LevelFilter::DEBUG)
    }

    fn new_span(&self, _: &Attributes<'_>) -> Id {
        // Never called: no span is taken (`register_callsite`).
        Id::from_u64(1)
    }

    fn record(&self, _: &Id, _: &Record<'_>) {}

    fn record_follows_from(&self, _: &Id, _: &Id) {}

    fn event(&self, event: &Event<'_>) {
        let meta = event.metadata();
        if let Some(i) = slot(meta.target()) {
            let kept = match KEPT[i].load(Ordering::Relaxed) {
                0 => match Python::attach(|py| read_level(py, TARGETS[i].1)) {
                    Some(level) => {
                        KEPT[i].store(level, Ordering::Relaxed);
                        level
                    }
                    None => 0,
                },
                kept => kept,
            };
            if takes(kept, meta.level()) == Some(false) {
                return;
            }
        }
        let mut seen = Fields::default();
        event.record(&mut seen);
        let mut message = seen.message;
        for (name, value) in &seen.fields {
            let _ = write!(message, " {name}={value}");
        }
        let extra: Vec<(&str, &str)> = seen
            .fields
            .iter()
            .filter(|(name, _)| !RESERVED.contains(name))
            .map(|(name, value)| (*name, value.as_str()))
            .collect();
        log::logger().log(
            &log::Record::builder()
                .level(log_level(meta.level()))
                .target(meta.target())
                .module_path(meta.module_path())
                .file(meta.file())
                .line(meta.line())
                .key_values(&extra)
                .args(format_args!("{message}"))
                .build(),
        );
    }

    fn enter(&self, _: &Id) {}

    fn exit(&self, _: &Id) {}
}
