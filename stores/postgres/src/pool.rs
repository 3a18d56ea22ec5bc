//! A small connection pool: at most `size` connections, each with its own prepared statements.
//! A connection that broke is dropped, and so is every idle one (they were opened before the
//! same restart, most likely): the next call opens fresh ones. An idle connection is checked
//! before it is handed out, without a round trip: what the server sent meanwhile is read (a
//! server that restarted or ended the backend said so and closed the socket), and a closed one is
//! dropped. So a statement is sent on a connection that was alive a moment before, and a
//! statement that fails with a lost connection may have run.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::mpsc::{self, RecvTimeoutError};
use std::sync::{Condvar, Mutex, MutexGuard};
use std::thread;
use std::time::Duration;

use postgres::fallible_iterator::FallibleIterator;
use postgres::{Client, GenericClient, NoTls, Statement};

use crate::errors::{address, connect_error};
use crate::tls::Tls;
use appmarket::Error;

/// One connection and the statements prepared on it.
pub(crate) struct Conn {
    pub(crate) client: Client,
    statements: HashMap<String, Statement>,
}

/// Prepares `sql` on `client` once per connection.
pub(crate) fn prepared(
    statements: &mut HashMap<String, Statement>,
    client: &mut impl GenericClient,
    sql: &str,
) -> Result<Statement, postgres::Error> {
    if let Some(s) = statements.get(sql) {
        return Ok(s.clone());
    }
    let s = client.prepare(sql)?;
    statements.insert(sql.to_owned(), s.clone());
    Ok(s)
}

impl Conn {
    /// The connection and its statement cache, borrowed apart (for transactions).
    pub(crate) fn parts(&mut self) -> (&mut Client, &mut HashMap<String, Statement>) {
        (&mut self.client, &mut self.statements)
    }

    /// A prepared statement for `sql`.
    pub(crate) fn statement(&mut self, sql: &str) -> Result<Statement, postgres::Error> {
        prepared(&mut self.statements, &mut self.client, sql)
    }

    /// Whether the connection is still open, as far as what the server sent tells: reads what
    /// arrived meanwhile without waiting (a server that restarted, or ended this backend, sent
    /// an error and closed the socket, which closes the client).
    fn alive(&mut self) -> bool {
        if self.client.is_closed() {
            return false;
        }
        let _ = self.client.notifications().iter().next();
        !self.client.is_closed()
    }
}

struct State {
    idle: Vec<Conn>,
    open: usize,
}

pub(crate) struct Pool {
    config: postgres::Config,
    /// How connections use TLS (`sslmode`, `sslrootcert`).
    tls: Tls,
    size: usize,
    /// How long opening a connection may take, and how long a call waits for a free one.
    wait: Duration,
    state: Mutex<State>,
    freed: Condvar,
    /// How many times a connection was found broken (the server may have restarted).
    breaks: AtomicU64,
}

/// A connection taken from the pool; it goes back when dropped, unless it broke.
pub(crate) struct Pooled<'p> {
    pool: &'p Pool,
    conn: Option<Conn>,
    /// Whether it came from the idle list (it may have died while idle).
    pub(crate) reused: bool,
    broken: bool,
}

impl Pool {
    pub(crate) fn new(config: postgres::Config, tls: Tls, size: usize, wait: Duration) -> Pool {
        Pool {
            config,
            tls,
            size: size.max(1),
            wait,
            state: Mutex::new(State { idle: Vec::new(), open: 0 }),
            freed: Condvar::new(),
            breaks: AtomicU64::new(0),
        }
    }

