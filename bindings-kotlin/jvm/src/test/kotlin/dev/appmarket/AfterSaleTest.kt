package dev.appmarket

import dev.appmarket.core.*
import dev.appmarket.examples.imageDraft
import dev.appmarket.examples.quickProvisioning
import dev.appmarket.examples.usd
import java.math.BigDecimal
import java.time.Duration
import org.junit.jupiter.api.Assertions.assertEquals
import org.junit.jupiter.api.Assertions.assertFalse
import org.junit.jupiter.api.Assertions.assertNotNull
import org.junit.jupiter.api.Assertions.assertNull
import org.junit.jupiter.api.Assertions.assertTrue
import org.junit.jupiter.api.Test
import org.junit.jupiter.api.assertThrows

/** Service supervision, appeals, renewals, unsubscription and invoices through the typed API. */
class AfterSaleTest {
    private fun serviceDraft() = ProductDraft(
        name = "Website Migration Service",
        category = "Professional Services",
        delivery = DeliveryMethod.PROFESSIONAL_SERVICE,
        specifications = listOf(
            Specification(name = "Basic Migration", plans = listOf(PricePlan(BillingMode.ONE_TIME, usd("500"), perUnit = false))),
        ),
    )

    private fun licenceDraft() = ProductDraft(
        name = "Antivirus Server License",
        category = "Security",
        delivery = DeliveryMethod.LICENSE,
        specifications = listOf(
            Specification(name = "Annual License", plans = listOf(PricePlan(BillingMode.MONTHLY, usd("100"), perUnit = false))),
        ),
    )

    private fun World.buyOne(by: Actor, product: Product, spec: String, mode: BillingMode): Order {
        val order = market.placeOrder(by, PurchaseRequest(product.id, spec, mode, quantity = 1u))
        market.acceptTerms(by, order.id)
        return market.pay(by, order.id, PaymentMethod.CREDIT_CARD)
    }

    @Test
    fun aSupervisedServiceCompletesThreeHoursAfterAcceptance() = World().use { w ->
        val m = w.market
        val alice = w.customer("alice")
        val service = m.listProduct(w.seller, serviceDraft())
        val order = w.buyOne(alice, service, "Basic Migration", BillingMode.ONE_TIME)
        assertEquals(OrderStatus.PROCESSING, order.status)
        val flow = m.flowOfOrder(alice, order.id)
        assertEquals(FlowStatus.AWAITING_REQUEST, flow.status)
        assertEquals("Customer submits request", flow.statusText)
        assertEquals(FlowKind.PROFESSIONAL_SERVICE, flow.kind)
        assertEquals(flow.id, m.flow(alice, flow.id).id)
        assertEquals(1uL, m.flows(alice, FlowFilter(), 1u, 10u).total)
        // The filter's kinds: Standard, SaaS, License and 5G NaaS (SUP-1); no page size is the policy's.
        assertEquals(0uL, m.flows(alice, FlowFilter(kind = FlowKind.FIVE_G_NAAS), 1u, null).total)
        assertEquals(20u, m.flows(alice, FlowFilter(), 1u, null).pageSize)

        val tooLong = assertThrows<AppMarketException.InvalidInput> { m.submitRequest(alice, flow.id, ServiceRequest("x".repeat(1001))) }
        assertEquals("request.description", tooLong.field)
        val submitted = m.submitRequest(alice, flow.id, ServiceRequest("Migrate www.example.com; the admin password is in the sheet.", listOf(Attachment("plan.pdf", 1000uL))))
        assertTrue(submitted.warnings.isNotEmpty(), "SUP-6 warns, never refuses")
        m.rejectRequest(w.seller, flow.id, "Please add the database size.")
        m.submitRequest(alice, flow.id, ServiceRequest("Migrate www.example.com, 12 GB database."))
        m.acceptRequest(w.seller, flow.id)
        m.remindSeller(alice, flow.id)
        assertEquals("SUP-5", assertThrows<AppMarketException.NotAllowed> { m.remindSeller(alice, flow.id) }.rule)
        m.deliver(w.seller, flow.id, Delivery(note = "Migrated."))
        m.rejectDelivery(alice, flow.id, "Mail does not work.")
        m.deliver(w.seller, flow.id, Delivery(note = "Mail relay configured."))
        assertEquals(FlowStatus.COMPLETED, m.confirmAcceptance(alice, flow.id).status)
        assertNull(m.flowApplicationInfo(alice, flow.id))

        w.clock.advance(Duration.ofHours(3).minusSeconds(1))
        m.tick(Actor.System)
        assertEquals(OrderStatus.PROCESSING, m.order(alice, order.id).status)
        w.clock.advance(Duration.ofSeconds(1))
        m.tick(Actor.System)
        assertEquals(OrderStatus.COMPLETED, m.order(alice, order.id).status)
    }

