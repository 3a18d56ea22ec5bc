//! Sample products and instants for examples and tests; with the `test-utils` feature, also the
//! repository contract suite and proptest strategies.

#[cfg(feature = "test-utils")]
pub mod contract;
#[cfg(feature = "test-utils")]
pub mod races;

/// Sample product drafts and instants.
pub mod fixtures {
    use chrono::{DateTime, Utc};

    use crate::actor::ProductId;
    use crate::catalog::{
        Attribute, BillingMode, DeliveryMethod, ImageResources, PricePlan, ProductDraft, QuantityAttribute,
        ResourcePlan, Specification, SupportRange,
    };
    use crate::money::Money;
    use crate::order::PurchaseRequest;

    fn usd(amount: &str) -> Money {
        Money::parse(&format!("{amount} USD")).expect("a valid amount")
    }

    fn plan(mode: BillingMode, price: &str, per_unit: bool) -> PricePlan {
        PricePlan { mode, price: usd(price), per_unit }
    }

    fn support() -> SupportRange {
        SupportRange { email: "support@isv.example".into(), phone: "+86 10 0000 0000".into() }
    }

    /// 2026-04-15 02:00:00 UTC (10:00 in the billing zone), the middle of a 30-day month.
    pub fn t0() -> DateTime<Utc> {
        crate::time::parse_instant("2026-04-15T02:00:00Z").expect("a valid instant")
    }

    /// A purchase of 10 "Standard" licences of [`saas_draft`]'s product `product` for one month.
    pub fn standard_monthly(product: ProductId) -> PurchaseRequest {
        PurchaseRequest {
            product,
            specification: "Standard".into(),
            mode: BillingMode::Monthly,
            quantity: 10,
            periods: 1,
        }
    }

    /// A one-time purchase of one "Basic Migration" of [`professional_service_draft`]'s product
    /// `product`: the order of the professional-service journey.
    pub fn basic_migration(product: ProductId) -> PurchaseRequest {
        PurchaseRequest {
            product,
            specification: "Basic Migration".into(),
            mode: BillingMode::OneTime,
            quantity: 1,
            periods: 1,
        }
    }

    /// A SaaS product without supervision: "Standard" at 23 USD per licence per month (230 per
    /// year), 5–1000 licences in steps of 5; "Premium" at 40 (400).
    pub fn saas_draft() -> ProductDraft {
        let licences = QuantityAttribute { name: "Number of Licenses".into(), min: 5, max: 1000, step: 5 };
        ProductDraft {
            name: "Coremail Pro Email Hosting".into(),
            category: "Collaboration".into(),
            delivery: DeliveryMethod::Saas,
            involves_supervision: false,
            tags: vec!["email".into(), "hosting".into(), "office".into()],
            description: "Enterprise email hosting with anti-spam and archiving.".into(),
            support: support(),
            specifications: vec![
                Specification {
                    name: "Standard".into(),
                    attributes: vec![Attribute { name: "Email Hosting".into(), value: "Email Hosting".into() }],
                    quantity: Some(licences.clone()),
                    plans: vec![plan(BillingMode::Monthly, "23", true), plan(BillingMode::Yearly, "230", true)],
                    request_template: None,
                },
                Specification {
                    name: "Premium".into(),
                    attributes: vec![],
                    quantity: Some(licences),
                    plans: vec![plan(BillingMode::Monthly, "40", true), plan(BillingMode::Yearly, "400", true)],
                    request_template: None,
                },
            ],
            image: None,
        }
    }

    /// A SaaS product that involves service supervision.
    pub fn supervised_saas_draft() -> ProductDraft {
        ProductDraft {
            name: "Managed CRM Setup".into(),
            involves_supervision: true,
            tags: vec!["crm".into()],
            ..saas_draft()
        }
    }

    /// A licence: 100 USD a month or 1000 a year, no quantity.
    pub fn license_draft() -> ProductDraft {
        ProductDraft {
            name: "Antivirus Server License".into(),
            category: "Security".into(),
            delivery: DeliveryMethod::License,
            involves_supervision: true,
            tags: vec!["security".into(), "antivirus".into()],
            description: "Server antivirus licence, delivered by email.".into(),
            support: support(),
            specifications: vec![Specification {
                name: "Annual License".into(),
                attributes: vec![],
                quantity: None,
                plans: vec![plan(BillingMode::Monthly, "100", false), plan(BillingMode::Yearly, "1000", false)],
                request_template: None,
            }],
            image: None,
        }
    }

