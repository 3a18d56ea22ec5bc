//! Cross-crate tests.

#[cfg(test)]
mod contract {
    #[test]
    fn memory_store_passes_the_repository_contract() {
        appmarket::testing::contract::run_all(appmarket::MemoryStore::new);
    }
}
