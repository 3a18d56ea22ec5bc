//! The repository contract suite against a real PostgreSQL server.

mod common;

use appmarket::testing::contract;

#[test]
fn postgres_store_passes_the_contract_suite() {
    let Some(url) = common::url() else { return };
    contract::run_all(|| common::fresh_store(&url, "contract"));
}

#[test]
fn postgres_store_with_a_secret_key_passes_the_contract_suite() {
    let Some(url) = common::url() else { return };
    contract::run_all(|| {
        appmarket_postgres::PostgresStore::builder(&url)
            .schema(common::fresh_schema("sealed"))
            .pool_size(4)
            .secret_key(appmarket_postgres::SecretKey::new([7; 32]))
            .open()
            .expect("open the test store")
    });
}
