//! Every charge the gateway answers is recorded, whatever races it: the racing-charges suite
//! against a real PostgreSQL server.

mod common;

use appmarket::testing::races;

#[test]
fn ord_3_every_charge_is_recorded_when_a_race_is_lost_on_the_postgres_store() {
    let Some(url) = common::url() else { return };
    races::run_all(|| std::sync::Arc::new(common::fresh_store(&url, "races")));
}
