"""Shared fixtures: sample products mirroring `appmarket::testing::fixtures`, a marketplace on a manual clock."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

import pytest

import appmarket as am

T0 = dt.datetime(2026, 4, 15, 2, 0, tzinfo=dt.timezone.utc)  # 10:00 in the billing zone (UTC+8)


def usd(amount: str) -> am.Money:
    return am.Money(Decimal(amount), "USD")


def saas_draft(name: str = "Coremail Pro Email Hosting", standard: str = "23") -> am.ProductDraft:
    licences = am.QuantityAttribute("Number of Licenses", min=5, max=1000, step=5)
    return am.ProductDraft(
        name=name,
        category="Collaboration",
        delivery=am.DeliveryMethod.Saas,
        tags=["email", "hosting", "office"],
        description="Enterprise email hosting with anti-spam and archiving.",
        support=am.SupportRange(email="support@isv.example", phone="+86 10 0000 0000"),
        specifications=[
            am.Specification(
                "Standard",
                attributes=[am.Attribute("Email Hosting", "Email Hosting")],
                quantity=licences,
                plans=[
                    am.PricePlan(am.BillingMode.Monthly, usd(standard), per_unit=True),
                    am.PricePlan(am.BillingMode.Yearly, usd("230"), per_unit=True),
                ],
            ),
            am.Specification(
                "Premium",
                quantity=licences,
                plans=[
                    am.PricePlan(am.BillingMode.Monthly, usd("40"), per_unit=True),
                    am.PricePlan(am.BillingMode.Yearly, usd("400"), per_unit=True),
                ],
            ),
        ],
    )


def license_draft() -> am.ProductDraft:
    return am.ProductDraft(
        name="Antivirus Server License",
        category="Security",
        delivery=am.DeliveryMethod.License,
        specifications=[
            am.Specification(
                "Annual License",
                plans=[
                    am.PricePlan(am.BillingMode.Monthly, usd("100")),
                    am.PricePlan(am.BillingMode.Yearly, usd("1000")),
                ],
            )
        ],
    )


def professional_service_draft() -> am.ProductDraft:
    return am.ProductDraft(
        name="Website Migration Service",
        category="Professional Services",
        delivery=am.DeliveryMethod.ProfessionalService,
        involves_supervision=True,
        tags=["migration"],
        description="We migrate your website to the cloud.",
        specifications=[
            am.Specification(
                "Basic Migration",
                plans=[am.PricePlan(am.BillingMode.OneTime, usd("500")), am.PricePlan(am.BillingMode.Monthly, usd("300"))],
            )
        ],
    )


def image_draft() -> am.ProductDraft:
    return am.ProductDraft(
        name="LAMP Stack Image",
        category="Developer Tools",
        delivery=am.DeliveryMethod.Image,
        tags=["lamp", "php", "mysql"],
        description="Linux, Apache, MySQL and PHP, ready to run.",
        specifications=[
            am.Specification(
                "Default",
                plans=[
                    am.PricePlan(am.BillingMode.Monthly, usd("10")),
                    am.PricePlan(am.BillingMode.Yearly, usd("100")),
                    am.PricePlan(am.BillingMode.PayPerUse, usd("0.02")),
                ],
            )
        ],
        image=am.ImageResources(
            flavour="s6.large.2",
            system_disk_gb=40,
            recommended_security_group="sg-web",
            plans=[
                am.ResourcePlan(
                    am.BillingMode.Monthly, flavour=usd("50"), disk_per_gb=usd("0.1"), eip_per_mbit=usd("2")
                ),
                am.ResourcePlan(am.BillingMode.Yearly, flavour=usd("500"), disk_per_gb=usd("1"), eip_per_mbit=usd("20")),
                am.ResourcePlan(
                    am.BillingMode.PayPerUse,
                    flavour=usd("0.07"),
                    disk_per_gb=usd("0.0001"),
                    eip_per_mbit=usd("0.003"),
                ),
            ],
        ),
    )


def quick_image(password: str = "Secure!Pass9") -> am.ImageProvisioning:
    return am.ImageProvisioning(
        specification="Default",
        network=am.Network("vpc-1", "subnet-1"),
        login_password=password,
        agree_terms=True,
    )


@dataclass
class World:
    market: am.Marketplace
    clock: am.ManualClock
    payments: am.SimulatedPayments
    seller: am.Actor
    alice: am.Actor
    bob: am.Actor
    saas: am.Product
    image: am.Product


@pytest.fixture
def world() -> World:
    clock = am.ManualClock(T0)
    payments = am.SimulatedPayments()
    market = am.Marketplace(policy=am.Policy(), clock=clock, payments=payments)
    seller = am.Actor.seller("isv-1")
    saas = market.list_product(seller, saas_draft())
    image = market.list_product(seller, image_draft())
    market.register_customer(am.CustomerAccount.with_card("alice"))
    market.register_customer(am.CustomerAccount("bob", bound_card=True))
    return World(market, clock, payments, seller, am.Actor.customer("alice"), am.Actor.customer("bob"), saas, image)


def buy(w: World, who: am.Actor, quantity: int = 10) -> am.Order:
    order = w.market.place_order(
        who, product=w.saas.id, specification="Standard", mode=am.BillingMode.Monthly, quantity=quantity
    )
    w.market.accept_terms(who, order.id)
    return w.market.pay(who, order.id, am.PaymentMethod.CreditCard)
