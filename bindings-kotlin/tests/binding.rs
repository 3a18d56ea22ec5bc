//! The binding's own checks: core values and errors cross as they are, and the payments
//! choice is refused when ambiguous. (The Kotlin side is tested by JUnit in `jvm/`.)

use std::sync::Arc;

use appmarket::payments::Receipt;
use appmarket::{Actor, Error};
use appmarket_ffi::{Marketplace, PaymentGateway, SimulatedPayments};

#[test]
fn a_failed_lift_downcasts_to_the_typed_error() {
    use uniffi::Lift;
    let err = <appmarket::CustomerId as Lift<appmarket_ffi::UniFfiTag>>::try_lift(uniffi::RustBuffer::from_vec(vec![]))
        .unwrap_err();
    assert!(matches!(err.downcast::<Error>(), Ok(Error::InvalidInput { ref field, .. }) if field == "customer_id"));
}

#[test]
fn core_values_and_errors_cross_as_they_are() {
    let m = Marketplace::new(None, None, None, None, None).unwrap();
    let alice = Actor::customer("alice").unwrap();
    let json = m.run_json(alice.clone(), r#"{"do":"saved_list"}"#.into(), None).unwrap();
    assert!(json.contains("alice"), "{json}");
    assert!(matches!(m.tick(alice), Err(Error::Forbidden { .. })));
}

#[test]
fn payments_or_gateway_not_both() {
    struct Never;
    impl PaymentGateway for Never {
        fn charge(&self, _: appmarket::payments::ChargeRequest) -> Result<Receipt, appmarket_ffi::GatewayError> {
            unreachable!()
        }
        fn refund(&self, _: appmarket::payments::RefundRequest) -> Result<Receipt, appmarket_ffi::GatewayError> {
            unreachable!()
        }
    }
    let err = Marketplace::new(None, None, Some(SimulatedPayments::new()), None, Some(Arc::new(Never))).unwrap_err();
    assert!(matches!(err, Error::InvalidInput { ref field, .. } if field == "gateway"), "{err}");
}

#[test]
fn a_ticker_reports_to_its_listener_and_stops_within_a_second() {
    use std::sync::mpsc;
    use std::time::{Duration, Instant};

    struct Listener(Mutex<mpsc::Sender<appmarket::TickReport>>);
    impl appmarket_ffi::TickListener for Listener {
        fn on_report(&self, report: appmarket::TickReport) {
            let _ = self.0.lock().unwrap().send(report);
        }
        fn on_error(&self, kind: String, message: String) {
            panic!("{kind}: {message}");
        }
    }
    use std::sync::Mutex;
    let clock = appmarket_ffi::ManualClock::new(appmarket::testing::fixtures::t0()).unwrap();
    let m = Marketplace::new(None, Some(clock.clone()), None, None, None).unwrap();
    let (tx, reports) = mpsc::channel();
    let ticker = m.ticker(Arc::new(Listener(Mutex::new(tx)))).unwrap();
    assert_eq!(reports.recv_timeout(Duration::from_secs(10)).unwrap().examined, 0);
    // Nothing is due: moving the clock wakes it to look, and it sleeps again.
    clock.advance(chrono::Duration::days(1)).unwrap();
    assert!(ticker.is_running());
    let asked = Instant::now();
    ticker.stop();
    assert!(asked.elapsed() < Duration::from_secs(1));
    assert!(!ticker.is_running());
    ticker.stop();
}
