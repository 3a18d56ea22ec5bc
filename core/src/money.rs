//! Money with an ISO-4217 currency, and the one rounding rule (PRC-1).

use std::fmt;
use std::str::FromStr;

use rust_decimal::{Decimal, RoundingStrategy};
use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::error::Error;

/// An ISO-4217 currency code: three upper-case ASCII letters.
///
/// Known codes carry their minor unit (JPY has none, KWD three); any other well-formed code uses
/// two decimal places.
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

    /// Parses a three-letter ISO-4217 code such as `"USD"`.
    ///
    /// ```
    /// use appmarket::Currency;
    /// assert_eq!(Currency::parse("USD").unwrap(), Currency::USD);
    /// assert!(Currency::parse("usd").is_err());
    /// ```
    pub fn parse(code: &str) -> Result<Currency, Error> {
        let bytes = code.as_bytes();
        if bytes.len() != 3 || !bytes.iter().all(u8::is_ascii_uppercase) {
            return Err(Error::invalid(
                "currency",
                format!("`{}` is not an ISO-4217 code: expected three upper-case letters such as USD", truncate(code)),
            ));
        }
        Ok(Currency([bytes[0], bytes[1], bytes[2]]))
    }

    /// The code, e.g. `"USD"`.
    pub fn code(&self) -> &str {
        // Only ASCII upper-case letters are ever stored.
        std::str::from_utf8(&self.0).unwrap_or("XXX")
    }

    /// Decimal places of the currency's minor unit.
    pub fn minor_unit(&self) -> u32 {
        match &self.0 {
            b"JPY" | b"KRW" | b"VND" | b"CLP" | b"ISK" | b"UGX" | b"XAF" | b"XOF" => 0,
            b"KWD" | b"BHD" | b"OMR" | b"JOD" | b"TND" | b"LYD" | b"IQD" => 3,
            _ => 2,
        }
    }
}

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
