//! The command dispatcher: [`Marketplace::run`] takes any [`Command`] as data and calls the facade
//! method of the same name. It adds no rule: each arm is one facade call. The one check it
//! makes is the actor's own (`Actor::require_system`, ACC-1): `register_customer` is the host's
//! and takes no actor, so a command sent as data says who sends it here.

use serde::Serialize;
use serde_json::Value;

use super::Marketplace;
use crate::actor::Caller;
use crate::command::Command;
use crate::error::Error;

fn json<T: Serialize>(value: T) -> Result<Value, Error> {
    serde_json::to_value(value).map_err(|e| Error::Storage { reason: format!("cannot serialize a result: {e}") })
}

impl Marketplace {
    /// Runs a command as `caller` and returns its result as JSON (a revealed password is the
    /// one place a secret is written out: its owner asked for it).
    pub fn run(&self, caller: impl Into<Caller>, command: Command) -> Result<Value, Error> {
        let c: Caller = caller.into();
        let actor = c.actor.clone();
        let by = &actor;
        match command {
            Command::RegisterCustomer { account } => {
                // A host-level setting: credit, reseller and level are the host's to give, never
                // a customer's (ACC-1).
                by.require_system("register or change a customer account")?;
                json(self.register_customer(account)?)
            }
            Command::ListProduct { draft } => json(self.list_product(c, draft)?),
            Command::DelistProduct { product } => json(self.delist_product(c, &product)?),
            Command::RelistProduct { product } => json(self.relist_product(c, &product)?),
            Command::Search { query } => json(self.search(&query)?),
            Command::SaveToList { product, specification } => {
                json(self.save_to_list(c, &product, specification.as_deref())?)
            }
            Command::RemoveFromList { product } => json(self.remove_from_list(c, &product)?),
            Command::SavedList {} => json(self.saved_list(by)?),
            Command::BuyFromList { request } => json(self.buy_from_list(c, request)?),
            Command::QuotePurchase { request } => match by {
                crate::Actor::Customer(_) => json(self.quote_purchase_for(by, &request)?),
                _ => json(self.quote_purchase(&request)?),
            },
            Command::PlaceOrder { request } => json(self.place_order(c, request)?),
            Command::AcceptTerms { order } => json(self.accept_terms(c, &order)?),
            Command::Pay { order, method } => json(self.pay(c, &order, method)?),
            Command::CancelOrder { order } => json(self.cancel_order(c, &order)?),
            Command::Order { order } => json(self.order(by, &order)?),
            Command::Orders { filter, page, page_size } => json(self.orders(by, &filter, page, page_size)?),
            Command::QuoteImage { product, request } => json(self.quote_image(&product, &request)?),
            Command::ProvisionImage { product, request } => json(self.provision_image(c, &product, request)?),
            Command::App { app } => json(self.app(by, &app)?),
            Command::Apps { filter, page, page_size } => json(self.apps(by, &filter, page, page_size)?),
            Command::ProvideApplicationInfo { app, info, password } => {
                json(self.provide_application_info(c, &app, info, password)?)
            }
            Command::RevealPassword { app } => json(self.reveal_password(c, &app)?.expose()),
            Command::QuoteUpgrade { app, specification, quantity } => {
                json(self.quote_upgrade(by, &app, &specification, quantity)?)
            }
            Command::OrderUpgrade { app, specification, quantity } => {
                json(self.order_upgrade(c, &app, &specification, quantity)?)
            }
            Command::Flow { flow } => json(self.flow(by, &flow)?),
            Command::FlowOfOrder { order } => json(self.flow_of_order(by, &order)?),
            Command::Flows { filter, page, page_size } => json(self.flows(by, &filter, page, page_size)?),
            Command::SubmitRequest { flow, request } => json(self.submit_request(c, &flow, request)?),
            Command::AcceptRequest { flow } => json(self.accept_request(c, &flow)?),
            Command::RejectRequest { flow, reason } => json(self.reject_request(c, &flow, &reason)?),
            Command::Deliver { flow, delivery, password } => json(self.deliver(c, &flow, delivery, password)?),
            Command::ConfirmAcceptance { flow } => json(self.confirm_acceptance(c, &flow)?),
            Command::RejectDelivery { flow, reason } => json(self.reject_delivery(c, &flow, &reason)?),
            Command::RemindSeller { flow } => json(self.remind_seller(c, &flow)?),
            Command::OpenAppeal { flow, reason } => json(self.open_appeal(c, &flow, &reason)?),
            Command::ResolveAppeal { appeal, resolution } => json(self.resolve_appeal(c, &appeal, resolution)?),
            Command::Appeal { appeal } => json(self.appeal(by, &appeal)?),
            Command::OverdueAppeals {} => json(self.overdue_appeals(by)?),
            Command::QuoteRenewal { app, periods, renewal_day } => {
                json(self.quote_renewal(by, &app, periods, renewal_day)?)
            }
            Command::Renew { app, periods, renewal_day } => json(self.renew(c, &app, periods, renewal_day)?),
            Command::SetAutoRenewal { app, periods, count, days_before, method } => {
                json(self.set_auto_renewal_paid_by(c, &app, periods, count, days_before, method)?)
            }
            Command::DisableAutoRenewal { app } => json(self.disable_auto_renewal(c, &app)?),
            Command::ScheduleDowngrade { app, specification, quantity } => {
                json(self.schedule_downgrade(c, &app, &specification, quantity)?)
            }
            Command::CancelScheduledDowngrade { app } => json(self.cancel_scheduled_downgrade(c, &app)?),
            Command::DeleteApp { app } => json(self.delete_app(c, &app)?),
            Command::PayArrears { app, method } => json(self.pay_arrears(c, &app, method)?),
            Command::UsageStatement { app } => json(self.usage_statement(by, &app)?),
            Command::QuoteUnsubscribe { app } => json(self.quote_unsubscribe(by, &app)?),
            Command::Unsubscribe { app } => json(self.unsubscribe(c, &app)?),
            Command::ReviewUnsubscription { order, approve } => json(self.review_unsubscription(c, &order, approve)?),
            Command::RequestRefund { order, amount, reason } => json(self.request_refund(c, &order, amount, &reason)?),
            Command::ResolveRefundRequest { order, approve } => json(self.resolve_refund_request(c, &order, approve)?),
            Command::RequestInvoice { order } => json(self.request_invoice(c, &order)?),
            Command::IssueInvoice { invoice } => json(self.issue_invoice(c, &invoice)?),
            Command::ReturnInvoice { invoice } => json(self.return_invoice(c, &invoice)?),
            Command::Invoice { invoice } => json(self.invoice(by, &invoice)?),
            Command::Tick {} => json(self.tick(by)?),
            Command::AvailableActions { target } => json(self.available_actions(by, &target)?),
            Command::Records { target, after, limit } => {
                json(self.records(by, &target, after, limit.map_or(usize::MAX, |l| l as usize))?)
            }
        }
    }

