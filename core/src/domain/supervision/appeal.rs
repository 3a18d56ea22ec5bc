//! The `Appeal` aggregate: a party's appeal against a service flow, resolved by the operator
//! (APL-1..4). Whether a party may appeal is the flow's to say ([`ServiceFlow::check_appeal`]).

use chrono::{DateTime, Duration, Utc};
use serde::{Deserialize, Serialize};

use crate::actions::{Action, Availability};
use crate::actor::{Actor, AppealId, CustomerId, FlowId, OperatorId, OrderId, SellerId};
use crate::aggregate::{Aggregate, Create, Ctx, Sequence};
use crate::error::Error;
use crate::money::Money;
use crate::policy::Policy;
use crate::supervision::{AppealGrounds, FlowOutcome, Party, ServiceFlow};

/// Where an appeal stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "uniffi", derive(uniffi::Enum))]
pub enum AppealStatus {
    /// Waiting for the operator; the flow is frozen (APL-2).
    Open,
    /// Resolved by the operator (APL-4).
    Resolved,
    /// Closed with its flow by the system (SUP-8).
    Closed,
}

/// The operator's decision (APL-4).
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[serde(tag = "type", rename_all = "snake_case")]
#[cfg_attr(feature = "uniffi", derive(uniffi::Enum))]
pub enum Resolution {
    /// The flow resumes where it was.
    Resume,
    /// The flow completes as if accepted; the order completes after the usual delay.
    CompleteAsAccepted,
    /// The flow closes with a refund of 0 < refund ≤ paid; a full refund unsubscribes the order.
    CloseWithRefund {
        /// The refund.
        refund: Money,
    },
}

impl Resolution {
    /// How the flow goes on.
    pub fn outcome(&self) -> FlowOutcome {
        match self {
            Resolution::Resume => FlowOutcome::Resume,
            Resolution::CompleteAsAccepted => FlowOutcome::CompleteAsAccepted,
            Resolution::CloseWithRefund { .. } => FlowOutcome::Close,
        }
    }
}

/// An appeal (APL-1).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
#[cfg_attr(feature = "python", pyo3::pyclass(frozen, eq, get_all, from_py_object, module = "appmarket"))]
pub struct Appeal {
    /// Id.
    pub id: AppealId,
    /// The flow appealed.
    pub flow: FlowId,
    /// The flow's order.
    pub order: OrderId,
    /// The customer of the order.
    pub customer: CustomerId,
    /// The seller of the product.
    pub seller: SellerId,
    /// Who appealed.
    pub appellant: Party,
    /// On which grounds (APL-1).
    pub grounds: AppealGrounds,
    /// The appellant's reason.
    pub reason: String,
    /// When it was opened.
    pub opened_at: DateTime<Utc>,
    /// Status.
    pub status: AppealStatus,
    /// The operator's decision.
    pub resolution: Option<Resolution>,
    /// Who resolved it.
    pub resolved_by: Option<OperatorId>,
    /// When it was resolved or closed.
    pub resolved_at: Option<DateTime<Utc>>,
}

/// A command on an appeal: what the operator may ask of it. What the marketplace itself records on
/// it is an [`AppealFact`], which only the library can make.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AppealCommand {
    /// The operator resolves it (APL-4).
    Resolve {
        /// The decision.
        resolution: Resolution,
        /// What is left of the order's payment to refund.
        refundable: Money,
    },
    /// A fact the marketplace records (see [`AppealFact`]).
    Record(AppealFact),
}

/// A fact the marketplace records on an appeal after its own checks. It has no public
/// constructor: no caller can claim that the flow closed.
///
/// ```compile_fail
/// let closed = appmarket::appeal::AppealFact(appmarket::appeal::Fact::CloseWithFlow);
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AppealFact(pub(crate) Fact);

