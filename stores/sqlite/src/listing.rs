//! What the listings (`orders_of`, `apps_of`, `flows_of`) find records by: columns of `records`
//! beside the document, filtered, ordered and paged in SQL on their indexes.

use appmarket::Error;
use appmarket::catalog::Page;
use appmarket::store::{Record, columns};
use rusqlite::types::ToSql;
use rusqlite::{Connection, Row, params};

use crate::SqliteStore;

/// The columns a record is found by: its owners, its status and what the listings filter on.
/// `None` where the kind has no such thing.
#[derive(Debug, Default, PartialEq)]
pub(crate) struct Columns {
    pub(crate) customer: Option<String>,
    pub(crate) seller: Option<String>,
    pub(crate) status: Option<String>,
    /// An order's product.
    product: Option<String>,
    /// Whether an app is shown among purchased apps (APP-4).
    listed: Option<bool>,
    delivery: Option<String>,
    mode: Option<String>,
    /// An app's product name in lower case (Rust's, so that it matches `AppFilter::matches`).
    name_lower: Option<String>,
    flow_kind: Option<String>,
    order_id: Option<String>,
}

/// The column names, in the order of [`Columns::values`].
macro_rules! names {
    () => {
        "customer, seller, status, product, listed, delivery, mode, name_lower, flow_kind, order_id"
    };
}

/// A record's row as a commit checks it: rowid, version, due instant, then the columns.
pub(crate) const SELECT_ROW: &str =
    concat!("SELECT rowid, version, due, ", names!(), " FROM records WHERE kind = ?1 AND id = ?2");

/// A new record: kind, id, due instant, document, then the columns.
macro_rules! insert {
    () => {
        concat!(
            "INSERT INTO records (kind, id, version, due, doc, ",
            names!(),
            ") VALUES (?1, ?2, 1, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14)"
        )
    };
}
pub(crate) const INSERT: &str = insert!();

/// An imported record: as [`INSERT`], with its version as the last parameter (`?15`).
pub(crate) const IMPORT: &str = concat!(
    "INSERT INTO records (kind, id, version, due, doc, ",
    names!(),
    ") VALUES (?1, ?2, ?15, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14)"
);

/// A record inserted at version 1, or rewritten as if saved anew (benchmarks' bulk loads).
pub(crate) const UPSERT: &str = concat!(
    insert!(),
    " ON CONFLICT (kind, id) DO UPDATE SET version = 1, due = ?3, doc = ?4, customer = ?5, seller = ?6, status = ?7, \
     product = ?8, listed = ?9, delivery = ?10, mode = ?11, name_lower = ?12, flow_kind = ?13, order_id = ?14"
);

/// A record rewritten with a new status: rowid, version, due instant, document, status, listed.
pub(crate) const UPDATE_STATUS: &str =
    "UPDATE records SET version = ?2, due = ?3, doc = ?4, status = ?5, listed = ?6 WHERE rowid = ?1";

/// A record rewritten with its columns: rowid, version, due instant, document, then the columns.
pub(crate) const UPDATE: &str = "UPDATE records SET version = ?2, due = ?3, doc = ?4, customer = ?5, seller = ?6, \
     status = ?7, product = ?8, listed = ?9, delivery = ?10, mode = ?11, name_lower = ?12, flow_kind = ?13, \
     order_id = ?14 WHERE rowid = ?1";

impl Columns {
    /// A record's columns, as `appmarket::store::columns` encodes them.
    pub(crate) fn of(record: &Record) -> Columns {
        let c = columns::record_columns(record);
        let text = |s: Option<&'static str>| s.map(str::to_owned);
        Columns {
            customer: c.customer,
            seller: c.seller,
            status: text(c.status),
            product: c.product,
            listed: c.listed,
            delivery: text(c.delivery),
            mode: text(c.mode),
            name_lower: c.name_lower,
            flow_kind: text(c.flow_kind),
            order_id: c.order_id,
        }
    }

