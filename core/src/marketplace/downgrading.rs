//! Downgrade at renewal (PRC-8): scheduling and cancelling a cheaper configuration for the end
//! of the term. `tick` applies it (LIFE-1 pass) and renewals are priced with it (REN-1).

use super::{Marketplace, Unit};
use crate::actions::{Action, Availability};
use crate::actor::{Actor, AppId, Target};
use crate::app::{AppCommand, PurchasedApp};
use crate::downgrade;
use crate::error::Error;
use crate::text::Text;

impl Marketplace {
    /// Schedules a downgrade of an app — a cheaper specification or fewer units — for the end
    /// of its current term, where the policy's `downgrade_at_renewal` allows it (PRC-8; without
    /// it a downgrade is refused, PRC-4). Renewals paid from now on are priced with it, and
    /// `tick` applies it when the term ends. A second schedule replaces the first; unsubscribing
    /// drops it; an upgrade is refused while it is scheduled. Only the app's customer may.
    pub(super) fn schedule_downgrade_in(
        &self,
        unit: &mut Unit<'_>,
        app: &AppId,
        specification: &str,
        quantity: u32,
    ) -> Result<PurchasedApp, Error> {
        self.check_text("specification", specification, Text::Name)?;

        let cmd = AppCommand::ScheduleDowngrade { specification: specification.to_owned(), quantity };
        self.app_command_checked(unit, app, cmd, |actor, current| {
            current.check_may_schedule_downgrade(actor, &self.policy)?;
            let product = self.shared_product(&current.product)?;
            downgrade::check_has_cheaper(current, &product)?;
            downgrade::check_target(current, &product, specification, quantity)
        })
    }

    /// Cancels the scheduled downgrade of an app, unless a renewal was already paid at its price
    /// (PRC-8). Only the app's customer may.
    pub(super) fn cancel_scheduled_downgrade_in(
        &self,
        unit: &mut Unit<'_>,
        app: &AppId,
    ) -> Result<PurchasedApp, Error> {
        self.app_command_checked(unit, app, AppCommand::CancelScheduledDowngrade, |_, _| Ok(()))
    }

    /// Runs an app command after `check`, which sees the actor and the current app.
    fn app_command_checked(
        &self,
        unit: &mut Unit<'_>,
        app: &AppId,
        cmd: AppCommand,
        check: impl Fn(&Actor, &PurchasedApp) -> Result<(), Error>,
    ) -> Result<PurchasedApp, Error> {
        let target = Target::App(app.clone());
        let actor = unit.actor();
        check(actor, unit.get::<PurchasedApp>(&target)?)?;
        Ok(unit.decide::<PurchasedApp>(&target, &cmd)?.clone())
    }

    /// The downgrade buttons of an app (PRC-8), from the same checks as the commands.
    pub(crate) fn downgrade_actions(&self, by: &Actor, app: &PurchasedApp) -> Vec<Availability> {
        vec![
            Availability::from_check(
                Action::ScheduleDowngrade,
                app.check_may_schedule_downgrade(by, &self.policy).and_then(|()| {
                    let product = self.shared_product(&app.product)?;
                    downgrade::check_has_cheaper(app, &product)
                }),
            ),
            Availability::from_check(Action::CancelScheduledDowngrade, app.check_may_cancel_downgrade(by)),
        ]
    }
}
