package dev.appmarket

import dev.appmarket.core.*
import dev.appmarket.core.Target // not kotlin.annotation.Target
import dev.appmarket.examples.imageDraft
import dev.appmarket.examples.quickProvisioning
import dev.appmarket.examples.usd
import java.time.Duration
import org.junit.jupiter.api.Assertions.assertEquals
import org.junit.jupiter.api.Assertions.assertTrue
import org.junit.jupiter.api.Test
import org.junit.jupiter.api.assertThrows

/** Pay-per-use metering (PRC-7): delete, arrears and the usage statement through the JVM binding. */
class PayPerUseTest {
    private fun World.hourlyApp(by: Actor, method: PaymentMethod): String {
        val product = market.listProduct(
            seller,
            ProductDraft(
                name = "Hourly Analytics",
                category = "Analytics",
                delivery = DeliveryMethod.SAAS,
                specifications = listOf(
                    Specification(name = "Hourly", plans = listOf(PricePlan(BillingMode.PAY_PER_USE, usd("0.30"), perUnit = false))),
                ),
            ),
        )
        val order = market.placeOrder(by, PurchaseRequest(product.id, "Hourly", BillingMode.PAY_PER_USE, quantity = 1u))
        assertEquals(usd("0.00"), order.quote.total)
        assertEquals(usd("0.30"), order.quote.hourlyRate)
        market.acceptTerms(by, order.id)
        return market.pay(by, order.id, method).app!!
    }

    @Test
    fun prc7TwoAndAHalfHoursThenDeletedIsThreeStartedHours() = World().use { w ->
        val alice = w.customer("alice")
        val app = w.hourlyApp(alice, PaymentMethod.CREDIT_CARD)
        assertEquals(0, w.payments.charges().size)
        w.clock.advance(Duration.ofHours(1))
        w.market.tick(Actor.System)
        w.clock.advance(Duration.ofMinutes(90))
        assertEquals(AppStatus.DELETED, w.market.deleteApp(alice, app).status)
        val statement = w.market.usageStatement(w.seller, app)
        assertEquals(3uL, statement.hours)
        assertEquals(usd("0.90"), statement.charged)
        assertEquals(listOf(1uL, 1uL, 1uL), statement.cycles.map { it.hours })
        val e = assertThrows<AppMarketException.NotAllowed> { w.market.deleteApp(alice, app) }
        assertEquals("PRC-7", e.rule)
    }

    @Test
    fun prc7ATickSettlesABoundedNumberPerAppAndRecordsComeInPages() = World().use { w ->
        val alice = w.customer("alice")
        val app = w.hourlyApp(alice, PaymentMethod.CREDIT_CARD)
        w.clock.advance(Duration.ofHours(30))
        assertEquals(1uL, w.market.tick(Actor.System).examined)
        assertEquals(24, w.market.usageStatement(alice, app).cycles.size) // maxSettlementsPerTick
        assertEquals(1uL, w.market.tick(Actor.System).examined, "still behind: still due")
        assertEquals(0uL, w.market.tick(Actor.System).examined)
        assertEquals(30uL, w.market.usageStatement(alice, app).hours)
        val target = Target.App(app)
        val everything = w.market.records(alice, target)
        val first = w.market.records(alice, target, limit = 10u)
        val rest = w.market.records(alice, target, after = first.last().seq)
        assertEquals(10, first.size)
        assertEquals(everything, first + rest)
    }

    @Test
    fun prc7ArrearsArePaidWithPayArrears() = World().use { w ->
        val alice = w.customer("alice")
        val app = w.hourlyApp(alice, PaymentMethod.BALANCE) // no balance: settlements decline
        w.clock.advance(Duration.ofHours(1))
        w.market.tick(Actor.System)
        assertEquals(AppStatus.GRACE_PERIOD, w.market.app(alice, app).status)
        assertEquals(usd("0.30"), w.market.usageStatement(alice, app).owed)
        val actions = w.market.availableActions(alice, Target.App(app)).associateBy { it.action }
        assertTrue(actions.getValue(Action.PAY_ARREARS).allowed)
        val restored = w.market.payArrears(alice, app, PaymentMethod.CREDIT_CARD)
        assertEquals(AppStatus.ACTIVE, restored.status)
        assertEquals(usd("0.00"), w.market.usageStatement(alice, app).owed)
    }

    @Test
    fun ord4AResellersCustomerSeesForReferenceOnlyFromTheFirstQuote() = World().use { w ->
        w.market.registerCustomer(CustomerAccount("dave", boundCard = false, creditEnabled = false, reseller = "reseller-9", level = null))
        val dave = Actor.Customer("dave")
        val request = PurchaseRequest(w.saas().id, "Standard", BillingMode.MONTHLY, quantity = 10u)
        val quote = w.market.quotePurchaseFor(dave, request)
        assertTrue(quote.forReferenceOnly)
        assertEquals(usd("230.00"), quote.total)
    }

    @Test
    fun img1QuickProvisioningBillsTheChosenMode() = World().use { w ->
        val alice = w.customer("alice")
        val image = w.market.listProduct(w.seller, imageDraft())
        // The tour's image is sold monthly only: pay-per-use is refused, naming the offered modes.
        val e = assertThrows<AppMarketException.NotAllowed> {
            w.market.provisionImage(alice, image.id, quickProvisioning().copy(quickMode = BillingMode.PAY_PER_USE), PaymentMethod.CREDIT_CARD)
        }
        assertEquals("CAT-2", e.rule)
        val order = w.market.provisionImage(alice, image.id, quickProvisioning().copy(quickMode = BillingMode.MONTHLY), PaymentMethod.CREDIT_CARD)
        assertEquals(BillingMode.MONTHLY, order.mode)
        assertEquals(OrderStatus.COMPLETED, order.status)
    }
}
