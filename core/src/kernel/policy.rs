//! Every number of the rules, with the marketplace's defaults (RULES.md §12).

use std::collections::BTreeMap;

use chrono::{NaiveDate, Weekday};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use crate::delivery::DeliveryMethod;
use crate::error::Error;
use crate::flow_kind::FlowKind;
use crate::money::{Currency, Money};
use crate::time::BillingZone;

/// The special characters a login password may use by default (IMG-3); a market sets its own in
/// [`Policy::password_special_characters`].
pub const PASSWORD_SPECIALS: &str = "!@$%^-_=+[{}]:,./?~#*";

/// The default words that suggest a password, an account or personal data (SUP-6), lower case;
/// a market sets its own in [`Policy::sensitive_words`].
pub const SENSITIVE_WORDS: &[&str] = &[
    "password",
    "passwd",
    "pwd",
    "account",
    "id card",
    "id number",
    "phone number",
    "mobile number",
    "credit card",
    "密码",
    "账号",
    "帐号",
    "身份证",
    "手机号",
];

/// Grace and retention lengths for one customer level (LIFE-1).
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EndOfTerm {
    /// Days after expiry during which the app is still usable.
    pub grace_days: u32,
    /// Days after the grace period during which the app is frozen but its data is kept.
    pub retention_days: u32,
}

/// Handling fees of an unsubscription by the formula (UNS-4), in percent of what was paid.
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct HandlingFees {
    /// Monthly terms and 1-year terms.
    pub monthly_and_one_year_percent: Decimal,
    /// 2-year terms, by year of use (first, then second).
    pub two_year_percent: Vec<Decimal>,
    /// 3-year terms, by year of use.
    pub three_year_percent: Vec<Decimal>,
    /// Terms of 4 years and more, by their years (the JSON key) and then by year of use: a
    /// band for every term `max_yearly_periods` (or `max_monthly_periods` in whole years)
    /// allows beyond three years. Empty by default: the default terms are at most 3 years.
    #[serde(default)]
    pub longer_term_percent: BTreeMap<u32, Vec<Decimal>>,
}

impl HandlingFees {
    /// The band of a term of `years` years, by year of use (UNS-4): `None` for a 1-year (or
    /// shorter) term, which has the one fee `monthly_and_one_year_percent`, and for a longer
    /// term without a band.
    pub fn band(&self, years: u32) -> Option<&[Decimal]> {
        match years {
            0 | 1 => None,
            2 => Some(&self.two_year_percent),
            3 => Some(&self.three_year_percent),
            n => self.longer_term_percent.get(&n).map(Vec::as_slice),
        }
    }
}

