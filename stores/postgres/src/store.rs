//! The `Store` implementation: loads, commits, numbers, listings, search, the due index and
//! claims, events, request records and passwords.

use std::collections::{HashMap, HashSet};
use std::sync::Arc;

use appmarket::actor::{AppId, CustomerId, ProductId, RequestId};
use appmarket::catalog::{Page, PreparedQuery, Product, SearchText};
use appmarket::event::Event;
use appmarket::secret::Secret;
use appmarket::store::columns::{self, LISTING_APPS, LISTING_CUSTOMER_FLOWS, LISTING_ORDERS, LISTING_SELLER_FLOWS};
use appmarket::store::{Commit, Record, RequestRecord, Sequence, Store};
use appmarket::supervision::{FlowFilter, ServiceFlow};
use appmarket::{Actor, AppFilter, Appeal, Error, Order, OrderFilter, PurchasedApp, Target};
use chrono::{DateTime, Utc};

use crate::listing::{Counted, conditions};
use crate::rows::{self, KINDS, actor_key, event_of, nanos, record_of, sequence_name, target_key};
use crate::{Block, CachedProduct, NUMBER_BLOCK, PostgresStore, errors, secrets};

impl PostgresStore {
    /// Products by id from the cache, refreshed for those whose row changed.
    fn cached_products(&self, current: &[(String, i64)]) -> Result<Vec<CachedProduct>, Error> {
        let stale: Vec<String> = {
            let cache = self.products.lock().unwrap_or_else(|p| p.into_inner());
            current
                .iter()
                .filter(|(id, v)| {
                    ProductId::parse(id).ok().and_then(|pid| cache.get(&pid)).is_none_or(|(cv, _, _)| cv != v)
                })
                .map(|(id, _)| id.clone())
                .collect()
        };
        if !stale.is_empty() {
            let rows =
                self.query("loading products", "SELECT id, version, doc FROM products WHERE id = ANY($1)", &[&stale])?;
            let mut cache = self.products.lock().unwrap_or_else(|p| p.into_inner());
            for row in rows {
                let Record::Product(p) = record_of(1, row.get(2))? else { continue };
                let text = Arc::new(SearchText::of(&p));
                cache.insert(p.id.clone(), (row.get(1), Arc::new(*p), text));
            }
        }
        let cache = self.products.lock().unwrap_or_else(|p| p.into_inner());
        Ok(current
            .iter()
            .filter_map(|(id, _)| ProductId::parse(id).ok().and_then(|pid| cache.get(&pid).cloned()))
            .collect())
    }
}

impl Store for PostgresStore {
    fn load(&self, target: &Target) -> Result<Option<(Record, u64)>, Error> {
        let _span = round_trip("load");
        let (rank, id) = target.kind_and_id();
        let rows = self.query("loading a record", &self.kinds[rank].load, &[&id])?;
        match rows.first() {
            None => Ok(None),
            Some(row) => Ok(Some((record_of(rank, row.get(1))?, row.get::<_, i64>(0) as u64))),
        }
    }

    /// One query per kind among the targets.
    fn load_many(&self, targets: &[Target]) -> Result<Vec<Option<(Record, u64)>>, Error> {
        let _span = round_trip("load_many");
        let mut found: HashMap<(usize, String), (Record, u64)> = HashMap::with_capacity(targets.len());
        for (rank, kind) in KINDS.iter().enumerate() {
            let ids: Vec<&str> =
                targets.iter().map(Target::kind_and_id).filter(|(r, _)| *r == rank).map(|(_, id)| id).collect();
            if ids.is_empty() {
                continue;
            }
            let sql = format!("SELECT id, version, doc FROM {} WHERE id = ANY($1)", kind.table);
            for row in self.query("loading records", &sql, &[&ids])? {
                found.insert((rank, row.get(0)), (record_of(rank, row.get(2))?, row.get::<_, i64>(1) as u64));
            }
        }
        Ok(targets
            .iter()
            .map(|t| {
                let (rank, id) = t.kind_and_id();
                found.get(&(rank, id.to_owned())).cloned()
            })
            .collect())
    }

