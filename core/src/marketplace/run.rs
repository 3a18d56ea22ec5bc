//! The command dispatcher: [`Marketplace::run`] takes any [`Command`] as data and calls the facade
//! method of the same name (the dispatch is generated from the declarations). It adds no rule:
//! each arm is one facade call. `register_customer`, a host setting, takes no actor, so its arm
//! asks the domain (`access::system_only`, ACC-1) whether the sender is the host.

use serde::Serialize;
use serde_json::Value;

use super::Marketplace;
use crate::actor::Caller;
use crate::command::Command;
use crate::error::Error;

pub(super) fn json<T: Serialize>(value: T) -> Result<Value, Error> {
    serde_json::to_value(value).map_err(|e| Error::Storage { reason: format!("cannot serialize a result: {e}") })
}

impl Marketplace {
    /// Runs a command as `caller` and returns its result as JSON (a revealed password is the
    /// one place a secret is written out: its owner asked for it).
    pub fn run(&self, caller: impl Into<Caller>, command: Command) -> Result<Value, Error> {
        self.dispatch(caller.into(), command)
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
