//! [`Store`] on the rows of the file.

use std::collections::HashSet;
use std::sync::Arc;

use appmarket::Error;
use appmarket::actor::{Actor, AppId, CustomerId, ProductId, RequestId, Target};
use appmarket::app::{AppFilter, PurchasedApp};
use appmarket::appeal::{Appeal, AppealStatus};
use appmarket::catalog::{Page, PreparedQuery, Product};
use appmarket::event::Event;
use appmarket::order::{Order, OrderFilter};
use appmarket::secret::Secret;
use appmarket::store::columns::{self, LISTING_APPS, LISTING_CUSTOMER_FLOWS, LISTING_ORDERS, LISTING_SELLER_FLOWS};
use appmarket::store::{Commit, Record, RequestRecord, Sequence, Store};
use appmarket::supervision::{FlowFilter, ServiceFlow};
use chrono::{DateTime, Utc};
use rusqlite::{OptionalExtension, TransactionBehavior, params};

use crate::codec::{actor_key, key, nanos, sequence_name, target_of};
use crate::listing::{self, Conditions, Counted};
use crate::{Block, SqliteStore, secrets};

impl Store for SqliteStore {
    fn load(&self, target: &Target) -> Result<Option<(Record, u64)>, Error> {
        let _span = round_trip("load");
        let (kind, id) = key(target);
        let row: Option<(String, i64)> = self.read(|conn| {
            let sql = if kind == 1 {
                "SELECT doc, version FROM products WHERE id = ?2 AND ?1 = 1"
            } else {
                "SELECT doc, version FROM records WHERE kind = ?1 AND id = ?2"
            };
            conn.prepare_cached(sql)
                .and_then(|mut s| s.query_row(params![kind, id], |r| Ok((r.get(0)?, r.get(1)?))).optional())
                .map_err(|e| self.sql("loading", e))
        })?;
        match row {
            None => Ok(None),
            Some((doc, version)) => Ok(Some((self.decode("record", &doc)?, version as u64))),
        }
    }

    /// One read transaction for all (one lock of the file instead of one per record), each
    /// record read by its key with one cached statement.
    fn load_many(&self, targets: &[Target]) -> Result<Vec<Option<(Record, u64)>>, Error> {
        let _span = round_trip("load_many");
        if targets.len() < 2 {
            return targets.iter().map(|t| self.load(t)).collect();
        }
        self.read(|conn| {
            let q = |e| self.sql("loading", e);
            let tx = conn.unchecked_transaction().map_err(q)?;
            let mut loaded = Vec::with_capacity(targets.len());
            {
                let mut records =
                    tx.prepare_cached("SELECT doc, version FROM records WHERE kind = ?1 AND id = ?2").map_err(q)?;
                let mut products = tx.prepare_cached("SELECT doc, version FROM products WHERE id = ?1").map_err(q)?;
                for target in targets {
                    let (kind, id) = key(target);
                    let mut rows = if kind == 1 {
                        products.query(params![id]).map_err(q)?
                    } else {
                        records.query(params![kind, id]).map_err(q)?
                    };
                    let row = match rows.next().map_err(q)? {
                        None => None,
                        Some(row) => {
                            let doc = row.get_ref(0).and_then(|v| Ok(v.as_str()?)).map_err(q)?;
                            let version: i64 = row.get(1).map_err(q)?;
                            Some((self.decode("record", doc)?, version as u64))
                        }
                    };
                    loaded.push(row);
                }
            }
            tx.finish().map_err(q)?;
            Ok(loaded)
        })
    }

    fn product(&self, id: &ProductId) -> Result<Option<Arc<Product>>, Error> {
        let _span = round_trip("product");
        self.read(|conn| self.catch_up(conn))?;
        let catalog = self.catalog.read().unwrap_or_else(|p| p.into_inner());
        Ok(catalog.products.get(id).map(|(p, _)| Arc::clone(p)))
    }

