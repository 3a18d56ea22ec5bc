//! Money with an ISO-4217 currency, and the one rounding rule (PRC-1).

use std::fmt;
use std::str::FromStr;

use rust_decimal::{Decimal, RoundingStrategy};
use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::error::Error;

/// An active ISO-4217 currency code, with its minor unit (JPY has none, KWD three, CLF four);
/// any other code is refused (PRC-1).
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Currency([u8; 3]);

impl Currency {
    /// United States dollar.
    pub const USD: Currency = Currency(*b"USD");
    /// Chinese yuan.
    pub const CNY: Currency = Currency(*b"CNY");
    /// Euro.
    pub const EUR: Currency = Currency(*b"EUR");
    /// Japanese yen (no minor unit).
    pub const JPY: Currency = Currency(*b"JPY");

    /// Parses an active ISO-4217 code such as `"USD"`; an unknown code is refused.
    ///
    /// ```
    /// use appmarket::Currency;
    /// assert_eq!(Currency::parse("USD").unwrap(), Currency::USD);
    /// assert!(Currency::parse("usd").is_err());
    /// assert!(Currency::parse("ABC").is_err());
    /// assert_eq!(Currency::parse("CLF").unwrap().minor_unit(), 4);
    /// ```
    pub fn parse(code: &str) -> Result<Currency, Error> {
        let bytes = code.as_bytes();
        if bytes.len() != 3 || !bytes.iter().all(u8::is_ascii_uppercase) {
            return Err(Error::invalid(
                "currency",
                format!("`{}` is not an ISO-4217 code: expected three upper-case letters such as USD", truncate(code)),
            ));
        }
        let code3 = [bytes[0], bytes[1], bytes[2]];
        if ISO_4217.binary_search_by(|(c, _)| c.cmp(&code3)).is_err() {
            return Err(Error::invalid(
                "currency",
                format!(
                    "`{code}` is not an active ISO-4217 currency with a minor unit (funds codes such as XDR and \
                     precious metals have none)"
                ),
            ));
        }
        Ok(Currency(code3))
    }

    /// The code, e.g. `"USD"`.
    pub fn code(&self) -> &str {
        // Only ASCII upper-case letters are ever stored.
        std::str::from_utf8(&self.0).unwrap_or("XXX")
    }

    /// Decimal places of the currency's minor unit, from the ISO-4217 list (JPY 0, USD 2,
    /// KWD 3, CLF 4).
    pub fn minor_unit(&self) -> u32 {
        ISO_4217.binary_search_by(|(c, _)| c.cmp(&self.0)).map_or(2, |i| u32::from(ISO_4217[i].1))
    }
}

