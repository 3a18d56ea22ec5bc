//! Differential property: the same random command sequences on `MemoryStore` and on the
//! PostgreSQL store give the same results, the same events and the same snapshots, step by step.
//! `APPMARKET_DIFFERENTIAL_CASES` sets the number of cases (default 32: each case migrates a
//! fresh schema on the server).

mod common;

use std::sync::Arc;

use appmarket_tests::commands::{World, op, run_checked};
use proptest::prelude::*;

fn cases() -> u32 {
    std::env::var("APPMARKET_DIFFERENTIAL_CASES").ok().and_then(|n| n.parse().ok()).unwrap_or(32)
}

proptest! {
    #![proptest_config(ProptestConfig { cases: cases(), max_shrink_iters: 200, ..ProptestConfig::default() })]

    #[test]
    fn memory_and_postgres_stores_agree(ops in prop::collection::vec(op(), 1..30)) {
        let Some(url) = common::url() else { return Ok(()) };
        let store = Arc::new(common::fresh_store(&url, "diff"));
        let reader = Arc::clone(&store);
        let mut postgres = World::with_store(store, move || reader.snapshot().unwrap());
        let mut memory = World::new();
        prop_assert_eq!(memory.snapshot(), postgres.snapshot());
        for op in &ops {
            let expected = run_checked(&mut memory, std::slice::from_ref(op));
            let got = run_checked(&mut postgres, std::slice::from_ref(op));
            prop_assert_eq!(&expected, &got, "{:?} gave another result", op);
            prop_assert_eq!(memory.snapshot(), postgres.snapshot(), "{:?} left another state", op);
        }
    }
}
