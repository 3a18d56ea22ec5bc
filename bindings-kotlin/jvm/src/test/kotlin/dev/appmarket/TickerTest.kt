package dev.appmarket

import dev.appmarket.core.*
import org.junit.jupiter.api.Assertions.assertEquals
import org.junit.jupiter.api.Assertions.assertFalse
import org.junit.jupiter.api.Assertions.assertTrue
import org.junit.jupiter.api.Test
import java.time.Duration
import java.util.concurrent.LinkedBlockingQueue
import java.util.concurrent.TimeUnit

class TickerTest {
    private class Reports : TickListener {
        val reports = LinkedBlockingQueue<TickReport>()
        val errors = LinkedBlockingQueue<String>()
        override fun onReport(report: TickReport) {
            reports.add(report)
        }
        override fun onError(kind: String, message: String) {
            errors.add("$kind: $message")
        }

        fun untilChanged(): TickReport {
            while (true) {
                val report = reports.poll(10, TimeUnit.SECONDS) ?: error("no tick changed anything")
                if (report.changed > 0uL) return report
            }
        }
    }

    @Test
    fun `the ticker ticks what the clock makes due and stops within a second`() = World().use { w ->
        val bob = w.customer("bob")
        val order = w.market.placeOrder(bob, PurchaseRequest(w.saas().id, "Standard", BillingMode.MONTHLY, quantity = 5u))
        val listener = Reports()
        val ticker = w.market.ticker(listener)
        ticker.use {
            assertEquals(0uL, listener.reports.poll(10, TimeUnit.SECONDS)!!.changed) // the first tick runs at once
            w.clock.advance(Duration.ofDays(8)) // moving the clock wakes the ticker
            assertEquals(1uL, listener.untilChanged().changed)
            assertEquals(OrderStatus.CANCELLED, w.market.order(bob, order.id).status) // ORD-3
            assertTrue(ticker.isRunning())
            val asked = System.nanoTime()
            ticker.stop()
            assertTrue(System.nanoTime() - asked < 1_000_000_000L, "stopped within a second")
            assertFalse(ticker.isRunning())
        } // close() frees it (and would stop it)
        assertTrue(listener.errors.isEmpty())
    }
}