    /// A professional service: 500 USD one-time, or 300 a month.
    pub fn professional_service_draft() -> ProductDraft {
        ProductDraft {
            name: "Website Migration Service".into(),
            category: "Professional Services".into(),
            delivery: DeliveryMethod::ProfessionalService,
            involves_supervision: true,
            tags: vec!["migration".into()],
            description: "We migrate your website to the cloud.".into(),
            support: support(),
            specifications: vec![Specification {
                name: "Basic Migration".into(),
                attributes: vec![],
                quantity: None,
                plans: vec![plan(BillingMode::OneTime, "500", false), plan(BillingMode::Monthly, "300", false)],
                request_template: None,
            }],
            image: None,
        }
    }

    /// An image: 10 USD a month (100 a year, 0.02 an hour) on an `s6.large.2` flavour at 50 a
    /// month, a 40 GB disk at 0.10 per GB, EIP at 2 per Mbit/s.
    pub fn image_draft() -> ProductDraft {
        ProductDraft {
            name: "LAMP Stack Image".into(),
            category: "Developer Tools".into(),
            delivery: DeliveryMethod::Image,
            involves_supervision: false,
            tags: vec!["lamp".into(), "php".into(), "mysql".into()],
            description: "Linux, Apache, MySQL and PHP, ready to run.".into(),
            support: support(),
            specifications: vec![Specification {
                name: "Default".into(),
                attributes: vec![],
                quantity: None,
                plans: vec![
                    plan(BillingMode::Monthly, "10", false),
                    plan(BillingMode::Yearly, "100", false),
                    plan(BillingMode::PayPerUse, "0.02", false),
                ],
                request_template: None,
            }],
            image: Some(ImageResources {
                flavour: "s6.large.2".into(),
                system_disk_gb: 40,
                recommended_security_group: Some("sg-web".into()),
                plans: vec![
                    ResourcePlan {
                        mode: BillingMode::Monthly,
                        flavour: usd("50"),
                        disk_per_gb: usd("0.1"),
                        eip_per_mbit: usd("2"),
                    },
                    ResourcePlan {
                        mode: BillingMode::Yearly,
                        flavour: usd("500"),
                        disk_per_gb: usd("1"),
                        eip_per_mbit: usd("20"),
                    },
                    ResourcePlan {
                        mode: BillingMode::PayPerUse,
                        flavour: usd("0.07"),
                        disk_per_gb: usd("0.0001"),
                        eip_per_mbit: usd("0.003"),
                    },
                ],
            }),
        }
    }

    /// A customized provisioning of [`image_draft`]'s `Default` specification: one monthly
    /// instance `web-1` without an EIP, password `Cloud#2026x`, the terms agreed.
    pub fn customized_image() -> crate::provisioning::ImageProvisioning {
        use crate::provisioning::{Customization, ImageProvisioning, Network, SecurityGroup};
        ImageProvisioning {
            quick_mode: None,
            specification: "Default".into(),
            network: Network { vpc: "vpc-main".into(), subnet: "subnet-a".into() },
            security_group: SecurityGroup::Recommended,
            login_password: crate::Secret::new("Cloud#2026x"),
            agree_terms: true,
            customization: Some(Customization {
                mode: BillingMode::Monthly,
                eip_mbit: None,
                server_name: "web-1".into(),
                periods: 1,
                instances: 1,
            }),
        }
    }

    /// On `market`: seller `isv-1` lists [`saas_draft`], customer `alice` (registered with a
    /// card) buys and pays [`standard_monthly`], and the seller gives the app `password` (APP-5).
    /// Returns alice, the seller and the app.
    pub fn saas_app_with_password(
        market: &crate::Marketplace,
        password: &str,
    ) -> Result<(crate::Actor, crate::Actor, crate::AppId), crate::Error> {
        use crate::{Actor, ApplicationInfo, CustomerAccount, CustomerId, PaymentMethod, Secret};
        let seller = Actor::seller("isv-1")?;
        market.register_customer(CustomerAccount::with_card(CustomerId::parse("alice")?))?;
        let alice = Actor::customer("alice")?;
        let saas = market.list_product(&seller, saas_draft())?;
        let order = market.place_order(&alice, standard_monthly(saas.id))?;
        market.accept_terms(&alice, &order.id)?;
        let paid = market.pay(&alice, &order.id, Some(PaymentMethod::CreditCard))?;
        let app = paid.app.ok_or_else(|| crate::Error::not_found("app", format!("of order {}", paid.id)))?;
        market.provide_application_info(&seller, &app, ApplicationInfo::default(), Some(Secret::new(password)))?;
        Ok((alice, seller, app))
    }
}
