package dev.appmarket

import dev.appmarket.core.*
import java.util.concurrent.Callable
import java.util.concurrent.CountDownLatch
import java.util.concurrent.Executors
import java.util.concurrent.TimeUnit
import org.junit.jupiter.api.Assertions.assertEquals
import org.junit.jupiter.api.Test

/** One Marketplace shared by several threads: no lost updates. */
class ConcurrencyTest {
    @Test
    fun eightThreadsPlaceAndPayOrdersOnOneMarketplace() = World().use { w ->
        val threads = 8
        val perThread = 25
        val product = w.saas()
        val buyers = (1..threads).map { w.customer("buyer-$it") }
        val shared = w.customer("shared") // every thread also buys for this one customer
        val start = CountDownLatch(1)
        val pool = Executors.newFixedThreadPool(threads)
        try {
            val futures = buyers.mapIndexed { i, buyer ->
                pool.submit(Callable {
                    start.await()
                    repeat(perThread) { n ->
                        val who = if (n % 5 == 0) shared else buyer
                        val order = w.market.placeOrder(who, PurchaseRequest(product.id, "Standard", BillingMode.MONTHLY, 5u))
                        w.market.acceptTerms(who, order.id, requestId = "accept-$i-$n")
                        w.market.pay(who, order.id, PaymentMethod.CREDIT_CARD, requestId = "pay-$i-$n")
                        w.market.saveToList(who, product.id, "Standard")
                    }
                })
            }
            start.countDown()
            futures.forEach { it.get(120, TimeUnit.SECONDS) }
        } finally {
            pool.shutdown()
        }
        val total = threads * perThread
        assertEquals(total, w.payments.charges().size)
        val perBuyer = buyers.sumOf { w.market.orders(it, OrderFilter(status = OrderStatus.COMPLETED), 1u, 100u).total.toInt() }
        val sharedOrders = w.market.orders(shared, OrderFilter(), 1u, 100u).total.toInt()
        assertEquals(total, perBuyer + sharedOrders)
        assertEquals(threads * ((perThread + 4) / 5), sharedOrders)
        assertEquals(total, (buyers + shared).sumOf { w.market.apps(it, AppFilter(), 1u, 100u).total.toInt() })
        val seqs = w.market.eventsSince(0u, 10_000u).map { it.seq }
        assertEquals((1..seqs.size).map { it.toULong() }, seqs, "the event log has no gap and no duplicate")
        assertEquals(1, w.market.savedList(shared).items.size)
        val orderIds = (buyers + shared).flatMap { b -> w.market.orders(b, OrderFilter(), 1u, 100u).items.map { it.id } }
        assertEquals(total, orderIds.toSet().size, "order ids are unique")
    }
}
