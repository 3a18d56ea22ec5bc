//! Clocks and billing-zone calendar arithmetic.
//!
//! Nothing in the crate reads the system clock except [`SystemClock`]. Every rule receives `now`
//! from the facade, which reads its [`Clock`] once per command.

use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::{Arc, Condvar, Mutex, PoisonError, Weak};

use chrono::{DateTime, Datelike, Duration, FixedOffset, NaiveDate, NaiveTime, TimeZone, Utc};

use crate::error::Error;

/// A source of the current instant.
pub trait Clock: Send + Sync {
    /// The current instant, UTC.
    fn now(&self) -> DateTime<Utc>;

    /// Asks the clock to ring `bell` whenever it moves other than by real time passing, so
    /// that a thread waiting for an instant of this clock (a [`Ticker`](crate::Ticker)) wakes
    /// up and looks again. A waiter sleeps real time until the instant it waits for; that is
    /// all the default (a clock that follows real time) needs. A [`ManualClock`] rings its
    /// bells each time it is set or advanced.
    fn watch(&self, bell: &Bell) {
        let _ = bell;
    }
}

/// Something a thread sleeps on until it is rung or a real-time timeout passes: the ticker's
/// sleep, which a stop, a commit that makes something due earlier or a manual clock's move
/// ends early. Clones ring the same bell.
#[derive(Debug, Clone, Default)]
pub struct Bell(Arc<BellInner>);

#[derive(Debug, Default)]
struct BellInner {
    rung: Mutex<u64>,
    ringing: Condvar,
}

impl Bell {
    /// A bell not yet rung.
    pub fn new() -> Bell {
        Bell::default()
    }

    /// Rings the bell: every thread waiting on it wakes up.
    pub fn ring(&self) {
        let mut rung = self.0.rung.lock().unwrap_or_else(PoisonError::into_inner);
        *rung = rung.wrapping_add(1);
        self.0.ringing.notify_all();
    }

    /// How many times it was rung: what [`wait`](Bell::wait) compares against.
    pub fn rung(&self) -> u64 {
        *self.0.rung.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Waits until the bell has been rung since it showed `seen` (at once if it already was),
    /// or `timeout` passed in real time; returns whether it was rung.
    pub fn wait(&self, seen: u64, timeout: std::time::Duration) -> bool {
        let rung = self.0.rung.lock().unwrap_or_else(PoisonError::into_inner);
        let (rung, _) = self
            .0
            .ringing
            .wait_timeout_while(rung, timeout, |rung| *rung == seen)
            .unwrap_or_else(PoisonError::into_inner);
        *rung != seen
    }
}

/// The bells to ring when something happens; a bell whose every handle is gone is forgotten.
#[derive(Debug, Clone, Default)]
pub struct Bells(Arc<Mutex<Vec<Weak<BellInner>>>>);

impl Bells {
    /// Adds a bell to ring.
    pub fn add(&self, bell: &Bell) {
        let mut bells = self.0.lock().unwrap_or_else(PoisonError::into_inner);
        bells.retain(|b| b.strong_count() > 0);
        bells.push(Arc::downgrade(&bell.0));
    }

    /// Rings every bell still held.
    pub fn ring(&self) {
        let mut bells = self.0.lock().unwrap_or_else(PoisonError::into_inner);
        bells.retain(|b| match b.upgrade() {
            Some(inner) => {
                Bell(inner).ring();
                true
            }
            None => false,
        });
    }

    /// Whether no bell is held (nothing to ring).
    pub fn is_empty(&self) -> bool {
        self.0.lock().unwrap_or_else(PoisonError::into_inner).iter().all(|b| b.strong_count() == 0)
    }
}

/// The real clock. The only place in the crate that reads the system time.
#[derive(Debug, Clone, Copy, Default)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> DateTime<Utc> {
        Utc::now()
    }
}

/// A clock that moves only when told, forward only. Clones share the same instant, so a test
/// keeps one handle and gives another to the [`Marketplace`](crate::Marketplace).
///
/// ```
/// use appmarket::ManualClock;
/// use chrono::Duration;
/// let clock = ManualClock::at("2026-01-31T00:00:00Z").unwrap();
/// clock.advance(Duration::days(1)).unwrap();
/// assert_eq!(clock.instant().to_rfc3339(), "2026-02-01T00:00:00+00:00");
/// assert!(clock.advance(Duration::seconds(-1)).is_err());
/// ```
#[derive(Debug, Clone)]
pub struct ManualClock {
    micros: Arc<AtomicI64>,
    bells: Bells,
}

impl ManualClock {
    /// A clock standing at `start`.
    pub fn new(start: DateTime<Utc>) -> ManualClock {
        ManualClock { micros: Arc::new(AtomicI64::new(start.timestamp_micros())), bells: Bells::default() }
    }

    /// A clock standing at an RFC 3339 instant such as `"2026-01-31T00:00:00Z"`.
    pub fn at(rfc3339: &str) -> Result<ManualClock, Error> {
        Ok(ManualClock::new(parse_instant(rfc3339)?))
    }

