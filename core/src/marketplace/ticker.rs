//! The ticker: a thread that runs `tick` when something is due, for hosts that would otherwise
//! write that loop themselves.

use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use chrono::{DateTime, Utc};

use super::{Marketplace, TickReport};
use crate::actor::Actor;
use crate::error::Error;
use crate::time::Bell;

/// How a [`Ticker`] sleeps and retries. These are operational numbers (how often a host looks),
/// not rules, so they are options rather than [`Policy`](crate::Policy) fields.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TickerOptions {
    /// The longest sleep between two ticks, whatever the store says is next due (default 60 s):
    /// it bounds how late the ticker notices work that another host's commit made due earlier,
    /// work whose claim by another host ran out, and items whose scheduled work failed (they
    /// stay due at an instant already passed).
    pub max_sleep: Duration,
    /// The first wait after a failed tick (default 1 s); each further failure in a row doubles
    /// it, up to `max_backoff`.
    pub first_backoff: Duration,
    /// The longest wait after failed ticks (default 60 s).
    pub max_backoff: Duration,
}

impl Default for TickerOptions {
    fn default() -> TickerOptions {
        TickerOptions {
            max_sleep: Duration::from_secs(60),
            first_backoff: Duration::from_secs(1),
            max_backoff: Duration::from_secs(60),
        }
    }
}

/// What the ticker's thread and its handle share.
#[derive(Debug, Default)]
struct Shared {
    stopping: AtomicBool,
    bell: Bell,
    callback_panics: AtomicU64,
}

/// A thread that runs [`Marketplace::tick`] as the system whenever something is due, and hands
/// each [`TickReport`] (or error) to a callback.
///
/// It sleeps until the store's next due instant ([`Store::next_due`](crate::Store::next_due))
/// by the marketplace's clock, at most [`TickerOptions::max_sleep`]. A commit through the same
/// marketplace that sets a due instant wakes it to look again, and so does a
/// [`ManualClock`](crate::ManualClock) being moved. A tick that fails (a storage fault) is
/// reported to the callback as an error and tried again after a backoff that doubles up to
/// [`TickerOptions::max_backoff`]; the thread never ends on an error, and a panic in the
/// callback is caught (written once to standard error, counted in
/// [`callback_panics`](Ticker::callback_panics)). [`stop`](Ticker::stop), or dropping the
/// ticker, ends the thread within a second (a tick under way is finished first).
///
/// Several tickers, in one process or on several hosts sharing a store, process each due item
/// once: `tick` claims what it takes.
///
/// ```
/// use std::sync::{Arc, mpsc};
/// use appmarket::*;
/// use chrono::Duration;
///
/// let clock = ManualClock::at("2026-04-15T02:00:00Z")?;
/// let market = Arc::new(Marketplace::builder().clock(clock.clone()).build()?);
/// let product = market.list_product(&Actor::seller("isv-1")?, appmarket::testing::fixtures::saas_draft())?;
/// market.register_customer(CustomerAccount::with_card(CustomerId::parse("alice")?))?;
/// let alice = Actor::customer("alice")?;
/// let request = PurchaseRequest {
///     product: product.id,
///     specification: "Standard".into(),
///     mode: BillingMode::Monthly,
///     quantity: 10,
///     periods: 1,
/// };
/// let order = market.place_order(&alice, request)?;
///
/// let (tx, reports) = mpsc::channel();
/// let mut ticker = Ticker::start(market.clone(), TickerOptions::default(), move |report| {
///     let _ = tx.send(report);
/// })?;
/// // ORD-3: an order unpaid for 7 days is cancelled; moving the clock wakes the ticker.
/// clock.advance(Duration::days(7))?;
/// let timeout = std::time::Duration::from_secs(10);
/// while reports.recv_timeout(timeout).expect("a report")?.changed == 0 {}
/// assert_eq!(market.order(&alice, &order.id)?.status, OrderStatus::Cancelled);
/// ticker.stop();
/// # Ok::<(), appmarket::Error>(())
/// ```
#[derive(Debug)]
pub struct Ticker {
    shared: Arc<Shared>,
    thread: Option<JoinHandle<()>>,
}

impl Ticker {
    /// Starts a ticker on its own thread; its first tick runs at once.
    pub fn start(
        market: Arc<Marketplace>,
        options: TickerOptions,
        on_report: impl FnMut(Result<TickReport, Error>) + Send + 'static,
    ) -> Result<Ticker, Error> {
        let shared = Arc::new(Shared::default());
        market.clock.watch(&shared.bell);
        market.due_bells.add(&shared.bell);
        let run = Run { market, options, shared: shared.clone(), on_report: Box::new(on_report) };
        let thread = std::thread::Builder::new()
            .name("appmarket-ticker".into())
            .spawn(move || run.run())
            .map_err(|e| Error::invalid("ticker", format!("cannot start the ticker's thread: {e}")))?;
        Ok(Ticker { shared, thread: Some(thread) })
    }

