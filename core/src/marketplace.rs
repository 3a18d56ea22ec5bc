//! The facade: reads the clock, loads aggregates, lets them decide, saves what they decided,
//! calls the payment port, and returns the result. It holds no rule of its own: every refusal
//! that names a rule, and every check of who acts, is the domain's — an aggregate's `decide`
//! (creation too: placing an order, starting an app, opening a flow or an appeal are decided
//! by the new aggregate, `Create::decide_new`), a domain function for what spans aggregates
//! (APL-4's refund, SUP-8's close, UNS-3's quota, PRC-7's payment), or `domain::access` for
//! the listings and views no aggregate decides (ACC-1). What the facade itself refuses is the
//! shape of a call: an id not found, a text or page out of bounds, a gateway's or a store's
//! failure.

mod buying;
pub mod command;
mod commands;
mod declarations;
mod downgrading;
pub(crate) mod fingerprint;
mod invoicing;
mod previewing;
mod receipts;
mod renewing;
mod run;
mod sandbox;
mod selling;
mod settling;
mod supervising;
mod telemetry;
mod tick;
mod ticker;
mod unit;
mod unsubscribing;
mod using;

use std::sync::Arc;

use chrono::{DateTime, Utc};

pub(crate) use receipts::Receipts;
use telemetry::{CommandTrace, Traced, traced};
pub use tick::TickReport;
pub use ticker::{Ticker, TickerOptions};
pub(crate) use unit::Unit;

use crate::account::{AccountCommand, CustomerAccount};
use crate::actions::Availability;
use crate::actor::{Actor, AppId, Caller, CustomerId, RequestId, Target};
use crate::app::PurchasedApp;
use crate::appeal::Appeal;
use crate::catalog::{Product, SavedList};
use crate::domain::access;
use crate::error::Error;
use crate::event::Event;
use crate::invoice::Invoice;
use crate::order::Order;
use crate::payments::{PaymentGateway, SimulatedPayments};
use crate::policy::Policy;
use crate::pricing::Quote;
use crate::secret::Secret;
use crate::store::{MemoryStore, Record, Reply, RequestRecord, Store, StoreExt, Stored, Versioned};
use crate::supervision::{ServiceFlow, SubmittedRequest, sensitive_data_warnings};
use crate::time::{Clock, SystemClock};

/// How many times a command is decided again after losing a race to a concurrent change.
const MAX_ATTEMPTS: usize = 16;

/// The marketplace: every command and query of the library.
///
/// Share one across threads: every method takes `&self`.
///
/// ```
/// use appmarket::*;
/// use appmarket::testing::fixtures;
///
/// let clock = ManualClock::at("2026-04-15T02:00:00Z")?;
/// let market = Marketplace::builder().clock(clock.clone()).build()?;
/// let seller = Actor::seller("isv-1")?;
/// let product = market.list_product(&seller, fixtures::saas_draft())?;
///
/// let alice = CustomerId::parse("alice")?;
/// market.register_customer(CustomerAccount::with_card(alice.clone()))?;
/// let buyer = Actor::Customer(alice);
/// let order = market.place_order(&buyer, PurchaseRequest {
///     product: product.id.clone(),
///     specification: "Standard".into(),
///     mode: BillingMode::Monthly,
///     quantity: 10,
///     periods: 1,
/// })?;
/// assert_eq!(order.quote.total.to_string(), "230.00 USD");
/// market.accept_terms(&buyer, &order.id)?;
/// let paid = market.pay(&buyer, &order.id, Some(PaymentMethod::CreditCard))?;
/// assert_eq!(paid.status, OrderStatus::Completed);
/// # Ok::<(), appmarket::Error>(())
/// ```
pub struct Marketplace {
    id: String,
    store: Arc<dyn Store>,
    payments: Arc<dyn PaymentGateway>,
    clock: Arc<dyn Clock>,
    policy: Policy,
    /// The tickers' bells, rung after a commit that sets a due instant (it may be earlier than
    /// the one a ticker sleeps until).
    due_bells: crate::time::Bells,
}

impl std::fmt::Debug for Marketplace {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Marketplace").field("policy", &self.policy).finish_non_exhaustive()
    }
}

/// Builds a [`Marketplace`]; every part has a default.
#[derive(Default)]
pub struct MarketplaceBuilder {
    id: Option<String>,
    store: Option<Arc<dyn Store>>,
    payments: Option<Arc<dyn PaymentGateway>>,
    clock: Option<Arc<dyn Clock>>,
    policy: Option<Policy>,
}