    fn commit(&self, commit: Commit, at: DateTime<Utc>) -> Result<u64, Error> {
        let _span = round_trip("commit");
        let mut conn = self.writer();
        let tx =
            conn.transaction_with_behavior(TransactionBehavior::Immediate).map_err(|e| self.sql("committing", e))?;
        let (last, catalog) = self.apply(&tx, commit, at)?;
        tx.commit().map_err(|e| self.sql("committing", e))?;
        if catalog {
            self.catch_up(&conn)?;
        }
        Ok(last)
    }

    /// One `BEGIN IMMEDIATE` transaction for all: a commit that fails its checks (a stale
    /// version, a target written twice) wrote nothing (the checks come before the writes) and
    /// the others go on.
    fn commit_many(&self, commits: Vec<Commit>, at: DateTime<Utc>) -> Result<Vec<Result<u64, Error>>, Error> {
        let _span = round_trip("commit_many");
        let mut conn = self.writer();
        let tx =
            conn.transaction_with_behavior(TransactionBehavior::Immediate).map_err(|e| self.sql("committing", e))?;
        let mut saved = Vec::with_capacity(commits.len());
        let mut catalog = false;
        for commit in commits {
            match self.apply(&tx, commit, at) {
                Ok((last, changed)) => {
                    catalog |= changed;
                    saved.push(Ok(last));
                }
                Err(e @ (Error::Conflict { .. } | Error::InvalidInput { .. })) => saved.push(Err(e)),
                Err(other) => return Err(other),
            }
        }
        tx.commit().map_err(|e| self.sql("committing", e))?;
        if catalog {
            self.catch_up(&conn)?;
        }
        Ok(saved)
    }

    /// Hands out the next number of the block this store reserved; when the block is used up,
    /// one write transaction reserves the next `number_block` numbers in the file.
    fn next_number(&self, sequence: Sequence) -> Result<u64, Error> {
        let _span = round_trip("next_number");
        let mut numbers = self.numbers.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(block) = numbers.get_mut(&sequence)
            && block.next <= block.end
        {
            block.next += 1;
            return Ok(block.next - 1);
        }
        let size = u64::from(self.options.number_block.max(1));
        let end = self
            .writer()
            .prepare_cached(
                "INSERT INTO sequences (name, value) VALUES (?1, ?2)
                 ON CONFLICT (name) DO UPDATE SET value = value + ?2 RETURNING value",
            )
            .and_then(|mut s| s.query_row(params![sequence_name(sequence), size as i64], |r| r.get::<_, i64>(0)))
            .map(|n| n as u64)
            .map_err(|e| self.sql("numbering", e))?;
        let first = end - size + 1;
        numbers.insert(sequence, Block { next: first + 1, end });
        Ok(first)
    }

    fn search(&self, query: &PreparedQuery<'_>) -> Result<Page<Product>, Error> {
        let _span = round_trip("search");
        self.read(|conn| self.catch_up(conn))?;
        let catalog = self.catalog.read().unwrap_or_else(|p| p.into_inner());
        Ok(catalog.products.search(query))
    }

    fn orders_of(
        &self,
        customer: &CustomerId,
        filter: &OrderFilter,
        page: u32,
        page_size: u32,
    ) -> Result<Page<Order>, Error> {
        let _span = round_trip("orders_of");
        let customer = customer.as_str();
        let status = filter.status.map(|s| columns::order_status(s).to_owned());
        let product = filter.product.as_ref().map(|p| p.as_str().to_owned());
        let conditions = Conditions::new("kind = 3 AND customer = ?", &customer)
            .and("status = ?", &status)
            .and("product = ?", &product);
        let counted = product.is_none().then_some(Counted {
            listing: LISTING_ORDERS,
            owner: customer,
            status: status.as_deref(),
        });
        let pick = |r: Record| match r {
            Record::Order(o) => Some(*o),
            _ => None,
        };
        self.page(conditions, counted, pick, page, page_size)
    }

    fn unpaid_orders(&self, customer: &CustomerId) -> Result<u64, Error> {
        let _span = round_trip("unpaid_orders");
        self.read(|conn| listing::unpaid_orders(conn, customer.as_str()).map_err(|e| self.sql("counting orders", e)))
    }