/// The numbers of the rules. [`Policy::default`] gives the marketplace's defaults; a host may
/// override any field (also from JSON with [`Policy::from_json`], where missing fields keep their
/// defaults).
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "python", pyo3::pyclass(frozen, eq, from_py_object, module = "appmarket"))]
#[serde(default, deny_unknown_fields)]
pub struct Policy {
    /// Billing time zone as minutes east of UTC (UTC+08:00 = 480).
    pub billing_utc_offset_minutes: i32,
    /// ORD-3: an order unpaid this many days is cancelled by `tick`.
    pub order_payment_timeout_days: u32,
    /// ORD-1, REN-1: most monthly periods in one order or renewal.
    pub max_monthly_periods: u32,
    /// ORD-1, REN-1: most yearly periods in one order or renewal.
    pub max_yearly_periods: u32,
    /// ORD-7: most orders a customer may have waiting for payment when placing another.
    pub max_unpaid_orders_per_customer: u32,
    /// SUP-4: the order is completed this many hours after acceptance.
    pub completion_delay_hours: u32,
    /// SUP-5: at most one reminder to the seller per this many hours.
    pub reminder_interval_hours: u32,
    /// SUP-3: shortest request description, in characters.
    pub description_min_chars: u32,
    /// SUP-3: longest request description, in characters.
    pub description_max_chars: u32,
    /// Longest free-text reason (rejections, appeals, resolutions), in characters.
    pub reason_max_chars: u32,
    /// SUP-3: accepted attachment extensions (case-insensitive).
    pub attachment_extensions: Vec<String>,
    /// SUP-3: largest attachment, in bytes (50 MB).
    pub attachment_max_bytes: u64,
    /// APL-1: a party idle for more than this many days may be appealed against.
    pub appeal_idle_days: u32,
    /// APL-1: this many rejections of the request by the seller open the customer's appeal, and
    /// this many rejections of the delivery by the customer open either party's appeal in a
    /// flow kind without its own count in `appeal_rejections_by_kind` (the Appeal sections of
    /// the user guide §4.2 and §4.3 say "three times").
    pub appeal_rejections: u32,
    /// SUP-8: a flow open this many days is closed by the system.
    pub flow_max_days: u32,
    /// APL-3: no appeal within this many days before the flow closes.
    pub appeal_blackout_days: u32,
    /// APL-4: the operator resolves within this many working days.
    pub appeal_resolution_working_days: u32,
    /// REN-5: delivery methods that auto-renewal applies to.
    pub auto_renewal_delivery_methods: Vec<DeliveryMethod>,
    /// REN-6: default days before expiry of the auto-renewal charge (also the most allowed).
    pub auto_renewal_days_before: u32,
    /// REN-6: local hour of the auto-renewal charge and its retries.
    pub auto_renewal_charge_hour: u32,
    /// REN-5: most auto-renewals that can be set (0 = unlimited).
    pub auto_renewal_max_count: u32,
    /// LIFE-1: grace and retention for customers without a level.
    pub end_of_term: EndOfTerm,
    /// LIFE-1: grace and retention by customer level.
    pub end_of_term_by_level: BTreeMap<String, EndOfTerm>,
    /// LIFE-1: expiry reminders, in days before expiry.
    pub expiry_reminder_days: Vec<u32>,
    /// UNS-3: unconditional unsubscription window, in hours after provisioning.
    pub unconditional_unsubscribe_hours: u32,
    /// UNS-3: unconditional unsubscriptions per account per calendar year.
    pub unconditional_unsubscribe_per_year: u32,
    /// UNS-4: handling fees.
    pub handling_fees: HandlingFees,
    /// UNS-5: unsubscriptions refunding more than this wait for operator review.
    pub unsubscribe_review_above: Money,
    /// PRC-4: discount factor on upgrades, 0 < d ≤ 1.
    pub upgrade_discount: Decimal,
    /// IMG-2: fewest instances in one image order.
    pub min_instances: u32,
    /// IMG-2: most instances in one image order.
    pub max_instances: u32,
    /// IMG-2: longest server name.
    pub server_name_max_chars: u32,
    /// IMG-3: shortest login password.
    pub password_min_chars: u32,
    /// IMG-3: longest login password.
    pub password_max_chars: u32,
    /// IMG-3: character classes a password needs (of upper, lower, digit, special).
    pub password_min_classes: u32,
    /// CAT-3: largest page of a search or a listing.
    pub max_page_size: u32,
    /// How long a host running `tick` holds its claim on a due item, in seconds, so that hosts
    /// sharing one store process each due item once (1–86,400).
    pub tick_claim_seconds: u32,
    /// How long request ids are remembered, in days, before `forget_old_requests` may prune
    /// them; a pruned id is then a new request (1–3,650).
    pub request_retention_days: u32,
    /// PRC-7: a pay-per-use billing cycle, in whole hours (1–24): `tick` settles each ended
    /// cycle's started hours.
    pub pay_per_use_cycle_hours: u32,
    /// PRC-7: most settlements one `tick` makes for one pay-per-use app (1–8,760); an app
    /// further behind stays due and the next `tick` goes on from there.
    pub max_settlements_per_tick: u32,
    /// Most events one call of `records` returns (1–100,000); the caller pages on with the
    /// last event's `seq`.
    pub max_records_page: u32,
    /// UNS-6: whether customers of supervised orders may ask the seller for a negotiated
    /// refund.
    pub negotiated_refunds: bool,
    /// SUP-8: whether a flow closed after the longest flow refunds an uninvoiced order in full
    /// (`true`) or completes it like an invoiced one (`false`).
    pub max_age_refunds_uninvoiced: bool,
    /// UNS-5: review thresholds in further currencies, at most one per currency (one given
    /// here overrides `unsubscribe_review_above` in its currency). A refund in a currency with
    /// no threshold at all follows `review_refunds_without_threshold`.
    pub unsubscribe_review_thresholds: Vec<Money>,
    /// APL-1: the customer's rejections of the delivery that open the appeal, by flow kind where
    /// it differs from `appeal_rejections`. Default: `license` and `professional_service` 2
    /// (user guide §4.1 and §4.2, "Accepting a Product": "after you have rejected the product
    /// twice"); SaaS and 5G NaaS keep `appeal_rejections`.
    #[serde(default = "defaults::appeal_rejections_by_kind")]
    pub appeal_rejections_by_kind: BTreeMap<FlowKind, u32>,
    /// APL-4: public holidays (billing-zone dates) that are not working days.
    pub public_holidays: Vec<NaiveDate>,
    /// APL-4: make-up working days: weekend dates (billing zone) that are working days.
    pub makeup_working_days: Vec<NaiveDate>,
    /// REN-4: the latest day of the month a renewal date may name (1–28); the last day of the
    /// month is always allowed.
    #[serde(default = "defaults::renewal_day_max")]
    pub renewal_day_max: u32,
    /// IMG-2: least EIP bandwidth of a customized image order, in Mbit/s.
    #[serde(default = "defaults::eip_min_mbit")]
    pub eip_min_mbit: u32,
    /// IMG-2: most EIP bandwidth of a customized image order, in Mbit/s.
    #[serde(default = "defaults::eip_max_mbit")]
    pub eip_max_mbit: u32,
    /// IMG-1: longest VPC or subnet name, in characters.
    #[serde(default = "defaults::name_64")]
    pub network_name_max_chars: u32,
    /// IMG-1: longest name of a new security group, in characters.
    #[serde(default = "defaults::name_64")]
    pub security_group_name_max_chars: u32,
    /// IMG-3: the special characters a login password may use (ASCII punctuation).
    #[serde(default = "defaults::password_special_characters")]
    pub password_special_characters: String,
    /// IMG-3: the servers' login user name — an image app's username (APP-1) — which a login
    /// password must not contain, nor its reverse (case-insensitive).
    #[serde(default = "defaults::password_user_name")]
    pub password_user_name: String,
    /// SUP-3: longest attachment name, in characters.
    #[serde(default = "defaults::attachment_name_max_chars")]
    pub attachment_name_max_chars: u32,
    /// SUP-6: words, in lower case, that make a description or attachment name earn a
    /// sensitive-data warning.
    #[serde(default = "defaults::sensitive_words")]
    pub sensitive_words: Vec<String>,
    /// APP-1: longest username, management URL, frontend URL or product guide link of the
    /// application information, in characters.
    #[serde(default = "defaults::application_info_max_chars")]
    pub application_info_max_chars: u32,
    /// APP-5: longest application password a seller gives, in characters.
    #[serde(default = "defaults::application_password_max_chars")]
    pub application_password_max_chars: u32,
    /// CAT-3: longest search text, in characters.
    #[serde(default = "defaults::search_text_max_chars")]
    pub search_text_max_chars: u32,
    /// CAT-1: longest product name, in characters (also of its category, specification,
    /// quantity and attribute names, attribute values, support email and phone, and of a
    /// specification, category or app name a request or filter gives).
    #[serde(default = "defaults::product_name_max_chars")]
    pub product_name_max_chars: u32,
    /// CAT-1: longest product description, in characters.
    #[serde(default = "defaults::product_description_max_chars")]
    pub product_description_max_chars: u32,
    /// CAT-1: longest tag of a product, in characters.
    #[serde(default = "defaults::product_tag_max_chars")]
    pub product_tag_max_chars: u32,
    /// CAT-1: longest flavour name of an image product, in characters.
    #[serde(default = "defaults::name_64")]
    pub image_flavour_max_chars: u32,
    /// APL-4: the days of the week that are not working days (Saturday and Sunday).
    #[serde(default = "defaults::weekend_days")]
    pub weekend_days: Vec<Weekday>,
    /// PRC-8: whether a downgrade (a cheaper specification, fewer units) may be scheduled for
    /// the end of the term (`true`) or is refused as by PRC-4 (`false`, the user guide's rule).
    #[serde(default)]
    pub downgrade_at_renewal: bool,
    /// REN-7: the waits between declined auto-renewal charges (REN-6), the last one repeating
    /// until the retention period ends. Default: daily at the charge hour.
    #[serde(default = "defaults::auto_renewal_retries")]
    pub auto_renewal_retries: Vec<RetryWait>,
    /// REN-7: the waits between declined pay-per-use settlement attempts (PRC-7), the last one
    /// repeating until the app is released. Default: every billing cycle.
    #[serde(default = "defaults::pay_per_use_retries")]
    pub pay_per_use_retries: Vec<RetryWait>,
    /// CAT-3: the page size of a search or a listing that names none (1–`max_page_size`).
    #[serde(default = "defaults::default_page_size")]
    pub default_page_size: u32,
    /// Most events one call of `events_since` returns (1–1,000,000); the host pages on with
    /// the last event's `seq`.
    #[serde(default = "defaults::max_events_page")]
    pub max_events_page: u32,
    /// ACC-1: the longest id the marketplace takes from outside — a registered customer's id,
    /// a reseller or level label, the id of the actor of a change, the marketplace's id — in
    /// characters (1–64: no id holds more, [`MAX_ID_CHARS`](crate::actor::MAX_ID_CHARS)).
    #[serde(default = "defaults::max_id_chars")]
    pub max_id_chars: u32,
    /// UNS-5: whether a refund in a currency with no review threshold (neither
    /// `unsubscribe_review_above` nor one of `unsubscribe_review_thresholds`) waits for an
    /// operator's review (`true`) or never does (`false`).
    #[serde(default = "defaults::review_refunds_without_threshold")]
    pub review_refunds_without_threshold: bool,
    /// UPC-3: how far ahead the preview of upcoming charges may look, in days (1–3,660).
    #[serde(default = "defaults::upcoming_max_days")]
    pub upcoming_max_days: u32,
}

