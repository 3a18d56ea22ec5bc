//! The ports: what the facade reads and writes through — the [`store::Store`] (with the
//! in-memory store), the [`payments::PaymentGateway`] and the event stream.

pub mod event;
pub mod payments;
pub mod store;
