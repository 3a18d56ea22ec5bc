//! Purchased apps (APP-*) and upgrades (PRC-4).

use appmarket::{Actor, AppId};
use appmarket::{AppFilter, PurchasedApp, Quote};

use crate::{Marketplace, Result, page};

page!(
    /// A page of purchased apps.
    AppPage of PurchasedApp
);

#[uniffi::export]
impl Marketplace {
    /// An app `by` may see (its customer, its seller, an operator).
    pub fn app(&self, by: Actor, app: AppId) -> Result<PurchasedApp> {
        self.core.app(&by, &app)
    }

    /// A customer's purchased apps.
    pub fn apps(&self, by: Actor, filter: AppFilter, page: u32, page_size: Option<u32>) -> Result<AppPage> {
        self.core.apps(&by, &filter, page, page_size).map(Into::into)
    }

    /// Prices an upgrade of an app for the rest of its term (PRC-4).
    pub fn quote_upgrade(&self, by: Actor, app: AppId, specification: String, quantity: u32) -> Result<Quote> {
        self.core.quote_upgrade(&by, &app, &specification, quantity)
    }
}