/// The facts of [`AppealFact`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Fact {
    /// A party of the flow appeals (APL-1..3): decided against the flow as it is now.
    Open {
        /// The flow appealed.
        flow: Box<ServiceFlow>,
        /// The appellant's reason.
        reason: String,
    },
    /// System: the flow was closed after the longest flow (SUP-8); the appeal closes with it.
    CloseWithFlow,
}

impl From<Fact> for AppealCommand {
    fn from(fact: Fact) -> AppealCommand {
        AppealCommand::Record(AppealFact(fact))
    }
}

/// What happened to an appeal. These are its operation records.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum AppealEvent {
    /// Opened (APL-1).
    Opened {
        /// The flow.
        flow: FlowId,
        /// Who appealed.
        appellant: Party,
        /// On which grounds.
        grounds: AppealGrounds,
        /// The appellant's reason.
        reason: String,
    },
    /// Resolved by the operator (APL-4).
    Resolved {
        /// The decision.
        resolution: Resolution,
    },
    /// Closed with its flow (SUP-8).
    ClosedWithFlow,
}

/// The instant by which an appeal opened at `opened` should be resolved: `days` working days
/// (Monday to Friday, billing zone, less the policy's public holidays, plus its make-up working
/// days) later, at the same time of day; an appeal opened on a day off counts from the next
/// working day's 00:00 (APL-4).
pub fn working_days_after(opened: DateTime<Utc>, days: u32, policy: &Policy) -> DateTime<Utc> {
    let zone = policy.zone();
    let is_day_off = |at: DateTime<Utc>| !policy.is_working_day(zone.date_of(at));
    let mut at = opened;
    while is_day_off(at) {
        at = zone.start_of_day(zone.date_of(at) + Duration::days(1));
    }
    let mut left = days;
    while left > 0 {
        at += Duration::days(1);
        if !is_day_off(at) {
            left -= 1;
        }
    }
    at
}

/// What opening an appeal decided, which none of its events changes: the one input of
/// [`Appeal::new`].
struct AppealOrigin {
    id: AppealId,
    flow: FlowId,
    order: OrderId,
    customer: CustomerId,
    seller: SellerId,
    appellant: Party,
    grounds: AppealGrounds,
    reason: String,
    opened_at: DateTime<Utc>,
}

impl Appeal {
    /// The appeal as its opening leaves it: open, not resolved. The one place that says how an
    /// appeal starts: opening it and [`Aggregate::as_created`] both make it here.
    fn new(origin: AppealOrigin) -> Appeal {
        let AppealOrigin { id, flow, order, customer, seller, appellant, grounds, reason, opened_at } = origin;
        Appeal {
            id,
            flow,
            order,
            customer,
            seller,
            appellant,
            grounds,
            reason,
            opened_at,
            status: AppealStatus::Open,
            resolution: None,
            resolved_by: None,
            resolved_at: None,
        }
    }

    /// Opens an appeal by `by` against `flow`, after the flow's checks (APL-1..3) and the
    /// reason's check.
    pub fn open(
        id: AppealId,
        flow: &ServiceFlow,
        by: &Actor,
        reason: &str,
        policy: &Policy,
        now: DateTime<Utc>,
    ) -> Result<(Appeal, AppealEvent), Error> {
        let grounds = flow.check_appeal(by, policy, now)?;
        crate::supervision::check_reason("reason", reason, policy)?;
        let appellant = flow.party_of(by)?;
        let appeal = Appeal::new(AppealOrigin {
            id,
            flow: flow.id.clone(),
            order: flow.order.clone(),
            customer: flow.customer.clone(),
            seller: flow.seller.clone(),
            appellant,
            grounds,
            reason: reason.to_owned(),
            opened_at: now,
        });
        let event = AppealEvent::Opened { flow: flow.id.clone(), appellant, grounds, reason: reason.to_owned() };
        Ok((appeal, event))
    }

    /// When the operator should have resolved it (APL-4).
    pub fn resolution_due(&self, policy: &Policy) -> DateTime<Utc> {
        working_days_after(self.opened_at, policy.appeal_resolution_working_days, policy)
    }