/// The active ISO-4217 currencies with their minor units (list one), sorted by code. Codes
/// without a minor unit (XDR, XSU, XUA, the precious metals, XTS, XXX) are left out: an amount
/// in them cannot be rounded (PRC-1).
static ISO_4217: [([u8; 3], u8); COUNT] = [
    (*b"AED", 2),
    (*b"AFN", 2),
    (*b"ALL", 2),
    (*b"AMD", 2),
    (*b"ANG", 2),
    (*b"AOA", 2),
    (*b"ARS", 2),
    (*b"AUD", 2),
    (*b"AWG", 2),
    (*b"AZN", 2),
    (*b"BAM", 2),
    (*b"BBD", 2),
    (*b"BDT", 2),
    (*b"BGN", 2),
    (*b"BHD", 3),
    (*b"BIF", 0),
    (*b"BMD", 2),
    (*b"BND", 2),
    (*b"BOB", 2),
    (*b"BOV", 2),
    (*b"BRL", 2),
    (*b"BSD", 2),
    (*b"BTN", 2),
    (*b"BWP", 2),
    (*b"BYN", 2),
    (*b"BZD", 2),
    (*b"CAD", 2),
    (*b"CDF", 2),
    (*b"CHE", 2),
    (*b"CHF", 2),
    (*b"CHW", 2),
    (*b"CLF", 4),
    (*b"CLP", 0),
    (*b"CNY", 2),
    (*b"COP", 2),
    (*b"COU", 2),
    (*b"CRC", 2),
    (*b"CUP", 2),
    (*b"CVE", 2),
    (*b"CZK", 2),
    (*b"DJF", 0),
    (*b"DKK", 2),
    (*b"DOP", 2),
    (*b"DZD", 2),
    (*b"EGP", 2),
    (*b"ERN", 2),
    (*b"ETB", 2),
    (*b"EUR", 2),
    (*b"FJD", 2),
    (*b"FKP", 2),
    (*b"GBP", 2),
    (*b"GEL", 2),
    (*b"GHS", 2),
    (*b"GIP", 2),
    (*b"GMD", 2),
    (*b"GNF", 0),
    (*b"GTQ", 2),
    (*b"GYD", 2),
    (*b"HKD", 2),
    (*b"HNL", 2),
    (*b"HTG", 2),
    (*b"HUF", 2),
    (*b"IDR", 2),
    (*b"ILS", 2),
    (*b"INR", 2),
    (*b"IQD", 3),
    (*b"IRR", 2),
    (*b"ISK", 0),
    (*b"JMD", 2),
    (*b"JOD", 3),
    (*b"JPY", 0),
    (*b"KES", 2),
    (*b"KGS", 2),
    (*b"KHR", 2),
    (*b"KMF", 0),
    (*b"KPW", 2),
    (*b"KRW", 0),
    (*b"KWD", 3),
    (*b"KYD", 2),
    (*b"KZT", 2),
    (*b"LAK", 2),
    (*b"LBP", 2),
    (*b"LKR", 2),
    (*b"LRD", 2),
    (*b"LSL", 2),
    (*b"LYD", 3),
    (*b"MAD", 2),
    (*b"MDL", 2),
    (*b"MGA", 2),
    (*b"MKD", 2),
    (*b"MMK", 2),
    (*b"MNT", 2),
    (*b"MOP", 2),
    (*b"MRU", 2),
    (*b"MUR", 2),
    (*b"MVR", 2),
    (*b"MWK", 2),
    (*b"MXN", 2),
    (*b"MXV", 2),
    (*b"MYR", 2),
    (*b"MZN", 2),
    (*b"NAD", 2),
    (*b"NGN", 2),
    (*b"NIO", 2),
    (*b"NOK", 2),
    (*b"NPR", 2),
    (*b"NZD", 2),
    (*b"OMR", 3),
    (*b"PAB", 2),
    (*b"PEN", 2),
    (*b"PGK", 2),
    (*b"PHP", 2),
    (*b"PKR", 2),
    (*b"PLN", 2),
    (*b"PYG", 0),
    (*b"QAR", 2),
    (*b"RON", 2),
    (*b"RSD", 2),
    (*b"RUB", 2),
    (*b"RWF", 0),
    (*b"SAR", 2),
    (*b"SBD", 2),
    (*b"SCR", 2),
    (*b"SDG", 2),
    (*b"SEK", 2),
    (*b"SGD", 2),
    (*b"SHP", 2),
    (*b"SLE", 2),
    (*b"SOS", 2),
    (*b"SRD", 2),
    (*b"SSP", 2),
    (*b"STN", 2),
    (*b"SVC", 2),
    (*b"SYP", 2),
    (*b"SZL", 2),
    (*b"THB", 2),
    (*b"TJS", 2),
    (*b"TMT", 2),
    (*b"TND", 3),
    (*b"TOP", 2),
    (*b"TRY", 2),
    (*b"TTD", 2),
    (*b"TWD", 2),
    (*b"TZS", 2),
    (*b"UAH", 2),
    (*b"UGX", 0),
    (*b"USD", 2),
    (*b"USN", 2),
    (*b"UYI", 0),
    (*b"UYU", 2),
    (*b"UYW", 4),
    (*b"UZS", 2),
    (*b"VED", 2),
    (*b"VES", 2),
    (*b"VND", 0),
    (*b"VUV", 0),
    (*b"WST", 2),
    (*b"XAF", 0),
    (*b"XCD", 2),
    (*b"XCG", 2),
    (*b"XOF", 0),
    (*b"XPF", 0),
    (*b"YER", 2),
    (*b"ZAR", 2),
    (*b"ZMW", 2),
    (*b"ZWG", 2),
];

