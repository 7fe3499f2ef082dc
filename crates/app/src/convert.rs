//! Converting a statement PDF without a ledger (`folio convert`): the one reader, then an export
//! (Balanzio-shaped JSON with Folio's insights, CSV or XLSX). No keychain, nothing filed.

use std::path::Path;

use folio_statements::{
    ExportFormat, Ocr, ParsedStatement, PdfEngine, ReadOptions, ReadStage, StatementError,
    StatementSummary,
};

/// A statement PDF converted: the exported bytes and what the statement was.
#[derive(Debug)]
pub struct Converted {
    pub bytes: Vec<u8>,
    pub statement: ParsedStatement,
}

/// Reads the PDF at `path` (size checked before it is read) and exports it as `format`. The
/// insights (JSON only) compare it with `prior`, earlier statements' summaries. `currency` is
/// for a statement that names none (else it is written as `null`, with CURRENCY_UNKNOWN).
pub fn convert_statement_file(
    engine: &PdfEngine,
    path: &Path,
    file: crate::FileOptions<'_>,
    format: ExportFormat,
    prior: &[StatementSummary],
    progress: &mut dyn FnMut(ReadStage),
) -> Result<Converted, StatementError> {
    let crate::FileOptions {
        password,
        limits,
        currency,
    } = file;
    let bytes = folio_statements::read_pdf(path, limits)?;
    let label = path.file_name().map(|n| n.to_string_lossy().to_string());
    let found = folio_statements::read_statement(
        engine,
        &bytes,
        &ReadOptions {
            password,
            limits,
            ocr: Ocr::Auto,
            label: label.as_deref(),
            prior,
            currency,
            ..ReadOptions::new()
        },
        progress,
    )?
    .into_statement()?;
    let bytes = match format {
        ExportFormat::Json => {
            folio_statements::to_json_with_insights(&found.statement, Some(&found.insights))
                .into_bytes()
        }
        ExportFormat::Csv => folio_statements::to_csv(&found.statement).into_bytes(),
        ExportFormat::Xlsx => folio_statements::to_xlsx(&found.statement)
            .map_err(|e| StatementError::Io(std::io::Error::other(e.to_string())))?,
    };
    Ok(Converted {
        bytes,
        statement: found.statement,
    })
}

/// A job's reading exported as `format`: a statement PDF as [`convert_statement_file`] writes
/// it; a bank file as JSON (with an `insights` array beside `statements`) or CSV.
pub fn export_reading(
    read: &crate::jobs::JobRead,
    format: ExportFormat,
    prior: &[StatementSummary],
) -> Result<Vec<u8>, crate::AppError> {
    match read {
        crate::jobs::JobRead::Pdf(read) => Ok(match format {
            ExportFormat::Json => {
                folio_statements::to_json_with_insights(&read.statement, read.insights.as_ref())
                    .into_bytes()
            }
            ExportFormat::Csv => folio_statements::to_csv(&read.statement).into_bytes(),
            ExportFormat::Xlsx => folio_statements::to_xlsx(&read.statement).map_err(|e| {
                crate::AppError::from(StatementError::Io(std::io::Error::other(e.to_string())))
            })?,
        }),
        crate::jobs::JobRead::Bank(bank) => bank_file_export(
            &bank.read.statements,
            bank.read.format,
            &bank.read.file_name,
            format,
            prior,
        )
        .map(String::into_bytes),
    }
}

/// A bank file's statements as JSON (Folio's shape with an `insights` array beside
/// `statements`, one entry per statement) or CSV; XLSX is for statement PDFs.
pub fn bank_file_export(
    statements: &[folio_bankfiles::BankFileStatement],
    kind: folio_bankfiles::Format,
    label: &str,
    format: ExportFormat,
    prior: &[StatementSummary],
) -> Result<String, crate::AppError> {
    match format {
        ExportFormat::Json => Ok(with_insights(
            crate::bank_file_json(kind, statements),
            statements,
            label,
            prior,
        )),
        ExportFormat::Csv => Ok(crate::bank_file_csv(statements)),
        ExportFormat::Xlsx => Err(crate::AppError::new(
            crate::ErrorCode::BankFile("EXPORT_FORMAT_UNSUPPORTED"),
            "bank files convert to json or csv; xlsx is for statement PDFs",
        )),
    }
}

/// The bank file's JSON with a top-level `insights` array beside `statements` (one entry per
/// statement, in order; `null` for a statement with no date at all). The existing text is kept
/// byte for byte: the array is added before the document's closing brace.
fn with_insights(
    json: String,
    statements: &[folio_bankfiles::BankFileStatement],
    label: &str,
    prior: &[StatementSummary],
) -> String {
    let insights = crate::bank_file_insights(statements, label, prior);
    let Ok(array) = serde_json::to_string_pretty(&insights) else {
        return json;
    };
    let trimmed = json.trim_end();
    let Some(body) = trimmed.strip_suffix('}') else {
        return json;
    };
    let indented = array.replace('\n', "\n  ");
    format!("{},\n  \"insights\": {indented}\n}}\n", body.trim_end())
}
