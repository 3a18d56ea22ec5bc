// A tour of the appmarket Kotlin bindings, mirroring the Rust tour (examples/tour.rs).
// Run: make tour-kotlin   (or: mvn -B -q -f bindings-kotlin/jvm/pom.xml compile exec:java)
// It keeps everything in a SQLite file, target/tour-kotlin.db (under CARGO_TARGET_DIR when set),
// and starts from a fresh file at every run.
package dev.appmarket.examples

import dev.appmarket.ManualClock
import dev.appmarket.Marketplace
import dev.appmarket.SearchQuery
import dev.appmarket.SecretText
import dev.appmarket.SimulatedPayments
import dev.appmarket.Store
import dev.appmarket.core.Actor
import dev.appmarket.core.AppFilter
import dev.appmarket.core.AppMarketException
import dev.appmarket.core.Attachment
import dev.appmarket.core.BillingMode
import dev.appmarket.core.CustomerAccount
import dev.appmarket.core.Delivery
import dev.appmarket.core.DeliveryMethod
import dev.appmarket.core.ImageProvisioning
import dev.appmarket.core.ImageResources
import dev.appmarket.core.Money
import dev.appmarket.core.Network
import dev.appmarket.core.Order
import dev.appmarket.core.PaymentMethod
import dev.appmarket.core.PricePlan
import dev.appmarket.core.ProductDraft
import dev.appmarket.core.PurchaseRequest
import dev.appmarket.core.QuantityAttribute
import dev.appmarket.core.Quote
import dev.appmarket.core.Resolution
import dev.appmarket.core.ResourcePlan
import dev.appmarket.core.SecurityGroup
import dev.appmarket.core.ServiceRequest
import dev.appmarket.core.Specification
import dev.appmarket.core.SupportRange
import dev.appmarket.core.Target
import dev.appmarket.statusText
import java.math.BigDecimal
import java.time.Duration
import java.time.Instant

fun usd(amount: String) = Money(BigDecimal(amount), "USD")

/** A SaaS product: "Standard" at 23 USD per licence a month, 5–1000 licences in steps of 5. */
fun saasDraft(name: String = "Coremail Pro Email Hosting") = ProductDraft(
    name = name,
    category = "Collaboration",
    delivery = DeliveryMethod.SAAS,
    tags = listOf("email", "hosting", "office"),
    description = "Enterprise email hosting with anti-spam and archiving.",
    support = SupportRange(email = "support@isv.example", phone = "+86 10 0000 0000"),
    specifications = listOf(
        Specification(
            name = "Standard",
            quantity = QuantityAttribute(name = "Number of Licenses", min = 5u, max = 1000u, step = 5u),
            plans = listOf(
                PricePlan(BillingMode.MONTHLY, usd("23"), perUnit = true),
                PricePlan(BillingMode.YEARLY, usd("230"), perUnit = true),
            ),
        ),
        Specification(
            name = "Premium",
            quantity = QuantityAttribute(name = "Number of Licenses", min = 5u, max = 1000u, step = 5u),
            plans = listOf(PricePlan(BillingMode.MONTHLY, usd("40"), perUnit = true)),
        ),
    ),
)

/** An image: 10 USD a month on an s6.large.2 server at 50 a month, 40 GB disk, EIP at 2 per Mbit/s. */
fun imageDraft() = ProductDraft(
    name = "LAMP Stack Image",
    category = "Developer Tools",
    delivery = DeliveryMethod.IMAGE,
    tags = listOf("lamp", "php", "mysql"),
    description = "Linux, Apache, MySQL and PHP, ready to run.",
    specifications = listOf(
        Specification(name = "Default", plans = listOf(PricePlan(BillingMode.MONTHLY, usd("10"), perUnit = false))),
    ),
    image = ImageResources(
        flavour = "s6.large.2",
        systemDiskGb = 40u,
        recommendedSecurityGroup = "sg-web",
        plans = listOf(ResourcePlan(BillingMode.MONTHLY, usd("50"), diskPerGb = usd("0.1"), eipPerMbit = usd("2"))),
    ),
)

