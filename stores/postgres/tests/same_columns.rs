//! Both persisted stores write the same column values the same way (`appmarket::store::columns`):
//! the same commands run on a SQLite store and on a PostgreSQL store, then the columns both
//! have, read back with SQL, are equal: the records' owners, statuses and listing columns, the
//! appeals' openness, the due index, the events' targets, the request records' actors, the
//! listing counts and the sequences.

mod common;

use std::collections::BTreeSet;
use std::sync::Arc;

use appmarket::actor::{Actor, AppId, AppealId, CustomerId, FlowId, OrderId, RequestId, SellerId};
use appmarket::appeal::{Appeal, AppealStatus};
use appmarket::secret::Secret;
use appmarket::store::{Commit, Record, Reply, RequestRecord, Store, Write};
use appmarket::supervision::{AppealGrounds, Party};
use appmarket::testing::{contract, fixtures};
use appmarket_postgres::PostgresStore;
use appmarket_sqlite::SqliteStore;
use appmarket_tests::commands::{World, op, run_checked};
use chrono::Duration;
use proptest::strategy::{Strategy, ValueTree};
use proptest::test_runner::TestRunner;

/// A table's rows as text (NULL as `None`, a boolean as `true`/`false`), sorted.
type Rows = BTreeSet<Vec<Option<String>>>;

fn sqlite_rows(conn: &rusqlite::Connection, sql: &str) -> Rows {
    let mut stmt = conn.prepare(sql).unwrap();
    let n = stmt.column_count();
    stmt.query_map([], |r| {
        (0..n)
            .map(|i| {
                Ok(match r.get_ref(i)? {
                    rusqlite::types::ValueRef::Null => None,
                    rusqlite::types::ValueRef::Integer(v) => Some(v.to_string()),
                    rusqlite::types::ValueRef::Text(t) => Some(String::from_utf8_lossy(t).into_owned()),
                    other => panic!("unexpected value {other:?} in {sql}"),
                })
            })
            .collect()
    })
    .unwrap()
    .map(Result::unwrap)
    .collect()
}

fn postgres_rows(client: &mut postgres::Client, sql: &str) -> Rows {
    use postgres::types::Type;
    client
        .query(sql, &[])
        .unwrap()
        .iter()
        .map(|r| {
            (0..r.len())
                .map(|i| match *r.columns()[i].type_() {
                    Type::BOOL => r.get::<_, Option<bool>>(i).map(|b| i64::from(b).to_string()),
                    Type::INT8 => r.get::<_, Option<i64>>(i).map(|v| v.to_string()),
                    Type::INT4 => r.get::<_, Option<i32>>(i).map(|v| v.to_string()),
                    _ => r.get::<_, Option<String>>(i),
                })
                .collect()
        })
        .collect()
}

/// The same query on both stores: (what, SQLite's SQL, PostgreSQL's SQL).
const SAME: &[(&str, &str, &str)] = &[
    (
        "orders",
        "SELECT kind || ':' || id, customer, status, product FROM records WHERE kind = 3",
        "SELECT '3:' || id, customer, status, product FROM orders",
    ),
    (
        "apps",
        "SELECT kind || ':' || id, customer, listed, status, delivery, mode, name_lower FROM records WHERE kind = 4",
        "SELECT '4:' || id, customer, listed, status, delivery, mode, name_lower FROM apps",
    ),
    (
        "flows",
        "SELECT kind || ':' || id, customer, seller, status, flow_kind, order_id FROM records WHERE kind = 5",
        "SELECT '5:' || id, customer, seller, status, kind, order_id FROM flows",
    ),
    (
        "appeals",
        "SELECT kind || ':' || id, status = 'open' FROM records WHERE kind = 6",
        "SELECT '6:' || id, open FROM appeals",
    ),
    ("due index", "SELECT kind || ':' || id, due FROM records WHERE due IS NOT NULL", "SELECT target, at FROM due"),
    ("events", "SELECT seq, kind || ':' || id FROM events", "SELECT seq, target FROM events"),
    ("request records", "SELECT actor, id, at FROM requests", "SELECT actor, id, at FROM requests"),
    (
        "listing counts",
        "SELECT listing, owner, status, n FROM listing_counts WHERE n <> 0",
        "SELECT listing, owner, status, n FROM listing_counts WHERE n <> 0",
    ),
    ("sequences", "SELECT name FROM sequences", "SELECT name FROM sequences"),
    ("products", "SELECT id FROM products", "SELECT id FROM products"),
    ("secrets", "SELECT app FROM secrets", "SELECT app FROM secrets"),
];

fn appeal(n: u64, status: AppealStatus) -> Appeal {
    Appeal {
        id: AppealId::parse(&format!("APL-X{n}")).unwrap(),
        flow: FlowId::parse(&format!("FLW-X{n}")).unwrap(),
        order: OrderId::parse(&format!("ORD-X{n}")).unwrap(),
        customer: CustomerId::parse("contract-customer").unwrap(),
        seller: SellerId::parse("contract-seller").unwrap(),
        appellant: Party::Customer,
        grounds: AppealGrounds::SellerIdle,
        reason: "idle".into(),
        opened_at: fixtures::t0() - Duration::seconds(n as i64),
        status,
        resolution: None,
        resolved_by: None,
        resolved_at: None,
    }
}

