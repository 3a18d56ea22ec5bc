//! Random sequences of commands by random actors — customers, sellers, the operator, the system's
//! `tick`, and clock steps — keep the library's invariants:
//!
//! - no negative money, and refunds never exceed what was paid;
//! - an app's expiry never moves back;
//! - a frozen flow refuses its customer and its seller (APL-2), also a negotiated refund's
//!   request and decision (UNS-6);
//! - an unsubscribed supervised order's flow is no longer open (UNS-6, SUP-8, APL-4);
//! - an accepted supervised order is completed only 3 hours after acceptance (SUP-4);
//! - every app belongs to a paid order;
//! - every refused command leaves the store identical;
//! - `available_actions` agrees with the commands (also scheduling and cancelling a downgrade
//!   at renewal, PRC-8, which the sequences' policy allows).
//!
//! The generator and runner live in `appmarket_tests::commands`, for reuse on other stores.

use appmarket_tests::commands::{World, op, run_checked};
use proptest::prelude::*;

proptest! {
    #![proptest_config(ProptestConfig { cases: 4_000, max_shrink_iters: 2_000, ..ProptestConfig::default() })]

    #[test]
    fn random_use_keeps_every_invariant(ops in prop::collection::vec(op(), 1..30)) {
        let mut w = World::new();
        run_checked(&mut w, &ops);
    }
}
