//! The one shape of every aggregate: a command is decided into events by a pure function, and
//! the events are applied to the state.
//!
//! ```text
//!  command ──decide(&self, &cmd, &Ctx)──▶ Ok(events) ──apply(&mut self, &event, &Ctx)──▶ state'
//!                                     └─▶ Err(rule)   (nothing changes)
//! ```
//!
//! Every aggregate of the library — [`Order`](crate::Order), [`PurchasedApp`](crate::PurchasedApp),
//! [`ServiceFlow`](crate::ServiceFlow), [`Appeal`](crate::Appeal), [`Invoice`](crate::Invoice),
//! [`Product`](crate::Product), [`SavedList`](crate::SavedList) and
//! [`CustomerAccount`](crate::CustomerAccount) — implements [`Aggregate`]. The facade never
//! changes an aggregate any other way: it loads it into a unit of work, lets it decide, and
//! commits what was applied (see `ARCHITECTURE.md`).

use chrono::{DateTime, Utc};

use crate::actor::Actor;
use crate::error::Error;
use crate::policy::Policy;

/// What a decision may look at besides the aggregate and the command: who asks, when, and under
/// which policy. Deciding is pure: the same state, command and context give the same events.
#[derive(Debug, Clone, Copy)]
pub struct Ctx<'a> {
    /// Who asks (ACC-1 checks are the aggregate's).
    pub actor: &'a Actor,
    /// The marketplace clock's instant for this command.
    pub now: DateTime<Utc>,
    /// The rules' numbers.
    pub policy: &'a Policy,
}

impl<'a> Ctx<'a> {
    /// A context.
    pub fn new(actor: &'a Actor, now: DateTime<Utc>, policy: &'a Policy) -> Ctx<'a> {
        Ctx { actor, now, policy }
    }
}

/// An aggregate: decides its commands into events, and applies events.
///
/// `apply` takes the [`Ctx`] too: an event records what happened, while who did it and when are
/// kept once, on the event's envelope ([`Event`](crate::Event)), not repeated in every payload.
///
/// ```
/// use appmarket::catalog::ProductCommand;
/// use appmarket::testing::fixtures;
/// use appmarket::*;
///
/// let market = Marketplace::builder().clock(ManualClock::new(fixtures::t0())).build()?;
/// let seller = Actor::seller("isv-1")?;
/// let product = market.list_product(&seller, fixtures::saas_draft())?;
///
/// let policy = Policy::default();
/// let ctx = Ctx::new(&seller, fixtures::t0(), &policy);
/// let events = product.decide(&ProductCommand::Delist, &ctx)?;
/// let mut delisted = product.clone();
/// events.iter().for_each(|e| delisted.apply(e, &ctx));
/// assert!(!delisted.listed);
///
/// // Deciding is pure and names the rule that refuses: delisting twice is CAT-3.
/// let again = delisted.decide(&ProductCommand::Delist, &ctx).unwrap_err();
/// assert_eq!(again.rule(), Some("CAT-3"));
/// // Another seller may not act on it at all (ACC-1).
/// let other = Actor::seller("isv-2")?;
/// assert_eq!(product.decide(&ProductCommand::Delist, &Ctx::new(&other, fixtures::t0(), &policy)).unwrap_err().kind(), "forbidden");
/// # Ok::<(), appmarket::Error>(())
/// ```
pub trait Aggregate: Clone {
    /// A name for messages, e.g. `"order"`.
    const WHAT: &'static str;
    /// What may be asked of it.
    type Command;
    /// What may happen to it: its operation records.
    type Event;

