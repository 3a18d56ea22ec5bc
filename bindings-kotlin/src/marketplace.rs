//! The `Marketplace` object and its parts: `Policy`, `ManualClock`, `SimulatedPayments`; the
//! cross-cutting methods (accounts, tick, actions, records, events, now).

use std::sync::Arc;

use crate::conversions::{Actor, IntoCore, Money, Target, TimeSpan, Timestamp, all, caller, id};
use crate::errors::Result;
use crate::records::{Availability, CustomerAccount, Event, Receipt, TickReport};

// ---------------------------------------------------------------- policy

/// The numbers of the rules (RULES.md §12). `Policy()` gives the marketplace's defaults;
/// `Policy.fromJson(json)` overrides any field (missing fields keep their defaults).
#[derive(Debug, Clone, uniffi::Object)]
pub struct Policy {
    pub(crate) core: appmarket::Policy,
}

#[uniffi::export]
impl Policy {
    /// The marketplace's defaults.
    #[uniffi::constructor]
    pub fn new() -> Arc<Self> {
        Arc::new(Policy { core: appmarket::Policy::default() })
    }

    /// A policy from JSON (snake_case field names, e.g. `{"order_payment_timeout_days": 3}`);
    /// unknown fields and inconsistent values are refused.
    #[uniffi::constructor]
    pub fn from_json(json: String) -> Result<Arc<Self>> {
        Ok(Arc::new(Policy { core: appmarket::Policy::from_json(&json)? }))
    }

    /// The policy as JSON, every field present.
    pub fn to_json(&self) -> String {
        self.core.to_json()
    }
}

// ---------------------------------------------------------------- clock

/// A clock that moves only when told, never backwards (for tests and simulations). Share it
/// with a `Marketplace`; without one, the marketplace uses the system clock.
#[derive(Debug, Clone, uniffi::Object)]
pub struct ManualClock {
    pub(crate) core: appmarket::ManualClock,
}

#[uniffi::export]
impl ManualClock {
    /// A clock showing `start`.
    #[uniffi::constructor]
    pub fn new(start: Timestamp) -> Result<Arc<Self>> {
        Ok(Arc::new(ManualClock { core: appmarket::ManualClock::new(start) }))
    }

    /// The instant the clock shows.
    pub fn now(&self) -> Timestamp {
        self.core.instant()
    }

    /// Moves the clock to `to`; refuses going backwards (`InvalidInput`).
    pub fn set(&self, to: Timestamp) -> Result<()> {
        Ok(self.core.set(to)?)
    }

    /// Moves the clock on by `by`; refuses a negative duration (`InvalidInput`).
    pub fn advance(&self, by: TimeSpan) -> Result<()> {
        Ok(self.core.advance(by)?)
    }
}

// ---------------------------------------------------------------- payments

/// The simulated payment gateway: balances, scripted declines, and what was charged and
/// refunded. Share it with a `Marketplace` to inspect and steer payments.
#[derive(Debug, Default, uniffi::Object)]
pub struct SimulatedPayments {
    pub(crate) core: Arc<appmarket::SimulatedPayments>,
}

#[uniffi::export]
impl SimulatedPayments {
    /// A gateway with no balances and nothing charged.
    #[uniffi::constructor]
    pub fn new() -> Arc<Self> {
        Arc::new(SimulatedPayments::default())
    }

    /// Sets a customer's account balance (for `PaymentMethod.BALANCE`).
    pub fn set_balance(&self, customer: String, balance: Money) -> Result<()> {
        self.core.set_balance(&id(customer)?, balance.into_core()?);
        Ok(())
    }

    /// A customer's account balance, if set.
    pub fn balance(&self, customer: String) -> Result<Option<Money>> {
        Ok(self.core.balance(&id(customer)?).map(Into::into))
    }

    /// Declines the customer's next charge with `reason`.
    pub fn decline_next(&self, customer: String, reason: String) -> Result<()> {
        self.core.decline_next(&id(customer)?, &reason);
        Ok(())
    }

    /// Every successful charge, oldest first.
    pub fn charges(&self) -> Vec<Receipt> {
        all(self.core.charges())
    }

    /// Every successful refund, oldest first.
    pub fn refunds(&self) -> Vec<Receipt> {
        all(self.core.refunds())
    }
}

// ---------------------------------------------------------------- marketplace

/// The marketplace: every command and query of the library. Thread-safe: share one instance
/// across threads. Every mutating method takes an optional `requestId` that makes it
/// idempotent (replaying it returns the first result).
#[derive(Debug, uniffi::Object)]
pub struct Marketplace {
    pub(crate) core: appmarket::Marketplace,
}