/// The defaults of the fields added after the first release, also used by [`Policy::default`],
/// so that a policy JSON written before them still loads with today's values.
mod defaults {
    use std::collections::BTreeMap;

    use chrono::Weekday;

    use crate::flow_kind::FlowKind;

    use super::RetryWait;
    use super::{PASSWORD_SPECIALS, SENSITIVE_WORDS};

    pub(super) fn renewal_day_max() -> u32 {
        28
    }
    pub(super) fn eip_min_mbit() -> u32 {
        1
    }
    pub(super) fn eip_max_mbit() -> u32 {
        2_000
    }
    pub(super) fn name_64() -> u32 {
        64
    }
    pub(super) fn password_special_characters() -> String {
        PASSWORD_SPECIALS.to_owned()
    }
    pub(super) fn password_user_name() -> String {
        "root".to_owned()
    }
    pub(super) fn attachment_name_max_chars() -> u32 {
        255
    }
    pub(super) fn sensitive_words() -> Vec<String> {
        SENSITIVE_WORDS.iter().map(|w| (*w).to_owned()).collect()
    }
    pub(super) fn application_info_max_chars() -> u32 {
        2_048
    }
    pub(super) fn application_password_max_chars() -> u32 {
        128
    }
    pub(super) fn search_text_max_chars() -> u32 {
        200
    }
    pub(super) fn product_name_max_chars() -> u32 {
        200
    }
    pub(super) fn product_description_max_chars() -> u32 {
        10_000
    }
    pub(super) fn product_tag_max_chars() -> u32 {
        50
    }
    pub(super) fn weekend_days() -> Vec<Weekday> {
        vec![Weekday::Sat, Weekday::Sun]
    }
    pub(super) fn auto_renewal_retries() -> Vec<RetryWait> {
        vec![RetryWait::Days(1)]
    }
    pub(super) fn pay_per_use_retries() -> Vec<RetryWait> {
        vec![RetryWait::Cycles(1)]
    }
    pub(super) fn appeal_rejections_by_kind() -> BTreeMap<FlowKind, u32> {
        BTreeMap::from([(FlowKind::License, 2), (FlowKind::ProfessionalService, 2)])
    }
    pub(super) fn default_page_size() -> u32 {
        20
    }
    pub(super) fn max_events_page() -> u32 {
        10_000
    }
    pub(super) fn max_id_chars() -> u32 {
        64
    }
    pub(super) fn review_refunds_without_threshold() -> bool {
        true
    }
    pub(super) fn upcoming_max_days() -> u32 {
        366
    }
}

