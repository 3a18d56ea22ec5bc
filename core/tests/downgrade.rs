//! Downgrade at renewal through the facade (PRC-8): scheduling, the renewal priced with it,
//! `tick` applying it at the end of the term, cancelling, and every refusal named as
//! `available_actions` names it.

#[path = "lifecycle/mod.rs"]
mod common;

use appmarket::app::AppEvent;
use appmarket::*;
use common::*;

fn downgrades() -> Policy {
    Policy { downgrade_at_renewal: true, ..Policy::default() }
}

fn action(w: &World, by: &Actor, app: &AppId, action: Action) -> Availability {
    let actions = w.market.available_actions(by, &Target::App(app.clone())).unwrap();
    actions.into_iter().find(|a| a.action == action).unwrap()
}

/// The refusal names the same rule as `available_actions` lists for `what`, and the store is
/// unchanged.
fn refused_as_listed<T: std::fmt::Debug>(
    w: &World,
    app: &AppId,
    what: Action,
    f: impl FnOnce() -> Result<T, Error>,
) -> Error {
    let listed = action(w, &w.alice, app, what);
    let err = refused(w, f);
    assert!(!listed.allowed, "{what:?} is listed as allowed but refused: {err}");
    assert_eq!(listed.rule.as_deref(), err.rule(), "{err}");
    err
}

#[test]
fn prc_8_by_default_a_downgrade_is_refused_by_prc_4_and_scheduling_by_prc_8() {
    let w = world();
    let (_, app) = w.saas_app(1);
    let err = refused(&w, || w.market.order_upgrade(&w.alice, &app, "Standard", 5));
    assert_eq!(rule(&err), "PRC-4");
    let err = refused_as_listed(&w, &app, Action::ScheduleDowngrade, || {
        w.market.schedule_downgrade(&w.alice, &app, "Standard", 5)
    });
    assert_eq!(rule(&err), "PRC-8");
    assert!(err.to_string().contains("PRC-4"), "{err}");
    let err = refused_as_listed(&w, &app, Action::CancelScheduledDowngrade, || {
        w.market.cancel_scheduled_downgrade(&w.alice, &app)
    });
    assert_eq!(rule(&err), "PRC-8");
    assert_eq!(w.app(&app).scheduled_downgrade, None);
}

#[test]
fn prc_8_downgrade_scheduled_is_visible_and_tick_applies_it_at_the_end_of_the_term() {
    let w = world_at("2026-04-15T02:00:00Z", downgrades());
    let (_, app) = w.saas_app(1);
    // With the policy on, the upgrade refusal says where downgrades go.
    let err = refused(&w, || w.market.order_upgrade(&w.alice, &app, "Standard", 5));
    assert_eq!(rule(&err), "PRC-4");
    assert!(err.to_string().contains("PRC-8"), "{err}");
    assert!(action(&w, &w.alice, &app, Action::ScheduleDowngrade).allowed);
    let scheduled = w.market.schedule_downgrade(&w.alice, &app, "Standard", 5).unwrap();
    let d = scheduled.scheduled_downgrade.clone().unwrap();
    assert_eq!((d.specification.as_str(), d.quantity), ("Standard", 5));
    assert_eq!(d.effective_at, at("2026-05-15T15:59:59Z"));
    assert_eq!(d.renewal_order, None);
    // Nothing changes before the end of the term.
    assert_eq!((scheduled.specification.as_str(), scheduled.quantity), ("Standard", 10));
    assert_eq!(w.market.app(&w.seller, &app).unwrap().scheduled_downgrade, Some(d.clone()), "the seller sees it");
    assert!(action(&w, &w.alice, &app, Action::CancelScheduledDowngrade).allowed);
    let upgrade = action(&w, &w.alice, &app, Action::Upgrade);
    assert_eq!((upgrade.allowed, upgrade.rule.as_deref()), (false, Some("PRC-8")));
    let err = refused(&w, || w.market.order_upgrade(&w.alice, &app, "Premium", 10));
    assert_eq!(rule(&err), "PRC-8");
    // The renewal is quoted with the scheduled configuration: 5 × 23.
    assert_eq!(w.market.quote_renewal(&w.alice, &app, 1, None).unwrap().total, money("115.00 USD"));
    w.tick_at("2026-05-15T15:59:59Z");
    assert_eq!(w.app(&app).quantity, 10);
    w.tick_at("2026-05-15T16:00:00Z");
    let a = w.app(&app);
    assert_eq!((a.specification.as_str(), a.quantity, a.status), ("Standard", 5, AppStatus::GracePeriod));
    assert_eq!(a.scheduled_downgrade, None);
    let records = w.market.records(&w.alice, &Target::App(app.clone()), 0, None).unwrap();
    assert!(
        records.iter().any(|e| matches!(
            &e.kind,
            EventKind::App(AppEvent::DowngradeApplied { from_quantity: 10, quantity: 5, .. })
        ))
    );
    // Renewed in grace at the new configuration.
    let order = w.market.renew(&w.alice, &app, 1, None).unwrap();
    assert_eq!((order.quantity, order.quote.total), (5, money("115.00 USD")));
}

