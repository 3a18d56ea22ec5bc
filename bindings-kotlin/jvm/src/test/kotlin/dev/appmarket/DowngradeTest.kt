package dev.appmarket

import dev.appmarket.core.*
import dev.appmarket.core.Target // not kotlin.annotation.Target
import java.time.Instant
import org.json.JSONObject
import org.junit.jupiter.api.Assertions.assertEquals
import org.junit.jupiter.api.Assertions.assertFalse
import org.junit.jupiter.api.Assertions.assertNull
import org.junit.jupiter.api.Assertions.assertTrue
import org.junit.jupiter.api.Test
import org.junit.jupiter.api.assertThrows

/** Downgrade at renewal (PRC-8) and dunning as data (REN-7) through the JVM binding. */
class DowngradeTest {
    private fun World.actions(by: Actor, app: String) = market.availableActions(by, Target.App(app)).associateBy { it.action }

    @Test
    fun prc8RefusedByDefaultNamingTheListedRule() = World().use { w ->
        val alice = w.customer("alice")
        val app = w.buy(alice, w.saas()).app!!
        val before = w.market.app(alice, app)
        val listed = w.actions(alice, app).getValue(Action.SCHEDULE_DOWNGRADE)
        val e = assertThrows<AppMarketException.NotAllowed> { w.market.scheduleDowngrade(alice, app, "Standard", 5u) }
        assertEquals("PRC-8", e.rule)
        assertFalse(listed.allowed)
        assertEquals(e.rule, listed.rule)
        assertEquals(before, w.market.app(alice, app))
    }

    @Test
    fun prc8DowngradeScheduledThenAppliedByTick() = World(Policy.fromJson("""{"downgrade_at_renewal": true}""")).use { w ->
        val alice = w.customer("alice")
        val app = w.buy(alice, w.saas()).app!!
        assertTrue(w.actions(alice, app).getValue(Action.SCHEDULE_DOWNGRADE).allowed)
        val scheduled = w.market.scheduleDowngrade(alice, app, "Standard", 5u)
        val d = scheduled.scheduledDowngrade!!
        assertEquals("Standard" to 5u, d.specification to d.quantity)
        assertEquals(scheduled.term!!.expiresAt, d.effectiveAt)
        assertEquals(10u, scheduled.quantity)
        assertEquals("PRC-8", w.actions(alice, app).getValue(Action.UPGRADE).rule)
        assertNull(w.market.cancelScheduledDowngrade(alice, app).scheduledDowngrade)
        val e = assertThrows<AppMarketException.NotAllowed> { w.market.cancelScheduledDowngrade(alice, app) }
        assertEquals(w.actions(alice, app).getValue(Action.CANCEL_SCHEDULED_DOWNGRADE).rule, e.rule)
        w.market.scheduleDowngrade(alice, app, "Standard", 5u)
        w.clock.set(Instant.parse("2026-05-15T16:00:00Z"))
        w.market.tick(Actor.System)
        val after = w.market.app(alice, app)
        assertEquals(5u, after.quantity)
        assertEquals(AppStatus.GRACE_PERIOD, after.status)
        assertNull(after.scheduledDowngrade)
    }

    @Test
    fun ren7DeclinedChargesAreEventsWithTheNextAttemptFromThePolicy() = World(
        Policy.fromJson("""{"auto_renewal_delivery_methods": ["saas"], "auto_renewal_retries": [{"hours": 6}]}"""),
    ).use { w ->
        val alice = w.customer("alice")
        val app = w.buy(alice, w.saas()).app!!
        w.market.setAutoRenewal(alice, app, 1u, 0u, 0u)
        w.payments.declineNext("alice", "card expired")
        w.clock.set(Instant.parse("2026-05-14T19:00:00Z"))
        w.market.tick(Actor.System)
        val declined = w.market.eventsSince(0u, 1000u)
            .mapNotNull { JSONObject(it.kind).optJSONObject("event") }
            .filter { it.optString("type") == "charge_declined" }
        assertEquals(1, declined.size)
        assertEquals(1, declined[0].getInt("attempt"))
        assertEquals("2026-05-15T01:00:00Z", declined[0].getString("next_attempt_at"))
        w.clock.set(Instant.parse("2026-05-15T01:00:00Z"))
        w.market.tick(Actor.System)
        assertEquals(Instant.parse("2026-06-15T15:59:59Z"), w.market.app(alice, app).term!!.expiresAt)
    }
}
