//! Every limit that used to be a literal in the code is a `Policy` field: its default keeps
//! today's behaviour, and a market's own value changes what is accepted. Policy JSON written
//! before these fields existed still loads, with the defaults.

mod common;

use appmarket::provisioning::check_login_password;
use appmarket::supervision::{check_request, sensitive_data_warnings};
use appmarket::testing::fixtures;
use appmarket::*;
use chrono::{NaiveDate, Weekday};
use common::{app_info, field, request, world, world_with};

fn policy(change: impl FnOnce(&mut Policy)) -> Policy {
    let mut p = Policy::default();
    change(&mut p);
    p.validate().expect("a valid policy");
    p
}

fn image_request(eip_mbit: Option<u32>, vpc: &str, group: SecurityGroup, password: &str) -> ImageProvisioning {
    ImageProvisioning {
        quick_mode: None,
        specification: "Default".into(),
        network: Network { vpc: vpc.into(), subnet: "subnet-a".into() },
        security_group: group,
        login_password: Secret::new(password),
        agree_terms: true,
        customization: Some(Customization {
            mode: BillingMode::Monthly,
            eip_mbit,
            server_name: "web-01".into(),
            periods: 1,
            instances: 1,
        }),
    }
}

/// Quotes an image order under `policy`.
fn quote_image(policy: Policy, request: &ImageProvisioning) -> Result<Quote, Error> {
    let w = world_with(policy);
    let product = w.market.list_product(&w.seller, fixtures::image_draft()).unwrap();
    w.market.quote_image(&Actor::System, &product.id, request)
}

