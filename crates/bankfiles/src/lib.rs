//! Bank export files -> neutral statements: OFX/QFX (SGML 1.x and XML 2.x), QIF, CAMT.053/.054,
//! MT940 (and MT942), CSV and XLSX with a per-account column mapping.
//!
//! Pure library: bytes in, [`BankFileStatement`]s out, no IO, no clock. Money is
//! `rust_decimal::Decimal` (never a float, except XLSX cells, which are IEEE doubles in the file
//! and are read back through their shortest decimal form), dates are `chrono::NaiveDate`,
//! currencies are `folio_ledger::Currency`. Every failure is a [`BankFileError`] with a stable
//! `code()` and a `fix()`; no input panics (a property test feeds mangled samples).
//!
//! Libraries: quick-xml (CAMT), csv (CSV), calamine (XLSX), encoding_rs (UTF-16, Windows-1252).
//! OFX 1.x is SGML whose leaf elements are never closed; no maintained crate reads both OFX
//! dialects, so `ofx.rs` holds a small tolerant tokenizer used for 1.x and 2.x alike. QIF and
//! MT940 are line formats read by hand.

mod camt;
mod error;
mod mt940;
mod ofx;
mod qif;
mod tabular;
mod text;
mod xml;

use chrono::NaiveDate;
use folio_ledger::{Currency, Iban};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

pub use error::BankFileError;
pub use tabular::{
    header_signature, preview_rows, suggest_mapping, AmountColumns, CsvMapping, TextEncoding,
};

/// Files above this size are refused before parsing (FILE_TOO_LARGE).
pub const MAX_FILE_BYTES: usize = 50 * 1024 * 1024;

/// The export formats Folio reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Format {
    /// OFX 1.x (SGML) or 2.x (XML); QFX is OFX with an Intuit header.
    Ofx,
    Qif,
    /// ISO 20022 camt.053 (statement), camt.052 (report) or camt.054 (notification).
    Camt,
    /// SWIFT MT940 (and MT942 interim reports).
    Mt940,
    Csv,
    Xlsx,
}

impl std::fmt::Display for Format {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Format::Ofx => "OFX",
            Format::Qif => "QIF",
            Format::Camt => "CAMT",
            Format::Mt940 => "MT940",
            Format::Csv => "CSV",
            Format::Xlsx => "XLSX",
        })
    }
}

/// Order of day, month and year in a numeric date such as `01/02/03`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum DateOrder {
    DayMonthYear,
    MonthDayYear,
    YearMonthDay,
}

/// Which character separates the decimals in an amount.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum NumberFormat {
    /// `1,234.56`
    DecimalPoint,
    /// `1.234,56` (also `1 234,56`)
    DecimalComma,
}

/// What the caller knows beyond the bytes: the format (else detected), the person's choices for
/// ambiguous QIF files, the account's CSV/XLSX mapping and the account's currency for formats
/// that carry none (QIF, CSV).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ParseOptions {
    pub format: Option<Format>,
    pub file_name: Option<String>,
    pub qif_date_order: Option<DateOrder>,
    pub qif_number_format: Option<NumberFormat>,
    pub csv_mapping: Option<CsvMapping>,
    pub currency: Option<Currency>,
}

/// Which account a statement belongs to, as far as the file says.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct AccountRef {
    /// Set only when the check digits hold.
    pub iban: Option<Iban>,
    /// The account number as written when it is not an IBAN (OFX ACCTID, MT940 :25:, ...).
    pub number: Option<String>,
    /// BIC, OFX BANKID (+ BRANCHID) or the MT940 bank code part of :25:.
    pub bank_id: Option<String>,
    /// The account's name in the file (QIF `!Account` N line).
    pub name: Option<String>,
    pub currency: Option<Currency>,
}

/// One statement (one account, one period) read from a file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BankFileStatement {
    pub format: Format,
    pub account: AccountRef,
    /// The bank's statement id (CAMT Stmt/Id, MT940 :28C:, ...).
    pub statement_id: Option<String>,
    pub period_start: Option<NaiveDate>,
    pub period_end: Option<NaiveDate>,
    pub opening_balance: Option<Decimal>,
    pub opening_date: Option<NaiveDate>,
    pub closing_balance: Option<Decimal>,
    pub closing_date: Option<NaiveDate>,
    pub transactions: Vec<BankFileTransaction>,
    /// What was read with a doubt (skipped pending entries, repaired dates, ...), naming rows.
    pub warnings: Vec<String>,
}

