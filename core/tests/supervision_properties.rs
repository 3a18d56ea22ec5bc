//! Property: for random flows, actors and steps, an action that `available_actions` allows
//! succeeds, and one it refuses fails with the same rule and reason (the buttons and the commands
//! share their checks). A refusal leaves the store unchanged.

mod common;

use appmarket::*;
use chrono::Duration;
use common::*;
use proptest::prelude::*;

const ACTIONS: [Action; 9] = [
    Action::SubmitRequest,
    Action::AcceptRequest,
    Action::RejectRequest,
    Action::Deliver,
    Action::ConfirmAcceptance,
    Action::RejectDelivery,
    Action::RemindSeller,
    Action::Appeal,
    Action::ResolveAppeal,
];

const WAITS: [i64; 6] = [0, 3_600, 86_400, 5 * 86_400, 5 * 86_400 + 1, 120 * 86_400];

fn run(w: &World, flow: &ServiceFlow, by: &Actor, action: Action, resolution: u8) -> Result<(), Error> {
    let m = &w.market;
    let id = &flow.id;
    match action {
        Action::SubmitRequest => m.submit_request(by, id, request()).map(|_| ()),
        Action::AcceptRequest => m.accept_request(by, id).map(|_| ()),
        Action::RejectRequest => m.reject_request(by, id, "not clear").map(|_| ()),
        Action::Deliver => {
            let info = (flow.kind == FlowKind::Saas).then(app_info);
            m.deliver(by, id, Delivery { application_info: info, ..Delivery::default() }, None).map(|_| ())
        }
        Action::ConfirmAcceptance => m.confirm_acceptance(by, id).map(|_| ()),
        Action::RejectDelivery => m.reject_delivery(by, id, "not working").map(|_| ()),
        Action::RemindSeller => m.remind_seller(by, id).map(|_| ()),
        Action::Appeal => m.open_appeal(by, id, "please help").map(|_| ()),
        Action::ResolveAppeal => {
            let appeal = latest_appeal(w, flow).expect("an appeal exists");
            let resolution = match resolution % 4 {
                0 => Resolution::Resume,
                1 => Resolution::CompleteAsAccepted,
                2 => Resolution::CloseWithRefund { refund: Money::parse("1 USD").unwrap() },
                _ => Resolution::CloseWithRefund { refund: w.order(flow).amount_paid() },
            };
            m.resolve_appeal(by, &appeal, resolution).map(|_| ())
        }
        other => panic!("not a flow action: {other:?}"),
    }
}

fn latest_appeal(w: &World, flow: &ServiceFlow) -> Option<AppealId> {
    w.market.records(&w.operator, &Target::Flow(flow.id.clone()), 0, None).unwrap().into_iter().rev().find_map(|e| {
        match e.kind {
            appmarket::event::EventKind::Flow(appmarket::supervision::FlowEvent::Frozen { appeal, .. }) => Some(appeal),
            _ => None,
        }
    })
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 64, ..ProptestConfig::default() })]

    #[test]
    fn sup_apl_available_actions_agree_with_the_commands(
        kind in 0u8..3,
        steps in proptest::collection::vec(
            (0usize..8, 0usize..ACTIONS.len(), 0usize..WAITS.len(), any::<u8>(), any::<bool>()),
            1..40,
        ),
    ) {
        let w = world();
        let flow = match kind {
            0 => w.license(),
            1 => w.professional_service(),
            _ => w.saas(),
        };
        let actors = [w.buyer.clone(), w.seller.clone(), w.other_customer.clone(), w.other_seller.clone(), w.operator.clone()];
        for (who, what, wait, resolution, pick_allowed) in steps {
            w.advance(Duration::seconds(WAITS[wait]));
            // The parties act more often than strangers.
            let by = &actors[[0, 0, 1, 1, 2, 3, 4, 4][who]];
            let mut action = ACTIONS[what];
            if pick_allowed {
                // Half of the steps take a button the page shows enabled, so that flows move on.
                let mut enabled: Vec<Action> = Vec::new();
                if let Ok(list) = w.market.available_actions(by, &Target::Flow(flow.id.clone())) {
                    enabled.extend(list.into_iter().filter(|a| a.allowed).map(|a| a.action));
                }
                if let Some(a) = latest_appeal(&w, &flow)
                    && let Ok(list) = w.market.available_actions(by, &Target::Appeal(a))
                {
                    enabled.extend(list.into_iter().filter(|a| a.allowed).map(|a| a.action));
                }
                if !enabled.is_empty() {
                    action = enabled[what % enabled.len()];
                }
            }
            let target = if action == Action::ResolveAppeal {
                match latest_appeal(&w, &flow) {
                    Some(a) => Target::Appeal(a),
                    None => continue,
                }
            } else {
                Target::Flow(flow.id.clone())
            };
            let available = match w.market.available_actions(by, &target) {
                Ok(list) => list.into_iter().find(|a| a.action == action).expect("listed"),
                Err(e) => {
                    // Strangers may not even look; the command refuses them too.
                    prop_assert_eq!(e.kind(), "forbidden");
                    let before = w.store.snapshot();
                    let err = run(&w, &flow, by, action, resolution).expect_err("a stranger is refused");
                    prop_assert_eq!(err.kind(), "forbidden");
                    prop_assert!(w.store.snapshot() == before);
                    continue;
                }
            };
            let before = w.store.snapshot();
            let result = run(&w, &flow, by, action, resolution);
            if available.allowed {
                prop_assert!(result.is_ok(), "{:?} by {} was allowed but failed: {:?}", action, by, result);
            } else {
                let err = result.expect_err("a refused action fails");
                prop_assert_eq!(err.rule(), available.rule.as_deref());
                prop_assert_eq!(Some(err.to_string()), available.reason);
                prop_assert!(w.store.snapshot() == before);
            }
        }
    }
}