#[test]
fn policy_json_from_before_the_new_fields_loads_with_their_defaults() {
    let new_fields = [
        "renewal_day_max",
        "eip_min_mbit",
        "eip_max_mbit",
        "network_name_max_chars",
        "security_group_name_max_chars",
        "password_special_characters",
        "password_user_name",
        "attachment_name_max_chars",
        "sensitive_words",
        "application_info_max_chars",
        "application_password_max_chars",
        "search_text_max_chars",
        "product_name_max_chars",
        "product_description_max_chars",
        "product_tag_max_chars",
        "image_flavour_max_chars",
        "weekend_days",
    ];
    let mut old: serde_json::Value = serde_json::from_str(&Policy::default().to_json()).unwrap();
    for f in new_fields {
        assert!(old.as_object_mut().unwrap().remove(f).is_some(), "{f} is a Policy field");
    }
    let loaded = Policy::from_json(&old.to_string()).unwrap();
    assert_eq!(loaded, Policy::default());
    assert_eq!(loaded.renewal_day_max, 28);
    assert_eq!((loaded.eip_min_mbit, loaded.eip_max_mbit), (1, 2_000));
    assert_eq!((loaded.network_name_max_chars, loaded.security_group_name_max_chars), (64, 64));
    assert_eq!(loaded.password_special_characters, "!@$%^-_=+[{}]:,./?~#*");
    assert_eq!(loaded.password_user_name, "root");
    assert_eq!(loaded.attachment_name_max_chars, 255);
    assert_eq!(loaded.application_info_max_chars, 2_048);
    assert_eq!(loaded.application_password_max_chars, 128);
    assert_eq!(loaded.search_text_max_chars, 200);
    assert_eq!(
        (loaded.product_name_max_chars, loaded.product_description_max_chars, loaded.product_tag_max_chars),
        (200, 10_000, 50)
    );
    assert_eq!(loaded.image_flavour_max_chars, 64);
    assert_eq!(loaded.weekend_days, vec![Weekday::Sat, Weekday::Sun]);
    assert!(loaded.sensitive_words.iter().any(|w| w == "password") && loaded.sensitive_words.len() == 14);
    // Weekdays are written as chrono writes them.
    let fridays = Policy::from_json(r#"{"weekend_days": ["Fri"]}"#).unwrap();
    assert_eq!(fridays.weekend_days, vec![Weekday::Fri]);
}

#[test]
fn the_new_policy_fields_are_validated() {
    let refused = |change: fn(&mut Policy), field_name: &str| {
        let mut p = Policy::default();
        change(&mut p);
        let err = p.validate().unwrap_err();
        assert_eq!(field(&err), Some(field_name), "{err}");
    };
    refused(|p| p.renewal_day_max = 0, "renewal_day_max");
    refused(|p| p.renewal_day_max = 29, "renewal_day_max");
    refused(|p| p.eip_max_mbit = 0, "eip_max_mbit");
    refused(|p| p.eip_min_mbit = 3_000, "eip_min_mbit");
    refused(|p| p.network_name_max_chars = 0, "network_name_max_chars");
    refused(|p| p.security_group_name_max_chars = 256, "security_group_name_max_chars");
    refused(|p| p.image_flavour_max_chars = 0, "image_flavour_max_chars");
    refused(|p| p.attachment_name_max_chars = 0, "attachment_name_max_chars");
    refused(|p| p.application_info_max_chars = 0, "application_info_max_chars");
    refused(|p| p.application_password_max_chars = 2_000, "application_password_max_chars");
    refused(|p| p.search_text_max_chars = 0, "search_text_max_chars");
    refused(|p| p.product_name_max_chars = 0, "product_name_max_chars");
    refused(|p| p.product_description_max_chars = 0, "product_description_max_chars");
    refused(|p| p.product_tag_max_chars = 0, "product_tag_max_chars");
    refused(|p| p.password_special_characters = String::new(), "password_special_characters");
    refused(|p| p.password_special_characters = "#a".into(), "password_special_characters");
    refused(|p| p.password_special_characters = "##".into(), "password_special_characters");
    refused(|p| p.password_user_name = String::new(), "password_user_name");
    refused(|p| p.password_user_name = "ro ot".into(), "password_user_name");
    refused(|p| p.sensitive_words = vec![" ".into()], "sensitive_words");
    refused(|p| p.sensitive_words = vec!["Password".into()], "sensitive_words");
    refused(|p| p.weekend_days = vec![Weekday::Sat, Weekday::Sat], "weekend_days");
    refused(
        |p| {
            use Weekday::*;
            p.weekend_days = vec![Mon, Tue, Wed, Thu, Fri, Sat, Sun];
        },
        "weekend_days",
    );
    // An empty list of sensitive words and a week without weekend are a market's choice.
    policy(|p| {
        p.sensitive_words.clear();
        p.weekend_days.clear();
    });
}

#[test]
fn ren_4_renewal_days_come_from_policy() {
    let default = Policy::default();
    let short = policy(|p| p.renewal_day_max = 15);
    assert!(RenewalDay::day(20).unwrap().check(&default).is_ok());
    let err = RenewalDay::day(20).unwrap().check(&short).unwrap_err();
    assert_eq!(field(&err), Some("renewal_day"));
    assert!(err.to_string().contains("1–15"), "{err}");
    assert!(RenewalDay::day(15).unwrap().check(&short).is_ok());
    assert!(RenewalDay::LastDay.check(&short).is_ok());
    // No policy allows a day that some month lacks.
    assert!(RenewalDay::day(29).is_err());
}

#[test]
fn img_2_eip_bandwidth_comes_from_policy() {
    let group = || SecurityGroup::Recommended;
    assert!(quote_image(Policy::default(), &image_request(Some(2_000), "vpc", group(), "Cloud#2026x")).is_ok());
    let err = quote_image(Policy::default(), &image_request(Some(2_001), "vpc", group(), "Cloud#2026x")).unwrap_err();
    assert_eq!(field(&err), Some("eip_mbit"));
    let narrow = policy(|p| {
        p.eip_min_mbit = 5;
        p.eip_max_mbit = 100;
    });
    for mbit in [4, 101] {
        let err = quote_image(narrow.clone(), &image_request(Some(mbit), "vpc", group(), "Cloud#2026x")).unwrap_err();
        assert_eq!(field(&err), Some("eip_mbit"), "{mbit}: {err}");
        assert!(err.to_string().contains("5–100 Mbit/s"), "{err}");
    }
    assert!(quote_image(narrow, &image_request(Some(100), "vpc", group(), "Cloud#2026x")).is_ok());
}

#[test]
fn img_1_network_and_security_group_names_come_from_policy() {
    let long = "v".repeat(20);
    let new_group = || SecurityGroup::New { name: "g".repeat(20) };
    let recommended = || SecurityGroup::Recommended;
    assert!(quote_image(Policy::default(), &image_request(None, &long, new_group(), "Cloud#2026x")).is_ok());
    let short_network = policy(|p| p.network_name_max_chars = 10);
    let err = quote_image(short_network, &image_request(None, &long, recommended(), "Cloud#2026x")).unwrap_err();
    assert_eq!(field(&err), Some("request.network.vpc"));
    let short_group = policy(|p| p.security_group_name_max_chars = 10);
    let err = quote_image(short_group.clone(), &image_request(None, "vpc", new_group(), "Cloud#2026x")).unwrap_err();
    assert_eq!(field(&err), Some("request.security_group.name"));
    assert!(err.to_string().contains("at most 10 characters"), "{err}");
    assert!(quote_image(short_group, &image_request(None, &long, recommended(), "Cloud#2026x")).is_ok());
}

#[test]
fn img_3_password_specials_and_user_name_come_from_policy() {
    let default = Policy::default();
    assert!(check_login_password("Cloud!2026x", &default).is_ok());
    assert!(check_login_password("Admin#2026x", &default).is_ok());
    assert!(check_login_password("Root#2026xy", &default).is_err());
    let market = policy(|p| {
        p.password_special_characters = "#&".into();
        p.password_user_name = "Admin".into();
    });
    let err = check_login_password("Cloud!2026x", &market).unwrap_err();
    assert!(err.to_string().contains("not allowed") && err.to_string().contains("#&"), "{err}");
    assert!(check_login_password("Cloud&2026x", &market).is_ok());
    // The user name and its reverse, in any case.
    for bad in ["xADMIN#2026", "nimda#2026X"] {
        let err = check_login_password(bad, &market).unwrap_err();
        assert!(err.to_string().contains("`Admin`"), "{bad}: {err}");
    }
    assert!(check_login_password("Root#2026xy", &market).is_ok());
    // Through the marketplace too.
    let err = quote_image(market, &image_request(None, "vpc", SecurityGroup::Recommended, "Cloud!2026x")).unwrap_err();
    assert_eq!(field(&err), Some("login_password"));
}

#[test]
fn sup_3_attachment_name_length_comes_from_policy() {
    let mut req = request();
    req.attachments[0].name = format!("{}.docx", "r".repeat(20));
    assert!(check_request(FlowKind::Saas, &req, &Policy::default()).is_ok());
    let short = policy(|p| p.attachment_name_max_chars = 20);
    let err = check_request(FlowKind::Saas, &req, &short).unwrap_err();
    assert_eq!(field(&err), Some("attachment"));
    // And the submission through the marketplace is refused without changing anything.
    let w = world_with(short);
    let flow = w.saas();
    let err = w.refused(|m| m.submit_request(&w.buyer, &flow.id, req.clone()));
    assert_eq!(field(&err), Some("request.attachments.name"));
}

#[test]
fn sup_6_sensitive_words_come_from_policy() {
    let req = ServiceRequest {
        description: "Our wiki PASSWORD is in the attached secret file.".into(),
        attachments: vec![Attachment { name: "Secret-Notes.docx".into(), bytes: 10 }],
    };
    let default = sensitive_data_warnings(&req, &Policy::default());
    assert_eq!(default.len(), 1, "{default:?}");
    assert!(default[0].contains("\"password\""));
    let market = policy(|p| p.sensitive_words = vec!["secret".into()]);
    let warnings = sensitive_data_warnings(&req, &market);
    assert_eq!(warnings.len(), 2, "{warnings:?}");
    assert!(warnings.iter().all(|w| w.starts_with("SUP-6") && w.contains("\"secret\"") && !w.contains("\"password\"")));
    let none = policy(|p| p.sensitive_words.clear());
    assert!(sensitive_data_warnings(&req, &none).is_empty());
    // The marketplace warns with its own words, also when the submission is replayed.
    let w = world_with(market);
    let flow = w.saas();
    let caller = w.buyer.with_request_id("submit-1").unwrap();
    let submitted = w.market.submit_request(caller.clone(), &flow.id, req.clone()).unwrap();
    assert_eq!(submitted.warnings, warnings);
    let replayed = w.market.submit_request(caller, &flow.id, req).unwrap();
    assert_eq!(replayed.warnings, warnings);
}

#[test]
fn app_1_application_info_length_comes_from_policy() {
    let mut info = app_info();
    info.management_url = format!("https://crm.example/{}", "a".repeat(100));
    assert!(info.check(&Policy::default()).is_ok());
    let short = policy(|p| p.application_info_max_chars = 64);
    let err = info.check(&short).unwrap_err();
    assert_eq!(field(&err), Some("management_url"));
    assert!(err.to_string().contains("at most 64 characters"), "{err}");
    // A SaaS delivery with it is refused and changes nothing.
    let w = world_with(short);
    let flow = w.saas();
    w.submit(&flow);
    w.market.accept_request(&w.seller, &flow.id).unwrap();
    let delivery = Delivery { application_info: Some(info), ..Delivery::default() };
    let err = w.refused(|m| m.deliver(&w.seller, &flow.id, delivery.clone(), None));
    assert_eq!(field(&err), Some("delivery.application_info.management_url"));
}

#[test]
fn app_5_application_password_length_comes_from_policy() {
    let password = Secret::new("S3cret!pass"); // 11 characters
    assert!(ApplicationInfo::check_password(&password, &Policy::default()).is_ok());
    assert!(ApplicationInfo::check_password(&Secret::new(""), &Policy::default()).is_err());
    let short = policy(|p| p.application_password_max_chars = 8);
    let err = ApplicationInfo::check_password(&password, &short).unwrap_err();
    assert_eq!(field(&err), Some("password"));
    assert!(err.to_string().contains("1–8 characters"), "{err}");
    // Both ways a seller gives a password use it: the delivery and the application information.
    let w = world_with(short);
    let flow = w.saas();
    w.submit(&flow);
    w.market.accept_request(&w.seller, &flow.id).unwrap();
    let delivery = Delivery { application_info: Some(app_info()), ..Delivery::default() };
    let err = w.refused(|m| m.deliver(&w.seller, &flow.id, delivery.clone(), Some(password.clone())));
    assert_eq!(field(&err), Some("password"));
    w.market.deliver(&w.seller, &flow.id, delivery, Some(Secret::new("S3cret!p"))).unwrap();
    let err = w.refused(|m| m.provide_application_info(&w.seller, &flow.app, app_info(), Some(password.clone())));
    assert_eq!(field(&err), Some("password"));
    // Only a SaaS delivery, which carries application information, has a password.
    let service = w.professional_service();
    w.submit(&service);
    w.market.accept_request(&w.seller, &service.id).unwrap();
    let err = w.refused(|m| m.deliver(&w.seller, &service.id, Delivery::default(), Some(Secret::new("S3cret!p"))));
    assert_eq!(field(&err), Some("password"));
    assert!(err.to_string().contains("only a SaaS delivery"), "{err}");
}

#[test]
fn cat_3_search_text_length_comes_from_policy() {
    let query = SearchQuery { text: "email hosting".into(), ..SearchQuery::default() }; // 13 characters
    let w = world();
    assert!(w.market.search(&query).is_ok());
    let w = world_with(policy(|p| p.search_text_max_chars = 10));
    let err = w.market.search(&query).unwrap_err();
    assert_eq!(field(&err), Some("query.text"));
    assert!(err.to_string().contains("at most 10 characters"), "{err}");
    assert!(w.market.search(&SearchQuery { text: "email".into(), ..SearchQuery::default() }).is_ok());
}

#[test]
fn cat_1_product_text_lengths_come_from_policy() {
    let draft = fixtures::image_draft(); // name 16, description 43, longest tag 5, flavour 10
    assert!(draft.validate(&Policy::default()).is_ok());
    type Change = fn(&mut Policy);
    let cases: [(Change, &str); 4] = [
        (|p| p.product_name_max_chars = 15, "name"),
        (|p| p.product_description_max_chars = 40, "description"),
        (|p| p.product_tag_max_chars = 4, "tags"),
        (|p| p.image_flavour_max_chars = 9, "image.flavour"),
    ];
    for (change, field_name) in cases {
        let market = policy(change);
        let err = draft.validate(&market).unwrap_err();
        assert_eq!(field(&err), Some(field_name), "{err}");
        // Listing is refused and changes nothing.
        let w = world_with(market);
        let err = w.refused(|m| m.list_product(&w.seller, draft.clone()));
        assert_eq!(field(&err), Some(format!("draft.{field_name}").as_str()), "{err}");
    }
}

#[test]
fn apl_4_weekend_days_come_from_policy() {
    let friday = NaiveDate::from_ymd_opt(2026, 12, 4).unwrap();
    let saturday = NaiveDate::from_ymd_opt(2026, 12, 5).unwrap();
    let default = Policy::default();
    assert!(default.is_working_day(friday) && !default.is_working_day(saturday));
    let market = policy(|p| p.weekend_days = vec![Weekday::Fri]);
    assert!(!market.is_working_day(friday) && market.is_working_day(saturday));
    // Make-up working days and holidays still apply on top.
    let market = policy(|p| {
        p.weekend_days = vec![Weekday::Fri];
        p.makeup_working_days = vec![friday];
        p.public_holidays = vec![saturday];
    });
    assert!(market.is_working_day(friday) && !market.is_working_day(saturday));
}

#[test]
fn acc_1_ids_from_outside_are_at_most_max_id_chars_long() {
    let w = world_with(policy(|p| p.max_id_chars = 12));
    // An actor with a longer id changes nothing.
    let long_seller = Actor::seller("isv-with-a-long-name").unwrap();
    let err = w.refused(|m| m.list_product(&long_seller, fixtures::saas_draft()));
    assert_eq!(field(&err), Some("actor"));
    assert!(err.to_string().contains("at most 12 characters"), "{err}");
    assert!(w.market.list_product(Actor::seller("isv-2").unwrap(), fixtures::saas_draft()).is_ok());
    // A registered account's id and its reseller too.
    let err = w.market.register_customer(CustomerAccount::with_card(CustomerId::parse("carol-the-customer").unwrap()));
    assert_eq!(field(&err.unwrap_err()), Some("customer_id"));
    let reseller = CustomerAccount {
        reseller: Some("reseller-of-many".into()),
        ..CustomerAccount::with_card(CustomerId::parse("carol").unwrap())
    };
    let err = w.market.register_customer(reseller).unwrap_err();
    assert!(matches!(field(&err), Some(f) if f.contains("reseller")), "{err}");
    // The policy cannot allow more than an id holds.
    assert_eq!(Policy::default().max_id_chars, 64);
    let err = Policy::from_json(r#"{"max_id_chars": 65}"#).unwrap_err();
    assert_eq!(field(&err), Some("max_id_chars"));
}

#[test]
fn events_since_returns_at_most_max_events_page_events() {
    let w = world_with(policy(|p| p.max_events_page = 3));
    w.license();
    let all = w.market.events_since(0, usize::MAX).unwrap();
    assert_eq!(all.len(), 3);
    let next = w.market.events_since(all[2].seq, 2).unwrap();
    assert_eq!((next.len(), next[0].seq), (2, all[2].seq + 1));
    assert_eq!(Policy::default().max_events_page, 10_000);
    assert!(Policy::from_json(r#"{"max_events_page": 0}"#).is_err());
}
