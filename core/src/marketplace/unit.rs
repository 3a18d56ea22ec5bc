//! The unit of work of one command: each target is loaded once and kept as a working copy;
//! several aggregates decide in turn on those copies (payment → order → app → flow); the unit
//! then becomes one [`Commit`] with exactly one write per changed target, at the version it was
//! loaded at, and the decided events in the order they were decided.
//!
//! A refused decision changes nothing in the unit: `decide` is pure, and only its events are
//! applied.
//!
//! A unit of a preview ([`Unit::preview`]) decides the same way on the working copies of a
//! [`Sandbox`]: it reads what the sandbox holds before the store, numbers what it creates from
//! the sandbox, and its gateway pays every charge and refund without being asked; its commit
//! goes back to the sandbox.

use chrono::{DateTime, Utc};

use super::Marketplace;
use super::receipts::{Charged, Receipts, Taken, fresh_key};
use super::sandbox::Sandbox;
use crate::actor::{Actor, AppId, Target};
use crate::aggregate::{Aggregate, Create, Ctx};
use crate::app::PurchasedApp;
use crate::error::Error;
use crate::event::NewEvent;
use crate::order::Order;
use crate::payments::{ChargeRequest, PaymentError, Receipt, RefundRequest, ReturnedCharge, check_receipt};
use crate::secret::Secret;
use crate::store::{Commit, Record, Stored, Write};

/// The room a preview's unit makes at once for its working copies and its events.
const PREVIEW_ENTRIES: usize = 4;
const PREVIEW_EVENTS: usize = 8;

/// The vectors of a preview's units, emptied and handed from one step's unit to the next, so
/// that a step allocates none of them again: the unit's working copies, its events (the
/// commit's, given back once read) and its commit's writes.
#[derive(Default)]
pub(crate) struct Spare {
    entries: Vec<Entry>,
    events: Vec<NewEvent>,
    writes: Vec<Write>,
}

impl Spare {
    /// Room for what a step usually decides (an app, the order of its renewal, their events):
    /// vectors grown one element at a time would copy their events again.
    pub(crate) fn with_room() -> Spare {
        Spare {
            entries: Vec::with_capacity(PREVIEW_ENTRIES),
            events: Vec::with_capacity(PREVIEW_EVENTS),
            writes: Vec::with_capacity(PREVIEW_ENTRIES),
        }
    }

    /// Keeps the vectors of a commit a step has read, emptied, for the next step's unit.
    pub(crate) fn keep(&mut self, mut events: Vec<NewEvent>, mut writes: Vec<Write>) {
        events.clear();
        writes.clear();
        self.events = events;
        self.writes = writes;
    }
}

/// One target in the unit.
struct Entry {
    target: Target,
    /// The version it was loaded at; 0 for a new aggregate.
    version: u64,
    /// The working copy.
    record: Record,
    /// Whether the commit writes it.
    written: bool,
}

/// The working copies and decided events of one command.
pub(crate) struct Unit<'a> {
    market: &'a Marketplace,
    actor: &'a Actor,
    now: DateTime<Utc>,
    entries: Vec<Entry>,
    events: Vec<NewEvent>,
    secrets: Vec<(AppId, Secret)>,
    save_refusal: bool,
    /// Every receipt the command's gateway calls took, across its attempts.
    receipts: &'a Receipts,
    /// The keys this attempt charged.
    charged: Vec<String>,
    /// The working copies of a preview, instead of the store and the gateway.
    sandbox: Option<&'a Sandbox>,
    /// A preview's emptied vector for its commit's writes.
    spare_writes: Vec<Write>,
}