const COUNT: usize = 166;

fn truncate(s: &str) -> String {
    s.chars().take(16).collect()
}

impl fmt::Debug for Currency {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.code())
    }
}

impl fmt::Display for Currency {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.code())
    }
}

impl FromStr for Currency {
    type Err = Error;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Currency::parse(s)
    }
}

impl Serialize for Currency {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.code())
    }
}

#[cfg(feature = "schema")]
impl schemars::JsonSchema for Currency {
    fn schema_name() -> std::borrow::Cow<'static, str> {
        "Currency".into()
    }

    fn json_schema(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
        schemars::json_schema!({
            "type": "string",
            "description": "An ISO-4217 currency code: three upper-case letters such as USD.",
            "pattern": "^[A-Z]{3}$"
        })
    }
}

impl<'de> Deserialize<'de> for Currency {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let code = String::deserialize(d)?;
        Currency::parse(&code).map_err(serde::de::Error::custom)
    }
}

/// The largest amount accepted from outside (a listed price, a refund asked): one trillion
/// (10¹²) in any currency. With the bounded quantities, periods and instances of [`crate::Policy`]
/// and the catalogue, no computed amount can then leave `Decimal`'s range; every operation is
/// checked all the same, and an overflow is an [`Error::InvalidInput`], never a panic.
pub const MAX_AMOUNT: Decimal = Decimal::from_parts(3_567_587_328, 232, 0, false, 0);

/// The most decimal places an amount from outside may have.
pub const MAX_DECIMAL_PLACES: u32 = 8;

fn out_of_range(what: &str) -> Error {
    Error::invalid("money", format!("{what} is out of range: amounts are at most {MAX_AMOUNT} per line"))
}

/// Decimal places kept before the final rounding (see [`Money::rounded`]).
pub const NOISE_DP: u32 = 20;

