//! Folio's domain: exact money in ISO 4217 currencies, accounts, transactions and statements.
//!
//! This crate does no IO: no files, no clock, no randomness. Everything it needs is handed in, so
//! every rule here is deterministic and tested on plain values.

mod account;
mod currency;
mod fingerprint;
mod money;
mod transaction;

use rust_decimal::Decimal;

pub use account::{mask_account_number, Account, AccountId, Iban, NewAccount};
pub use currency::Currency;
pub use fingerprint::{fingerprint, fingerprints, normalise_description};
pub use money::Money;
pub use transaction::{BalanceBreak, NewTransaction, Statement, Transaction, TransactionId};

/// Why a domain value was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum LedgerError {
    #[error("unknown ISO 4217 currency code {0:?}")]
    UnknownCurrency(String),
    #[error("cannot combine {left} and {right} amounts without an exchange rate")]
    CurrencyMismatch { left: Currency, right: Currency },
    #[error("{amount} has more decimals than {currency} allows")]
    TooPrecise { amount: Decimal, currency: Currency },
    #[error("amount {0} is out of range")]
    AmountOutOfRange(Decimal),
    #[error("{0:?} is not a valid IBAN (length, characters or check digits)")]
    InvalidIban(String),
}