/** Quick provisioning (IMG-1) of the image's "Default" specification. */
fun quickProvisioning(password: String = "Cloud#2026x") = ImageProvisioning(
    specification = "Default",
    network = Network(vpc = "vpc-main", subnet = "subnet-a"),
    securityGroup = SecurityGroup.Recommended,
    loginPassword = SecretText(password),
    agreeTerms = true,
)

fun printQuote(title: String, quote: Quote) {
    println("  $title")
    for (line in quote.lines) {
        println(
            "    %-40s %6s x %10s x %8s = %10s %s".format(
                line.label, line.quantity.toPlainString(), line.unitPrice.amount.toPlainString(),
                line.periods.setScale(4, java.math.RoundingMode.HALF_UP).stripTrailingZeros().toPlainString(), line.amount.amount.toPlainString(), line.amount.currency,
            ),
        )
    }
    println("    total ${quote.total.amount.toPlainString()} ${quote.total.currency}")
}

/** A SQLite store in a fresh file under the target directory (an earlier one is removed). */
fun freshStore(name: String): Store {
    val dir = java.io.File(System.getenv("CARGO_TARGET_DIR") ?: "target")
    dir.mkdirs()
    val path = java.io.File(dir, name)
    for (suffix in listOf("", "-wal", "-shm")) java.io.File(path.path + suffix).delete()
    return Store.sqlite(path.path)
}

fun main() {
    val clock = ManualClock(Instant.parse("2026-04-15T02:00:00Z"))
    val payments = SimulatedPayments()
    val store = freshStore("tour-kotlin.db")
    println("(store: the SQLite file ${store.path()}, started fresh)")
    Marketplace(clock = clock, payments = payments, store = store).use { market ->
        // A seller lists a SaaS product and an image.
        val seller = Actor.Seller("isv-1")
        market.listProduct(seller, saasDraft())
        val image = market.listProduct(seller, imageDraft())

        // A customer with a bound card finds the SaaS product by search and saves it.
        market.registerCustomer(CustomerAccount("alice", boundCard = true, creditEnabled = false, reseller = null, level = null))
        val alice = Actor.Customer("alice")
        val found = market.search(SearchQuery(text = "email hosting")).items.first()
        println("1. found \"${found.name}\" (${found.id}) by search, sold by ${found.seller}")
        val saved = market.saveToList(alice, found.id, "Standard")
        println("2. saved list: ${saved.items.map { "${it.product}/${it.specification}" }}")

        // Buys 10 licences monthly from the saved list, accepts the terms and pays.
        val order = market.buyFromList(alice, PurchaseRequest(found.id, "Standard", BillingMode.MONTHLY, quantity = 10u), requestId = "buy-1")
        printQuote("3. order ${order.id} placed, ${order.status}:", order.quote)
        market.acceptTerms(alice, order.id)
        val paid = market.pay(alice, order.id, PaymentMethod.CREDIT_CARD)
        println("4. paid ${paid.payment?.amount?.amount} ${paid.payment?.amount?.currency}: order ${paid.status}")

        // Sees it among the purchased apps.
        val app = market.apps(alice, AppFilter(), 1u, 20u).items.single()
        println("5. purchased app ${app.id}: ${app.productName} ${app.specification} x${app.quantity}, ${app.status}, expires ${app.term?.expiresAt}")

        // Mid-month, upgrades to 20 licences: the quote is itemised for the rest of the term.
        clock.advance(Duration.ofDays(10))
        printQuote("6. upgrade to 20 licences on ${market.now()}:", market.quoteUpgrade(alice, app.id, "Standard", 20u))
        val upgrade = market.orderUpgrade(alice, app.id, "Standard", 20u)
        market.acceptTerms(alice, upgrade.id)
        market.pay(alice, upgrade.id, PaymentMethod.CREDIT_CARD)
        val upgraded = market.app(alice, app.id)
        println("7. upgraded: ${upgraded.specification} x${upgraded.quantity}, still expires ${upgraded.term?.expiresAt}")

        // Buys an image by quick provisioning, paid as the servers are created.
        printQuote("8. image order:", market.quoteImage(alice, image.id, quickProvisioning()))
        val imagePaid = market.provisionImage(alice, image.id, quickProvisioning(), PaymentMethod.CREDIT_CARD)
        println("   image servers: ${market.app(alice, imagePaid.app!!).image}")

        // The clock runs a month on; the scheduled work runs with tick.
        clock.advance(Duration.ofDays(31))
        val report = market.tick(Actor.System)
        println("9. a month on (${market.now()}): tick examined ${report.examined}, changed ${report.changed}")
        for (a in market.apps(alice, AppFilter(), 1u, 20u).items) println("   ${a.productName}: ${a.status}")
        println("   ${market.eventsSince(0u, 1000u).size} events recorded")

        // In its grace period, she renews the email app for a month.
        printQuote("10. renewal in the grace period:", market.quoteRenewal(alice, app.id, 1u))
        val renewal = market.renew(alice, app.id, 1u)
        market.acceptTerms(alice, renewal.id)
        market.pay(alice, renewal.id, PaymentMethod.CREDIT_CARD)
        val renewed = market.app(alice, app.id)
        println("    ${renewed.productName}: ${renewed.status}, expires ${renewed.term?.expiresAt}")

        supervision(market, clock, seller, alice)
        afterSale(market, clock, payments, seller, alice, image.id)
    }
    store.close() // the last handle: the file is checkpointed and closed
}