impl Default for Policy {
    fn default() -> Policy {
        let pct = |n: i64| Decimal::new(n, 0);
        Policy {
            billing_utc_offset_minutes: 8 * 60,
            order_payment_timeout_days: 7,
            max_monthly_periods: 9,
            max_yearly_periods: 3,
            max_unpaid_orders_per_customer: 100,
            completion_delay_hours: 3,
            reminder_interval_hours: 24,
            description_min_chars: 1,
            description_max_chars: 1000,
            reason_max_chars: 1000,
            attachment_extensions: [
                "bmp", "jpg", "jpeg", "png", "gif", "doc", "docx", "xls", "xlsx", "ppt", "pptx", "pdf", "rar", "zip",
            ]
            .map(String::from)
            .to_vec(),
            attachment_max_bytes: 50 * 1024 * 1024,
            appeal_idle_days: 5,
            appeal_rejections: 3,
            flow_max_days: 365,
            appeal_blackout_days: 15,
            appeal_resolution_working_days: 3,
            auto_renewal_delivery_methods: vec![DeliveryMethod::License, DeliveryMethod::ProfessionalService],
            auto_renewal_days_before: 7,
            auto_renewal_charge_hour: 3,
            auto_renewal_max_count: 99,
            end_of_term: EndOfTerm { grace_days: 15, retention_days: 15 },
            end_of_term_by_level: BTreeMap::new(),
            expiry_reminder_days: vec![7, 3, 1],
            unconditional_unsubscribe_hours: 120,
            unconditional_unsubscribe_per_year: 10,
            handling_fees: HandlingFees {
                monthly_and_one_year_percent: pct(10),
                two_year_percent: vec![pct(15), pct(10)],
                three_year_percent: vec![pct(15), pct(10), pct(5)],
                longer_term_percent: BTreeMap::new(),
            },
            unsubscribe_review_above: Money::new(Decimal::new(7000, 0), Currency::USD),
            upgrade_discount: Decimal::ONE,
            min_instances: 1,
            max_instances: 50,
            server_name_max_chars: 64,
            password_min_chars: 8,
            password_max_chars: 26,
            password_min_classes: 3,
            max_page_size: 100,
            tick_claim_seconds: 300,
            request_retention_days: 30,
            pay_per_use_cycle_hours: 1,
            max_settlements_per_tick: 24,
            max_records_page: 1_000,
            negotiated_refunds: true,
            max_age_refunds_uninvoiced: true,
            unsubscribe_review_thresholds: Vec::new(),
            appeal_rejections_by_kind: defaults::appeal_rejections_by_kind(),
            public_holidays: Vec::new(),
            makeup_working_days: Vec::new(),
            renewal_day_max: defaults::renewal_day_max(),
            eip_min_mbit: defaults::eip_min_mbit(),
            eip_max_mbit: defaults::eip_max_mbit(),
            network_name_max_chars: defaults::name_64(),
            security_group_name_max_chars: defaults::name_64(),
            password_special_characters: defaults::password_special_characters(),
            password_user_name: defaults::password_user_name(),
            attachment_name_max_chars: defaults::attachment_name_max_chars(),
            sensitive_words: defaults::sensitive_words(),
            application_info_max_chars: defaults::application_info_max_chars(),
            application_password_max_chars: defaults::application_password_max_chars(),
            search_text_max_chars: defaults::search_text_max_chars(),
            product_name_max_chars: defaults::product_name_max_chars(),
            product_description_max_chars: defaults::product_description_max_chars(),
            product_tag_max_chars: defaults::product_tag_max_chars(),
            image_flavour_max_chars: defaults::name_64(),
            weekend_days: defaults::weekend_days(),
            downgrade_at_renewal: false,
            auto_renewal_retries: defaults::auto_renewal_retries(),
            pay_per_use_retries: defaults::pay_per_use_retries(),
            default_page_size: defaults::default_page_size(),
            max_events_page: defaults::max_events_page(),
            max_id_chars: defaults::max_id_chars(),
            review_refunds_without_threshold: defaults::review_refunds_without_threshold(),
            upcoming_max_days: defaults::upcoming_max_days(),
        }
    }
}

impl Policy {
    /// Reads a policy from JSON; missing fields keep their defaults, unknown fields are refused.
    ///
    /// ```
    /// let policy = appmarket::Policy::from_json(r#"{"appeal_idle_days": 7}"#).unwrap();
    /// assert_eq!(policy.appeal_idle_days, 7);
    /// assert_eq!(policy.flow_max_days, 365);
    /// assert!(appmarket::Policy::from_json(r#"{"appeal_idle_days": -1}"#).is_err());
    /// ```
    pub fn from_json(text: &str) -> Result<Policy, Error> {
        let value: serde_json::Value = serde_json::from_str(text)
            .map_err(|e| Error::invalid("policy", format!("not a valid policy JSON: {e}")))?;
        if !value.is_object() {
            return Err(Error::invalid(
                "policy",
                "a policy is a JSON object of fields, such as {\"appeal_idle_days\": 7}",
            ));
        }
        let policy: Policy = serde_json::from_value(value)
            .map_err(|e| Error::invalid("policy", format!("not a valid policy JSON: {e}")))?;
        policy.validate()?;
        Ok(policy)
    }