    /// The instant the clock shows.
    pub fn instant(&self) -> DateTime<Utc> {
        DateTime::from_timestamp_micros(self.micros.load(Ordering::SeqCst)).unwrap_or_default()
    }

    /// Moves the clock to `to`; refuses to move it backwards.
    pub fn set(&self, to: DateTime<Utc>) -> Result<(), Error> {
        let target = to.timestamp_micros();
        self.micros
            .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |current| (target >= current).then_some(target))
            .map(|_| self.bells.ring())
            .map_err(|current| {
                Error::invalid(
                    "clock",
                    format!(
                        "time cannot go backwards: the clock shows {}, asked for {}",
                        DateTime::from_timestamp_micros(current).unwrap_or_default().to_rfc3339(),
                        to.to_rfc3339()
                    ),
                )
            })
    }

    /// Moves the clock forward by `by`; refuses a negative step.
    pub fn advance(&self, by: Duration) -> Result<(), Error> {
        if by < Duration::zero() {
            return Err(Error::invalid("clock", format!("time cannot go backwards: cannot advance by {by}")));
        }
        let to = self
            .instant()
            .checked_add_signed(by)
            .ok_or_else(|| Error::invalid("clock", "advancing that far leaves the calendar"))?;
        self.set(to)
    }
}

impl Clock for ManualClock {
    fn now(&self) -> DateTime<Utc> {
        self.instant()
    }

    fn watch(&self, bell: &Bell) {
        self.bells.add(bell);
    }
}

/// Parses an RFC 3339 instant with an explicit offset, e.g. `2020-09-01T02:26:48Z`.
pub fn parse_instant(text: &str) -> Result<DateTime<Utc>, Error> {
    DateTime::parse_from_rfc3339(text.trim()).map(|t| t.with_timezone(&Utc)).map_err(|e| {
        Error::invalid(
            "instant",
            format!(
                "`{}` is not an RFC 3339 instant with an offset such as 2020-09-01T02:26:48Z ({e})",
                text.chars().take(40).collect::<String>()
            ),
        )
    })
}

/// The marketplace's time zone for calendar arithmetic (a fixed UTC offset).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BillingZone(FixedOffset);

impl BillingZone {
    /// A zone `minutes` east of UTC (UTC+08:00 is 480). Refuses offsets beyond ±23:59.
    pub fn from_offset_minutes(minutes: i32) -> Result<BillingZone, Error> {
        FixedOffset::east_opt(minutes.saturating_mul(60))
            .map(BillingZone)
            .ok_or_else(|| Error::invalid("billing_utc_offset_minutes", format!("{minutes} is beyond ±1439 minutes")))
    }

    /// The local calendar date of an instant.
    pub fn date_of(&self, at: DateTime<Utc>) -> NaiveDate {
        at.with_timezone(&self.0).date_naive()
    }

    /// The instant of a local wall-clock time on a date.
    pub fn instant_at(&self, date: NaiveDate, hour: u32, minute: u32, second: u32) -> DateTime<Utc> {
        let time = NaiveTime::from_hms_opt(hour.min(23), minute.min(59), second.min(59)).unwrap_or(NaiveTime::MIN);
        match self.0.from_local_datetime(&date.and_time(time)) {
            chrono::LocalResult::Single(t) => t.with_timezone(&Utc),
            _ => Utc.from_utc_datetime(&date.and_time(time)),
        }
    }

    /// 23:59:59 local on `date`: when terms and periods end (APP-2, LIFE-1).
    pub fn end_of_day(&self, date: NaiveDate) -> DateTime<Utc> {
        self.instant_at(date, 23, 59, 59)
    }

    /// 00:00:00 local on `date`.
    pub fn start_of_day(&self, date: NaiveDate) -> DateTime<Utc> {
        self.instant_at(date, 0, 0, 0)
    }

    /// The calendar year of an instant in this zone.
    pub fn year_of(&self, at: DateTime<Utc>) -> i32 {
        self.date_of(at).year()
    }

    /// The local day of an instant as a number of days since 1970-01-01 in this zone: whole-day
    /// arithmetic on it needs no calendar, since the zone's offset is fixed (what a schedule
    /// computes many times over, see `PurchasedApp::schedule`).
    pub fn day_number(&self, at: DateTime<Utc>) -> i64 {
        (at.timestamp() + self.offset_seconds()).div_euclid(SECONDS_PER_DAY)
    }

    /// The Unix timestamp of `second` seconds after local midnight on day number `day` (see
    /// [`BillingZone::day_number`]): 0 for 00:00:00, `SECONDS_PER_DAY - 1` for 23:59:59.
    pub fn timestamp_on(&self, day: i64, second: i64) -> i64 {
        day * SECONDS_PER_DAY + second - self.offset_seconds()
    }

    fn offset_seconds(&self) -> i64 {
        i64::from(self.0.local_minus_utc())
    }
}

/// Seconds in a day of a zone with a fixed offset.
pub const SECONDS_PER_DAY: i64 = 86_400;