    fn apps_of(
        &self,
        customer: &CustomerId,
        filter: &AppFilter,
        page: u32,
        page_size: u32,
    ) -> Result<Page<PurchasedApp>, Error> {
        let _span = round_trip("apps_of");
        let customer = customer.as_str();
        let status = filter.status.map(|s| columns::app_status(s).to_owned());
        let delivery = filter.delivery.map(|d| columns::delivery(d).to_owned());
        let mode = filter.mode.map(|m| columns::billing_mode(m).to_owned());
        let name = filter.name.as_deref().map(columns::name_lower);
        // Unlisted apps (APP-4) are never listed.
        let conditions = Conditions::new("kind = 4 AND listed = 1 AND customer = ?", &customer)
            .and("status = ?", &status)
            .and("delivery = ?", &delivery)
            .and("mode = ?", &mode)
            .and("instr(name_lower, ?) > 0", &name);
        let counted = (delivery.is_none() && mode.is_none() && name.is_none()).then_some(Counted {
            listing: LISTING_APPS,
            owner: customer,
            status: status.as_deref(),
        });
        let pick = |r: Record| match r {
            Record::App(a) => Some(*a),
            _ => None,
        };
        self.page(conditions, counted, pick, page, page_size)
    }

    fn flows_of(
        &self,
        party: &Actor,
        filter: &FlowFilter,
        page: u32,
        page_size: u32,
    ) -> Result<Page<ServiceFlow>, Error> {
        let _span = round_trip("flows_of");
        let (owned, id, listing) = match party {
            Actor::Customer(c) => ("kind = 5 AND customer = ?", c.as_str(), LISTING_CUSTOMER_FLOWS),
            Actor::Seller(s) => ("kind = 5 AND seller = ?", s.as_str(), LISTING_SELLER_FLOWS),
            _ => return Ok(Page::of(Vec::new(), page, page_size)),
        };
        let status = filter.status.map(|s| columns::flow_status(s).to_owned());
        let kind = filter.kind.map(|k| columns::flow_kind(k).to_owned());
        let order = filter.order.as_ref().map(|o| o.as_str().to_owned());
        let conditions = Conditions::new(owned, &id)
            .and("status = ?", &status)
            .and("flow_kind = ?", &kind)
            .and("order_id = ?", &order);
        let counted =
            (kind.is_none() && order.is_none()).then_some(Counted { listing, owner: id, status: status.as_deref() });
        let pick = |r: Record| match r {
            Record::Flow(f) => Some(*f),
            _ => None,
        };
        self.page(conditions, counted, pick, page, page_size)
    }

    fn open_appeals(&self) -> Result<Vec<Appeal>, Error> {
        let _span = round_trip("open_appeals");
        let mut open: Vec<Appeal> = self.read(|conn| {
            let mut stmt =
                conn.prepare_cached(listing::OPEN_APPEALS).map_err(|e| self.sql("listing open appeals", e))?;
            let rows =
                stmt.query_map([], |r| r.get::<_, String>(0)).map_err(|e| self.sql("listing open appeals", e))?;
            let mut open = Vec::new();
            for doc in rows {
                if let Record::Appeal(a) =
                    self.decode("record", &doc.map_err(|e| self.sql("listing open appeals", e))?)?
                    && a.status == AppealStatus::Open
                {
                    open.push(*a);
                }
            }
            Ok(open)
        })?;
        open.sort_by(|a, b| (a.opened_at, &a.id).cmp(&(b.opened_at, &b.id)));
        Ok(open)
    }

    fn due(&self, now: DateTime<Utc>, limit: usize) -> Result<Vec<Target>, Error> {
        let _span = round_trip("due");
        let rows: Vec<(i64, String)> = self.read(|conn| {
            let mut stmt = conn
                .prepare_cached(
                    "SELECT kind, id FROM records WHERE due IS NOT NULL AND due <= ?1 ORDER BY due, kind, id LIMIT ?2",
                )
                .map_err(|e| self.sql("reading the due index", e))?;
            let limit = i64::try_from(limit).unwrap_or(i64::MAX);
            let rows = stmt
                .query_map(params![nanos(now), limit], |r| Ok((r.get(0)?, r.get(1)?)))
                .map_err(|e| self.sql("reading the due index", e))?;
            rows.collect::<Result<Vec<_>, _>>().map_err(|e| self.sql("reading the due index", e))
        })?;
        rows.iter().map(|(kind, id)| target_of(*kind, id)).collect()
    }