    /// The policy as JSON.
    pub fn to_json(&self) -> String {
        serde_json::to_string_pretty(self).unwrap_or_default()
    }

    /// Checks every field against its documented range, and that the numbers make sense
    /// together. The ranges keep every date and money operation of the rules inside the
    /// calendar and `Decimal`'s range:
    ///
    /// | field | range |
    /// |---|---|
    /// | `order_payment_timeout_days`, `appeal_idle_days`, `appeal_resolution_working_days`, `auto_renewal_days_before` | 1–365 |
    /// | `max_monthly_periods` | 1–120 |
    /// | `max_yearly_periods` | 1–10 |
    /// | `max_unpaid_orders_per_customer` | 1–1,000,000 |
    /// | `completion_delay_hours`, `unconditional_unsubscribe_hours` | 0–8,760 |
    /// | `reminder_interval_hours` | 1–8,760 |
    /// | `description_min_chars` ≤ `description_max_chars`, `reason_max_chars` | 1–100,000 |
    /// | `attachment_max_bytes` | 1–10 GiB |
    /// | `appeal_rejections`, each of `appeal_rejections_by_kind` | 1–100 |
    /// | `pay_per_use_cycle_hours` | 1–24 |
    /// | `max_settlements_per_tick` | 1–8,760 |
    /// | `max_records_page` | 1–100,000 |
    /// | `unsubscribe_review_thresholds` | at most 200, one per currency, each 0–10¹² |
    /// | `public_holidays`, `makeup_working_days` | at most 10,000 each, no date in both |
    /// | `flow_max_days` | 1–3,650, longer than `appeal_blackout_days` |
    /// | grace and retention days (also per level) | 0–3,650 each |
    /// | `expiry_reminder_days` | at most 16 values, each 1–365 |
    /// | `auto_renewal_charge_hour` | 0–23 |
    /// | `auto_renewal_max_count`, `unconditional_unsubscribe_per_year` | 0–10,000 |
    /// | `min_instances` ≤ `max_instances` | 1–1,000 |
    /// | `server_name_max_chars` | 1–255 |
    /// | `password_min_chars` ≤ `password_max_chars` | 1–128; `password_min_classes` 0–4 |
    /// | `max_page_size` | 1–10,000 |
    /// | `default_page_size` | 1–`max_page_size` |
    /// | `max_events_page` | 1–1,000,000 |
    /// | `max_id_chars` | 1–64 |
    /// | `unsubscribe_review_above` | 0–10¹² |
    /// | `upgrade_discount` | 0 < d ≤ 1 |
    /// | handling fees | 0–100 percent; a band of 1 to n fees for every n-year term, 2 ≤ n ≤ the longest term `max_yearly_periods` or `max_monthly_periods` allows, keys of `longer_term_percent` 4–10 |
    /// | `renewal_day_max` | 1–28 |
    /// | `eip_min_mbit` ≤ `eip_max_mbit` | 1–100,000 |
    /// | `network_name_max_chars`, `security_group_name_max_chars`, `image_flavour_max_chars` | 1–255 |
    /// | `attachment_name_max_chars` | 1–1,000 |
    /// | `application_info_max_chars` | 1–100,000 |
    /// | `application_password_max_chars` | 1–1,024 |
    /// | `search_text_max_chars`, `product_name_max_chars` | 1–10,000 |
    /// | `product_description_max_chars` | 1–1,000,000 |
    /// | `product_tag_max_chars` | 1–1,000 |
    /// | `password_special_characters` | 1–32 distinct ASCII punctuation characters |
    /// | `password_user_name` | 1–64 characters, no white space |
    /// | `sensitive_words` | at most 1,000 words, each 1–100 characters in lower case |
    /// | `weekend_days` | at most 6 distinct days |
    /// | `auto_renewal_retries`, `pay_per_use_retries` | 1–32 waits: days 1–365, hours or cycles 1–8,760 |
    /// | `upcoming_max_days` | 1–3,660 |
    pub fn validate(&self) -> Result<(), Error> {
        let bad = |field: &str, reason: &str| Err(Error::invalid(field, reason));
        BillingZone::from_offset_minutes(self.billing_utc_offset_minutes)?;
        let ranges: [(&str, u64, u64, u64); 38] = [
            ("order_payment_timeout_days", self.order_payment_timeout_days.into(), 1, 365),
            ("appeal_idle_days", self.appeal_idle_days.into(), 1, 365),
            ("appeal_resolution_working_days", self.appeal_resolution_working_days.into(), 1, 365),
            ("auto_renewal_days_before", self.auto_renewal_days_before.into(), 1, 365),
            ("max_monthly_periods", self.max_monthly_periods.into(), 1, 120),
            ("max_yearly_periods", self.max_yearly_periods.into(), 1, 10),
            ("max_unpaid_orders_per_customer", self.max_unpaid_orders_per_customer.into(), 1, 1_000_000),
            ("completion_delay_hours", self.completion_delay_hours.into(), 0, 8_760),
            ("unconditional_unsubscribe_hours", self.unconditional_unsubscribe_hours.into(), 0, 8_760),
            ("reminder_interval_hours", self.reminder_interval_hours.into(), 1, 8_760),
            ("description_max_chars", self.description_max_chars.into(), 1, 100_000),
            ("reason_max_chars", self.reason_max_chars.into(), 1, 100_000),
            ("attachment_max_bytes", self.attachment_max_bytes, 1, 10 * 1024 * 1024 * 1024),
            ("appeal_rejections", self.appeal_rejections.into(), 1, 100),
            ("flow_max_days", self.flow_max_days.into(), 1, 3_650),
            ("auto_renewal_max_count", self.auto_renewal_max_count.into(), 0, 10_000),
            ("unconditional_unsubscribe_per_year", self.unconditional_unsubscribe_per_year.into(), 0, 10_000),
            ("max_instances", self.max_instances.into(), 1, 1_000),
            ("server_name_max_chars", self.server_name_max_chars.into(), 1, 255),
            ("password_max_chars", self.password_max_chars.into(), 1, 128),
            ("password_min_chars", self.password_min_chars.into(), 1, 128),
            ("max_page_size", self.max_page_size.into(), 1, 10_000),
            ("default_page_size", self.default_page_size.into(), 1, self.max_page_size.into()),
            ("max_events_page", self.max_events_page.into(), 1, 1_000_000),
            ("max_id_chars", self.max_id_chars.into(), 1, crate::actor::MAX_ID_CHARS as u64),
            ("renewal_day_max", self.renewal_day_max.into(), 1, 28),
            ("eip_min_mbit", self.eip_min_mbit.into(), 1, 100_000),
            ("eip_max_mbit", self.eip_max_mbit.into(), 1, 100_000),
            ("network_name_max_chars", self.network_name_max_chars.into(), 1, 255),
            ("security_group_name_max_chars", self.security_group_name_max_chars.into(), 1, 255),
            ("image_flavour_max_chars", self.image_flavour_max_chars.into(), 1, 255),
            ("attachment_name_max_chars", self.attachment_name_max_chars.into(), 1, 1_000),
            ("application_info_max_chars", self.application_info_max_chars.into(), 1, 100_000),
            ("application_password_max_chars", self.application_password_max_chars.into(), 1, 1_024),
            ("search_text_max_chars", self.search_text_max_chars.into(), 1, 10_000),
            ("product_name_max_chars", self.product_name_max_chars.into(), 1, 10_000),
            ("product_description_max_chars", self.product_description_max_chars.into(), 1, 1_000_000),
            ("product_tag_max_chars", self.product_tag_max_chars.into(), 1, 1_000),
        ];
        for (field, value, min, max) in ranges {
            if value < min || value > max {
                return Err(Error::invalid(field, format!("must be {min}–{max}, got {value}")));
            }
        }
        for (level, eot) in std::iter::once(("", &self.end_of_term))
            .chain(self.end_of_term_by_level.iter().map(|(l, e)| (l.as_str(), e)))
        {
            if eot.grace_days > 3_650 || eot.retention_days > 3_650 {
                let field =
                    if level.is_empty() { "end_of_term".to_owned() } else { format!("end_of_term_by_level.{level}") };
                return Err(Error::invalid(field, "grace and retention are 0–3,650 days each"));
            }
        }
        if self.expiry_reminder_days.len() > 16 || self.expiry_reminder_days.iter().any(|d| !(1..=365).contains(d)) {
            return bad("expiry_reminder_days", "at most 16 reminders, each 1–365 days before expiry");
        }
        self.unsubscribe_review_above.check_input("unsubscribe_review_above")?;
        if self.max_monthly_periods == 0 || self.max_yearly_periods == 0 {
            return bad("max_monthly_periods", "at least one period must be allowed");
        }
        if self.description_min_chars == 0 || self.description_min_chars > self.description_max_chars {
            return bad("description_min_chars", "needs 1 ≤ min ≤ max");
        }
        if self.auto_renewal_charge_hour > 23 {
            return bad("auto_renewal_charge_hour", "an hour is 0–23");
        }
        if self.appeal_blackout_days >= self.flow_max_days {
            return bad("appeal_blackout_days", "the blackout must be shorter than the flow");
        }
        if self.min_instances == 0 || self.min_instances > self.max_instances {
            return bad("min_instances", "needs 1 ≤ min ≤ max");
        }
        if self.password_min_chars > self.password_max_chars || self.password_min_classes > 4 {
            return bad("password_min_chars", "needs min ≤ max and at most 4 classes");
        }
        if self.upgrade_discount <= Decimal::ZERO || self.upgrade_discount > Decimal::ONE {
            return bad("upgrade_discount", "needs 0 < discount ≤ 1");
        }
        if self.max_page_size == 0 {
            return bad("max_page_size", "a page holds at least one item");
        }
        if !(1..=86_400).contains(&self.tick_claim_seconds) {
            return bad("tick_claim_seconds", "a claim lasts 1–86,400 seconds");
        }
        if !(1..=3_650).contains(&self.request_retention_days) {
            return bad("request_retention_days", "request ids are kept 1–3,650 days");
        }
        if !(1..=24).contains(&self.pay_per_use_cycle_hours) {
            return bad("pay_per_use_cycle_hours", "a pay-per-use billing cycle lasts 1–24 whole hours");
        }
        if !(1..=8_760).contains(&self.max_settlements_per_tick) {
            return bad("max_settlements_per_tick", "a tick makes 1–8,760 settlements per app");
        }
        if !(1..=100_000).contains(&self.max_records_page) {
            return bad("max_records_page", "a page of records holds 1–100,000 events");
        }
        if self.unsubscribe_review_above.is_negative() {
            return bad("unsubscribe_review_above", "cannot be negative");
        }
        if std::iter::once(&self.appeal_rejections)
            .chain(self.appeal_rejections_by_kind.values())
            .any(|n| !(1..=100).contains(n))
        {
            return bad("appeal_rejections", "1–100 rejections open the appeal");
        }
        if self.unsubscribe_review_thresholds.len() > 200 {
            return bad("unsubscribe_review_thresholds", "at most 200 currencies");
        }
        if self.public_holidays.len() > 10_000 || self.makeup_working_days.len() > 10_000 {
            return bad("public_holidays", "at most 10,000 holidays and 10,000 make-up working days");
        }
        if let Some(both) = self.public_holidays.iter().find(|d| self.makeup_working_days.contains(d)) {
            return Err(Error::invalid(
                "makeup_working_days",
                format!("{both} is both a public holiday and a make-up working day"),
            ));
        }
        for (i, t) in self.unsubscribe_review_thresholds.iter().enumerate() {
            t.check_input("unsubscribe_review_thresholds")?;
            if t.is_negative() {
                return bad("unsubscribe_review_thresholds", "a threshold cannot be negative");
            }
            if self.unsubscribe_review_thresholds[..i].iter().any(|o| o.currency == t.currency) {
                return bad("unsubscribe_review_thresholds", "at most one threshold per currency");
            }
        }
        if self.eip_min_mbit > self.eip_max_mbit {
            return bad("eip_min_mbit", "needs min ≤ max");
        }
        let specials = &self.password_special_characters;
        if specials.is_empty()
            || specials.chars().count() > 32
            || specials.chars().any(|c| !c.is_ascii_punctuation())
            || specials.chars().enumerate().any(|(i, c)| specials.chars().skip(i + 1).any(|o| o == c))
        {
            return bad("password_special_characters", "needs 1–32 distinct ASCII punctuation characters");
        }
        let user = &self.password_user_name;
        if user.is_empty() || user.chars().count() > 64 || user.chars().any(char::is_whitespace) {
            return bad("password_user_name", "a user name has 1–64 characters, without white space");
        }
        if self.sensitive_words.len() > 1_000 {
            return bad("sensitive_words", "at most 1,000 words");
        }
        if let Some(w) = self
            .sensitive_words
            .iter()
            .find(|w| w.trim().is_empty() || w.chars().count() > 100 || **w != w.to_lowercase())
        {
            return Err(Error::invalid(
                "sensitive_words",
                format!("each word has 1–100 characters in lower case, not {w:?}"),
            ));
        }
        if self.weekend_days.len() > 6
            || self.weekend_days.iter().enumerate().any(|(i, d)| self.weekend_days[..i].contains(d))
        {
            return bad("weekend_days", "at most 6 distinct days: a week needs a working day");
        }
        check_schedule("auto_renewal_retries", &self.auto_renewal_retries)?;
        check_schedule("pay_per_use_retries", &self.pay_per_use_retries)?;
        if !(1..=3_660).contains(&self.upcoming_max_days) {
            return bad("upcoming_max_days", "a preview looks 1–3,660 days ahead");
        }
        self.check_handling_fees()
    }

