//! Faults: a connection killed from the server side (`pg_terminate_backend`) and the server
//! restarted (`pg_ctl restart`) while a commit is in flight: the call gets a typed `Storage`
//! error, nothing is half-applied, later calls succeed on fresh connections.
//!
//! One test function: a restart cuts every connection of the server, so nothing else of this
//! binary may run meanwhile.

mod common;

use std::sync::Arc;
use std::time::{Duration, Instant};

use appmarket::testing::fixtures;
use appmarket::*;
use appmarket_postgres::PostgresStore;

struct Setup {
    market: Marketplace,
    store: Arc<PostgresStore>,
    buyer: Actor,
    product: ProductId,
    app_name: String,
}

fn setup(url: &str) -> Setup {
    let schema = common::fresh_schema("faults");
    let app_name = format!("appmarket-{schema}");
    let store = Arc::new(
        PostgresStore::builder(url).schema(&schema).application_name(&app_name).pool_size(3).open().expect("open"),
    );
    let clock = ManualClock::new(fixtures::t0());
    let market = Marketplace::builder().store(store.clone()).clock(clock).build().expect("build");
    let product = market.list_product(Actor::seller("isv-1").unwrap(), fixtures::saas_draft()).unwrap().id;
    let alice = CustomerId::parse("alice").unwrap();
    market.register_customer(CustomerAccount::with_card(alice.clone())).unwrap();
    Setup { market, store, buyer: Actor::Customer(alice), product, app_name }
}

fn request(product: &ProductId) -> PurchaseRequest {
    fixtures::standard_monthly(product.clone())
}

/// What must not change when a commit fails: the customer's orders and the event stream.
fn state(s: &Setup) -> (u64, usize) {
    let orders = s.market.orders(&s.buyer, &OrderFilter::default(), 1, Some(100)).unwrap().total;
    let events = s.store.events_since(0, 100_000).unwrap().len();
    (orders, events)
}

/// Holds the stream head from another connection, so that the store's next commit with events
/// blocks inside its transaction (its order row already written), and returns once it does.
fn block_next_commit<'a>(admin: &'a mut postgres::Client, schema: &str) -> postgres::Transaction<'a> {
    let mut tx = admin.transaction().expect("begin");
    tx.query(&format!("SELECT seq FROM {schema}.stream_head FOR UPDATE"), &[]).expect("lock the head");
    tx
}

fn wait_until_blocked(url: &str, app_name: &str) -> i32 {
    let mut watcher = postgres::Client::connect(url, postgres::NoTls).expect("connect");
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        let row = watcher
            .query_opt(
                "SELECT pid FROM pg_stat_activity WHERE application_name = $1 AND wait_event_type = 'Lock'",
                &[&app_name],
            )
            .expect("pg_stat_activity");
        if let Some(row) = row {
            return row.get(0);
        }
        assert!(Instant::now() < deadline, "the commit never blocked on the stream head");
        std::thread::sleep(Duration::from_millis(20));
    }
}

fn assert_storage_error<T: std::fmt::Debug>(result: Result<T, Error>) {
    match result {
        Err(Error::Storage { reason }) => assert!(reason.contains("PostgreSQL"), "{reason}"),
        other => panic!("expected a storage error, got {other:?}"),
    }
}

#[test]
fn in_flight_calls_fail_typed_and_later_calls_succeed() {
    let Some(url) = common::url() else { return };
    let s = setup(&url);
    let schema = s.store.schema().to_owned();
    let mut admin = postgres::Client::connect(&url, postgres::NoTls).expect("connect");

    // 1. pg_terminate_backend on the connection of a commit in flight.
    let before = state(&s);
    let tx = block_next_commit(&mut admin, &schema);
    std::thread::scope(|scope| {
        let pending = scope.spawn(|| s.market.place_order(&s.buyer, request(&s.product)));
        let pid = wait_until_blocked(&url, &s.app_name);
        let mut killer = postgres::Client::connect(&url, postgres::NoTls).expect("connect");
        killer.query("SELECT pg_terminate_backend($1)", &[&pid]).expect("terminate");
        assert_storage_error(pending.join().unwrap());
    });
    tx.rollback().expect("release the head");
    assert_eq!(state(&s), before, "nothing of the killed commit was applied");
    let order = s.market.place_order(&s.buyer, request(&s.product)).expect("a later call succeeds");
    s.market.accept_terms(&s.buyer, &order.id).expect("and the next");
    assert_eq!(state(&s).0, before.0 + 1);

    // 2. The server restarted (pg_ctl restart) during a commit.
    let before = state(&s);
    let tx = block_next_commit(&mut admin, &schema);
    std::thread::scope(|scope| {
        let pending = scope.spawn(|| s.market.pay(&s.buyer, &order.id, Some(PaymentMethod::CreditCard)));
        wait_until_blocked(&url, &s.app_name);
        let out = common::pg_ctl(&["-w", "-m", "fast", "restart"]);
        assert!(out.status.success(), "pg_ctl restart: {}", String::from_utf8_lossy(&out.stderr));
        assert_storage_error(pending.join().unwrap());
    });
    drop(tx); // its connection died with the restart
    assert_eq!(state(&s), before, "nothing of the interrupted commit was applied");
    assert_eq!(s.market.order(&s.buyer, &order.id).unwrap().status, OrderStatus::PendingPayment);
    let paid = s.market.pay(&s.buyer, &order.id, Some(PaymentMethod::CreditCard)).expect("a later call succeeds");
    assert_eq!(paid.status, OrderStatus::Completed);

    // 3. The server down: calls fail typed, then succeed once it is back.
    let out = common::pg_ctl(&["-w", "-m", "fast", "stop"]);
    assert!(out.status.success(), "pg_ctl stop: {}", String::from_utf8_lossy(&out.stderr));
    assert_storage_error(s.market.place_order(&s.buyer, request(&s.product)));
    assert_storage_error(s.store.events_since(0, 10));
    let out = common::pg_ctl(&["-w", "start"]);
    assert!(out.status.success(), "pg_ctl start: {}", String::from_utf8_lossy(&out.stderr));
    let order = s.market.place_order(&s.buyer, request(&s.product)).expect("a call after the server is back");
    assert_eq!(s.market.order(&s.buyer, &order.id).unwrap().status, OrderStatus::PendingPayment);
    let events = s.store.events_since(0, 100_000).unwrap();
    assert_eq!(events.iter().map(|e| e.seq).collect::<Vec<_>>(), (1..=events.len() as u64).collect::<Vec<_>>());
}
