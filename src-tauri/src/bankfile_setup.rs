//! The bank-file setup form's backend: what a CSV/XLSX/QIF file needs from the person (column
//! mapping, currency, date order, number format), Folio's suggestion, and the choices turned into
//! reading options.

use std::path::Path;

use folio_app::{bank_file_format, AppError, BankFileOptions, ErrorCode};
use folio_bankfiles::{CsvMapping, DateOrder, Format, NumberFormat};

use crate::dto::{BankFileChoicesDto, BankFileSetupDto, CsvMappingDto, ErrorDto};
use crate::imports::JobDto;

/// Rows the form previews.
const PREVIEW_ROWS: usize = 8;

fn read(path: &Path) -> Result<(Vec<u8>, Format), AppError> {
    let size = std::fs::metadata(path)
        .map_err(|e| AppError::new(ErrorCode::Internal, format!("{}: {e}", path.display())))?
        .len();
    if size > folio_bankfiles::MAX_FILE_BYTES as u64 {
        return Err(folio_bankfiles::BankFileError::FileTooLarge {
            size: usize::try_from(size).unwrap_or(usize::MAX),
            limit: folio_bankfiles::MAX_FILE_BYTES,
        }
        .into());
    }
    let bytes = std::fs::read(path)
        .map_err(|e| AppError::new(ErrorCode::Internal, format!("{}: {e}", path.display())))?;
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
    job: &JobDto,
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

fn choice_error(message: String) -> ErrorDto {
    ErrorDto::from(AppError::new(
        ErrorCode::BankFile("CSV_MAPPING_MISMATCH"),
        message,
    ))
}

/// The person's choices over the job's current options.
pub fn options(
    path: &Path,
    current: &BankFileOptions,
    choices: &BankFileChoicesDto,
) -> Result<BankFileOptions, ErrorDto> {
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