/// Commits the facade does not make in a short sequence: records of every listing status,
/// appeals open, resolved and closed, a password, request records of every kind of actor (an
/// id holding `:`).
fn save_the_rest<S: Store>(store: &S) {
    contract::save_varied_listings(store);
    let writes = [(1, AppealStatus::Open), (2, AppealStatus::Resolved), (3, AppealStatus::Closed)]
        .into_iter()
        .map(|(n, status)| Write {
            record: Record::Appeal(Box::new(appeal(n, status))),
            expected_version: 0,
            due: Some(fixtures::t0() + Duration::days(n as i64)),
        })
        .collect();
    let secrets = vec![(AppId::parse("APP-X1").unwrap(), Secret::new("s3cret"))];
    store.commit(Commit { writes, secrets, ..Commit::default() }, fixtures::t0()).unwrap();
    let actors = [
        Actor::customer("contract-customer").unwrap(),
        Actor::seller("acme:eu").unwrap(),
        Actor::operator("ops@1").unwrap(),
        Actor::System,
    ];
    for (n, actor) in actors.into_iter().enumerate() {
        let request = RequestRecord {
            actor,
            id: RequestId::parse(&format!("req-{n}")).unwrap(),
            at: fixtures::t0() + Duration::seconds(n as i64),
            fingerprint: format!("v1:{n}"),
            reply: Ok(Reply::Done),
        };
        store.commit(Commit { request: Some(request), ..Commit::default() }, fixtures::t0()).unwrap();
    }
}

/// A SQLite store in a new file and a PostgreSQL store in a new schema.
fn stores(url: &str, name: &str) -> (Arc<SqliteStore>, std::path::PathBuf, Arc<PostgresStore>, String) {
    let dir = std::path::Path::new(env!("CARGO_TARGET_TMPDIR")).join("same-columns").join(name);
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("market.db");
    let sqlite = Arc::new(SqliteStore::open(&path).unwrap());
    let schema = common::fresh_schema(name);
    let postgres = Arc::new(PostgresStore::builder(url).schema(&schema).pool_size(4).open().unwrap());
    (sqlite, path, postgres, schema)
}

/// The rows of each of [`SAME`] in both stores, compared; returns the queries that found rows.
fn compare(url: &str, path: &std::path::Path, schema: &str) -> BTreeSet<&'static str> {
    let conn = rusqlite::Connection::open(path).unwrap();
    let mut client = postgres::Client::connect(url, postgres::NoTls).unwrap();
    client.batch_execute(&format!("SET search_path TO \"{schema}\"")).unwrap();
    let mut found = BTreeSet::new();
    for (what, in_sqlite, in_postgres) in SAME {
        let (a, b) = (sqlite_rows(&conn, in_sqlite), postgres_rows(&mut client, in_postgres));
        assert_eq!(a, b, "the {what} differ");
        if !a.is_empty() {
            found.insert(*what);
        }
    }
    found
}

#[test]
fn sqlite_and_postgres_write_the_same_column_values() {
    let Some(url) = common::url() else { return };
    // The facade's commands, the same sequences drawn with a fixed seed.
    let (sqlite, path, postgres, schema) = stores(&url, "same_commands");
    let reader = Arc::clone(&sqlite);
    let mut on_sqlite = World::with_store(Arc::clone(&sqlite) as Arc<dyn Store>, move || reader.snapshot().unwrap());
    let reader = Arc::clone(&postgres);
    let mut on_postgres =
        World::with_store(Arc::clone(&postgres) as Arc<dyn Store>, move || reader.snapshot().unwrap());
    let mut runner = TestRunner::deterministic();
    let ops = proptest::collection::vec(op(), 120);
    let mut succeeded = 0;
    for _ in 0..3 {
        let ops = ops.new_tree(&mut runner).unwrap().current();
        let a = run_checked(&mut on_sqlite, &ops);
        let b = run_checked(&mut on_postgres, &ops);
        assert_eq!(a, b, "the commands gave other results");
        succeeded += a.iter().filter(|r| r.is_ok()).count();
    }
    assert!(succeeded > 50, "only {succeeded} commands succeeded");
    assert_eq!(on_sqlite.snapshot(), on_postgres.snapshot());
    drop((on_sqlite, on_postgres, sqlite, postgres));
    let mut found = compare(&url, &path, &schema);

    // Commits of what a short sequence does not reach.
    let (sqlite, path, postgres, schema) = stores(&url, "same_commits");
    save_the_rest(&*sqlite);
    save_the_rest(&*postgres);
    drop((sqlite, postgres));
    found.extend(compare(&url, &path, &schema));
    let all: BTreeSet<&str> = SAME.iter().map(|(what, _, _)| *what).collect();
    assert_eq!(found, all, "some of the columns were compared on no rows");

    // The values are the shared encoding's.
    let conn = rusqlite::Connection::open(&path).unwrap();
    let statuses = sqlite_rows(&conn, "SELECT DISTINCT status FROM records WHERE kind IN (3, 4, 5)");
    for status in ["pending_payment", "completed", "cancelled", "active", "awaiting_request"] {
        assert!(statuses.contains(&vec![Some(status.to_owned())]), "{status} not reached: {statuses:?}");
    }
    let actors = sqlite_rows(&conn, "SELECT actor FROM requests");
    for actor in ["customer:contract-customer", "seller:acme:eu", "operator:ops@1", "system"] {
        assert!(actors.contains(&vec![Some(actor.to_owned())]), "{actor}: {actors:?}");
    }
}