    /// Decides a command into events, or refuses it (naming the rule) without changing anything.
    fn decide(&self, cmd: &Self::Command, ctx: &Ctx<'_>) -> Result<Vec<Self::Event>, Error>;

    /// Applies one decided event.
    fn apply(&mut self, event: &Self::Event, ctx: &Ctx<'_>);

    /// When the system must next look at it (`tick`); `None` when nothing is scheduled.
    fn next_due(&self, _policy: &Policy) -> Option<DateTime<Utc>> {
        None
    }

    /// The aggregate as its creation left it, told from itself: what its creation decided,
    /// with every field its events change back as creation set it, so that applying all its
    /// events in order gives it back (`appmarket verify` rebuilds records so). An aggregate
    /// makes it with the constructor its creation uses, from what its creation decided read
    /// from itself, so that a field added to it gets its creation value in one place. `None`
    /// (the default) when the aggregate does not keep what its creation set in a field its
    /// events change.
    fn as_created(&self) -> Option<Self> {
        None
    }
}

/// Kinds of ids the store numbers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Sequence {
    /// Products.
    Product,
    /// Orders.
    Order,
    /// Apps.
    App,
    /// Service flows.
    Flow,
    /// Appeals.
    Appeal,
    /// Invoices.
    Invoice,
}

/// An aggregate that a command creates: placing an order, starting an app, opening a service
/// flow or an appeal, listing a product, requesting an invoice. Creating is a decision like
/// any other: the aggregate decides the command against its own absence, and the facade only
/// commits what it decided. The store numbers the new aggregate once the decision stands
/// ([`Create::number`]), so a refusal numbers nothing.
pub trait Create: Aggregate + Sized {
    /// Decides a creating command: the new aggregate (not numbered yet) and the events that
    /// record how it came to be, or the rule that refuses.
    fn decide_new(cmd: &Self::Command, ctx: &Ctx<'_>) -> Result<(Self, Vec<Self::Event>), Error>;

    /// Gives the decided aggregate the ids the store numbers for it, drawing each from `next`;
    /// nothing when the command carried them.
    fn number(&mut self, next: &mut dyn FnMut(Sequence) -> Result<u64, Error>) -> Result<(), Error> {
        let _ = next;
        Ok(())
    }
}

/// Whether a count is zero: a count kept on an aggregate is left out of its JSON while zero.
pub(crate) fn is_zero(n: &u32) -> bool {
    *n == 0
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    /// An aggregate with the events that made it, each with who it was decided by and when:
    /// what a store keeps of it, for the tests that rebuild it from [`Aggregate::as_created`].
    pub(crate) struct Lived<A: Aggregate> {
        /// The aggregate as its decisions left it.
        pub(crate) value: A,
        events: Vec<(A::Event, Actor, DateTime<Utc>)>,
        policy: Policy,
    }

    impl<A: Aggregate> Lived<A> {
        /// What a creation decided by `by` at `at`: the new aggregate, and the events that
        /// record it (already applied to it).
        pub(crate) fn new(value: A, events: Vec<A::Event>, by: &Actor, at: DateTime<Utc>) -> Lived<A> {
            let events = events.into_iter().map(|e| (e, by.clone(), at)).collect();
            Lived { value, events, policy: Policy::default() }
        }

        /// Decides a creating command by `by` at `at` under the default policy, and numbers
        /// the new aggregate as a store would.
        pub(crate) fn created(cmd: &A::Command, by: &Actor, at: DateTime<Utc>) -> Lived<A>
        where
            A: Create,
        {
            let policy = Policy::default();
            let (mut value, events) = A::decide_new(cmd, &Ctx::new(by, at, &policy)).expect("created");
            let mut n = 0;
            value
                .number(&mut |_| {
                    n += 1;
                    Ok(n)
                })
                .expect("numbered");
            Lived::new(value, events, by, at)
        }

        /// Decides `cmd` by `by` at `at` and applies its events.
        pub(crate) fn run(&mut self, cmd: &A::Command, by: &Actor, at: DateTime<Utc>) {
            let ctx = Ctx::new(by, at, &self.policy);
            let events = self.value.decide(cmd, &ctx).expect("decided");
            assert!(!events.is_empty(), "the command changes something");
            for event in events {
                self.value.apply(&event, &ctx);
                self.events.push((event, by.clone(), at));
            }
        }

        /// How many events made it.
        pub(crate) fn events(&self) -> usize {
            self.events.len()
        }

        /// The aggregate as its creation left it ([`Aggregate::as_created`] of the value), with
        /// every one of its events applied in order, each by its actor at its instant: what
        /// `appmarket verify` rebuilds.
        pub(crate) fn rebuilt(&self) -> A {
            let mut state = self.value.as_created().expect("rebuilt from its events");
            for (event, by, at) in &self.events {
                state.apply(event, &Ctx::new(by, *at, &self.policy));
            }
            state
        }
    }
}
