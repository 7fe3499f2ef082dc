//! What can be wrong with a bank file, with stable codes (SCREAMING_SNAKE, never reworded) and a
//! one-line fix. Messages name the line, row, element or field where the problem sits.

use crate::{DateOrder, Format, NumberFormat};

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum BankFileError {
    #[error("the file is {size} bytes, over the {limit}-byte limit for bank files")]
    FileTooLarge { size: usize, limit: usize },
    #[error(
        "the file is not a bank export Folio reads (OFX, QFX, QIF, CAMT.053/054, MT940, CSV, XLSX)"
    )]
    UnknownFormat,
    #[error("the file is a ZIP archive; bank files inside archives are not read")]
    ZipArchive,
    #[error("the text cannot be decoded as {encoding}: {detail}")]
    Encoding {
        encoding: &'static str,
        detail: String,
    },
    #[error("malformed {format} at {at}: {detail}")]
    Malformed {
        format: Format,
        at: String,
        detail: String,
    },
    #[error("the file holds no {format} statement: {detail}")]
    NoStatement { format: Format, detail: String },
    #[error("QIF dates such as {example:?} read in more than one order ({choices:?}); the file does not settle which")]
    QifDateOrderAmbiguous {
        example: String,
        choices: Vec<DateOrder>,
    },
    #[error("QIF amounts such as {example:?} read in more than one number format ({choices:?}); the file does not settle which")]
    QifNumberFormatAmbiguous {
        example: String,
        choices: Vec<NumberFormat>,
    },
    #[error(
        "this {format} file needs a column mapping (which column holds the date, the amount, ...)"
    )]
    CsvMappingNeeded { format: Format },
    #[error("the column mapping does not fit the file at {at}: {detail}")]
    CsvMappingMismatch { at: String, detail: String },
    #[error("{code:?} at {at} is not an ISO 4217 currency Folio knows")]
    UnsupportedCurrency { code: String, at: String },
    #[error("{found} at {at} differs from the statement's currency {expected}; one statement holds one currency")]
    CurrencyMismatch {
        expected: String,
        found: String,
        at: String,
    },
    #[error("{text:?} at {at} is not an amount{reason}")]
    InvalidAmount {
        text: String,
        at: String,
        reason: String,
    },
    #[error("{text:?} at {at} is not a date")]
    InvalidDate { text: String, at: String },
}

impl BankFileError {
    /// The stable code callers switch on; never the message text.
    pub fn code(&self) -> &'static str {
        match self {
            BankFileError::FileTooLarge { .. } => "FILE_TOO_LARGE",
            BankFileError::UnknownFormat => "UNKNOWN_FORMAT",
            BankFileError::ZipArchive => "ZIP_ARCHIVE",
            BankFileError::Encoding { .. } => "TEXT_ENCODING_INVALID",
            BankFileError::Malformed { format, .. } => match format {
                Format::Ofx => "MALFORMED_OFX",
                Format::Qif => "MALFORMED_QIF",
                Format::Camt => "MALFORMED_CAMT",
                Format::Mt940 => "MALFORMED_MT940",
                Format::Csv => "MALFORMED_CSV",
                Format::Xlsx => "MALFORMED_XLSX",
            },
            BankFileError::NoStatement { .. } => "NO_STATEMENT",
            BankFileError::QifDateOrderAmbiguous { .. } => "QIF_DATE_ORDER_AMBIGUOUS",
            BankFileError::QifNumberFormatAmbiguous { .. } => "QIF_NUMBER_FORMAT_AMBIGUOUS",
            BankFileError::CsvMappingNeeded { .. } => "CSV_MAPPING_NEEDED",
            BankFileError::CsvMappingMismatch { .. } => "CSV_MAPPING_MISMATCH",
            BankFileError::UnsupportedCurrency { .. } => "UNSUPPORTED_CURRENCY",
            BankFileError::CurrencyMismatch { .. } => "CURRENCY_MISMATCH",
            BankFileError::InvalidAmount { .. } => "INVALID_AMOUNT",
            BankFileError::InvalidDate { .. } => "INVALID_DATE",
        }
    }

    /// One line a person can act on.
    pub fn fix(&self) -> &'static str {
        match self {
            BankFileError::FileTooLarge { .. } => "Export a shorter period from your bank and import each file.",
            BankFileError::UnknownFormat => "Export the statement from your bank as OFX, QIF, CAMT.053, MT940 or CSV and import that file.",
            BankFileError::ZipArchive => "Unzip the archive and import the files inside it.",
            BankFileError::Encoding { .. } => "Choose the file's text encoding (UTF-8, UTF-16 or Windows-1252) in the column mapping.",
            BankFileError::Malformed { .. } => "Download the export again from your bank; if it still fails, report the named place in the file.",
            BankFileError::NoStatement { .. } => "Check that the file is a statement export, not an empty or partial download.",
            BankFileError::QifDateOrderAmbiguous { .. } => "Choose the date order your bank uses (day/month or month/day) and import again.",
            BankFileError::QifNumberFormatAmbiguous { .. } => "Choose the number format your bank uses (1,234.56 or 1.234,56) and import again.",
            BankFileError::CsvMappingNeeded { .. } => "Set the columns once for this account (date, amount, description); Folio remembers them.",
            BankFileError::CsvMappingMismatch { .. } => "Check the account's column mapping against the file; the bank may have changed its export.",
            BankFileError::UnsupportedCurrency { .. } => "Check the currency code in the file, or set the account's currency in the mapping.",
            BankFileError::CurrencyMismatch { .. } => "Export each currency's account separately, or leave the currency column unmapped.",
            BankFileError::InvalidAmount { .. } => "Check the number format (decimal and thousands separators) chosen for this file.",
            BankFileError::InvalidDate { .. } => "Check the date format chosen for this file, or download the export again.",
        }
    }

    pub(crate) fn malformed(
        format: Format,
        at: impl Into<String>,
        detail: impl Into<String>,
    ) -> Self {
        BankFileError::Malformed {
            format,
            at: at.into(),
            detail: detail.into(),
        }
    }
}
