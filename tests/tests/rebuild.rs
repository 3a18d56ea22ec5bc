//! Every record a journey or a random command sequence leaves is rebuilt from its events with
//! its aggregate's own `apply` (`appmarket::store::replay`), and its due instant is what its
//! state gives: what `appmarket verify` checks on a store.

use std::sync::Arc;

use appmarket::store::replay::Rebuild;
use appmarket::store::{Item, Kept, Portable, Store};
use appmarket::testing::contract::exported;
use appmarket::{MemoryStore, Policy};
use appmarket_tests::commands::{World, op, run_checked};
use appmarket_tests::journeys;
use proptest::prelude::*;

/// The mismatches of every record of `store`, one line each.
fn mismatches(store: &MemoryStore, policy: &Policy) -> Vec<String> {
    let mut out = Vec::new();
    for item in exported(store) {
        let Item::Record(Kept { record, due, .. }) = item else { continue };
        let target = record.target();
        if due != record.next_due(policy) {
            out.push(format!("{target}: due {due:?}, its state gives {:?}", record.next_due(policy)));
        }
        let Some(mut rebuilt) = Rebuild::start(&record) else { continue };
        for e in store.records(&target, 0, usize::MAX).expect("events") {
            if let Err(why) = rebuilt.apply(&e, policy) {
                out.push(format!("{target}: {why}"));
            }
        }
        out.extend(rebuilt.differences(&record).into_iter().map(|d| format!("{target}: {d}")));
    }
    out
}

#[test]
fn every_journey_leaves_records_that_their_events_rebuild() {
    for file in journeys::files() {
        let store = Arc::new(MemoryStore::new());
        journeys::replay_on(&file, Some(store.clone() as Arc<dyn Store>));
        let text = std::fs::read_to_string(&file).unwrap();
        let scenario: serde_json::Value = serde_json::from_str(&text).unwrap();
        let policy = match scenario.get("policy") {
            Some(p) if !p.is_null() => Policy::from_json(&p.to_string()).unwrap(),
            _ => Policy::default(),
        };
        assert!(!exported(&*store).is_empty());
        assert_eq!(mismatches(&store, &policy), Vec::<String>::new(), "{}", file.display());
    }
}

#[test]
fn a_record_changed_behind_its_history_is_found() {
    let store = Arc::new(MemoryStore::new());
    journeys::replay_on(&journeys::files()[0], Some(store.clone() as Arc<dyn Store>));
    let items = exported(&*store);
    // The first order, its status changed without an event.
    let changed: Vec<_> = items
        .into_iter()
        .map(|item| match item {
            Item::Record(Kept { record: appmarket::store::Record::Order(mut o), version, due })
                if o.status != appmarket::OrderStatus::Cancelled =>
            {
                o.status = appmarket::OrderStatus::Cancelled;
                Ok(Item::Record(Kept { record: appmarket::store::Record::Order(o), version, due }))
            }
            other => Ok(other),
        })
        .collect();
    let copy = MemoryStore::new();
    copy.import(&mut changed.into_iter()).unwrap();
    let found = mismatches(&copy, &Policy::default());
    assert!(found.iter().any(|m| m.contains("status")), "{found:?}");
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 64, ..ProptestConfig::default() })]

    #[test]
    fn random_sequences_leave_records_that_their_events_rebuild(ops in prop::collection::vec(op(), 1..40)) {
        let store = Arc::new(MemoryStore::new());
        let shot = Arc::clone(&store);
        let mut world = World::with_store(store.clone(), move || shot.snapshot());
        run_checked(&mut world, &ops);
        prop_assert_eq!(mismatches(&store, &Policy::default()), Vec::<String>::new());
    }
}
