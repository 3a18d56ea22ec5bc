//! Shared by the SQLite tests: taking a file back to an older schema version.
#![allow(dead_code)]

use std::path::Path;

use appmarket::Actor;
use appmarket::store::{Record, columns};
use rusqlite::{Connection, params};

/// Takes a file back to schema version 5 as that version wrote it: the records' statuses,
/// delivery methods, billing modes and flow kinds by their `Debug` names (`PendingPayment`),
/// the request records' actors as their JSON, the sequences by their `Debug` names, the
/// listing counts by those statuses and the open appeals' index on `'Open'`.
pub fn back_to_version_5(path: &Path) {
    let conn = Connection::open(path).unwrap();
    conn.execute_batch("BEGIN").unwrap();
    let rows: Vec<(i64, String)> = conn
        .prepare("SELECT rowid, doc FROM records WHERE kind IN (3, 4, 5, 6)")
        .unwrap()
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
        .unwrap()
        .map(Result::unwrap)
        .collect();
    let debug = |v: &dyn std::fmt::Debug| Some(format!("{v:?}"));
    for (rowid, doc) in rows {
        let (status, delivery, mode, flow_kind) = match serde_json::from_str::<Record>(&doc).unwrap() {
            Record::Order(o) => (debug(&o.status), None, None, None),
            Record::App(a) => (debug(&a.status), debug(&a.delivery), debug(&a.mode), None),
            Record::Flow(f) => (debug(&f.status), None, None, debug(&f.kind)),
            Record::Appeal(a) => (debug(&a.status), None, None, None),
            _ => unreachable!(),
        };
        conn.execute(
            "UPDATE records SET status = ?2, delivery = ?3, mode = ?4, flow_kind = ?5 WHERE rowid = ?1",
            params![rowid, status, delivery, mode, flow_kind],
        )
        .unwrap();
    }
    let requests: Vec<(String, String)> = conn
        .prepare("SELECT actor, id FROM requests")
        .unwrap()
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
        .unwrap()
        .map(Result::unwrap)
        .collect();
    for (key, id) in requests {
        let actor: Actor = columns::actor_of_key(&key).unwrap();
        conn.execute(
            "UPDATE requests SET actor = ?3 WHERE actor = ?1 AND id = ?2",
            params![key, id, serde_json::to_string(&actor).unwrap()],
        )
        .unwrap();
    }
    for sequence in columns::SEQUENCES {
        conn.execute(
            "UPDATE sequences SET name = ?2 WHERE name = ?1",
            params![columns::sequence_name(sequence), format!("{sequence:?}")],
        )
        .unwrap();
    }
    conn.execute_batch(
        "DELETE FROM listing_counts WHERE n = 0;
         DROP INDEX records_open_appeals;
         CREATE INDEX records_open_appeals ON records (kind) WHERE status = 'Open' AND kind = 6;
         PRAGMA user_version = 5;
         COMMIT;",
    )
    .unwrap();
}

/// Takes a file back to schema version 4 as that version wrote it: as version 5 did, without
/// the listing counts, the view they are filled from and the triggers that keep them.
pub fn back_to_version_4(path: &Path) {
    back_to_version_5(path);
    let conn = Connection::open(path).unwrap();
    conn.execute_batch(
        "DROP TRIGGER listing_counts_insert; DROP TRIGGER listing_counts_update; DROP TRIGGER listing_counts_delete;
         DROP VIEW listing_entries; DROP TABLE listing_counts;
         PRAGMA user_version = 4;",
    )
    .unwrap();
}
