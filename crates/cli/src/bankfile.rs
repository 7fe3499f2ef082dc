//! `folio import` and `folio convert` for bank export files (OFX/QFX, QIF, CAMT.053/.054, MT940,
//! CSV/XLSX): the options a file may need, and how what was filed or read is printed.

use std::io::Write;
use std::path::{Path, PathBuf};

use clap::Args;
use folio_app::{AppError, BankFileOptions, BankFileReport, ErrorCode, Proof};
use folio_bankfiles::{CsvMapping, DateOrder, NumberFormat};
use folio_ledger::Currency;

/// Options for bank files; PDFs ignore them.
#[derive(Args, Debug, Clone, Default)]
pub struct BankFileArgs {
    /// QIF: the order of day, month and year when the file does not settle it: dmy, mdy or ymd.
    #[arg(long, value_name = "ORDER", value_parser = parse_date_order)]
    pub date_order: Option<DateOrder>,
    /// QIF: the number format when the file does not settle it: point (1,234.56) or comma
    /// (1.234,56).
    #[arg(long, value_name = "FORMAT", value_parser = parse_number_format)]
    pub number_format: Option<NumberFormat>,
    /// CSV/XLSX: the column mapping (JSON: date_column, amount, date_format, ...). `folio import`
    /// remembers it for the account filed into, so the next export with the same columns needs
    /// none.
    #[arg(long, value_name = "MAPPING.json")]
    pub mapping: Option<PathBuf>,
    /// The account's currency (ISO 4217, e.g. EUR) for files that name none (QIF, most CSV, a
    /// statement PDF that prints none); a currency the file names wins.
    #[arg(long, value_name = "CODE", value_parser = parse_currency)]
    pub currency: Option<Currency>,
}

fn parse_date_order(s: &str) -> Result<DateOrder, String> {
    match s.to_ascii_lowercase().as_str() {
        "dmy" => Ok(DateOrder::DayMonthYear),
        "mdy" => Ok(DateOrder::MonthDayYear),
        "ymd" => Ok(DateOrder::YearMonthDay),
        other => Err(format!("unknown date order {other:?}: use dmy, mdy or ymd")),
    }
}

fn parse_number_format(s: &str) -> Result<NumberFormat, String> {
    match s.to_ascii_lowercase().as_str() {
        "point" | "dot" | "1,234.56" => Ok(NumberFormat::DecimalPoint),
        "comma" | "1.234,56" => Ok(NumberFormat::DecimalComma),
        other => Err(format!(
            "unknown number format {other:?}: use point (1,234.56) or comma (1.234,56)"
        )),
    }
}

fn parse_currency(s: &str) -> Result<Currency, String> {
    Currency::from_code(&s.to_ascii_uppercase()).map_err(|e| e.to_string())
}

impl BankFileArgs {
    /// The options for folio-app, with the mapping file read.
    pub fn options(&self) -> Result<BankFileOptions, AppError> {
        let mapping = match &self.mapping {
            Some(path) => Some(read_mapping(path)?),
            None => None,
        };
        Ok(BankFileOptions {
            date_order: self.date_order,
            number_format: self.number_format,
            mapping,
            currency: self.currency,
        })
    }
}

fn read_mapping(path: &Path) -> Result<CsvMapping, AppError> {
    let text = std::fs::read_to_string(path).map_err(|e| {
        AppError::new(
            ErrorCode::BankFile("CSV_MAPPING_INVALID"),
            format!("the column mapping {}: {e}", path.display()),
        )
    })?;
    serde_json::from_str(&text).map_err(|e| {
        AppError::new(
            ErrorCode::BankFile("CSV_MAPPING_INVALID"),
            format!(
                "the column mapping {} is not a mapping: {e}",
                path.display()
            ),
        )
    })
}

/// The bank-file format of `path`, or `None` (a PDF, or a file to hand to the PDF reader).
pub fn format_of(path: &Path, has_mapping: bool) -> Option<folio_bankfiles::Format> {
    let bytes = std::fs::read(path).ok()?;
    let name = path.file_name().map(|n| n.to_string_lossy().to_string());
    folio_app::bank_file_format(&bytes, name.as_deref(), has_mapping)
}

/// One line per statement filed.
pub fn print_report(out: &mut impl Write, r: &BankFileReport) -> std::io::Result<()> {
    let n = r.statements.len();
    for (i, s) in r.statements.iter().enumerate() {
        writeln!(
            out,
            "{}: {} statement {}/{n}{}: filed {} new transactions ({} already known) into {} [account {}{}], {} .. {}, {}",
            r.file,
            r.format,
            i + 1,
            s.account.as_deref().map(|a| format!(" {a}")).unwrap_or_default(),
            s.added,
            s.already_known,
            s.account_name,
            s.account_id,
            if s.account_created { ", new" } else { "" },
            s.period_start,
            s.period_end,
            match s.proof {
                Proof::Balanced => format!(
                    "reconciled ({} -> {} {})",
                    s.opening.as_deref().unwrap_or_default(),
                    s.closing.as_deref().unwrap_or_default(),
                    s.currency
                ),
                Proof::NotReconciled => "NOT reconciled (accepted)".to_string(),
                Proof::NoBalances => "no balances to prove".to_string(),
            }
        )?;
        for w in &s.warnings {
            writeln!(out, "  warning: {w}")?;
        }
    }
    if r.skipped_empty > 0 {
        writeln!(
            out,
            "{}: {} empty statements (no row, no date) not filed",
            r.file, r.skipped_empty
        )?;
    }
    Ok(())
}

/// `folio convert` of a bank file: JSON or CSV to standard output or `out`. No ledger.
pub fn convert(
    file: &Path,
    args: &BankFileArgs,
    format: folio_statements::ExportFormat,
    out: Option<&Path>,
    prior: &[folio_statements::StatementSummary],
) -> Result<(), AppError> {
    let options = args.options()?;
    let bytes = std::fs::read(file).map_err(|e| {
        AppError::new(
            ErrorCode::BankFile("FILE_UNREADABLE"),
            format!("{}: {e}", file.display()),
        )
    })?;
    let name = file
        .file_name()
        .map(|n| n.to_string_lossy().to_string())
        .unwrap_or_default();
    let (kind, statements) = folio_app::parse_bank_file(&bytes, &name, &options)?;
    let text = folio_app::bank_file_export(&statements, kind, &name, format, prior)?;
    let written = match out {
        Some(path) => crate::write_whole(path, text.as_bytes()),
        None => match std::io::stdout().lock().write_all(text.as_bytes()) {
            Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(()),
            other => other,
        },
    };
    written.map_err(|e| AppError::new(ErrorCode::Internal, format!("writing output: {e}")))
}
