//! Opt-in cloud converters: Balanzio (statement PDF → CSV/XLSX/JSON) and FinBox BankConnect
//! (statement PDF → identity, period, balances, months, fraud flags), each with the person's
//! own API key from the OS keychain.
//!
//! **Nothing is sent unless the person agreed**: Folio converts locally; these functions are
//! called only after the person chose a cloud converter for a file in the review screen. This
//! crate never decides to send on its own, and never logs a key, a password or a file.
//!
//! For the UI: [`convert_with_balanzio`], [`resume_balanzio`] and [`convert_with_finbox`], each
//! reporting [`ConvertProgress`] and failing with a [`ConverterError`] that carries a stable
//! code, a message and a recovery. Keys: [`balanzio_key`], [`store_balanzio_key`],
//! [`forget_balanzio_key`] and the same for FinBox, under fixed keychain item names.

pub mod balanzio;
pub mod error;
pub mod finbox;
pub mod keys;
mod transport;

use std::path::Path;

use chrono::NaiveDate;
use folio_ledger::{Currency, Money, NewTransaction, Statement};
use folio_secrets::Sensitive;

pub use error::{BalanzioCode, BalanzioError, ConverterError, FinBoxCode, FinBoxError, Service};
pub use keys::{
    balanzio_key, finbox_key, forget_balanzio_key, forget_finbox_key, store_balanzio_key,
    store_finbox_key, BALANZIO_KEY_ITEM, FINBOX_KEY_ITEM,
};
pub use transport::RateLimitStatus;

/// How far a conversion got, for a progress line.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ConvertProgress {
    /// The file is being sent.
    Uploading {
        bytes: u64,
    },
    /// The service has it; `scanned` files go through OCR next.
    Uploaded {
        pages: Option<u32>,
        scanned: bool,
    },
    /// OCR at the service, 0..=100 (as the service reports it).
    Processing {
        percent: u8,
    },
    /// The PDF's password is being sent.
    Unlocking,
    /// The converted statement is being fetched.
    Converting,
    Done,
}

/// What only one service tells.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ServiceDetails {
    Balanzio {
        pdf_type: balanzio::PdfType,
        pages: Option<u32>,
        /// `statementPeriod` as sent.
        statement_period: Option<String>,
    },
    FinBox(Box<finbox::FinBoxStatement>),
}

/// A statement as a cloud converter read it, in Folio's types: exact money, dates, ISO 4217.
/// Still to be reviewed by the person like any other import.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ConvertedStatement {
    pub service: Service,
    /// The service's id of the file (Balanzio uuid, FinBox statement_id).
    pub remote_id: String,
    pub bank: Option<String>,
    /// As the service shows it (masked).
    pub account_number: Option<String>,
    pub holder: Option<String>,
    pub currency: Option<Currency>,
    pub period_start: Option<NaiveDate>,
    pub period_end: Option<NaiveDate>,
    pub opening_balance: Option<Money>,
    pub closing_balance: Option<Money>,
    /// In the service's order (none from FinBox: its answer lists none).
    pub transactions: Vec<NewTransaction>,
    pub warnings: Vec<String>,
    pub details: ServiceDetails,
}

impl ConvertedStatement {
    /// Folio's [`Statement`], when the period and both balances are known (so its arithmetic
    /// can be checked with [`Statement::balance_breaks`]).
    pub fn to_statement(&self) -> Option<Statement> {
        Some(Statement {
            period_start: self.period_start?,
            period_end: self.period_end?,
            opening_balance: self.opening_balance?,
            closing_balance: self.closing_balance?,
            transactions: self.transactions.clone(),
        })
    }
}

/// The file's bytes, refused by size (metadata first, nothing read) when over `limit`.
pub(crate) async fn read_checked(
    path: &Path,
    service: Service,
    limit: u64,
) -> Result<Vec<u8>, ConverterError> {
    let unreadable = |e: std::io::Error| ConverterError::FileUnreadable {
        detail: e.to_string(),
    };
    let size = tokio::fs::metadata(path).await.map_err(unreadable)?.len();
    let too_large = |size: u64| ConverterError::FileTooLarge {
        service,
        size,
        limit,
    };
    if size > limit {
        return Err(too_large(size));
    }
    let bytes = tokio::fs::read(path).await.map_err(unreadable)?;
    let read = u64::try_from(bytes.len()).unwrap_or(u64::MAX);
    if read > limit {
        return Err(too_large(read));
    }
    Ok(bytes)
}

/// Converts `path` with Balanzio (production service): upload, OCR progress, the password when
/// the PDF asks for one, the JSON conversion read into Folio's types. Call it only once the
/// person agreed to send this file to Balanzio.
///
/// A `BALANZIO_PASSWORD_REQUIRED` or `BALANZIO_INVALID_PASSWORD` error carries the uploaded
/// file's uuid ([`BalanzioError::uuid`]): ask for the password, then [`resume_balanzio`] (no
/// second upload, no credits spent twice).
pub async fn convert_with_balanzio(
    path: &Path,
    password: Option<&Sensitive<String>>,
    key: Sensitive<String>,
    progress: &mut (dyn FnMut(ConvertProgress) + Send),
) -> Result<ConvertedStatement, ConverterError> {
    balanzio::Balanzio::new(key)?
        .convert_file(path, password, progress)
        .await
}

/// Resumes a Balanzio conversion on the file already uploaded (`uuid` from the error).
pub async fn resume_balanzio(
    uuid: &str,
    password: Option<&Sensitive<String>>,
    key: Sensitive<String>,
    progress: &mut (dyn FnMut(ConvertProgress) + Send),
) -> Result<ConvertedStatement, ConverterError> {
    balanzio::Balanzio::new(key)?
        .resume(uuid, password, progress)
        .await
}

/// Reads `path` with FinBox BankConnect (production service): a new session, the upload with
/// `bank_name` and the password, FinBox's answer in Folio's types (identity, period, balances,
/// months, fraud flags; no transactions). Call it only once the person agreed.
pub async fn convert_with_finbox(
    path: &Path,
    bank_name: &str,
    password: Option<&Sensitive<String>>,
    key: Sensitive<String>,
    progress: &mut (dyn FnMut(ConvertProgress) + Send),
) -> Result<ConvertedStatement, ConverterError> {
    finbox::FinBox::new(key)?
        .convert_file(path, bank_name, password, progress)
        .await
}
