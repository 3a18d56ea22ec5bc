//! Running a call on a pooled connection: a lost connection is dropped from the pool, and a read
//! that met an idle connection which had died runs once more on a fresh one.

use appmarket::Error;
use postgres::types::ToSql;

use crate::PostgresStore;
use crate::errors::{is_connection_lost, to_error};
use crate::pool::Conn;

/// How a call failed inside: on a connection that may have died while idle, before anything was
/// applied (retry on a fresh one), or for good.
pub(crate) enum Fail {
    Retry(postgres::Error),
    Final(Error),
}

impl From<Error> for Fail {
    fn from(e: Error) -> Fail {
        Fail::Final(e)
    }
}

impl PostgresStore {
    /// Runs a read; a connection that died while idle is replaced and the read runs again once.
    pub(crate) fn read<T>(&self, what: &str, mut op: impl FnMut(&mut Conn) -> Result<T, Fail>) -> Result<T, Error> {
        let op = |conn: &mut Conn| {
            op(conn).map_err(|f| match f {
                Fail::Retry(e) if is_connection_lost(&e) => Fail::Retry(e),
                Fail::Retry(e) => Fail::Final(to_error(what, &e)),
                other => other,
            })
        };
        self.run(what, true, op)
    }

    /// Runs `op` on a pooled connection. A lost connection is dropped (and the idle ones with
    /// it); when `op` says nothing was applied and the connection was an idle one, `op` runs
    /// once more on a fresh connection.
    pub(crate) fn run<T>(
        &self,
        what: &str,
        may_retry: bool,
        mut op: impl FnMut(&mut Conn) -> Result<T, Fail>,
    ) -> Result<T, Error> {
        let mut conn = self.pool.get()?;
        match op(conn.conn()) {
            Ok(v) => Ok(v),
            Err(Fail::Final(e)) => {
                if conn.conn().client.is_closed() {
                    conn.broke();
                }
                Err(e)
            }
            Err(Fail::Retry(e)) => {
                let lost = is_connection_lost(&e);
                if lost {
                    conn.broke();
                }
                let again = lost && may_retry && conn.reused;
                drop(conn);
                if !again {
                    return Err(to_error(what, &e));
                }
                let mut fresh = self.pool.get()?;
                op(fresh.conn()).map_err(|f| {
                    let e = match f {
                        Fail::Retry(e) => {
                            if is_connection_lost(&e) {
                                fresh.broke();
                            }
                            to_error(what, &e)
                        }
                        Fail::Final(e) => e,
                    };
                    if fresh.conn().client.is_closed() {
                        fresh.broke();
                    }
                    e
                })
            }
        }
    }

    /// A write of one statement: a lost connection is a [`Error::Storage`] (the statement may
    /// or may not have run), any other failure too, a race a [`Error::Conflict`].
    pub(crate) fn write<T>(
        &self,
        what: &str,
        mut op: impl FnMut(&mut Conn) -> Result<T, postgres::Error>,
    ) -> Result<T, Error> {
        self.run(what, false, |conn| op(conn).map_err(Fail::Retry))
    }

    pub(crate) fn query(
        &self,
        what: &str,
        sql: &str,
        params: &[&(dyn ToSql + Sync)],
    ) -> Result<Vec<postgres::Row>, Error> {
        self.read(what, |conn| {
            let statement = conn.statement(sql).map_err(Fail::Retry)?;
            conn.client.query(&statement, params).map_err(Fail::Retry)
        })
    }
}
