//! The bank-file setup form's backend: what a CSV/XLSX/QIF file needs from the person (column
//! mapping, currency, date order, number format), Folio's suggestion, and the choices turned into
//! reading options. The shapes are the form's (camelCase, columns 0-based).

use std::path::Path;

use folio_bankfiles::{AmountColumns, CsvMapping, DateOrder, Format, NumberFormat, TextEncoding};
use serde::{Deserialize, Serialize};

use crate::{
    bank_file_format, read_bank_bytes, AppError, BankFileOptions, ErrorCode, ErrorView, ImportJob,
    Imports,
};

/// Rows the form previews.
const PREVIEW_ROWS: usize = 8;

fn read(path: &Path) -> Result<(Vec<u8>, Format), AppError> {
    let bytes = read_bank_bytes(path)?;
    let name = path.file_name().map(|n| n.to_string_lossy().to_string());
    let format = bank_file_format(&bytes, name.as_deref(), true)
        .ok_or_else(|| AppError::from(folio_bankfiles::BankFileError::UnknownFormat))?;
    Ok((bytes, format))
}

fn tabular(format: Format) -> bool {
    matches!(format, Format::Csv | Format::Xlsx)
}

/// The mapping in use, else Folio's suggestion, else the plain default (the person sets it).
fn mapping_for(bytes: &[u8], options: &BankFileOptions) -> CsvMapping {
    options
        .mapping
        .clone()
        .or_else(|| folio_bankfiles::suggest_mapping(bytes).ok())
        .unwrap_or_default()
}

fn setup(
    job_id: u64,
    job: &ImportJob,
    path: &Path,
    options: &BankFileOptions,
) -> Result<BankFileSetupView, AppError> {
    let (bytes, format) = read(path)?;
    let code = job.error.as_ref().map(|e| e.code.as_str());
    let mut asks = Vec::new();
    let (mapping, preview) = if tabular(format) {
        let mapping = mapping_for(&bytes, options);
        // A preview the mapping cannot read (a wrong encoding, say) is shown empty; the form
        // still lets the person change the mapping.
        let preview =
            folio_bankfiles::preview_rows(&bytes, &mapping, PREVIEW_ROWS).unwrap_or_default();
        asks.push("mapping".to_string());
        asks.push("currency".to_string());
        (Some(CsvMappingForm::from(&mapping)), preview)
    } else {
        // QIF never names a currency; other files only when the reader said so.
        if format == Format::Qif || code == Some("CURRENCY_NEEDED") {
            asks.push("currency".to_string());
        }
        if code == Some("QIF_DATE_ORDER_AMBIGUOUS") || options.date_order.is_some() {
            asks.push("dateOrder".to_string());
        }
        if code == Some("QIF_NUMBER_FORMAT_AMBIGUOUS") || options.number_format.is_some() {
            asks.push("numberFormat".to_string());
        }
        (None, Vec::new())
    };
    Ok(BankFileSetupView {
        job_id,
        file_name: job.file_name.clone(),
        format: format.to_string(),
        preview,
        mapping,
        currency: options.currency.map(|c| c.to_string()),
        date_order: options.date_order.map(|d| {
            match d {
                DateOrder::DayMonthYear => "dmy",
                DateOrder::MonthDayYear => "mdy",
                DateOrder::YearMonthDay => "ymd",
            }
            .to_string()
        }),
        number_format: options.number_format.map(|n| {
            match n {
                NumberFormat::DecimalPoint => "point",
                NumberFormat::DecimalComma => "comma",
            }
            .to_string()
        }),
        asks,
        error: job.error.clone(),
    })
}

fn choice_error(message: String) -> AppError {
    AppError::new(ErrorCode::BankFile("CSV_MAPPING_MISMATCH"), message)
}

