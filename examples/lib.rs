//! Printing helpers shared by the examples: what a person would see.

use appmarket::{Event, Order, PurchasedApp, Quote};
use chrono::{DateTime, FixedOffset, Utc};

/// Formats an instant as the pages do, in the billing zone (GMT+08:00).
pub fn local(at: DateTime<Utc>) -> String {
    let zone = FixedOffset::east_opt(8 * 3600).expect("valid offset");
    at.with_timezone(&zone).format("%b %d, %Y %H:%M:%S GMT+08:00").to_string()
}

/// Prints an itemised quote.
pub fn print_quote(title: &str, quote: &Quote) {
    println!("  {title}:");
    for line in &quote.lines {
        println!(
            "    {:<58} {:>8} × {:>6} × {:>10.6} = {:>10}",
            line.label,
            line.unit_price.to_string(),
            line.quantity.to_string(),
            line.periods,
            line.amount.to_string()
        );
    }
    let reference = if quote.for_reference_only { " (for reference only)" } else { "" };
    println!("    {:<58} {:>46}{reference}", "Total", quote.total.to_string());
}

/// Prints an order's status line.
pub fn show_order(order: &Order) {
    let paid = order
        .payment
        .as_ref()
        .map(|p| format!("paid {} by {}", p.amount, p.method.map_or("the reseller".to_string(), |m| m.to_string())))
        .unwrap_or_else(|| "unpaid".into());
    println!("  Order {} — {} — {} — {}", order.id, order.product_name, order.status, paid);
}

/// Prints a purchased app as the Purchased Apps page lists it.
pub fn show_app(app: &PurchasedApp, now: DateTime<Utc>) {
    let expires = app.expires_at().map_or("—".to_string(), local);
    println!(
        "  {} | {} | {} {} | {} | {} | Expires {} | {} days left",
        app.product_name,
        app.specification,
        app.quantity,
        if app.quantity == 1 { "unit" } else { "units" },
        app.delivery,
        app.status,
        expires,
        app.remaining_days(now)
    );
}

/// Prints operation records as the Service Supervision page lists them.
pub fn print_records(records: &[Event]) {
    for e in records {
        let what = serde_json::to_value(&e.kind).map(|v| compact(&v)).unwrap_or_default();
        println!("    {}  {:<20} {}", local(e.at), e.actor.to_string(), what);
    }
}

fn compact(v: &serde_json::Value) -> String {
    let event = v.get("event").unwrap_or(v);
    match event {
        serde_json::Value::Object(map) => {
            let kind = map.get("type").and_then(|t| t.as_str()).unwrap_or("");
            let rest: Vec<String> = map
                .iter()
                .filter(|(k, _)| k.as_str() != "type")
                .map(|(k, v)| format!("{k}: {}", v.as_str().map_or_else(|| v.to_string(), str::to_owned)))
                .collect();
            if rest.is_empty() { kind.to_owned() } else { format!("{kind} ({})", rest.join(", ")) }
        }
        serde_json::Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

/// A SQLite store in a fresh file `name` under the target directory (`CARGO_TARGET_DIR`, or
/// `target/` of the workspace): an earlier file of that name, with its WAL, is removed first.
pub fn fresh_sqlite_store(name: &str) -> Result<appmarket_sqlite::SqliteStore, appmarket::Error> {
    let dir = std::env::var_os("CARGO_TARGET_DIR")
        .map(std::path::PathBuf::from)
        .unwrap_or_else(|| std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../target"));
    std::fs::create_dir_all(&dir)
        .map_err(|e| appmarket::Error::Storage { reason: format!("cannot create {}: {e}", dir.display()) })?;
    let path = dir.join(name);
    for suffix in ["", "-wal", "-shm"] {
        let file = std::path::PathBuf::from(format!("{}{suffix}", path.display()));
        if file.exists() {
            std::fs::remove_file(&file)
                .map_err(|e| appmarket::Error::Storage { reason: format!("cannot remove {}: {e}", file.display()) })?;
        }
    }
    appmarket_sqlite::SqliteStore::open(&path)
}