    /// The longest term an order may buy, in whole years (UNS-4's bands): `max_yearly_periods`,
    /// or `max_monthly_periods` months rounded up to years.
    pub fn longest_term_years(&self) -> u32 {
        self.max_yearly_periods.max(self.max_monthly_periods.div_ceil(12))
    }

    /// UNS-4: every fee is 0–100 percent, and every term an order may buy has its band.
    fn check_handling_fees(&self) -> Result<(), Error> {
        let bad = |reason: String| Err(Error::invalid("handling_fees", reason));
        let fees = &self.handling_fees;
        let all = std::iter::once(&fees.monthly_and_one_year_percent)
            .chain(&fees.two_year_percent)
            .chain(&fees.three_year_percent)
            .chain(fees.longer_term_percent.values().flatten());
        for p in all {
            if *p < Decimal::ZERO || *p > Decimal::ONE_HUNDRED {
                return bad("a fee is 0–100 percent".into());
            }
        }
        if let Some(years) = fees.longer_term_percent.keys().find(|y| !(4..=10).contains(*y)) {
            return bad(format!(
                "`longer_term_percent` names terms of 4–10 years (2 and 3 have their own fields), not {years}"
            ));
        }
        for years in 2..=self.longest_term_years() {
            match fees.band(years) {
                Some(band) if !band.is_empty() && band.len() <= years as usize => {}
                Some(band) if !band.is_empty() => {
                    return bad(format!("a {years}-year term has at most {years} fees, one per year of use"));
                }
                _ => {
                    return bad(format!(
                        "orders may buy {years}-year terms (max_yearly_periods {}, max_monthly_periods {}): give \
                         their fees by year of use",
                        self.max_yearly_periods, self.max_monthly_periods
                    ));
                }
            }
        }
        Ok(())
    }