/// The person's choices over the job's current options.
fn options(
    path: &Path,
    current: &BankFileOptions,
    choices: &BankFileChoices,
) -> Result<BankFileOptions, AppError> {
    let mut options = current.clone();
    if let Some(m) = &choices.mapping {
        let (bytes, _) = read(path)?;
        options.mapping = Some(m.apply(&mapping_for(&bytes, current))?);
    }
    if let Some(code) = &choices.currency {
        let code = code.trim().to_ascii_uppercase();
        options.currency = Some(code.parse().map_err(|_| {
            choice_error(format!(
                "{code:?} is not an ISO 4217 currency code (EUR, USD, GBP...)"
            ))
        })?);
    }
    if let Some(order) = &choices.date_order {
        options.date_order = Some(match order.as_str() {
            "dmy" => DateOrder::DayMonthYear,
            "mdy" => DateOrder::MonthDayYear,
            "ymd" => DateOrder::YearMonthDay,
            other => return Err(choice_error(format!("unknown date order {other:?}"))),
        });
    }
    if let Some(format) = &choices.number_format {
        options.number_format = Some(match format.as_str() {
            "point" => NumberFormat::DecimalPoint,
            "comma" => NumberFormat::DecimalComma,
            other => return Err(choice_error(format!("unknown number format {other:?}"))),
        });
    }
    Ok(options)
}

impl Imports {
    /// What a bank file job needs from the person (its column mapping, currency, or how to read
    /// its dates and numbers), with Folio's suggestion and a preview of its first rows.
    pub fn bank_file_setup(&self, id: u64) -> Result<BankFileSetupView, AppError> {
        let (job, path, options) = self.setup_of(id)?;
        setup(id, &job, &path, &options)
    }

    /// Reads a bank file job again with the person's choices.
    pub fn set_bank_file_choices(
        &self,
        id: u64,
        choices: &BankFileChoices,
    ) -> Result<ImportJob, AppError> {
        let (_, path, current) = self.setup_of(id)?;
        let options = options(&path, &current, choices)?;
        self.retry_with_options(id, options)
    }
}

/// How a CSV/XLSX export is read, as the mapping form edits it. Columns are 0-based.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "camelCase")]
pub struct CsvMappingForm {
    /// One character: `,`, `;`, a tab, `|`.
    pub delimiter: String,
    /// `auto`, `utf8`, `utf16le`, `utf16be` or `windows1252`.
    pub encoding: String,
    pub skip_rows: u32,
    pub has_header: bool,
    pub skip_footer_rows: u32,
    pub date_column: u32,
    /// chrono format, e.g. `%d/%m/%Y`.
    pub date_format: String,
    pub value_date_column: Option<u32>,
    /// `signed` (one amount column), `debitCredit` (two columns) or `indicator` (an amount and a
    /// column saying debit or credit).
    pub amount_mode: String,
    pub amount_column: u32,
    pub debit_column: u32,
    pub credit_column: u32,
    pub indicator_column: u32,
    /// Indicator cells meaning money out (`D`, `DR`, `Debit`, `Af`...).
    pub debit_values: Vec<String>,
    /// `.` or `,`.
    pub decimal_separator: String,
    /// Empty for none.
    pub thousands_separator: String,
    pub invert_sign: bool,
    pub description_columns: Vec<u32>,
    pub balance_column: Option<u32>,
    pub provider_id_column: Option<u32>,
}

fn column(c: usize) -> u32 {
    u32::try_from(c).unwrap_or(u32::MAX)
}

fn one_char(text: &str, what: &str) -> Result<char, AppError> {
    let mut chars = text.chars();
    match (chars.next(), chars.next()) {
        (Some(c), None) => Ok(c),
        _ => Err(AppError::new(
            ErrorCode::BankFile("CSV_MAPPING_MISMATCH"),
            format!("the {what} must be one character, not {text:?}"),
        )),
    }
}