    fn product(&self, id: &ProductId) -> Result<Option<Arc<Product>>, Error> {
        let _span = round_trip("product");
        let cached = {
            let cache = self.products.lock().unwrap_or_else(|p| p.into_inner());
            cache.get(id).cloned()
        };
        let known = cached.as_ref().map_or(-1, |(v, _, _)| *v);
        // The document only when the cached version is stale.
        let rows = self.query(
            "loading a product",
            "SELECT version, CASE WHEN version = $2 THEN NULL ELSE doc END FROM products WHERE id = $1",
            &[&id.as_str(), &known],
        )?;
        let Some(row) = rows.first() else { return Ok(None) };
        let version: i64 = row.get(0);
        match (row.get::<_, Option<&str>>(1), cached) {
            (None, Some((_, p, _))) => Ok(Some(p)),
            (Some(doc), _) => {
                let Record::Product(p) = record_of(1, doc)? else { return Ok(None) };
                let p = Arc::new(*p);
                let text = Arc::new(SearchText::of(&p));
                self.products
                    .lock()
                    .unwrap_or_else(|e| e.into_inner())
                    .insert(id.clone(), (version, Arc::clone(&p), text));
                Ok(Some(p))
            }
            (None, None) => Ok(None),
        }
    }

    fn commit(&self, commit: Commit, at: DateTime<Utc>) -> Result<u64, Error> {
        let _span = round_trip("commit");
        commit.check_writes()?;
        self.run("saving a commit", true, |conn| self.commit_once(conn, &commit, at))
    }

    /// One transaction for all (one flush for a durable commit). When one of them fails its
    /// checks, that transaction is rolled back and they are saved one by one.
    fn commit_many(&self, commits: Vec<Commit>, at: DateTime<Utc>) -> Result<Vec<Result<u64, Error>>, Error> {
        let _span = round_trip("commit_many");
        // One that writes a target twice gets its refusal in its slot, the others are saved.
        if commits.iter().any(|c| c.check_writes().is_err()) {
            return appmarket::store::commit_one_by_one(self, commits, at);
        }
        if let Some(heads) = self.run("saving commits", true, |conn| self.commit_many_once(conn, &commits, at))? {
            return Ok(heads.into_iter().map(Ok).collect());
        }
        appmarket::store::commit_one_by_one(self, commits, at)
    }

    /// From a block of numbers this store reserved (one statement per 64
    /// numbers): unique across hosts, increasing on each host, but not in creation order across
    /// hosts, and the unused rest of a block is skipped when the store is dropped (a host
    /// restarts) or its connections broke.
    fn next_number(&self, sequence: Sequence) -> Result<u64, Error> {
        let _span = round_trip("next_number");
        let name = sequence_name(sequence);
        let mut blocks = self.numbers.lock().unwrap_or_else(|p| p.into_inner());
        let breaks = self.pool.breaks();
        if let Some(block) = blocks.get_mut(name)
            && block.breaks == breaks
            && block.next <= block.last
        {
            block.next += 1;
            return Ok(block.next - 1);
        }
        let last = self.write("numbering", |conn| {
            let s = conn.statement(
                "INSERT INTO sequences (name, value) VALUES ($1, $2)
                 ON CONFLICT (name) DO UPDATE SET value = sequences.value + $2 RETURNING value",
            )?;
            conn.client.query_one(&s, &[&name, &NUMBER_BLOCK]).map(|r| r.get::<_, i64>(0) as u64)
        })?;
        let first = last + 1 - NUMBER_BLOCK as u64;
        blocks.insert(name, Block { next: first + 1, last, breaks });
        Ok(first)
    }

    fn search(&self, query: &PreparedQuery<'_>) -> Result<Page<Product>, Error> {
        let _span = round_trip("search");
        let rows = self.query("searching products", "SELECT id, version FROM products WHERE listed", &[])?;
        let current: Vec<(String, i64)> = rows.iter().map(|r| (r.get::<_, String>(0), r.get::<_, i64>(1))).collect();
        let products = self.cached_products(&current)?;
        Ok(query.search(products.iter().map(|(_, p, text)| (&**text, &**p))))
    }