    fn next_due(&self, after: DateTime<Utc>) -> Result<Option<DateTime<Utc>>, Error> {
        let _span = round_trip("next_due");
        let next: Option<i64> = self.read(|conn| {
            conn.prepare_cached("SELECT MIN(due) FROM records WHERE due IS NOT NULL AND due > ?1")
                .and_then(|mut stmt| stmt.query_row(params![nanos(after)], |r| r.get(0)))
                .map_err(|e| self.sql("reading the next due instant", e))
        })?;
        Ok(next.map(columns::instant))
    }

    fn events_since(&self, cursor: u64, limit: usize) -> Result<Vec<Event>, Error> {
        let _span = round_trip("events_since");
        let docs: Vec<String> = self.read(|conn| {
            let mut stmt = conn
                .prepare_cached("SELECT doc FROM events WHERE seq > ?1 ORDER BY seq LIMIT ?2")
                .map_err(|e| self.sql("reading events", e))?;
            let cursor = i64::try_from(cursor).unwrap_or(i64::MAX);
            let limit = i64::try_from(limit).unwrap_or(i64::MAX);
            let rows =
                stmt.query_map(params![cursor, limit], |r| r.get(0)).map_err(|e| self.sql("reading events", e))?;
            rows.collect::<Result<Vec<_>, _>>().map_err(|e| self.sql("reading events", e))
        })?;
        docs.iter().map(|d| self.decode("event", d)).collect()
    }

    fn records(&self, target: &Target, after: u64, limit: usize) -> Result<Vec<Event>, Error> {
        let _span = round_trip("records");
        let (kind, id) = key(target);
        let after = i64::try_from(after).unwrap_or(i64::MAX);
        let limit = i64::try_from(limit).unwrap_or(i64::MAX);
        let docs: Vec<String> = self.read(|conn| {
            // `events_target` on (kind, id) holds the rowid, `seq`: the index gives the page in order.
            let mut stmt = conn
                .prepare_cached("SELECT doc FROM events WHERE kind = ?1 AND id = ?2 AND seq > ?3 ORDER BY seq LIMIT ?4")
                .map_err(|e| self.sql("reading events", e))?;
            let rows = stmt
                .query_map(params![kind, id, after, limit], |r| r.get(0))
                .map_err(|e| self.sql("reading events", e))?;
            rows.collect::<Result<Vec<_>, _>>().map_err(|e| self.sql("reading events", e))
        })?;
        docs.iter().map(|d| self.decode("event", d)).collect()
    }

    fn request(&self, actor: &Actor, id: &RequestId) -> Result<Option<RequestRecord>, Error> {
        let _span = round_trip("request");
        let actor = actor_key(actor);
        let doc: Option<String> = self.read(|conn| {
            conn.prepare_cached("SELECT doc FROM requests WHERE actor = ?1 AND id = ?2")
                .and_then(|mut s| s.query_row(params![actor, id.as_str()], |r| r.get(0)).optional())
                .map_err(|e| self.sql("reading a request record", e))
        })?;
        doc.map(|doc| self.decode("request record", &doc)).transpose()
    }

    fn prune_requests(&self, before: DateTime<Utc>) -> Result<u64, Error> {
        let _span = round_trip("prune_requests");
        let conn = self.writer();
        conn.prepare_cached("DELETE FROM requests WHERE at < ?1")
            .and_then(|mut s| s.execute(params![nanos(before)]))
            .map(|n| n as u64)
            .map_err(|e| self.sql("pruning request records", e))
    }

    fn secret(&self, app: &AppId) -> Result<Option<Secret>, Error> {
        let _span = round_trip("secret");
        let kept = self.read(|conn| secrets::load(conn, app).map_err(|e| self.sql("reading a password", e)))?;
        kept.map(|kept| self.sealing.read(app, kept)).transpose()
    }

