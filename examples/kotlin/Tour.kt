// A tour of the appmarket Kotlin bindings, mirroring the Rust tour (examples/tour.rs).
// Run: make kotlin-tour   (or: mvn -B -q -f bindings-kotlin/jvm/pom.xml compile exec:java)
package dev.appmarket.examples

import dev.appmarket.Actor
import dev.appmarket.AppFilter
import dev.appmarket.BillingMode
import dev.appmarket.CustomerAccount
import dev.appmarket.DeliveryMethod
import dev.appmarket.ImageProvisioning
import dev.appmarket.ImageResources
import dev.appmarket.ManualClock
import dev.appmarket.Marketplace
import dev.appmarket.Money
import dev.appmarket.Network
import dev.appmarket.PaymentMethod
import dev.appmarket.PricePlan
import dev.appmarket.ProductDraft
import dev.appmarket.PurchaseRequest
import dev.appmarket.QuantityAttribute
import dev.appmarket.Quote
import dev.appmarket.ResourcePlan
import dev.appmarket.SearchQuery
import dev.appmarket.SecurityGroup
import dev.appmarket.Specification
import dev.appmarket.SupportRange
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
    loginPassword = password,
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

fun main() {
    val clock = ManualClock(Instant.parse("2026-04-15T02:00:00Z"))
    Marketplace(clock = clock).use { market ->
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

        // Buys an image by quick provisioning.
        val imageOrder = market.provisionImage(alice, image.id, quickProvisioning())
        printQuote("8. image order ${imageOrder.id}:", imageOrder.quote)
        val imagePaid = market.pay(alice, imageOrder.id, PaymentMethod.CREDIT_CARD)
        println("   image servers: ${market.app(alice, imagePaid.app!!).image}")

        // The clock runs a month on; the scheduled work runs with tick.
        clock.advance(Duration.ofDays(31))
        val report = market.tick(Actor.System)
        println("9. a month on (${market.now()}): tick examined ${report.examined}, changed ${report.changed}")
        for (a in market.apps(alice, AppFilter(), 1u, 20u).items) println("   ${a.productName}: ${a.status}")
        println("   ${market.eventsSince(0u, 1000u).size} events recorded")
    }
}
