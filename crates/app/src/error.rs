//! Errors as a person meets them: a stable code (the UI and scripts switch on it), what happened,
//! and what to do about it.

use std::fmt;

use folio_secrets::SecretsError;
use folio_store::StoreError;
use serde::Serialize;

/// Stable error codes. The UI switches on these, never on message text.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum ErrorCode {
    /// No OS keychain answered.
    KeychainUnavailable,
    /// The keychain is locked or refused access.
    KeychainLocked,
    /// The keychain item holding the ledger key is not a key.
    KeychainItemMalformed,
    /// A ledger exists but the keychain has no key for it.
    LedgerKeyMissing,
    /// The key does not open the ledger, or the file is damaged.
    LedgerWrongKey,
    /// The ledger file is an unencrypted SQLite file.
    LedgerNotEncrypted,
    /// The ledger was written by a newer Folio.
    LedgerTooNew,
    /// The data directory cannot be used.
    DataDirUnusable,
    /// The account asked for does not exist.
    UnknownAccount,
    /// The statement asked for does not exist.
    UnknownStatement,
    /// The chosen account keeps another currency than the statement.
    AccountCurrencyMismatch,
    /// A filter of the ledger view (date, amount, sort) is not a value Folio understands.
    InvalidFilter,
    /// The transaction asked for does not exist.
    UnknownTransaction,
    /// The bank connection asked for does not exist.
    UnknownConnection,
    /// This statement file is already in the ledger.
    StatementDuplicate,
    /// The statement does not add up; it is filed only when the person accepts that.
    StatementNotReconciled,
    /// A statement file could not be read; the statement engine's own code (INVALID_FILE_TYPE,
    /// PASSWORD_REQUIRED, ...).
    Statement(&'static str),
    /// A bank connection failed; the bank crate's own code (BANK_RECONNECT, ...).
    Bank(&'static str),
    /// A bank export file (OFX, QIF, CAMT, MT940, CSV, XLSX) could not be read; the bank-files
    /// crate's own code (MALFORMED_MT940, QIF_DATE_ORDER_AMBIGUOUS, CSV_MAPPING_NEEDED, ...).
    BankFile(&'static str),
    /// A cloud converter the person chose could not read the file; the converters crate's own
    /// code (BALANZIO_INSUFFICIENT_CREDITS, CONVERTER_FILE_TOO_LARGE, ...).
    Converter(&'static str),
    /// A bank file names no currency (QIF, CSV) and none was given.
    CurrencyNeeded,
    /// A bank file holds statements of several accounts: each goes to its own account, so one
    /// account cannot be picked for all of them.
    SeveralAccountsInFile,
    /// Anything else: a bug or an environment failure.
    Internal,
}

impl ErrorCode {
    pub fn as_str(self) -> &'static str {
        match self {
            ErrorCode::KeychainUnavailable => "KEYCHAIN_UNAVAILABLE",
            ErrorCode::KeychainLocked => "KEYCHAIN_LOCKED",
            ErrorCode::KeychainItemMalformed => "KEYCHAIN_ITEM_MALFORMED",
            ErrorCode::LedgerKeyMissing => "LEDGER_KEY_MISSING",
            ErrorCode::LedgerWrongKey => "LEDGER_WRONG_KEY",
            ErrorCode::LedgerNotEncrypted => "LEDGER_NOT_ENCRYPTED",
            ErrorCode::LedgerTooNew => "LEDGER_TOO_NEW",
            ErrorCode::DataDirUnusable => "DATA_DIR_UNUSABLE",
            ErrorCode::UnknownAccount => "UNKNOWN_ACCOUNT",
            ErrorCode::UnknownStatement => "UNKNOWN_STATEMENT",
            ErrorCode::AccountCurrencyMismatch => "ACCOUNT_CURRENCY_MISMATCH",
            ErrorCode::InvalidFilter => "INVALID_FILTER",
            ErrorCode::UnknownTransaction => "UNKNOWN_TRANSACTION",
            ErrorCode::UnknownConnection => "UNKNOWN_CONNECTION",
            ErrorCode::StatementDuplicate => "STATEMENT_DUPLICATE",
            ErrorCode::StatementNotReconciled => "STATEMENT_NOT_RECONCILED",
            ErrorCode::Statement(code)
            | ErrorCode::Bank(code)
            | ErrorCode::BankFile(code)
            | ErrorCode::Converter(code) => code,
            ErrorCode::CurrencyNeeded => "CURRENCY_NEEDED",
            ErrorCode::SeveralAccountsInFile => "SEVERAL_ACCOUNTS_IN_FILE",
            ErrorCode::Internal => "INTERNAL",
        }
    }

    /// A short title for the screen or the terminal.
    pub fn title(self) -> &'static str {
        match self {
            ErrorCode::KeychainUnavailable => "No keychain found",
            ErrorCode::KeychainLocked => "Your keychain is locked",
            ErrorCode::KeychainItemMalformed => "The ledger key in your keychain is damaged",
            ErrorCode::LedgerKeyMissing => "The key of this ledger is missing",
            ErrorCode::LedgerWrongKey => "This ledger cannot be unlocked",
            ErrorCode::LedgerNotEncrypted => "This ledger file is not encrypted",
            ErrorCode::LedgerTooNew => "This ledger comes from a newer Folio",
            ErrorCode::DataDirUnusable => "The data folder cannot be used",
            ErrorCode::UnknownAccount => "No such account",
            ErrorCode::UnknownStatement => "No such statement",
            ErrorCode::AccountCurrencyMismatch => "That account keeps another currency",
            ErrorCode::InvalidFilter => "That filter is not understood",
            ErrorCode::UnknownTransaction => "No such transaction",
            ErrorCode::UnknownConnection => "No such bank connection",
            ErrorCode::StatementDuplicate => "This statement is already in your ledger",
            ErrorCode::StatementNotReconciled => "This statement does not add up",
            ErrorCode::Statement("CANCELLED") => "Cancelled",
            ErrorCode::Statement("OCR_ENGINE_MISSING") => "Scanned pages need the OCR engine",
            ErrorCode::Statement(_) => "This statement cannot be read",
            ErrorCode::Bank(_) => "The bank connection needs attention",
            ErrorCode::BankFile(_) => "This bank file cannot be read",
            ErrorCode::Converter(_) => "The cloud converter did not read it",
            ErrorCode::CurrencyNeeded => "This file names no currency",
            ErrorCode::SeveralAccountsInFile => "This file holds several accounts",
            ErrorCode::Internal => "Something went wrong",
        }
    }

    /// What a person can do about it.
    pub fn hint(self) -> &'static str {
        match self {
            ErrorCode::KeychainUnavailable => {
                "Folio keeps the key of your encrypted ledger in the operating system's keychain, \
                 and none answered. On Linux, run a Secret Service provider in your desktop session \
                 (GNOME Keyring: install the gnome-keyring package, then log out and in; or KeePassXC \
                 with Secret Service integration on), then try again. Folio never falls back to an \
                 unencrypted ledger."
            }
            ErrorCode::KeychainLocked => {
                "Unlock your keychain (log in to your desktop session, or unlock the \"Login\" \
                 keyring in Passwords and Keys), then try again."
            }
            ErrorCode::KeychainItemMalformed => {
                "The keychain item named in the message does not hold a Folio key. Restore it from \
                 a keychain backup; Folio has not changed your ledger."
            }
            ErrorCode::LedgerKeyMissing => {
                "Restore the keychain item named in the message (from a keychain backup or the \
                 machine the ledger came from). To start over instead, move the ledger file out \
                 of the data folder. Folio never replaces the key of an existing ledger."
            }
            ErrorCode::LedgerWrongKey => {
                "The key in your keychain does not open this ledger, or the file is damaged. \
                 Restore the matching keychain item or the ledger from a backup. The file was not \
                 changed."
            }
            ErrorCode::LedgerNotEncrypted => {
                "Folio only opens encrypted ledgers. Move this file out of the data folder; Folio \
                 will start a new encrypted ledger."
            }
            ErrorCode::LedgerTooNew => "Update Folio to open this ledger. The file was not changed.",
            ErrorCode::DataDirUnusable => {
                "Check that the folder exists and that you can write to it, or choose another one \
                 with FOLIO_DATA_DIR (or --data-dir on the command line)."
            }
            ErrorCode::UnknownAccount => "List the accounts with `folio accounts` and use an id from it.",
            ErrorCode::UnknownStatement => "List the statements with `folio statements` and use an id from it.",
            ErrorCode::AccountCurrencyMismatch => {
                "File the statement into an account in the statement's currency, or as a new account."
            }
            ErrorCode::InvalidFilter => {
                "Dates are written 2024-03-31 and amounts like -50 or 12.50 (a point for decimals)."
            }
            ErrorCode::UnknownTransaction => "It may belong to a statement that was deleted; reload the list.",
            ErrorCode::UnknownConnection => "List the connections with `folio connections` and use an id from it.",
            ErrorCode::StatementDuplicate => "Nothing was changed. A renamed copy of a filed statement is the same file.",
            ErrorCode::Statement(_) => "See the message; your ledger was not changed.",
            ErrorCode::Bank(_) => "See the message: reconnect the bank, act on its site, or sync again later. Nothing was filed from the failed sync.",
            ErrorCode::BankFile(_) => "See the message; your ledger was not changed.",
            ErrorCode::Converter(_) => {
                "The message says what the service answered and what to do. Nothing was filed."
            }
            ErrorCode::SeveralAccountsInFile => {
                "File it without picking an account: each of its statements goes to the account \
                 its IBAN or number matches (or a new one)."
            }
            ErrorCode::CurrencyNeeded => {
                "Nothing was filed. Give the account's currency (ISO 4217, e.g. EUR): \
                 `folio import --currency EUR FILE`."
            }
            ErrorCode::StatementNotReconciled => {
                "Nothing was filed. Check the rows named in the message against the PDF; to file it \
                 anyway, import it again accepting that it does not reconcile."
            }
            ErrorCode::Internal => {
                "Try again. If it keeps happening, report it with the message above; your ledger \
                 was not changed by the failed step."
            }
        }
    }
}

