//! The preview of upcoming charges and scheduled work (UPC-1..3): `tick`'s own decisions
//! ([`Marketplace::due_work`]) run on working copies, at each instant one of them falls due, up to
//! an instant, committing nothing.

use std::cmp::Reverse;
use std::collections::{BTreeSet, BinaryHeap, HashMap, HashSet};

use chrono::{DateTime, Utc};

use super::sandbox::Sandbox;
use super::unit::Spare;
use super::{Marketplace, Receipts, Unit};
use crate::actor::{Actor, AppId, CustomerId, Target};
use crate::app::AppFilter;
use crate::catalog::{Page, check_page};
use crate::domain::access;
use crate::error::Error;
use crate::event::EventKind;
use crate::order::{OrderFilter, OrderStatus};
use crate::store::Record;
use crate::supervision::{FlowFilter, FlowStatus};
use crate::upcoming::{self, Before, Step, Upcoming, UsageForecast};

/// The page size that reads a whole listing at once.
const EVERYTHING: u32 = u32::MAX;

/// The preview's maps and sets: foldhash, as in the memory store.
type Map<K, V> = HashMap<K, V, foldhash::fast::RandomState>;
type Set<T> = HashSet<T, foldhash::fast::RandomState>;

/// Where a working copy waits in the preview's due index: the instant its step runs, the
/// round of that instant, and its due instant.
type Key = (DateTime<Utc>, u32, DateTime<Utc>);

/// A place in the preview's due index: a [`Key`] and its target, smallest first.
type Place = Reverse<(DateTime<Utc>, u32, DateTime<Utc>, Target)>;

/// The preview's due index: each working copy due by the preview's end, by the instant its step
/// runs (its due instant, or the instant being stepped when that is past), then the round of
/// that instant (a target stepped in a round waits for the next, as a target `tick` has seen
/// waits for the next `tick` at that instant), then its due instant and target, the order in
/// which the store's due index gives them. Filing a target again leaves its old place in the
/// heap, passed over when it comes up.
struct Due {
    heap: BinaryHeap<Place>,
    keys: Map<Target, Key>,
}

impl Due {
    /// An empty index with room for `n` targets.
    fn with_capacity(n: usize) -> Due {
        Due { heap: BinaryHeap::with_capacity(n), keys: Map::with_capacity_and_hasher(n, Default::default()) }
    }

    /// Files `target` under `key`, or takes it out (`None`).
    fn set(&mut self, target: Target, key: Option<Key>) {
        match key {
            Some(key) => {
                if self.keys.insert(target.clone(), key) != Some(key) {
                    let (at, round, due) = key;
                    self.heap.push(Reverse((at, round, due, target)));
                }
            }
            None => {
                self.keys.remove(&target);
            }
        }
    }

    /// The next step: its instant, its round and its target.
    fn pop(&mut self) -> Option<(DateTime<Utc>, u32, Target)> {
        while let Some(Reverse((at, round, due, target))) = self.heap.pop() {
            match self.keys.remove(&target) {
                Some(key) if key == (at, round, due) => return Some((at, round, target)),
                // An old place: the target waits under its newer key.
                Some(key) => {
                    self.keys.insert(target, key);
                }
                None => {}
            }
        }
        None
    }
}

/// Where a working copy due at `due` waits, seen from step `at` of round `round` (`stepped`:
/// it was stepped in that round already); `None` when it is not due by `until`.
fn key(due: Option<DateTime<Utc>>, at: DateTime<Utc>, round: u32, stepped: bool, until: DateTime<Utc>) -> Option<Key> {
    let due = due.filter(|d| *d <= until)?;
    Some(if due > at { (due, 0, due) } else { (at, round + u32::from(stepped), due) })
}