    fn marketplace_id(&self, proposed: &str) -> Result<String, Error> {
        let _span = round_trip("marketplace_id");
        let mut conn = self.writer();
        let tx = conn
            .transaction_with_behavior(TransactionBehavior::Immediate)
            .map_err(|e| self.sql("recording the marketplace id", e))?;
        let q = |e| self.sql("recording the marketplace id", e);
        tx.execute(
            "INSERT INTO meta (key, value) VALUES ('marketplace_id', ?1) ON CONFLICT (key) DO NOTHING",
            params![proposed],
        )
        .map_err(q)?;
        let id: String =
            tx.query_row("SELECT value FROM meta WHERE key = 'marketplace_id'", [], |r| r.get(0)).map_err(q)?;
        tx.commit().map_err(q)?;
        Ok(id)
    }

    fn claim(&self, target: &Target, now: DateTime<Utc>, until: DateTime<Utc>) -> Result<bool, Error> {
        let _span = round_trip("claim");
        let (kind, id) = key(target);
        let conn = self.writer();
        conn.prepare_cached(
            "INSERT INTO claims (kind, id, until) VALUES (?1, ?2, ?3)
             ON CONFLICT (kind, id) DO UPDATE SET until = ?3 WHERE claims.until <= ?4",
        )
        .and_then(|mut s| s.execute(params![kind, id, nanos(until), nanos(now)]))
        .map(|n| n == 1)
        .map_err(|e| self.sql("claiming a due item", e))
    }

    fn release(&self, target: &Target) -> Result<(), Error> {
        let _span = round_trip("release");
        let (kind, id) = key(target);
        let conn = self.writer();
        conn.prepare_cached("DELETE FROM claims WHERE kind = ?1 AND id = ?2")
            .and_then(|mut s| s.execute(params![kind, id]))
            .map(|_| ())
            .map_err(|e| self.sql("releasing a claim", e))
    }

    /// One `BEGIN IMMEDIATE` transaction: reads the due index past the claims in force and the
    /// skipped targets, and claims the page.
    fn claim_due(
        &self,
        now: DateTime<Utc>,
        until: DateTime<Utc>,
        limit: usize,
        skip: &HashSet<Target>,
    ) -> Result<Vec<Target>, Error> {
        let _span = round_trip("claim_due");
        if limit == 0 {
            return Ok(Vec::new());
        }
        let mut conn = self.writer();
        let q = |e| self.sql("claiming due items", e);
        let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate).map_err(q)?;
        let mut claimed = Vec::new();
        {
            let mut select = tx
                .prepare_cached(
                    "SELECT r.kind, r.id FROM records r INDEXED BY records_due
                     WHERE r.due IS NOT NULL AND r.due <= ?1
                       AND NOT EXISTS (SELECT 1 FROM claims c WHERE c.kind = r.kind AND c.id = r.id AND c.until > ?1)
                     ORDER BY r.due, r.kind, r.id",
                )
                .map_err(q)?;
            let mut rows = select.query(params![nanos(now)]).map_err(q)?;
            while claimed.len() < limit {
                let Some(row) = rows.next().map_err(q)? else { break };
                let target =
                    target_of(row.get(0).map_err(q)?, row.get_ref(1).and_then(|v| Ok(v.as_str()?)).map_err(q)?)?;
                if !skip.contains(&target) {
                    claimed.push(target);
                }
            }
        }
        {
            let mut upsert = tx
                .prepare_cached(
                    "INSERT INTO claims (kind, id, until) VALUES (?1, ?2, ?3)
                     ON CONFLICT (kind, id) DO UPDATE SET until = ?3",
                )
                .map_err(q)?;
            for target in &claimed {
                let (kind, id) = key(target);
                upsert.execute(params![kind, id, nanos(until)]).map_err(q)?;
            }
        }
        tx.commit().map_err(q)?;
        Ok(claimed)
    }
}

/// The span of one call of the store, entered until it returns: `store` (DEBUG) with the store
/// and the call (README "Telemetry").
fn round_trip(op: &'static str) -> tracing::span::EnteredSpan {
    tracing::debug_span!(target: "appmarket::store", "store", store = "sqlite", op).entered()
}
