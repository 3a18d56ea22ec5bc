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