    fn lock(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Opens a connection (the pool's, and those of listeners and migrations) and runs a first
    /// query on it within the connect timeout, whatever phase stalls: TCP, the TLS request, the
    /// startup, the authentication, or a server (or a pooler in front of one) that lets the
    /// client in and then does not answer. `postgres::Config::connect_timeout` bounds only the
    /// TCP connect, and the blocking client exposes no socket to put a read timeout on while it
    /// connects, so the handshake runs on a thread of its own and the caller waits for it until
    /// the deadline. A handshake given up on ends when the server answers or closes (a
    /// connection made too late is closed at once); it never holds a pool slot.
    pub(crate) fn connect(&self) -> Result<Client, Error> {
        let (sent, answer) = mpsc::sync_channel(1);
        let config = self.config.clone();
        let tls = self.tls.connector.clone();
        thread::Builder::new()
            .name("appmarket-postgres-connect".into())
            .spawn(move || {
                let connected = match tls {
                    Some(tls) => config.connect(tls),
                    None => config.connect(NoTls),
                };
                // Refused once the caller stopped waiting: the client is dropped, which closes it.
                let _ = sent.send(connected.and_then(|mut client| {
                    client.simple_query("SELECT 1")?;
                    Ok(client)
                }));
            })
            .map_err(|e| Error::Storage { reason: format!("cannot start a thread to connect to PostgreSQL: {e}") })?;
        match answer.recv_timeout(self.wait) {
            Ok(connected) => connected.map_err(|e| connect_error(&self.config, &self.tls, &e)),
            Err(RecvTimeoutError::Timeout) => Err(Error::Storage {
                reason: format!(
                    "PostgreSQL at {} did not complete the connection within {:?}: is it a PostgreSQL server, \
                     and does it answer (raise connect_timeout for a slow network)?",
                    address(&self.config),
                    self.wait
                ),
            }),
            Err(RecvTimeoutError::Disconnected) => {
                Err(Error::Storage { reason: "the thread connecting to PostgreSQL ended without an answer".into() })
            }
        }
    }

    /// How many times a connection was found broken so far: a change means the server may have
    /// restarted (and lost what it had not flushed, with asynchronous commits).
    pub(crate) fn breaks(&self) -> u64 {
        self.breaks.load(Ordering::SeqCst)
    }

    /// A connection: an idle one that is still open, a new one while fewer than `size` are
    /// open, or the next one freed.
    pub(crate) fn get(&self) -> Result<Pooled<'_>, Error> {
        let mut state = self.lock();
        loop {
            if let Some(mut conn) = state.idle.pop() {
                drop(state);
                if conn.alive() {
                    return Ok(Pooled { pool: self, conn: Some(conn), reused: true, broken: false });
                }
                // Closed meanwhile: dropped, and the idle ones with it (the same restart).
                self.breaks.fetch_add(1, Ordering::SeqCst);
                let mut closing = vec![conn];
                state = self.lock();
                closing.append(&mut state.idle);
                state.open -= closing.len();
                drop(state);
                drop(closing);
                self.freed.notify_all();
                state = self.lock();
                continue;
            }
            if state.open < self.size {
                state.open += 1;
                drop(state);
                return match self.connect() {
                    Ok(client) => Ok(Pooled {
                        pool: self,
                        conn: Some(Conn { client, statements: HashMap::new() }),
                        reused: false,
                        broken: false,
                    }),
                    Err(e) => {
                        self.lock().open -= 1;
                        self.freed.notify_one();
                        Err(e)
                    }
                };
            }
            let (next, timeout) = self.freed.wait_timeout(state, self.wait).unwrap_or_else(|p| p.into_inner());
            state = next;
            if timeout.timed_out() && state.idle.is_empty() && state.open >= self.size {
                return Err(Error::Storage {
                    reason: format!(
                        "no PostgreSQL connection was free within {:?} ({} in use): raise the pool size or \
                         shorten the calls",
                        self.wait, self.size
                    ),
                });
            }
        }
    }
}

impl Pooled<'_> {
    pub(crate) fn conn(&mut self) -> &mut Conn {
        self.conn.as_mut().expect("a pooled connection is present until dropped")
    }

    /// Marks the connection broken: it is closed instead of going back, and the idle ones with
    /// it.
    pub(crate) fn broke(&mut self) {
        self.broken = true;
    }
}

impl Drop for Pooled<'_> {
    fn drop(&mut self) {
        let Some(conn) = self.conn.take() else { return };
        let mut closing = Vec::new();
        let mut state = self.pool.lock();
        if self.broken || conn.client.is_closed() {
            self.pool.breaks.fetch_add(1, Ordering::SeqCst);
            state.open -= 1;
            closing.push(conn);
            if self.broken {
                let stale = std::mem::take(&mut state.idle);
                state.open -= stale.len();
                closing.extend(stale);
            }
        } else {
            state.idle.push(conn);
        }
        drop(state);
        self.pool.freed.notify_all();
        // Closed outside the lock: saying goodbye on a dead socket may take a moment.
        drop(closing);
    }
}
