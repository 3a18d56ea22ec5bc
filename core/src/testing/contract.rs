//! The repository contract suite: every [`Store`] adapter must pass it (in the style of bdk's
//! `persist_test_utils`). Call [`run_all`] with a factory of empty stores.

use chrono::Duration;

use crate::account::CustomerAccount;
use crate::actor::{Actor, AppId, AppealId, CustomerId, FlowId, OrderId, RequestId, SellerId, Target};
use crate::aggregate::Aggregate;
use crate::app::AppFilter;
use crate::appeal::{Appeal, AppealStatus};
use crate::catalog::{Product, SearchQuery};
use crate::error::Error;
use crate::event::{EventKind, NewEvent};
use crate::order::{Order, OrderFilter, OrderKind, OrderStatus};
use crate::policy::Policy;
use crate::pricing::purchase_quote;
use crate::store::{Commit, Record, Reply, RequestRecord, Sequence, Store, StoreExt, Write};
use crate::supervision::{AppealGrounds, FlowFilter, FlowKind, FlowStatus, Party, ServiceFlow};

use super::fixtures;

fn customer() -> CustomerId {
    CustomerId::parse("contract-customer").expect("valid id")
}

fn product(n: u64) -> Product {
    let draft = fixtures::saas_draft();
    let currency = draft.validate(&crate::Policy::default()).expect("valid draft");
    Product::from_draft(
        crate::actor::ProductId::parse(&format!("PRD-{n}")).expect("valid id"),
        crate::actor::SellerId::parse("contract-seller").expect("valid id"),
        draft,
        currency,
        fixtures::t0() + Duration::seconds(n as i64),
    )
}

fn order(n: u64) -> Order {
    let p = product(1);
    let spec = &p.specifications[0];
    let plan = &spec.plans[0];
    Order::placed(
        OrderId::numbered(n),
        customer(),
        &p,
        spec.name.clone(),
        plan.mode,
        10,
        1,
        OrderKind::Purchase,
        purchase_quote(spec, plan, 10, 1).expect("a valid quote"),
        fixtures::t0() + Duration::seconds(n as i64),
    )
}

fn write(record: Record, expected_version: u64) -> Write {
    let due = match &record {
        Record::Order(o) => o.next_due(&Policy::default()),
        _ => None,
    };
    Write { record, expected_version, due }
}

fn event(target: Target) -> NewEvent {
    NewEvent { actor: Actor::System, target, kind: EventKind::AccountRegistered }
}

/// A saved record loads back with version 1, then 2 after a second save.
pub fn load_and_save<S: Store>(store: &S) {
    let o = order(1);
    let target = Target::Order(o.id.clone());
    assert!(store.load(&target).expect("load").is_none());
    store
        .commit(Commit { writes: vec![write(Record::Order(o.clone()), 0)], ..Commit::default() }, fixtures::t0())
        .expect("save");
    let loaded = store.get::<Order>(&target).expect("load");
    assert_eq!((loaded.value.clone(), loaded.version), (o.clone(), 1));
    let mut changed = o;
    changed.status = OrderStatus::Cancelled;
    store
        .commit(Commit { writes: vec![write(Record::Order(changed.clone()), 1)], ..Commit::default() }, fixtures::t0())
        .expect("save");
    let loaded = store.get::<Order>(&target).expect("load");
    assert_eq!((loaded.value, loaded.version), (changed, 2));
}

/// A save at a stale version is a conflict and saves nothing, not even its events.
pub fn stale_version_is_a_conflict<S: Store>(store: &S) {
    let o = order(1);
    let target = Target::Order(o.id.clone());
    store
        .commit(Commit { writes: vec![write(Record::Order(o.clone()), 0)], ..Commit::default() }, fixtures::t0())
        .expect("save");
    let stale = Commit {
        writes: vec![write(Record::Order(o.clone()), 0)],
        events: vec![event(target.clone())],
        ..Commit::default()
    };
    let err = store.commit(stale, fixtures::t0()).expect_err("stale");
    assert!(matches!(err, Error::Conflict { .. }), "{err}");
    assert_eq!(store.get::<Order>(&target).expect("load").version, 1);
    assert!(store.records(&target).expect("records").is_empty());
    // All or nothing: a commit with one stale write saves none of its writes.
    let fresh = order(2);
    let mixed = Commit {
        writes: vec![write(Record::Order(fresh.clone()), 0), write(Record::Order(o), 0)],
        ..Commit::default()
    };
    assert!(store.commit(mixed, fixtures::t0()).is_err());
    assert!(store.load(&Target::Order(fresh.id)).expect("load").is_none());
}