    /// Stops the thread and waits for it: within a second, unless a tick is under way (it is
    /// finished first). Stopping a stopped ticker does nothing.
    pub fn stop(&mut self) {
        self.shared.stopping.store(true, Ordering::SeqCst);
        self.shared.bell.ring();
        if let Some(thread) = self.thread.take() {
            // The thread catches every panic; a join error cannot carry anything to report.
            let _ = thread.join();
        }
    }

    /// Wakes the ticker to look at the store's next due instant again, e.g. when a host learns
    /// of another host's commit.
    pub fn wake(&self) {
        self.shared.bell.ring();
    }

    /// The ticker's bell: ringing it (from any thread) wakes the ticker, as
    /// [`wake`](Ticker::wake) does. Give it to what hears of other hosts' commits, e.g.
    /// `PostgresStore::ring_on_commits`.
    pub fn bell(&self) -> Bell {
        self.shared.bell.clone()
    }

    /// Whether the thread is running (not stopped).
    pub fn is_running(&self) -> bool {
        self.thread.as_ref().is_some_and(|t| !t.is_finished())
    }

    /// How many times the callback panicked (each was caught; the ticker went on).
    pub fn callback_panics(&self) -> u64 {
        self.shared.callback_panics.load(Ordering::SeqCst)
    }
}

impl Drop for Ticker {
    fn drop(&mut self) {
        self.stop();
    }
}

/// The ticker's thread.
struct Run {
    market: Arc<Marketplace>,
    options: TickerOptions,
    shared: Arc<Shared>,
    on_report: Box<dyn FnMut(Result<TickReport, Error>) + Send>,
}

impl Run {
    fn stopping(&self) -> bool {
        self.shared.stopping.load(Ordering::SeqCst)
    }

    fn run(mut self) {
        let mut backoff: Option<Duration> = None;
        while !self.stopping() {
            let ticked_at = self.market.now();
            let outcome = catch_unwind(AssertUnwindSafe(|| self.market.tick(&Actor::System)))
                .unwrap_or_else(|_| Err(Error::invalid("tick", "tick panicked")));
            let failed = outcome.is_err();
            self.report(outcome);
            if failed {
                backoff = Some(self.back_off(backoff));
                continue;
            }
            backoff = None;
            if let Err(e) = self.sleep_until_due(ticked_at) {
                self.report(Err(e));
                backoff = Some(self.back_off(backoff));
            }
        }
    }

    /// Hands an outcome to the callback; a panic in it is caught, and written out the first
    /// time.
    fn report(&mut self, outcome: Result<TickReport, Error>) {
        let on_report = &mut self.on_report;
        if catch_unwind(AssertUnwindSafe(|| on_report(outcome))).is_err()
            && self.shared.callback_panics.fetch_add(1, Ordering::SeqCst) == 0
        {
            eprintln!("appmarket ticker: the report callback panicked; the ticker goes on (reported once)");
        }
    }

    /// Waits after a failure, the previous wait doubled (capped); returns the wait.
    fn back_off(&self, previous: Option<Duration>) -> Duration {
        let wait = previous.map_or(self.options.first_backoff, |p| p.saturating_mul(2)).min(self.options.max_backoff);
        let deadline = Instant::now() + wait;
        while !self.stopping() {
            let seen = self.shared.bell.rung();
            let left = deadline.saturating_duration_since(Instant::now());
            if left.is_zero() || self.stopping() {
                break;
            }
            self.shared.bell.wait(seen, left);
        }
        wait
    }

    /// Sleeps until the store's next due instant after `ticked_at` has come by the clock, the
    /// cap has passed or the ticker is stopped; looks again whenever the bell rings.
    fn sleep_until_due(&self, ticked_at: DateTime<Utc>) -> Result<(), Error> {
        let started = Instant::now();
        loop {
            let seen = self.shared.bell.rung();
            if self.stopping() {
                return Ok(());
            }
            let now = self.market.now();
            let next = self.market.store.next_due(ticked_at)?;
            if next.is_some_and(|at| at <= now) {
                return Ok(());
            }
            let cap = self.options.max_sleep.saturating_sub(started.elapsed());
            if cap.is_zero() {
                return Ok(());
            }
            // A millisecond more, so that the clock shows the instant when the sleep ends.
            let until_due = next
                .and_then(|at| (at - now).to_std().ok())
                .map_or(cap, |d| d.saturating_add(Duration::from_millis(1)));
            self.shared.bell.wait(seen, until_due.min(cap));
        }
    }
}