    @Test
    fun anAppealFreezesTheFlowAndTheOperatorClosesItWithAPartialRefund() = World().use { w ->
        val m = w.market
        val alice = w.customer("alice")
        val operator = Actor.Operator("ops-1")
        val order = w.buyOne(alice, m.listProduct(w.seller, serviceDraft()), "Basic Migration", BillingMode.ONE_TIME)
        val flow = m.flowOfOrder(alice, order.id)
        m.submitRequest(alice, flow.id, ServiceRequest("Migrate shop.example.com."))
        w.clock.advance(Duration.ofDays(5))
        assertEquals("APL-1", assertThrows<AppMarketException.NotAllowed> { m.openAppeal(alice, flow.id, "No answer.") }.rule)
        w.clock.advance(Duration.ofSeconds(1))
        val appeal = m.openAppeal(alice, flow.id, "No answer for 5 days.")
        assertEquals(AppealStatus.OPEN, appeal.status)
        assertEquals(AppealGrounds.SELLER_IDLE, appeal.grounds)
        assertEquals(appeal.id, m.appeal(alice, appeal.id).id)
        assertEquals("APL-2", assertThrows<AppMarketException.NotAllowed> { m.acceptRequest(w.seller, flow.id) }.rule)
        assertTrue(m.overdueAppeals(operator).isEmpty())
        assertThrows<AppMarketException.InvalidInput> { m.resolveAppeal(operator, appeal.id, Resolution.CloseWithRefund(usd("600"))) }
        val resolved = m.resolveAppeal(operator, appeal.id, Resolution.CloseWithRefund(usd("300")))
        assertEquals(AppealStatus.RESOLVED, resolved.status)
        assertEquals(0, BigDecimal("300.00").compareTo(m.order(alice, order.id).refunded.amount))
        assertEquals(FlowStatus.CLOSED, m.flow(alice, flow.id).status)
    }

    @Test
    fun renewalsAutoRenewalUnsubscriptionAndInvoices() = World().use { w ->
        val m = w.market
        val alice = w.customer("alice")
        val operator = Actor.Operator("ops-1")

        // A licence: acceptance starts the term; auto-renewal on and off; a manual renewal.
        val licence = w.buyOne(alice, m.listProduct(w.seller, licenceDraft()), "Annual License", BillingMode.MONTHLY)
        val flow = m.flowOfOrder(alice, licence.id)
        m.deliver(w.seller, flow.id, Delivery(note = "Key sent."))
        m.confirmAcceptance(alice, flow.id)
        val app = licence.app!!
        assertEquals("REN-6", assertThrows<AppMarketException.NotAllowed> { m.disableAutoRenewal(alice, app) }.rule)
        assertThrows<AppMarketException.InvalidInput> { m.setAutoRenewal(alice, app, 1u, 100u, 7u) }
        assertNotNull(m.setAutoRenewal(alice, app, 1u, 0u, 7u).autoRenewal)
        assertEquals(PaymentMethod.BALANCE, m.setAutoRenewal(alice, app, 1u, 0u, 7u, method = PaymentMethod.BALANCE).autoRenewal!!.method)
        assertNull(m.disableAutoRenewal(alice, app).autoRenewal)
        assertThrows<AppMarketException.InvalidInput> { m.renew(alice, app, 1u, RenewalDay.Day(31u)) }
        assertEquals(0, BigDecimal("100.00").compareTo(m.quoteRenewal(alice, app, 1u).total.amount))
        val renewal = m.renew(alice, app, 1u, RenewalDay.LastDay)
        assertTrue(renewal.kind is OrderKind.Renewal)
        m.acceptTerms(alice, renewal.id)
        m.pay(alice, renewal.id, PaymentMethod.CREDIT_CARD)
        assertEquals(1, m.app(alice, app).renewals.size)

        // An image: invoice requested, issued, blocks unsubscription until returned.
        val image = m.listProduct(w.seller, imageDraft())
        val imageOrder = m.provisionImage(alice, image.id, quickProvisioning(), PaymentMethod.CREDIT_CARD)
        val invoice = m.requestInvoice(alice, imageOrder.id)
        assertEquals(InvoiceStatus.REQUESTED, invoice.status)
        assertThrows<AppMarketException.Forbidden> { m.issueInvoice(alice, invoice.id) }
        assertEquals(InvoiceStatus.ISSUED, m.issueInvoice(operator, invoice.id).status)
        assertEquals("UNS-2", assertThrows<AppMarketException.NotAllowed> { m.unsubscribe(alice, imageOrder.app!!) }.rule)
        assertEquals(InvoiceStatus.RETURNED, m.returnInvoice(alice, invoice.id).status)
        assertEquals(InvoiceStatus.RETURNED, m.invoice(alice, invoice.id).status)
        val quote = m.quoteUnsubscribe(alice, imageOrder.app!!)
        assertTrue(quote.unconditional)
        assertFalse(quote.needsReview)
        val unsubscribed = m.unsubscribe(alice, imageOrder.app!!)
        assertEquals(OrderStatus.UNSUBSCRIBED, unsubscribed.status)
        assertEquals(0, quote.quote.total.amount.compareTo(unsubscribed.refunded.amount))

        // A negotiated refund (UNS-6) on an open flow, rejected by the seller; and an
        // unsubscription over the review threshold, approved by the operator (UNS-5).
        val service = w.buyOne(alice, m.listProduct(w.seller, serviceDraft()), "Basic Migration", BillingMode.ONE_TIME)
        val asked = m.requestRefund(alice, service.id, usd("50"), "Not needed.")
        assertEquals(PendingKind.NEGOTIATED_REFUND, asked.pendingUnsubscription?.kind)
        assertNull(m.resolveRefundRequest(w.seller, service.id, false).pendingUnsubscription)
        val costly = m.listProduct(w.seller, imageDraft().copy(specifications = listOf(
            Specification(name = "Default", plans = listOf(PricePlan(BillingMode.MONTHLY, usd("9000"), perUnit = false))),
        )))
        val big = m.provisionImage(alice, costly.id, quickProvisioning(), PaymentMethod.CREDIT_CARD)
        assertTrue(m.unsubscribe(alice, big.app!!).pendingUnsubscription != null)
        assertEquals(OrderStatus.UNSUBSCRIBED, m.reviewUnsubscription(operator, big.id, true).status)
    }
}
