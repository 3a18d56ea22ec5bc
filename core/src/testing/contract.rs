//! The repository contract suite: every [`Store`] adapter must pass it (in the style of bdk's
//! `persist_test_utils`). Call [`run_all`] with a factory of empty stores.

use std::collections::HashSet;

use chrono::Duration;

use crate::account::CustomerAccount;
use crate::actor::{Actor, AppId, AppealId, CustomerId, FlowId, OrderId, ProductId, RequestId, SellerId, Target};
use crate::aggregate::Aggregate;
use crate::app::AppFilter;
use crate::appeal::{Appeal, AppealStatus};
use crate::catalog::{Product, SearchQuery};
use crate::error::Error;
use crate::event::{EventKind, NewEvent};
use crate::order::{Order, OrderFilter, OrderKind, OrderStatus};
use crate::policy::Policy;
use crate::pricing::purchase_quote;
use crate::secret::Secret;
use crate::store::content::{Census, EventDigest, Item, Portable};
use crate::store::{Commit, Record, Reply, RequestRecord, Sequence, Store, StoreExt, Stored, Write};
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
    Order::placed_unchecked(
        OrderId::numbered(n),
        customer(),
        &p,
        crate::order::Ordered {
            specification: spec.name.clone(),
            mode: plan.mode,
            quantity: 10,
            periods: 1,
            kind: OrderKind::Purchase,
            quote: purchase_quote(spec, plan, 10, 1).expect("a valid quote"),
        },
        fixtures::t0() + Duration::seconds(n as i64),
    )
}

fn write<A: Stored>(value: A, expected_version: u64) -> Write {
    let record = value.into_record();
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
    store.commit(Commit { writes: vec![write(o.clone(), 0)], ..Commit::default() }, fixtures::t0()).expect("save");
    let loaded = store.get::<Order>(&target).expect("load");
    assert_eq!((loaded.value.clone(), loaded.version), (o.clone(), 1));
    let mut changed = o;
    changed.status = OrderStatus::Cancelled;
    store
        .commit(Commit { writes: vec![write(changed.clone(), 1)], ..Commit::default() }, fixtures::t0())
        .expect("save");
    let loaded = store.get::<Order>(&target).expect("load");
    assert_eq!((loaded.value, loaded.version), (changed, 2));
}

