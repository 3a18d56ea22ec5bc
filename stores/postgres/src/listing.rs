//! Listings: a page of one kind's documents, newest first, with its total.

use appmarket::Error;
use appmarket::catalog::Page;
use appmarket::store::Record;
use postgres::types::ToSql;

use crate::PostgresStore;
use crate::rows::{KINDS, record_of};

/// A listing's conditions: `owned` (the owner, `$1`) and each filter that is set, written with
/// `$?` for its parameter. Only the set filters appear, so that each combination is a statement
/// of its own, planned on its index.
pub(crate) fn conditions<'a>(
    owned: &str,
    owner: &'a (dyn ToSql + Sync),
    filters: &[(&str, &'a Option<String>)],
) -> (String, Vec<&'a (dyn ToSql + Sync)>) {
    let mut sql = owned.to_owned();
    let mut params = vec![owner];
    for (condition, value) in filters {
        if let Some(value) = value {
            params.push(value);
            sql.push_str(" AND ");
            sql.push_str(&condition.replace("$?", &format!("${}", params.len())));
        }
    }
    (sql, params)
}

/// A listing whose total is kept by the commits in `listing_counts` (per owner and status): one
/// filtered by nothing but its owner, or by its status too. Other filters count their matches.
pub(crate) struct Counted<'a> {
    /// `orders`, `apps`, `customer_flows` or `seller_flows`.
    pub(crate) listing: &'static str,
    pub(crate) owner: &'a str,
    pub(crate) status: Option<&'a str>,
}

fn page_bounds(page: u32, page_size: u32) -> (i64, i64) {
    let offset = i64::from(page.saturating_sub(1)) * i64::from(page_size);
    (i64::from(page_size), offset)
}

impl PostgresStore {
    /// A page of documents of one kind with the total count, newest first. The page reads the
    /// index of its conditions and stops at its last row. When the page does not tell the total
    /// (a full page, or one past the end), a `counted` listing reads it from the counts the
    /// commits keep; any other counts its matches on the same index.
    pub(crate) fn page_of<T>(
        &self,
        what: &str,
        rank: usize,
        (filter_sql, params): (String, Vec<&(dyn ToSql + Sync)>),
        counted: Option<Counted<'_>>,
        (page, page_size): (u32, u32),
        pick: impl Fn(Record) -> Option<T>,
    ) -> Result<Page<T>, Error> {
        let (limit, offset) = page_bounds(page, page_size);
        let table = KINDS[rank].table;
        let n = params.len();
        let sql =
            format!("SELECT doc FROM {table} WHERE {filter_sql} ORDER BY pos DESC LIMIT ${} OFFSET ${}", n + 1, n + 2);
        let mut all = params.clone();
        all.push(&limit);
        all.push(&offset);
        let rows = self.query(what, &sql, &all)?;
        let total = match Page::<T>::total_of_last(page, page_size, rows.len()) {
            Some(total) => total,
            None => {
                let rows = match &counted {
                    Some(Counted { listing, owner, status: None }) => self.query(
                        what,
                        "SELECT COALESCE(sum(n), 0)::bigint FROM listing_counts WHERE listing = $1 AND owner = $2",
                        &[listing, owner],
                    )?,
                    Some(Counted { listing, owner, status: Some(status) }) => self.query(
                        what,
                        "SELECT COALESCE(sum(n), 0)::bigint FROM listing_counts \
                         WHERE listing = $1 AND owner = $2 AND status = $3",
                        &[listing, owner, status],
                    )?,
                    None => self.query(what, &format!("SELECT count(*) FROM {table} WHERE {filter_sql}"), &params)?,
                };
                rows.first().map_or(0, |r| r.get::<_, i64>(0)).max(0) as u64
            }
        };
        let mut items = Vec::with_capacity(rows.len());
        for row in rows {
            if let Some(item) = pick(record_of(rank, row.get(0))?) {
                items.push(item);
            }
        }
        Ok(Page { items, page, page_size, total })
    }
}
