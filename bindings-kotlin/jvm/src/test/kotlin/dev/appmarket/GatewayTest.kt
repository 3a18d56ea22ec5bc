package dev.appmarket

import dev.appmarket.core.*
import dev.appmarket.core.Target // not kotlin.annotation.Target
import dev.appmarket.examples.saasDraft
import org.junit.jupiter.api.Assertions.assertEquals
import org.junit.jupiter.api.Assertions.assertTrue
import org.junit.jupiter.api.Test
import org.junit.jupiter.api.assertThrows
import java.io.IOException
import java.time.Instant
import java.util.concurrent.ConcurrentHashMap
import java.util.concurrent.CopyOnWriteArrayList
import java.util.concurrent.TimeoutException
import java.util.concurrent.atomic.AtomicInteger

/** A host gateway in Kotlin: at most one charge per idempotency key, then scripted trouble. */
open class LedgerGateway : PaymentGateway {
    val charged = ConcurrentHashMap<String, Receipt>()
    val requests = CopyOnWriteArrayList<ChargeRequest>()
    val calls = AtomicInteger()
    @Volatile var decline: String? = null
    @Volatile var failTimes = 0
    @Volatile var failAfterCharging = false
    @Volatile var delayMillis = 0L

    override fun charge(request: ChargeRequest): Receipt {
        calls.incrementAndGet()
        requests.add(request)
        if (delayMillis > 0) Thread.sleep(delayMillis)
        charged[request.idempotencyKey]?.let { return it }
        decline?.let { throw GatewayException.Declined(it) }
        if (failTimes > 0 && !failAfterCharging) {
            failTimes--
            throw IOException("payment provider unreachable")
        }
        val receipt = Receipt("TX-${charged.size + 1}", request.amount, request.method)
        charged[request.idempotencyKey] = receipt
        if (failTimes > 0) {
            failTimes--
            throw TimeoutException("no answer within 30 s")
        }
        return receipt
    }

    override fun refund(request: RefundRequest): Receipt = Receipt("RF-1", request.amount, request.method)
}

class GatewayTest {
    private class Setup(val gateway: PaymentGateway) : AutoCloseable {
        val clock = ManualClock(Instant.parse("2026-04-15T02:00:00Z"))
        val market = Marketplace(clock = clock, gateway = gateway)
        val alice = Actor.Customer("alice")
        val order: Order

        init {
            val product = market.listProduct(Actor.Seller("isv-1"), saasDraft())
            market.registerCustomer(CustomerAccount("alice", boundCard = true, creditEnabled = false, reseller = null, level = null))
            order = market.placeOrder(alice, PurchaseRequest(product.id, "Standard", BillingMode.MONTHLY, quantity = 10u))
            market.acceptTerms(alice, order.id)
        }

        fun pay(requestId: String? = null) = market.pay(alice, order.id, PaymentMethod.CREDIT_CARD, requestId)
        fun status() = market.order(alice, order.id).status

        override fun close() {
            market.close()
            clock.close()
        }
    }

    @Test
    fun `ord_3 a Kotlin gateway charges with the typed request and the idempotency key`() {
        val gateway = LedgerGateway()
        Setup(gateway).use { s ->
            val paid = s.pay()
            assertEquals(OrderStatus.COMPLETED, paid.status)
            assertEquals("TX-1", paid.payment?.receipt)
            val request = gateway.requests.single()
            assertEquals("alice", request.customer)
            assertEquals(PaymentMethod.CREDIT_CARD, request.method)
            assertEquals(Money("230.00".toBigDecimal(), "USD"), request.amount)
            assertTrue(request.idempotencyKey.contains(s.order.id), request.idempotencyKey)
        }
    }

    @Test
    fun `ord_3 a declined charge cancels the order with the reason`() {
        val gateway = LedgerGateway().apply { decline = "card expired" }
        Setup(gateway).use { s ->
            val e = assertThrows<AppMarketException.PaymentDeclined> { s.pay() }
            assertEquals("card expired", e.reason)
            assertEquals(OrderStatus.CANCELLED, s.status())
        }
    }

    @Test
    fun `ord_3 a gateway throwing on every call gives a Gateway error and changes nothing`() {
        val gateway = LedgerGateway().apply { failTimes = Int.MAX_VALUE }
        Setup(gateway).use { s ->
            val records = s.market.records(s.alice, Target.Order(s.order.id))
            repeat(3) {
                val e = assertThrows<AppMarketException.Gateway> { s.pay("pay-1") }
                assertTrue(e.reason.contains("IOException") && e.reason.contains("unreachable"), e.reason)
                assertTrue(!e.reason.contains("\tat "), "no stack trace in the reason: ${e.reason}")
                assertEquals(OrderStatus.PENDING_PAYMENT, s.status())
                assertEquals(records, s.market.records(s.alice, Target.Order(s.order.id)))
            }
            assertTrue(gateway.charged.isEmpty())
            assertEquals(3, gateway.calls.get())
        }
    }

    @Test
    fun `ord_3 a retry after a timeout that charged charges once`() {
        val gateway = LedgerGateway().apply { failTimes = 1; failAfterCharging = true }
        Setup(gateway).use { s ->
            val e = assertThrows<AppMarketException.Gateway> { s.pay("pay-1") }
            assertTrue(e.reason.contains("TimeoutException"), e.reason)
            assertEquals(1, gateway.charged.size) // the provider took the money; the answer was lost
            val paid = s.pay("pay-1")
            assertEquals(OrderStatus.COMPLETED, paid.status)
            assertEquals(1, gateway.charged.size)
            assertEquals(gateway.requests[0].idempotencyKey, gateway.requests[1].idempotencyKey)
            assertEquals(paid, s.pay("pay-1")) // the replay calls no gateway
            assertEquals(2, gateway.calls.get())
        }
    }

    @Test
    fun `ord_3 a slow gateway blocks only its own call`() {
        val gateway = LedgerGateway().apply { delayMillis = 500 }
        Setup(gateway).use { s ->
            var paid: Order? = null
            val payer = Thread { paid = s.pay() }
            val started = System.nanoTime()
            payer.start()
            Thread.sleep(50)
            assertEquals(OrderStatus.PENDING_PAYMENT, s.status())
            assertTrue(System.nanoTime() - started < 400_000_000L, "a read waited for the slow gateway")
            payer.join()
            assertEquals(OrderStatus.COMPLETED, paid?.status)
        }
    }

    @Test
    fun `ord_3 a slow gateway that times out is a failure and the retry pays once`() {
        val gateway = object : LedgerGateway() {
            override fun charge(request: ChargeRequest): Receipt {
                if (calls.getAndIncrement() == 0) {
                    Thread.sleep(200)
                    throw GatewayException.Failed("gave up after 200 ms")
                }
                return super.charge(request)
            }
        }
        Setup(gateway).use { s ->
            val e = assertThrows<AppMarketException.Gateway> { s.pay() }
            assertTrue(e.reason.contains("gave up"), e.reason)
            assertEquals(OrderStatus.COMPLETED, s.pay().status)
            assertEquals(1, gateway.charged.size)
        }
    }

    @Test
    fun `payments and gateway together are refused`() {
        SimulatedPayments().use { simulated ->
            val e = assertThrows<AppMarketException.InvalidInput> {
                Marketplace(payments = simulated, gateway = LedgerGateway())
            }
            assertEquals("gateway", e.field)
        }
    }
}