/// A request id's outcome is remembered per actor; a second commit under the same actor and id
/// is a conflict; another actor's same id is another request.
pub fn request_ids_are_remembered<S: Store>(store: &S) {
    let id = RequestId::parse("req-1").expect("valid id");
    let alice = Actor::Customer(customer());
    let mallory = Actor::Customer(CustomerId::parse("mallory").expect("valid id"));
    assert!(store.request(&alice, &id).expect("request").is_none());
    let record = RequestRecord {
        actor: alice.clone(),
        id: id.clone(),
        at: fixtures::t0(),
        fingerprint: "cmd".into(),
        reply: Ok(Reply::Done),
    };
    store.commit(Commit { request: Some(record.clone()), ..Commit::default() }, fixtures::t0()).expect("save");
    assert_eq!(store.request(&alice, &id).expect("request"), Some(record.clone()));
    assert!(store.request(&mallory, &id).expect("request").is_none(), "request ids are scoped per actor");
    let again = store.commit(Commit { request: Some(record.clone()), ..Commit::default() }, fixtures::t0());
    assert!(matches!(again, Err(Error::Conflict { .. })));
    let theirs = RequestRecord { actor: mallory.clone(), at: fixtures::t0() + Duration::days(2), ..record };
    store.commit(Commit { request: Some(theirs.clone()), ..Commit::default() }, fixtures::t0()).expect("save");
    assert_eq!(store.request(&mallory, &id).expect("request"), Some(theirs));
}

/// Request records older than a cut-off are pruned; the id is then a new request.
pub fn old_request_ids_are_pruned<S: Store>(store: &S) {
    let alice = Actor::Customer(customer());
    for (n, days) in [(1, 0), (2, 1), (3, 5)] {
        let record = RequestRecord {
            actor: alice.clone(),
            id: RequestId::parse(&format!("req-{n}")).expect("valid id"),
            at: fixtures::t0() + Duration::days(days),
            fingerprint: format!("cmd-{n}"),
            reply: Ok(Reply::Done),
        };
        store.commit(Commit { request: Some(record), ..Commit::default() }, fixtures::t0()).expect("save");
    }
    assert_eq!(store.prune_requests(fixtures::t0() + Duration::days(2)).expect("prune"), 2);
    let id = |n: u32| RequestId::parse(&format!("req-{n}")).expect("valid id");
    assert!(store.request(&alice, &id(1)).expect("request").is_none());
    assert!(store.request(&alice, &id(2)).expect("request").is_none());
    assert!(store.request(&alice, &id(3)).expect("request").is_some());
    assert_eq!(store.prune_requests(fixtures::t0() + Duration::days(2)).expect("prune"), 0);
}

/// The first marketplace id offered is recorded; later offers get the recorded one back.
pub fn marketplace_id_is_recorded<S: Store>(store: &S) {
    assert_eq!(store.marketplace_id("market-a").expect("bind"), "market-a");
    assert_eq!(store.marketplace_id("market-b").expect("bind"), "market-a");
}

/// A due target is claimed by one host at a time; a claim ends when it runs out or when the
/// target is committed.
pub fn due_claims_are_exclusive<S: Store>(store: &S) {
    let o = order(1);
    let target = Target::Order(o.id.clone());
    store
        .commit(Commit { writes: vec![write(Record::Order(o.clone()), 0)], ..Commit::default() }, fixtures::t0())
        .expect("save");
    let t = fixtures::t0();
    assert!(store.claim(&target, t, t + Duration::minutes(5)).expect("claim"));
    assert!(!store.claim(&target, t + Duration::minutes(1), t + Duration::minutes(6)).expect("claim"));
    assert!(store.claim(&target, t + Duration::minutes(5), t + Duration::minutes(10)).expect("claim"));
    store
        .commit(Commit { writes: vec![write(Record::Order(o), 1)], ..Commit::default() }, fixtures::t0())
        .expect("save");
    assert!(store.claim(&target, t + Duration::minutes(6), t + Duration::minutes(11)).expect("claim"));
    assert!(store.claim(&target, t + Duration::minutes(7), t + Duration::minutes(12)).is_ok_and(|won| !won));
    store.release(&target).expect("release");
    assert!(store.claim(&target, t + Duration::minutes(7), t + Duration::minutes(12)).expect("claim"));
    let other = Target::Order(OrderId::numbered(2));
    assert!(store.claim(&other, t, t + Duration::minutes(5)).expect("claim"));
}