/// A decimal amount in a currency. Never a float.
///
/// Arithmetic keeps full precision; [`Money::rounded`] rounds once, to the currency's minor unit,
/// half away from zero, and always gives that scale (`10.00`, never `10`).
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[derive(Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
#[cfg_attr(feature = "python", pyo3::pyclass(frozen, eq, get_all, from_py_object, module = "appmarket"))]
pub struct Money {
    /// The amount, serialized as a string so that no language reads it as a float.
    pub amount: Decimal,
    /// The currency.
    pub currency: Currency,
}

impl Money {
    /// An amount in a currency, unrounded.
    pub fn new(amount: Decimal, currency: Currency) -> Money {
        Money { amount, currency }
    }

    /// Zero in a currency, at the currency's scale.
    pub fn zero(currency: Currency) -> Money {
        Money::new(Decimal::ZERO, currency).rounded()
    }

    /// Parses `"12.50 USD"` or `"USD 12.50"`.
    pub fn parse(text: &str) -> Result<Money, Error> {
        let mut parts = text.split_whitespace();
        let (a, b) = match (parts.next(), parts.next(), parts.next()) {
            (Some(a), Some(b), None) => (a, b),
            _ => {
                return Err(Error::invalid(
                    "money",
                    format!("`{}` is not an amount with a currency such as `12.50 USD`", truncate(text)),
                ));
            }
        };
        let (amount, code) = if a.chars().all(|c| c.is_ascii_alphabetic()) { (b, a) } else { (a, b) };
        let currency = Currency::parse(code)?;
        let amount = Decimal::from_str_exact(amount)
            .map_err(|_| Error::invalid("money", format!("`{}` is not a decimal amount", truncate(amount))))?;
        Ok(Money::new(amount, currency))
    }

    /// Rounds to the currency's minor unit, half away from zero, with exactly that scale.
    ///
    /// Fractions of periods are repeating decimals that `Decimal` cuts at 28 digits, so an exact
    /// half cent (230 × 5/6 months …) can arrive as `…4999999…`; the noise beyond
    /// [`NOISE_DP`] decimal places is dropped first. Real amounts (prices with a few decimals
    /// times day fractions) never lie that close to a half without being one.
    pub fn rounded(&self) -> Money {
        let dp = self.currency.minor_unit();
        let denoised = self.amount.round_dp_with_strategy(NOISE_DP, RoundingStrategy::MidpointAwayFromZero);
        let mut amount = denoised.round_dp_with_strategy(dp, RoundingStrategy::MidpointAwayFromZero);
        amount.rescale(dp);
        Money::new(amount, self.currency)
    }

    /// Refuses an amount from outside that is negative, above [`MAX_AMOUNT`] or has more than
    /// [`MAX_DECIMAL_PLACES`] decimal places, naming the field.
    pub fn check_input(&self, field: &str) -> Result<(), Error> {
        if self.is_negative() || self.amount > MAX_AMOUNT || self.amount.normalize().scale() > MAX_DECIMAL_PLACES {
            return Err(Error::invalid(
                field,
                format!(
                    "{self} is outside 0–{MAX_AMOUNT} {} with at most {MAX_DECIMAL_PLACES} decimal places",
                    self.currency
                ),
            ));
        }
        Ok(())
    }

    /// Whether the amount is below zero.
    pub fn is_negative(&self) -> bool {
        self.amount.is_sign_negative() && !self.amount.is_zero()
    }

    /// Whether the amount is zero.
    pub fn is_zero(&self) -> bool {
        self.amount.is_zero()
    }

    /// Refuses a different currency, naming the field.
    pub fn same_currency(&self, other: &Money, field: &str) -> Result<(), Error> {
        if self.currency == other.currency {
            Ok(())
        } else {
            Err(Error::invalid(field, format!("{} is in {}, but this needs {}", other, other.currency, self.currency)))
        }
    }

    /// `self + other`, refusing mixed currencies (PRC-1).
    pub fn checked_add(&self, other: &Money) -> Result<Money, Error> {
        self.same_currency(other, "money")?;
        let sum = self.amount.checked_add(other.amount).ok_or_else(|| out_of_range("a sum"))?;
        Ok(Money::new(sum, self.currency))
    }

    /// `self - other`, refusing mixed currencies (PRC-1).
    pub fn checked_sub(&self, other: &Money) -> Result<Money, Error> {
        self.same_currency(other, "money")?;
        let difference = self.amount.checked_sub(other.amount).ok_or_else(|| out_of_range("a difference"))?;
        Ok(Money::new(difference, self.currency))
    }

    /// `self × factor`, unrounded; an overflow is an [`Error::InvalidInput`].
    pub fn times(&self, factor: Decimal) -> Result<Money, Error> {
        let product = self.amount.checked_mul(factor).ok_or_else(|| out_of_range("a product"))?;
        Ok(Money::new(product, self.currency))
    }

    /// The larger of `self` and zero.
    pub fn at_least_zero(&self) -> Money {
        if self.is_negative() { Money::new(Decimal::ZERO, self.currency) } else { *self }
    }
}

impl fmt::Display for Money {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {}", self.amount, self.currency)
    }
}

impl fmt::Debug for Money {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {}", self.amount, self.currency)
    }
}

