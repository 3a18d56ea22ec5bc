package dev.appmarket

import dev.appmarket.core.*
import dev.appmarket.core.Target // not kotlin.annotation.Target
import java.math.BigDecimal
import java.time.Duration
import java.time.Instant
import org.junit.jupiter.api.Assertions.assertEquals
import org.junit.jupiter.api.Test
import org.junit.jupiter.api.assertThrows

/** The preview of upcoming charges (UPC-1..3) through the JVM binding. */
class UpcomingTest {
    @Test
    fun upc1TheChargeIsPreviewedAndNothingChanges() = World(
        Policy.fromJson("""{"auto_renewal_delivery_methods": ["saas"]}"""),
    ).use { w ->
        val alice = w.customer("alice")
        val app = w.buy(alice, w.saas()).app!!
        w.market.setAutoRenewal(alice, app, 1u, 0u, 0u)
        val before = w.market.app(alice, app)
        val page = w.market.upcoming(alice, w.t0 + Duration.ofDays(35))
        assertEquals(1uL, page.total)
        val items = page.items.single().items
        assertEquals(
            listOf(UpcomingKind.EXPIRY_REMINDER, UpcomingKind.EXPIRY_REMINDER, UpcomingKind.EXPIRY_REMINDER, UpcomingKind.AUTO_RENEWAL_CHARGE),
            items.map { it.kind },
        )
        val charge = items.last()
        assertEquals(Instant.parse("2026-05-14T19:00:00Z"), charge.at)
        assertEquals(Target.App(app), charge.target)
        assertEquals(0, BigDecimal("230.00").compareTo(charge.amount!!.amount))
        assertEquals(PaymentMethod.CREDIT_CARD, charge.method)
        assertEquals(1u, charge.attempt)
        assertEquals(Instant.parse("2026-06-15T15:59:59Z"), charge.expiresAt)
        assertEquals(before, w.market.app(alice, app))
    }

    @Test
    fun upc2And3WhoMaySeeItAndHowFar() = World().use { w ->
        val alice = w.customer("alice")
        val bob = w.customer("bob")
        w.buy(alice, w.saas())
        val until = w.t0 + Duration.ofDays(30)
        assertThrows<AppMarketException.Forbidden> { w.market.upcoming(w.seller, until) }
        assertThrows<AppMarketException.Forbidden> { w.market.upcoming(bob, until, customer = "alice") }
        val every = w.market.upcoming(Actor.Operator("ops"), until, pageSize = 5u)
        assertEquals(listOf("alice"), every.items.map { it.customer })
        val e = assertThrows<AppMarketException.InvalidInput> { w.market.upcoming(alice, w.t0 - Duration.ofSeconds(1)) }
        assertEquals("until", e.field)
    }
}
