//! Customer accounts: what the marketplace knows of a buyer (ORD-2, ORD-4, LIFE-1, UNS-3).

use serde::{Deserialize, Serialize};

use crate::actor::{CustomerId, MAX_ID_CHARS};
use crate::aggregate::{Aggregate, Create, Ctx};
use crate::error::Error;
use crate::policy::Policy;

/// A buyer's account, registered by the host application.
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
#[cfg_attr(feature = "python", pyo3::pyclass(frozen, eq, from_py_object, module = "appmarket"))]
pub struct CustomerAccount {
    /// The account id.
    pub id: CustomerId,
    /// A credit card is bound to the account (ORD-2: needed to place orders).
    pub bound_card: bool,
    /// Credit payment was enabled for the account by a service ticket (ORD-2).
    pub credit_enabled: bool,
    /// The reseller that settles this customer's orders, if the customer is associated with one
    /// (ORD-4).
    pub reseller: Option<String>,
    /// Customer level, which may set grace and retention lengths (LIFE-1).
    pub level: Option<String>,
    /// Unconditional unsubscriptions used in the current calendar year (UNS-3), kept by the
    /// marketplace: registering an account again never changes it.
    #[serde(default)]
    #[cfg_attr(feature = "uniffi", uniffi(default))]
    pub unconditional_unsubscriptions: YearlyCount,
}

/// A count within one calendar year (billing zone); a new year starts from zero.
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct YearlyCount {
    /// The year counted.
    #[cfg_attr(feature = "uniffi", uniffi(default = 0))]
    pub year: i32,
    /// How many in that year.
    #[cfg_attr(feature = "uniffi", uniffi(default = 0))]
    pub count: u32,
}

impl YearlyCount {
    /// The count in `year`.
    pub fn in_year(&self, year: i32) -> u32 {
        if self.year == year { self.count } else { 0 }
    }

    /// One more in `year`.
    pub fn incremented(&self, year: i32) -> YearlyCount {
        YearlyCount { year, count: self.in_year(year).saturating_add(1) }
    }
}

impl CustomerAccount {
    /// An ordinary account with a bound card, no credit, no reseller, no level.
    pub fn with_card(id: CustomerId) -> CustomerAccount {
        CustomerAccount {
            id,
            bound_card: true,
            credit_enabled: false,
            reseller: None,
            level: None,
            unconditional_unsubscriptions: YearlyCount::default(),
        }
    }

    /// Checks what the host registers: the account's id and a reseller id have 1 to the
    /// policy's `max_id_chars` (64) characters, like every id the marketplace takes
    /// ([`MAX_ID_CHARS`] at most).
    pub fn check(&self, policy: &Policy) -> Result<(), Error> {
        let max = (policy.max_id_chars as usize).min(MAX_ID_CHARS);
        if self.id.as_str().chars().count() > max {
            return Err(Error::invalid("customer_id", format!("an id has at most {max} characters")));
        }
        if let Some(reseller) = &self.reseller
            && (reseller.trim().is_empty() || reseller.chars().count() > max)
        {
            return Err(Error::invalid("reseller", format!("a reseller id has 1–{max} characters")));
        }
        Ok(())
    }

    /// Whether a reseller settles this customer's orders (ORD-4).
    pub fn is_reseller_customer(&self) -> bool {
        self.reseller.is_some()
    }
}

/// A command on a customer account.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AccountCommand {
    /// The host registers the account, or updates it; the marketplace's own counters stay.
    Register(CustomerAccount),
    /// An unconditional unsubscription is counted in the current year (UNS-3).
    CountUnconditionalUnsubscription,
}

/// What happened to a customer account.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AccountEvent {
    /// Registered or updated by the host.
    Registered {
        /// The account as the host gave it.
        account: CustomerAccount,
    },
    /// An unconditional unsubscription was counted (UNS-3).
    UnconditionalUnsubscriptionCounted {
        /// The year counted.
        year: i32,
    },
}

impl Create for CustomerAccount {
    /// A first registration: the account as the host gives it, the marketplace's counters new.
    fn decide_new(cmd: &AccountCommand, ctx: &Ctx<'_>) -> Result<(CustomerAccount, Vec<AccountEvent>), Error> {
        let AccountCommand::Register(account) = cmd else {
            return Err(Error::invalid("command", "only a registration creates an account"));
        };
        let blank = CustomerAccount { unconditional_unsubscriptions: Default::default(), ..account.clone() };
        let events = blank.decide(cmd, ctx)?;
        Ok((blank, events))
    }
}

impl Aggregate for CustomerAccount {
    const WHAT: &'static str = "account";
    type Command = AccountCommand;
    type Event = AccountEvent;

    fn decide(&self, cmd: &AccountCommand, ctx: &Ctx<'_>) -> Result<Vec<AccountEvent>, Error> {
        match cmd {
            AccountCommand::Register(account) => {
                ctx.actor.require_system("register customer accounts")?;
                if account.id != self.id {
                    return Err(Error::invalid("account", format!("account {} is not {}", account.id, self.id)));
                }
                account.check(ctx.policy)?;
                Ok(vec![AccountEvent::Registered { account: account.clone() }])
            }
            AccountCommand::CountUnconditionalUnsubscription => {
                Ok(vec![AccountEvent::UnconditionalUnsubscriptionCounted { year: ctx.policy.zone().year_of(ctx.now) }])
            }
        }
    }

    fn apply(&mut self, event: &AccountEvent, _ctx: &Ctx<'_>) {
        match event {
            AccountEvent::Registered { account } => {
                // The marketplace's own counters are not the host's to set (UNS-3).
                let counted = self.unconditional_unsubscriptions;
                *self = CustomerAccount { unconditional_unsubscriptions: counted, ..account.clone() };
            }
            AccountEvent::UnconditionalUnsubscriptionCounted { year } => {
                self.unconditional_unsubscriptions = self.unconditional_unsubscriptions.incremented(*year);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn acc_1_ids_and_reseller_ids_have_1_to_max_id_chars_characters() {
        let policy = Policy::default();
        let mut account = CustomerAccount::with_card(CustomerId::parse("alice").unwrap());
        assert!(account.check(&policy).is_ok());
        for bad in [String::new(), "  ".into(), "r".repeat(65)] {
            account.reseller = Some(bad);
            let err = account.check(&policy).unwrap_err();
            assert!(matches!(err, Error::InvalidInput { ref field, .. } if field == "reseller"), "{err}");
        }
        account.reseller = Some("r".repeat(64));
        assert!(account.check(&policy).is_ok());
        let short = Policy { max_id_chars: 8, ..Policy::default() };
        let err = account.check(&short).unwrap_err();
        assert!(matches!(err, Error::InvalidInput { ref field, .. } if field == "reseller"), "{err}");
        account.reseller = None;
        account.id = CustomerId::parse("a-long-customer").unwrap();
        let err = account.check(&short).unwrap_err();
        assert!(matches!(err, Error::InvalidInput { ref field, .. } if field == "customer_id"), "{err}");
    }
}