/// A save at a stale version is a conflict and saves nothing, not even its events.
pub fn stale_version_is_a_conflict<S: Store>(store: &S) {
    let o = order(1);
    let target = Target::Order(o.id.clone());
    store.commit(Commit { writes: vec![write(o.clone(), 0)], ..Commit::default() }, fixtures::t0()).expect("save");
    let stale = Commit { writes: vec![write(o.clone(), 0)], events: vec![event(target.clone())], ..Commit::default() };
    let err = store.commit(stale, fixtures::t0()).expect_err("stale");
    assert!(matches!(err, Error::Conflict { .. }), "{err}");
    assert_eq!(store.get::<Order>(&target).expect("load").version, 1);
    assert!(store.records(&target, 0, 10).expect("records").is_empty());
    // All or nothing: a commit with one stale write saves none of its writes.
    let fresh = order(2);
    let mixed = Commit { writes: vec![write(fresh.clone(), 0), write(o, 0)], ..Commit::default() };
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

/// Passwords are kept per app, the last one given wins, and a reveal's request record keeps
/// only the app (APP-5).
pub fn passwords_are_kept_apart<S: Store>(store: &S) {
    let (one, two) = (AppId::parse("app-1").expect("valid id"), AppId::parse("app-2").expect("valid id"));
    assert!(store.secret(&one).expect("secret").is_none());
    let secrets = vec![(one.clone(), Secret::new("First#1")), (two.clone(), Secret::new("Second#2"))];
    store.commit(Commit { secrets, ..Commit::default() }, fixtures::t0()).expect("save");
    let reveal = RequestRecord {
        actor: Actor::Customer(customer()),
        id: RequestId::parse("reveal-1").expect("valid id"),
        at: fixtures::t0(),
        fingerprint: "cmd".into(),
        reply: Ok(Reply::Password(one.clone())),
    };
    let secrets = vec![(one.clone(), Secret::new("Changed#1"))];
    store.commit(Commit { secrets, request: Some(reveal.clone()), ..Commit::default() }, fixtures::t0()).expect("save");
    assert_eq!(store.secret(&one).expect("secret").map(|s| s.expose().to_owned()).as_deref(), Some("Changed#1"));
    assert_eq!(store.secret(&two).expect("secret").map(|s| s.expose().to_owned()).as_deref(), Some("Second#2"));
    assert_eq!(store.request(&reveal.actor, &reveal.id).expect("request"), Some(reveal));
}

/// After `caller` revealed `app`'s password on `market` (whose store is `store`): the request
/// record names the app and holds no password, and a replay after `seller` changed the
/// password returns the new one (APP-5).
pub fn a_replayed_reveal_reads_the_current_password(
    market: &crate::Marketplace,
    store: &dyn Store,
    caller: &crate::actor::Caller,
    seller: &Actor,
    app: &AppId,
) {
    let id = caller.request_id.as_ref().expect("the reveal had a request id");
    let record = store.request(&caller.actor, id).expect("request").expect("the reveal is remembered");
    assert_eq!(record.reply, Ok(Reply::Password(app.clone())));
    let info = crate::app::ApplicationInfo::default();
    market.provide_application_info(seller, app, info, Some(Secret::new("New#pw-2"))).expect("a new password");
    let replayed = market.reveal_password(caller.clone(), app).expect("the replay");
    assert_eq!(replayed.expose(), "New#pw-2", "a replay returned an old password");
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
    store.commit(Commit { writes: vec![write(o.clone(), 0)], ..Commit::default() }, fixtures::t0()).expect("save");
    let t = fixtures::t0();
    assert!(store.claim(&target, t, t + Duration::minutes(5)).expect("claim"));
    assert!(!store.claim(&target, t + Duration::minutes(1), t + Duration::minutes(6)).expect("claim"));
    assert!(store.claim(&target, t + Duration::minutes(5), t + Duration::minutes(10)).expect("claim"));
    store.commit(Commit { writes: vec![write(o, 1)], ..Commit::default() }, fixtures::t0()).expect("save");
    assert!(store.claim(&target, t + Duration::minutes(6), t + Duration::minutes(11)).expect("claim"));
    assert!(store.claim(&target, t + Duration::minutes(7), t + Duration::minutes(12)).is_ok_and(|won| !won));
    store.release(&target).expect("release");
    assert!(store.claim(&target, t + Duration::minutes(7), t + Duration::minutes(12)).expect("claim"));
    let other = Target::Order(OrderId::numbered(2));
    assert!(store.claim(&other, t, t + Duration::minutes(5)).expect("claim"));
}

/// `commit_many` saves each commit on its own, in order, and `load_many` reads several records: a stale one (also one made stale by an
/// earlier commit of the same batch) is a conflict in its slot and saves nothing, and the others
/// are saved with their events numbered in list order; a saved commit ends the claim on its
/// target.
pub fn commits_are_saved_together_each_on_its_own<S: Store>(store: &S) {
    let t = fixtures::t0();
    let target = |n: u64| Target::Order(OrderId::numbered(n));
    store.commit(Commit { writes: vec![write(order(1), 0)], ..Commit::default() }, t).expect("save");
    assert!(store.claim(&target(1), t, t + Duration::minutes(5)).expect("claim"));
    let one = |n: u64, version: u64| Commit {
        writes: vec![write(order(n), version)],
        events: vec![event(target(n))],
        ..Commit::default()
    };
    let saved =
        store.commit_many(vec![one(1, 1), one(2, 0), one(3, 7), one(1, 1), one(4, 0)], t).expect("save together");
    assert_eq!(saved.len(), 5);
    assert_eq!(saved[0].as_ref().ok(), Some(&1));
    assert_eq!(saved[1].as_ref().ok(), Some(&2));
    assert!(matches!(saved[2], Err(Error::Conflict { .. })), "a stale version: {:?}", saved[2]);
    assert!(matches!(saved[3], Err(Error::Conflict { .. })), "made stale by the first: {:?}", saved[3]);
    assert_eq!(saved[4].as_ref().ok(), Some(&3));
    assert_eq!(store.get::<Order>(&target(1)).expect("load").version, 2);
    assert_eq!(store.get::<Order>(&target(4)).expect("load").version, 1);
    assert!(store.load(&target(3)).expect("load").is_none());
    let events = store.events_since(0, 10).expect("events");
    assert_eq!(
        events.iter().map(|e| (e.seq, e.target.clone())).collect::<Vec<_>>(),
        vec![(1, target(1)), (2, target(2)), (3, target(4))]
    );
    assert!(store.claim(&target(1), t, t + Duration::minutes(5)).expect("claim"), "the commit ended the claim");
    assert!(store.commit_many(Vec::new(), t).expect("nothing to save").is_empty());
    // All fresh: each returns the head after it, a commit without events the head before it.
    let quiet = Commit { writes: vec![write(order(6), 0)], ..Commit::default() };
    let saved = store.commit_many(vec![one(5, 0), quiet, one(7, 0)], t).expect("save together");
    assert_eq!(saved.iter().map(|r| r.as_ref().ok().copied()).collect::<Vec<_>>(), vec![Some(4), Some(4), Some(5)]);
    let later = store.events_since(3, 10).expect("events");
    assert_eq!(
        later.iter().map(|e| (e.seq, e.target.clone())).collect::<Vec<_>>(),
        vec![(4, target(5)), (5, target(7))]
    );
    // `load_many` answers in the order asked, `None` for what is absent.
    let account = Target::Account(customer());
    let loaded = store.load_many(&[target(4), target(3), account, target(1), target(4)]).expect("load many");
    let versions: Vec<Option<u64>> = loaded.iter().map(|l| l.as_ref().map(|(_, v)| *v)).collect();
    assert_eq!(versions, vec![Some(1), None, None, Some(2), Some(1)]);
    assert_eq!(loaded[3].as_ref().map(|(r, _)| r.target()), Some(target(1)));
}

/// A commit that writes one target twice is refused with `InvalidInput` and saves nothing, not
/// its other writes, events or request record; in `commit_many` it gets the refusal in its slot
/// and the others are saved.
pub fn a_target_written_twice_is_refused<S: Store>(store: &S) {
    let t = fixtures::t0();
    let target = |n: u64| Target::Order(OrderId::numbered(n));
    store.commit(Commit { writes: vec![write(order(1), 0)], ..Commit::default() }, t).expect("save");
    let before = store.events_since(0, 10).expect("events");
    let mut changed = order(1);
    changed.status = OrderStatus::Cancelled;
    let request = RequestRecord {
        actor: Actor::Customer(customer()),
        id: RequestId::parse("req-twice").expect("valid id"),
        at: t,
        fingerprint: "twice".into(),
        reply: Ok(Reply::Done),
    };
    // Twice new, twice updated: each refused before anything is written.
    let twice = [
        vec![write(order(2), 0), write(order(3), 0), write(order(2), 0)],
        vec![write(changed.clone(), 1), write(order(1), 1)],
    ];
    for writes in twice {
        let commit =
            Commit { writes, events: vec![event(target(1))], request: Some(request.clone()), ..Commit::default() };
        let err = store.commit(commit, t).expect_err("a target written twice");
        assert!(matches!(err, Error::InvalidInput { .. }), "{err}");
        assert!(err.to_string().contains("twice"), "{err}");
    }
    assert_eq!(store.get::<Order>(&target(1)).expect("load").version, 1);
    assert_eq!(store.get::<Order>(&target(1)).expect("load").value, order(1));
    assert!(store.load(&target(2)).expect("load").is_none());
    assert!(store.load(&target(3)).expect("load").is_none());
    assert_eq!(store.events_since(0, 10).expect("events"), before);
    assert!(store.request(&request.actor, &request.id).expect("request").is_none());
    // In a batch: the refusal in its slot, the others saved.
    let once = Commit { writes: vec![write(order(4), 0)], events: vec![event(target(4))], ..Commit::default() };
    let twice = Commit { writes: vec![write(changed.clone(), 1), write(changed, 1)], ..Commit::default() };
    let saved = store.commit_many(vec![twice, once], t).expect("save together");
    assert!(matches!(saved[0], Err(Error::InvalidInput { .. })), "{:?}", saved[0]);
    assert!(saved[1].is_ok(), "{:?}", saved[1]);
    assert_eq!(store.get::<Order>(&target(1)).expect("load").version, 1);
    assert_eq!(store.get::<Order>(&target(4)).expect("load").version, 1);
}

/// An app as paying for it makes it, from a marketplace of its own (only its value is used),
/// and the instant it was paid at.
fn paid_app() -> (crate::PurchasedApp, chrono::DateTime<chrono::Utc>) {
    use crate::*;
    let clock = ManualClock::new(fixtures::t0());
    let market = Marketplace::builder().clock(clock.clone()).build().expect("build");
    let product = market.list_product(Actor::seller("isv-1").unwrap(), fixtures::saas_draft()).unwrap();
    let alice = CustomerId::parse("alice").unwrap();
    market.register_customer(CustomerAccount::with_card(alice.clone())).unwrap();
    let buyer = Actor::Customer(alice);
    let request = fixtures::standard_monthly(product.id);
    let order = market.place_order(&buyer, request).unwrap();
    market.accept_terms(&buyer, &order.id).unwrap();
    let paid = market.pay(&buyer, &order.id, Some(PaymentMethod::CreditCard)).unwrap();
    (market.app(&buyer, paid.app.as_ref().unwrap()).unwrap(), clock.instant())
}

/// A page of app updates (what `tick` saves; a store may save it in a few statements): saved
/// together, a stale one a conflict in its slot with the others saved one by one, events
/// numbered in list order, due rows moved and page claims ended.
pub fn a_page_of_app_updates_is_saved_together<S: Store>(store: &S) {
    use crate::*;
    let (template, t) = paid_app();
    let app = |n: u32| {
        let mut a = template.clone();
        a.id = AppId::parse(&format!("APP-P{n:07}")).unwrap();
        a
    };
    let due = t + Duration::days(1);
    let writes =
        (1..=4).map(|n| Write { record: Record::App(Box::new(app(n))), expected_version: 0, due: Some(due) }).collect();
    store.commit(Commit { writes, ..Commit::default() }, t).expect("save the apps");
    let claimed = store.claim_due(due, due + Duration::minutes(5), 100, &HashSet::new()).expect("claim");
    assert_eq!(claimed, (1..=4).map(|n| Target::App(app(n).id)).collect::<Vec<_>>(), "the four copies are due");
    let head = store.events_since(0, 1000).unwrap().len() as u64;
    let update = |n: u32, version: u64, name: &str, next: Option<chrono::DateTime<chrono::Utc>>| {
        let mut a = app(n);
        a.product_name = name.into();
        Commit {
            writes: vec![Write { record: Record::App(Box::new(a)), expected_version: version, due: next }],
            events: vec![NewEvent {
                actor: Actor::System,
                target: Target::App(app(n).id),
                kind: EventKind::AccountRegistered,
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
    // All fresh: together.
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

/// A page of due work is claimed at once (`claim_due`): earliest first, up to the limit,
/// passing over what the caller skips and what a claim in force holds, and exclusive with
/// single claims. A page claim ends when it runs out, at the target's next commit or when
/// released.
pub fn due_pages_are_claimed_exclusively<S: Store>(store: &S) {
    let timeout = Duration::days(i64::from(Policy::default().order_payment_timeout_days));
    let writes = (1..=5).map(|n| write(order(n), 0)).collect();
    store.commit(Commit { writes, ..Commit::default() }, fixtures::t0()).expect("save");
    let target = |n: u64| Target::Order(OrderId::numbered(n));
    // Orders 1 to 4 are due; 5 is due a second later.
    let now = fixtures::t0() + timeout + Duration::seconds(4);
    let until = now + Duration::minutes(5);
    let none = HashSet::new();
    assert!(store.claim(&target(2), now, until).expect("claim"), "another host holds 2");
    assert_eq!(store.claim_due(now, until, 2, &none).expect("claim a page"), vec![target(1), target(3)]);
    assert_eq!(store.claim_due(now, until, 10, &none).expect("claim a page"), vec![target(4)]);
    assert_eq!(store.claim_due(now, until, 10, &none).expect("claim a page"), Vec::<Target>::new());
    assert!(!store.claim(&target(1), now, until).expect("claim"), "a page claim holds like a single one");
    // Released, or committed: free again, unless skipped.
    store.release(&target(3)).expect("release");
    store.commit(Commit { writes: vec![write(order(4), 1)], ..Commit::default() }, now).expect("save");
    let skip: HashSet<Target> = [target(3)].into_iter().collect();
    assert_eq!(store.claim_due(now, until, 10, &skip).expect("claim a page"), vec![target(4)]);
    assert_eq!(store.claim_due(now, until, 10, &none).expect("claim a page"), vec![target(3)]);
    assert!(store.claim_due(now, until, 0, &none).expect("claim a page").is_empty());
    // At `until` every claim has run out.
    let later = until + Duration::seconds(1);
    assert_eq!(
        store.claim_due(until, later, 10, &none).expect("claim a page"),
        (1..=5).map(target).collect::<Vec<_>>()
    );
}

/// Hosts claiming pages of the same due work at once never get the same target, and together
/// get all of it.
pub fn due_pages_are_exclusive_across_hosts<S: Store>(store: &S) {
    let timeout = Duration::days(i64::from(Policy::default().order_payment_timeout_days));
    let writes = (1..=60).map(|n| write(order(n), 0)).collect();
    store.commit(Commit { writes, ..Commit::default() }, fixtures::t0()).expect("save");
    let now = fixtures::t0() + timeout + Duration::minutes(2);
    let until = now + Duration::minutes(5);
    let got: Vec<Vec<Target>> = std::thread::scope(|s| {
        let hosts: Vec<_> = (0..4)
            .map(|_| {
                s.spawn(|| {
                    let mut mine = Vec::new();
                    loop {
                        let page = store.claim_due(now, until, 7, &HashSet::new()).expect("claim a page");
                        if page.is_empty() {
                            return mine;
                        }
                        mine.extend(page);
                    }
                })
            })
            .collect();
        hosts.into_iter().map(|h| h.join().expect("host")).collect()
    });
    let mut all: Vec<Target> = got.into_iter().flatten().collect();
    let claimed = all.len();
    all.sort();
    all.dedup();
    assert_eq!(all.len(), claimed, "a target was claimed by two hosts");
    assert_eq!(all, (1..=60).map(|n| Target::Order(OrderId::numbered(n))).collect::<Vec<_>>());
}

/// A customer's orders filtered by status follow every status change, old orders' too; pages
/// and totals are those of filtering the whole list.
pub fn filtered_orders_follow_status_changes<S: Store>(store: &S) {
    let n = 40u64;
    let writes = (1..=n).map(|k| write(order(k), 0)).collect();
    store.commit(Commit { writes, ..Commit::default() }, fixtures::t0()).expect("save");
    // Cancel every third order, the oldest first, one commit each.
    let mut statuses: Vec<OrderStatus> = (1..=n).map(|_| OrderStatus::PendingPayment).collect();
    for k in (1..=n).filter(|k| k % 3 == 0) {
        let mut o = order(k);
        o.status = OrderStatus::Cancelled;
        store.commit(Commit { writes: vec![write(o, 1)], ..Commit::default() }, fixtures::t0()).expect("save");
        statuses[k as usize - 1] = OrderStatus::Cancelled;
    }
    for status in [OrderStatus::Cancelled, OrderStatus::PendingPayment, OrderStatus::Completed] {
        let expected: Vec<OrderId> =
            (1..=n).rev().filter(|k| statuses[*k as usize - 1] == status).map(OrderId::numbered).collect();
        let filter = OrderFilter { status: Some(status), ..OrderFilter::default() };
        for page in 1..=4 {
            let got = store.orders_of(&customer(), &filter, page, 7).expect("query");
            assert_eq!(got.total, expected.len() as u64, "{status:?}");
            let want: Vec<OrderId> = expected.iter().skip((page as usize - 1) * 7).take(7).cloned().collect();
            assert_eq!(got.items.iter().map(|o| o.id.clone()).collect::<Vec<_>>(), want, "{status:?} page {page}");
            assert!(got.items.iter().all(|o| o.status == status));
        }
    }
    let other = OrderFilter { product: Some(ProductId::parse("PRD-other").expect("id")), ..OrderFilter::default() };
    assert_eq!(store.orders_of(&customer(), &other, 1, 10).expect("query").total, 0);
}

/// Owner queries filter and page, newest first; search finds listed products.
pub fn queries_filter_and_page<S: Store>(store: &S) {
    let writes = (1..=5).map(|n| write(order(n), 0)).collect();
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
        .commit(Commit { writes: vec![write(product(1), 0), write(delisted, 0)], ..Commit::default() }, fixtures::t0())
        .expect("save");
    let policy = Policy::default();
    let query = SearchQuery { text: "EMAIL hosting".into(), ..SearchQuery::default() };
    let found = store.search(&query.prepare(&policy).expect("valid")).expect("search");
    assert_eq!(found.total, 1);
}

/// The due index gives what is due, earliest first, and forgets what is no longer due.
pub fn due_index_is_ordered<S: Store>(store: &S) {
    let timeout = Duration::days(i64::from(Policy::default().order_payment_timeout_days));
    let writes = [3, 1, 2].into_iter().map(|n| write(order(n), 0)).collect();
    store.commit(Commit { writes, ..Commit::default() }, fixtures::t0()).expect("save");
    let at = fixtures::t0() + timeout + Duration::seconds(2);
    let due = store.due(at, 10).expect("due");
    assert_eq!(due, vec![Target::Order(OrderId::numbered(1)), Target::Order(OrderId::numbered(2))]);
    assert_eq!(store.due(at, 1).expect("due").len(), 1);
    let mut done = order(1);
    done.status = OrderStatus::Cancelled;
    store.commit(Commit { writes: vec![write(done, 1)], ..Commit::default() }, fixtures::t0()).expect("save");
    assert_eq!(store.due(at, 10).expect("due"), vec![Target::Order(OrderId::numbered(2))]);
}

/// The next due instant is the earliest one strictly after the instant asked about, and
/// follows the commits that change or clear it.
pub fn next_due_is_the_earliest_after<S: Store>(store: &S) {
    assert_eq!(store.next_due(fixtures::t0()).expect("next due"), None, "an empty store has nothing due");
    let writes: Vec<Write> = [3, 1, 2].into_iter().map(|n| write(order(n), 0)).collect();
    let mut instants: Vec<_> = writes.iter().map(|w| w.due.expect("an unpaid order is due")).collect();
    instants.sort();
    store.commit(Commit { writes, ..Commit::default() }, fixtures::t0()).expect("save");
    let first = instants[0];
    assert_eq!(store.next_due(fixtures::t0()).expect("next due"), Some(first));
    assert_eq!(store.next_due(first - Duration::nanoseconds(1)).expect("next due"), Some(first));
    let after_first = instants.iter().copied().find(|at| *at > first);
    assert_eq!(store.next_due(first).expect("next due"), after_first, "strictly after");
    let last = *instants.last().expect("three");
    assert_eq!(store.next_due(last).expect("next due"), None);
    let mut done = order(1);
    done.status = OrderStatus::Cancelled;
    let order_1_due = write(order(1), 0).due.expect("due");
    store.commit(Commit { writes: vec![write(done, 1)], ..Commit::default() }, fixtures::t0()).expect("save");
    let left: Vec<_> = [2, 3].into_iter().map(|n| write(order(n), 0).due.expect("due")).collect();
    assert!(order_1_due <= left.iter().copied().min().expect("two"));
    assert_eq!(store.next_due(fixtures::t0()).expect("next due"), left.iter().copied().min());
}

/// Events are numbered from 1 and read back by cursor and by target.
pub fn events_are_numbered<S: Store>(store: &S) {
    let a = Target::Account(customer());
    let b = Target::Order(OrderId::numbered(9));
    let account = CustomerAccount::with_card(customer());
    let commit = Commit {
        writes: vec![write(account, 0)],
        events: vec![event(a.clone()), event(b.clone()), event(a.clone())],
        ..Commit::default()
    };
    let last = store.commit(commit, fixtures::t0()).expect("save");
    assert_eq!(last, 3);
    let all = store.events_since(0, 10).expect("events");
    assert_eq!(all.iter().map(|e| e.seq).collect::<Vec<_>>(), vec![1, 2, 3]);
    assert_eq!(store.events_since(1, 10).expect("events").len(), 2);
    assert_eq!(store.events_since(3, 10).expect("events").len(), 0);
    assert_eq!(store.records(&a, 0, 10).expect("records").len(), 2);
    assert_eq!(store.next_number(Sequence::Order).expect("seq"), 1);
    assert_eq!(store.next_number(Sequence::Order).expect("seq"), 2);
}

/// A target's events are read a page at a time, oldest first, after a `seq`: those committed
/// with its record and those committed without it, among other targets' events.
pub fn records_are_paged<S: Store>(store: &S) {
    let o = order(9);
    let mine = Target::Order(o.id.clone());
    let other = Target::Order(OrderId::numbered(8));
    // Without the record: seqs 1 (mine), 2 (other), 3 (mine).
    let apart =
        Commit { events: vec![event(mine.clone()), event(other.clone()), event(mine.clone())], ..Commit::default() };
    store.commit(apart, fixtures::t0()).expect("save");
    // With it: seqs 4 (other), 5 and 6 (mine); then 7 (mine) without it again.
    let kept = Commit {
        writes: vec![write(o, 0)],
        events: vec![event(other.clone()), event(mine.clone()), event(mine.clone())],
        ..Commit::default()
    };
    store.commit(kept, fixtures::t0()).expect("save");
    store.commit(Commit { events: vec![event(mine.clone())], ..Commit::default() }, fixtures::t0()).expect("save");
    let seqs = |after, limit| -> Vec<u64> {
        store.records(&mine, after, limit).expect("records").iter().map(|e| e.seq).collect()
    };
    assert_eq!(seqs(0, 100), vec![1, 3, 5, 6, 7]);
    assert_eq!(seqs(0, 2), vec![1, 3]);
    assert_eq!(seqs(3, 2), vec![5, 6]);
    assert_eq!(seqs(4, 1), vec![5]);
    assert_eq!(seqs(6, 2), vec![7]);
    assert_eq!(seqs(7, 2), Vec::<u64>::new());
    assert_eq!(seqs(0, 0), Vec::<u64>::new());
    assert_eq!(seqs(u64::MAX, usize::MAX), Vec::<u64>::new());
    assert!(store.records(&other, 0, usize::MAX).expect("records").iter().all(|e| e.target == other));
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
    let writes = (1..=3).map(|n| write(flow(n), 0)).collect();
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
    store.commit(Commit { writes: vec![write(moved, 1)], ..Commit::default() }, fixtures::t0()).expect("save");
    let submitted = FlowFilter { status: Some(FlowStatus::RequestSubmitted), ..FlowFilter::default() };
    assert_eq!(store.flows_of(&Actor::Customer(customer()), &submitted, 1, 10).expect("query").total, 1);
    let licences = FlowFilter { kind: Some(FlowKind::License), ..FlowFilter::default() };
    assert_eq!(store.flows_of(&Actor::Customer(customer()), &licences, 1, 10).expect("query").total, 0);
    let stranger = Actor::Seller(SellerId::parse("someone-else").expect("valid id"));
    assert_eq!(store.flows_of(&stranger, &FlowFilter::default(), 1, 10).expect("query").total, 0);
    // Every kind of the Service Supervision filter is kept and found, 5G NaaS too (SUP-1).
    let mut naas = flow(4);
    naas.kind = FlowKind::FiveGNaas;
    store.commit(Commit { writes: vec![write(naas, 0)], ..Commit::default() }, fixtures::t0()).expect("save");
    let of_kind = |kind| {
        let filter = FlowFilter { kind: Some(kind), ..FlowFilter::default() };
        store.flows_of(&Actor::Customer(customer()), &filter, 1, 10).expect("query")
    };
    let naas = of_kind(FlowKind::FiveGNaas);
    assert_eq!(
        (naas.total, naas.items.iter().map(|f| f.id.clone()).collect::<Vec<_>>()),
        (1, vec![FlowId::numbered(4)])
    );
    assert_eq!(FlowKind::ALL.iter().map(|k| of_kind(*k).total).sum::<u64>(), 4);
}

/// Open appeals are listed oldest first; a resolved appeal leaves the list.
pub fn open_appeals_are_listed<S: Store>(store: &S) {
    let writes = vec![
        write(appeal(1, AppealStatus::Open), 0),
        write(appeal(2, AppealStatus::Open), 0),
        write(appeal(3, AppealStatus::Resolved), 0),
    ];
    store.commit(Commit { writes, ..Commit::default() }, fixtures::t0()).expect("save");
    let open = store.open_appeals().expect("query");
    assert_eq!(
        open.iter().map(|a| a.id.clone()).collect::<Vec<_>>(),
        vec![AppealId::numbered(2), AppealId::numbered(1)]
    );
    let resolved = appeal(2, AppealStatus::Resolved);
    store.commit(Commit { writes: vec![write(resolved, 1)], ..Commit::default() }, fixtures::t0()).expect("save");
    assert_eq!(store.open_appeals().expect("query").len(), 1);
}

/// Orders, apps and flows of two customers and two sellers, of varied statuses, products,
/// delivery methods, billing modes, names (one not in ASCII), processes and orders, saved in
/// creation order and then some changed (their indexed columns with them). Returns every
/// record as last saved, in creation order: what [`check_listings`] compares the listings with.
pub fn save_varied_listings<S: Store>(store: &S) -> Vec<Record> {
    use crate::catalog::{BillingMode, DeliveryMethod};
    use crate::{AppStatus, FlowKind};
    let other = CustomerId::parse("contract-other").expect("valid id");
    let customer_of = |n: u64| if n % 4 == 3 { other.clone() } else { customer() };
    let orders: Vec<Order> = (1..=30)
        .map(|n| {
            let mut o = order(n);
            o.customer = customer_of(n);
            o.product = ProductId::parse(&format!("PRD-{}", n % 3)).expect("valid id");
            o
        })
        .collect();
    let (template, _) = paid_app();
    let statuses = [AppStatus::Active, AppStatus::Provisioning, AppStatus::Frozen, AppStatus::Unsubscribed];
    let deliveries = [DeliveryMethod::Saas, DeliveryMethod::License, DeliveryMethod::Image];
    let modes = [BillingMode::Monthly, BillingMode::Yearly, BillingMode::PayPerUse];
    let names = ["Email Suite", "ÜRÜN Suite Pro", "Backup"];
    let apps: Vec<crate::PurchasedApp> = (1..=30u64)
        .map(|n| {
            let mut a = template.clone();
            a.id = AppId::numbered(n);
            a.customer = customer_of(n);
            a.status = statuses[n as usize % 4];
            a.delivery = deliveries[n as usize % 3];
            a.mode = modes[(n / 2) as usize % 3];
            a.product_name = names[(n / 3) as usize % 3].into();
            a
        })
        .collect();
    let sellers = ["contract-seller", "contract-seller-2"];
    let kinds = [FlowKind::License, FlowKind::ProfessionalService, FlowKind::Saas];
    let flows: Vec<ServiceFlow> = (1..=24u64)
        .map(|n| {
            let mut f = flow(n);
            f.customer = customer_of(n);
            f.seller = SellerId::parse(sellers[(n / 2) as usize % 2]).expect("valid id");
            f.kind = kinds[n as usize % 3];
            f.order = OrderId::numbered(n % 5);
            f
        })
        .collect();
    // Interleaved, so that each kind's creation order is not its id order alone.
    let mut writes = Vec::new();
    for n in 0..30 {
        writes.push(write(orders[n].clone(), 0));
        writes.push(write(apps[n].clone(), 0));
        if let Some(f) = flows.get(n) {
            writes.push(write(f.clone(), 0));
        }
    }
    store.commit(Commit { writes, ..Commit::default() }, fixtures::t0()).expect("save");
    let (mut orders, mut apps, mut flows) = (orders, apps, flows);
    let mut changes = Vec::new();
    for o in orders.iter_mut().filter(|o| o.id.as_str().ends_with('5') || o.id.as_str().ends_with('2')) {
        o.status = if o.id.as_str().ends_with('5') { OrderStatus::Cancelled } else { OrderStatus::Completed };
        changes.push(write(o.clone(), 1));
    }
    for a in apps.iter_mut().step_by(5) {
        a.status = AppStatus::Active;
        a.product_name = "Renamed Suite".into();
        changes.push(write(a.clone(), 1));
    }
    for f in flows.iter_mut().step_by(3) {
        f.status = FlowStatus::RequestSubmitted;
        changes.push(write(f.clone(), 1));
    }
    store.commit(Commit { writes: changes, ..Commit::default() }, fixtures::t0()).expect("save the changes");
    let mut records = Vec::new();
    for n in 0..30 {
        records.push(orders[n].clone().into_record());
        records.push(apps[n].clone().into_record());
        if let Some(f) = flows.get(n) {
            records.push(f.clone().into_record());
        }
    }
    records
}

/// Checks every listing of `store` against filtering `records` (every record, in creation
/// order) with the filters' own `matches`: each filter alone and some together, every page of
/// three and one past the end, the same items newest first and the same total.
pub fn check_listings<S: Store>(store: &S, records: &[Record]) {
    use crate::catalog::{BillingMode, DeliveryMethod, Page};
    use crate::{AppStatus, FlowKind};
    fn pages<T: Clone, K: PartialEq + std::fmt::Debug>(
        all: Vec<T>,
        key: impl Fn(&T) -> K,
        mut list: impl FnMut(u32) -> Page<T>,
        what: &str,
    ) {
        let expected: Vec<T> = all.into_iter().rev().collect();
        let last = expected.len().div_ceil(3) as u32 + 1;
        for page in 1..=last {
            let want = Page::of(expected.clone(), page, 3);
            let got = list(page);
            assert_eq!(got.total, want.total, "{what}, page {page}: the total");
            assert_eq!(
                got.items.iter().map(&key).collect::<Vec<_>>(),
                want.items.iter().map(&key).collect::<Vec<_>>(),
                "{what}, page {page}"
            );
        }
    }
    let customers = [customer(), CustomerId::parse("contract-other").expect("valid id")];
    let product = |n: u64| Some(ProductId::parse(&format!("PRD-{n}")).expect("valid id"));
    let order_filters = [
        OrderFilter::default(),
        OrderFilter { status: Some(OrderStatus::PendingPayment), product: None },
        OrderFilter { status: Some(OrderStatus::Cancelled), product: None },
        OrderFilter { status: Some(OrderStatus::Completed), product: None },
        OrderFilter { status: None, product: product(1) },
        OrderFilter { status: Some(OrderStatus::PendingPayment), product: product(2) },
        OrderFilter { status: None, product: product(9) },
    ];
    let app_filters = [
        AppFilter::default(),
        AppFilter { status: Some(AppStatus::Active), ..AppFilter::default() },
        AppFilter { status: Some(AppStatus::Provisioning), ..AppFilter::default() },
        AppFilter { delivery: Some(DeliveryMethod::License), ..AppFilter::default() },
        AppFilter { mode: Some(BillingMode::Yearly), ..AppFilter::default() },
        AppFilter { name: Some("ürün".into()), ..AppFilter::default() },
        AppFilter { name: Some("SUITE".into()), ..AppFilter::default() },
        AppFilter {
            status: Some(AppStatus::Active),
            delivery: Some(DeliveryMethod::Saas),
            mode: Some(BillingMode::Monthly),
            name: Some("suite".into()),
        },
    ];
    let flow_filters = [
        FlowFilter::default(),
        FlowFilter { status: Some(FlowStatus::RequestSubmitted), ..FlowFilter::default() },
        FlowFilter { kind: Some(FlowKind::Saas), ..FlowFilter::default() },
        FlowFilter { kind: Some(FlowKind::FiveGNaas), ..FlowFilter::default() },
        FlowFilter { order: Some(OrderId::numbered(3)), ..FlowFilter::default() },
        FlowFilter { status: Some(FlowStatus::AwaitingRequest), kind: Some(FlowKind::License), order: None },
    ];
    for c in &customers {
        for filter in &order_filters {
            let all = records.iter().filter_map(|r| match r {
                Record::Order(o) if o.customer == *c && filter.matches(o) => Some(Order::clone(o)),
                _ => None,
            });
            let list = |page| store.orders_of(c, filter, page, 3).expect("orders");
            pages(all.collect(), |o| o.id.clone(), list, &format!("orders of {c} {filter:?}"));
        }
        for filter in &app_filters {
            let all = records.iter().filter_map(|r| match r {
                Record::App(a) if a.customer == *c && filter.matches(a) => Some(crate::PurchasedApp::clone(a)),
                _ => None,
            });
            let list = |page| store.apps_of(c, filter, page, 3).expect("apps");
            pages(all.collect(), |a| a.id.clone(), list, &format!("apps of {c} {filter:?}"));
        }
    }
    let parties = [
        Actor::Customer(customers[0].clone()),
        Actor::Customer(customers[1].clone()),
        Actor::Seller(SellerId::parse("contract-seller").expect("valid id")),
        Actor::Seller(SellerId::parse("contract-seller-2").expect("valid id")),
    ];
    for party in &parties {
        for filter in &flow_filters {
            let all = records.iter().filter_map(|r| match r {
                Record::Flow(f) if party_of(f, party) && filter.matches(f) => Some(ServiceFlow::clone(f)),
                _ => None,
            });
            let list = |page| store.flows_of(party, filter, page, 3).expect("flows");
            pages(all.collect(), |f| f.id.clone(), list, &format!("flows of {party} {filter:?}"));
        }
    }
}

fn party_of(flow: &ServiceFlow, party: &Actor) -> bool {
    match party {
        Actor::Customer(c) => flow.customer == *c,
        Actor::Seller(s) => flow.seller == *s,
        _ => false,
    }
}

/// Every listing filters, orders and pages as its filter says, the records' changes included
/// (see [`check_listings`]).
pub fn listings_filter_and_page_as_their_filters_say<S: Store>(store: &S) {
    let records = save_varied_listings(store);
    check_listings(store, &records);
}

/// Every listing's total, filtered by nothing and by each status alone, follows every commit: a
/// seeded random run of creations (orders, apps listed or not, flows) and status changes
/// (cancellations, an app's deletion, an app becoming listed or unlisted), saved alone or
/// together (a page of app updates as `tick` saves it), some stale and so saving nothing. After
/// each commit the totals of the first page of one item (which a store cannot tell from the
/// page) equal the matches of filtering every record with the filter's own `matches`.
pub fn listing_totals_follow_every_commit<S: Store>(store: &S) {
    use crate::catalog::DeliveryMethod;
    use crate::{AppStatus, PurchasedApp};
    let order_statuses = [
        OrderStatus::PendingPayment,
        OrderStatus::Processing,
        OrderStatus::Completed,
        OrderStatus::Cancelled,
        OrderStatus::Unsubscribed,
    ];
    let app_statuses = [
        AppStatus::Provisioning,
        AppStatus::Active,
        AppStatus::GracePeriod,
        AppStatus::Frozen,
        AppStatus::Released,
        AppStatus::Unsubscribed,
        AppStatus::Deleted,
    ];
    let flow_statuses = [
        FlowStatus::AwaitingRequest,
        FlowStatus::RequestSubmitted,
        FlowStatus::InService,
        FlowStatus::AwaitingAcceptance,
        FlowStatus::Frozen,
        FlowStatus::Completed,
        FlowStatus::Closed,
    ];
    let customers = [customer(), CustomerId::parse("contract-other").expect("valid id")];
    let sellers = [
        SellerId::parse("contract-seller").expect("valid id"),
        SellerId::parse("contract-seller-2").expect("valid id"),
    ];
    // xorshift64*, seeded: the same run on every store.
    let mut state = 0x9E37_79B9_7F4A_7C15_u64;
    let mut next = |n: usize| {
        state ^= state >> 12;
        state ^= state << 25;
        state ^= state >> 27;
        (state.wrapping_mul(0x2545_F491_4F6C_DD1D) >> 33) as usize % n
    };
    let (template, _) = paid_app();
    // Every record as last saved, with its version.
    let mut records: Vec<(Record, u64)> = Vec::new();
    let check = |records: &[(Record, u64)], step: usize| {
        for c in &customers {
            for status in order_statuses.map(Some).into_iter().chain([None]) {
                let filter = OrderFilter { status, product: None };
                let want = records
                    .iter()
                    .filter(|(r, _)| matches!(r, Record::Order(o) if o.customer == *c && filter.matches(o)))
                    .count() as u64;
                let got = store.orders_of(c, &filter, 1, 1).expect("orders").total;
                assert_eq!(got, want, "step {step}: orders of {c} {filter:?}");
            }
            for status in app_statuses.map(Some).into_iter().chain([None]) {
                let filter = AppFilter { status, ..AppFilter::default() };
                let want = records
                    .iter()
                    .filter(|(r, _)| matches!(r, Record::App(a) if a.customer == *c && filter.matches(a)))
                    .count() as u64;
                let got = store.apps_of(c, &filter, 1, 1).expect("apps").total;
                assert_eq!(got, want, "step {step}: apps of {c} {filter:?}");
            }
        }
        let parties = customers.iter().cloned().map(Actor::Customer).chain(sellers.iter().cloned().map(Actor::Seller));
        for party in parties {
            for status in flow_statuses.map(Some).into_iter().chain([None]) {
                let filter = FlowFilter { status, ..FlowFilter::default() };
                let want = records
                    .iter()
                    .filter(|(r, _)| matches!(r, Record::Flow(f) if party_of(f, &party) && filter.matches(f)))
                    .count() as u64;
                let got = store.flows_of(&party, &filter, 1, 1).expect("flows").total;
                assert_eq!(got, want, "step {step}: flows of {party} {filter:?}");
            }
        }
    };
    // A record changed to a random status (an app's delivery too, which decides with its status
    // whether it is listed).
    let changed = |record: &Record, next: &mut dyn FnMut(usize) -> usize| -> Record {
        match record {
            Record::Order(o) => {
                let mut o = Order::clone(o);
                o.status = order_statuses[next(order_statuses.len())];
                o.into_record()
            }
            Record::App(a) => {
                let mut a = PurchasedApp::clone(a);
                a.status = app_statuses[next(app_statuses.len())];
                if next(3) == 0 {
                    a.delivery =
                        if a.delivery == DeliveryMethod::Saas { DeliveryMethod::License } else { DeliveryMethod::Saas };
                }
                a.into_record()
            }
            Record::Flow(f) => {
                let mut f = ServiceFlow::clone(f);
                f.status = flow_statuses[next(flow_statuses.len())];
                f.into_record()
            }
            other => other.clone(),
        }
    };
    let written =
        |record: &Record, version: u64| Write { record: record.clone(), expected_version: version, due: None };
    let mut created = 0u64;
    check(&records, 0);
    for step in 1..=150 {
        let action = if records.len() < 6 { 0 } else { next(10) };
        match action {
            // Creations, one to three together, of random kinds, owners and statuses.
            0..=2 => {
                let mut writes = Vec::new();
                for _ in 0..=next(3) {
                    created += 1;
                    let customer = customers[next(2)].clone();
                    let record = match next(3) {
                        0 => {
                            let mut o = order(created);
                            o.customer = customer;
                            o.status = order_statuses[next(order_statuses.len())];
                            o.into_record()
                        }
                        1 => {
                            let mut a = template.clone();
                            a.id = AppId::numbered(created);
                            a.customer = customer;
                            a.status = app_statuses[next(app_statuses.len())];
                            a.delivery = if next(2) == 0 { DeliveryMethod::Saas } else { DeliveryMethod::License };
                            a.into_record()
                        }
                        _ => {
                            let mut f = flow(created);
                            f.customer = customer;
                            f.seller = sellers[next(2)].clone();
                            f.status = flow_statuses[next(flow_statuses.len())];
                            f.into_record()
                        }
                    };
                    writes.push(written(&record, 0));
                    records.push((record, 1));
                }
                store.commit(Commit { writes, ..Commit::default() }, fixtures::t0()).expect("create");
            }
            // A page of app updates, as tick saves them.
            3 => {
                let apps: Vec<usize> = (0..records.len()).filter(|i| matches!(records[*i].0, Record::App(_))).collect();
                let picked: Vec<usize> = (0..apps.len().min(3))
                    .map(|_| apps[next(apps.len())])
                    .collect::<HashSet<_>>()
                    .into_iter()
                    .collect();
                let mut commits = Vec::new();
                for &i in &picked {
                    let record = changed(&records[i].0, &mut next);
                    commits.push(Commit { writes: vec![written(&record, records[i].1)], ..Commit::default() });
                    records[i] = (record, records[i].1 + 1);
                }
                let saved = store.commit_many(commits, fixtures::t0()).expect("save together");
                assert!(saved.iter().all(Result::is_ok), "step {step}: {saved:?}");
            }
            // A stale change: saves nothing, counts nothing.
            4 => {
                let i = next(records.len());
                let record = changed(&records[i].0, &mut next);
                let stale = Commit { writes: vec![written(&record, records[i].1 + 1)], ..Commit::default() };
                assert!(store.commit(stale, fixtures::t0()).is_err(), "step {step}: a stale change is refused");
            }
            // Status changes of one or two records, alone or with a creation.
            _ => {
                let mut writes = Vec::new();
                let mut seen = HashSet::new();
                for _ in 0..=next(2) {
                    let i = next(records.len());
                    if !seen.insert(i) {
                        continue;
                    }
                    let record = changed(&records[i].0, &mut next);
                    writes.push(written(&record, records[i].1));
                    records[i] = (record, records[i].1 + 1);
                }
                store.commit(Commit { writes, ..Commit::default() }, fixtures::t0()).expect("change");
            }
        }
        check(&records, step);
    }
}

/// ORD-7: a customer's unpaid orders are counted, following every status change (paid,
/// cancelled, saved alone or with others); other customers' orders do not count.
pub fn ord_7_unpaid_orders_are_counted_per_customer<S: Store>(store: &S) {
    let other = CustomerId::parse("contract-other").expect("valid id");
    assert_eq!(store.unpaid_orders(&customer()).expect("count"), 0);
    let mut writes: Vec<Write> = (1..=6).map(|n| write(order(n), 0)).collect();
    let mut theirs = order(7);
    theirs.customer = other.clone();
    writes.push(write(theirs, 0));
    store.commit(Commit { writes, ..Commit::default() }, fixtures::t0()).expect("save");
    assert_eq!(store.unpaid_orders(&customer()).expect("count"), 6);
    assert_eq!(store.unpaid_orders(&other).expect("count"), 1);
    let changed = |n: u64, status: OrderStatus| {
        let mut o = order(n);
        o.status = status;
        Commit { writes: vec![write(o, 1)], ..Commit::default() }
    };
    store.commit(changed(1, OrderStatus::Cancelled), fixtures::t0()).expect("cancel");
    assert_eq!(store.unpaid_orders(&customer()).expect("count"), 5);
    let saved = store
        .commit_many(vec![changed(2, OrderStatus::Processing), changed(3, OrderStatus::Completed)], fixtures::t0())
        .expect("save together");
    assert!(saved.iter().all(Result::is_ok), "{saved:?}");
    assert_eq!(store.unpaid_orders(&customer()).expect("count"), 3);
    // A stale change saves nothing and counts nothing.
    assert!(store.commit(changed(4, OrderStatus::Cancelled), fixtures::t0()).is_ok());
    assert!(store.commit(changed(4, OrderStatus::PendingPayment), fixtures::t0()).is_err());
    assert_eq!(store.unpaid_orders(&customer()).expect("count"), 2);
    assert_eq!(store.unpaid_orders(&other).expect("count"), 1);
}

/// Everything a store holds, exported.
pub fn exported<S: Portable>(store: &S) -> Vec<Item> {
    let mut items = Vec::new();
    store
        .export(&mut |item| {
            items.push(item);
            Ok(())
        })
        .expect("export");
    items
}

/// The items of an export in an order that does not depend on the store: each kind of record in
/// its creation order for the kinds whose listings follow it (orders, apps, flows), by id for
/// the others, and the rest as exported.
pub fn comparable(mut items: Vec<Item>) -> Vec<Item> {
    fn rank(item: &Item) -> (u8, usize, String) {
        match item {
            Item::MarketplaceId(_) => (0, 0, String::new()),
            Item::Sequence(s, _) => (1, 0, crate::store::columns::sequence_name(*s).to_owned()),
            Item::Record(k) => {
                let target = k.record.target();
                let (kind, id) = target.kind_and_id();
                // Listed kinds keep their creation order (a stable sort).
                let id = if matches!(kind, 3..=5) { String::new() } else { id.to_owned() };
                (2, kind, id)
            }
            Item::Event(_) => (3, 0, String::new()),
            Item::Secret(..) => (4, 0, String::new()),
            Item::Request(_) => (5, 0, String::new()),
        }
    }
    items.sort_by_key(rank);
    items
}

/// A store's whole content: what one store exports, an empty store imports unchanged (records
/// with their versions and due instants, each listing in its order, events with their numbers,
/// passwords, request records, sequences, the marketplace id, the catalogue), and the copy
/// goes on from there; a store that is not empty refuses an import and is left as it was; an
/// import that fails midway leaves the store empty.
pub fn content_is_exported_and_imported<S: Portable>(source: &S, target: &S, third: &S) {
    // A bit of everything.
    assert_eq!(source.marketplace_id("contract-market").expect("bind"), "contract-market");
    let records = save_varied_listings(source);
    let mut catalogue = Vec::new();
    for n in 1..=3 {
        let p = product(n);
        catalogue.push(p.clone());
        let events = vec![NewEvent {
            actor: Actor::Seller(p.seller.clone()),
            target: Target::Product(p.id.clone()),
            kind: EventKind::ProductListed { name: p.name.clone() },
        }];
        source.commit(Commit { writes: vec![write(p, 0)], events, ..Commit::default() }, fixtures::t0()).expect("list");
    }
    let (app, _) = paid_app();
    let secrets = vec![(app.id.clone(), Secret::new("Kept#pw-1"))];
    let request = RequestRecord {
        actor: Actor::Customer(customer()),
        id: RequestId::parse("contract-req").expect("valid id"),
        at: fixtures::t0(),
        fingerprint: "v1:cmd".into(),
        reply: Ok(Reply::Done),
    };
    let events = (0..5).map(|_| event(Target::Account(customer()))).collect();
    let commit = Commit { events, secrets, request: Some(request.clone()), ..Commit::default() };
    source.commit(commit, fixtures::t0() + Duration::seconds(1)).expect("save");
    let numbered: Vec<u64> = (0..3).map(|_| source.next_number(Sequence::Order).expect("number")).collect();

    let items = exported(source);
    let census = source.census(fixtures::t0()).expect("census");
    let mut counted = Census::default();
    items.iter().for_each(|i| counted.count(i));
    assert_eq!(counted.differences(&census), Vec::<String>::new(), "an export holds what the census counts");
    assert!(matches!(items.first(), Some(Item::MarketplaceId(id)) if id == "contract-market"), "{:?}", items.first());

    target.import(&mut items.clone().into_iter().map(Ok)).expect("import");
    assert_eq!(comparable(exported(target)), comparable(items.clone()), "the copy holds what was exported");
    assert_eq!(target.census(fixtures::t0()).expect("census").differences(&census), Vec::<String>::new());
    check_listings(target, &records);
    for p in &catalogue {
        assert_eq!(target.product(&p.id).expect("product").as_deref(), Some(p), "the catalogue is copied");
    }
    let (query, policy) = (SearchQuery::default(), Policy::default());
    let found = target.search(&query.prepare(&policy).expect("a query")).expect("search");
    assert_eq!(found.total, 3, "the copied catalogue is searched");
    assert_eq!(target.secret(&app.id).expect("secret").map(|s| s.expose().to_owned()).as_deref(), Some("Kept#pw-1"));
    assert_eq!(target.request(&request.actor, &request.id).expect("request"), Some(request.clone()));
    assert_eq!(
        EventDigest::of_store(target, 7).expect("digest").hex(),
        EventDigest::of_store(source, 1000).expect("digest").hex(),
        "the same events, with the same numbers"
    );
    // The copy goes on: its marketplace id, fresh numbers, the next event number.
    assert_eq!(target.marketplace_id("another").expect("bind"), "contract-market");
    let next = target.next_number(Sequence::Order).expect("number");
    assert!(next > *numbered.iter().max().expect("numbers"), "{next} was handed out before");
    let head = target
        .commit(Commit { events: vec![event(Target::Account(customer()))], ..Commit::default() }, fixtures::t0())
        .expect("commit");
    assert_eq!(head, census.last_seq + 1);
    let again = Commit { request: Some(request), ..Commit::default() };
    assert!(matches!(target.commit(again, fixtures::t0()), Err(Error::Conflict { .. })), "a copied request id is used");

    // A store that is not empty refuses, and is left as it was.
    let before = exported(target);
    let err = target.import(&mut items.clone().into_iter().map(Ok)).expect_err("not empty");
    assert!(matches!(&err, Error::InvalidInput { reason, .. } if reason.contains("not empty")), "{err}");
    assert_eq!(exported(target), before);

    // An import that fails midway, or whose events skip a number, leaves the store empty.
    let half = items.len() / 2;
    let failing = items
        .iter()
        .take(half)
        .cloned()
        .map(Ok)
        .chain(std::iter::once(Err(Error::Storage { reason: "the source broke".into() })));
    let err = third.import(&mut failing.into_iter()).expect_err("the source broke");
    assert!(matches!(&err, Error::Storage { reason } if reason == "the source broke"), "{err}");
    assert!(third.census(fixtures::t0()).expect("census").is_empty(), "a failed import left something");
    let gap = items.iter().filter(|i| !matches!(i, Item::Event(e) if e.seq == 2)).cloned().map(Ok);
    let err = third.import(&mut gap.into_iter()).expect_err("a gap");
    assert!(matches!(err, Error::InvalidInput { .. }), "{err}");
    assert!(third.census(fixtures::t0()).expect("census").is_empty(), "a refused import left something");
    third.import(&mut items.into_iter().map(Ok)).expect("an empty store imports");
}

/// Runs every contract test, each on a fresh store.
pub fn run_all<S: Portable>(new_store: impl Fn() -> S) {
    content_is_exported_and_imported(&new_store(), &new_store(), &new_store());
    load_and_save(&new_store());
    stale_version_is_a_conflict(&new_store());
    request_ids_are_remembered(&new_store());
    old_request_ids_are_pruned(&new_store());
    passwords_are_kept_apart(&new_store());
    marketplace_id_is_recorded(&new_store());
    due_claims_are_exclusive(&new_store());
    commits_are_saved_together_each_on_its_own(&new_store());
    a_target_written_twice_is_refused(&new_store());
    a_page_of_app_updates_is_saved_together(&new_store());
    due_pages_are_claimed_exclusively(&new_store());
    due_pages_are_exclusive_across_hosts(&new_store());
    queries_filter_and_page(&new_store());
    filtered_orders_follow_status_changes(&new_store());
    due_index_is_ordered(&new_store());
    next_due_is_the_earliest_after(&new_store());
    events_are_numbered(&new_store());
    records_are_paged(&new_store());
    flows_by_party(&new_store());
    open_appeals_are_listed(&new_store());
    listings_filter_and_page_as_their_filters_say(&new_store());
    ord_7_unpaid_orders_are_counted_per_customer(&new_store());
    listing_totals_follow_every_commit(&new_store());
}
