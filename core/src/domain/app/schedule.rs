//! When the system next has work on an app (LIFE-1, REN-6, PRC-7, PRC-8): the instants of its
//! end of term, its next expiry reminder, its next auto-renewal charge and its scheduled
//! downgrade, computed together from the app and the policy in one [`Schedule`].
//!
//! One look at an app (its `next_due`, `tick`'s decisions, the preview of upcoming charges) reads
//! every instant it needs from one schedule, instead of computing the expiry date, the ends of
//! the grace and retention periods and each reminder's instant again for each question; the
//! LIFE-1 transitions read only the part they need (`lifecycle_instants`, the same code), since
//! the commit after them computes the whole schedule of the app as they leave it. The
//! billing zone's offset is fixed, so the schedule counts in whole days and seconds
//! ([`BillingZone::day_number`]) and makes calendar instants only of what it gives.

use chrono::{DateTime, Utc};

use crate::app::{AppStatus, PurchasedApp, Term};
use crate::policy::Policy;
use crate::time::{BillingZone, SECONDS_PER_DAY, instant_of_timestamp};

/// When the system next has work on an app, as its state and the policy say.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Schedule {
    /// When the grace period and the retention period end (LIFE-1): counted from the expiry
    /// date of the term, or for a pay-per-use app in arrears from the day of its first owed
    /// settlement (PRC-7). `None` for an app with neither.
    pub ends: Option<(DateTime<Utc>, DateTime<Utc>)>,
    /// The earliest expiry reminder not sent yet, in days before the expiry, with its instant
    /// (LIFE-1): only while the app is active in its term.
    pub reminder: Option<(u32, DateTime<Utc>)>,
    /// When auto-renewal next charges the app, if it will (REN-6).
    pub charge: Option<DateTime<Utc>>,
    /// When `tick` must next look at the app (`Aggregate::next_due`).
    pub next_due: Option<DateTime<Utc>>,
}

/// A schedule's `ends` and `reminder` ([`PurchasedApp::lifecycle_instants`]).
pub(crate) type LifecycleInstants = (Option<(DateTime<Utc>, DateTime<Utc>)>, Option<(u32, DateTime<Utc>)>);

impl PurchasedApp {
    /// The app's schedule under `policy`: every instant at which the system has work on it.
    pub fn schedule(&self, policy: &Policy) -> Schedule {
        if let Some(metering) = &self.metering {
            let ends = self.arrears_instants(policy);
            if matches!(self.status, AppStatus::Released | AppStatus::Unsubscribed) {
                return Schedule { ends, ..Schedule::default() };
            }
            let arrears = ends.and_then(|(grace_end, retention_end)| match self.status {
                AppStatus::GracePeriod => Some(a_second_after(grace_end)),
                AppStatus::Frozen => Some(a_second_after(retention_end)),
                _ => None,
            });
            let next_due = [metering.next_due(policy), arrears].into_iter().flatten().min();
            return Schedule { ends, next_due, ..Schedule::default() };
        }
        let Some(term) = self.term else { return Schedule::default() };
        let zone = policy.zone();
        let expiry = zone.day_number(term.expires_at);
        let (grace_end, retention_end, reminder) = self.term_instants(&term, expiry, zone, policy);
        let ends = (instant_of_timestamp(grace_end), instant_of_timestamp(retention_end));
        let charge = self.charge_instant(expiry, || ends.1, zone, policy);
        let lifecycle = match self.status {
            AppStatus::Active => Some(a_second_after(term.expires_at)),
            AppStatus::GracePeriod => Some(instant_of_timestamp(grace_end + 1)),
            AppStatus::Frozen => Some(instant_of_timestamp(retention_end + 1)),
            _ => None,
        };
        let downgrade = self.scheduled_downgrade.as_ref().map(|d| a_second_after(d.effective_at));
        let next_due = lifecycle
            .and_then(|l| [Some(l), reminder.map(|(_, at)| at), charge, downgrade].into_iter().flatten().min());
        Schedule { ends: Some(ends), reminder, charge, next_due }
    }

    /// What the LIFE-1 transitions read of the schedule ([`PurchasedApp::lifecycle_events`]):
    /// its `ends` and `reminder`, computed as [`PurchasedApp::schedule`] computes them, without
    /// the instants only `next_due` needs (the charge, the downgrade, the next look).
    pub(crate) fn lifecycle_instants(&self, policy: &Policy) -> LifecycleInstants {
        if self.metering.is_some() {
            return (self.arrears_instants(policy), None);
        }
        let Some(term) = self.term else { return (None, None) };
        let zone = policy.zone();
        let expiry = zone.day_number(term.expires_at);
        let (grace_end, retention_end, reminder) = self.term_instants(&term, expiry, zone, policy);
        (Some((instant_of_timestamp(grace_end), instant_of_timestamp(retention_end))), reminder)
    }