/// Owner queries filter and page, newest first; search finds listed products.
pub fn queries_filter_and_page<S: Store>(store: &S) {
    let writes = (1..=5).map(|n| write(Record::Order(order(n)), 0)).collect();
    store.commit(Commit { writes, ..Commit::default() }, fixtures::t0()).expect("save");
    let all = store.orders_of(&customer(), &OrderFilter::default(), 1, 2).expect("query");
    assert_eq!(all.total, 5);
    assert_eq!(
        all.items.iter().map(|o| o.id.clone()).collect::<Vec<_>>(),
        vec![OrderId::numbered(5), OrderId::numbered(4)]
    );
    let last = store.orders_of(&customer(), &OrderFilter::default(), 3, 2).expect("query");
    assert_eq!(last.items.len(), 1);
    let cancelled = OrderFilter { status: Some(OrderStatus::Cancelled), ..OrderFilter::default() };
    assert_eq!(store.orders_of(&customer(), &cancelled, 1, 10).expect("query").total, 0);
    assert_eq!(store.apps_of(&customer(), &AppFilter::default(), 1, 10).expect("query").total, 0);
    let mut delisted = product(2);
    delisted.listed = false;
    store
        .commit(
            Commit {
                writes: vec![write(Record::Product(product(1)), 0), write(Record::Product(delisted), 0)],
                ..Commit::default()
            },
            fixtures::t0(),
        )
        .expect("save");
    let policy = Policy::default();
    let query = SearchQuery { text: "EMAIL hosting".into(), ..SearchQuery::default() };
    let found = store.search(&query.prepare(&policy).expect("valid")).expect("search");
    assert_eq!(found.total, 1);
}

/// The due index gives what is due, earliest first, and forgets what is no longer due.
pub fn due_index_is_ordered<S: Store>(store: &S) {
    let timeout = Duration::days(i64::from(Policy::default().order_payment_timeout_days));
    let writes = [3, 1, 2].into_iter().map(|n| write(Record::Order(order(n)), 0)).collect();
    store.commit(Commit { writes, ..Commit::default() }, fixtures::t0()).expect("save");
    let at = fixtures::t0() + timeout + Duration::seconds(2);
    let due = store.due(at, 10).expect("due");
    assert_eq!(due, vec![Target::Order(OrderId::numbered(1)), Target::Order(OrderId::numbered(2))]);
    assert_eq!(store.due(at, 1).expect("due").len(), 1);
    let mut done = order(1);
    done.status = OrderStatus::Cancelled;
    store
        .commit(Commit { writes: vec![write(Record::Order(done), 1)], ..Commit::default() }, fixtures::t0())
        .expect("save");
    assert_eq!(store.due(at, 10).expect("due"), vec![Target::Order(OrderId::numbered(2))]);
}

/// Events are numbered from 1 and read back by cursor and by target.
pub fn events_are_numbered<S: Store>(store: &S) {
    let a = Target::Account(customer());
    let b = Target::Order(OrderId::numbered(9));
    let account = CustomerAccount::with_card(customer());
    let commit = Commit {
        writes: vec![write(Record::Account(account), 0)],
        events: vec![event(a.clone()), event(b.clone()), event(a.clone())],
        ..Commit::default()
    };
    let last = store.commit(commit, fixtures::t0()).expect("save");
    assert_eq!(last, 3);
    let all = store.events_since(0, 10).expect("events");
    assert_eq!(all.iter().map(|e| e.seq).collect::<Vec<_>>(), vec![1, 2, 3]);
    assert_eq!(store.events_since(1, 10).expect("events").len(), 2);
    assert_eq!(store.events_since(3, 10).expect("events").len(), 0);
    assert_eq!(store.records(&a).expect("records").len(), 2);
    assert_eq!(store.next_number(Sequence::Order).expect("seq"), 1);
    assert_eq!(store.next_number(Sequence::Order).expect("seq"), 2);
}

