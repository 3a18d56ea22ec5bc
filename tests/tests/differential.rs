//! Differential property: the same random command sequences on `MemoryStore` and on the SQLite
//! store give the same results, the same events and the same snapshots, step by step.

use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use appmarket_sqlite::SqliteStore;
use appmarket_tests::commands::{World, op, run_checked};
use proptest::prelude::*;

static CASE: AtomicUsize = AtomicUsize::new(0);

/// A fresh file for one case.
fn fresh_file() -> PathBuf {
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("differential");
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join(format!("case-{}-{}.db", std::process::id(), CASE.fetch_add(1, Ordering::Relaxed)));
    remove(&path);
    path
}

fn remove(path: &std::path::Path) {
    for suffix in ["", "-wal", "-shm"] {
        let _ = std::fs::remove_file(format!("{}{suffix}", path.display()));
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 200, max_shrink_iters: 500, ..ProptestConfig::default() })]

    #[test]
    fn memory_and_sqlite_stores_agree(ops in prop::collection::vec(op(), 1..30)) {
        let path = fresh_file();
        let store = Arc::new(SqliteStore::open(&path).unwrap());
        let reader = Arc::clone(&store);
        let mut sqlite = World::with_store(store, move || reader.snapshot().unwrap());
        let mut memory = World::new();
        prop_assert_eq!(memory.snapshot(), sqlite.snapshot());
        for op in &ops {
            let expected = run_checked(&mut memory, std::slice::from_ref(op));
            let got = run_checked(&mut sqlite, std::slice::from_ref(op));
            prop_assert_eq!(&expected, &got, "{:?} gave another result", op);
            prop_assert_eq!(memory.snapshot(), sqlite.snapshot(), "{:?} left another state", op);
        }
        drop(sqlite);
        remove(&path);
    }
}
