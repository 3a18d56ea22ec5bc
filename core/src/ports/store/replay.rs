//! Rebuilding a kept record from its events with its aggregate's own `apply`, to find a record
//! that no longer agrees with its history (`appmarket verify`).
//!
//! The stream records what happened to an aggregate, not the whole of it as it was created: a
//! placed order's event holds its total, not its quote or customer. So a record is rebuilt from
//! [`Aggregate::as_created`](crate::aggregate::Aggregate::as_created) (the record as its creation left it, told from the kept record)
//! with every one of its events applied in order, and compared with the kept record: what its
//! events set (a status, a payment, a refund, a term, the times of each step) must agree;
//! what only its creation set (a customer, a quote) is taken from the record itself and so is
//! not checked. A customer account is not rebuilt: the stream records a registration without the
//! account, and its own counter (UNS-3) without an event.

use super::{Record, Stored};
use crate::aggregate::Ctx;
use crate::event::Event;
use crate::policy::Policy;

/// A record being rebuilt from its events.
#[derive(Debug, Clone)]
pub struct Rebuild {
    state: Record,
    applied: u64,
}

fn created<A: Stored>(value: &A) -> Option<Record> {
    value.as_created().map(Stored::into_record)
}

fn step<A: Stored>(state: &mut Record, event: &Event, policy: &Policy) -> Result<(), String> {
    let value = A::in_record_mut(state).ok_or("the record changed kind")?;
    let own = A::own_event(&event.kind)
        .ok_or_else(|| format!("event {} is not one that a {} applies ({:?})", event.seq, A::WHAT, event.kind))?;
    value.apply(&own, &Ctx::new(&event.actor, event.at, policy));
    Ok(())
}

impl Rebuild {
    /// Starts from the record as its creation left it; `None` for a record that cannot be
    /// rebuilt from its events (a customer account).
    pub fn start(kept: &Record) -> Option<Rebuild> {
        let state = match kept {
            Record::Account(a) => created(&**a),
            Record::Product(p) => created(&**p),
            Record::SavedList(l) => created(&**l),
            Record::Order(o) => created(&**o),
            Record::App(a) => created(&**a),
            Record::Flow(f) => created(&**f),
            Record::Appeal(a) => created(&**a),
            Record::Invoice(i) => created(&**i),
        }?;
        Some(Rebuild { state, applied: 0 })
    }

    /// Applies the record's next event, as the unit of work did: by the event's actor, at its
    /// instant, under `policy`. An event of another target, or one its aggregate does not
    /// apply, is an error that says which.
    pub fn apply(&mut self, event: &Event, policy: &Policy) -> Result<(), String> {
        let target = self.state.target();
        if event.target != target {
            return Err(format!("event {} is about {}, not {target}", event.seq, event.target));
        }
        match &self.state {
            Record::Account(_) => step::<crate::account::CustomerAccount>(&mut self.state, event, policy),
            Record::Product(_) => step::<crate::catalog::Product>(&mut self.state, event, policy),
            Record::SavedList(_) => step::<crate::catalog::SavedList>(&mut self.state, event, policy),
            Record::Order(_) => step::<crate::order::Order>(&mut self.state, event, policy),
            Record::App(_) => step::<crate::app::PurchasedApp>(&mut self.state, event, policy),
            Record::Flow(_) => step::<crate::supervision::ServiceFlow>(&mut self.state, event, policy),
            Record::Appeal(_) => step::<crate::appeal::Appeal>(&mut self.state, event, policy),
            Record::Invoice(_) => step::<crate::invoice::Invoice>(&mut self.state, event, policy),
        }?;
        self.applied += 1;
        Ok(())
    }

    /// How many events were applied.
    pub fn applied(&self) -> u64 {
        self.applied
    }

    /// The record as rebuilt so far.
    pub fn record(&self) -> &Record {
        &self.state
    }

    /// Where the rebuilt record and the kept one differ, one line per field (`status: kept
    /// "cancelled", its events give "completed"`); empty when they agree.
    pub fn differences(&self, kept: &Record) -> Vec<String> {
        if self.state == *kept {
            return Vec::new();
        }
        let value = |r: &Record| serde_json::to_value(r).ok().and_then(|v| v.get("value").cloned());
        let (Some(serde_json::Value::Object(rebuilt)), Some(serde_json::Value::Object(stored))) =
            (value(&self.state), value(kept))
        else {
            return vec!["the record differs from what its events give".into()];
        };
        let mut fields: Vec<&String> = rebuilt.keys().chain(stored.keys()).collect();
        fields.sort();
        fields.dedup();
        let show = |v: Option<&serde_json::Value>| {
            let text = v.map_or_else(|| "nothing".to_owned(), |v| v.to_string());
            if text.chars().count() > 120 { format!("{}…", text.chars().take(120).collect::<String>()) } else { text }
        };
        let out: Vec<String> = fields
            .into_iter()
            .filter(|f| rebuilt.get(*f) != stored.get(*f))
            .map(|f| format!("{f}: kept {}, its events give {}", show(stored.get(f)), show(rebuilt.get(f))))
            .collect();
        if out.is_empty() { vec!["the record differs from what its events give".into()] } else { out }
    }
}
