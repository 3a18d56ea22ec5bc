package dev.appmarket

import dev.appmarket.core.*
import dev.appmarket.examples.saasDraft
import dev.appmarket.examples.usd
import java.math.BigDecimal
import java.time.Duration
import java.time.Instant
import org.junit.jupiter.api.Assertions.assertEquals
import org.junit.jupiter.api.Assertions.assertTrue
import org.junit.jupiter.api.Test
import org.junit.jupiter.api.assertThrows

/** Every error kind arrives as its own subclass of the sealed AppMarketException. */
class ErrorsTest {
    private fun kind(e: AppMarketException): String = when (e) { // exhaustive: sealed class
        is AppMarketException.InvalidInput -> "invalid_input:${e.field}"
        is AppMarketException.NotFound -> "not_found:${e.what}"
        is AppMarketException.NotAllowed -> "not_allowed:${e.rule}"
        is AppMarketException.Forbidden -> "forbidden"
        is AppMarketException.Conflict -> "conflict"
        is AppMarketException.PaymentDeclined -> "payment_declined"
        is AppMarketException.Gateway -> "gateway" // a host gateway that throws: GatewayTest
        is AppMarketException.Storage -> "storage" // only from a failing store: not reachable from Kotlin (in-memory store)
        is AppMarketException.Gateway -> "gateway"
    }

    @Test
    fun everyErrorKindIsItsOwnClass() = World().use { w ->
        val m = w.market
        val alice = w.customer("alice")
        val product = w.saas()
        val request = PurchaseRequest(product.id, "Standard", BillingMode.MONTHLY, 10u)

        val invalid = assertThrows<AppMarketException.InvalidInput> { m.savedList(Actor.Customer("")) }
        assertEquals("customer_id", invalid.field)
        assertTrue(invalid.reason.contains("empty"))
        assertTrue(invalid.message!!.contains("customer_id"), invalid.message)

        val notFound = assertThrows<AppMarketException.NotFound> { m.product("PRD-99999999") }
        assertEquals("PRD-99999999", notFound.id)

        val noCard = w.customer("carol", boundCard = false)
        val notAllowed = assertThrows<AppMarketException.NotAllowed> { m.placeOrder(noCard, request) }
        assertEquals("ORD-2", notAllowed.rule)

        val order = m.placeOrder(alice, request)
        assertThrows<AppMarketException.Forbidden> { m.order(Actor.Customer("mallory"), order.id) }
        assertThrows<AppMarketException.Forbidden> { m.tick(alice) }

        m.acceptTerms(alice, order.id, requestId = "req-1")
        val conflict = assertThrows<AppMarketException.Conflict> { m.cancelOrder(alice, order.id, requestId = "req-1") }
        assertTrue(conflict.reason.contains("req-1"))

        w.payments.declineNext("alice", "card expired")
        val declined = assertThrows<AppMarketException.PaymentDeclined> { m.pay(alice, order.id, PaymentMethod.CREDIT_CARD) }
        assertEquals("card expired", declined.reason)
        assertEquals(OrderStatus.CANCELLED, m.order(alice, order.id).status) // ORD-3: the decline is recorded

        assertEquals("not_allowed:ORD-2", kind(notAllowed))
        assertEquals(0, w.payments.charges().size)
    }

    @Test
    fun badInputRaisesTypedExceptions() = World().use { w ->
        val m = w.market
        val alice = w.customer("alice")
        val product = w.saas()
        fun field(block: () -> Unit): String = assertThrows<AppMarketException.InvalidInput>(block).field

        // Negative amounts.
        assertEquals("min_price", field { m.search(SearchQuery(minPrice = usd("-1"))) })
        val negative = saasDraft().let { d -> d.copy(specifications = listOf(d.specifications[0].copy(plans = listOf(PricePlan(BillingMode.MONTHLY, usd("-23"), true))))) }
        assertEquals("price", field { m.listProduct(w.seller, negative) })
        // Amounts beyond rust_decimal's range, and bad currencies.
        assertEquals("amount", field { m.search(SearchQuery(maxPrice = Money(BigDecimal("1E+40"), "USD"))) })
        assertEquals("currency", field { m.search(SearchQuery(maxPrice = Money(BigDecimal.ONE, "usd"))) })
        // Blank and malformed ids.
        assertEquals("product_id", field { m.product("") })
        assertEquals("product_id", field { m.product("   ") })
        assertEquals("seller_id", field { m.listProduct(Actor.Seller(""), saasDraft()) })
        assertEquals("request_id", field { m.placeOrder(alice, PurchaseRequest(product.id, "Standard", BillingMode.MONTHLY, 10u), requestId = "") })
        assertEquals("customer_id", field { m.registerCustomer(CustomerAccount("a".repeat(65), true, false, null, null)) })
        // Over-long text, and text with a NUL or another control character: the field's path.
        assertEquals("query.text", field { m.search(SearchQuery(text = "x".repeat(201))) })
        assertEquals("draft.name", field { m.listProduct(w.seller, saasDraft(name = "n".repeat(201))) })
        assertEquals("draft.name", field { m.listProduct(w.seller, saasDraft(name = "Mail\u0000Pro")) })
        assertEquals("filter.name", field { m.apps(alice, AppFilter(name = "\u001b[2J"), 1u, 10u) })
        assertEquals("name", field { m.listProduct(w.seller, saasDraft(name = " ")) })
        // Out-of-range counts.
        fun req(quantity: UInt, periods: UInt = 1u) = PurchaseRequest(product.id, "Standard", BillingMode.MONTHLY, quantity, periods)
        assertEquals("quantity", field { m.placeOrder(alice, req(0u)) })
        assertEquals("quantity", field { m.placeOrder(alice, req(7u)) })
        assertEquals("quantity", field { m.quotePurchase(req(UInt.MAX_VALUE)) })
        assertEquals("periods", field { m.quotePurchase(req(10u, 10u)) })
        assertEquals("periods", field { m.quotePurchase(req(10u, 0u)) })
        assertEquals("page", field { m.orders(alice, OrderFilter(), 0u, 10u) })
        assertEquals("page_size", field { m.apps(alice, AppFilter(), 1u, 100_000u) })
        assertEquals("page_size", field { m.search(SearchQuery(pageSize = 0u)) })
        // Time never goes backwards, and instants beyond year 9999 are refused, not crashed on.
        assertEquals("clock", field { w.clock.advance(Duration.ofSeconds(-1)) })
        assertEquals("clock", field { w.clock.set(w.t0.minusSeconds(1)) })
        assertEquals("instant", field { w.clock.set(Instant.parse("+10000-01-01T00:00:00Z")) })
        // Policies: bad JSON and inconsistent values.
        assertEquals("policy", field { Policy.fromJson("{not json") })
        assertEquals("policy", field { Policy.fromJson("""{"no_such_field": 1}""") })
        assertThrows<AppMarketException.InvalidInput> { Policy.fromJson("""{"upgrade_discount": "2"}""") }
        // Nothing was changed by any refusal (ACC-2).
        assertEquals(0uL, m.orders(alice, OrderFilter(), 1u, 10u).total)
    }
}
