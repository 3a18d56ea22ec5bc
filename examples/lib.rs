//! Printing helpers shared by the examples: what a person would see.

use appmarket::{Order, PurchasedApp, Quote};
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