    /// The timestamps at which the grace and retention periods end after `term`, expiring on
    /// day `expiry`, and its earliest expiry reminder not sent yet with its instant.
    fn term_instants(
        &self,
        term: &Term,
        expiry: i64,
        zone: BillingZone,
        policy: &Policy,
    ) -> (i64, i64, Option<(u32, DateTime<Utc>)>) {
        let (grace_end, retention_end) = self.ends_after(expiry, zone, policy);
        let reminder = self
            .unsent_reminders(term, expiry, zone, policy)
            .min_by_key(|(_, at)| *at)
            .map(|(days, at)| (days, instant_of_timestamp(at)));
        (grace_end, retention_end, reminder)
    }

    /// The timestamps at which the grace and retention periods end after a term expiring on day
    /// `expiry` (LIFE-1): 23:59:59 (billing zone) on the days the lengths for the customer's
    /// level reach.
    pub(super) fn ends_after(&self, expiry: i64, zone: BillingZone, policy: &Policy) -> (i64, i64) {
        let lengths = policy.end_of_term_for(self.customer_level.as_deref());
        let grace_end = expiry + i64::from(lengths.grace_days);
        let retention_end = grace_end + i64::from(lengths.retention_days);
        let last_second = SECONDS_PER_DAY - 1;
        (zone.timestamp_on(grace_end, last_second), zone.timestamp_on(retention_end, last_second))
    }

    /// The expiry reminders not sent yet for `term`, expiring on day `expiry`, in the policy's
    /// order, each with its timestamp: 00:00 (billing zone) on the day `days` before the expiry
    /// date, after the term started and not after it expires (LIFE-1). None unless the app is
    /// active.
    pub(super) fn unsent_reminders<'a>(
        &'a self,
        term: &Term,
        expiry: i64,
        zone: BillingZone,
        policy: &'a Policy,
    ) -> impl Iterator<Item = (u32, i64)> + 'a {
        let active = self.status == AppStatus::Active;
        // An instant of whole seconds is after `started_at` when it is after its whole seconds,
        // and not after `expires_at` when not after its whole seconds.
        let (started_at, expires_at) = (term.started_at.timestamp(), term.expires_at.timestamp());
        policy
            .expiry_reminder_days
            .iter()
            .filter(move |d| active && !self.reminded.contains(d))
            .map(move |d| (*d, zone.timestamp_on(expiry - i64::from(*d), 0)))
            .filter(move |(_, at)| *at > started_at && *at <= expires_at)
    }

    /// When auto-renewal next charges the app, if it will (REN-6): the schedule's `charge`,
    /// computed alone (`tick` asks it before anything else of an app without metering).
    pub fn next_auto_renewal_charge(&self, policy: &Policy) -> Option<DateTime<Utc>> {
        let term = self.term?;
        let zone = policy.zone();
        let expiry = zone.day_number(term.expires_at);
        let retention_end = || instant_of_timestamp(self.ends_after(expiry, zone, policy).1);
        self.charge_instant(expiry, retention_end, zone, policy)
    }

    /// When auto-renewal next charges the app (REN-6): at the charge hour (billing zone)
    /// `days_before` days before the expiry date, or at the pending retry after a decline; never
    /// after the retention period ends, never while another order of the app is unpaid, never
    /// once the set number of renewals is done.
    fn charge_instant(
        &self,
        expiry: i64,
        retention_end: impl FnOnce() -> DateTime<Utc>,
        zone: BillingZone,
        policy: &Policy,
    ) -> Option<DateTime<Utc>> {
        let ar = self.auto_renewal?;
        if !matches!(self.status, AppStatus::Active | AppStatus::GracePeriod | AppStatus::Frozen)
            || self.pending_order.is_some()
            || (ar.count != 0 && ar.done >= ar.count)
        {
            return None;
        }
        let at = ar.retry_at.unwrap_or_else(|| {
            let hour = i64::from(policy.auto_renewal_charge_hour.min(23));
            instant_of_timestamp(zone.timestamp_on(expiry - i64::from(ar.days_before), hour * 3_600))
        });
        (at <= retention_end()).then_some(at)
    }
}

