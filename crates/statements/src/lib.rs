//! Statement files become verified statements.
//!
//! This first layer is the intake: byte-level checks with stable codes ([`check_pdf`],
//! [`read_pdf`]) and words with positions from every page ([`PdfEngine::extract`]), with each page
//! classified as text, scan or blank. Table rebuild and balance proof build on these words.

mod amounts;
mod dates;
mod error;
mod export;
mod fields;
mod insights;
mod intake;
mod layout;
mod ocr;
mod pdf;
mod read;
mod statement;
mod structure;
mod table;
mod vocab;

pub use amounts::{detect_number_format, parse_amount, AmountToken, NumberFormat, SignMark};
pub use dates::{detect_date_order, parse_date, DateOrder, PartialDate};
pub use error::StatementError;
pub use export::{statement_period, to_csv, to_json, to_json_with_insights, to_xlsx, ExportFormat};
pub use fields::{CurrencyCue, Identity};
pub use folio_tesseract::limit_openmp_threads as limit_ocr_threads;
pub use insights::{
    account_key, analyse, editing_tool, file_facts, font_family, level_of, parse_pdf_date,
    pdf_insights, BalancesInsight, CheckCode, DuplicateMatch, DuplicateReason, FileFacts,
    IdentityInsight, InsightsError, MissingMonth, MissingReason, PeriodInsight, Signal, SignalCode,
    SkippedCheck, StatementInsights, StatementSummary, StatementView, TamperLevel, TamperReport,
    ToolKind, YearMonth, EDITING_TOOLS,
};
pub use intake::{check_pdf, read_pdf, IntakeLimits};
pub use layout::{page_lines, Line, Phrase};
pub use ocr::{tesseract_candidates, OcrEngine, Raster};
pub use pdf::{
    pdfium_candidates, DocumentInfo, PageKind, PageText, PdfEngine, PdfText, PdfType, ReadProgress,
    ReadStep, Word, OCR_DPI,
};
pub use read::{read_statement, FoundStatement, Ocr, ReadOptions, ReadStage, Reading};
pub use statement::{
    parse_statement, parse_statement_by_shape, ParsedStatement, ParsedTransaction, SignConvention,
    Warning, CURRENCY_UNKNOWN,
};
pub use table::{
    assemble, read_table, read_table_by_shape, Assembled, Column, RawRow, Role, RowKind, Table,
    TableReading,
};
pub use vocab::{vocabulary, Vocabulary};

/// Reads and checks a PDF file and extracts its words: the one call the use cases make.
pub fn open_pdf(
    engine: &PdfEngine,
    path: &std::path::Path,
    password: Option<&str>,
    limits: IntakeLimits,
) -> Result<PdfText, StatementError> {
    let bytes = read_pdf(path, limits)?;
    engine.extract_within(&bytes, password, limits)
}

/// [`open_pdf`] that also reads scanned pages with `ocr` (see [`PdfEngine::extract_scans`]),
/// reporting each page read and recognised, and stopping with CANCELLED when `cancel` is set.
pub fn open_pdf_scans(
    engine: &PdfEngine,
    ocr: Option<&OcrEngine>,
    path: &std::path::Path,
    password: Option<&str>,
    limits: IntakeLimits,
    on_progress: &mut dyn FnMut(ReadProgress),
    cancel: &std::sync::atomic::AtomicBool,
) -> Result<PdfText, StatementError> {
    let bytes = read_pdf(path, limits)?;
    engine.extract_scans(&bytes, password, limits, ocr, on_progress, cancel)
}

/// The process's PDF engine, found the way every Folio binary finds it: `FOLIO_PDFIUM_LIB`, next
/// to the executable, `<exe dir>/../lib/folio/`, then the system's library path.
pub fn pdf_engine_from_env() -> Result<&'static PdfEngine, StatementError> {
    let candidates = pdfium_candidates(
        std::env::var_os("FOLIO_PDFIUM_LIB"),
        std::env::current_exe().ok(),
    );
    PdfEngine::load(&candidates)
}

static OCR: std::sync::OnceLock<Result<OcrEngine, Vec<std::path::PathBuf>>> =
    std::sync::OnceLock::new();

/// Frees the process's OCR models if any are loaded (before exit: Tesseract warns about models
/// still loaded when the process ends).
pub fn release_ocr() {
    if let Some(Ok(ocr)) = OCR.get() {
        ocr.release();
    }
}

/// The OCR engine (Tesseract's library: `FOLIO_TESSERACT`, else the system's), loaded once per
/// process; its loaded models are kept for the next page and file.
/// Missing is an answer too (`OCR_ENGINE_MISSING` with the install line), so a scanned file says
/// what to install while text files read as before.
pub fn ocr_engine_from_env() -> Result<&'static OcrEngine, StatementError> {
    OCR.get_or_init(|| {
        let candidates = tesseract_candidates(std::env::var_os("FOLIO_TESSERACT"));
        OcrEngine::find(&candidates).map_err(|_| candidates)
    })
    .as_ref()
    .map_err(|searched| StatementError::OcrEngineMissing {
        searched: searched.clone(),
    })
}