impl MarketplaceBuilder {
    /// The marketplace instance's id: it prefixes every payment idempotency key, so that two
    /// marketplaces sharing one gateway never share a key. It is recorded in the store the first
    /// time; a store already bound to another id is refused. Without one, the store's recorded
    /// id is used, or a new unique id is made and recorded.
    pub fn marketplace_id(mut self, id: impl Into<String>) -> Self {
        self.id = Some(id.into());
        self
    }

    /// The storage (default: a new [`MemoryStore`]).
    pub fn store(mut self, store: Arc<dyn Store>) -> Self {
        self.store = Some(store);
        self
    }

    /// The payment gateway (default: a new [`SimulatedPayments`]).
    pub fn payments(mut self, payments: Arc<dyn PaymentGateway>) -> Self {
        self.payments = Some(payments);
        self
    }

    /// The clock (default: [`SystemClock`]).
    pub fn clock(mut self, clock: impl Clock + 'static) -> Self {
        self.clock = Some(Arc::new(clock));
        self
    }

    /// The policy (default: [`Policy::default`]).
    pub fn policy(mut self, policy: Policy) -> Self {
        self.policy = Some(policy);
        self
    }

    /// The marketplace; refuses an inconsistent policy.
    pub fn build(self) -> Result<Marketplace, Error> {
        let policy = self.policy.unwrap_or_default();
        policy.validate()?;
        let store = self.store.unwrap_or_else(|| Arc::new(MemoryStore::new()));
        let id = match self.id {
            Some(asked) => {
                if asked.is_empty()
                    || asked.chars().count() > policy.max_id_chars as usize
                    || asked.chars().any(|c| c.is_whitespace() || c.is_control() || c == ':')
                {
                    return Err(Error::invalid(
                        "marketplace_id",
                        format!(
                            "a marketplace id has 1–{} characters, without spaces, control characters or ':'",
                            policy.max_id_chars
                        ),
                    ));
                }
                let recorded = store.marketplace_id(&asked)?;
                if recorded != asked {
                    return Err(Error::invalid(
                        "marketplace_id",
                        format!("this store belongs to marketplace {recorded}, not {asked}: open the right store"),
                    ));
                }
                recorded
            }
            None => store.marketplace_id(&fresh_marketplace_id())?,
        };
        Ok(Marketplace {
            id,
            store,
            payments: Arc::new(crate::payments::Traced(
                self.payments.unwrap_or_else(|| Arc::new(SimulatedPayments::new())),
            )),
            clock: self.clock.unwrap_or_else(|| Arc::new(SystemClock)),
            policy,
            due_bells: crate::time::Bells::default(),
        })
    }
}

/// A value a mutating call returns, storable under its request id.
pub(crate) trait Replied: Sized {
    fn to_reply(&self) -> Reply;
    /// The reply as its typed result; the policy recomputes what is derived, not stored.
    fn from_reply(reply: Reply, policy: &Policy) -> Option<Self>;
    /// The reply of a replay by `actor`; `None` when it is not of this type. A reply that is a
    /// reference (a revealed password) reads what it refers to now.
    fn replayed(reply: Reply, market: &Marketplace, _actor: &Actor) -> Result<Option<Self>, Error> {
        Ok(Self::from_reply(reply, &market.policy))
    }
}

macro_rules! replied_record {
    ($ty:ty, $variant:ident) => {
        impl Replied for $ty {
            fn to_reply(&self) -> Reply {
                Reply::Record(Record::$variant(Box::new(self.clone())))
            }
            fn from_reply(reply: Reply, _: &Policy) -> Option<Self> {
                match reply {
                    Reply::Record(Record::$variant(v)) => Some(*v),
                    _ => None,
                }
            }
        }
    };
}
replied_record!(Order, Order);
replied_record!(PurchasedApp, App);
replied_record!(Product, Product);
replied_record!(SavedList, SavedList);
replied_record!(CustomerAccount, Account);
replied_record!(ServiceFlow, Flow);
replied_record!(Appeal, Appeal);

/// A replayed submission gives the same warnings: they are a pure function of the request and
/// the policy (SUP-6).
impl Replied for SubmittedRequest {
    fn to_reply(&self) -> Reply {
        self.flow.to_reply()
    }
    fn from_reply(reply: Reply, policy: &Policy) -> Option<Self> {
        let flow = ServiceFlow::from_reply(reply, policy)?;
        let warnings = flow.request.as_ref().map(|r| sensitive_data_warnings(r, policy)).unwrap_or_default();
        Some(SubmittedRequest { flow, warnings })
    }
}
replied_record!(Invoice, Invoice);

