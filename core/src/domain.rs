//! The domain: each aggregate with its own rules, as pure functions of its state, the command,
//! the instant and the policy. The catalog with its pricing, the order with its unsubscription,
//! the purchased app with renewal, downgrade, dunning, metering and provisioning, the service
//! flow with its appeals, the customer account and the invoice; the [`aggregate::Aggregate`]
//! trait they share, the actions a page can show, and what the preview of upcoming work shows
//! of their decisions.

pub(crate) mod access;
pub mod account;
pub mod actions;
pub mod aggregate;
pub mod app;
mod buttons;
pub mod catalog;
pub mod invoice;
pub mod order;
pub mod supervision;
pub mod upcoming;