#[test]
fn prc_8_a_renewal_paid_before_the_end_is_priced_with_it_and_locks_it() {
    let w = world_at("2026-04-15T02:00:00Z", downgrades());
    let (_, app) = w.saas_app(1);
    w.market.schedule_downgrade(&w.alice, &app, "Standard", 5).unwrap();
    let order = w.market.renew(&w.alice, &app, 2, None).unwrap();
    assert_eq!((order.specification.as_str(), order.quantity), ("Standard", 5));
    assert_eq!(order.quote.total, money("230.00 USD"), "2 months × 5 × 23");
    // While the renewal is unpaid, the schedule can be neither changed nor cancelled.
    let err = refused_as_listed(&w, &app, Action::ScheduleDowngrade, || {
        w.market.schedule_downgrade(&w.alice, &app, "Standard", 10)
    });
    assert_eq!(rule(&err), "PRC-8");
    let err = refused_as_listed(&w, &app, Action::CancelScheduledDowngrade, || {
        w.market.cancel_scheduled_downgrade(&w.alice, &app)
    });
    assert_eq!(rule(&err), "PRC-8");
    w.pay(&w.alice, &order);
    let a = w.app(&app);
    assert_eq!(a.quantity, 10, "the paid current term keeps its configuration");
    assert_eq!(a.scheduled_downgrade.as_ref().unwrap().renewal_order, Some(order.id.clone()));
    assert_eq!(a.expires_at(), Some(at("2026-07-15T15:59:59Z")));
    // Paid for: no longer cancellable or replaceable.
    let err = refused_as_listed(&w, &app, Action::CancelScheduledDowngrade, || {
        w.market.cancel_scheduled_downgrade(&w.alice, &app)
    });
    assert!(err.to_string().contains(order.id.as_str()), "{err}");
    let err = refused_as_listed(&w, &app, Action::ScheduleDowngrade, || {
        w.market.schedule_downgrade(&w.alice, &app, "Standard", 5)
    });
    assert_eq!(rule(&err), "PRC-8");
    // Applied at the old expiry; the app stays active in its renewed term.
    w.tick_at("2026-05-15T16:00:00Z");
    let a = w.app(&app);
    assert_eq!((a.quantity, a.status, a.scheduled_downgrade.clone()), (5, AppStatus::Active, None));
    assert_eq!(a.expires_at(), Some(at("2026-07-15T15:59:59Z")));
    assert!(action(&w, &w.alice, &app, Action::Upgrade).allowed);
}

#[test]
fn prc_8_auto_renewal_charges_the_scheduled_configuration() {
    let mut policy = downgrades();
    policy.auto_renewal_delivery_methods.push(DeliveryMethod::Saas);
    let w = world_at("2026-04-15T02:00:00Z", policy);
    let (_, app) = w.saas_app(1);
    w.market.set_auto_renewal(&w.alice, &app, 1, 0, 7, None).unwrap();
    w.market.schedule_downgrade(&w.alice, &app, "Standard", 5).unwrap();
    let charges = w.payments.charges().len();
    w.tick_at("2026-05-07T19:00:00Z");
    let receipts = w.payments.charges();
    assert_eq!(receipts.len(), charges + 1);
    assert_eq!(receipts.last().unwrap().amount, money("115.00 USD"));
    let a = w.app(&app);
    assert_eq!(a.quantity, 10);
    assert!(a.scheduled_downgrade.as_ref().unwrap().renewal_order.is_some());
    w.tick_at("2026-05-15T16:00:00Z");
    assert_eq!(w.app(&app).quantity, 5);
}

#[test]
fn prc_8_a_second_schedule_replaces_the_first_and_cancelling_drops_it() {
    let w = world_at("2026-04-15T02:00:00Z", downgrades());
    let p = w.list(appmarket::testing::fixtures::saas_draft());
    let (_, app) = w.buy(&p, "Premium", BillingMode::Monthly, 10, 1);
    w.market.schedule_downgrade(&w.alice, &app, "Premium", 5).unwrap();
    let second = w.market.schedule_downgrade(&w.alice, &app, "Standard", 10).unwrap();
    let d = second.scheduled_downgrade.unwrap();
    assert_eq!((d.specification.as_str(), d.quantity), ("Standard", 10));
    assert_eq!(w.market.quote_renewal(&w.alice, &app, 1, None).unwrap().total, money("230.00 USD"));
    let cancelled = w.market.cancel_scheduled_downgrade(&w.alice, &app).unwrap();
    assert_eq!(cancelled.scheduled_downgrade, None);
    assert_eq!(w.market.quote_renewal(&w.alice, &app, 1, None).unwrap().total, money("400.00 USD"));
    w.tick_at("2026-05-15T16:00:00Z");
    assert_eq!((w.app(&app).specification.as_str(), w.app(&app).quantity), ("Premium", 10));
}

