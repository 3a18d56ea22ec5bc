//! The columns in the encoding both persisted stores share (`appmarket::store::columns`): a file
//! written by the release before it (schema version 5: statuses, delivery methods, billing modes
//! and flow kinds by their `Debug` names, actors as JSON, sequences by their `Debug` names) opens,
//! migrates to version 6 and answers every query as it did. `fixtures/v5.db` was written by
//! [`fill`] with that release, and `fixtures/v5.answers` holds what [`answers`] read from it then.

use std::path::{Path, PathBuf};

use appmarket::actor::{Actor, AppealId, CustomerId, FlowId, OrderId, RequestId, SellerId, Target};
use appmarket::app::AppFilter;
use appmarket::appeal::{Appeal, AppealStatus};
use appmarket::catalog::{BillingMode, DeliveryMethod};
use appmarket::order::{OrderFilter, OrderStatus};
use appmarket::store::{Commit, Record, Reply, RequestRecord, Sequence, Store, Write};
use appmarket::supervision::{AppealGrounds, FlowFilter, FlowKind, FlowStatus, Party};
use appmarket::testing::{contract, fixtures};
use appmarket::{AppStatus, ProductId};
use appmarket_sqlite::{SCHEMA_VERSION, SqliteStore};
use chrono::Duration;

fn fresh_path(name: &str) -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("sqlite-columns");
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join(format!("{name}.db"));
    for suffix in ["", "-wal", "-shm"] {
        let _ = std::fs::remove_file(format!("{}{suffix}", path.display()));
    }
    path
}

const CUSTOMERS: [&str; 2] = ["contract-customer", "contract-other"];
const SELLERS: [&str; 2] = ["contract-seller", "contract-seller-2"];

fn actors() -> Vec<Actor> {
    vec![
        Actor::customer("contract-customer").unwrap(),
        Actor::seller("contract-seller").unwrap(),
        Actor::operator("ops:1").unwrap(),
        Actor::System,
    ]
}

fn appeal(n: u64, status: AppealStatus) -> Appeal {
    Appeal {
        id: AppealId::parse(&format!("APL-{n}")).unwrap(),
        flow: FlowId::parse(&format!("FLW-{n}")).unwrap(),
        order: OrderId::parse(&format!("ORD-{n}")).unwrap(),
        customer: CustomerId::parse(CUSTOMERS[0]).unwrap(),
        seller: SellerId::parse(SELLERS[0]).unwrap(),
        appellant: Party::Customer,
        grounds: AppealGrounds::SellerIdle,
        reason: "idle".into(),
        opened_at: fixtures::t0() - Duration::seconds(n as i64),
        status,
        resolution: None,
        resolved_by: None,
        resolved_at: None,
    }
}

/// Orders, apps and flows of varied statuses and columns (some orders due), appeals open and
/// resolved, request records of every kind of actor, and numbers handed out.
fn fill(store: &SqliteStore) {
    contract::save_varied_listings(store);
    let writes = [(1, AppealStatus::Open), (2, AppealStatus::Resolved), (3, AppealStatus::Open)]
        .into_iter()
        .map(|(n, status)| Write {
            record: Record::Appeal(Box::new(appeal(n, status))),
            expected_version: 0,
            due: Some(fixtures::t0() + Duration::days(n as i64)),
        })
        .collect();
    store.commit(Commit { writes, ..Commit::default() }, fixtures::t0()).unwrap();
    for (n, actor) in actors().into_iter().enumerate() {
        let request = RequestRecord {
            actor,
            id: RequestId::parse(&format!("req-{n}")).unwrap(),
            at: fixtures::t0(),
            fingerprint: format!("v1:fingerprint-{n}"),
            reply: Ok(Reply::Done),
        };
        store.commit(Commit { request: Some(request), ..Commit::default() }, fixtures::t0()).unwrap();
    }
    for sequence in [Sequence::Order, Sequence::Order, Sequence::App, Sequence::Invoice] {
        store.next_number(sequence).unwrap();
    }
}

