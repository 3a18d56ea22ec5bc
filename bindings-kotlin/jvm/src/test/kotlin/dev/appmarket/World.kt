package dev.appmarket

import dev.appmarket.core.*
import dev.appmarket.examples.saasDraft
import java.time.Instant

/** A marketplace on a manual clock, with its payments in reach (like core's tests/support). */
class World(policy: Policy? = null) : AutoCloseable {
    val t0: Instant = Instant.parse("2026-04-15T02:00:00Z")
    val clock = ManualClock(t0)
    val payments = SimulatedPayments()
    val market = Marketplace(policy = policy, clock = clock, payments = payments)
    val seller = Actor.Seller("isv-1")

    fun customer(id: String, boundCard: Boolean = true): Actor.Customer {
        market.registerCustomer(CustomerAccount(id, boundCard = boundCard, creditEnabled = false, reseller = null, level = null))
        return Actor.Customer(id)
    }

    fun saas(name: String = "Coremail Pro Email Hosting"): Product = market.listProduct(seller, saasDraft(name))

    fun buy(by: Actor, product: Product, quantity: UInt = 10u): Order {
        val order = market.placeOrder(by, PurchaseRequest(product.id, "Standard", BillingMode.MONTHLY, quantity = quantity))
        market.acceptTerms(by, order.id)
        return market.pay(by, order.id, PaymentMethod.CREDIT_CARD)
    }

    override fun close() {
        market.close()
        payments.close()
        clock.close()
    }
}