    fn orders_of(
        &self,
        customer: &CustomerId,
        filter: &OrderFilter,
        page: u32,
        page_size: u32,
    ) -> Result<Page<Order>, Error> {
        let _span = round_trip("orders_of");
        let status = filter.status.map(|s| columns::order_status(s).to_owned());
        let product = filter.product.as_ref().map(|p| p.to_string());
        let customer = customer.as_str();
        self.page_of(
            "listing orders",
            3,
            conditions("customer = $1", &customer, &[("status = $?", &status), ("product = $?", &product)]),
            product.is_none().then_some(Counted {
                listing: LISTING_ORDERS,
                owner: customer,
                status: status.as_deref(),
            }),
            (page, page_size),
            |r| match r {
                Record::Order(o) => Some(*o),
                _ => None,
            },
        )
    }

    fn unpaid_orders(&self, customer: &CustomerId) -> Result<u64, Error> {
        let _span = round_trip("unpaid_orders");
        let unpaid = columns::order_status(appmarket::OrderStatus::PendingPayment);
        let rows = self.query(
            "counting unpaid orders",
            "SELECT count(*) FROM orders WHERE customer = $1 AND status = $2",
            &[&customer.as_str(), &unpaid],
        )?;
        Ok(rows.first().map_or(0, |r| r.get::<_, i64>(0)) as u64)
    }

    fn apps_of(
        &self,
        customer: &CustomerId,
        filter: &AppFilter,
        page: u32,
        page_size: u32,
    ) -> Result<Page<PurchasedApp>, Error> {
        let _span = round_trip("apps_of");
        let status = filter.status.map(|s| columns::app_status(s).to_owned());
        let delivery = filter.delivery.map(|d| columns::delivery(d).to_owned());
        let mode = filter.mode.map(|m| columns::billing_mode(m).to_owned());
        let name = filter.name.as_deref().map(columns::name_lower);
        let customer = customer.as_str();
        self.page_of(
            "listing apps",
            4,
            conditions(
                "customer = $1 AND listed",
                &customer,
                &[
                    ("status = $?", &status),
                    ("delivery = $?", &delivery),
                    ("mode = $?", &mode),
                    ("strpos(name_lower, $?) > 0", &name),
                ],
            ),
            (delivery.is_none() && mode.is_none() && name.is_none()).then_some(Counted {
                listing: LISTING_APPS,
                owner: customer,
                status: status.as_deref(),
            }),
            (page, page_size),
            |r| match r {
                Record::App(a) => Some(*a),
                _ => None,
            },
        )
    }

    fn flows_of(
        &self,
        party: &Actor,
        filter: &FlowFilter,
        page: u32,
        page_size: u32,
    ) -> Result<Page<ServiceFlow>, Error> {
        let _span = round_trip("flows_of");
        let (column, id, listing) = match party {
            Actor::Customer(c) => ("customer", c.as_str(), LISTING_CUSTOMER_FLOWS),
            Actor::Seller(s) => ("seller", s.as_str(), LISTING_SELLER_FLOWS),
            _ => return Ok(Page { items: vec![], page, page_size, total: 0 }),
        };
        let status = filter.status.map(|s| columns::flow_status(s).to_owned());
        let kind = filter.kind.map(|k| columns::flow_kind(k).to_owned());
        let order = filter.order.as_ref().map(|o| o.to_string());
        self.page_of(
            "listing service flows",
            5,
            conditions(
                &format!("{column} = $1"),
                &id,
                &[("status = $?", &status), ("kind = $?", &kind), ("order_id = $?", &order)],
            ),
            (kind.is_none() && order.is_none()).then_some(Counted { listing, owner: id, status: status.as_deref() }),
            (page, page_size),
            |r| match r {
                Record::Flow(f) => Some(*f),
                _ => None,
            },
        )
    }

