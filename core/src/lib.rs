//! # appmarket
//!
//! The buyer-side rules of a cloud application marketplace — catalog and specifications, orders
//! and payment, pricing and upgrades, service supervision, appeals, renewals, unsubscription and
//! invoices — as an embeddable library. Rule ids (`ORD-3`, `PRC-5`, …), as named by
//! [`Error::NotAllowed`], are explained in the [`rules`] reference.
//!
//! The shape: aggregates ([`Order`], [`PurchasedApp`], …) decide commands into events with pure
//! functions; the [`Marketplace`] facade reads the [`Clock`], loads and saves through a
//! [`Store`], and calls the [`PaymentGateway`]. Every number of the rules is a field of
//! [`Policy`]; money is [`Money`] (a decimal with a currency); instants are UTC.
#![forbid(unsafe_code)]
#![warn(missing_docs)]

// The layers, innermost first: values, aggregates with their rules, the ports they are stored and
// paid through, and the facade. Each module keeps its public path through the re-exports below.
mod domain;
#[cfg(feature = "uniffi")]
pub mod ffi;
mod kernel;
mod marketplace;
mod ports;
#[cfg(feature = "python")]
pub mod python;
#[doc = include_str!("../RULES.md")]
pub mod rules {}
pub mod testing;

pub(crate) use domain::app::renewal_day;
pub use domain::app::{downgrade, dunning, metering, provisioning, renewal};
pub use domain::catalog::pricing;
pub use domain::order::unsubscription as unsubscribe;
pub use domain::supervision::appeal;
pub(crate) use domain::supervision::{attachment, delivery, flow_kind};
pub use domain::{account, actions, aggregate, app, catalog, invoice, order, supervision, upcoming};
pub(crate) use kernel::digits;
#[cfg(feature = "sealing")]
pub use kernel::sealing;
pub(crate) use kernel::text;
pub use kernel::{actor, error, money, policy, secret, time};
pub use marketplace::command;
pub(crate) use marketplace::fingerprint;
pub use ports::{event, payments, store};

// The UniFFI namespace of the core's value types (feature `uniffi`, see [`ffi`]).
#[cfg(feature = "uniffi")]
uniffi::setup_scaffolding!("appmarket");

pub use account::CustomerAccount;
pub use actions::{Action, Availability};
pub use actor::{
    Actor, AppId, AppealId, Caller, CustomerId, FlowId, InvoiceId, OperatorId, OrderId, ProductId, RequestId, SellerId,
    Target,
};
pub use aggregate::{Aggregate, Ctx};
pub use app::{AppFilter, AppStatus, ApplicationInfo, AutoRenewal, PurchasedApp, RenewalRecord, SellerInfo, Term};
pub use appeal::{Appeal, AppealStatus, Resolution};
pub use catalog::{
    Attribute, BillingMode, DeliveryMethod, ImageResources, Page, PricePlan, Product, ProductDraft, QuantityAttribute,
    ResourcePlan, SavedItem, SavedList, SearchQuery, SortOrder, Specification, SupportRange,
};
pub use downgrade::ScheduledDowngrade;
pub use dunning::{DeclinedCharge, RetryWait};
pub use error::{Error, Result};
pub use event::{Event, EventKind};
pub use invoice::{Invoice, InvoiceStatus, InvoicedUsage, SettlementRun};
pub use marketplace::{Marketplace, MarketplaceBuilder, TickReport, Ticker, TickerOptions};
pub use metering::{Metering, UsageCycle, UsageStatement};
pub use money::{Currency, Money};
pub use order::{Order, OrderFilter, OrderKind, OrderStatus, Payment, PurchaseRequest, StandingInvoice};
pub use payments::{PaymentGateway, PaymentMethod, SimulatedPayments};
pub use policy::Policy;
pub use pricing::{Quote, QuoteLine};
pub use provisioning::{Customization, ImageProvisioning, Network, SecurityGroup};
pub use renewal::RenewalDay;
pub use secret::Secret;
pub use store::{MemoryStore, Store};
pub use supervision::{
    AppealGrounds, Attachment, Delivery, FlowFilter, FlowKind, FlowStatus, Party, ServiceFlow, ServiceRequest,
    SubmittedRequest,
};
pub use time::{Bell, Clock, ManualClock, SystemClock};
pub use unsubscribe::{PendingKind, PendingUnsubscription, RefundPart, RefundQuote};
pub use upcoming::{Upcoming, UpcomingItem, UpcomingKind, UsageForecast};

#[cfg(doctest)]
#[doc = include_str!("../../README.md")]
struct ReadmeDoctests;