impl Marketplace {
    /// What `tick` and the clock will do up to `until` to the apps, orders and service flows of a
    /// customer, committing nothing (UPC-1): each auto-renewal charge with its instant, amount,
    /// method and attempt; each retry of an owed pay-per-use settlement; every pay-per-use app's
    /// settlements so far and those to come at its current hourly rate; expiry reminders; grace,
    /// frozen, released and restored apps; scheduled downgrades taking effect; unpaid orders
    /// cancelled; accepted orders completed; flows closed at their maximum age.
    ///
    /// It runs `tick`'s own decisions on working copies at each instant one of them falls due
    /// (the work already due at once, as the next `tick` would), and assumes that every charge and
    /// refund succeeds and that nobody acts in between. A customer sees their own preview (one
    /// page of one); an operator one customer's, or every customer with scheduled work by
    /// `until`, a page of customers at a time in the order of their ids (UPC-2). `until` is
    /// neither before now nor more than `upcoming_max_days` ahead (UPC-3).
    ///
    /// ```
    /// use appmarket::*;
    /// use appmarket::testing::fixtures;
    /// use chrono::Duration;
    ///
    /// let clock = ManualClock::at("2026-04-15T02:00:00Z")?;
    /// let market = Marketplace::builder().clock(clock.clone()).build()?;
    /// let product = market.list_product(&Actor::seller("isv-1")?, fixtures::saas_draft())?;
    /// market.register_customer(CustomerAccount::with_card(CustomerId::parse("alice")?))?;
    /// let alice = Actor::customer("alice")?;
    /// let order = market.place_order(&alice, fixtures::standard_monthly(product.id))?;
    ///
    /// // Unpaid, the order will be cancelled after 7 days (ORD-3); nothing is cancelled yet.
    /// let until = clock.now() + Duration::days(8);
    /// let preview = market.upcoming(&alice, until, None, 1, None)?;
    /// let items = &preview.items[0].items;
    /// assert_eq!(items[0].kind, UpcomingKind::OrderCancelled);
    /// assert_eq!(items[0].at, order.placed_at + Duration::days(7));
    /// assert_eq!(market.order(&alice, &order.id)?.status, OrderStatus::PendingPayment);
    ///
    /// // A preview looks forward (UPC-3), and a customer sees only their own (UPC-2).
    /// let past = clock.now() - Duration::hours(1);
    /// assert_eq!(market.upcoming(&alice, past, None, 1, None).unwrap_err().kind(), "invalid_input");
    /// let bob = Some(CustomerId::parse("bob")?);
    /// assert_eq!(market.upcoming(&alice, until, bob, 1, None).unwrap_err().kind(), "forbidden");
    /// # Ok::<(), appmarket::Error>(())
    /// ```
    pub fn upcoming(
        &self,
        by: &Actor,
        until: DateTime<Utc>,
        customer: Option<CustomerId>,
        page: u32,
        page_size: Option<u32>,
    ) -> Result<Page<Upcoming>, Error> {
        let page_size = self.policy.page_size_or_default(page_size);
        check_page(page, page_size, &self.policy)?;
        let whose = access::upcoming_of(by, customer.as_ref())?;
        let now = self.clock_now()?;
        upcoming::check_until(now, until, &self.policy)?;
        let customers = match whose {
            Some(customer) => Page::of(vec![customer.clone()], page, page_size),
            None => Page::of(self.customers_due(until)?, page, page_size),
        };
        let items = customers.items.iter().map(|c| self.preview(c, now, until)).collect::<Result<Vec<_>, _>>()?;
        Ok(Page { items, page, page_size, total: customers.total })
    }

    /// The customers with scheduled work by `until`, in the order of their ids: the owners of
    /// what the store's due index holds up to then.
    fn customers_due(&self, until: DateTime<Utc>) -> Result<Vec<CustomerId>, Error> {
        let due = self.store.due(until, usize::MAX)?;
        let mut customers = BTreeSet::new();
        for (record, _) in self.store.load_many(&due)?.into_iter().flatten() {
            let owner = match &record {
                Record::Order(o) => &o.customer,
                Record::App(a) => &a.customer,
                Record::Flow(f) => &f.customer,
                _ => continue,
            };
            customers.insert(owner.clone());
        }
        Ok(customers.into_iter().collect())
    }

    /// What may be due among a customer's records: their apps, their orders waiting for payment
    /// or completion, their open flows (each aggregate's `next_due` says when).
    fn preview_scope(&self, customer: &CustomerId) -> Result<Vec<Record>, Error> {
        let apps = self.store.apps_of(customer, &AppFilter::default(), 1, EVERYTHING)?;
        let mut records: Vec<Record> = Vec::with_capacity(apps.items.len());
        records.extend(apps.items.into_iter().map(|a| Record::App(Box::new(a))));
        for status in [OrderStatus::PendingPayment, OrderStatus::Processing] {
            let filter = OrderFilter { status: Some(status), product: None };
            let orders = self.store.orders_of(customer, &filter, 1, EVERYTHING)?;
            records.extend(orders.items.into_iter().map(|o| Record::Order(Box::new(o))));
        }
        let party = Actor::Customer(customer.clone());
        for status in FlowStatus::OPEN {
            let filter = FlowFilter { status: Some(status), ..FlowFilter::default() };
            let flows = self.store.flows_of(&party, &filter, 1, EVERYTHING)?;
            records.extend(flows.items.into_iter().map(|f| Record::Flow(Box::new(f))));
        }
        Ok(records)
    }

