//! Opening a store against an endpoint that is not a working PostgreSQL server: a typed
//! `Error::Storage` within the connect timeout, whatever phase of the handshake stalls. Only
//! loopback listeners of the test's own; no server needed.

use std::io::Read;
use std::net::TcpListener;
use std::thread;
use std::time::{Duration, Instant};

use appmarket::Error;
use appmarket_postgres::PostgresStore;

/// A loopback listener that accepts every connection and then does `with` to it, on a thread
/// of its own for the rest of the test.
fn listener(with: fn(std::net::TcpStream)) -> u16 {
    let listener = TcpListener::bind("127.0.0.1:0").expect("a loopback port");
    let port = listener.local_addr().expect("its address").port();
    thread::spawn(move || {
        for stream in listener.incoming().flatten() {
            thread::spawn(move || with(stream));
        }
    });
    port
}

/// Reads what the client sends and never answers, until the client goes away.
fn silent(mut stream: std::net::TcpStream) {
    let mut buf = [0u8; 512];
    while matches!(stream.read(&mut buf), Ok(n) if n > 0) {}
}

/// Closes at once.
fn closing(stream: std::net::TcpStream) {
    drop(stream);
}

/// Opens a store with `open`; returns the storage error's reason and how long it took.
fn refused(open: impl FnOnce() -> Result<PostgresStore, Error>) -> (String, Duration) {
    let started = Instant::now();
    match open() {
        Err(Error::Storage { reason }) => (reason, started.elapsed()),
        Err(other) => panic!("expected a storage error, got {other}"),
        Ok(_) => panic!("expected a storage error, got a store"),
    }
}

fn url(port: u16, query: &str) -> String {
    format!("postgresql://me:pw@127.0.0.1:{port}/db{query}")
}

/// A little more than the timeout: the thread hand-over and the error's formatting.
const MARGIN: Duration = Duration::from_millis(750);

#[test]
fn a_server_that_accepts_and_never_answers_fails_within_the_urls_connect_timeout() {
    let port = listener(silent);
    let (reason, elapsed) = refused(|| PostgresStore::open(&url(port, "?connect_timeout=1")));
    assert!(elapsed < Duration::from_secs(1) + MARGIN, "took {elapsed:?}");
    assert!(reason.contains(&format!("127.0.0.1:{port}")) && reason.contains("within 1s"), "{reason}");
    assert!(!reason.contains(":pw@"), "the password is never repeated: {reason}");
}

#[test]
fn the_builders_connect_timeout_bounds_the_whole_handshake() {
    let port = listener(silent);
    let (reason, elapsed) =
        refused(|| PostgresStore::builder(&url(port, "")).connect_timeout(Duration::from_secs(2)).open());
    assert!(elapsed >= Duration::from_secs(2) && elapsed < Duration::from_secs(2) + MARGIN, "took {elapsed:?}");
    assert!(reason.contains("within 2s"), "{reason}");
}

#[test]
fn the_builders_connect_timeout_wins_over_the_urls() {
    let port = listener(silent);
    let (_, elapsed) = refused(|| {
        PostgresStore::builder(&url(port, "?connect_timeout=30")).connect_timeout(Duration::from_secs(1)).open()
    });
    assert!(elapsed < Duration::from_secs(1) + MARGIN, "took {elapsed:?}");
}

#[test]
fn a_server_that_accepts_and_closes_is_a_storage_error_at_once() {
    let port = listener(closing);
    let (reason, elapsed) = refused(|| PostgresStore::open(&url(port, "?connect_timeout=2")));
    assert!(elapsed < Duration::from_secs(2), "took {elapsed:?}");
    assert!(reason.contains(&format!("127.0.0.1:{port}")) && reason.contains("is the server running"), "{reason}");
}

/// Lets the client in as a server would (authentication accepted, ready for a query), then
/// never answers its first query: a server that stalls, or a pooler waiting for one.
fn lets_in_then_stalls(mut stream: std::net::TcpStream) {
    use std::io::Write;
    let mut length = [0u8; 4];
    if stream.read_exact(&mut length).is_err() {
        return;
    }
    let mut startup = vec![0u8; u32::from_be_bytes(length) as usize - 4];
    if stream.read_exact(&mut startup).is_err() {
        return;
    }
    // AuthenticationOk, then ReadyForQuery (idle).
    let _ = stream.write_all(&[b'R', 0, 0, 0, 8, 0, 0, 0, 0, b'Z', 0, 0, 0, 5, b'I']);
    silent(stream);
}

#[test]
fn a_server_that_lets_the_client_in_and_never_answers_a_query_fails_within_the_timeout() {
    let port = listener(lets_in_then_stalls);
    let (reason, elapsed) = refused(|| PostgresStore::open(&url(port, "?connect_timeout=1")));
    assert!(elapsed < Duration::from_secs(1) + MARGIN, "took {elapsed:?}");
    assert!(reason.contains("within 1s"), "{reason}");
}
