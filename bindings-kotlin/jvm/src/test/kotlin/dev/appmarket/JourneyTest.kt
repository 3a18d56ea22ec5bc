package dev.appmarket

import dev.appmarket.core.*
import dev.appmarket.core.Target // not kotlin.annotation.Target
import dev.appmarket.examples.imageDraft
import dev.appmarket.examples.quickProvisioning
import dev.appmarket.examples.usd
import java.math.BigDecimal
import java.time.Duration
import java.time.Instant
import org.junit.jupiter.api.Assertions.assertEquals
import org.junit.jupiter.api.Assertions.assertFalse
import org.junit.jupiter.api.Assertions.assertNotNull
import org.junit.jupiter.api.Assertions.assertNull
import org.junit.jupiter.api.Assertions.assertTrue
import org.junit.jupiter.api.Test
import org.junit.jupiter.api.assertThrows

/** One full journey on the manual clock, calling every exported method at least once. */
class JourneyTest {
    @Test
    fun fullJourneyOnTheManualClock() = World().use { w ->
        val m = w.market
        assertEquals(w.t0, m.now())
        assertTrue(m.policy().toJson().contains(Regex(""""order_payment_timeout_days"\s*:\s*7\b""")))

        // Accounts and catalog.
        val alice = w.customer("alice")
        val product = w.saas()
        val image = m.listProduct(w.seller, imageDraft(), requestId = "list-image")
        assertEquals(product, m.product(product.id))
        assertEquals(w.t0, product.listedAt)
        assertEquals(0, BigDecimal("23.00").compareTo(product.specifications[0].plans[0].price.amount))
        assertFalse(m.delistProduct(w.seller, image.id).listed)
        assertEquals(0uL, m.search(SearchQuery(text = "lamp")).total)
        assertTrue(m.relistProduct(w.seller, image.id).listed)
        val page = m.search(SearchQuery(text = "email", billingMode = BillingMode.MONTHLY, maxPrice = usd("30"), sort = SortOrder.PRICE_ASCENDING))
        assertEquals(listOf(product.id), page.items.map { it.id })
        assertEquals(1u, page.page)

        // Saved list.
        m.saveToList(alice, product.id, "Standard")
        m.saveToList(alice, image.id, null)
        assertEquals(listOf(image.id), m.removeFromList(alice, product.id).items.map { it.product })
        m.saveToList(alice, product.id, "Standard", requestId = "save-1")
        val saved = m.savedList(alice)
        assertEquals("alice", saved.customer)
        assertEquals(2, saved.items.size)
        assertTrue(m.runJson(alice, """{"do": "saved_list"}""").contains(product.id), "the JSON command path reaches the same facade")
        assertEquals(w.t0, saved.items[0].savedAt)

        // Orders: quote, place from the list, accept, pay.
        val request = PurchaseRequest(product.id, "Standard", BillingMode.MONTHLY, quantity = 10u)
        val quote = m.quotePurchase(request)
        assertEquals(Money(BigDecimal("230.00"), "USD"), quote.total)
        val order = m.buyFromList(alice, request, requestId = "buy-1")
        assertEquals(order, m.buyFromList(alice, request, requestId = "buy-1"), "a replayed request id returns the first result")
        assertEquals(OrderStatus.PENDING_PAYMENT, order.status)
        assertEquals(OrderKind.Purchase, order.kind)
        assertEquals(quote, order.quote)
        val actions = m.availableActions(alice, Target.Order(order.id))
        assertEquals(false, actions.single { it.action == Action.PAY }.allowed)
        assertNotNull(actions.single { it.action == Action.PAY }.rule)
        assertNotNull(m.acceptTerms(alice, order.id).termsAcceptedAt)
        val paid = m.pay(alice, order.id, PaymentMethod.CREDIT_CARD)
        assertEquals(OrderStatus.COMPLETED, paid.status)
        assertEquals(PaymentMethod.CREDIT_CARD, paid.payment!!.method)
        assertEquals(listOf(paid), m.orders(alice, OrderFilter(status = OrderStatus.COMPLETED), 1u, 10u).items)
        assertEquals(paid, m.order(w.seller, order.id))

        // A second order, cancelled.
        val other = m.placeOrder(alice, request)
        assertEquals(OrderStatus.CANCELLED, m.cancelOrder(alice, other.id).status)

        // Apps: the purchase made one; the seller gives its information and a password.
        val app = m.apps(alice, AppFilter(), 1u, 20u).items.single()
        assertEquals(paid.app, app.id)
        assertEquals(AppStatus.ACTIVE, app.status)
        assertEquals(10u, app.quantity)
        val term = app.term!!
        assertEquals(w.t0, term.startedAt)
        assertEquals(java.time.LocalDate.of(2026, 4, 15), term.anchor)
        val info = ApplicationInfo(username = "admin", managementUrl = "https://mail.example/admin")
        assertTrue(m.provideApplicationInfo(w.seller, app.id, info, password = SecretText("S3cret!pw")).info.hasPassword)
        assertEquals("S3cret!pw", m.revealPassword(alice, app.id).value)

        // Mid-month upgrade: itemised, the expiry does not move.
        w.clock.advance(Duration.ofDays(10))
        val upgradeQuote = m.quoteUpgrade(alice, app.id, "Standard", 20u)
        // The old and new configuration, and a labelled rounding residue where one is left (PRC-2).
        assertTrue(upgradeQuote.lines.size >= 2, upgradeQuote.lines.toString())
        assertEquals(0, upgradeQuote.lines.fold(java.math.BigDecimal.ZERO) { sum, l -> sum + l.amount.amount }.compareTo(upgradeQuote.total.amount))
        val upgrade = m.orderUpgrade(alice, app.id, "Standard", 20u)
        assertEquals(upgradeQuote.total, upgrade.quote.total)
        assertTrue(upgrade.kind is OrderKind.Upgrade)
        m.acceptTerms(alice, upgrade.id)
        m.pay(alice, upgrade.id, PaymentMethod.CREDIT_CARD)
        val upgraded = m.app(alice, app.id)
        assertEquals(20u, upgraded.quantity)
        assertEquals(term.expiresAt, upgraded.term!!.expiresAt)

        // Image by quick provisioning, paid from the balance as the servers are created; without a
        // method it is refused (IMG-1).
        w.payments.setBalance("alice", usd("1000"))
        val imageQuote = m.quoteImage(alice, image.id, quickProvisioning())
        assertFalse(imageQuote.forReferenceOnly)
        val noMethod = assertThrows<AppMarketException.InvalidInput> { m.provisionImage(alice, image.id, quickProvisioning()) }
        assertEquals("method", noMethod.field)
        val imagePaid = m.provisionImage(alice, image.id, quickProvisioning(), PaymentMethod.BALANCE, requestId = "img-1")
        assertEquals(imageQuote, imagePaid.quote)
        assertTrue(imagePaid.kind is OrderKind.Image)
        assertEquals(OrderStatus.COMPLETED, imagePaid.status)
        assertEquals(0, BigDecimal("1000").subtract(imageQuote.total.amount).compareTo(w.payments.balance("alice")!!.amount))
        assertEquals("Cloud#2026x", m.revealPassword(alice, imagePaid.app!!).value)
        assertEquals("***", quickProvisioning().toString().substringAfter("loginPassword=").substringBefore(","))

        // A month on: tick moves the apps into their grace period.
        w.clock.set(w.t0.plus(Duration.ofDays(41)))
        val report = m.tick(Actor.System)
        assertTrue(report.changed >= 2uL, "$report")
        assertEquals(AppStatus.GRACE_PERIOD, m.app(alice, app.id).status)

        // Records, events, payments.
        val records = m.records(alice, Target.App(app.id))
        assertTrue(records.any { it.kind.contains("password_revealed") && it.actor == alice }, "$records")
        val events = m.eventsSince(0u, 1000u)
        assertEquals((1..events.size).map { it.toULong() }, events.map { it.seq })
        assertEquals(events.drop(3), m.eventsSince(3u, 1000u))
        assertFalse(events.any { it.kind.contains("S3cret") || it.kind.contains("Cloud#2026x") })
        assertEquals(3, w.payments.charges().size)
        assertEquals(emptyList<Receipt>(), w.payments.refunds())
        assertNull(w.payments.balance("bob"))
    }