    /// Whether it is open for more than the resolution target (APL-4).
    pub fn is_overdue(&self, policy: &Policy, now: DateTime<Utc>) -> bool {
        self.status == AppealStatus::Open && now > self.resolution_due(policy)
    }

    /// Checks that `by` may resolve it now (APL-4).
    pub fn check_resolve(&self, by: &Actor) -> Result<(), Error> {
        by.require_operator("resolve appeals")?;
        if self.status != AppealStatus::Open {
            return Err(Error::not_allowed("APL-4", format!("appeal {} is already {:?}", self.id, self.status)));
        }
        Ok(())
    }

    /// The operator's actions on this appeal and whether `by` may take each now.
    pub fn available_actions(&self, by: &Actor) -> Vec<Availability> {
        vec![Availability::from_check(Action::ResolveAppeal, self.check_resolve(by))]
    }
}

/// What resolving an appeal does beyond the appeal and its flow (APL-4), for the order and the
/// app.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum RefundDecision {
    /// The flow resumes: nothing else changes.
    Nothing,
    /// The flow completes as accepted: the order records the acceptance and the service starts.
    StartService,
    /// A refund of everything left of the payment: the order and its app are unsubscribed.
    Full(Money),
    /// A partial refund: the order completes now and stands, refunded; the service starts.
    Partial(Money),
}

/// What a resolution does to the order whose payment has `refundable` left (APL-4): a refund of
/// all of it unsubscribes the order, a smaller one completes it.
pub(crate) fn refund_for(resolution: &Resolution, refundable: Money) -> RefundDecision {
    match resolution {
        Resolution::Resume => RefundDecision::Nothing,
        Resolution::CompleteAsAccepted => RefundDecision::StartService,
        Resolution::CloseWithRefund { refund } if refund.amount == refundable.amount => RefundDecision::Full(*refund),
        Resolution::CloseWithRefund { refund } => RefundDecision::Partial(*refund),
    }
}

impl Create for Appeal {
    /// An appeal by the actor against a flow ([`Appeal::open`]).
    fn decide_new(cmd: &AppealCommand, ctx: &Ctx<'_>) -> Result<(Appeal, Vec<AppealEvent>), Error> {
        let AppealCommand::Record(AppealFact(Fact::Open { flow, reason })) = cmd else {
            return Err(Error::invalid("command", "only an appeal's opening creates it"));
        };
        let (appeal, event) = Appeal::open(AppealId::numbered(0), flow, ctx.actor, reason, ctx.policy, ctx.now)?;
        Ok((appeal, vec![event]))
    }

    fn number(&mut self, next: &mut dyn FnMut(Sequence) -> Result<u64, Error>) -> Result<(), Error> {
        self.id = AppealId::numbered(next(Sequence::Appeal)?);
        Ok(())
    }
}

impl Aggregate for Appeal {
    const WHAT: &'static str = "appeal";
    type Command = AppealCommand;
    type Event = AppealEvent;

    fn decide(&self, cmd: &AppealCommand, ctx: &Ctx<'_>) -> Result<Vec<AppealEvent>, Error> {
        let by = ctx.actor;
        match cmd {
            AppealCommand::Record(AppealFact(Fact::Open { .. })) => {
                Err(Error::invalid("command", format!("appeal {} is already open", self.id)))
            }
            AppealCommand::Resolve { resolution, refundable } => {
                self.check_resolve(by)?;
                if let Resolution::CloseWithRefund { refund } = resolution {
                    refundable.same_currency(refund, "refund")?;
                    if refund.is_negative() || refund.is_zero() || refund.amount > refundable.amount {
                        return Err(Error::invalid(
                            "refund",
                            format!("APL-4: a refund is more than 0 and at most {refundable}, got {refund}"),
                        ));
                    }
                }
                Ok(vec![AppealEvent::Resolved { resolution: resolution.clone() }])
            }
            AppealCommand::Record(AppealFact(Fact::CloseWithFlow)) => {
                if self.status != AppealStatus::Open {
                    return Ok(vec![]);
                }
                Ok(vec![AppealEvent::ClosedWithFlow])
            }
        }
    }