    fn open_appeals(&self) -> Result<Vec<Appeal>, Error> {
        let _span = round_trip("open_appeals");
        let rows =
            self.query("listing open appeals", "SELECT doc FROM appeals WHERE open ORDER BY opened_at, id", &[])?;
        rows.iter()
            .map(|row| match record_of(6, row.get(0))? {
                Record::Appeal(a) => Ok(*a),
                _ => Err(errors::corrupt("appeal", "not an appeal")),
            })
            .collect()
    }

    fn due(&self, now: DateTime<Utc>, limit: usize) -> Result<Vec<Target>, Error> {
        let _span = round_trip("due");
        let limit = i64::try_from(limit).unwrap_or(i64::MAX);
        let rows = self.query(
            "reading the due index",
            "SELECT target FROM due WHERE at <= $1 ORDER BY at, target LIMIT $2",
            &[&nanos(now), &limit],
        )?;
        rows.iter().map(|r| rows::target_of_key(r.get(0))).collect()
    }

    fn next_due(&self, after: DateTime<Utc>) -> Result<Option<DateTime<Utc>>, Error> {
        let _span = round_trip("next_due");
        let rows = self.query(
            "reading the next due instant",
            "SELECT at FROM due WHERE at > $1 ORDER BY at LIMIT 1",
            &[&nanos(after)],
        )?;
        Ok(rows.first().map(|r| columns::instant(r.get(0))))
    }

    fn events_since(&self, cursor: u64, limit: usize) -> Result<Vec<Event>, Error> {
        let _span = round_trip("events_since");
        let cursor = i64::try_from(cursor).unwrap_or(i64::MAX);
        let limit = i64::try_from(limit).unwrap_or(i64::MAX);
        let rows = self.query(
            "reading events",
            "SELECT seq, doc FROM events WHERE seq > $1 ORDER BY seq LIMIT $2",
            &[&cursor, &limit],
        )?;
        rows.iter().map(|r| event_of(r.get(0), r.get(1))).collect()
    }

    fn records(&self, target: &Target, after: u64, limit: usize) -> Result<Vec<Event>, Error> {
        let _span = round_trip("records");
        let after = i64::try_from(after).unwrap_or(i64::MAX);
        let limit = i64::try_from(limit).unwrap_or(i64::MAX);
        let rows = self.query(
            "reading a record's events",
            "SELECT seq, doc FROM events WHERE target = $1 AND seq > $2 ORDER BY seq LIMIT $3",
            &[&target_key(target), &after, &limit],
        )?;
        rows.iter().map(|r| event_of(r.get(0), r.get(1))).collect()
    }

    fn request(&self, actor: &Actor, id: &RequestId) -> Result<Option<RequestRecord>, Error> {
        let _span = round_trip("request");
        let rows = self.query(
            "reading a request id",
            "SELECT doc FROM requests WHERE actor = $1 AND id = $2",
            &[&actor_key(actor), &id.as_str()],
        )?;
        let Some(row) = rows.first() else { return Ok(None) };
        serde_json::from_str(row.get(0)).map(Some).map_err(|e| errors::corrupt("request record", e))
    }

    fn prune_requests(&self, before: DateTime<Utc>) -> Result<u64, Error> {
        let _span = round_trip("prune_requests");
        self.write("forgetting old request ids", |conn| {
            let s = conn.statement("DELETE FROM requests WHERE at < $1")?;
            conn.client.execute(&s, &[&nanos(before)])
        })
    }

    fn secret(&self, app: &AppId) -> Result<Option<Secret>, Error> {
        let _span = round_trip("secret");
        let rows =
            self.query("reading a password", "SELECT secret, sealed FROM secrets WHERE app = $1", &[&app.as_str()])?;
        let Some(row) = rows.first() else { return Ok(None) };
        self.sealing.read(app, secrets::stored(row.get(0), row.get(1))?).map(Some)
    }

