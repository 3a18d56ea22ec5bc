//! Every parser of outside text gives a typed error or a value, never a panic.

use appmarket::provisioning::{check_login_password, check_server_name};
use appmarket::supervision::{Attachment, FlowKind, ServiceRequest, check_request};
use appmarket::time::parse_instant;
use appmarket::*;
use proptest::prelude::*;

proptest! {
    #![proptest_config(ProptestConfig::with_cases(1000))]

    #[test]
    fn ids_parse_or_refuse(text in any::<String>()) {
        let parsed = CustomerId::parse(&text);
        prop_assert_eq!(parsed.is_ok(), !text.is_empty() && text.chars().count() <= 64
            && text.chars().all(|c| c.is_ascii_alphanumeric() || "-_.:@".contains(c)));
        let _ = OrderId::parse(&text);
        let _ = RequestId::parse(&text);
    }

    #[test]
    fn currency_codes_parse_or_refuse(text in any::<String>()) {
        if let Ok(c) = Currency::parse(&text) {
            prop_assert_eq!(c.code(), text.as_str());
        }
    }

    #[test]
    fn money_parses_or_refuses(text in any::<String>(), n in any::<i64>(), scale in 0u32..10) {
        let _ = Money::parse(&text);
        let amount = rust_decimal::Decimal::new(n, scale);
        let m = Money::parse(&format!("{amount} USD")).unwrap();
        prop_assert_eq!(m.amount, amount);
        prop_assert_eq!(m.rounded().amount.scale(), 2);
    }

    #[test]
    fn instants_parse_or_refuse(text in any::<String>()) {
        let _ = parse_instant(&text);
    }

    #[test]
    fn passwords_and_server_names_are_checked_without_panic(text in any::<String>()) {
        let policy = Policy::default();
        let _ = check_login_password(&text, &policy);
        let _ = check_server_name(&text, &policy);
    }

    #[test]
    fn attachment_names_are_checked_without_panic(name in any::<String>(), bytes in any::<u64>(), description in any::<String>()) {
        let policy = Policy::default();
        let request = ServiceRequest { description, attachments: vec![Attachment { name, bytes }] };
        for kind in [FlowKind::Saas, FlowKind::ProfessionalService] {
            let _ = check_request(kind, &request, &policy);
        }
    }

    #[test]
    fn commands_and_actors_parse_or_refuse(text in any::<String>(), tag in prop::sample::select(vec![
        "pay", "place_order", "submit_request", "resolve_appeal", "renew", "tick", "search",
    ])) {
        let _ = appmarket::command::Command::from_json(&text);
        let _ = appmarket::command::Command::from_json(&format!("{{\"do\": \"{tag}\", \"order\": {text:?}}}"));
        let _ = Actor::parse(&text);
    }

    #[test]
    fn policy_json_parses_or_refuses(text in any::<String>()) {
        let _ = Policy::from_json(&text);
    }

    #[test]
    fn policy_json_with_random_numbers_parses_or_refuses(field in prop::sample::select(vec![
        "appeal_idle_days", "flow_max_days", "appeal_blackout_days", "max_page_size", "billing_utc_offset_minutes",
        "auto_renewal_charge_hour", "min_instances", "password_min_classes",
    ]), n in any::<i64>()) {
        let _ = Policy::from_json(&format!("{{\"{field}\": {n}}}"));
    }
}