/// One booked movement. `amount` is signed: negative is money out of the account.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BankFileTransaction {
    pub booked: NaiveDate,
    pub value_date: Option<NaiveDate>,
    pub amount: Decimal,
    pub description: String,
    pub counterparty: Option<String>,
    pub counterparty_account: Option<String>,
    /// The payment's own reference (end-to-end id, creditor reference, cheque number, ...).
    pub reference: Option<String>,
    /// The bank's id for this row, unique within the statement (FITID, AcctSvcrRef/NtryRef,
    /// MT940 bank reference, a mapped CSV column): re-importing the same rows files nothing twice.
    pub provider_id: Option<String>,
    /// The bank's type code as written (OFX TRNTYPE, CAMT Domn-Fmly-SubFmly, MT940 `N426`).
    pub type_code: Option<String>,
}

/// Whether opening balance + transactions == closing balance.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum Reconciliation {
    /// Both balances present and the arithmetic holds.
    Balanced,
    /// Both present; `difference` = closing - (opening + sum of amounts).
    Off {
        expected_closing: Decimal,
        difference: Decimal,
    },
    /// One or both balances missing: nothing to prove.
    Unknown,
}

impl BankFileStatement {
    /// Sum of the transactions' amounts.
    pub fn total(&self) -> Decimal {
        self.transactions.iter().map(|t| t.amount).sum()
    }

    /// Reports whether the printed balances agree with the rows; forces nothing.
    pub fn reconcile(&self) -> Reconciliation {
        match (self.opening_balance, self.closing_balance) {
            (Some(open), Some(close)) => {
                let expected = open + self.total();
                if expected == close {
                    Reconciliation::Balanced
                } else {
                    Reconciliation::Off {
                        expected_closing: expected,
                        difference: close - expected,
                    }
                }
            }
            _ => Reconciliation::Unknown,
        }
    }
}

/// Guesses the format: content first (XML root, OFX header, MT940 tags, QIF `!Type`, ZIP/XLSX
/// magic), the file name's extension second. `None` when neither says.
pub fn detect(bytes: &[u8], file_name: Option<&str>) -> Option<Format> {
    if let Some(found) = sniff(bytes) {
        return Some(found);
    }
    let ext = file_name?.rsplit('.').next()?.to_ascii_lowercase();
    match ext.as_str() {
        "ofx" | "qfx" => Some(Format::Ofx),
        "qif" => Some(Format::Qif),
        "xml" | "camt" | "053" | "054" => Some(Format::Camt),
        "sta" | "940" | "942" | "mt940" | "swi" => Some(Format::Mt940),
        "csv" | "tsv" | "txt" => Some(Format::Csv),
        "xlsx" | "xls" | "xlsm" | "ods" => Some(Format::Xlsx),
        _ => None,
    }
}

fn sniff(bytes: &[u8]) -> Option<Format> {
    if bytes.starts_with(b"PK\x03\x04") {
        // XLSX is a ZIP holding xl/workbook.xml; the name sits in the local headers.
        let head = &bytes[..bytes.len().min(64 * 1024)];
        return if contains(head, b"xl/") || contains(head, b"[Content_Types].xml") {
            Some(Format::Xlsx)
        } else {
            None
        };
    }
    if bytes.starts_with(&[0xD0, 0xCF, 0x11, 0xE0]) {
        return Some(Format::Xlsx); // legacy .xls (OLE), read by calamine too
    }
    let text = text::decode_auto(&bytes[..bytes.len().min(8192)]).ok()?;
    let head = text.trim_start_matches('\u{feff}').trim_start();
    let upper: String = head
        .chars()
        .take(4096)
        .collect::<String>()
        .to_ascii_uppercase();
    if upper.starts_with("OFXHEADER") || upper.contains("<OFX>") || upper.contains("<?OFX") {
        return Some(Format::Ofx);
    }
    if upper.contains("URN:ISO:STD:ISO:20022:TECH:XSD:CAMT.")
        || upper.contains("<BKTOCSTMRSTMT")
        || upper.contains("<BKTOCSTMRDBTCDTNTFCTN")
        || upper.contains("<BKTOCSTMRACCTRPT")
    {
        return Some(Format::Camt);
    }
    if upper.starts_with("!TYPE:") || upper.starts_with("!ACCOUNT") || upper.starts_with("!OPTION")
    {
        return Some(Format::Qif);
    }
    if mt940::looks_like(head) {
        return Some(Format::Mt940);
    }
    None
}