/// The instant of a Unix timestamp in whole seconds; the latest representable instant for one
/// beyond chrono's range (hundreds of millennia away).
pub fn instant_of_timestamp(timestamp: i64) -> DateTime<Utc> {
    DateTime::from_timestamp(timestamp, 0).unwrap_or(DateTime::<Utc>::MAX_UTC)
}

/// Days in a calendar month.
pub fn days_in_month(year: i32, month: u32) -> u32 {
    match month {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        2 if year % 4 == 0 && (year % 100 != 0 || year % 400 == 0) => 29,
        2 => 28,
        _ => 30,
    }
}

/// `date` moved `months` calendar months on, with the day clamped to the end of a shorter month
/// (31 January + 1 month = 28 or 29 February; + 2 months = 31 March).
pub fn add_months_clamped(date: NaiveDate, months: u32) -> NaiveDate {
    let total = date.year() * 12 + date.month0() as i32 + months as i32;
    let (year, month) = (total.div_euclid(12), total.rem_euclid(12) as u32 + 1);
    let day = date.day().min(days_in_month(year, month));
    NaiveDate::from_ymd_opt(year, month, day).unwrap_or(date)
}

/// The last day of `date`'s month.
pub fn last_day_of_month(date: NaiveDate) -> NaiveDate {
    NaiveDate::from_ymd_opt(date.year(), date.month(), days_in_month(date.year(), date.month())).unwrap_or(date)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    #[test]
    fn app_2_month_end_anchor_clamps_in_short_months_and_comes_back() {
        let anchor = d(2026, 1, 31);
        assert_eq!(add_months_clamped(anchor, 1), d(2026, 2, 28));
        assert_eq!(add_months_clamped(anchor, 2), d(2026, 3, 31));
        assert_eq!(add_months_clamped(anchor, 3), d(2026, 4, 30));
        assert_eq!(add_months_clamped(d(2027, 12, 31), 2), d(2028, 2, 29));
        assert_eq!(add_months_clamped(anchor, 12), d(2027, 1, 31));
    }

    #[test]
    fn app_2_days_in_month_follow_the_calendar() {
        for year in [1900, 2000, 2023, 2024, 2100] {
            for month in 1..=12 {
                let first = d(year, month, 1);
                let next = if month == 12 { d(year + 1, 1, 1) } else { d(year, month + 1, 1) };
                assert_eq!(i64::from(days_in_month(year, month)), (next - first).num_days(), "{year}-{month}");
            }
        }
    }

    #[test]
    fn app_2_terms_end_at_23_59_59_in_the_billing_zone() {
        let zone = BillingZone::from_offset_minutes(480).unwrap();
        assert_eq!(zone.end_of_day(d(2020, 10, 1)).to_rfc3339(), "2020-10-01T15:59:59+00:00");
        assert_eq!(zone.date_of(parse_instant("2020-09-01T16:00:00Z").unwrap()), d(2020, 9, 2));
    }

    #[test]
    fn app_2_day_numbers_give_the_calendar_instants() {
        for minutes in [-720, -330, 0, 480, 840] {
            let zone = BillingZone::from_offset_minutes(minutes).unwrap();
            for date in [d(1969, 12, 31), d(2024, 2, 29), d(2026, 12, 31), d(2100, 3, 1)] {
                let day = zone.day_number(zone.end_of_day(date));
                assert_eq!(day, zone.day_number(zone.start_of_day(date)), "{date} at {minutes}");
                assert_eq!(instant_of_timestamp(zone.timestamp_on(day, 0)), zone.start_of_day(date));
                assert_eq!(instant_of_timestamp(zone.timestamp_on(day, SECONDS_PER_DAY - 1)), zone.end_of_day(date));
                assert_eq!(
                    instant_of_timestamp(zone.timestamp_on(day - 7, 2 * 3600)),
                    zone.instant_at(date - Duration::days(7), 2, 0, 0)
                );
                let noon = zone.instant_at(date, 12, 0, 0) + Duration::nanoseconds(5);
                assert_eq!(zone.day_number(noon), day);
            }
        }
    }

    #[test]
    fn manual_clock_refuses_to_go_backwards_and_stays_put() {
        let clock = ManualClock::at("2026-01-01T00:00:00Z").unwrap();
        let before = clock.instant();
        let err = clock.set(parse_instant("2025-12-31T23:59:59Z").unwrap()).unwrap_err();
        assert!(matches!(err, Error::InvalidInput { ref field, .. } if field == "clock"), "{err}");
        assert_eq!(clock.instant(), before);
        assert!(clock.advance(Duration::seconds(-1)).is_err());
        assert_eq!(clock.instant(), before);
    }

    #[test]
    fn instants_must_carry_an_offset() {
        assert!(parse_instant("2020-09-01T02:26:48").is_err());
        assert!(parse_instant("not a time").is_err());
        assert!(parse_instant("2020-09-01T10:26:48+08:00").is_ok());
    }
}