/// One second after `at`: when `tick` looks at what ends at `at`.
fn a_second_after(at: DateTime<Utc>) -> DateTime<Utc> {
    DateTime::from_timestamp(at.timestamp() + 1, at.timestamp_subsec_nanos()).unwrap_or(DateTime::<Utc>::MAX_UTC)
}

#[cfg(test)]
mod tests {
    use chrono::Duration;

    use crate::aggregate::{Aggregate, Ctx};
    use crate::app::AppEvent;
    use crate::testing::fixtures;
    use crate::*;

    /// A monthly SaaS app as paying for it makes it.
    fn monthly_app() -> PurchasedApp {
        let market = Marketplace::builder().clock(ManualClock::new(fixtures::t0())).build().unwrap();
        let product = market.list_product(Actor::seller("isv-1").unwrap(), fixtures::saas_draft()).unwrap();
        let alice = CustomerId::parse("alice").unwrap();
        market.register_customer(CustomerAccount::with_card(alice.clone())).unwrap();
        let buyer = Actor::Customer(alice);
        let order = market.place_order(&buyer, fixtures::standard_monthly(product.id)).unwrap();
        market.accept_terms(&buyer, &order.id).unwrap();
        let paid = market.pay(&buyer, &order.id, Some(PaymentMethod::CreditCard)).unwrap();
        market.app(&buyer, paid.app.as_ref().unwrap()).unwrap()
    }

    #[test]
    fn life_1_reminders_missed_for_days_are_sent_together_earliest_first_each_once() {
        let mut app = monthly_app();
        let policy = Policy { expiry_reminder_days: vec![3, 7, 1, 7], ..Policy::default() };
        let expires_at = app.expires_at().unwrap();
        let zone = policy.zone();
        let reminder = |days: i64| zone.start_of_day(zone.date_of(expires_at) - Duration::days(days));
        let schedule = app.schedule(&policy);
        assert_eq!(schedule.reminder, Some((7, reminder(7))));
        assert_eq!(schedule.next_due, Some(reminder(7)));
        assert_eq!(app.next_reminder(&policy), schedule.reminder);
        // Nothing is due before the first reminder.
        assert!(app.lifecycle_events(&policy, reminder(7) - Duration::seconds(1)).is_empty());
        // `tick` looks only an hour before the expiry: every reminder at once, in time order.
        let now = expires_at - Duration::hours(1);
        let events = app.lifecycle_events(&policy, now);
        let days: Vec<u32> = events
            .iter()
            .map(|e| match e {
                AppEvent::ExpiryReminder { days, expires_at: at } if *at == expires_at => *days,
                other => panic!("only reminders are due: {other:?}"),
            })
            .collect();
        assert_eq!(days, vec![7, 3, 1]);
        let ctx = Ctx::new(&Actor::System, now, &policy);
        events.iter().for_each(|e| app.apply(e, &ctx));
        let after = app.schedule(&policy);
        assert_eq!(after.reminder, None);
        assert_eq!(after.next_due, Some(expires_at + Duration::seconds(1)));
        assert!(app.lifecycle_events(&policy, now).is_empty());
        // The grace and retention periods end at 23:59:59 on the days their lengths reach.
        let lengths = policy.end_of_term_for(None);
        let grace = zone.date_of(expires_at) + Duration::days(i64::from(lengths.grace_days));
        let retention = grace + Duration::days(i64::from(lengths.retention_days));
        assert_eq!(after.ends, Some((zone.end_of_day(grace), zone.end_of_day(retention))));
        assert_eq!(app.end_of_term_instants(&policy), after.ends);
    }

    #[test]
    fn life_1_the_lifecycle_reads_the_ends_and_reminder_of_the_schedule() {
        let policy = Policy { expiry_reminder_days: vec![3, 7, 1], ..Policy::default() };
        let same = |app: &PurchasedApp| {
            let schedule = app.schedule(&policy);
            assert_eq!(app.lifecycle_instants(&policy), (schedule.ends, schedule.reminder), "{:?}", app.status);
        };
        let mut app = monthly_app();
        same(&app);
        // Through its reminders, grace, frozen and released.
        let expires_at = app.expires_at().unwrap();
        for now in [expires_at - Duration::days(5), expires_at + Duration::hours(1), expires_at + Duration::days(400)] {
            let ctx = Ctx::new(&Actor::System, now, &policy);
            for e in app.lifecycle_events(&policy, now) {
                app.apply(&e, &ctx);
                same(&app);
            }
        }
        assert_eq!(app.status, AppStatus::Released);
        // No term yet.
        same(&PurchasedApp { term: None, ..monthly_app() });
    }
}