#[uniffi::export]
impl Marketplace {
    /// A marketplace; `policy` defaults to `Policy()`, `clock` to the system clock, payments to
    /// a new `SimulatedPayments` — or `payments`, or the host's own `gateway` (not both), `store`
    /// to a new in-memory store (`SqliteStore(path)` keeps everything in a file). Refuses an
    /// inconsistent policy.
    #[uniffi::constructor(default(policy = None, clock = None, payments = None, store = None, gateway = None))]
    pub fn new(
        policy: Option<Arc<Policy>>,
        clock: Option<Arc<ManualClock>>,
        payments: Option<Arc<SimulatedPayments>>,
        store: Option<Arc<crate::sqlite_store::SqliteStore>>,
        gateway: Option<Arc<dyn crate::gateway::PaymentGateway>>,
    ) -> Result<Arc<Self>> {
        let mut builder = appmarket::Marketplace::builder();
        if let Some(store) = store {
            builder = builder.store(store.as_store());
        }
        if let Some(policy) = policy {
            builder = builder.policy(policy.core.clone());
        }
        if let Some(clock) = clock {
            builder = builder.clock(clock.core.clone());
        }
        match (payments, gateway) {
            (Some(_), Some(_)) => {
                return Err(crate::errors::AppMarketError::invalid(
                    "gateway",
                    "give either payments (the simulated gateway) or gateway (your own), not both",
                ));
            }
            (Some(payments), None) => builder = builder.payments(payments.core.clone()),
            (None, Some(gateway)) => builder = builder.payments(Arc::new(crate::gateway::HostGateway(gateway))),
            (None, None) => {}
        }
        Ok(Arc::new(Marketplace { core: builder.build()? }))
    }

    /// The policy in force.
    pub fn policy(&self) -> Arc<Policy> {
        Arc::new(Policy { core: self.core.policy().clone() })
    }

    /// The current instant of the marketplace's clock.
    pub fn now(&self) -> Timestamp {
        self.core.now()
    }

    /// Registers a customer account, or updates it (a host-level setting: no actor).
    pub fn register_customer(&self, account: CustomerAccount) -> Result<CustomerAccount> {
        Ok(self.core.register_customer(account.into_core()?)?.into())
    }

    /// Runs the scheduled work due at the clock's current instant (only `Actor.System`).
    pub fn tick(&self, by: Actor) -> Result<TickReport> {
        Ok(self.core.tick(&by.into_core()?)?.into())
    }

    /// What `by` may do with an order or an app now, each with the rule that refuses it.
    pub fn available_actions(&self, by: Actor, target: Target) -> Result<Vec<Availability>> {
        Ok(all(self.core.available_actions(&by.into_core()?, &target.into_core()?)?))
    }

    /// The operation records of something `by` may see, oldest first.
    pub fn records(&self, by: Actor, target: Target) -> Result<Vec<Event>> {
        Ok(all(self.core.records(&by.into_core()?, &target.into_core()?)?))
    }

    /// Runs a command given as JSON (`{"do": "place_order", …}`, see core's `Command`) and
    /// returns its result as JSON, for hosts that drive the marketplace by messages (the
    /// scenario runner uses it).
    #[uniffi::method(default(request_id = None))]
    pub fn run_json(&self, by: Actor, command: String, request_id: Option<String>) -> Result<String> {
        Ok(self.core.run_json(caller(by, request_id)?, &command)?)
    }

    /// Up to `limit` events after `cursor` (0 for the start), for notifications.
    pub fn events_since(&self, cursor: u64, limit: u32) -> Result<Vec<Event>> {
        Ok(all(self.core.events_since(cursor, limit as usize)?))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::errors::AppMarketError;

    #[test]
    fn core_errors_map_one_to_one() {
        let e: AppMarketError = appmarket::Error::not_allowed("ORD-2", "no card").into();
        assert_eq!(e, AppMarketError::NotAllowed { rule: "ORD-2".into(), reason: "no card".into() });
        assert_eq!(e.to_string(), appmarket::Error::not_allowed("ORD-2", "no card").to_string());
    }

    #[test]
    fn a_failed_lift_downcasts_to_the_typed_error() {
        let err = AppMarketError::lift("amount", "too big");
        assert!(matches!(err.downcast::<AppMarketError>(), Ok(AppMarketError::InvalidInput { .. })));
    }

    #[test]
    fn ids_and_actors_are_parsed_by_the_core() {
        let m = Marketplace::new(None, None, None, None, None).unwrap();
        let err = m.saved_list(Actor::Customer { id: String::new() }).unwrap_err();
        assert!(matches!(err, AppMarketError::InvalidInput { ref field, .. } if field == "customer_id"), "{err}");
        let json = m.run_json(Actor::Customer { id: "alice".into() }, r#"{"do":"saved_list"}"#.into(), None).unwrap();
        assert!(json.contains("alice"), "{json}");
        assert!(matches!(m.tick(Actor::Customer { id: "alice".into() }), Err(AppMarketError::Forbidden { .. })));
    }
}