impl Replied for Quote {
    fn to_reply(&self) -> Reply {
        Reply::Quote(self.clone())
    }
    fn from_reply(reply: Reply, _: &Policy) -> Option<Self> {
        match reply {
            Reply::Quote(q) => Some(q),
            _ => None,
        }
    }
}

/// A revealed password and its app. Its request record keeps only the app (`Reply::Password`):
/// a replay reads the app's current password, checked as a new reveal would be (the owner, an
/// app that may still reveal it, APP-5), without recording another reveal. A replay after the
/// password changed returns the new one: an old password is never kept to be replayed.
pub(crate) struct Revealed {
    pub(crate) app: AppId,
    pub(crate) secret: Secret,
}

impl Replied for Revealed {
    fn to_reply(&self) -> Reply {
        Reply::Password(self.app.clone())
    }
    fn from_reply(_: Reply, _: &Policy) -> Option<Self> {
        None
    }
    fn replayed(reply: Reply, market: &Marketplace, actor: &Actor) -> Result<Option<Self>, Error> {
        let Reply::Password(app) = reply else { return Ok(None) };
        let current: PurchasedApp = market.get(Target::App(app.clone()))?.value;
        current.check_reveal_password(actor)?;
        let secret = market.stored_secret(&app)?;
        Ok(Some(Revealed { app, secret }))
    }
}

impl Replied for () {
    fn to_reply(&self) -> Reply {
        Reply::Done
    }
    fn from_reply(reply: Reply, _: &Policy) -> Option<Self> {
        matches!(reply, Reply::Done).then_some(())
    }
}

impl Marketplace {
    /// A marketplace with the default policy, an in-memory store, simulated payments and the
    /// system clock.
    pub fn new() -> Marketplace {
        Marketplace::builder().build().expect("the default policy is valid")
    }

    /// A builder to choose the store, payments, clock and policy.
    pub fn builder() -> MarketplaceBuilder {
        MarketplaceBuilder::default()
    }

    /// The clock's instant, refused when outside 1970–9999: a host's clock gone wrong must not
    /// push date arithmetic off the calendar.
    pub(crate) fn clock_now(&self) -> Result<DateTime<Utc>, Error> {
        let now = self.clock.now();
        if !(0..=253_402_300_799).contains(&now.timestamp()) {
            return Err(Error::invalid(
                "clock",
                format!("the clock reads {now}, outside 1970-01-01 to 9999-12-31: fix the host's clock"),
            ));
        }
        Ok(now)
    }

    /// The marketplace instance's id, recorded in its store; it prefixes every payment
    /// idempotency key.
    pub fn id(&self) -> &str {
        &self.id
    }

    /// A payment idempotency key unique to this marketplace instance.
    pub(crate) fn payment_key(&self, key: impl std::fmt::Display) -> String {
        use std::fmt::Write;
        // Room for the usual keys at once: `format!` would grow the text several times.
        let mut text = String::with_capacity(self.id.len() + 64);
        let _ = write!(text, "{}:{key}", self.id);
        text
    }

    /// [`Marketplace::payment_key`] of a key already written (a charge's key): copied after the
    /// marketplace's id without the formatting machinery.
    pub(crate) fn payment_key_of(&self, key: &str) -> String {
        let mut text = String::with_capacity(self.id.len() + 1 + key.len());
        text.push_str(&self.id);
        text.push(':');
        text.push_str(key);
        text
    }

    /// The policy in force.
    pub fn policy(&self) -> &Policy {
        &self.policy
    }

    /// The current instant of the marketplace's clock.
    pub fn now(&self) -> DateTime<Utc> {
        self.clock.now()
    }