#[test]
fn prc_8_targets_that_are_not_downgrades_and_wrong_callers_are_refused_and_change_nothing() {
    let w = world_at("2026-04-15T02:00:00Z", downgrades());
    let (_, app) = w.saas_app(1);
    for (spec, quantity) in [("Premium", 10), ("Standard", 20), ("Premium", 15)] {
        let err = refused(&w, || w.market.schedule_downgrade(&w.alice, &app, spec, quantity));
        assert_eq!(rule(&err), "PRC-8", "{spec} × {quantity}: {err}");
        assert!(err.to_string().contains("upgrade"), "{err}");
    }
    let err = refused(&w, || w.market.schedule_downgrade(&w.alice, &app, "Standard", 10));
    assert_eq!(rule(&err), "PRC-8");
    let err = refused(&w, || w.market.schedule_downgrade(&w.alice, &app, "Standard", 7));
    assert_eq!(field(&err), "quantity");
    assert!(matches!(
        refused(&w, || w.market.schedule_downgrade(&w.alice, &app, "Gold", 5)),
        Error::NotFound { .. } | Error::InvalidInput { .. }
    ));
    assert!(matches!(
        refused(&w, || w.market.schedule_downgrade(&w.bob, &app, "Standard", 5)),
        Error::Forbidden { .. }
    ));
    assert!(matches!(
        refused(&w, || w.market.schedule_downgrade(&w.seller, &app, "Standard", 5)),
        Error::Forbidden { .. }
    ));
    w.market.schedule_downgrade(&w.alice, &app, "Standard", 5).unwrap();
    assert!(matches!(refused(&w, || w.market.cancel_scheduled_downgrade(&w.bob, &app)), Error::Forbidden { .. }));
    let unknown = AppId::parse("APP-99999999").unwrap();
    assert!(matches!(
        refused(&w, || w.market.schedule_downgrade(&w.alice, &unknown, "Standard", 5)),
        Error::NotFound { .. }
    ));
}

#[test]
fn prc_8_images_pay_per_use_and_expired_apps_cannot_schedule() {
    let w = world_at("2026-04-15T02:00:00Z", downgrades());
    let (_, image) = w.image_app(BillingMode::Monthly, 1);
    let err = refused_as_listed(&w, &image, Action::ScheduleDowngrade, || {
        w.market.schedule_downgrade(&w.alice, &image, "Default", 1)
    });
    assert_eq!(rule(&err), "PRC-8");
    let (_, app) = w.saas_app(1);
    w.tick_at("2026-05-15T16:00:00Z");
    assert_eq!(w.app(&app).status, AppStatus::GracePeriod);
    let err = refused_as_listed(&w, &app, Action::ScheduleDowngrade, || {
        w.market.schedule_downgrade(&w.alice, &app, "Standard", 5)
    });
    assert_eq!(rule(&err), "PRC-8");
}

#[test]
fn prc_8_unsubscription_and_release_drop_the_scheduled_downgrade() {
    let w = world_at("2026-04-15T02:00:00Z", downgrades());
    let (_, app) = w.saas_app(1);
    let scheduled = w.market.schedule_downgrade(&w.alice, &app, "Standard", 5).unwrap();
    let ctx = Ctx::new(&Actor::System, w.market.now(), w.market.policy());
    for event in [AppEvent::Unsubscribed, AppEvent::Released] {
        let mut a = scheduled.clone();
        a.apply(&event, &ctx);
        assert_eq!(a.scheduled_downgrade, None, "{event:?}");
        assert_eq!(a.quantity, 10);
        assert_eq!(a.next_due(w.market.policy()), None);
    }
}

#[test]
fn prc_8_commands_run_as_json() {
    let w = world_at("2026-04-15T02:00:00Z", downgrades());
    let (_, app) = w.saas_app(1);
    let schedule =
        format!(r#"{{"do": "schedule_downgrade", "app": "{app}", "specification": "Standard", "quantity": 5}}"#);
    let out = w.market.run_json(&w.alice, &schedule).unwrap();
    assert!(out.contains("\"scheduled_downgrade\":{"), "{out}");
    let cancel = format!(r#"{{"do": "cancel_scheduled_downgrade", "app": "{app}"}}"#);
    let out = w.market.run_json(&w.alice, &cancel).unwrap();
    assert!(out.contains("\"scheduled_downgrade\":null"), "{out}");
}

#[test]
fn prc_8_an_app_at_the_cheapest_configuration_lists_no_downgrade() {
    let w = world_at("2026-04-15T02:00:00Z", downgrades());
    let p = w.list(appmarket::testing::fixtures::saas_draft());
    let (_, app) = w.buy(&p, "Standard", BillingMode::Monthly, 5, 1);
    let listed = action(&w, &w.alice, &app, Action::ScheduleDowngrade);
    assert_eq!((listed.allowed, listed.rule.as_deref()), (false, Some("PRC-8")));
    assert!(listed.reason.unwrap().contains("cheapest"));
    let err = refused(&w, || w.market.schedule_downgrade(&w.alice, &app, "Standard", 5));
    assert_eq!(rule(&err), "PRC-8");
}