    fn marketplace_id(&self, proposed: &str) -> Result<String, Error> {
        let _span = round_trip("marketplace_id");
        self.write("recording the marketplace id", |conn| {
            let insert = conn.statement(
                "INSERT INTO meta (key, value) VALUES ('marketplace_id', $1) ON CONFLICT (key) DO NOTHING",
            )?;
            conn.client.execute(&insert, &[&proposed])?;
            let select = conn.statement("SELECT value FROM meta WHERE key = 'marketplace_id'")?;
            conn.client.query_one(&select, &[]).map(|r| r.get(0))
        })
    }

    /// One statement: a due target's claim is its due row's `claimed_until`, set unless a claim
    /// is in force (the row lock makes it exclusive with page claims); a target without a due
    /// row is claimed in the claims table.
    fn claim(&self, target: &Target, now: DateTime<Utc>, until: DateTime<Utc>) -> Result<bool, Error> {
        let _span = round_trip("claim");
        let key = target_key(target);
        self.write("claiming a due item", |conn| {
            let s = conn.statement(
                "WITH held AS (SELECT 1 FROM claims WHERE target = $1 AND until > $2),
                 on_due AS (
                     UPDATE due SET claimed_until = $3
                     WHERE target = $1 AND coalesce(claimed_until, $2) <= $2 AND NOT EXISTS (SELECT 1 FROM held)
                     RETURNING 1),
                 is_due AS (SELECT 1 FROM due WHERE target = $1),
                 apart AS (
                     INSERT INTO claims (target, until) SELECT $1, $3 WHERE NOT EXISTS (SELECT 1 FROM is_due)
                     ON CONFLICT (target) DO UPDATE SET until = EXCLUDED.until WHERE claims.until <= $2
                     RETURNING 1)
                 SELECT (SELECT count(*) FROM on_due) + (SELECT count(*) FROM apart)",
            )?;
            conn.client.query_one(&s, &[&key, &nanos(now), &nanos(until)]).map(|r| r.get::<_, i64>(0) > 0)
        })
    }

    fn release(&self, target: &Target) -> Result<(), Error> {
        let _span = round_trip("release");
        let key = target_key(target);
        self.write("releasing a claim", |conn| {
            let s = conn.statement(
                "WITH apart AS (DELETE FROM claims WHERE target = $1)
                 UPDATE due SET claimed_until = NULL WHERE target = $1 AND claimed_until IS NOT NULL",
            )?;
            conn.client.execute(&s, &[&key]).map(|_| ())
        })
    }

    /// One statement: the page of due rows not claimed at `now` nor skipped, locked with
    /// `FOR UPDATE SKIP LOCKED` (hosts claiming at the same moment take different pages rather
    /// than queueing on the same rows), claimed by setting their `claimed_until` (an update in
    /// place, found by the locked row's address: no row of its own, no index lookup).
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
        let skip: Vec<String> = skip.iter().map(target_key).collect();
        let limit = i64::try_from(limit).unwrap_or(i64::MAX);
        let rows = self.write("claiming due items", |conn| {
            let s = conn.statement(
                "WITH page AS (
                     SELECT d.ctid FROM due d
                     WHERE d.at <= $1 AND coalesce(d.claimed_until, $1) <= $1 AND d.target <> ALL($4::text[])
                       AND NOT EXISTS (SELECT 1 FROM claims c WHERE c.target = d.target AND c.until > $1)
                     ORDER BY d.at, d.target LIMIT $3
                     FOR UPDATE OF d SKIP LOCKED),
                 claimed AS (
                     UPDATE due SET claimed_until = $2 WHERE ctid = ANY(ARRAY(SELECT ctid FROM page))
                     RETURNING due.target, due.at)
                 SELECT target FROM claimed ORDER BY at, target",
            )?;
            conn.client.query(&s, &[&nanos(now), &nanos(until), &limit, &skip])
        })?;
        rows.iter().map(|r| rows::target_of_key(r.get(0))).collect()
    }
}

/// The span of one call of the store, entered until it returns: `store` (DEBUG) with the store
/// and the call (README "Telemetry").
fn round_trip(op: &'static str) -> tracing::span::EnteredSpan {
    tracing::debug_span!(target: "appmarket::store", "store", store = "postgres", op).entered()
}
