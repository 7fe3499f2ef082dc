//! Bank connections: a client per provider (Budgea, Belfius PSD2, ABN AMRO Business Account
//! Insight) behind one [`Provider`] trait. Each provider's JSON shapes stay inside its module;
//! what leaves this crate is Folio's own types: exact money ([`folio_ledger::Money`]), dates
//! ([`chrono::NaiveDate`]) and typed errors ([`BankError`]) a person can act on.
//!
//! Secrets (tokens, client secrets, API keys) are handed in by the caller, which keeps them in the
//! OS keychain; they are never logged or written anywhere by this crate.

pub mod abnamro;
pub mod any;
pub mod belfius;
pub mod budgea;
pub mod http;

use chrono::NaiveDate;
use folio_ledger::{Currency, Iban, Money};

/// An account as a provider reports it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BankAccount {
    /// The provider's id of the account (stable across syncs).
    pub provider_id: String,
    pub name: String,
    pub iban: Option<Iban>,
    pub number: Option<String>,
    pub currency: Currency,
    /// The balance the bank reports, and the day it is for.
    pub balance: Option<Money>,
    pub balance_date: Option<NaiveDate>,
}

/// A transaction as a provider reports it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BankTransaction {
    /// The provider's id of the transaction: what makes a re-sync idempotent.
    pub provider_id: String,
    pub date: NaiveDate,
    pub value_date: Option<NaiveDate>,
    pub description: String,
    pub amount: Money,
}

/// What one sync of an account's transactions brought.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct TransactionBatch {
    /// New or changed transactions.
    pub transactions: Vec<BankTransaction>,
    /// Ids of transactions the provider says were deleted (to remove from the ledger).
    pub deleted: Vec<String>,
}

/// Why a bank call failed, in terms a person (or the sync loop) can act on.
#[derive(Debug, thiserror::Error, Clone, PartialEq, Eq)]
pub enum BankError {
    /// The token or consent is no longer accepted: the person must reconnect.
    #[error("the connection to {provider} must be renewed: {detail}")]
    Reconnect {
        provider: &'static str,
        detail: String,
    },
    /// The bank needs the person (wrong password, an action on the bank's site, SCA).
    #[error("{provider} needs you: {message}")]
    ActionNeeded {
        provider: &'static str,
        /// The provider's documented code (e.g. `wrongpass`, `actionNeeded`, `SCA_REQUIRED`).
        code: String,
        message: String,
    },
    /// Too many requests; retried up to a limit, then reported.
    #[error("{provider} asks to slow down; try again in {retry_after_secs} s")]
    RateLimited {
        provider: &'static str,
        retry_after_secs: u64,
    },
    /// The provider failed (5xx) after the retries.
    #[error("{provider} is not answering properly (HTTP {status}); try again later")]
    Unavailable { provider: &'static str, status: u16 },
    /// No answer in time after the retries, or no connection.
    #[error("{provider} did not answer: {detail}")]
    Network {
        provider: &'static str,
        detail: String,
    },
    /// The answer was not what the documented contract says.
    #[error("{provider} sent an answer Folio cannot read: {detail}")]
    Malformed {
        provider: &'static str,
        detail: String,
    },
    /// A documented error of the provider, with its code.
    #[error("{provider} refused the request ({code}): {message}")]
    Refused {
        provider: &'static str,
        status: u16,
        code: String,
        message: String,
    },
}

impl BankError {
    /// A stable code for the UI and scripts to switch on.
    pub fn code(&self) -> &'static str {
        match self {
            BankError::Reconnect { .. } => "BANK_RECONNECT",
            BankError::ActionNeeded { .. } => "BANK_ACTION_NEEDED",
            BankError::RateLimited { .. } => "BANK_RATE_LIMITED",
            BankError::Unavailable { .. } => "BANK_UNAVAILABLE",
            BankError::Network { .. } => "BANK_NETWORK",
            BankError::Malformed { .. } => "BANK_MALFORMED",
            BankError::Refused { .. } => "BANK_REFUSED",
        }
    }
}

/// One provider's connection, once authorised: what every sync needs.
#[allow(async_fn_in_trait)] // Used with concrete types (or an enum over them), never as `dyn`.
pub trait Provider {
    /// A short name for messages ("Budgea", "Belfius", "ABN AMRO").
    fn name(&self) -> &'static str;
    /// Every account the connection reaches, with its balance.
    async fn accounts(&self) -> Result<Vec<BankAccount>, BankError>;
    /// The account's transactions booked from `from` to `to` (inclusive), every page.
    async fn transactions(
        &self,
        account_id: &str,
        from: NaiveDate,
        to: NaiveDate,
    ) -> Result<TransactionBatch, BankError>;
}
