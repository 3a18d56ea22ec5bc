//! Crash safety: a child process runs a stream of purchases (place, accept terms, pay), each
//! call with its own request id, on a SQLite file and is killed with SIGKILL at random points.
//! After each kill the file is reopened and checked:
//!
//! - every call the child saw return `Ok` is there, with its remembered request record;
//! - no commit is half there: every order has exactly the events and version of its status, the
//!   event numbers have no gap, every app belongs to a paid order and every completed order has
//!   one app;
//! - re-sending the same request ids (each child starts two purchases before the last one it
//!   finished) returns the same results, and the gateway, whose idempotency ledger is a file
//!   that survives the kill, never charges an order twice.
//!
//! The child is this test binary run again with `APPMARKET_CRASH_STORE` set (test `crash_child`).

use std::collections::HashMap;
use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::Duration as StdDuration;

use appmarket::payments::{ChargeRequest, PaymentError, PaymentGateway, Receipt, RefundRequest};
use appmarket::store::{Reply, Store};
use appmarket::testing::fixtures;
use appmarket::*;
use appmarket_sqlite::SqliteStore;

const KILLS: usize = 60;
const MARKET: &str = "crash";

/// A gateway whose idempotency ledger is a file: one line per key, written before the charge
/// returns, so it survives the process.
struct FileLedger {
    file: Mutex<std::fs::File>,
    done: Mutex<HashMap<String, Receipt>>,
}

fn read_ledger(path: &Path) -> Vec<(String, Receipt)> {
    let text = std::fs::read_to_string(path).unwrap_or_default();
    text.split_inclusive('\n')
        .filter(|line| line.ends_with('\n'))
        .map(|line| {
            let (key, receipt) = line.trim_end().split_once('\t').expect("key and receipt");
            (key.to_owned(), serde_json::from_str(receipt).expect("a receipt"))
        })
        .collect()
}

impl FileLedger {
    fn open(path: &Path) -> FileLedger {
        let done = read_ledger(path).into_iter().collect();
        let file = std::fs::OpenOptions::new().create(true).append(true).open(path).unwrap();
        FileLedger { file: Mutex::new(file), done: Mutex::new(done) }
    }
}

impl PaymentGateway for FileLedger {
    fn charge(&self, request: &ChargeRequest) -> Result<Receipt, PaymentError> {
        let mut done = self.done.lock().unwrap();
        if let Some(receipt) = done.get(&request.idempotency_key) {
            return Ok(receipt.clone());
        }
        let receipt =
            Receipt { id: format!("R-{}", request.idempotency_key), amount: request.amount, method: request.method };
        let line = format!("{}\t{}\n", request.idempotency_key, serde_json::to_string(&receipt).unwrap());
        self.file.lock().unwrap().write_all(line.as_bytes()).unwrap();
        done.insert(request.idempotency_key.clone(), receipt.clone());
        Ok(receipt)
    }

    fn refund(&self, _: &RefundRequest) -> Result<Receipt, PaymentError> {
        Err(PaymentError::Declined("this test gateway does not refund".into()))
    }
}

fn alice() -> Actor {
    Actor::customer("alice").unwrap()
}

fn request(product: &Product) -> PurchaseRequest {
    fixtures::standard_monthly(product.id.clone())
}

fn market(store: Arc<dyn Store>, payments: Arc<dyn PaymentGateway>) -> Marketplace {
    Marketplace::builder()
        .store(store)
        .payments(payments)
        .clock(ManualClock::new(fixtures::t0()))
        .marketplace_id(MARKET)
        .build()
        .unwrap()
}