impl<'a> Unit<'a> {
    /// An empty unit for a command of `actor` at `now`, whose charges are noted in `receipts`.
    pub(crate) fn new(
        market: &'a Marketplace,
        actor: &'a Actor,
        now: DateTime<Utc>,
        receipts: &'a Receipts,
    ) -> Unit<'a> {
        Unit {
            market,
            actor,
            now,
            entries: Vec::new(),
            events: Vec::new(),
            secrets: Vec::new(),
            save_refusal: false,
            receipts,
            charged: Vec::new(),
            sandbox: None,
            spare_writes: Vec::new(),
        }
    }

    /// A unit of the preview of upcoming charges (UPC-1), deciding on the working copies of
    /// `sandbox`: the same decisions as [`Unit::new`]'s, with nothing read from the store that
    /// the sandbox holds, no number drawn from the store, and no gateway called: every charge
    /// and refund succeeds.
    ///
    /// Its vectors are those of `spare`, which [`Unit::into_preview_commit`] gives back emptied.
    pub(crate) fn preview(
        market: &'a Marketplace,
        actor: &'a Actor,
        now: DateTime<Utc>,
        receipts: &'a Receipts,
        sandbox: &'a Sandbox,
        spare: &mut Spare,
    ) -> Unit<'a> {
        Unit {
            sandbox: Some(sandbox),
            entries: std::mem::take(&mut spare.entries),
            events: std::mem::take(&mut spare.events),
            spare_writes: std::mem::take(&mut spare.writes),
            ..Unit::new(market, actor, now, receipts)
        }
    }

    /// Charges through the gateway for `target` (an order or an app, loaded in the unit). The
    /// key is made fresh when the target gave charges back; a receipt that does not match the
    /// request is a [`PaymentError::Failed`]. A matching receipt is noted for the whole command,
    /// so that it is recorded whatever the command concludes (see [`Unit::return_unclaimed`]).
    pub(crate) fn charge(
        &mut self,
        target: &Target,
        mut request: ChargeRequest,
    ) -> Result<Result<Receipt, PaymentError>, Error> {
        let returned = match target {
            Target::Order(_) => Charged::charges_returned(self.get::<Order>(target)?),
            Target::App(_) => Charged::charges_returned(self.get::<PurchasedApp>(target)?),
            other => return Err(Error::invalid("target", format!("{other} is never charged"))),
        };
        request.idempotency_key = fresh_key(request.idempotency_key, returned);
        if self.sandbox.is_some() {
            // A preview assumes the charge succeeds (UPC-1), and takes no money.
            return Ok(Ok(Receipt { id: request.idempotency_key, amount: request.amount, method: request.method }));
        }
        let receipt = match self.market.payments.charge(&request) {
            Ok(receipt) => receipt,
            Err(e) => return Ok(Err(e)),
        };
        if let Err(reason) = check_receipt(&receipt, &request.amount, request.method, &request.idempotency_key) {
            return Ok(Err(PaymentError::Failed(reason)));
        }
        self.receipts.note(Taken {
            target: target.clone(),
            key: request.idempotency_key.clone(),
            customer: request.customer,
            description: request.description,
            receipt: receipt.clone(),
        });
        self.charged.push(request.idempotency_key);
        Ok(Ok(receipt))
    }

    /// Gives back every charge the command took that this attempt did not charge again and that
    /// no concurrent command recorded: refunded under the charge's key + `:return`, and
    /// recorded on what it was taken for, in this unit's commit.
    pub(crate) fn return_unclaimed(&mut self) -> Result<(), Error> {
        for taken in self.receipts.taken() {
            if self.charged.contains(&taken.key) {
                continue;
            }
            match &taken.target {
                Target::Order(_) => self.return_charge::<Order>(taken)?,
                Target::App(_) => self.return_charge::<PurchasedApp>(taken)?,
                other => return Err(Error::invalid("target", format!("{other} is never charged"))),
            }
        }
        Ok(())
    }

    fn return_charge<A: Charged>(&mut self, taken: Taken) -> Result<(), Error> {
        let i = self.existing::<A>(&taken.target)?;
        self.charged.push(taken.key.clone());
        if self.at::<A>(i).holds_receipt(&taken.receipt.id) {
            return Ok(());
        }
        let request = RefundRequest {
            idempotency_key: format!("{}:return", taken.key),
            customer: taken.customer,
            method: taken.receipt.method,
            amount: taken.receipt.amount,
            description: format!("return of charge {}: {}", taken.receipt.id, taken.description),
        };
        let (refund, reason) = match self.market.payments.refund(&request) {
            Ok(refund) => match check_receipt(&refund, &request.amount, request.method, &request.idempotency_key) {
                Ok(()) => (Some(refund), format!("{} no longer wanted it: refunded", taken.target)),
                Err(why) => {
                    (None, format!("{} no longer wanted it; the refund's answer was refused: {why}", taken.target))
                }
            },
            Err(PaymentError::Declined(why) | PaymentError::Failed(why)) => (
                None,
                format!(
                    "{} no longer wanted it; the refund (key {}) failed: {why}; refund it by hand",
                    taken.target, request.idempotency_key
                ),
            ),
        };
        let returned = ReturnedCharge { key: taken.key, charge: taken.receipt, refund, reason };
        let ctx = self.ctx();
        let events = self.at::<A>(i).decide(&A::return_charge(returned), &ctx)?;
        self.record::<A>(i, events, &ctx);
        Ok(())
    }

    /// The first aggregate the unit created, if any (the target of a command's span when its
    /// declaration names none).
    pub(crate) fn created(&self) -> Option<&Target> {
        self.entries.iter().find(|e| e.version == 0 && e.written).map(|e| &e.target)
    }

    /// Refunds through the gateway; in a preview the refund succeeds without being asked.
    pub(crate) fn refund(&self, request: &RefundRequest) -> Result<Receipt, PaymentError> {
        if self.sandbox.is_some() {
            let id = request.idempotency_key.clone();
            return Ok(Receipt { id, amount: request.amount, method: request.method });
        }
        self.market.payments.refund(request)
    }

    /// Whether the unit would commit nothing.
    pub(crate) fn is_empty(&self) -> bool {
        self.events.is_empty() && self.secrets.is_empty() && !self.entries.iter().any(|e| e.written)
    }

    /// The context every decision of the unit sees.
    pub(crate) fn ctx(&self) -> Ctx<'a> {
        Ctx::new(self.actor, self.now, &self.market.policy)
    }

    /// Who the command is from.
    pub(crate) fn actor(&self) -> &'a Actor {
        self.actor
    }

    /// The command's instant.
    pub(crate) fn now(&self) -> DateTime<Utc> {
        self.now
    }

    /// The entry of `target`, loaded from the store on first use; `None` when absent.
    fn entry<A: Stored>(&mut self, target: &Target) -> Result<Option<usize>, Error> {
        if let Some(i) = self.entries.iter().position(|e| e.target == *target) {
            return Ok(Some(i));
        }
        let kept = self.sandbox.and_then(|s| s.take(target)).map(|record| (record, 0));
        let Some((record, version)) = kept.map_or_else(|| self.market.store.load(target), |k| Ok(Some(k)))? else {
            return Ok(None);
        };
        if A::in_record(&record).is_none() {
            return Err(Error::Storage { reason: format!("{target} holds the wrong kind of record") });
        }
        self.entries.push(Entry { target: target.clone(), version, record, written: false });
        Ok(Some(self.entries.len() - 1))
    }

    /// Seeds the unit with `target` as already loaded (at `version`), so that the first use
    /// does not load it again: for scheduled work that loads a page of targets at once.
    pub(crate) fn preload(&mut self, target: &Target, record: Record, version: u64) -> Result<(), Error> {
        if record.target() != *target {
            return Err(Error::Storage { reason: format!("{target} holds the wrong kind of record") });
        }
        if !self.entries.iter().any(|e| e.target == *target) {
            self.entries.push(Entry { target: target.clone(), version, record, written: false });
        }
        Ok(())
    }

    /// The entry of `target`, loaded on first use; [`Error::NotFound`] if absent.
    fn existing<A: Stored>(&mut self, target: &Target) -> Result<usize, Error> {
        self.entry::<A>(target)?.ok_or_else(|| Error::not_found(A::WHAT, target.kind_and_id().1))
    }

    /// Wraps an aggregate's decided events for the commit, as done by the unit's actor.
    fn push_events<A: Stored>(&mut self, target: &Target, events: Vec<A::Event>) {
        let actor = self.actor;
        self.events.extend(events.into_iter().filter_map(A::event_kind).map(|kind| NewEvent {
            actor: actor.clone(),
            target: target.clone(),
            kind,
        }));
    }

    fn at<A: Stored>(&self, i: usize) -> &A {
        A::in_record(&self.entries[i].record).expect("checked when loaded")
    }

    /// The working copy of `target`, `None` if absent.
    pub(crate) fn find<A: Stored>(&mut self, target: &Target) -> Result<Option<&A>, Error> {
        Ok(self.entry::<A>(target)?.map(|i| self.at::<A>(i)))
    }

    /// The working copy of `target`; [`Error::NotFound`] if absent.
    pub(crate) fn get<A: Stored>(&mut self, target: &Target) -> Result<&A, Error> {
        let i = self.existing::<A>(target)?;
        Ok(self.at::<A>(i))
    }

    /// Lets `target` decide `cmd` and applies what it decided to the working copy; a refusal
    /// changes nothing. Returns the working copy after.
    pub(crate) fn decide<A: Stored>(&mut self, target: &Target, cmd: &A::Command) -> Result<&A, Error> {
        let i = self.existing::<A>(target)?;
        let ctx = self.ctx();
        let events = self.at::<A>(i).decide(cmd, &ctx)?;
        self.record::<A>(i, events, &ctx);
        Ok(self.at::<A>(i))
    }

    /// Whether `target` would accept `cmd` now, changing nothing: for a command whose effects
    /// start at a port (a refused refund never reaches the gateway).
    pub(crate) fn check<A: Stored>(&mut self, target: &Target, cmd: &A::Command) -> Result<(), Error> {
        let i = self.existing::<A>(target)?;
        let ctx = self.ctx();
        self.at::<A>(i).decide(cmd, &ctx).map(|_| ())
    }

    /// Applies events the unit already decided on `target` (a gateway's outcome recorded as
    /// the aggregate's own fact, see [`Unit::decide`] for commands).
    fn record<A: Stored>(&mut self, i: usize, events: Vec<A::Event>, ctx: &Ctx<'_>) {
        if events.is_empty() {
            return;
        }
        let entry = &mut self.entries[i];
        let value = A::in_record_mut(&mut entry.record).expect("checked when loaded");
        for e in &events {
            value.apply(e, ctx);
        }
        entry.written = true;
        let target = entry.target.clone();
        self.push_events::<A>(&target, events);
    }

    /// Lets an aggregate decide a creating command against its absence ([`Create::decide_new`])
    /// and has the store number what it decided; a refusal numbers nothing and changes nothing.
    /// The result is committed only once given to [`Unit::create`], so that the events of the
    /// aggregates decided in between (a flow frozen for a new appeal) come first.
    pub(crate) fn decide_new<A: Stored + Create>(&mut self, cmd: &A::Command) -> Result<New<A>, Error> {
        let ctx = self.ctx();
        let (mut value, events) = A::decide_new(cmd, &ctx)?;
        match self.sandbox {
            Some(sandbox) => value.number(&mut |_| Ok(sandbox.next_number()))?,
            None => {
                let store = &self.market.store;
                value.number(&mut |sequence| store.next_number(sequence))?
            }
        }
        Ok(New { value, events })
    }

    /// Adds a new aggregate the unit decided, with the events that record how it came to be.
    pub(crate) fn create<A: Stored>(&mut self, new: New<A>) -> &A {
        let New { value, events } = new;
        let target = value.target();
        self.push_events::<A>(&target, events);
        self.entries.push(Entry { target, version: 0, record: value.into_record(), written: true });
        self.at::<A>(self.entries.len() - 1)
    }

    /// Lets `target` decide `cmd`, or, when it is absent, decide it as a creating command: an
    /// aggregate created by its first change (a saved list, an account). A creating decision
    /// with no events creates nothing. Returns the aggregate after.
    pub(crate) fn decide_or_create<A: Stored + Create>(
        &mut self,
        target: &Target,
        cmd: &A::Command,
    ) -> Result<A, Error> {
        if self.find::<A>(target)?.is_some() {
            return Ok(self.decide::<A>(target, cmd)?.clone());
        }
        let new = self.decide_new::<A>(cmd)?;
        if new.events.is_empty() {
            return Ok(new.value);
        }
        Ok(self.create(new).clone())
    }

    /// Writes `target` again unchanged, so that the store recomputes when it is due (scheduled
    /// work that found nothing to do).
    pub(crate) fn rewrite<A: Stored>(&mut self, target: &Target) -> Result<(), Error> {
        let i = self.existing::<A>(target)?;
        self.entries[i].written = true;
        Ok(())
    }

    /// Saves what was decided even though the command ends in an error: the error is itself
    /// the outcome (a declined payment cancels the order, ORD-3).
    pub(crate) fn save_refusal(&mut self) {
        self.save_refusal = true;
    }

    /// Whether the unit is saved even when the command ends in an error.
    pub(crate) fn saves_refusal(&self) -> bool {
        self.save_refusal
    }

    /// Applies facts the facade learnt from a port (the gateway's outcome of a settlement) to
    /// `target`, as its events.
    pub(crate) fn record_facts<A: Stored>(&mut self, target: &Target, events: Vec<A::Event>) -> Result<&A, Error> {
        let i = self.existing::<A>(target)?;
        let ctx = self.ctx();
        self.record::<A>(i, events, &ctx);
        Ok(self.at::<A>(i))
    }

    /// Keeps an app's password apart from the app (APP-5).
    pub(crate) fn keep_secret(&mut self, app: AppId, secret: Secret) {
        self.secrets.push((app, secret));
    }

    /// The unit as one commit: one write per changed target at its loaded version, the events
    /// in decision order, the secrets. A preview's unit writes every working copy it took, so
    /// that all go back to the sandbox.
    pub(crate) fn into_commit(self) -> Commit {
        let policy = &self.market.policy;
        let all = self.sandbox.is_some();
        // Pushed, not collected: collecting in place would keep (and then shrink) the entries'
        // buffer.
        let mut writes = Vec::with_capacity(self.entries.iter().filter(|e| e.written || all).count());
        for e in self.entries.into_iter().filter(|e| e.written || all) {
            writes.push(Write { due: e.record.next_due(policy), expected_version: e.version, record: e.record });
        }
        Commit { writes, events: self.events, secrets: self.secrets, request: None }
    }

    /// [`Unit::into_commit`] of a preview's unit: every working copy written, into the vectors
    /// of `spare`, to which the emptied vector of working copies goes back.
    pub(crate) fn into_preview_commit(mut self, spare: &mut Spare) -> Commit {
        let policy = &self.market.policy;
        let mut writes = std::mem::take(&mut self.spare_writes);
        writes.extend(self.entries.drain(..).map(|e| Write {
            due: e.record.next_due(policy),
            expected_version: e.version,
            record: e.record,
        }));
        spare.entries = std::mem::take(&mut self.entries);
        Commit {
            writes,
            events: std::mem::take(&mut self.events),
            secrets: std::mem::take(&mut self.secrets),
            request: None,
        }
    }
}

/// An aggregate a creating command decided, numbered, not committed yet.
pub(crate) struct New<A: Aggregate> {
    value: A,
    events: Vec<A::Event>,
}

impl<A: Aggregate> New<A> {
    /// A new aggregate as built, with the events that record how it came to be, for the
    /// creations not yet decided by their aggregate (a product's listing, an invoice's request).
    pub(crate) fn built(value: A, events: Vec<A::Event>) -> New<A> {
        New { value, events }
    }

    /// The new aggregate as decided.
    pub(crate) fn value(&self) -> &A {
        &self.value
    }
}
