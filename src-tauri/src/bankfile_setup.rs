//! The bank-file setup form's backend: what a CSV/XLSX/QIF file needs from the person (column
//! mapping, currency, date order, number format), Folio's suggestion, and the choices turned into
//! reading options.

use std::path::Path;

use folio_app::{
    bank_file_format, read_bank_bytes, AppError, BankFileOptions, ErrorCode, ErrorView, ImportJob,
};
use folio_bankfiles::{CsvMapping, DateOrder, Format, NumberFormat};

use crate::dto::{BankFileChoicesDto, BankFileSetupDto, CsvMappingDto};

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

pub fn setup(
    job_id: u64,
    job: &ImportJob,
    path: &Path,
    options: &BankFileOptions,
) -> Result<BankFileSetupDto, AppError> {
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
        (Some(CsvMappingDto::from(&mapping)), preview)
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
    Ok(BankFileSetupDto {
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

fn choice_error(message: String) -> ErrorView {
    ErrorView::from(AppError::new(
        ErrorCode::BankFile("CSV_MAPPING_MISMATCH"),
        message,
    ))
}

/// The person's choices over the job's current options.
pub fn options(
    path: &Path,
    current: &BankFileOptions,
    choices: &BankFileChoicesDto,
) -> Result<BankFileOptions, ErrorView> {
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

#[cfg(test)]
mod tests {
    use super::*;
    use folio_bankfiles::{AmountColumns, TextEncoding};

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
        assert_eq!(CsvMappingDto::from(&m).apply(&m).unwrap(), m);
        let mut dto = CsvMappingDto::from(&m);
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
        let mut dto = CsvMappingDto::from(&m);
        dto.delimiter = ";;".into();
        let err = dto.apply(&m).unwrap_err();
        assert_eq!(err.code, "CSV_MAPPING_MISMATCH");
        assert!(err.message.contains("delimiter"), "{}", err.message);
        let mut dto = CsvMappingDto::from(&m);
        dto.amount_mode = "sideways".into();
        assert!(dto.apply(&m).is_err());

        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("export.qif");
        std::fs::write(&path, "!Type:Bank\nD01/02/24\nT-3.50\nPCoffee\n^\n").unwrap();
        let choose = |currency: Option<&str>, order: Option<&str>| BankFileChoicesDto {
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
        assert!(err.message.contains("ISO 4217"), "{}", err.message);
        assert!(options(&path, &current, &choose(None, Some("dym"))).is_err());
    }
}