    /// The billing time zone.
    pub fn zone(&self) -> BillingZone {
        BillingZone::from_offset_minutes(self.billing_utc_offset_minutes)
            .unwrap_or_else(|_| BillingZone::from_offset_minutes(0).expect("UTC is a valid zone"))
    }

    /// The customer's rejections of the delivery that open the appeal of a flow of this kind
    /// (APL-1): its own count in `appeal_rejections_by_kind`, else `appeal_rejections`.
    pub fn appeal_rejections_for(&self, kind: FlowKind) -> u32 {
        self.appeal_rejections_by_kind.get(&kind).copied().unwrap_or(self.appeal_rejections)
    }

    /// The seller's rejections of the request that open the customer's appeal (APL-1): the
    /// Appeal sections' three times (`appeal_rejections`), in every flow kind.
    pub fn appeal_request_rejections(&self) -> u32 {
        self.appeal_rejections
    }

    /// A page size as asked, or the policy's `default_page_size` when none is (CAT-3).
    pub fn page_size_or_default(&self, asked: Option<u32>) -> u32 {
        asked.unwrap_or(self.default_page_size)
    }

    /// The UNS-5 review threshold in a currency, if the policy sets one.
    pub fn review_threshold(&self, currency: Currency) -> Option<Money> {
        self.unsubscribe_review_thresholds
            .iter()
            .find(|t| t.currency == currency)
            .or(Some(&self.unsubscribe_review_above).filter(|t| t.currency == currency))
            .copied()
    }

