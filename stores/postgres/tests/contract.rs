//! The repository contract suite against a real PostgreSQL server.

mod common;

use appmarket::testing::contract;

#[test]
fn postgres_store_passes_the_contract_suite() {
    let Some(url) = common::url() else { return };
    contract::run_all(|| common::fresh_store(&url, "contract"));
}

/// A page of app updates (what `tick` saves) goes in one statement: saved together, a stale one
/// a conflict in its slot with the others saved one by one, events numbered in list order, due
/// rows moved and page claims ended.
#[test]
fn a_page_of_app_updates_is_saved_together() {
    use std::collections::HashSet;
    use std::sync::Arc;

    use appmarket::store::{Commit, Record, Store, Write};
    use appmarket::testing::fixtures;
    use appmarket::*;
    use chrono::Duration;

    let Some(url) = common::url() else { return };
    let store = Arc::new(common::fresh_store(&url, "page"));
    let clock = ManualClock::new(fixtures::t0());
    let market = Marketplace::builder().store(store.clone()).clock(clock.clone()).build().expect("build");
    let product = market.list_product(Actor::seller("isv-1").unwrap(), fixtures::saas_draft()).unwrap();
    let alice = CustomerId::parse("alice").unwrap();
    market.register_customer(CustomerAccount::with_card(alice.clone())).unwrap();
    let buyer = Actor::Customer(alice);
    let request = fixtures::standard_monthly(product.id);
    let order = market.place_order(&buyer, request).unwrap();
    market.accept_terms(&buyer, &order.id).unwrap();
    let paid = market.pay(&buyer, &order.id, Some(PaymentMethod::CreditCard)).unwrap();
    let template = market.app(&buyer, paid.app.as_ref().unwrap()).unwrap();
    let t = clock.instant();
    let app = |n: u32| {
        let mut a = template.clone();
        a.id = AppId::parse(&format!("APP-P{n:07}")).unwrap();
        a
    };
    let due = t + Duration::days(1);
    let writes = (1..=4).map(|n| Write { record: Record::App(app(n)), expected_version: 0, due: Some(due) }).collect();
    store.commit(Commit { writes, ..Commit::default() }, t).expect("save the apps");
    let claimed = store.claim_due(due, due + Duration::minutes(5), 100, &HashSet::new()).expect("claim");
    assert_eq!(claimed, (1..=4).map(|n| Target::App(app(n).id)).collect::<Vec<_>>(), "the four copies are due");
    let head = store.events_since(0, 1000).unwrap().len() as u64;
    let update = |n: u32, version: u64, name: &str, next: Option<chrono::DateTime<chrono::Utc>>| {
        let mut a = app(n);
        a.product_name = name.into();
        Commit {
            writes: vec![Write { record: Record::App(a), expected_version: version, due: next }],
            events: vec![appmarket::event::NewEvent {
                actor: Actor::System,
                target: Target::App(app(n).id),
                kind: appmarket::event::EventKind::AccountRegistered,
            }],
            ..Commit::default()
        }
    };
    let later = due + Duration::days(30);
    // Out of key order, one stale: the others are saved one by one, each in its slot.
    let saved = store
        .commit_many(
            vec![update(3, 1, "Three", Some(later)), update(1, 7, "One", None), update(2, 1, "Two", None)],
            due,
        )
        .expect("save together");
    assert_eq!(saved[0].as_ref().ok(), Some(&(head + 1)));
    assert!(matches!(saved[1], Err(Error::Conflict { .. })), "stale: {:?}", saved[1]);
    assert_eq!(saved[2].as_ref().ok(), Some(&(head + 2)));
    // All fresh: one statement.
    let saved = store
        .commit_many(vec![update(4, 1, "Four", Some(later)), update(1, 1, "One", Some(later))], due)
        .expect("save together");
    assert_eq!(
        saved.iter().map(|r| r.as_ref().ok().copied()).collect::<Vec<_>>(),
        vec![Some(head + 3), Some(head + 4)]
    );
    let events = store.events_since(head, 10).unwrap();
    let order: Vec<Target> = events.iter().map(|e| e.target.clone()).collect();
    assert_eq!(order, [3, 2, 4, 1].map(|n| Target::App(app(n).id)).to_vec(), "numbered in list order");
    for (n, version, name) in [(1, 2, "One"), (2, 2, "Two"), (3, 2, "Three"), (4, 2, "Four")] {
        let (record, v) = store.load(&Target::App(app(n).id)).unwrap().expect("saved");
        let Record::App(a) = record else { panic!("an app") };
        assert_eq!((v, a.product_name.as_str()), (version, name));
    }
    // The saved apps' claims ended with their due rows: 2 is no longer due, the rest later.
    let due_now: Vec<Target> = store.due(later, 100).unwrap();
    assert!(!due_now.contains(&Target::App(app(2).id)));
    let page = store.claim_due(later, later + Duration::minutes(5), 100, &HashSet::new()).expect("claim");
    assert!([1, 3, 4].iter().all(|n| page.contains(&Target::App(app(*n).id))), "{page:?}");
}
