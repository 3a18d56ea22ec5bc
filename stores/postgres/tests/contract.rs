//! The repository contract suite against a real PostgreSQL server.

mod common;

use appmarket::testing::contract;

#[test]
fn postgres_store_passes_the_contract_suite() {
    let Some(url) = common::url() else { return };
    contract::run_all(|| common::fresh_store(&url, "contract"));
}
