//! Who may act and see (ACC-1), for the calls that no aggregate decides: the listings of a
//! customer, a seller or an operator, the system's own runs, and what an actor may look at.
//! The aggregates check their own commands; the facade asks these functions the rest.

use crate::actor::{Actor, CustomerId, SellerId, Target};
use crate::error::Error;

/// The customer `by` is, or a refusal naming what they may not do (ACC-1).
pub(crate) fn acting_customer<'a>(by: &'a Actor, doing: &str) -> Result<&'a CustomerId, Error> {
    match by {
        Actor::Customer(c) => Ok(c),
        other => Err(Error::forbidden(format!("{other} may not {doing}: only a customer may"))),
    }
}

/// The seller `by` is, or a refusal naming what they may not do (ACC-1).
pub(crate) fn seller_only<'a>(by: &'a Actor, doing: &str) -> Result<&'a SellerId, Error> {
    match by {
        Actor::Seller(s) => Ok(s),
        other => Err(Error::forbidden(format!("{other} may not {doing}: only a seller may"))),
    }
}

/// Refuses every actor but a customer or a seller (ACC-1).
pub(crate) fn customer_or_seller(by: &Actor, doing: &str) -> Result<(), Error> {
    match by {
        Actor::Customer(_) | Actor::Seller(_) => Ok(()),
        other => Err(Error::forbidden(format!("{other} may not {doing}: only a customer or a seller may"))),
    }
}

/// Refuses every actor but an operator (ACC-1).
pub(crate) fn operator_only(by: &Actor, doing: &str) -> Result<(), Error> {
    by.require_operator(doing)
}

/// Refuses every actor but the system, the host itself (ACC-1).
pub(crate) fn system_only(by: &Actor, doing: &str) -> Result<(), Error> {
    by.require_system(doing)
}

/// Whose preview of upcoming charges `by` may see (UPC-2, ACC-1): a customer their own (asking
/// for another's is refused), an operator or the system one customer's when `customer` names
/// one, or every customer's (`None`); a seller none.
pub(crate) fn upcoming_of<'a>(
    by: &'a Actor,
    customer: Option<&'a CustomerId>,
) -> Result<Option<&'a CustomerId>, Error> {
    match (by, customer) {
        (Actor::Customer(c), None) => Ok(Some(c)),
        (Actor::Customer(c), Some(asked)) if asked == c => Ok(Some(c)),
        (Actor::Customer(c), Some(asked)) => {
            Err(Error::forbidden(format!("customer {c} may not see the upcoming charges of customer {asked}")))
        }
        (Actor::Operator(_) | Actor::System, asked) => Ok(asked),
        (other, _) => Err(Error::forbidden(format!(
            "{other} may not see upcoming charges: only a customer (their own) or an operator may"
        ))),
    }
}

/// Who a record belongs to: its customer and, when it has one, its seller.
pub(crate) trait Owned {
    /// The customer it belongs to.
    fn customer(&self) -> &CustomerId;
    /// The seller it belongs to, if a seller may see it.
    fn seller(&self) -> Option<&SellerId>;
}

/// Refuses `by` a look at `target` unless it is theirs (ACC-1): its customer, its seller (where
/// it has one), or an operator or the system, who see everything.
pub(crate) fn check_view(by: &Actor, target: &Target, owner: &impl Owned) -> Result<(), Error> {
    let allowed = match by {
        Actor::Operator(_) | Actor::System => true,
        Actor::Customer(c) => c == owner.customer(),
        Actor::Seller(s) => owner.seller() == Some(s),
    };
    if allowed { Ok(()) } else { Err(refused_view(by, target)) }
}

/// Whether `by` may look at `target` before it is loaded: `Some` when the target's kind alone
/// decides it (an operator or the system, a product, a customer's own account or saved list),
/// `None` when its owner must be read.
pub(crate) fn view_without_owner(by: &Actor, target: &Target) -> Option<Result<(), Error>> {
    if matches!(by, Actor::Operator(_) | Actor::System) {
        return Some(Ok(()));
    }
    match target {
        Target::Product(_) => Some(Ok(())),
        Target::Account(id) | Target::SavedList(id) => {
            Some(if matches!(by, Actor::Customer(c) if c == id) { Ok(()) } else { Err(refused_view(by, target)) })
        }
        _ => None,
    }
}

macro_rules! owned {
    ($ty:ty, $customer:ident, $($seller:tt)+) => {
        impl Owned for $ty {
            fn customer(&self) -> &CustomerId {
                &self.$customer
            }
            fn seller(&self) -> Option<&SellerId> {
                Some(&self.$($seller)+)
            }
        }
    };
}
owned!(crate::order::Order, customer, seller);
owned!(crate::app::PurchasedApp, customer, seller.seller);
owned!(crate::supervision::ServiceFlow, customer, seller);
owned!(crate::appeal::Appeal, customer, seller);

/// An invoice is its customer's only.
impl Owned for crate::invoice::Invoice {
    fn customer(&self) -> &CustomerId {
        &self.customer
    }
    fn seller(&self) -> Option<&SellerId> {
        None
    }
}

fn refused_view(by: &Actor, target: &Target) -> Error {
    Error::forbidden(format!("{by} may not see {target}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    struct Thing(CustomerId, Option<SellerId>);
    impl Owned for Thing {
        fn customer(&self) -> &CustomerId {
            &self.0
        }
        fn seller(&self) -> Option<&SellerId> {
            self.1.as_ref()
        }
    }

    #[test]
    fn acc_1_only_the_owners_an_operator_or_the_system_see_a_record() {
        let alice = CustomerId::parse("alice").unwrap();
        let isv = SellerId::parse("isv-1").unwrap();
        let target = Target::Account(alice.clone());
        let thing = Thing(alice.clone(), Some(isv.clone()));
        assert!(check_view(&Actor::Customer(alice.clone()), &target, &thing).is_ok());
        assert!(check_view(&Actor::Seller(isv.clone()), &target, &thing).is_ok());
        assert!(check_view(&Actor::System, &target, &thing).is_ok());
        let bob = Actor::customer("bob").unwrap();
        assert_eq!(check_view(&bob, &target, &thing).unwrap_err().kind(), "forbidden");
        let no_seller = Thing(alice, None);
        assert_eq!(check_view(&Actor::Seller(isv), &target, &no_seller).unwrap_err().kind(), "forbidden");
        assert_eq!(acting_customer(&Actor::System, "list orders").unwrap_err().kind(), "forbidden");
    }
}