private fun buyOne(market: Marketplace, by: Actor, product: String, spec: String, mode: BillingMode): Order {
    val order = market.placeOrder(by, PurchaseRequest(product, spec, mode, quantity = 1u))
    market.acceptTerms(by, order.id)
    return market.pay(by, order.id, PaymentMethod.CREDIT_CARD)
}

private fun printRecords(market: Marketplace, by: Actor, target: Target) {
    for (e in market.records(by, target)) println("    ${e.at}  ${e.actor}  ${e.kind}")
}

/** A professional service under service supervision, and a second one that ends in an appeal. */
fun supervision(market: Marketplace, clock: ManualClock, seller: Actor, alice: Actor) {
    val service = market.listProduct(seller, ProductDraft(
        name = "Website Migration Service",
        category = "Professional Services",
        delivery = DeliveryMethod.PROFESSIONAL_SERVICE,
        specifications = listOf(Specification(name = "Basic Migration", plans = listOf(PricePlan(BillingMode.ONE_TIME, usd("500"), perUnit = false)))),
    ))
    val order = buyOne(market, alice, service.id, "Basic Migration", BillingMode.ONE_TIME)
    var flow = market.flowOfOrder(alice, order.id)
    println("11. professional service: order ${order.status}; Service Supervision ${flow.id}: ${flow.statusText}")
    market.submitRequest(alice, flow.id, ServiceRequest("Migrate www.example.com (PHP 8, MySQL 8) to the cloud.", listOf(Attachment("site-inventory.xlsx", 48_000uL))))
    clock.advance(Duration.ofHours(5))
    market.rejectRequest(seller, flow.id, "Please add the database size.")
    val again = market.submitRequest(alice, flow.id, ServiceRequest("Migrate www.example.com, 12 GB database; admin password is in the sheet."))
    again.warnings.forEach { println("    reminder: $it") }
    market.acceptRequest(seller, flow.id)
    clock.advance(Duration.ofDays(2))
    market.deliver(seller, flow.id, Delivery(note = "Migrated; DNS switched."))
    market.rejectDelivery(alice, flow.id, "The contact form does not send mail.")
    clock.advance(Duration.ofDays(1))
    market.deliver(seller, flow.id, Delivery(note = "Mail relay configured."))
    flow = market.confirmAcceptance(alice, flow.id)
    println("    ${flow.statusText}; order ${market.order(alice, order.id).status}")
    clock.advance(Duration.ofHours(3))
    market.tick(Actor.System)
    println("    3 hours after acceptance: order ${market.order(alice, order.id).status}")
    printRecords(market, alice, Target.Flow(flow.id))

    val second = buyOne(market, alice, service.id, "Basic Migration", BillingMode.ONE_TIME)
    val silent = market.flowOfOrder(alice, second.id)
    market.submitRequest(alice, silent.id, ServiceRequest("Migrate shop.example.com."))
    clock.advance(Duration.ofDays(5))
    try { market.openAppeal(alice, silent.id, "No answer.") } catch (e: AppMarketException.NotAllowed) { println("12. after exactly 5 days: ${e.rule} ${e.reason}") }
    clock.advance(Duration.ofDays(1))
    val appeal = market.openAppeal(alice, silent.id, "The seller has not answered for 6 days.")
    println("    appeal ${appeal.id} (${appeal.grounds}); the flow is ${market.flow(alice, silent.id).statusText}")
    try { market.acceptRequest(seller, silent.id) } catch (e: AppMarketException.NotAllowed) { println("    the seller tries to act: ${e.rule}") }
    market.resolveAppeal(Actor.Operator("ops-1"), appeal.id, Resolution.CloseWithRefund(usd("300.00")))
    val refunded = market.order(alice, second.id)
    println("    resolved: flow ${market.flow(alice, silent.id).statusText}, order ${refunded.status}, refunded ${refunded.refunded.amount}")
}