impl FromStr for Money {
    type Err = Error;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Money::parse(s)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn prc_1_every_active_iso_4217_currency_has_its_minor_unit_and_unknown_codes_are_refused() {
        assert!(ISO_4217.windows(2).all(|w| w[0].0 < w[1].0), "sorted for the binary search");
        let unit = |c: &str| Currency::parse(c).unwrap().minor_unit();
        assert_eq!((unit("JPY"), unit("USD"), unit("KWD"), unit("CLF")), (0, 2, 3, 4));
        assert_eq!((unit("BHD"), unit("ISK"), unit("UYW"), unit("XOF"), unit("ZWG")), (3, 0, 4, 0, 2));
        for bad in ["ABC", "XAU", "XDR", "XXX", "HRK"] {
            let err = Currency::parse(bad).unwrap_err().to_string();
            assert!(err.contains("not an active ISO-4217"), "{bad}: {err}");
        }
        assert!(Money::parse("1 ABC").is_err());
        assert_eq!(Money::parse("1.5 JPY").unwrap().rounded().to_string(), "2 JPY");
        assert_eq!(Money::parse("1.23456 CLF").unwrap().rounded().to_string(), "1.2346 CLF");
    }
    macro_rules! dec {
        ($e:expr) => {
            rust_decimal::Decimal::from_str_exact(&stringify!($e).replace(" ", "")).unwrap()
        };
    }

    #[test]
    fn prc_1_rounds_half_away_from_zero_once_with_the_currency_scale() {
        assert_eq!(Money::new(dec!(10), Currency::USD).rounded().amount.to_string(), "10.00");
        assert_eq!(Money::new(dec!(0.125), Currency::USD).rounded().amount.to_string(), "0.13");
        assert_eq!(Money::new(dec!(-0.125), Currency::USD).rounded().amount.to_string(), "-0.13");
        assert_eq!(Money::new(dec!(12.5), Currency::JPY).rounded().amount.to_string(), "13");
        assert_eq!(Money::new(dec!(1.0005), Currency::parse("KWD").unwrap()).rounded().amount.to_string(), "1.001");
    }

    #[test]
    fn prc_1_an_exact_half_cent_reached_through_a_repeating_fraction_rounds_up() {
        // 3630.198 × 5/6 is exactly 3025.165; computed as 3630.198 × 0.8333…3 it is 3025.16499….
        let five_sixths = rust_decimal::Decimal::from(5) / rust_decimal::Decimal::from(6);
        let m = Money::new(dec!(3630.198) * five_sixths, Currency::USD);
        assert!(m.amount < dec!(3025.165));
        assert_eq!(m.rounded().amount.to_string(), "3025.17");
        assert_eq!(Money::new(dec!(3025.16499), Currency::USD).rounded().amount.to_string(), "3025.16");
    }

    #[test]
    fn prc_1_arithmetic_across_currencies_is_an_error() {
        let usd = Money::new(dec!(1), Currency::USD);
        let eur = Money::new(dec!(1), Currency::EUR);
        let err = usd.checked_add(&eur).unwrap_err();
        assert!(err.to_string().contains("EUR"), "{err}");
        assert!(usd.checked_sub(&eur).is_err());
    }

    #[test]
    fn prc_1_currency_codes_are_three_upper_case_letters() {
        for bad in ["", "US", "USDX", "usd", "U$D", "ÜSD"] {
            assert!(Currency::parse(bad).is_err(), "{bad}");
        }
        assert_eq!(Currency::parse("CNY").unwrap().code(), "CNY");
    }

    #[test]
    fn prc_1_money_parses_and_serializes_amount_as_string() {
        let m = Money::parse("12.50 USD").unwrap();
        assert_eq!(m, Money::parse("USD 12.50").unwrap());
        let json = serde_json::to_string(&m).unwrap();
        assert_eq!(json, r#"{"amount":"12.50","currency":"USD"}"#);
        assert!(Money::parse("12.5").is_err());
        assert!(Money::parse("abc USD").is_err());
    }
}