    /// Whether a billing-zone date is a working day (APL-4): a day outside `weekend_days`
    /// (Monday to Friday by default) unless a public holiday, and the make-up working days.
    pub fn is_working_day(&self, date: NaiveDate) -> bool {
        use chrono::Datelike;
        if self.makeup_working_days.contains(&date) {
            return true;
        }
        !self.weekend_days.contains(&date.weekday()) && !self.public_holidays.contains(&date)
    }

    /// Grace and retention for a customer level (LIFE-1).
    pub fn end_of_term_for(&self, level: Option<&str>) -> EndOfTerm {
        level.and_then(|l| self.end_of_term_by_level.get(l)).copied().unwrap_or(self.end_of_term)
    }
}

/// One wait of a retry schedule (REN-7): how long after a declined attempt the next one is
/// made. In JSON `{"days": 1}`, `{"hours": 6}` or `{"cycles": 1}`.
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", deny_unknown_fields)]
pub enum RetryWait {
    /// At the charge hour (`auto_renewal_charge_hour`, billing zone) this many days after the
    /// day of the declined attempt (1–365).
    Days(u32),
    /// This many hours after the declined attempt (1–8,760).
    Hours(u32),
    /// This many pay-per-use billing cycles (`pay_per_use_cycle_hours`) after the declined
    /// attempt (1–8,760).
    Cycles(u32),
}

impl RetryWait {
    fn check(&self, field: &str) -> Result<(), Error> {
        let (value, max) = match *self {
            RetryWait::Days(d) => (d, 365),
            RetryWait::Hours(h) => (h, 8_760),
            RetryWait::Cycles(c) => (c, 8_760),
        };
        if value == 0 || value > max {
            return Err(Error::invalid(field, format!("REN-7: a wait is 1–{max}, got {value} in {self:?}")));
        }
        Ok(())
    }
}

/// The most waits in one schedule.
pub const MAX_WAITS: usize = 32;

/// Checks a retry schedule (REN-7): 1–32 waits, each in its range.
pub fn check_schedule(field: &str, waits: &[RetryWait]) -> Result<(), Error> {
    if waits.is_empty() || waits.len() > MAX_WAITS {
        return Err(Error::invalid(
            field,
            format!("REN-7: a retry schedule has 1–{MAX_WAITS} waits, got {}", waits.len()),
        ));
    }
    waits.iter().try_for_each(|w| w.check(field))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn policy_defaults_are_the_rules_numbers() {
        let p = Policy::default();
        assert_eq!(p.billing_utc_offset_minutes, 480);
        assert_eq!((p.order_payment_timeout_days, p.completion_delay_hours, p.reminder_interval_hours), (7, 3, 24));
        assert_eq!((p.appeal_idle_days, p.appeal_rejections, p.flow_max_days, p.appeal_blackout_days), (5, 3, 365, 15));
        assert_eq!((p.end_of_term.grace_days, p.end_of_term.retention_days), (15, 15));
        assert_eq!((p.unconditional_unsubscribe_hours, p.unconditional_unsubscribe_per_year), (120, 10));
        assert_eq!(p.attachment_max_bytes, 52_428_800);
        assert_eq!((p.min_instances, p.max_instances), (1, 50));
        assert!(p.validate().is_ok());
    }

    #[test]
    fn policy_round_trips_through_json_and_refuses_nonsense() {
        let p = Policy::default();
        assert_eq!(Policy::from_json(&p.to_json()).unwrap(), p);
        assert!(Policy::from_json("{").is_err());
        assert!(Policy::from_json(r#"{"no_such_field": 1}"#).is_err());
        assert!(Policy::from_json(r#"{"upgrade_discount": "0"}"#).is_err());
        assert!(Policy::from_json(r#"{"billing_utc_offset_minutes": 5000}"#).is_err());
    }

    #[test]
    fn ren_7_retry_schedules_are_data_and_validated() {
        let p = Policy::from_json(r#"{"auto_renewal_retries": [{"hours": 6}, {"days": 2}]}"#).unwrap();
        assert_eq!(p.auto_renewal_retries, vec![RetryWait::Hours(6), RetryWait::Days(2)]);
        assert_eq!(p.pay_per_use_retries, vec![RetryWait::Cycles(1)]);
        for bad in [
            r#"{"auto_renewal_retries": []}"#,
            r#"{"pay_per_use_retries": [{"days": 0}]}"#,
            r#"{"pay_per_use_retries": [{"weeks": 1}]}"#,
        ] {
            assert!(Policy::from_json(bad).is_err(), "{bad}");
        }
        let err = Policy::from_json(r#"{"pay_per_use_retries": [{"hours": 9000}]}"#).unwrap_err();
        assert!(matches!(err, Error::InvalidInput { ref field, .. } if field == "pay_per_use_retries"), "{err}");
        assert!(!Policy::default().downgrade_at_renewal);
    }
}