fn contains(hay: &[u8], needle: &[u8]) -> bool {
    hay.windows(needle.len()).any(|w| w == needle)
}

/// Reads every statement in the file. The format is `options.format`, else [`detect`]ed
/// (text that is none of the formats is read as CSV when a mapping is given).
pub fn parse(
    bytes: &[u8],
    options: &ParseOptions,
) -> Result<Vec<BankFileStatement>, BankFileError> {
    if bytes.len() > MAX_FILE_BYTES {
        return Err(BankFileError::FileTooLarge {
            size: bytes.len(),
            limit: MAX_FILE_BYTES,
        });
    }
    let format = match options.format {
        Some(f) => f,
        None => match detect(bytes, options.file_name.as_deref()) {
            Some(f) => f,
            None if bytes.starts_with(b"PK\x03\x04") => return Err(BankFileError::ZipArchive),
            // Plain text with a column mapping for the account: CSV.
            None if options.csv_mapping.is_some() => Format::Csv,
            None => return Err(BankFileError::UnknownFormat),
        },
    };
    let mut statements = match format {
        Format::Ofx => ofx::parse(bytes)?,
        Format::Qif => qif::parse(bytes, options)?,
        Format::Camt => camt::parse(bytes)?,
        Format::Mt940 => mt940::parse(bytes)?,
        Format::Csv | Format::Xlsx => match &options.csv_mapping {
            Some(mapping) => tabular::parse(bytes, format, mapping, options.currency)?,
            None => return Err(BankFileError::CsvMappingNeeded { format }),
        },
    };
    for statement in &mut statements {
        if statement.account.currency.is_none() {
            statement.account.currency = options.currency;
        }
        finish(statement)?;
    }
    Ok(statements)
}

/// Checks shared by every format: amounts fit the currency's minor units, provider ids unique.
fn finish(statement: &mut BankFileStatement) -> Result<(), BankFileError> {
    if let Some(currency) = statement.account.currency {
        for (i, t) in statement.transactions.iter().enumerate() {
            if t.amount.normalize().scale() > currency.minor_units() {
                return Err(BankFileError::InvalidAmount {
                    text: t.amount.to_string(),
                    at: format!("transaction {}", i + 1),
                    reason: format!(": more decimals than {} has", currency.code()),
                });
            }
        }
    }
    let mut seen = std::collections::HashMap::<String, usize>::new();
    let mut renamed = Vec::new();
    for (i, t) in statement.transactions.iter_mut().enumerate() {
        if let Some(id) = &t.provider_id {
            let n = seen.entry(id.clone()).or_insert(0);
            *n += 1;
            if *n > 1 {
                let new = format!("{id}#{n}");
                renamed.push(format!(
                    "transaction {}: provider id {id:?} repeats; kept as {new:?}",
                    i + 1
                ));
                t.provider_id = Some(new);
            }
        }
    }
    statement.warnings.extend(renamed);
    Ok(())
}

/// Splits an account identifier into an IBAN (when its check digits hold) or a plain number.
pub(crate) fn account_ref(id: &str) -> (Option<Iban>, Option<String>) {
    let trimmed = id.trim();
    if trimmed.is_empty() {
        return (None, None);
    }
    match Iban::parse(trimmed) {
        Ok(iban) => (Some(iban), None),
        Err(_) => (None, Some(trimmed.to_string())),
    }
}

pub(crate) fn currency_at(code: &str, at: impl Into<String>) -> Result<Currency, BankFileError> {
    Currency::from_code(code).map_err(|_| BankFileError::UnsupportedCurrency {
        code: code.trim().to_string(),
        at: at.into(),
    })
}