impl fmt::Display for ErrorCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// An error of a use case, with its code, a message and the fix.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{message}")]
pub struct AppError {
    code: ErrorCode,
    message: String,
    /// A fix more specific than the code's own (the statement engine's recovery line).
    hint: Option<&'static str>,
}

impl AppError {
    pub fn new(code: ErrorCode, message: impl Into<String>) -> AppError {
        AppError {
            code,
            message: message.into(),
            hint: None,
        }
    }

    pub fn code(&self) -> ErrorCode {
        self.code
    }

    pub fn message(&self) -> &str {
        &self.message
    }

    pub fn title(&self) -> &'static str {
        self.code.title()
    }

    pub fn hint(&self) -> &'static str {
        self.hint.unwrap_or_else(|| self.code.hint())
    }
}

impl From<SecretsError> for AppError {
    fn from(e: SecretsError) -> Self {
        let code = match &e {
            SecretsError::Unavailable { .. } => ErrorCode::KeychainUnavailable,
            SecretsError::Locked { .. } => ErrorCode::KeychainLocked,
            SecretsError::Malformed => ErrorCode::KeychainItemMalformed,
            SecretsError::Random(_) | SecretsError::Other { .. } => ErrorCode::Internal,
        };
        AppError::new(code, e.to_string())
    }
}

