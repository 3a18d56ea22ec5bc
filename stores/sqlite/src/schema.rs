//! The schema and its migrations, versioned with `PRAGMA user_version`.

use appmarket::Actor;
use appmarket::store::columns;
use rusqlite::{Connection, params};

use crate::listing;

/// The schema version this build writes. A file with a higher `user_version` is refused.
pub const SCHEMA_VERSION: i64 = 6;

/// The version whose migration adds the listing columns, which [`crate::listing::backfill`]
/// then fills from the documents.
pub const LISTING_COLUMNS: i64 = 3;

/// The version whose migration writes the columns in the encoding shared with the PostgreSQL
/// store, which [`shared_columns`] then rewrites.
pub const SHARED_COLUMNS: i64 = 6;

/// Migration `i` takes a file from version `i` to `i + 1`; all pending ones run in one
/// transaction.
pub const MIGRATIONS: &[&str] = &[
    // 0 -> 1: aggregates, products, events, request records, secrets, sequences, meta.
    r#"
    -- One row per aggregate other than products. `rowid` is the creation order; `kind` is the
    -- position of the target's variant in `Target`, so (kind, id) sorts like `Target`.
    CREATE TABLE records (
        rowid    INTEGER PRIMARY KEY,
        kind     INTEGER NOT NULL,
        id       TEXT    NOT NULL,
        version  INTEGER NOT NULL,
        customer TEXT,
        seller   TEXT,
        status   TEXT,
        due      INTEGER,
        doc      TEXT    NOT NULL,
        UNIQUE (kind, id)
    );
    -- `due`: earliest first; only rows with a due instant.
    CREATE INDEX records_due ON records (due, kind, id) WHERE due IS NOT NULL;
    -- A customer's orders and apps, a party's flows: newest first by rowid.
    CREATE INDEX records_customer ON records (kind, customer) WHERE customer IS NOT NULL;
    CREATE INDEX records_seller ON records (kind, seller) WHERE seller IS NOT NULL;
    -- Open appeals.
    CREATE INDEX records_open_appeals ON records (kind) WHERE status = 'Open' AND kind = 6;

    -- Products apart: the store caches the catalogue; `changed` is the catalogue counter at the
    -- product's last save, so a cache catches up with what others saved.
    CREATE TABLE products (
        rowid   INTEGER PRIMARY KEY,
        id      TEXT    NOT NULL UNIQUE,
        version INTEGER NOT NULL,
        changed INTEGER NOT NULL,
        doc     TEXT    NOT NULL
    );
    CREATE INDEX products_changed ON products (changed);

    -- The event log: `seq` is gapless, in commit order.
    CREATE TABLE events (
        seq  INTEGER PRIMARY KEY,
        kind INTEGER NOT NULL,
        id   TEXT    NOT NULL,
        doc  TEXT    NOT NULL
    );
    CREATE INDEX events_target ON events (kind, id);

    -- Remembered request ids, per actor. A revealed password is kept in its own column, never
    -- in the document (which shows it as ***).
    CREATE TABLE requests (
        actor    TEXT    NOT NULL,
        id       TEXT    NOT NULL,
        at       INTEGER NOT NULL,
        doc      TEXT    NOT NULL,
        password TEXT,
        PRIMARY KEY (actor, id)
    ) WITHOUT ROWID;

    -- Passwords apart from the apps (APP-5).
    CREATE TABLE secrets (
        app      TEXT PRIMARY KEY,
        password TEXT NOT NULL
    ) WITHOUT ROWID;

    CREATE TABLE sequences (
        name  TEXT PRIMARY KEY,
        value INTEGER NOT NULL
    ) WITHOUT ROWID;

    CREATE TABLE meta (
        key   TEXT PRIMARY KEY,
        value BLOB
    ) WITHOUT ROWID;
    INSERT INTO meta (key, value) VALUES ('catalog_seq', 0);
    "#,
    // 1 -> 2: claims on due items for `tick`, and pruning request records by age.
    r#"
    CREATE TABLE claims (
        kind  INTEGER NOT NULL,
        id    TEXT    NOT NULL,
        until INTEGER NOT NULL,
        PRIMARY KEY (kind, id)
    ) WITHOUT ROWID;
    CREATE INDEX requests_at ON requests (at);
    "#,
    // 2 -> 3: the columns the listings filter on, and their indexes; a listing reads the index
    // of what it filters on, newest first (the rowid ends every index), and stops at its page; a
    // count of its matches reads the index only. The columns are filled from the documents.
    r#"
    ALTER TABLE records ADD COLUMN product    TEXT;    -- an order's product
    ALTER TABLE records ADD COLUMN listed     INTEGER; -- an app shown among purchased apps (APP-4)
    ALTER TABLE records ADD COLUMN delivery   TEXT;    -- an app's delivery method
    ALTER TABLE records ADD COLUMN mode       TEXT;    -- an app's billing mode
    ALTER TABLE records ADD COLUMN name_lower TEXT;    -- an app's product name in lower case
    ALTER TABLE records ADD COLUMN flow_kind  TEXT;    -- a flow's process
    ALTER TABLE records ADD COLUMN order_id   TEXT;    -- a flow's order
    CREATE INDEX records_customer_status ON records (kind, customer, status) WHERE customer IS NOT NULL;
    CREATE INDEX records_seller_status ON records (kind, seller, status) WHERE seller IS NOT NULL;
    CREATE INDEX records_customer_product ON records (kind, customer, product) WHERE product IS NOT NULL;
    CREATE INDEX records_listed_apps ON records (customer, status) WHERE kind = 4 AND listed = 1;
    CREATE INDEX records_flow_order ON records (order_id) WHERE order_id IS NOT NULL;
    "#,
    // 3 -> 4: no password in request records (a replayed reveal reads the app's password), and
    // passwords either in plain text (a store without a secret key) or sealed with the key.
    r#"
    -- A request record of a reveal made before kept the password itself: it is dropped, so a
    -- retry of that request id reveals the app's current password again.
    DELETE FROM requests WHERE password IS NOT NULL;
    ALTER TABLE requests DROP COLUMN password;
    CREATE TABLE secrets_sealed (
        app      TEXT PRIMARY KEY,
        password TEXT,
        sealed   BLOB,
        CHECK ((password IS NULL) <> (sealed IS NULL))
    ) WITHOUT ROWID;
    INSERT INTO secrets_sealed (app, password) SELECT app, password FROM secrets;
    DROP TABLE secrets;
    ALTER TABLE secrets_sealed RENAME TO secrets;
    "#,
    // 4 -> 5: how many records each listing holds per owner and status, so that the total of a
    // listing filtered by nothing or by its status alone is read, not counted. Triggers keep the
    // counts in the transaction of every statement that creates a record or changes its owner,
    // status or (for an app) whether it is listed; the counts are filled from the columns.
    r#"
    -- listing: 'orders' (by customer), 'apps' (a customer's listed apps, APP-4),
    -- 'customer_flows', 'seller_flows'.
    CREATE TABLE listing_counts (
        listing TEXT    NOT NULL,
        owner   TEXT    NOT NULL,
        status  TEXT    NOT NULL,
        n       INTEGER NOT NULL,
        PRIMARY KEY (listing, owner, status)
    ) WITHOUT ROWID;

    -- The listings a row of `records` is counted in, as (listing, owner) pairs.
    CREATE VIEW listing_entries AS
        SELECT 'orders' AS listing, customer AS owner, status FROM records WHERE kind = 3
        UNION ALL SELECT 'apps', customer, status FROM records WHERE kind = 4 AND listed = 1
        UNION ALL SELECT 'customer_flows', customer, status FROM records WHERE kind = 5
        UNION ALL SELECT 'seller_flows', seller, status FROM records WHERE kind = 5;

    INSERT INTO listing_counts (listing, owner, status, n)
        SELECT listing, owner, status, count(*) FROM listing_entries
        WHERE owner IS NOT NULL AND status IS NOT NULL GROUP BY listing, owner, status;

    CREATE TRIGGER listing_counts_insert AFTER INSERT ON records WHEN NEW.kind IN (3, 4, 5) BEGIN
        INSERT INTO listing_counts (listing, owner, status, n)
            SELECT listing, owner, NEW.status, 1 FROM (
                SELECT 'orders' AS listing, NEW.customer AS owner WHERE NEW.kind = 3
                UNION ALL SELECT 'apps', NEW.customer WHERE NEW.kind = 4 AND NEW.listed = 1
                UNION ALL SELECT 'customer_flows', NEW.customer WHERE NEW.kind = 5
                UNION ALL SELECT 'seller_flows', NEW.seller WHERE NEW.kind = 5)
            WHERE owner IS NOT NULL AND NEW.status IS NOT NULL
            ON CONFLICT (listing, owner, status) DO UPDATE SET n = n + 1;
    END;

    CREATE TRIGGER listing_counts_update AFTER UPDATE OF customer, seller, status, listed ON records
    WHEN OLD.kind IN (3, 4, 5) AND (OLD.customer IS NOT NEW.customer OR OLD.seller IS NOT NEW.seller
        OR OLD.status IS NOT NEW.status OR OLD.listed IS NOT NEW.listed) BEGIN
        UPDATE listing_counts SET n = n - 1
            WHERE OLD.kind = 3 AND listing = 'orders' AND owner = OLD.customer AND status = OLD.status;
        UPDATE listing_counts SET n = n - 1 WHERE OLD.kind = 4 AND OLD.listed = 1
            AND listing = 'apps' AND owner = OLD.customer AND status = OLD.status;
        UPDATE listing_counts SET n = n - 1
            WHERE OLD.kind = 5 AND listing = 'customer_flows' AND owner = OLD.customer AND status = OLD.status;
        UPDATE listing_counts SET n = n - 1
            WHERE OLD.kind = 5 AND listing = 'seller_flows' AND owner = OLD.seller AND status = OLD.status;
        INSERT INTO listing_counts (listing, owner, status, n)
            SELECT listing, owner, NEW.status, 1 FROM (
                SELECT 'orders' AS listing, NEW.customer AS owner WHERE NEW.kind = 3
                UNION ALL SELECT 'apps', NEW.customer WHERE NEW.kind = 4 AND NEW.listed = 1
                UNION ALL SELECT 'customer_flows', NEW.customer WHERE NEW.kind = 5
                UNION ALL SELECT 'seller_flows', NEW.seller WHERE NEW.kind = 5)
            WHERE owner IS NOT NULL AND NEW.status IS NOT NULL
            ON CONFLICT (listing, owner, status) DO UPDATE SET n = n + 1;
    END;

    CREATE TRIGGER listing_counts_delete AFTER DELETE ON records WHEN OLD.kind IN (3, 4, 5) BEGIN
        UPDATE listing_counts SET n = n - 1
            WHERE OLD.kind = 3 AND listing = 'orders' AND owner = OLD.customer AND status = OLD.status;
        UPDATE listing_counts SET n = n - 1 WHERE OLD.kind = 4 AND OLD.listed = 1
            AND listing = 'apps' AND owner = OLD.customer AND status = OLD.status;
        UPDATE listing_counts SET n = n - 1
            WHERE OLD.kind = 5 AND listing = 'customer_flows' AND owner = OLD.customer AND status = OLD.status;
        UPDATE listing_counts SET n = n - 1
            WHERE OLD.kind = 5 AND listing = 'seller_flows' AND owner = OLD.seller AND status = OLD.status;
    END;
    "#,
    // 5 -> 6: the columns in the encoding the PostgreSQL store shares (`appmarket::store::columns`):
    // statuses, delivery methods, billing modes and flow kinds by their snake-case names
    // (`pending_payment`, was `PendingPayment`), the actors of request records as
    // `customer:<id>` (was their JSON), sequences by their lower-case names (`order`, was
    // `Order`). [`shared_columns`] rewrites the rows; the open appeals' index follows the status.
    r#"
    DROP INDEX records_open_appeals;
    CREATE INDEX records_open_appeals ON records (kind) WHERE status = 'open' AND kind = 6;
    "#,
];

/// Rewrites a file's columns in the shared encoding (migration 5 -> 6): the records' columns
/// from their documents, the request records' actors and the sequences' names from what
/// version 5 wrote (an actor's JSON, a sequence's `Debug` name), and the listing counts from
/// the records' columns again.
pub(crate) fn shared_columns(conn: &Connection) -> rusqlite::Result<()> {
    listing::backfill(conn)?;
    let bad = |e: Box<dyn std::error::Error + Send + Sync>| {
        rusqlite::Error::FromSqlConversionFailure(0, rusqlite::types::Type::Text, e)
    };
    let requests: Vec<(String, String)> = conn
        .prepare("SELECT actor, id FROM requests")?
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?
        .collect::<rusqlite::Result<_>>()?;
    let mut update = conn.prepare("UPDATE requests SET actor = ?3 WHERE actor = ?1 AND id = ?2")?;
    for (old, id) in requests {
        let actor = match serde_json::from_str::<Actor>(&old) {
            Ok(actor) => actor,
            // A key already is left as it is.
            Err(e) => match columns::actor_of_key(&old) {
                Ok(_) => continue,
                Err(_) => return Err(bad(Box::new(e))),
            },
        };
        update.execute(params![old, id, columns::actor_key(&actor)])?;
    }
    for sequence in columns::SEQUENCES {
        conn.execute(
            "UPDATE sequences SET name = ?2 WHERE name = ?1",
            params![format!("{sequence:?}"), columns::sequence_name(sequence)],
        )?;
    }
    conn.execute_batch(
        "DELETE FROM listing_counts;
         INSERT INTO listing_counts (listing, owner, status, n)
             SELECT listing, owner, status, count(*) FROM listing_entries
             WHERE owner IS NOT NULL AND status IS NOT NULL GROUP BY listing, owner, status;",
    )
}
