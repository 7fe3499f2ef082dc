//! Exact money: a `Decimal` amount in one ISO 4217 currency.

use std::fmt;

use rust_decimal::prelude::ToPrimitive;
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use crate::{Currency, LedgerError};

/// An exact amount in one currency. Never a float: arithmetic is decimal and mixing currencies is an
/// error, not a silent conversion.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Money {
    amount: Decimal,
    currency: Currency,
}

impl Money {
    pub fn new(amount: Decimal, currency: Currency) -> Money {
        Money { amount, currency }
    }

    pub fn zero(currency: Currency) -> Money {
        Money::new(Decimal::ZERO, currency)
    }

    /// Rebuilds an amount from its integer minor units (how the store keeps it).
    pub fn from_minor_units(units: i64, currency: Currency) -> Money {
        Money::new(Decimal::new(units, currency.minor_units()), currency)
    }

    pub fn amount(&self) -> Decimal {
        self.amount
    }

    pub fn currency(&self) -> Currency {
        self.currency
    }

    /// The amount as integer minor units (cents for EUR). Refuses amounts with more precision than
    /// the currency has, instead of rounding money away.
    pub fn to_minor_units(&self) -> Result<i64, LedgerError> {
        let scaled = self
            .amount
            .checked_mul(Decimal::from(10_i64.pow(self.currency.minor_units())))
            .ok_or(LedgerError::AmountOutOfRange(self.amount))?;
        if scaled.fract() != Decimal::ZERO {
            return Err(LedgerError::TooPrecise {
                amount: self.amount,
                currency: self.currency,
            });
        }
        scaled
            .to_i64()
            .ok_or(LedgerError::AmountOutOfRange(self.amount))
    }

    /// `self + other`, both in the same currency.
    pub fn checked_add(&self, other: Money) -> Result<Money, LedgerError> {
        self.same_currency(other)?;
        let sum = self
            .amount
            .checked_add(other.amount)
            .ok_or(LedgerError::AmountOutOfRange(self.amount))?;
        Ok(Money::new(sum, self.currency))
    }

    /// `self - other`, both in the same currency.
    pub fn checked_sub(&self, other: Money) -> Result<Money, LedgerError> {
        self.checked_add(Money::new(-other.amount, other.currency))
    }

    pub fn is_negative(&self) -> bool {
        self.amount.is_sign_negative() && !self.amount.is_zero()
    }

    fn same_currency(&self, other: Money) -> Result<(), LedgerError> {
        if self.currency == other.currency {
            Ok(())
        } else {
            Err(LedgerError::CurrencyMismatch {
                left: self.currency,
                right: other.currency,
            })
        }
    }
}

impl fmt::Display for Money {
    /// `-12.50 EUR`: the amount at the currency's precision, then the code.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut shown = self.amount;
        if shown.scale() < self.currency.minor_units() {
            shown.rescale(self.currency.minor_units());
        }
        write!(f, "{} {}", shown, self.currency)
    }
}

impl fmt::Debug for Money {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Money({self})")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use std::str::FromStr;

    fn eur(s: &str) -> Money {
        Money::new(Decimal::from_str(s).unwrap(), Currency::EUR)
    }

    #[test]
    fn minor_units_round_trip() {
        assert_eq!(eur("-12.5").to_minor_units().unwrap(), -1250);
        assert_eq!(Money::from_minor_units(-1250, Currency::EUR), eur("-12.50"));
        let jpy = Currency::from_code("JPY").unwrap();
        assert_eq!(
            Money::new(Decimal::from(1500), jpy)
                .to_minor_units()
                .unwrap(),
            1500
        );
        let kwd = Currency::from_code("KWD").unwrap();
        assert_eq!(Money::from_minor_units(1234, kwd).to_string(), "1.234 KWD");
    }

    #[test]
    fn too_much_precision_is_refused_not_rounded() {
        assert!(matches!(
            eur("0.005").to_minor_units(),
            Err(LedgerError::TooPrecise { .. })
        ));
    }

    #[test]
    fn currencies_do_not_mix() {
        let usd = Money::new(Decimal::ONE, Currency::USD);
        assert!(matches!(
            eur("1").checked_add(usd),
            Err(LedgerError::CurrencyMismatch { .. })
        ));
    }

    #[test]
    fn display_pads_to_the_currency_precision() {
        assert_eq!(eur("3").to_string(), "3.00 EUR");
        assert_eq!(eur("-0.1").to_string(), "-0.10 EUR");
    }

    proptest! {
        #[test]
        fn minor_units_are_exact(units in -1_000_000_000_000_i64..1_000_000_000_000_i64) {
            let m = Money::from_minor_units(units, Currency::EUR);
            prop_assert_eq!(m.to_minor_units().unwrap(), units);
        }

        #[test]
        fn addition_is_exact(a in -1_000_000_000_i64..1_000_000_000, b in -1_000_000_000_i64..1_000_000_000) {
            let sum = Money::from_minor_units(a, Currency::EUR)
                .checked_add(Money::from_minor_units(b, Currency::EUR))
                .unwrap();
            prop_assert_eq!(sum.to_minor_units().unwrap(), a + b);
        }
    }
}