/// The child: purchases `FROM`..`TO`, writing one line per call that returned `Ok`.
#[test]
fn crash_child() {
    let Ok(path) = std::env::var("APPMARKET_CRASH_STORE") else { return };
    let path = PathBuf::from(path);
    let dir = path.parent().unwrap();
    let from: u64 = std::env::var("APPMARKET_CRASH_FROM").unwrap().parse().unwrap();
    let to: u64 = std::env::var("APPMARKET_CRASH_TO").unwrap().parse().unwrap();
    let store = Arc::new(SqliteStore::open(&path).unwrap());
    let market = market(store.clone(), Arc::new(FileLedger::open(&dir.join("ledger.tsv"))));
    let seller = Actor::seller("isv-1").unwrap();
    let product = market.list_product(seller.with_request_id("list").unwrap(), fixtures::saas_draft()).unwrap();
    let alice_id = CustomerId::parse("alice").unwrap();
    if store.load(&Target::Account(alice_id.clone())).unwrap().is_none() {
        market.register_customer(CustomerAccount::with_card(alice_id)).unwrap();
    }
    let mut confirmed = std::fs::OpenOptions::new().create(true).append(true).open(dir.join("confirmed.txt")).unwrap();
    let mut confirm = |line: String| confirmed.write_all(format!("{line}\n").as_bytes()).unwrap();
    let by = |what: &str, i: u64| alice().with_request_id(&format!("{what}-{i}")).unwrap();
    for i in from..to {
        let order = market.place_order(by("place", i), request(&product)).unwrap();
        confirm(format!("place-{i} {} {:?}", order.id, order.status));
        let order = market.accept_terms(by("accept", i), &order.id).unwrap();
        confirm(format!("accept-{i} {} {:?}", order.id, order.status));
        let order = market.pay(by("pay", i), &order.id, Some(PaymentMethod::CreditCard)).unwrap();
        let receipt = order.payment.as_ref().and_then(|p| p.receipt.clone()).unwrap();
        confirm(format!("pay-{i} {} {:?} {receipt}", order.id, order.status));
    }
}

/// How far an order got: its status, and whether its terms were accepted.
fn stage(order: &Order) -> String {
    format!("{:?} (terms accepted: {})", order.status, order.terms_accepted_at.is_some())
}

/// For each stage of an order, the version and number of events an order has after a clean run.
fn reference() -> HashMap<String, (u64, usize)> {
    let store = Arc::new(MemoryStore::new());
    let market = market(store.clone(), Arc::new(SimulatedPayments::new()));
    let product = market.list_product(Actor::seller("isv-1").unwrap(), fixtures::saas_draft()).unwrap();
    market.register_customer(CustomerAccount::with_card(CustomerId::parse("alice").unwrap())).unwrap();
    let mut expected = HashMap::new();
    let mut note = |order: &Order| {
        let target = Target::Order(order.id.clone());
        let version = store.load(&target).unwrap().unwrap().1;
        expected.insert(stage(order), (version, store.records(&target, 0, usize::MAX).unwrap().len()));
    };
    let order = market.place_order(alice(), request(&product)).unwrap();
    note(&order);
    note(&market.accept_terms(alice(), &order.id).unwrap());
    note(&market.pay(alice(), &order.id, Some(PaymentMethod::CreditCard)).unwrap());
    expected
}

/// A tiny deterministic generator (no extra crate): xorshift.
struct Rng(u64);

impl Rng {
    fn below(&mut self, n: u64) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0 % n
    }
}

/// Reads the child's confirmations; a re-sent request id must have given the same result.
fn confirmations(dir: &Path, seen: &mut HashMap<String, String>) {
    let text = std::fs::read_to_string(dir.join("confirmed.txt")).unwrap_or_default();
    for line in text.split_inclusive('\n').filter(|l| l.ends_with('\n')) {
        let (rid, result) = line.trim_end().split_once(' ').unwrap();
        match seen.get(rid) {
            Some(first) => assert_eq!(first, result, "re-sending {rid} gave another result"),
            None => {
                seen.insert(rid.to_owned(), result.to_owned());
            }
        }
    }
}

