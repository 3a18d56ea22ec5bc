package dev.appmarket

import dev.appmarket.core.*
import dev.appmarket.examples.saasDraft
import java.nio.file.Files
import java.time.Instant
import org.junit.jupiter.api.Assertions.assertEquals
import org.junit.jupiter.api.Assertions.assertTrue
import org.junit.jupiter.api.Test
import org.junit.jupiter.api.assertThrows

/** `Marketplace(store = Store.sqlite(path))`: state survives reopening the file; bad files are Storage errors. */
class SqliteStoreTest {
    private val t0: Instant = Instant.parse("2026-04-15T02:00:00Z")

    @Test
    fun stateSurvivesReopeningTheFile() {
        val dir = Files.createTempDirectory("appmarket-sqlite")
        val path = dir.resolve("market.db").toString()
        val alice = Actor.Customer("alice")
        val paid = Store.sqlite(path).use { store ->
            assertEquals(path, store.path())
            Marketplace(clock = ManualClock(t0), store = store).use { m ->
                val product = m.listProduct(Actor.Seller("isv-1"), saasDraft("Coremail Pro Email Hosting"))
                m.registerCustomer(CustomerAccount("alice", boundCard = true, creditEnabled = false, reseller = null, level = null))
                val order = m.placeOrder(alice, PurchaseRequest(product.id, "Standard", BillingMode.MONTHLY, 10u))
                m.acceptTerms(alice, order.id)
                m.pay(alice, order.id, PaymentMethod.CREDIT_CARD, requestId = "pay-1")
            }
        }
        Store.sqlite(path).use { store ->
            Marketplace(clock = ManualClock(t0), store = store).use { m ->
                assertEquals(paid, m.order(alice, paid.id))
                // The request id is remembered in the file: re-sending it replays the payment.
                assertEquals(paid, m.pay(alice, paid.id, PaymentMethod.CREDIT_CARD, requestId = "pay-1"))
            }
        }
    }

    @Test
    fun aFileThatIsNotADatabaseIsAStorageErrorNamingIt() {
        val file = Files.createTempDirectory("appmarket-sqlite").resolve("notes.db")
        Files.writeString(file, "not a database\n".repeat(100))
        val e = assertThrows<AppMarketException.Storage> { Store.sqlite(file.toString()) }
        assertTrue(e.reason.contains(file.toString()) && e.reason.contains("not a database"), e.reason)
        assertEquals("not a database\n".repeat(100), Files.readString(file))
    }

    @Test
    fun aSecretKeySealsPasswordsAndAWrongKeyIsRefused() {
        val dir = Files.createTempDirectory("appmarket-sqlite")
        val path = dir.resolve("market.db").toString()
        val key = ByteArray(32) { it.toByte() }
        val alice = Actor.Customer("alice")
        val seller = Actor.Seller("isv-1")
        Store.sqlite(path, secretKey = key).use { store ->
            Marketplace(clock = ManualClock(t0), store = store).use { m ->
                val product = m.listProduct(seller, saasDraft("Coremail Pro Email Hosting"))
                m.registerCustomer(CustomerAccount("alice", boundCard = true, creditEnabled = false, reseller = null, level = null))
                val order = m.placeOrder(alice, PurchaseRequest(product.id, "Standard", BillingMode.MONTHLY, 10u))
                m.acceptTerms(alice, order.id)
                val app = m.pay(alice, order.id, PaymentMethod.CREDIT_CARD).app!!
                m.provideApplicationInfo(seller, app, ApplicationInfo(username = "admin"), password = SecretText("Zq9#kt-Secret"))
                assertEquals("Zq9#kt-Secret", m.revealPassword(alice, app).value)
            }
        }
        val bytes = Files.list(dir).use { files -> files.toList().map { Files.readAllBytes(it).toString(Charsets.ISO_8859_1) } }
        assertTrue(bytes.none { it.contains("Zq9#kt-Secret") }, "the password is in the files")
        val e = assertThrows<AppMarketException.Storage> { Store.sqlite(path, secretKey = ByteArray(32)) }
        assertTrue(e.reason.contains("does not match"), e.reason)
        assertThrows<AppMarketException.InvalidInput> { Store.sqlite(path, secretKey = ByteArray(5)) }
    }
}