    /// Whether only the status (and with it an app's `listed`) differs from `other`: the change
    /// most commits make, which rewrites the status indexes alone.
    pub(crate) fn same_but_status(&self, other: &Columns) -> bool {
        type Rest<'a> = [&'a Option<String>; 7];
        fn rest(c: &Columns) -> Rest<'_> {
            [&c.customer, &c.seller, &c.product, &c.delivery, &c.mode, &c.name_lower, &c.flow_kind]
        }
        rest(self) == rest(other) && self.order_id == other.order_id
    }

    /// The status and `listed` values to bind.
    pub(crate) fn status_values(&self) -> [&dyn ToSql; 2] {
        [&self.status, &self.listed]
    }

    /// The values to bind, in the order of `names!()`.
    pub(crate) fn values(&self) -> [&dyn ToSql; 10] {
        [
            &self.customer,
            &self.seller,
            &self.status,
            &self.product,
            &self.listed,
            &self.delivery,
            &self.mode,
            &self.name_lower,
            &self.flow_kind,
            &self.order_id,
        ]
    }

    /// The columns read from `row`, from column `at` on, in the order of `names!()`.
    pub(crate) fn read(row: &Row<'_>, at: usize) -> rusqlite::Result<Columns> {
        Ok(Columns {
            customer: row.get(at)?,
            seller: row.get(at + 1)?,
            status: row.get(at + 2)?,
            product: row.get(at + 3)?,
            listed: row.get(at + 4)?,
            delivery: row.get(at + 5)?,
            mode: row.get(at + 6)?,
            name_lower: row.get(at + 7)?,
            flow_kind: row.get(at + 8)?,
            order_id: row.get(at + 9)?,
        })
    }
}

/// A listing's conditions: `owned` (the kind and the owner) and each filter that is set, each
/// with one `?`. Only the set filters appear, so that each combination is a statement of its own,
/// planned on its index.
pub(crate) struct Conditions<'a> {
    pub(crate) sql: String,
    pub(crate) params: Vec<&'a dyn ToSql>,
}

impl<'a> Conditions<'a> {
    pub(crate) fn new(owned: &str, owner: &'a dyn ToSql) -> Conditions<'a> {
        Conditions { sql: owned.to_owned(), params: vec![owner] }
    }

    /// Adds `condition` (with one `?`) when `value` is set.
    pub(crate) fn and(mut self, condition: &str, value: &'a Option<String>) -> Conditions<'a> {
        if let Some(value) = value {
            self.sql.push_str(" AND ");
            self.sql.push_str(condition);
            self.params.push(value);
        }
        self
    }
}

/// A listing whose total is kept by the commits in `listing_counts` (per owner and status): one
/// filtered by nothing but its owner, or by its status too. Other filters count their matches.
pub(crate) struct Counted<'a> {
    /// `orders`, `apps`, `customer_flows` or `seller_flows`.
    pub(crate) listing: &'static str,
    pub(crate) owner: &'a str,
    pub(crate) status: Option<&'a str>,
}

impl Counted<'_> {
    /// The listing's total: the sum over its owner's statuses, or its status's count.
    pub(crate) fn total(&self, conn: &Connection) -> rusqlite::Result<u64> {
        let n: i64 = match self.status {
            None => conn
                .prepare_cached("SELECT COALESCE(sum(n), 0) FROM listing_counts WHERE listing = ?1 AND owner = ?2")?
                .query_row(params![self.listing, self.owner], |r| r.get(0))?,
            Some(status) => conn
                .prepare_cached(
                    "SELECT COALESCE(sum(n), 0) FROM listing_counts WHERE listing = ?1 AND owner = ?2 AND status = ?3",
                )?
                .query_row(params![self.listing, self.owner, status], |r| r.get(0))?,
        };
        Ok(n.max(0) as u64)
    }
}

/// Fills the columns of every order, app, flow and appeal from its document: a file written
/// before the columns existed, or in another encoding of them.
pub(crate) fn backfill(conn: &Connection) -> rusqlite::Result<()> {
    type Stored = (i64, i64, Option<i64>, String);
    let rows: Vec<Stored> = conn
        .prepare("SELECT rowid, version, due, doc FROM records WHERE kind IN (3, 4, 5, 6)")?
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)))?
        .collect::<rusqlite::Result<_>>()?;
    let mut update = conn.prepare(UPDATE)?;
    for (rowid, version, due, doc) in rows {
        let record: Record = serde_json::from_str(&doc)
            .map_err(|e| rusqlite::Error::FromSqlConversionFailure(3, rusqlite::types::Type::Text, Box::new(e)))?;
        let columns = Columns::of(&record);
        let mut values: Vec<&dyn ToSql> = vec![&rowid, &version, &due, &doc];
        values.extend(columns.values());
        update.execute(values.as_slice())?;
    }
    Ok(())
}

