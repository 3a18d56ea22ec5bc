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
//! logger's level is read from Python once, at its first record, and kept (pyo3-log's cache):
//! a record below it is dropped without taking the GIL. `refresh_log_levels()` forgets the kept
//! levels after the host changes them.

use std::fmt::Write as _;
use std::sync::OnceLock;

use pyo3::prelude::*;
use tracing::field::{Field, Visit};
use tracing::level_filters::LevelFilter;
use tracing::span::{Attributes, Id, Record};
use tracing::subscriber::Interest;
use tracing::{Event, Level, Metadata, Subscriber};

/// The handle that empties pyo3-log's cache of loggers and levels.
static LEVELS: OnceLock<pyo3_log::ResetHandle> = OnceLock::new();

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
        ours(meta)
            && log::logger()
                .enabled(&log::Metadata::builder().level(log_level(meta.level())).target(meta.target()).build())
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
