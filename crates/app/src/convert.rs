//! Converting a statement PDF without a ledger (`folio convert`): the one reader, then an export
//! (Balanzio-shaped JSON with Folio's insights, CSV or XLSX). No keychain, nothing filed.

use std::path::Path;

use folio_statements::{
    ExportFormat, IntakeLimits, Ocr, ParsedStatement, PdfEngine, ReadOptions, ReadStage,
    StatementError, StatementSummary,
};

/// A statement PDF converted: the exported bytes and what the statement was.
#[derive(Debug)]
pub struct Converted {
    pub bytes: Vec<u8>,
    pub statement: ParsedStatement,
}

/// Reads the PDF at `path` (size checked before it is read) and exports it as `format`. The
/// insights (JSON only) compare it with `prior`, earlier statements' summaries.
pub fn convert_statement_file(
    engine: &PdfEngine,
    path: &Path,
    password: Option<&str>,
    limits: IntakeLimits,
    format: ExportFormat,
    prior: &[StatementSummary],
    progress: &mut dyn FnMut(ReadStage),
) -> Result<Converted, StatementError> {
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