/// How many of a customer's orders wait for payment (ORD-7): a count on the status index.
pub(crate) fn unpaid_orders(conn: &Connection, customer: &str) -> Result<u64, rusqlite::Error> {
    let unpaid = columns::order_status(appmarket::OrderStatus::PendingPayment);
    conn.prepare_cached("SELECT count(*) FROM records WHERE kind = 3 AND customer = ?1 AND status = ?2")?
        .query_row(params![customer, unpaid], |r| r.get::<_, i64>(0))
        .map(|n| n as u64)
}

/// The open appeals: the condition of the partial index `records_open_appeals`, which a query
/// must repeat word for word to be planned on it.
pub(crate) const OPEN_APPEALS: &str = "SELECT doc FROM records WHERE kind = 6 AND status = 'open'";

impl SqliteStore {
    /// A page of the records matching `conditions`, newest first, with their total: the page
    /// reads the index of its conditions and stops at its last row. When the page does not tell
    /// the total (a full page, or one past the end), a `counted` listing reads it from the counts
    /// the commits keep; any other counts its matches on the same index. Both in one read
    /// transaction.
    pub(crate) fn page<T>(
        &self,
        conditions: Conditions<'_>,
        counted: Option<Counted<'_>>,
        pick: impl Fn(Record) -> Option<T>,
        page: u32,
        page_size: u32,
    ) -> Result<Page<T>, Error> {
        let q = |e| self.sql("listing", e);
        let limit = i64::from(page_size);
        let offset = i64::from(page.saturating_sub(1)) * limit;
        self.read(|conn| {
            let tx = conn.unchecked_transaction().map_err(q)?;
            let mut items = Vec::new();
            let mut shown = 0;
            {
                let sql =
                    format!("SELECT doc FROM records WHERE {} ORDER BY rowid DESC LIMIT ? OFFSET ?", conditions.sql);
                let mut stmt = tx.prepare_cached(&sql).map_err(q)?;
                let mut params = conditions.params.clone();
                params.push(&limit);
                params.push(&offset);
                let mut rows = stmt.query(params.as_slice()).map_err(q)?;
                while let Some(row) = rows.next().map_err(q)? {
                    shown += 1;
                    let doc = row.get_ref(0).and_then(|v| Ok(v.as_str()?)).map_err(q)?;
                    items.extend(pick(self.decode("record", doc)?));
                }
            }
            let total = match Page::<T>::total_of_last(page, page_size, shown) {
                Some(total) => total,
                None => match &counted {
                    Some(counted) => counted.total(&tx).map_err(q)?,
                    None => tx
                        .prepare_cached(&format!("SELECT count(*) FROM records WHERE {}", conditions.sql))
                        .and_then(|mut s| s.query_row(conditions.params.as_slice(), |r| r.get::<_, i64>(0)))
                        .map_err(q)? as u64,
                },
            };
            tx.finish().map_err(q)?;
            Ok(Page { items, page, page_size, total })
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_open_appeals_index_names_the_columns_text_of_open() {
        let open = columns::appeal_status(appmarket::AppealStatus::Open);
        assert!(OPEN_APPEALS.ends_with(&format!("status = '{open}'")));
        let index = crate::schema::MIGRATIONS[5];
        assert!(index.contains(&format!("WHERE status = '{open}' AND kind = 6")), "{index}");
    }

    #[test]
    fn the_statements_bind_every_column_once() {
        let columns = names!().split(", ").count();
        assert_eq!(Columns::default().values().len(), columns);
        assert_eq!(INSERT.matches('?').count(), 4 + columns);
        assert_eq!(UPDATE.matches('?').count(), 4 + columns);
        for name in names!().split(", ") {
            assert!(UPDATE.contains(&format!(" {name} = ?")), "{name}");
        }
    }
}