/** A licence auto-renewed for a year (one charge declined and retried), and two image unsubscriptions. */
fun afterSale(market: Marketplace, clock: ManualClock, payments: SimulatedPayments, seller: Actor, alice: Actor, image: String) {
    val licence = market.listProduct(seller, ProductDraft(
        name = "Antivirus Server License",
        category = "Security",
        delivery = DeliveryMethod.LICENSE,
        specifications = listOf(Specification(name = "Annual License", plans = listOf(PricePlan(BillingMode.MONTHLY, usd("100"), perUnit = false)))),
    ))
    val order = buyOne(market, alice, licence.id, "Annual License", BillingMode.MONTHLY)
    val flow = market.flowOfOrder(alice, order.id)
    market.deliver(seller, flow.id, Delivery(note = "Licence key sent by email."))
    market.confirmAcceptance(alice, flow.id)
    market.setAutoRenewal(alice, order.app!!, 1u, 0u, 7u)
    val before = payments.charges().size
    for (day in 1..366) {
        clock.advance(Duration.ofDays(1))
        if (day == 150) payments.declineNext("alice", "card limit reached")
        market.tick(Actor.System)
    }
    val licenceApp = market.app(alice, order.app!!)
    println("13. a year of auto-renewal: ${payments.charges().size - before} charges, ${licenceApp.renewals.size} renewals, expires ${licenceApp.term?.expiresAt}")

    val first = market.provisionImage(alice, image, quickProvisioning(), PaymentMethod.CREDIT_CARD)
    val second = market.provisionImage(alice, image, quickProvisioning(), PaymentMethod.CREDIT_CARD)
    clock.advance(Duration.ofDays(3))
    val quote = market.quoteUnsubscribe(alice, first.app!!)
    printQuote("14. day 3, unconditional: ${quote.unconditional}", quote.quote)
    println("    order ${market.unsubscribe(alice, first.app!!).status}")
    clock.advance(Duration.ofDays(17))
    printQuote("    day 20, refund = paid - consumed - handling fee:", market.quoteUnsubscribe(alice, second.app!!).quote)
    println("    order ${market.unsubscribe(alice, second.app!!).status}")
}