impl From<StoreError> for AppError {
    fn from(e: StoreError) -> Self {
        let code = match &e {
            StoreError::WrongKey => ErrorCode::LedgerWrongKey,
            StoreError::NotEncrypted(_) => ErrorCode::LedgerNotEncrypted,
            StoreError::SchemaTooNew { .. } => ErrorCode::LedgerTooNew,
            StoreError::UnknownAccount(_) => ErrorCode::UnknownAccount,
            StoreError::UnknownStatement(_) => ErrorCode::UnknownStatement,
            StoreError::WrongCurrency { .. } => ErrorCode::AccountCurrencyMismatch,
            StoreError::UnknownTransaction(_) => ErrorCode::UnknownTransaction,
            StoreError::UnknownConnection(_) => ErrorCode::UnknownConnection,
            StoreError::DuplicateStatement { .. } => ErrorCode::StatementDuplicate,
            StoreError::Io(_) => ErrorCode::DataDirUnusable,
            _ => ErrorCode::Internal,
        };
        AppError::new(code, e.to_string())
    }
}

impl From<folio_bankfiles::BankFileError> for AppError {
    fn from(e: folio_bankfiles::BankFileError) -> Self {
        AppError {
            code: ErrorCode::BankFile(e.code()),
            message: e.to_string(),
            hint: Some(e.fix()),
        }
    }
}

impl From<folio_statements::StatementError> for AppError {
    fn from(e: folio_statements::StatementError) -> Self {
        AppError {
            code: ErrorCode::Statement(e.code()),
            message: e.to_string(),
            hint: Some(e.recovery()),
        }
    }
}

/// Why something failed, as a window shows it: it switches on `code`, never on text.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct ErrorView {
    pub code: String,
    pub title: String,
    pub message: String,
    pub hint: String,
}

impl From<AppError> for ErrorView {
    fn from(e: AppError) -> Self {
        ErrorView::from(&e)
    }
}

impl From<&AppError> for ErrorView {
    fn from(e: &AppError) -> Self {
        ErrorView {
            code: e.code().to_string(),
            title: e.title().to_string(),
            message: e.message().to_string(),
            hint: e.hint().to_string(),
        }
    }
}
