package dev.appmarket

import dev.appmarket.core.*
import dev.appmarket.examples.saasDraft
import java.time.Instant
import java.util.concurrent.atomic.AtomicInteger
import org.junit.jupiter.api.Assertions.assertEquals
import org.junit.jupiter.api.Assertions.assertFalse
import org.junit.jupiter.api.Assertions.assertTrue
import org.junit.jupiter.api.Assumptions.assumeTrue
import org.junit.jupiter.api.Test
import org.junit.jupiter.api.assertThrows
import org.junit.jupiter.api.fail

/**
 * `Marketplace(store = Store.postgres(url))`: two hosts on one database share state and request
 * ids; a wrong password is a Storage error. Needs APPMARKET_TEST_POSTGRES_URL (`make test` starts a
 * server); without it the tests skip, except under CI=true, where they fail.
 */
class PostgresStoreTest {
    private val t0: Instant = Instant.parse("2026-04-15T02:00:00Z")

    private fun serverUrl(): String {
        val url = System.getenv("APPMARKET_TEST_POSTGRES_URL").orEmpty()
        if (url.isEmpty() && System.getenv("CI") == "true") {
            fail("APPMARKET_TEST_POSTGRES_URL is not set and CI=true: the PostgreSQL tests must run")
        }
        assumeTrue(url.isNotEmpty(), "no PostgreSQL test server (APPMARKET_TEST_POSTGRES_URL unset)")
        return url
    }

    private fun freshSchema(): String = "kt_${ProcessHandle.current().pid()}_${next.incrementAndGet()}"

    @Test
    fun twoHostsShareOneDatabase() {
        val url = serverUrl()
        val schema = freshSchema()
        val alice = Actor.Customer("alice")
        val paid = Store.postgres(url, schema = schema, poolSize = 2u).use { store ->
            assertEquals(schema, store.schema())
            val password = url.substringAfter("://").substringBefore("@").substringAfter(":")
            assertFalse(store.toString().contains(password), "the password is never shown")
            Marketplace(store = store, clock = ManualClock(t0)).use { m ->
                val product = m.listProduct(Actor.Seller("isv-1"), saasDraft("Coremail Pro Email Hosting"))
                m.registerCustomer(CustomerAccount("alice", boundCard = true, creditEnabled = false, reseller = null, level = null))
                val order = m.placeOrder(alice, PurchaseRequest(product.id, "Standard", BillingMode.MONTHLY, 10u))
                m.acceptTerms(alice, order.id)
                m.pay(alice, order.id, PaymentMethod.CREDIT_CARD, requestId = "pay-1")
            }
        }
        Store.postgres(url, schema = schema).use { store ->
            Marketplace(store = store, clock = ManualClock(t0)).use { m ->
                assertEquals(paid, m.order(alice, paid.id))
                // The request id is remembered in the database: the other host replays the payment.
                assertEquals(paid, m.pay(alice, paid.id, PaymentMethod.CREDIT_CARD, requestId = "pay-1"))
            }
        }
    }

    @Test
    fun aWrongPasswordIsAStorageError() {
        val url = serverUrl()
        val (credentials, rest) = url.substringAfter("://").split("@", limit = 2)
        val wrong = "postgresql://${credentials.substringBefore(':')}:not-it@$rest"
        val e = assertThrows<AppMarketException.Storage> { Store.postgres(wrong, schema = freshSchema()) }
        assertTrue(e.reason.contains("password") && !e.reason.contains("not-it"), e.reason)
    }

    companion object {
        private val next = AtomicInteger()
    }
}
