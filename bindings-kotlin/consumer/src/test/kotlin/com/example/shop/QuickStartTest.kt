package com.example.shop

import dev.appmarket.ManualClock
import dev.appmarket.Marketplace
import dev.appmarket.SearchQuery
import dev.appmarket.core.*
import java.math.BigDecimal
import java.time.Instant
import org.junit.jupiter.api.Assertions.assertEquals
import org.junit.jupiter.api.Assertions.assertNull
import org.junit.jupiter.api.Test

/** A SaaS product at 23 USD per licence a month, as in the README. */
fun saasDraft() = ProductDraft(
    name = "Coremail Pro Email Hosting",
    category = "Collaboration",
    delivery = DeliveryMethod.SAAS,
    tags = listOf("email"),
    specifications = listOf(
        Specification(
            name = "Standard",
            quantity = QuantityAttribute(name = "Number of Licenses", min = 5u, max = 1000u, step = 5u),
            plans = listOf(PricePlan(BillingMode.MONTHLY, Money(BigDecimal("23"), "USD"), perUnit = true)),
        ),
    ),
)

/** The README's Kotlin quick start, run against the installed jar alone. */
class QuickStartTest {
    @Test
    fun readmeQuickStart() {
        assertNull(System.getProperty("jna.library.path"), "the native library must come from the jar")
        // `make test-jar` names the platform each run is on (-Dappmarket.platform): the library the
        // jar carries at that JNA resource path is the one loaded.
        System.getProperty("appmarket.platform")?.let { assertEquals(it, com.sun.jna.Platform.RESOURCE_PREFIX) }
        println("appmarket: quick start on ${com.sun.jna.Platform.RESOURCE_PREFIX} (${System.getProperty("java.vm.name")})")
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
            assertEquals("230.00", order.quote.total.amount.toPlainString())
            assertEquals("ORD-2", refused)
            assertEquals(OrderStatus.COMPLETED, paid.status)
        }
    }
}
