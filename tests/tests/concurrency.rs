//! Threads racing on one marketplace lose no update: exactly the expected number succeed.

use std::sync::{Arc, Barrier};
use std::thread;

use appmarket::testing::fixtures;
use appmarket::*;

const THREADS: usize = 8;

struct Shared {
    market: Arc<Marketplace>,
    payments: Arc<SimulatedPayments>,
    product: Product,
}

fn shared() -> Shared {
    let payments = Arc::new(SimulatedPayments::new());
    let market = Marketplace::builder()
        .clock(ManualClock::new(fixtures::t0()))
        .payments(payments.clone())
        .build()
        .expect("valid");
    let product = market.list_product(Actor::seller("isv-1").unwrap(), fixtures::saas_draft()).unwrap();
    for i in 0..THREADS {
        market.register_customer(CustomerAccount::with_card(CustomerId::parse(&format!("c{i}")).unwrap())).unwrap();
    }
    Shared { market: Arc::new(market), payments, product }
}

fn request(product: &Product, quantity: u32) -> PurchaseRequest {
    PurchaseRequest {
        product: product.id.clone(),
        specification: "Standard".into(),
        mode: BillingMode::Monthly,
        quantity,
        periods: 1,
    }
}

fn race<T: Send + 'static>(f: impl Fn(usize) -> T + Send + Sync + 'static) -> Vec<T> {
    let f = Arc::new(f);
    let barrier = Arc::new(Barrier::new(THREADS));
    let handles: Vec<_> = (0..THREADS)
        .map(|i| {
            let (f, barrier) = (f.clone(), barrier.clone());
            thread::spawn(move || {
                barrier.wait();
                f(i)
            })
        })
        .collect();
    handles.into_iter().map(|h| h.join().expect("no panic")).collect()
}

#[test]
fn racing_customers_each_get_their_order_and_app() {
    let s = shared();
    let (market, product) = (s.market.clone(), s.product.clone());
    let results = race(move |i| {
        let buyer = Actor::customer(&format!("c{i}")).unwrap();
        let order = market.place_order(&buyer, request(&product, 10))?;
        market.accept_terms(&buyer, &order.id)?;
        market.pay(&buyer, &order.id, Some(PaymentMethod::CreditCard))
    });
    assert!(results.iter().all(Result::is_ok));
    let ids: std::collections::HashSet<_> = results.iter().map(|r| r.as_ref().unwrap().id.clone()).collect();
    assert_eq!(ids.len(), THREADS);
    assert_eq!(s.payments.charges().len(), THREADS);
}

#[test]
fn racing_payments_of_one_order_charge_once() {
    let s = shared();
    let buyer = Actor::customer("c0").unwrap();
    let order = s.market.place_order(&buyer, request(&s.product, 10)).unwrap();
    s.market.accept_terms(&buyer, &order.id).unwrap();
    let market = s.market.clone();
    let id = order.id.clone();
    let results = race(move |_| market.pay(Actor::customer("c0").unwrap(), &id, Some(PaymentMethod::CreditCard)));
    let ok = results.iter().filter(|r| r.is_ok()).count();
    assert_eq!(ok, 1, "{results:?}");
    assert!(results.iter().filter(|r| r.is_err()).all(|r| r.as_ref().unwrap_err().rule() == Some("ORD-3")));
    assert_eq!(s.payments.charges().len(), 1);
    let page = s.market.apps(&buyer, &AppFilter::default(), 1, Some(100)).unwrap();
    assert_eq!(page.total, 1);
}

#[test]
fn a_payment_retried_under_one_request_id_from_many_threads_is_charged_once() {
    let s = shared();
    let buyer = Actor::customer("c0").unwrap();
    let order = s.market.place_order(&buyer, request(&s.product, 10)).unwrap();
    s.market.accept_terms(&buyer, &order.id).unwrap();
    let market = s.market.clone();
    let id = order.id.clone();
    let results = race(move |_| {
        let caller = Actor::customer("c0").unwrap().with_request_id("pay-once").unwrap();
        market.pay(&caller, &id, Some(PaymentMethod::CreditCard))
    });
    let first = results[0].clone().unwrap_or_else(|e| panic!("{e}: {results:?}"));
    assert!(results.iter().all(|r| r.as_ref() == Ok(&first)), "{results:?}");
    assert_eq!(s.payments.charges().len(), 1);
}

#[test]
fn racing_saves_to_one_saved_list_lose_nothing() {
    let s = shared();
    let seller = Actor::seller("isv-1").unwrap();
    let products: Vec<Product> =
        (0..THREADS).map(|_| s.market.list_product(&seller, fixtures::saas_draft()).unwrap()).collect();
    let market = s.market.clone();
    let results = race(move |i| market.save_to_list(Actor::customer("c0").unwrap(), &products[i].id, None));
    assert!(results.iter().all(Result::is_ok));
    assert_eq!(s.market.saved_list(&Actor::customer("c0").unwrap()).unwrap().items.len(), THREADS);
}

#[test]
fn racing_upgrades_of_one_app_leave_exactly_one_pending_order() {
    let s = shared();
    let buyer = Actor::customer("c0").unwrap();
    let order = s.market.place_order(&buyer, request(&s.product, 10)).unwrap();
    s.market.accept_terms(&buyer, &order.id).unwrap();
    let order = s.market.pay(&buyer, &order.id, Some(PaymentMethod::CreditCard)).unwrap();
    let app = order.app.unwrap();
    let market = s.market.clone();
    let results =
        race(move |i| market.order_upgrade(Actor::customer("c0").unwrap(), &app, "Standard", 15 + 5 * i as u32));
    assert_eq!(results.iter().filter(|r| r.is_ok()).count(), 1, "{results:?}");
    assert!(results.iter().filter(|r| r.is_err()).all(|r| r.as_ref().unwrap_err().rule() == Some("PRC-4")));
}

#[test]
fn racing_reminders_send_one_per_interval() {
    let s = shared();
    let seller = Actor::seller("isv-1").unwrap();
    let service = s.market.list_product(&seller, fixtures::license_draft()).unwrap();
    let buyer = Actor::customer("c0").unwrap();
    let order = s
        .market
        .place_order(
            &buyer,
            PurchaseRequest {
                product: service.id.clone(),
                specification: "Annual License".into(),
                mode: BillingMode::Monthly,
                quantity: 1,
                periods: 1,
            },
        )
        .unwrap();
    s.market.accept_terms(&buyer, &order.id).unwrap();
    s.market.pay(&buyer, &order.id, Some(PaymentMethod::CreditCard)).unwrap();
    let flow = s.market.flow_of_order(&buyer, &order.id).unwrap();
    let market = s.market.clone();
    let results = race(move |_| market.remind_seller(Actor::customer("c0").unwrap(), &flow.id));
    assert_eq!(results.iter().filter(|r| r.is_ok()).count(), 1, "{results:?}");
}
