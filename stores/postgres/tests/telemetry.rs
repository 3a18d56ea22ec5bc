//! Telemetry on PostgreSQL (README "Telemetry"): each call of the store is a `store` span, a
//! child of the command or the `tick` that made it, and no password reaches a subscriber:
//! neither an app's nor the one in the store's URL.

mod common;

use std::sync::Arc;

use appmarket::testing::fixtures;
use appmarket::*;
use appmarket_tests::capture::{all_text, captured};
use tracing::Level;

const PASSWORD: &str = "Pg#Telemetry-Secret-3";

#[test]
fn store_calls_are_spans_of_their_command_and_hold_no_password() {
    let Some(url) = common::url() else { return };
    let (spans, events, fmt) = captured(|| {
        let store = Arc::new(common::fresh_store(&url, "telemetry"));
        let market = Marketplace::builder().clock(ManualClock::new(fixtures::t0())).store(store).build().unwrap();
        let (alice, _seller, app) = fixtures::saas_app_with_password(&market, PASSWORD).unwrap();
        assert_eq!(market.reveal_password(&alice, &app).unwrap().expose(), PASSWORD);
        market.tick(&Actor::System).unwrap();
    });
    let store = |op: &str, parent: &str| {
        spans.iter().any(|s| {
            s.name == "store"
                && s.target == "appmarket::store"
                && s.level == Level::DEBUG
                && s.field("store") == Some("postgres")
                && s.field("op") == Some(op)
                && s.parent == Some(parent)
        })
    };
    assert!(store("load", "command") && store("commit", "command") && store("secret", "command"));
    assert!(store("claim_due", "tick"));
    let text = all_text(&spans, &events, &fmt);
    assert!(!text.contains(PASSWORD), "the telemetry holds the app's password");
    let url_password = url
        .split_once("://")
        .and_then(|(_, rest)| rest.split_once('@'))
        .and_then(|(user, _)| user.split_once(':').map(|(_, password)| password.to_owned()));
    if let Some(password) = url_password.filter(|p| !p.is_empty()) {
        assert!(!text.contains(&password), "the telemetry holds the URL's password");
    }
}
