//! Purchased-app commands and queries: details, application information, password, upgrade
//! (APP, PRC-4).

use super::{Marketplace, Revealed, Unit};
use crate::actor::{Actor, AppId, Target};
use crate::app::{self, AppCommand, AppFilter, ApplicationInfo, PurchasedApp};
use crate::catalog::{Page, check_page};
use crate::domain::access;
use crate::error::Error;
use crate::order::{Order, OrderCommand, OrderKind, Ordered, Placement, Placing};
use crate::pricing::Quote;
use crate::secret::Secret;
use crate::text::Text;

impl Marketplace {
    /// A purchased app `by` may see (its customer, its seller, an operator).
    pub fn app(&self, by: &Actor, id: &AppId) -> Result<PurchasedApp, Error> {
        let target = Target::App(id.clone());
        self.check_can_view(by, &target)?;
        Ok(self.get::<PurchasedApp>(target)?.value)
    }

    /// The customer's purchased apps, newest first; supervised SaaS apps appear once their flow
    /// completes (APP-4). `page_size` `None` is the policy's `default_page_size`.
    pub fn apps(
        &self,
        by: &Actor,
        filter: &AppFilter,
        page: u32,
        page_size: Option<u32>,
    ) -> Result<Page<PurchasedApp>, Error> {
        self.check_input("filter", filter)?;
        let page_size = self.policy.page_size_or_default(page_size);
        check_page(page, page_size, &self.policy)?;
        let customer = access::acting_customer(by, "list purchased apps")?;
        self.store.apps_of(customer, filter, page, page_size)
    }

    /// The seller provides the application information of an app, with an optional password
    /// that is kept apart and never shown but to its owner (APP-1, APP-5).
    pub(super) fn provide_application_info_in(
        &self,
        unit: &mut Unit<'_>,
        app: &AppId,
        info: &ApplicationInfo,
        password: &Option<Secret>,
    ) -> Result<PurchasedApp, Error> {
        self.check_input("info", info)?;
        self.check_input("password", password)?;
        let target = Target::App(app.clone());
        unit.get::<PurchasedApp>(&target)?;
        if let Some(p) = password {
            ApplicationInfo::check_password(p, &self.policy)?;
        }
        let info = ApplicationInfo { has_password: password.is_some(), ..info.clone() };
        let next = unit.decide::<PurchasedApp>(&target, &AppCommand::ProvideApplicationInfo { info })?.clone();
        if let Some(p) = password {
            unit.keep_secret(app.clone(), p.clone());
        }
        Ok(next)
    }

    /// Reveals an app's password to its owner, and records that it was revealed (APP-5).
    pub(super) fn reveal_password_in(&self, unit: &mut Unit<'_>, app: &AppId) -> Result<Revealed, Error> {
        unit.decide::<PurchasedApp>(&Target::App(app.clone()), &AppCommand::RevealPassword)?;
        Ok(Revealed { app: app.clone(), secret: self.stored_secret(app)? })
    }

    /// An app's password as the store keeps it.
    pub(super) fn stored_secret(&self, app: &AppId) -> Result<Secret, Error> {
        app::kept_password(app, self.store.secret(app)?)
    }

    /// The itemised cost of upgrading an app to a target configuration (PRC-4..6); for a
    /// reseller's customer, for reference only (ORD-4). Changes nothing.
    pub fn quote_upgrade(&self, by: &Actor, app: &AppId, specification: &str, quantity: u32) -> Result<Quote, Error> {
        self.check_text("specification", specification, Text::Name)?;
        let current = self.get::<PurchasedApp>(Target::App(app.clone()))?;
        let product = self.shared_product(&current.value.product)?;
        let quote =
            current.value.upgrade_quote(by, &product, specification, quantity, &self.policy, self.clock_now()?)?;
        self.quote_seen_by(by, quote)
    }

    /// Places an upgrade order for an app at its quoted cost; paying it changes the
    /// configuration, and the expiry does not move (PRC-4, 2.2).
    pub(super) fn order_upgrade_in(
        &self,
        unit: &mut Unit<'_>,
        app: &AppId,
        specification: &str,
        quantity: u32,
    ) -> Result<Order, Error> {
        self.check_text("specification", specification, Text::Name)?;

        let target = Target::App(app.clone());
        let current = unit.get::<PurchasedApp>(&target)?.clone();
        let product = self.shared_product(&current.product)?;
        let quote = current.upgrade_quote(unit.actor(), &product, specification, quantity, &self.policy, unit.now())?;
        let account = self.account(&current.customer)?;
        let what = Placing::Change(Ordered {
            specification: specification.to_owned(),
            mode: current.mode,
            quantity,
            periods: 1,
            kind: OrderKind::Upgrade {
                app: app.clone(),
                from_specification: current.specification.clone(),
                from_quantity: current.quantity,
            },
            quote,
        });
        let place = OrderCommand::Place(Placement { account, product: Some(product), what });
        let placed = unit.decide_new::<Order>(&place)?;
        let order = unit.create(placed).clone();
        unit.decide::<PurchasedApp>(
            &target,
            &AppCommand::from(app::Fact::HoldPendingOrder { order: order.id.clone() }),
        )?;
        Ok(order)
    }
}
