//! The repository contract suite (`appmarket::testing::contract`), run against `MemoryStore`.

use appmarket::MemoryStore;
use appmarket::testing::contract;

#[test]
fn memory_store_loads_and_saves() {
    contract::load_and_save(&MemoryStore::new());
}

#[test]
fn memory_store_refuses_a_stale_version() {
    contract::stale_version_is_a_conflict(&MemoryStore::new());
}

#[test]
fn memory_store_remembers_request_ids() {
    contract::request_ids_are_remembered(&MemoryStore::new());
}

#[test]
fn memory_store_filters_and_pages() {
    contract::queries_filter_and_page(&MemoryStore::new());
}

#[test]
fn memory_store_filters_orders_by_their_current_status() {
    contract::filtered_orders_follow_status_changes(&MemoryStore::new());
}

#[test]
fn memory_store_keeps_the_due_index_in_order() {
    contract::due_index_is_ordered(&MemoryStore::new());
}

#[test]
fn memory_store_numbers_events() {
    contract::events_are_numbered(&MemoryStore::new());
}

#[test]
fn memory_store_passes_the_whole_suite() {
    contract::run_all(MemoryStore::new);
}