/// What the queries answer, one line each: every listing filter (ids and total), the unpaid
/// orders, the due index, the open appeals, the request records, the events.
fn answers(store: &SqliteStore) -> Vec<String> {
    let mut lines = Vec::new();
    let ids = |records: Vec<String>| records.join(",");
    for customer in CUSTOMERS.map(|c| CustomerId::parse(c).unwrap()) {
        let mut orders = vec![OrderFilter::default()];
        for status in [
            OrderStatus::PendingPayment,
            OrderStatus::Processing,
            OrderStatus::Completed,
            OrderStatus::Cancelled,
            OrderStatus::Unsubscribed,
        ] {
            orders.push(OrderFilter { status: Some(status), ..OrderFilter::default() });
        }
        for p in 0..3 {
            orders.push(OrderFilter { product: Some(ProductId::parse(&format!("PRD-{p}")).unwrap()), status: None });
        }
        for filter in orders {
            for page in [1, 2] {
                let got = store.orders_of(&customer, &filter, page, 4).unwrap();
                let found = ids(got.items.iter().map(|o| o.id.to_string()).collect());
                lines.push(format!("orders {customer} {filter:?} {page}: {} [{found}]", got.total));
            }
        }
        lines.push(format!("unpaid {customer}: {}", store.unpaid_orders(&customer).unwrap()));
        let mut apps = vec![AppFilter::default(), AppFilter { name: Some("SUITE".into()), ..AppFilter::default() }];
        for status in [AppStatus::Active, AppStatus::Provisioning, AppStatus::Frozen, AppStatus::Unsubscribed] {
            apps.push(AppFilter { status: Some(status), ..AppFilter::default() });
        }
        for delivery in [DeliveryMethod::Saas, DeliveryMethod::License, DeliveryMethod::Image] {
            apps.push(AppFilter { delivery: Some(delivery), ..AppFilter::default() });
        }
        for mode in [BillingMode::Monthly, BillingMode::Yearly, BillingMode::PayPerUse] {
            apps.push(AppFilter { mode: Some(mode), ..AppFilter::default() });
        }
        for filter in apps {
            for page in [1, 2] {
                let got = store.apps_of(&customer, &filter, page, 4).unwrap();
                let found = ids(got.items.iter().map(|a| a.id.to_string()).collect());
                lines.push(format!("apps {customer} {filter:?} {page}: {} [{found}]", got.total));
            }
        }
    }
    let parties = CUSTOMERS
        .map(|c| Actor::customer(c).unwrap())
        .into_iter()
        .chain(SELLERS.map(|s| Actor::seller(s).unwrap()))
        .chain([Actor::System]);
    for party in parties {
        let mut flows = vec![FlowFilter::default()];
        for status in [FlowStatus::AwaitingRequest, FlowStatus::InService, FlowStatus::Completed, FlowStatus::Closed] {
            flows.push(FlowFilter { status: Some(status), ..FlowFilter::default() });
        }
        for kind in [FlowKind::License, FlowKind::ProfessionalService, FlowKind::Saas] {
            flows.push(FlowFilter { kind: Some(kind), ..FlowFilter::default() });
        }
        flows.push(FlowFilter { order: Some(OrderId::parse("ORD-00000002").unwrap()), ..FlowFilter::default() });
        for filter in flows {
            for page in [1, 2] {
                let got = store.flows_of(&party, &filter, page, 4).unwrap();
                let found = ids(got.items.iter().map(|f| f.id.to_string()).collect());
                lines.push(format!("flows {party:?} {filter:?} {page}: {} [{found}]", got.total));
            }
        }
    }
    let open = store.open_appeals().unwrap();
    lines.push(format!("open appeals: [{}]", ids(open.iter().map(|a| a.id.to_string()).collect())));
    for at in [fixtures::t0(), fixtures::t0() + Duration::days(400)] {
        let due: Vec<String> = store.due(at, 1000).unwrap().iter().map(Target::to_string).collect();
        lines.push(format!("due at {at}: [{}]", due.join(",")));
    }
    for (n, actor) in actors().into_iter().enumerate() {
        let request = store.request(&actor, &RequestId::parse(&format!("req-{n}")).unwrap()).unwrap();
        lines.push(format!("request {actor:?} req-{n}: {:?}", request.map(|r| (r.actor, r.fingerprint, r.at))));
    }
    let events = store.events_since(0, 10_000).unwrap();
    lines.push(format!("events: {}", events.len()));
    lines
}

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures").join(name)
}

/// Writes the fixture with the store of this build: run once, with the release whose files the
/// fixture stands for (`cargo test -p appmarket-sqlite --test columns -- --ignored`).
#[test]
#[ignore = "writes tests/fixtures/v5.db and v5.answers"]
fn write_the_fixture() {
    assert_eq!(SCHEMA_VERSION, 5, "the fixture stands for files of schema version 5");
    let path = fresh_path("fixture");
    let store = SqliteStore::open(&path).unwrap();
    fill(&store);
    let lines = answers(&store);
    store.checkpoint().unwrap();
    drop(store);
    rusqlite::Connection::open(&path).unwrap().execute_batch("VACUUM").unwrap();
    std::fs::create_dir_all(fixture("")).unwrap();
    std::fs::copy(&path, fixture("v5.db")).unwrap();
    std::fs::write(fixture("v5.answers"), lines.join("\n") + "\n").unwrap();
}