/// Everything the child confirmed is there, and no commit is half there. Returns the number of
/// paid orders.
fn check(path: &Path, seen: &HashMap<String, String>, expected: &HashMap<String, (u64, usize)>) -> usize {
    let store = SqliteStore::open(path).unwrap();
    for (rid, result) in seen {
        let record = store
            .request(&alice(), &RequestId::parse(rid).unwrap())
            .unwrap()
            .unwrap_or_else(|| panic!("{rid} returned Ok ({result}) but is not remembered"));
        let Ok(Reply::Record(reply)) = record.reply else { panic!("{rid} is remembered as {:?}", record.reply) };
        let appmarket::store::Record::Order(order) = reply else { panic!("{rid} returned another record") };
        assert!(result.starts_with(&format!("{} {:?}", order.id, order.status)), "{rid}: {result} vs {order:?}");
    }
    let events = store.events_since(0, usize::MAX).unwrap();
    for (i, e) in events.iter().enumerate() {
        assert_eq!(e.seq, i as u64 + 1, "event numbers have a gap");
    }
    let alice_id = CustomerId::parse("alice").unwrap();
    let orders = store.orders_of(&alice_id, &OrderFilter::default(), 1, u32::MAX).unwrap().items;
    let apps = store.apps_of(&alice_id, &AppFilter::default(), 1, u32::MAX).unwrap().items;
    let ledger: HashMap<String, Receipt> =
        read_ledger(&path.parent().unwrap().join("ledger.tsv")).into_iter().collect();
    let mut paid = 0;
    for order in &orders {
        let target = Target::Order(order.id.clone());
        let version = store.load(&target).unwrap().unwrap().1;
        let status = stage(order);
        assert_eq!(
            expected.get(&status).copied(),
            Some((version, store.records(&target, 0, usize::MAX).unwrap().len())),
            "{} ({status}) has another version or other events than a clean run",
            order.id
        );
        let has_apps = apps.iter().filter(|a| a.order == order.id).count();
        if order.is_paid() {
            paid += 1;
            assert_eq!(has_apps, 1, "{} is paid and has {has_apps} apps", order.id);
            let charged = ledger.get(&format!("{MARKET}:{}:pay", order.id)).expect("the gateway charged it");
            assert_eq!(order.payment.as_ref().and_then(|p| p.receipt.as_deref()), Some(charged.id.as_str()));
            assert_eq!(order.amount_paid(), charged.amount);
        } else {
            assert_eq!(has_apps, 0, "{} is unpaid and has an app", order.id);
        }
    }
    paid
}

fn run_child(path: &Path, from: u64, to: u64) -> std::process::Child {
    Command::new(std::env::current_exe().unwrap())
        .args(["--exact", "crash_child", "--nocapture", "--test-threads", "1"])
        .env("APPMARKET_CRASH_STORE", path)
        .env("APPMARKET_CRASH_FROM", from.to_string())
        .env("APPMARKET_CRASH_TO", to.to_string())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap()
}

/// The purchases finished: the highest `i` with `pay-i` confirmed, plus one.
fn finished(seen: &HashMap<String, String>) -> u64 {
    seen.keys()
        .filter_map(|k| k.strip_prefix("pay-"))
        .filter_map(|i| i.parse::<u64>().ok())
        .map(|i| i + 1)
        .max()
        .unwrap_or(0)
}

#[test]
fn sigkill_at_random_points_loses_nothing_and_charges_once() {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("sqlite-crash");
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("market.db");
    // The store exists before the first kill: a kill while a new file gets its schema leaves a
    // file the store refuses ("creation cut short"), which `files.rs` covers.
    drop(SqliteStore::open(&path).unwrap());
    let expected = reference();
    let seed = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_nanos() as u64 | 1;
    let mut rng = Rng(seed);
    let mut seen = HashMap::new();
    let mut killed_mid_stream = 0;
    for _ in 0..KILLS {
        let from = finished(&seen).saturating_sub(2);
        let mut child = run_child(&path, from, u64::MAX);
        std::thread::sleep(StdDuration::from_millis(5 + rng.below(120)));
        child.kill().unwrap();
        let status = child.wait().unwrap();
        assert!(!status.success(), "the child ran to the end before the kill (seed {seed})");
        let before = seen.len();
        confirmations(&dir, &mut seen);
        if seen.len() > before {
            killed_mid_stream += 1;
        }
        check(&path, &seen, &expected);
    }
    // A last run finishes what was in flight and two more purchases.
    let to = finished(&seen) + 2;
    let status = run_child(&path, finished(&seen).saturating_sub(2), to).wait().unwrap();
    assert!(status.success(), "the last child failed");
    confirmations(&dir, &mut seen);
    let paid = check(&path, &seen, &expected);
    assert_eq!(paid as u64, to, "every purchase was paid once");
    let ledger = read_ledger(&dir.join("ledger.tsv"));
    assert_eq!(ledger.len(), paid, "the gateway charged each order once, and only paid orders");
    assert!(killed_mid_stream >= KILLS / 2, "only {killed_mid_stream} kills fell in the stream (seed {seed})");
}