    /// Runs a mutating command: replays a used request id, otherwise lets `attempt` decide in a
    /// fresh [`Unit`] and commits the unit, deciding again when a concurrent change won the race.
    /// A refusal commits nothing, unless the unit says the refusal itself is to be saved (a
    /// declined payment cancels the order, ORD-3), or money was taken for it: every charge the
    /// gateway answered is recorded ([`Unit::return_unclaimed`]). `traced` names the command
    /// and its target for its span (`telemetry`).
    pub(crate) fn execute<T: Replied>(
        &self,
        caller: impl Into<Caller>,
        traced: Traced<'_>,
        command: impl FnOnce() -> crate::command::Command,
        attempt: impl FnMut(&mut Unit<'_>) -> Result<T, Error>,
    ) -> Result<T, Error> {
        self.execute_with(&Receipts::default(), caller, traced, command, attempt)
    }

    /// [`Marketplace::execute`] for a command whose earlier decision already took money
    /// (`receipts`): a scheduled item decided again after its page lost a race.
    pub(crate) fn execute_with<T: Replied>(
        &self,
        receipts: &Receipts,
        caller: impl Into<Caller>,
        traced: Traced<'_>,
        command: impl FnOnce() -> crate::command::Command,
        attempt: impl FnMut(&mut Unit<'_>) -> Result<T, Error>,
    ) -> Result<T, Error> {
        let caller = caller.into();
        let mut trace = CommandTrace::start(traced, &caller.actor);
        let result = self.execute_traced(&mut trace, receipts, &caller, command, attempt);
        trace.finish(&result);
        result
    }

    fn execute_traced<T: Replied>(
        &self,
        trace: &mut CommandTrace<'_>,
        receipts: &Receipts,
        caller: &Caller,
        command: impl FnOnce() -> crate::command::Command,
        mut attempt: impl FnMut(&mut Unit<'_>) -> Result<T, Error>,
    ) -> Result<T, Error> {
        caller.actor.check_id_length(self.policy.max_id_chars)?;
        let fingerprint = caller.request_id.as_ref().map(|_| command().fingerprint());
        if receipts.is_empty()
            && let Some(replayed) = self.replay(&caller.actor, &caller.request_id, fingerprint.as_deref())?
        {
            return replayed;
        }
        let now = self.clock_now()?;
        let mut last = None;
        for _ in 0..MAX_ATTEMPTS {
            let mut unit = Unit::new(self, &caller.actor, now, receipts);
            let mut result = attempt(&mut unit);
            if result.is_ok() && trace.is_on() {
                trace.created(unit.created());
            }
            let mut saves_request = true;
            if result.is_err() && !unit.saves_refusal() {
                // A concurrent call under the same request id may have committed between
                // our replay check and our load (the order is paid now, say): its result
                // is the answer, not the refusal that its effect causes.
                if let Some(replayed) = self.replay(&caller.actor, &caller.request_id, fingerprint.as_deref())? {
                    result = replayed;
                }
                if receipts.is_empty() {
                    return result;
                }
                // The refusal changes nothing but the money taken for it.
                unit = Unit::new(self, &caller.actor, now, receipts);
                saves_request = false;
            }
            unit.return_unclaimed()?;
            if !saves_request && unit.is_empty() {
                return result;
            }
            let mut commit = unit.into_commit();
            if saves_request && let (Some(id), Some(fp)) = (&caller.request_id, &fingerprint) {
                commit.request = Some(RequestRecord {
                    actor: caller.actor.clone(),
                    id: id.clone(),
                    at: now,
                    fingerprint: fp.clone(),
                    reply: result.as_ref().map(Replied::to_reply).map_err(Clone::clone),
                });
            }
            let sets_due = commit.writes.iter().any(|w| w.due.is_some());
            match self.store.commit(commit, now) {
                Ok(_) => {
                    if sets_due {
                        self.due_bells.ring();
                    }
                    return result;
                }
                Err(Error::Conflict { reason }) => {
                    // With money taken, the next attempt settles it (a replayed winner's
                    // receipt is the same one, and recorded).
                    if receipts.is_empty()
                        && let Some(replayed) =
                            self.replay(&caller.actor, &caller.request_id, fingerprint.as_deref())?
                    {
                        return replayed;
                    }
                    trace.conflict();
                    last = Some(Error::Conflict { reason });
                }
                Err(other) => return Err(other),
            }
        }
        Err(last.unwrap_or_else(|| Error::conflict("too many concurrent changes")))
    }

    fn replay<T: Replied>(
        &self,
        actor: &Actor,
        id: &Option<RequestId>,
        fingerprint: Option<&str>,
    ) -> Result<Option<Result<T, Error>>, Error> {
        let (Some(id), Some(fp)) = (id, fingerprint) else { return Ok(None) };
        let Some(record) = self.store.request(actor, id)? else { return Ok(None) };
        if record.fingerprint != fp {
            return Err(Error::conflict(format!(
                "request id {id} was already used for a different command: choose a new request id"
            )));
        }
        Ok(Some(match record.reply {
            Ok(reply) => T::replayed(reply, self, actor).and_then(|replied| {
                replied
                    .ok_or_else(|| Error::conflict(format!("request id {id} was already used for a different command")))
            }),
            Err(e) => Err(e),
        }))
    }

    pub(crate) fn get<A: Stored>(&self, target: Target) -> Result<Versioned<A>, Error> {
        self.store.get(&target)
    }

    pub(crate) fn account(&self, customer: &CustomerId) -> Result<CustomerAccount, Error> {
        self.store
            .find::<CustomerAccount>(&Target::Account(customer.clone()))?
            .map(|v| v.value)
            .ok_or_else(|| Error::not_found("account", format!("{customer} (register the customer first)")))
    }

    /// Registers a customer account, or updates it (a host-level setting, not a marketplace
    /// command: only [`Actor::System`] runs it). The marketplace's own counters (UNS-3) stay.
    pub fn register_customer(&self, account: CustomerAccount) -> Result<CustomerAccount, Error> {
        self.check_input("account", &account)?;
        self.execute(
            Actor::System,
            traced("register_customer").on(&account.id),
            || crate::command::Command::RegisterCustomer { account: account.clone() },
            |unit| {
                let target = Target::Account(account.id.clone());
                unit.decide_or_create::<CustomerAccount>(&target, &AccountCommand::Register(account.clone()))
            },
        )
    }

    /// Up to `limit` events after `cursor` (0 for the start), and never more than the policy's
    /// `max_events_page` (10,000): a host sends each notification once by remembering the last
    /// `seq` it handled, and pages on from it.
    pub fn events_since(&self, cursor: u64, limit: usize) -> Result<Vec<Event>, Error> {
        self.store.events_since(cursor, limit.min(self.policy.max_events_page as usize))
    }

    /// The operation records of something `by` may see, oldest first: up to `limit` events
    /// (none, or more than the policy's `max_records_page`: `max_records_page`) after the event whose `seq` is `after` (0 for
    /// the first page). The next page starts after the last event's `seq`; a page shorter than
    /// asked is the last.
    pub fn records(&self, by: &Actor, target: &Target, after: u64, limit: Option<u32>) -> Result<Vec<Event>, Error> {
        self.check_can_view(by, target)?;
        let most = self.policy.max_records_page;
        self.store.records(target, after, limit.map_or(most, |l| l.min(most)) as usize)
    }

    /// What `by` may do with `target` now, each with the rule that refuses it.
    pub fn available_actions(&self, by: &Actor, target: &Target) -> Result<Vec<Availability>, Error> {
        self.check_can_view(by, target)?;
        match target {
            Target::Order(_) => {
                let order: Order = self.get(target.clone())?.value;
                let account = self.account(&order.customer).ok();
                let mut actions = order.available_actions(by, account.as_ref());
                actions.extend(self.refund_actions(by, &order));
                actions.extend(self.invoice_actions(by, &order));
                Ok(actions)
            }
            Target::App(_) => {
                let app: PurchasedApp = self.get(target.clone())?.value;
                let mut actions = app.available_actions(by);
                actions.extend(self.renewal_actions(by, &app));
                actions.extend(self.unsubscribe_actions(by, &app));
                Ok(actions)
            }
            Target::Invoice(_) => {
                let invoice: Invoice = self.get(target.clone())?.value;
                Ok(invoice.available_actions(by))
            }
            Target::Flow(_) => {
                let flow: ServiceFlow = self.get(target.clone())?.value;
                Ok(flow.available_actions(by, &self.policy, self.clock_now()?))
            }
            Target::Appeal(_) => {
                let appeal: Appeal = self.get(target.clone())?.value;
                Ok(appeal.available_actions(by))
            }
            other => Err(Error::invalid("target", format!("{other} has no actions"))),
        }
    }

    /// Refuses `by` a look at `target` unless the domain says it is theirs (ACC-1): the target's
    /// owners are read only when its kind does not decide it.
    pub(crate) fn check_can_view(&self, by: &Actor, target: &Target) -> Result<(), Error> {
        if let Some(decided) = access::view_without_owner(by, target) {
            return decided;
        }
        match target {
            Target::Order(_) => access::check_view(by, target, &self.get::<Order>(target.clone())?.value),
            Target::App(_) => access::check_view(by, target, &self.get::<PurchasedApp>(target.clone())?.value),
            Target::Flow(_) => access::check_view(by, target, &self.get::<ServiceFlow>(target.clone())?.value),
            Target::Appeal(_) => access::check_view(by, target, &self.get::<Appeal>(target.clone())?.value),
            Target::Invoice(_) => access::check_view(by, target, &self.get::<Invoice>(target.clone())?.value),
            Target::Account(_) | Target::SavedList(_) | Target::Product(_) => Ok(()),
        }
    }
}

/// A marketplace id unlikely to be made twice: the wall-clock nanoseconds, the process id and a
/// per-process counter.
fn fresh_marketplace_id() -> String {
    use std::sync::atomic::{AtomicU64, Ordering};
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let nanos =
        std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_nanos()).unwrap_or_default();
    let n = COUNTER.fetch_add(1, Ordering::Relaxed);
    format!("mkt-{nanos:x}-{:x}-{n:x}", std::process::id())
}

impl Default for Marketplace {
    fn default() -> Marketplace {
        Marketplace::new()
    }
}
