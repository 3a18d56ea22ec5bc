//! Every charge the gateway answers is recorded, whatever races it: the racing-charges suite on
//! the memory store and the SQLite store.

use std::sync::Arc;

use appmarket::testing::races;
use appmarket::{MemoryStore, Store};
use appmarket_sqlite::SqliteStore;

#[test]
fn ord_3_every_charge_is_recorded_when_a_race_is_lost_on_the_memory_store() {
    races::run_all(|| Arc::new(MemoryStore::new()) as Arc<dyn Store>);
}

#[test]
fn ord_3_every_charge_is_recorded_when_a_race_is_lost_on_the_sqlite_store() {
    let dir = std::env::temp_dir().join(format!("appmarket-races-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("a temporary folder");
    let n = std::sync::atomic::AtomicU32::new(0);
    races::run_all(|| {
        let i = n.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let path = dir.join(format!("races-{i}.db"));
        let _ = std::fs::remove_file(&path);
        Arc::new(SqliteStore::open(&path).expect("a store")) as Arc<dyn Store>
    });
    let _ = std::fs::remove_dir_all(&dir);
}
