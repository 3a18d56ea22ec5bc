//! The tables, created and upgraded by numbered migrations in one transaction under an advisory
//! lock, so hosts starting together do not race; a database of a newer schema is refused.

use appmarket::Error;
use postgres::Client;

use crate::errors::to_error;

/// The schema version this build writes.
pub const SCHEMA_VERSION: i32 = 6;

/// Migration `n` (from 1) brings the schema from version `n - 1` to `n`.
///
/// Instants are stored as nanoseconds since the epoch (`bigint`), exactly as the library keeps
/// them; ids compare bytewise (`COLLATE "C"`), as in Rust. Each aggregate has a row holding its
/// JSON document (`doc`) and the columns its queries filter on.
const MIGRATIONS: &[&str] = &[
    r#"
CREATE TABLE accounts (id text COLLATE "C" PRIMARY KEY, version bigint NOT NULL, doc text NOT NULL);
CREATE TABLE products (
    id text COLLATE "C" PRIMARY KEY, version bigint NOT NULL, doc text NOT NULL, listed boolean NOT NULL);
CREATE INDEX products_listed ON products (id) WHERE listed;
CREATE TABLE saved_lists (id text COLLATE "C" PRIMARY KEY, version bigint NOT NULL, doc text NOT NULL);
CREATE TABLE orders (
    id text COLLATE "C" PRIMARY KEY, version bigint NOT NULL, doc text NOT NULL, pos bigserial NOT NULL,
    customer text COLLATE "C" NOT NULL, status text NOT NULL, product text COLLATE "C" NOT NULL);
CREATE INDEX orders_by_customer ON orders (customer, pos DESC);
CREATE TABLE apps (
    id text COLLATE "C" PRIMARY KEY, version bigint NOT NULL, doc text NOT NULL, pos bigserial NOT NULL,
    customer text COLLATE "C" NOT NULL, listed boolean NOT NULL, status text NOT NULL, delivery text NOT NULL,
    mode text NOT NULL, name_lower text NOT NULL);
CREATE INDEX apps_by_customer ON apps (customer, pos DESC);
CREATE TABLE flows (
    id text COLLATE "C" PRIMARY KEY, version bigint NOT NULL, doc text NOT NULL, pos bigserial NOT NULL,
    customer text COLLATE "C" NOT NULL, seller text COLLATE "C" NOT NULL, status text NOT NULL,
    kind text NOT NULL, order_id text COLLATE "C" NOT NULL);
CREATE INDEX flows_by_customer ON flows (customer, pos DESC);
CREATE INDEX flows_by_seller ON flows (seller, pos DESC);
CREATE TABLE appeals (
    id text COLLATE "C" PRIMARY KEY, version bigint NOT NULL, doc text NOT NULL, open boolean NOT NULL,
    opened_at bigint NOT NULL);
CREATE INDEX open_appeals ON appeals (opened_at, id) WHERE open;
CREATE TABLE invoices (id text COLLATE "C" PRIMARY KEY, version bigint NOT NULL, doc text NOT NULL);
-- When tick must next look at a target ("<rank>:<id>", sorting like appmarket::Target).
CREATE TABLE due (target text COLLATE "C" PRIMARY KEY, at bigint NOT NULL);
CREATE INDEX due_by_time ON due (at, target);
-- Exclusive claims of due targets by hosts running tick.
CREATE TABLE claims (target text COLLATE "C" PRIMARY KEY, until bigint NOT NULL);
-- The event stream, numbered gaplessly in commit order through the stream head.
CREATE TABLE events (seq bigint PRIMARY KEY, target text COLLATE "C" NOT NULL, doc text NOT NULL);
CREATE INDEX events_by_target ON events (target, seq);
CREATE TABLE stream_head (id int PRIMARY KEY CHECK (id = 1), seq bigint NOT NULL);
INSERT INTO stream_head VALUES (1, 0);
-- Request ids, per actor; a revealed password is kept in its own column, never in the document.
CREATE TABLE requests (
    actor text COLLATE "C" NOT NULL, id text COLLATE "C" NOT NULL, at bigint NOT NULL, doc text NOT NULL,
    secret text, PRIMARY KEY (actor, id));
CREATE INDEX requests_by_time ON requests (at);
-- Passwords, apart from the apps (APP-5).
CREATE TABLE secrets (app text COLLATE "C" PRIMARY KEY, secret text NOT NULL);
CREATE TABLE sequences (name text PRIMARY KEY, value bigint NOT NULL);
CREATE TABLE meta (key text PRIMARY KEY, value text NOT NULL);
"#,
    r#"
-- A commit is one statement: each write and the request id are checked by this function, which
-- raises (undoing the whole statement) when one failed. AM001: a stale version; AM002: a used
-- request id.
CREATE FUNCTION appmarket_check(ok boolean, code text, message text) RETURNS boolean
LANGUAGE plpgsql AS $$
BEGIN
    IF NOT ok THEN
        RAISE EXCEPTION USING ERRCODE = code, MESSAGE = message;
    END IF;
    RETURN true;
END
$$;
"#,
    r#"
-- Room on each page for the next version of a row: an update that changes no indexed column (a
-- commit changing an order's or an app's state, a claim) stays on its page (HOT) and touches no
-- index. Pages written from now on keep it.
ALTER TABLE accounts SET (fillfactor = 80);
ALTER TABLE orders SET (fillfactor = 80);
ALTER TABLE apps SET (fillfactor = 80);
ALTER TABLE flows SET (fillfactor = 80);
ALTER TABLE due SET (fillfactor = 80);
-- A due target's claim is a column of its due row (claiming is an update in place); the claims
-- table keeps the claims of targets without a due row and those made before this version.
ALTER TABLE due ADD COLUMN claimed_until bigint;
"#,
    r#"
-- A listing reads the index of what it filters on, newest first, and stops at its page; a
-- count of its matches reads the same index only. Unlisted apps (APP-4) are never listed.
CREATE INDEX orders_by_customer_status ON orders (customer, status, pos DESC);
CREATE INDEX orders_by_customer_product ON orders (customer, product, pos DESC);
CREATE INDEX apps_listed_by_customer ON apps (customer, pos DESC) WHERE listed;
CREATE INDEX apps_listed_by_customer_status ON apps (customer, status, pos DESC) WHERE listed;
CREATE INDEX flows_by_customer_status ON flows (customer, status, pos DESC);
CREATE INDEX flows_by_seller_status ON flows (seller, status, pos DESC);
CREATE INDEX flows_by_order ON flows (order_id);
"#,
    r#"
-- Request records keep no password: a replayed reveal reads the app's password. A record of a
-- reveal made before kept one: it is dropped, so a retry of that request id reveals the app's
-- current password again.
DELETE FROM requests WHERE secret IS NOT NULL;
ALTER TABLE requests DROP COLUMN secret;
-- A password is in plain text (`secret`, a store without a secret key) or sealed with the key.
ALTER TABLE secrets ALTER COLUMN secret DROP NOT NULL, ADD COLUMN sealed bytea,
    ADD CONSTRAINT secrets_one_form CHECK ((secret IS NULL) <> (sealed IS NULL));
"#,
    r#"
-- How many records each listing holds per owner and status, so that the total of a listing
-- filtered by nothing or by its status alone is read, not counted. listing: 'orders' (by
-- customer), 'apps' (a customer's listed apps, APP-4), 'customer_flows', 'seller_flows'.
-- Triggers keep the counts in the statement that creates a record or changes its owner, status
-- or (for an app) whether it is listed; their functions keep the schema's search_path, so that a
-- statement from a session with another search_path counts here too.
CREATE TABLE listing_counts (
    listing text NOT NULL, owner text COLLATE "C" NOT NULL, status text NOT NULL, n bigint NOT NULL,
    PRIMARY KEY (listing, owner, status));
INSERT INTO listing_counts (listing, owner, status, n)
    SELECT 'orders', customer, status, count(*) FROM orders GROUP BY customer, status
    UNION ALL SELECT 'apps', customer, status, count(*) FROM apps WHERE listed GROUP BY customer, status
    UNION ALL SELECT 'customer_flows', customer, status, count(*) FROM flows GROUP BY customer, status
    UNION ALL SELECT 'seller_flows', seller, status, count(*) FROM flows GROUP BY seller, status;

-- Adds each delta to its count (called by the triggers below, in their search_path), the keys in
-- order: commits moving records of one owner between
-- the same statuses in opposite directions lock the counts in the same order.
CREATE FUNCTION appmarket_recount(listings text[], owners text[], statuses text[], deltas bigint[]) RETURNS void
LANGUAGE sql AS $$
    INSERT INTO listing_counts (listing, owner, status, n)
    SELECT l, o, s, sum(d) FROM unnest(listings, owners, statuses, deltas) AS c(l, o, s, d)
    GROUP BY l, o, s HAVING sum(d) <> 0 ORDER BY l, o COLLATE "C", s
    ON CONFLICT (listing, owner, status) DO UPDATE SET n = listing_counts.n + EXCLUDED.n
$$;

CREATE FUNCTION appmarket_count_orders() RETURNS trigger LANGUAGE plpgsql SET search_path FROM CURRENT AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        PERFORM appmarket_recount('{orders}', ARRAY[NEW.customer], ARRAY[NEW.status], '{1}');
    ELSIF TG_OP = 'DELETE' THEN
        PERFORM appmarket_recount('{orders}', ARRAY[OLD.customer], ARRAY[OLD.status], '{-1}');
    ELSE
        PERFORM appmarket_recount('{orders,orders}', ARRAY[OLD.customer, NEW.customer],
                                  ARRAY[OLD.status, NEW.status], '{-1,1}');
    END IF;
    RETURN NULL;
END
$$;
CREATE TRIGGER orders_counted AFTER INSERT OR DELETE ON orders
    FOR EACH ROW EXECUTE FUNCTION appmarket_count_orders();
CREATE TRIGGER orders_recounted AFTER UPDATE OF customer, status ON orders FOR EACH ROW
    WHEN (OLD.customer IS DISTINCT FROM NEW.customer OR OLD.status IS DISTINCT FROM NEW.status)
    EXECUTE FUNCTION appmarket_count_orders();

CREATE FUNCTION appmarket_count_apps() RETURNS trigger LANGUAGE plpgsql SET search_path FROM CURRENT AS $$
DECLARE
    owners text[] := '{}';
    statuses text[] := '{}';
    deltas bigint[] := '{}';
BEGIN
    IF TG_OP <> 'INSERT' AND OLD.listed THEN
        owners := owners || OLD.customer::text;
        statuses := statuses || OLD.status;
        deltas := deltas || (-1)::bigint;
    END IF;
    IF TG_OP <> 'DELETE' AND NEW.listed THEN
        owners := owners || NEW.customer::text;
        statuses := statuses || NEW.status;
        deltas := deltas || 1::bigint;
    END IF;
    PERFORM appmarket_recount(array_fill('apps'::text, ARRAY[cardinality(owners)]), owners, statuses, deltas);
    RETURN NULL;
END
$$;
CREATE TRIGGER apps_counted AFTER INSERT OR DELETE ON apps
    FOR EACH ROW EXECUTE FUNCTION appmarket_count_apps();
CREATE TRIGGER apps_recounted AFTER UPDATE OF customer, status, listed ON apps FOR EACH ROW
    WHEN (OLD.customer IS DISTINCT FROM NEW.customer OR OLD.status IS DISTINCT FROM NEW.status
          OR OLD.listed IS DISTINCT FROM NEW.listed)
    EXECUTE FUNCTION appmarket_count_apps();

CREATE FUNCTION appmarket_count_flows() RETURNS trigger LANGUAGE plpgsql SET search_path FROM CURRENT AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        PERFORM appmarket_recount('{customer_flows,seller_flows}', ARRAY[NEW.customer, NEW.seller],
                                  ARRAY[NEW.status, NEW.status], '{1,1}');
    ELSIF TG_OP = 'DELETE' THEN
        PERFORM appmarket_recount('{customer_flows,seller_flows}', ARRAY[OLD.customer, OLD.seller],
                                  ARRAY[OLD.status, OLD.status], '{-1,-1}');
    ELSE
        PERFORM appmarket_recount('{customer_flows,seller_flows,customer_flows,seller_flows}',
                                  ARRAY[OLD.customer, OLD.seller, NEW.customer, NEW.seller],
                                  ARRAY[OLD.status, OLD.status, NEW.status, NEW.status], '{-1,-1,1,1}');
    END IF;
    RETURN NULL;
END
$$;
CREATE TRIGGER flows_counted AFTER INSERT OR DELETE ON flows
    FOR EACH ROW EXECUTE FUNCTION appmarket_count_flows();
CREATE TRIGGER flows_recounted AFTER UPDATE OF customer, seller, status ON flows FOR EACH ROW
    WHEN (OLD.customer IS DISTINCT FROM NEW.customer OR OLD.seller IS DISTINCT FROM NEW.seller
          OR OLD.status IS DISTINCT FROM NEW.status)
    EXECUTE FUNCTION appmarket_count_flows();
"#,
];

/// Creates or upgrades the schema `schema` (and the schema itself).
pub(crate) fn migrate(client: &mut Client, schema: &str) -> Result<(), Error> {
    let fail = |e: postgres::Error| to_error("migrating the schema", &e);
    let mut tx = client.transaction().map_err(fail)?;
    // Hosts starting together: one migrates, the others wait here and then find it done.
    tx.query("SELECT pg_advisory_xact_lock(hashtext($1))", &[&format!("appmarket-schema:{schema}")]).map_err(fail)?;
    tx.batch_execute(&format!(
        "CREATE SCHEMA IF NOT EXISTS \"{schema}\";
         CREATE TABLE IF NOT EXISTS \"{schema}\".appmarket_schema (
             id int PRIMARY KEY CHECK (id = 1), version int NOT NULL)"
    ))
    .map_err(fail)?;
    let table = format!("\"{schema}\".appmarket_schema");
    let current: i32 = tx
        .query_opt(&format!("SELECT version FROM {table} WHERE id = 1"), &[])
        .map_err(fail)?
        .map_or(0, |row| row.get(0));
    if current > SCHEMA_VERSION {
        return Err(Error::Storage {
            reason: format!(
                "the database schema `{schema}` is at version {current}, newer than this appmarket-postgres \
                 supports ({SCHEMA_VERSION}): upgrade appmarket-postgres on this host, or point it at another \
                 database"
            ),
        });
    }
    if current == SCHEMA_VERSION {
        return tx.commit().map_err(fail);
    }
    tx.batch_execute(&format!("SET LOCAL search_path TO \"{schema}\"")).map_err(fail)?;
    for migration in &MIGRATIONS[current as usize..] {
        tx.batch_execute(migration).map_err(fail)?;
    }
    tx.execute(
        &format!("INSERT INTO {table} (id, version) VALUES (1, $1) ON CONFLICT (id) DO UPDATE SET version = $1"),
        &[&SCHEMA_VERSION],
    )
    .map_err(fail)?;
    tx.commit().map_err(fail)
}

/// The schema version recorded in the database.
pub(crate) fn version(client: &mut Client) -> Result<i32, Error> {
    client
        .query_one("SELECT version FROM appmarket_schema WHERE id = 1", &[])
        .map(|row| row.get(0))
        .map_err(|e| to_error("reading the schema version", &e))
}