impl From<&CsvMapping> for CsvMappingForm {
    fn from(m: &CsvMapping) -> Self {
        let (mode, amount, debit, credit, indicator, debit_values) = match &m.amount {
            AmountColumns::Signed { column: c } => ("signed", *c, 0, 0, 0, Vec::new()),
            AmountColumns::DebitCredit { debit, credit } => {
                ("debitCredit", 0, *debit, *credit, 0, Vec::new())
            }
            AmountColumns::WithIndicator {
                amount,
                indicator,
                debit_values,
            } => ("indicator", *amount, 0, 0, *indicator, debit_values.clone()),
        };
        CsvMappingForm {
            delimiter: m.delimiter.to_string(),
            encoding: match m.encoding {
                TextEncoding::Auto => "auto",
                TextEncoding::Utf8 => "utf8",
                TextEncoding::Utf16Le => "utf16le",
                TextEncoding::Utf16Be => "utf16be",
                TextEncoding::Windows1252 => "windows1252",
            }
            .into(),
            skip_rows: column(m.skip_rows),
            has_header: m.has_header,
            skip_footer_rows: column(m.skip_footer_rows),
            date_column: column(m.date_column),
            date_format: m.date_format.clone(),
            value_date_column: m.value_date_column.map(column),
            amount_mode: mode.into(),
            amount_column: column(amount),
            debit_column: column(debit),
            credit_column: column(credit),
            indicator_column: column(indicator),
            debit_values,
            decimal_separator: m.decimal_separator.to_string(),
            thousands_separator: m.thousands_separator.map(String::from).unwrap_or_default(),
            invert_sign: m.invert_sign,
            description_columns: m.description_columns.iter().copied().map(column).collect(),
            balance_column: m.balance_column.map(column),
            provider_id_column: m.provider_id_column.map(column),
        }
    }
}

impl CsvMappingForm {
    /// The mapping the person set, over `base` (which keeps what the form does not show:
    /// counterparty, reference and currency columns, the sheet).
    pub fn apply(&self, base: &CsvMapping) -> Result<CsvMapping, AppError> {
        let col = |c: u32| usize::try_from(c).unwrap_or(usize::MAX);
        let amount = match self.amount_mode.as_str() {
            "signed" => AmountColumns::Signed {
                column: col(self.amount_column),
            },
            "debitCredit" => AmountColumns::DebitCredit {
                debit: col(self.debit_column),
                credit: col(self.credit_column),
            },
            "indicator" => AmountColumns::WithIndicator {
                amount: col(self.amount_column),
                indicator: col(self.indicator_column),
                debit_values: self.debit_values.clone(),
            },
            other => {
                return Err(AppError::new(
                    ErrorCode::BankFile("CSV_MAPPING_MISMATCH"),
                    format!("unknown amount columns {other:?}"),
                ))
            }
        };
        let encoding = match self.encoding.as_str() {
            "utf8" => TextEncoding::Utf8,
            "utf16le" => TextEncoding::Utf16Le,
            "utf16be" => TextEncoding::Utf16Be,
            "windows1252" => TextEncoding::Windows1252,
            _ => TextEncoding::Auto,
        };
        let delimiter = if self.delimiter == "\\t" {
            '\t'
        } else {
            one_char(&self.delimiter, "delimiter")?
        };
        Ok(CsvMapping {
            delimiter,
            encoding,
            skip_rows: col(self.skip_rows),
            has_header: self.has_header,
            skip_footer_rows: col(self.skip_footer_rows),
            date_column: col(self.date_column),
            date_format: self.date_format.trim().to_string(),
            value_date_column: self.value_date_column.map(col),
            amount,
            decimal_separator: one_char(&self.decimal_separator, "decimal separator")?,
            thousands_separator: match self.thousands_separator.as_str() {
                "" => None,
                t => Some(one_char(t, "thousands separator")?),
            },
            invert_sign: self.invert_sign,
            description_columns: self.description_columns.iter().map(|c| col(*c)).collect(),
            balance_column: self.balance_column.map(col),
            provider_id_column: self.provider_id_column.map(col),
            ..base.clone()
        })
    }
}