    /// One customer's preview from `now` to `until` (UPC-1): the customer's records as working
    /// copies in a sandbox, each stepped through `tick`'s decisions at the instants it falls due,
    /// earliest first; what a step changes (another target too: the app of a cancelled renewal
    /// order) is filed again under its next due instant.
    fn preview(&self, customer: &CustomerId, now: DateTime<Utc>, until: DateTime<Utc>) -> Result<Upcoming, Error> {
        let policy = &self.policy;
        let scope = self.preview_scope(customer)?;
        // Room for an item per record at once, so that the list grows seldom.
        let mut items = Vec::with_capacity(scope.len());
        let sandbox = Sandbox::with_capacity(scope.len());
        let mut due = Due::with_capacity(scope.len());
        let mut usage: Vec<UsageForecast> = Vec::new();
        let mut usage_of: Map<AppId, usize> = Map::default();
        for record in scope {
            if let Record::App(app) = &record
                && let Some(forecast) = UsageForecast::of(app)
            {
                usage_of.insert(app.id.clone(), usage.len());
                usage.push(forecast);
            }
            // What is not due by then is read from the store if a step needs it.
            if let Some(key) = key(record.next_due(policy), now, 0, false, until) {
                due.set(record.target(), Some(key));
                sandbox.put(record);
            }
        }
        let system = Actor::System;
        // A preview's unit takes no money: the ledger stays empty.
        let receipts = Receipts::default();
        let mut round = (now, 0);
        let mut stepped: Set<Target> = Set::default();
        let mut spare = Spare::with_room();
        while let Some((at, r, target)) = due.pop() {
            if (at, r) != round {
                round = (at, r);
                stepped.clear();
            }
            let Some(record) = sandbox.take(&target) else { continue };
            let forecast = match &record {
                Record::App(app) => usage_of.get(&app.id).copied(),
                _ => None,
            };
            let before = match &record {
                Record::App(app) if upcoming::routine_usage(app) => {
                    if let (Some(i), Some(m)) = (forecast, app.metering.as_deref()) {
                        usage[i].add_routine(m, until, policy)?;
                    }
                    sandbox.put(record);
                    continue;
                }
                Record::App(app) => Before::app(app),
                Record::Order(order) => Before::order(order),
                Record::Flow(flow) => Before::flow(flow),
                _ => {
                    sandbox.put(record);
                    continue;
                }
            };
            let mut unit = Unit::preview(self, &system, at, &receipts, &sandbox, &mut spare);
            unit.preload(&target, record, 0)?;
            match self.due_work(&mut unit, &target) {
                Ok(()) => {}
                // Gone, as `tick` finds it: nothing to do.
                Err(Error::NotFound { .. }) => continue,
                Err(e) => return Err(e),
            }
            let mut commit = unit.into_preview_commit(&mut spare);
            let mut step = Step::new(at, &target, &before, &mut items, forecast.map(|i| &mut usage[i]));
            for event in &commit.events {
                match (&event.kind, &event.target) {
                    (EventKind::App(e), Target::App(app)) => step.app(app, e)?,
                    (EventKind::Order(e), order) => step.order(order, e),
                    (EventKind::Flow(e), flow) => step.flow(flow, e),
                    _ => {}
                }
            }
            let progressed = commit.events.iter().any(|e| e.target == target);
            stepped.insert(target.clone());
            for write in commit.writes.drain(..) {
                let t = write.record.target();
                // A step that did nothing would do nothing again at the same instant.
                let key = key(write.due, at, r, stepped.contains(&t), until)
                    .filter(|(next, ..)| progressed || t != target || *next > at);
                due.set(t, key);
                sandbox.put(write.record);
            }
            spare.keep(commit.events, commit.writes);
        }
        Ok(Upcoming { customer: customer.clone(), start: now, until, items, usage })
    }
}
