//! Purchased apps (APP-*) and upgrades (PRC-4).

use appmarket::{Actor, AppId, RequestId};
use appmarket::{AppFilter, ApplicationInfo, Order, PurchasedApp, Quote, Secret};

use crate::{Marketplace, Result, caller, page};

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
    pub fn apps(&self, by: Actor, filter: AppFilter, page: u32, page_size: u32) -> Result<AppPage> {
        self.core.apps(&by, &filter, page, page_size).map(Into::into)
    }

    /// The seller provides the application information of an app, with an optional password
    /// kept apart and shown only to its owner (APP-1, APP-5).
    #[uniffi::method(default(password = None, request_id = None))]
    pub fn provide_application_info(
        &self,
        by: Actor,
        app: AppId,
        info: ApplicationInfo,
        password: Option<Secret>,
        request_id: Option<RequestId>,
    ) -> Result<PurchasedApp> {
        self.core.provide_application_info(caller(by, request_id), &app, info, password)
    }

    /// The owner reveals the app's password (APP-5); the reveal is recorded.
    #[uniffi::method(default(request_id = None))]
    pub fn reveal_password(&self, by: Actor, app: AppId, request_id: Option<RequestId>) -> Result<Secret> {
        self.core.reveal_password(caller(by, request_id), &app)
    }

    /// Prices an upgrade of an app for the rest of its term (PRC-4).
    pub fn quote_upgrade(&self, by: Actor, app: AppId, specification: String, quantity: u32) -> Result<Quote> {
        self.core.quote_upgrade(&by, &app, &specification, quantity)
    }

    /// Places an upgrade order at its quoted cost; paying it changes the configuration (PRC-4).
    #[uniffi::method(default(request_id = None))]
    pub fn order_upgrade(
        &self,
        by: Actor,
        app: AppId,
        specification: String,
        quantity: u32,
        request_id: Option<RequestId>,
    ) -> Result<Order> {
        self.core.order_upgrade(caller(by, request_id), &app, &specification, quantity)
    }

    /// Schedules a downgrade (a cheaper specification or fewer units) for the end of the term,
    /// where the policy allows it; renewals are priced with it and `tick` applies it (PRC-8).
    #[uniffi::method(default(request_id = None))]
    pub fn schedule_downgrade(
        &self,
        by: Actor,
        app: AppId,
        specification: String,
        quantity: u32,
        request_id: Option<RequestId>,
    ) -> Result<PurchasedApp> {
        self.core.schedule_downgrade(caller(by, request_id), &app, &specification, quantity)
    }

    /// Cancels the scheduled downgrade, unless a renewal was paid at its price (PRC-8).
    #[uniffi::method(default(request_id = None))]
    pub fn cancel_scheduled_downgrade(
        &self,
        by: Actor,
        app: AppId,
        request_id: Option<RequestId>,
    ) -> Result<PurchasedApp> {
        self.core.cancel_scheduled_downgrade(caller(by, request_id), &app)
    }
}
