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
}