    /// As opened (`Appeal::new` of what opening decided, read from the appeal itself).
    fn as_created(&self) -> Option<Appeal> {
        let Appeal { id, flow, order, customer, seller, appellant, grounds, reason, opened_at, .. } = self.clone();
        Some(Appeal::new(AppealOrigin { id, flow, order, customer, seller, appellant, grounds, reason, opened_at }))
    }

    fn apply(&mut self, event: &AppealEvent, ctx: &Ctx<'_>) {
        let (by, at) = (ctx.actor, ctx.now);
        match event {
            AppealEvent::Opened { .. } => {}
            AppealEvent::Resolved { resolution } => {
                self.status = AppealStatus::Resolved;
                self.resolution = Some(resolution.clone());
                self.resolved_by = match by {
                    Actor::Operator(o) => Some(o.clone()),
                    _ => None,
                };
                self.resolved_at = Some(at);
            }
            AppealEvent::ClosedWithFlow => {
                self.status = AppealStatus::Closed;
                self.resolved_at = Some(at);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::aggregate::tests::Lived;
    use crate::policy::Policy;
    use crate::supervision::tests::flow_of;
    use crate::testing::fixtures;

    fn open_appeal() -> Appeal {
        let flow = flow_of(fixtures::license_draft());
        let at = fixtures::t0() + Duration::days(6);
        let customer = Actor::customer("alice").unwrap();
        Appeal::open(AppealId::numbered(1), &flow, &customer, "idle", &Policy::default(), at).unwrap().0
    }

    #[test]
    fn an_opened_appeal_is_what_its_opening_left_and_its_resolution_rebuilds_it() {
        let flow = flow_of(fixtures::license_draft());
        let at = fixtures::t0() + Duration::days(6);
        let customer = Actor::customer("alice").unwrap();
        let open = AppealCommand::from(Fact::Open { flow: Box::new(flow), reason: "idle".into() });
        let mut appeal = Lived::<Appeal>::created(&open, &customer, at);
        assert_eq!(appeal.value.id, AppealId::numbered(1));
        assert_eq!(appeal.value.as_created(), Some(appeal.value.clone()));
        assert_eq!(appeal.rebuilt(), appeal.value);
        let fresh = appeal.value.clone();

        let refund = Resolution::CloseWithRefund { refund: Money::parse("40 USD").unwrap() };
        let resolve = AppealCommand::Resolve { resolution: refund, refundable: Money::parse("100 USD").unwrap() };
        appeal.run(&resolve, &Actor::operator("ops").unwrap(), at + Duration::days(1));
        assert_eq!(appeal.value.status, AppealStatus::Resolved);
        assert_eq!(appeal.value.as_created(), Some(fresh), "as opened, whatever happened since");
        assert_eq!(appeal.rebuilt(), appeal.value);
    }

    #[test]
    fn apl_4_a_refund_of_all_that_is_left_unsubscribes_a_smaller_one_completes() {
        let left = Money::parse("100.00 USD").unwrap();
        let full = Resolution::CloseWithRefund { refund: Money::parse("100 USD").unwrap() };
        let part = Resolution::CloseWithRefund { refund: Money::parse("40.00 USD").unwrap() };
        assert_eq!(refund_for(&full, left), RefundDecision::Full(Money::parse("100 USD").unwrap()));
        assert_eq!(refund_for(&part, left), RefundDecision::Partial(Money::parse("40.00 USD").unwrap()));
        assert_eq!(refund_for(&Resolution::Resume, left), RefundDecision::Nothing);
        assert_eq!(refund_for(&Resolution::CompleteAsAccepted, left), RefundDecision::StartService);
    }

    #[test]
    fn apl_4_working_days_skip_the_weekend() {
        let policy = Policy::default();
        // 2026-04-17 02:00 UTC is Friday 10:00 in the billing zone: due Wednesday 10:00.
        let friday = fixtures::t0() + Duration::days(2);
        assert_eq!(working_days_after(friday, 3, &policy), friday + Duration::days(5));
        // Saturday counts from Monday 00:00 local: due Thursday 00:00 local.
        let saturday = friday + Duration::days(1);
        let monday = policy.zone().start_of_day(policy.zone().date_of(saturday) + Duration::days(2));
        assert_eq!(working_days_after(saturday, 3, &policy), monday + Duration::days(3));
    }

    #[test]
    fn apl_4_public_holidays_and_make_up_working_days_come_from_the_policy() {
        let d = |s: &str| s.parse::<chrono::NaiveDate>().unwrap();
        // Friday 2026-04-17 10:00 local; Monday 04-20 is a holiday: due Thursday 10:00.
        let friday = fixtures::t0() + Duration::days(2);
        let policy = Policy { public_holidays: vec![d("2026-04-20")], ..Policy::default() };
        assert_eq!(working_days_after(friday, 3, &policy), friday + Duration::days(6));
        // Saturday 04-18 is a make-up working day: due Wednesday 10:00 (Sat, Tue, Wed).
        let policy = Policy {
            public_holidays: vec![d("2026-04-20")],
            makeup_working_days: vec![d("2026-04-18")],
            ..Policy::default()
        };
        assert_eq!(working_days_after(friday, 3, &policy), friday + Duration::days(5));
        assert!(policy.validate().is_ok());
        let both = Policy { makeup_working_days: vec![d("2026-04-20")], ..policy };
        assert!(both.validate().is_err());
        assert!(Policy::from_json(r#"{"public_holidays": ["2026-10-01"]}"#).is_ok());
        assert!(Policy::from_json(r#"{"public_holidays": ["2026-13-01"]}"#).is_err());
    }

    #[test]
    fn apl_4_a_refund_is_more_than_zero_and_at_most_what_is_left() {
        let appeal = open_appeal();
        let operator = Actor::operator("ops").unwrap();
        let left = Money::parse("100 USD").unwrap();
        let policy = Policy::default();
        let ctx = Ctx::new(&operator, fixtures::t0(), &policy);
        let resolve = |refund: &str| {
            let resolution = Resolution::CloseWithRefund { refund: Money::parse(refund).unwrap() };
            appeal.decide(&AppealCommand::Resolve { resolution, refundable: left }, &ctx)
        };
        assert!(resolve("100 USD").is_ok());
        assert!(resolve("0.01 USD").is_ok());
        for bad in ["0 USD", "100.01 USD", "-5 USD"] {
            assert!(matches!(resolve(bad), Err(Error::InvalidInput { ref field, .. }) if field == "refund"), "{bad}");
        }
    }

    #[test]
    fn apl_4_only_an_open_appeal_is_resolved_and_only_by_an_operator() {
        let mut appeal = open_appeal();
        let cmd = AppealCommand::Resolve { resolution: Resolution::Resume, refundable: Money::parse("1 USD").unwrap() };
        let policy = Policy::default();
        let alice = Actor::customer("alice").unwrap();
        assert_eq!(appeal.decide(&cmd, &Ctx::new(&alice, fixtures::t0(), &policy)).unwrap_err().kind(), "forbidden");
        let operator = Actor::operator("ops").unwrap();
        let ctx = Ctx::new(&operator, fixtures::t0(), &policy);
        let events = appeal.decide(&cmd, &ctx).unwrap();
        events.iter().for_each(|e| appeal.apply(e, &ctx));
        assert_eq!(appeal.status, AppealStatus::Resolved);
        assert_eq!(appeal.decide(&cmd, &ctx).unwrap_err().rule(), Some("APL-4"));
    }
}
