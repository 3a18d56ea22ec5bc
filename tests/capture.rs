//! A subscriber that captures every span and event with its fields, for the telemetry tests
//! (README "Telemetry"): a capturing layer, and a `fmt` layer writing into a buffer.

use std::collections::BTreeMap;
use std::io::Write;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

use tracing::field::{Field, Visit};
use tracing::span::{Attributes, Id, Record};
use tracing::{Event, Level, Subscriber};
use tracing_subscriber::fmt::format::FmtSpan;
use tracing_subscriber::layer::{Context, Layer, SubscriberExt};
use tracing_subscriber::registry::LookupSpan;

/// The guarded value, poisoned or not.
pub fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(PoisonError::into_inner)
}

/// A span or an event as a subscriber saw it, with its fields' final values.
#[derive(Debug, Clone)]
pub struct Seen {
    /// The span's or the event's name.
    pub name: &'static str,
    /// Its target.
    pub target: &'static str,
    /// Its level.
    pub level: Level,
    /// The name of the span it is in (an event) or under (a span).
    pub parent: Option<&'static str>,
    /// Its fields as text (a string as it is, any other value as its `Debug`).
    pub fields: BTreeMap<String, String>,
}

impl Seen {
    /// The value of the field `name`.
    pub fn field(&self, name: &str) -> Option<&str> {
        self.fields.get(name).map(String::as_str)
    }
}

struct Fields<'a>(&'a mut BTreeMap<String, String>);

impl Visit for Fields<'_> {
    fn record_str(&mut self, field: &Field, value: &str) {
        self.0.insert(field.name().to_owned(), value.to_owned());
    }
    fn record_debug(&mut self, field: &Field, value: &dyn std::fmt::Debug) {
        self.0.insert(field.name().to_owned(), format!("{value:?}"));
    }
}

/// Every span (when it closes) and every event.
#[derive(Default)]
struct Captured {
    open: Mutex<BTreeMap<u64, Seen>>,
    spans: Mutex<Vec<Seen>>,
    events: Mutex<Vec<Seen>>,
}

struct Capture(Arc<Captured>);

impl<S: Subscriber + for<'a> LookupSpan<'a>> Layer<S> for Capture {
    fn on_new_span(&self, attrs: &Attributes<'_>, id: &Id, ctx: Context<'_, S>) {
        let meta = attrs.metadata();
        let mut fields = BTreeMap::new();
        attrs.record(&mut Fields(&mut fields));
        let parent = ctx.span(id).and_then(|s| s.parent()).map(|p| p.name());
        let seen = Seen { name: meta.name(), target: meta.target(), level: *meta.level(), parent, fields };
        lock(&self.0.open).insert(id.into_u64(), seen);
    }

    fn on_record(&self, id: &Id, values: &Record<'_>, _: Context<'_, S>) {
        if let Some(seen) = lock(&self.0.open).get_mut(&id.into_u64()) {
            values.record(&mut Fields(&mut seen.fields));
        }
    }

    fn on_event(&self, event: &Event<'_>, ctx: Context<'_, S>) {
        let meta = event.metadata();
        let mut fields = BTreeMap::new();
        event.record(&mut Fields(&mut fields));
        let parent = ctx.event_span(event).map(|s| s.name());
        lock(&self.0.events).push(Seen {
            name: meta.name(),
            target: meta.target(),
            level: *meta.level(),
            parent,
            fields,
        });
    }

    fn on_close(&self, id: Id, _: Context<'_, S>) {
        if let Some(seen) = lock(&self.0.open).remove(&id.into_u64()) {
            lock(&self.0.spans).push(seen);
        }
    }
}

/// The `fmt` layer's output.
#[derive(Clone, Default)]
struct Buffer(Arc<Mutex<Vec<u8>>>);

impl Write for Buffer {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        lock(&self.0).extend_from_slice(bytes);
        Ok(bytes.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// Runs `f` with a subscriber that captures everything, at every level; returns the captured
/// spans and events and the `fmt` layer's text.
pub fn captured(f: impl FnOnce()) -> (Vec<Seen>, Vec<Seen>, String) {
    let capture = Arc::new(Captured::default());
    let buffer = Buffer::default();
    let writer = buffer.clone();
    let subscriber = tracing_subscriber::registry().with(Capture(capture.clone())).with(
        tracing_subscriber::fmt::layer()
            .with_ansi(false)
            .with_span_events(FmtSpan::FULL)
            .with_writer(move || writer.clone()),
    );
    tracing::subscriber::with_default(subscriber, f);
    let spans = lock(&capture.spans).clone();
    let events = lock(&capture.events).clone();
    let text = String::from_utf8(lock(&buffer.0).clone()).expect("fmt writes UTF-8");
    (spans, events, text)
}

/// Every span and event with its name, target and fields, as one text.
pub fn all_text(spans: &[Seen], events: &[Seen], fmt: &str) -> String {
    let mut text = String::from(fmt);
    for seen in spans.iter().chain(events) {
        text.push_str(&format!("{} {} {:?}\n", seen.name, seen.target, seen.fields));
    }
    text
}