    /// [`Marketplace::run`] with the command and the result as JSON text.
    ///
    /// ```
    /// use appmarket::*;
    ///
    /// let market = Marketplace::new();
    /// let seller = Actor::seller("isv-1")?;
    /// let draft = serde_json::to_string(&appmarket::testing::fixtures::saas_draft()).unwrap();
    /// let product = market.run_json(&seller, &format!(r#"{{"do": "list_product", "draft": {draft}}}"#))?;
    /// assert!(product.contains("Coremail Pro Email Hosting"));
    /// // Host-level commands are the host's (`Actor::System`) alone.
    /// let account = r#"{"do": "register_customer", "account": {"id": "mallory", "bound_card": true,
    ///     "credit_enabled": true, "reseller": null, "level": null}}"#;
    /// assert_eq!(market.run_json(&Actor::customer("mallory")?, account).unwrap_err().kind(), "forbidden");
    /// let err = market.run_json(&seller, r#"{"do": "no_such_command"}"#).unwrap_err();
    /// assert_eq!(err.kind(), "invalid_input");
    /// # Ok::<(), appmarket::Error>(())
    /// ```
    pub fn run_json(&self, caller: impl Into<Caller>, command: &str) -> Result<String, Error> {
        let value = self.run(caller, Command::from_json(command)?)?;
        Ok(value.to_string())
    }
}
