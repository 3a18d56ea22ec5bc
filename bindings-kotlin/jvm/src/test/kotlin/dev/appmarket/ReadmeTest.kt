package dev.appmarket

import dev.appmarket.core.*
import dev.appmarket.examples.saasDraft
import java.time.Instant
import org.junit.jupiter.api.Assertions.assertEquals
import org.junit.jupiter.api.Test

/** The README's Kotlin quick start, kept compiling and passing. */
class ReadmeTest {
    @Test
    fun quickStart() {
        // README: Kotlin quick start (begin)
        val clock = ManualClock(Instant.parse("2026-04-15T02:00:00Z"))
        Marketplace(clock = clock).use { market ->
            market.listProduct(Actor.Seller("isv-1"), saasDraft()) // 23 USD per licence a month
            market.registerCustomer(CustomerAccount("alice", boundCard = true, creditEnabled = false, reseller = null, level = null))
            val alice = Actor.Customer("alice")
            val product = market.search(SearchQuery(text = "email")).items.first()
            val order = market.placeOrder(alice, PurchaseRequest(product.id, "Standard", BillingMode.MONTHLY, quantity = 10u))
            println(order.quote.total) // Money(amount=230.00, currency=USD)
            market.acceptTerms(alice, order.id)
            val refused = try {
                market.pay(alice, order.id, PaymentMethod.CREDIT)
                null
            } catch (e: AppMarketException.NotAllowed) {
                e.rule // "ORD-2": credit payment is not enabled for this account
            }
            val paid = market.pay(alice, order.id, PaymentMethod.CREDIT_CARD)
            // README: Kotlin quick start (end)
            assertEquals("230.00", order.quote.total.amount.toPlainString())
            assertEquals("ORD-2", refused)
            assertEquals(OrderStatus.COMPLETED, paid.status)
        }
    }
}