/// What a bank file needs from the person before it can be read, and what Folio suggests.
#[derive(Clone, Debug, Serialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "camelCase")]
pub struct BankFileSetupView {
    pub job_id: u64,
    pub file_name: String,
    /// `CSV`, `XLSX`, `QIF`, ...
    pub format: String,
    /// The first rows as the current mapping reads them (CSV/XLSX).
    pub preview: Vec<Vec<String>>,
    /// The mapping in use or suggested (CSV/XLSX).
    pub mapping: Option<CsvMappingForm>,
    /// ISO 4217 code, when known.
    pub currency: Option<String>,
    /// QIF: `dmy`, `mdy` or `ymd`, when chosen.
    pub date_order: Option<String>,
    /// QIF: `point` or `comma`, when chosen.
    pub number_format: Option<String>,
    /// What is asked: `mapping`, `currency`, `dateOrder`, `numberFormat`.
    pub asks: Vec<String>,
    /// Why (the reader's error), if it was tried.
    pub error: Option<ErrorView>,
}

/// What the person set for a bank file.
#[derive(Clone, Debug, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "camelCase")]
pub struct BankFileChoices {
    pub mapping: Option<CsvMappingForm>,
    pub currency: Option<String>,
    pub date_order: Option<String>,
    pub number_format: Option<String>,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn mapping() -> CsvMapping {
        CsvMapping {
            delimiter: ';',
            encoding: TextEncoding::Windows1252,
            skip_rows: 1,
            has_header: true,
            date_format: "%d/%m/%Y".into(),
            amount: AmountColumns::DebitCredit {
                debit: 3,
                credit: 4,
            },
            decimal_separator: ',',
            thousands_separator: Some('.'),
            description_columns: vec![1, 2],
            balance_column: Some(5),
            counterparty_column: Some(6),
            ..CsvMapping::default()
        }
    }

    #[test]
    fn the_form_gives_back_the_mapping_it_was_shown_and_keeps_what_it_does_not_show() {
        let m = mapping();
        assert_eq!(CsvMappingForm::from(&m).apply(&m).unwrap(), m);
        let mut dto = CsvMappingForm::from(&m);
        dto.amount_mode = "indicator".into();
        dto.amount_column = 3;
        dto.indicator_column = 4;
        dto.debit_values = vec!["Af".into()];
        dto.thousands_separator = String::new();
        let changed = dto.apply(&m).unwrap();
        assert_eq!(
            changed.amount,
            AmountColumns::WithIndicator {
                amount: 3,
                indicator: 4,
                debit_values: vec!["Af".into()]
            }
        );
        assert_eq!(changed.thousands_separator, None);
        // Not on the form: kept from what was there.
        assert_eq!(changed.counterparty_column, Some(6));
    }

    #[test]
    fn choices_that_make_no_sense_are_refused_with_a_reason() {
        let m = mapping();
        let mut dto = CsvMappingForm::from(&m);
        dto.delimiter = ";;".into();
        let err = dto.apply(&m).unwrap_err();
        assert_eq!(err.code().as_str(), "CSV_MAPPING_MISMATCH");
        assert!(err.message().contains("delimiter"), "{}", err.message());
        let mut dto = CsvMappingForm::from(&m);
        dto.amount_mode = "sideways".into();
        assert!(dto.apply(&m).is_err());

        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("export.qif");
        std::fs::write(&path, "!Type:Bank\nD01/02/24\nT-3.50\nPCoffee\n^\n").unwrap();
        let choose = |currency: Option<&str>, order: Option<&str>| BankFileChoices {
            mapping: None,
            currency: currency.map(String::from),
            date_order: order.map(String::from),
            number_format: None,
        };
        let current = BankFileOptions::default();
        let set = options(&path, &current, &choose(Some(" eur"), Some("mdy"))).unwrap();
        assert_eq!(set.currency, Some(folio_ledger::Currency::EUR));
        assert_eq!(set.date_order, Some(DateOrder::MonthDayYear));
        let err = options(&path, &current, &choose(Some("EURO"), None)).unwrap_err();
        assert!(err.message().contains("ISO 4217"), "{}", err.message());
        assert!(options(&path, &current, &choose(None, Some("dym"))).is_err());
    }
}