fn flow(n: u64) -> ServiceFlow {
    let mut o = order(n);
    o.involves_supervision = true;
    let (flow, _) = ServiceFlow::open(FlowId::numbered(n), &o, AppId::numbered(n), o.placed_at).expect("supervised");
    flow
}

fn appeal(n: u64, status: AppealStatus) -> Appeal {
    let f = flow(n);
    Appeal {
        id: AppealId::numbered(n),
        flow: f.id,
        order: f.order,
        customer: f.customer,
        seller: f.seller,
        appellant: Party::Customer,
        grounds: AppealGrounds::SellerIdle,
        reason: "idle".into(),
        opened_at: fixtures::t0() - Duration::seconds(n as i64),
        status,
        resolution: None,
        resolved_by: None,
        resolved_at: None,
    }
}

/// Flows are found by their customer and by their seller, newest first, filtered and paged.
pub fn flows_by_party<S: Store>(store: &S) {
    let writes = (1..=3).map(|n| write(Record::Flow(flow(n)), 0)).collect();
    store.commit(Commit { writes, ..Commit::default() }, fixtures::t0()).expect("save");
    let seller = Actor::Seller(SellerId::parse("contract-seller").expect("valid id"));
    for party in [Actor::Customer(customer()), seller] {
        let page = store.flows_of(&party, &FlowFilter::default(), 1, 2).expect("query");
        assert_eq!(page.total, 3);
        assert_eq!(
            page.items.iter().map(|f| f.id.clone()).collect::<Vec<_>>(),
            vec![FlowId::numbered(3), FlowId::numbered(2)]
        );
    }
    let mut moved = flow(2);
    moved.status = FlowStatus::RequestSubmitted;
    store
        .commit(Commit { writes: vec![write(Record::Flow(moved), 1)], ..Commit::default() }, fixtures::t0())
        .expect("save");
    let submitted = FlowFilter { status: Some(FlowStatus::RequestSubmitted), ..FlowFilter::default() };
    assert_eq!(store.flows_of(&Actor::Customer(customer()), &submitted, 1, 10).expect("query").total, 1);
    let licences = FlowFilter { kind: Some(FlowKind::License), ..FlowFilter::default() };
    assert_eq!(store.flows_of(&Actor::Customer(customer()), &licences, 1, 10).expect("query").total, 0);
    let stranger = Actor::Seller(SellerId::parse("someone-else").expect("valid id"));
    assert_eq!(store.flows_of(&stranger, &FlowFilter::default(), 1, 10).expect("query").total, 0);
}

/// Open appeals are listed oldest first; a resolved appeal leaves the list.
pub fn open_appeals_are_listed<S: Store>(store: &S) {
    let writes = vec![
        write(Record::Appeal(appeal(1, AppealStatus::Open)), 0),
        write(Record::Appeal(appeal(2, AppealStatus::Open)), 0),
        write(Record::Appeal(appeal(3, AppealStatus::Resolved)), 0),
    ];
    store.commit(Commit { writes, ..Commit::default() }, fixtures::t0()).expect("save");
    let open = store.open_appeals().expect("query");
    assert_eq!(
        open.iter().map(|a| a.id.clone()).collect::<Vec<_>>(),
        vec![AppealId::numbered(2), AppealId::numbered(1)]
    );
    let resolved = appeal(2, AppealStatus::Resolved);
    store
        .commit(Commit { writes: vec![write(Record::Appeal(resolved), 1)], ..Commit::default() }, fixtures::t0())
        .expect("save");
    assert_eq!(store.open_appeals().expect("query").len(), 1);
}

/// Runs every contract test, each on a fresh store.
pub fn run_all<S: Store>(new_store: impl Fn() -> S) {
    load_and_save(&new_store());
    stale_version_is_a_conflict(&new_store());
    request_ids_are_remembered(&new_store());
    old_request_ids_are_pruned(&new_store());
    marketplace_id_is_recorded(&new_store());
    due_claims_are_exclusive(&new_store());
    queries_filter_and_page(&new_store());
    due_index_is_ordered(&new_store());
    events_are_numbered(&new_store());
    flows_by_party(&new_store());
    open_appeals_are_listed(&new_store());
}