    @Test
    fun policyFromJsonAndInstantsAreLossless() {
        val policy = Policy.fromJson("""{"order_payment_timeout_days": 3}""")
        assertTrue(policy.toJson().contains(Regex(""""order_payment_timeout_days"\s*:\s*3\b""")))
        assertTrue(Policy().toJson().contains(Regex(""""order_payment_timeout_days"\s*:\s*7\b""")))
        World(policy).use { w ->
            val alice = w.customer("alice")
            val order = w.market.placeOrder(alice, PurchaseRequest(w.saas().id, "Standard", BillingMode.MONTHLY, 10u))
            w.clock.advance(Duration.ofDays(3))
            w.market.tick(Actor.System)
            assertEquals(OrderStatus.CANCELLED, w.market.order(alice, order.id).status)
        }
        // Instants cross as RFC 3339 text (nanoseconds); core's ManualClock keeps microseconds.
        val precise = Instant.parse("2026-04-15T02:00:00.123456Z")
        ManualClock(precise).use { assertEquals(precise, it.now()) }
        ManualClock(Instant.parse("2026-04-15T02:00:00.123456789Z")).use { assertEquals(precise, it.now()) }
        // Amounts keep the scale they were given (prices), or the currency's scale (quotes).
        World().use { w ->
            val p = w.saas()
            assertEquals(usd("23"), p.specifications[0].plans[0].price)
            assertEquals("230.00", w.market.quotePurchase(PurchaseRequest(p.id, "Standard", BillingMode.MONTHLY, 10u)).total.amount.toPlainString())
        }
    }
}
